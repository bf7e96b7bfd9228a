"""Pairs told by a script: the runtime Dockerfile copies from the host what a container of
the build Dockerfile's image put there (docker cp, or a volume it wrote into).

The link is only taken when the script says so in order: the build file is built, its
container's files reach the host, then the runtime file is built from a context that holds
them. Two different build files feeding one runtime file, or one runtime file paired
differently by two scripts, is refused with the candidates.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from dfsplit.dockerfile import parser, words
from dfsplit.dockerfile.globs import is_glob, path_match
from dfsplit.model import Dockerfile, Refuse
from dfsplit.plan.pairs.docker import Build, Export, Run, Timeline, image_key
from dfsplit.plan.pairs.script import Call, Line, Other


class Link(NamedTuple):
    """A file or directory the builder makes and the host receives."""

    host: str  # relative to the pairs' directory
    builder: str  # absolute path in the build image's container
    why: str  # the script line (or the rule) that says so
    run: Run | None  # what ran in the container before (its command becomes a RUN)
    source_mount: bool = False  # a volume holding the sources: only files absent from them


class Pair(NamedTuple):
    build_file: str  # relative to the pairs' directory
    runtime_file: str
    build_context: str
    runtime_context: str
    links: tuple[Link, ...]
    told_by: tuple[str, ...]  # cited lines: what says these two files are a pair
    leftovers: tuple[Line, ...] = ()  # script lines the merge leaves unused
    script: str | None = None
    build_args: tuple[str, ...] = ()  # --build-arg values of the build file's build
    runtime_build: Call | None = None


class Problem(NamedTuple):
    files: tuple[str, ...]  # the Dockerfiles it is about
    reason: str


class Found(NamedTuple):
    pairs: tuple[Pair, ...] = ()
    problems: tuple[Problem, ...] = ()
    builders: tuple[tuple[str, str], ...] = ()  # (Dockerfile, why it is only a builder)


# --- the runtime file's host copies ------------------------------------------------------------


class HostCopy(NamedTuple):
    """One source of a COPY/ADD from the build context."""

    position: int  # the instruction's index in the Dockerfile
    source: str  # as written
    host: str  # relative to the pairs' directory


def single_stage(raw: bytes) -> Dockerfile | None:
    """The parsed file when it has exactly one stage; a multi-stage file is merged already,
    or builds on its own."""
    try:
        df = parser.parse(raw)
    except Refuse:
        return None
    return df if len(df.stages()) == 1 else None


def host_copies(raw: bytes, context: str) -> list[HostCopy]:
    """Every context source of a single-stage Dockerfile's COPY/ADD instructions (URLs and `$`
    left out)."""
    df = single_stage(raw)
    if df is None:
        return []
    out = []
    for index, ins in enumerate(df.instructions):
        if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or ins.heredocs:
            continue
        found = words.copy_words(ins.args) or []
        for source in found[:-1]:
            if "://" in source or "$" in source:
                continue
            rel = posixpath.normpath(posixpath.join(context, source.lstrip("/")))
            out.append(HostCopy(index, source, rel))
    return out


def relates(copy_host: str, link: Link, files: Collection[str]) -> bool:
    """Whether a host copy takes (part of) what `link` brought to the host."""
    if link.source_mount and (copy_host in files or _holds_files(copy_host, files)):
        return False  # a source file, not something the build made
    if is_glob(copy_host):
        parent = posixpath.dirname(copy_host)
        return path_match(copy_host, link.host) or within(parent, link.host)
    return within(copy_host, link.host) or within(link.host, copy_host)


def within(path: str, parent: str) -> bool:
    return parent == "." or path == parent or path.startswith(parent.rstrip("/") + "/")


def _holds_files(directory: str, files: Collection[str]) -> bool:
    prefix = directory.rstrip("/") + "/"
    return directory == "." or any(f.startswith(prefix) for f in files)


# --- links from a script -----------------------------------------------------------------------


def _link(export: Export, files: Collection[str]) -> Link:
    dest = export.dest
    if export.via == "docker cp":
        into = export.into or (dest != "." and _holds_files(dest, files))
        host = posixpath.normpath(posixpath.join(dest, posixpath.basename(export.src)))
        if into or dest == ".":
            dest = host
    source_mount = export.via == "volume" and _holds_files(dest, files)
    return Link(dest, export.src, export.call.line.cite(), export.run, source_mount)


def _position(timeline: Timeline, call: Call) -> int:
    return next(i for i, step in enumerate(timeline.steps) if step is call)


def _build_of(timeline: Timeline, image: str, before: int) -> Build | None:
    """The last build before `before` that tagged `image`."""
    found = None
    for build in timeline.builds:
        if image_key(image) in build.tags and _position(timeline, build.call) < before:
            found = build
    return found


def script_pairs(
    script: str,
    timeline: Timeline,
    dockerfiles: Mapping[str, bytes],
    files: Collection[str],
) -> Found:
    """The pairs one script tells, and the build files whose products it extracts."""
    pairs: list[Pair] = []
    problems: list[Problem] = []
    builders: dict[str, str] = {}
    sourced = [
        (e, _build_of(timeline, e.image, _position(timeline, e.call))) for e in timeline.exports
    ]
    for call, image in timeline.lost:
        build = _build_of(timeline, image, _position(timeline, call))
        if build is not None:
            why = f"{call.line.cite()} copies its artifact out (to a path dfsplit does not follow)"
            builders.setdefault(build.dockerfile, why)
    for export, build in sourced:
        if build is not None:
            builders.setdefault(
                build.dockerfile, f"{export.call.line.cite()} copies its artifact out"
            )
    for runtime in timeline.builds:
        raw = dockerfiles.get(runtime.dockerfile)
        if raw is None or runtime.dockerfile in builders:
            continue
        at = _position(timeline, runtime.call)
        copies = host_copies(raw, runtime.context)
        feeding: dict[str, list[tuple[Export, Link]]] = {}
        for export, build in sourced:
            if build is None or build.dockerfile == runtime.dockerfile:
                continue
            if _position(timeline, export.call) > at:
                continue
            link = _link(export, files)
            if any(relates(c.host, link, files) for c in copies):
                feeding.setdefault(build.dockerfile, []).append((export, link))
        if len(feeding) > 1:
            names = ", ".join(sorted(feeding))
            problems.append(
                Problem(
                    (runtime.dockerfile, *sorted(feeding)),
                    f"{runtime.dockerfile} copies artifacts of several build files ({names}), "
                    f"as {script} tells: dfsplit merges one build file into one runtime file",
                )
            )
            continue
        for build_file, fed in feeding.items():
            pairs.append(_pair(script, timeline, runtime, build_file, fed))
    return Found(tuple(pairs), tuple(problems), tuple(sorted(builders.items())))


def _pair(
    script: str,
    timeline: Timeline,
    runtime: Build,
    build_file: str,
    fed: Sequence[tuple[Export, Link]],
) -> Pair:
    export = fed[0][0]
    build = _build_of(timeline, export.image, _position(timeline, export.call))
    assert build is not None  # fed only holds exports with a build
    told = [build.call.line.cite(), *(e.call.line.cite() for e, _ in fed)]
    told.append(runtime.call.line.cite())
    return Pair(
        build_file=build_file,
        runtime_file=runtime.dockerfile,
        build_context=build.context,
        runtime_context=runtime.context,
        links=tuple(link for _, link in fed),
        told_by=tuple(dict.fromkeys(told)),
        leftovers=tuple(leftover_lines(timeline, build, [e for e, _ in fed])),
        script=script,
        build_args=build.build_args,
        runtime_build=runtime.call,
    )


def leftover_lines(timeline: Timeline, build: Build, exports: Sequence[Export]) -> list[Line]:
    """The script lines that only served the build file: its build, its containers' create,
    run, start, cp and rm, the image's rmi, and mkdir/rm of the host paths the artifacts
    went to."""
    images = set(build.tags)
    handles = _handles(timeline, images)
    hosts = {e.dest for e in exports}
    lines: dict[Line, None] = {build.call.line: None}
    for step in timeline.steps:
        if (isinstance(step, Call) and _serves(step, images, handles)) or (
            isinstance(step, Other) and _touches_only(step, hosts)
        ):
            lines[step.line] = None
    return sorted(lines, key=lambda line: (line.file, line.number))


def _handles(timeline: Timeline, images: set[str]) -> set[str]:
    out: set[str] = set()
    for step in timeline.steps:
        if not isinstance(step, Call) or step.argv[:1] not in (("run",), ("create",)):
            continue
        if not images & {image_key(w) for w in step.argv}:
            continue
        argv = list(step.argv)
        out |= {argv[i + 1] for i, w in enumerate(argv[:-1]) if w == "--name"}
        out |= {w.split("=", 1)[1] for w in argv if w.startswith("--name=")}
        if step.captured:
            out |= {f"${step.captured}", "${" + step.captured + "}"}
    return out


def _serves(call: Call, images: set[str], handles: set[str]) -> bool:
    verb = call.argv[0] if call.argv else ""
    named = {image_key(w) for w in call.argv[1:]} | {w.split(":", 1)[0] for w in call.argv[1:]}
    if verb == "build":
        return False  # the build file's own build is added by the caller
    if verb in ("run", "create", "rmi"):
        return bool(images & named)
    if verb in ("cp", "rm", "start", "wait", "stop", "kill", "logs"):
        return bool(handles & named)
    return False


def _touches_only(step: Other, hosts: set[str]) -> bool:
    """`rm -rf out`, `mkdir -p out`: housekeeping of an artifact's host path."""
    if step.argv[:1] not in (("rm",), ("mkdir",)):
        return False
    paths = [w.rstrip("/") for w in step.argv[1:] if not w.startswith("-")]
    norm = {posixpath.normpath(p) for p in paths}
    return bool(norm) and norm <= {posixpath.normpath(h) for h in hosts}
