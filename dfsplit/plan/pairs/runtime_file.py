"""The runtime file as the final stage: each host COPY of an artifact becomes
`COPY --from=builder <where the builder made it> <the same destination>`; every other line
stays as written. Its global ARGs move to the top of the merged file, where they must be.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from dfsplit.dockerfile import edits, words
from dfsplit.dockerfile.globs import Dockerignore, is_glob, path_match
from dfsplit.model import Dockerfile, Edit, Instruction, Refuse
from dfsplit.plan.pairs.find import Link, relates, within

_PLAIN = re.compile(r"^[A-Za-z0-9_./@+=:,*?\[\]-]+$")
# Names that are files, never directories: what builds package their artifacts into.
_FILE_SUFFIXES = (
    *(".jar", ".war", ".ear", ".zip", ".tar", ".gz", ".tgz", ".whl", ".so", ".exe"),
    *(".deb", ".rpm", ".apk", ".wasm", ".js", ".html", ".bin"),
)
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")
STAGE_NAMES = ("builder", "tester")


class Mapped(NamedTuple):
    """One source of a runtime COPY, now taken from the builder."""

    host: str  # the source as the runtime file wrote it, relative to the pairs' directory
    builder: str  # where the builder has it
    dest: str  # the destination, as written (or with the host file's name added)
    line: int = 0  # the COPY's first line in the runtime file


class Rewired(NamedTuple):
    edits: tuple[Edit, ...]  # on the runtime file's lines
    preamble: tuple[Instruction, ...]  # global ARGs, for the top of the merged file
    mapped: tuple[Mapped, ...]


def copy_text(keyword: str, flags: Sequence[str], sources: Sequence[str], dest: str) -> str:
    """A COPY/ADD line; JSON form when a path would need quoting."""
    head = " ".join([keyword, *flags])
    paths = [*sources, dest]
    if all(_PLAIN.match(p) for p in paths):
        return f"{head} {' '.join(paths)}"
    return f"{head} {json.dumps(paths)}"


class Context(NamedTuple):
    """What the rewrite knows about the runtime file's build context and the builder."""

    runtime_context: str  # relative to the pairs' directory
    files: Collection[str]  # files of the pairs' directory (relative to it)
    ignore: Dockerignore  # the runtime context's .dockerignore
    builder_dirs: Collection[str]  # directories known to exist in the builder
    builder_files: Collection[str]  # files the build is known to write (-o outputs)


def rewire(df: Dockerfile, links: Sequence[Link], ctx: Context, stage: str) -> Rewired:
    """Edits that take the artifacts from `stage`, and what each copy now reads."""
    if len(df.stages()) != 1:
        raise Refuse("the runtime file is already multi-stage")
    out: list[Edit] = [_name_final(df)]
    out += [edits.remove(df, ins) for ins in df.preamble()]
    mapped: list[Mapped] = []
    for ins in df.stages()[0]:
        if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
            rewritten = _rewire_copy(df, ins, links, ctx, stage, mapped)
            if rewritten is not None:
                out.append(rewritten)
    if not mapped:
        raise Refuse("the runtime file copies none of the artifacts from the host")
    unused = [
        link.host
        for link in links
        if not any(within(m.host, link.host) or within(link.host, m.host) for m in mapped)
    ]
    if unused:
        raise Refuse(f"no COPY of the runtime file takes {', '.join(unused)}")
    return Rewired(tuple(out), df.preamble(), tuple(mapped))


def _name_final(df: Dockerfile) -> Edit:
    head = df.stages()[0][0].args.split()
    if len(head) >= 3 and head[1].lower() == "as":
        if head[2].lower() in STAGE_NAMES:
            raise Refuse(f"the runtime file's stage is named {head[2]}, as a merged stage is")
        return Edit(0, 0, "")  # the user's name stays
    return edits.name_stage(df, df.stages()[0][0], "runtime")


def _rewire_copy(
    df: Dockerfile,
    ins: Instruction,
    links: Sequence[Link],
    ctx: Context,
    stage: str,
    mapped: list[Mapped],
) -> Edit | None:
    found = words.copy_words(ins.args)
    if not found or len(found) < 2:
        return None
    *sources, dest = found
    keyword = edits.keyword(df, "COPY")
    flags = [f for f in ins.flags]
    kept: list[str] = []
    lines: list[str] = []
    for source in sources:
        taken = _map_source(ins, source, dest, len(sources) > 1, links, ctx)
        if taken is None:
            kept.append(source)
            continue
        keep_too, froms = taken
        if keep_too:
            kept.append(source)
        for m in froms:
            m = m._replace(line=ins.start)
            mapped.append(m)
            lines.append(copy_text(keyword, [*flags, f"--from={stage}"], [m.builder], m.dest))
    if not lines:
        return None
    if kept:
        lines.insert(0, copy_text(edits.keyword(df, ins.keyword), flags, kept, dest))
    return Edit(ins.start, ins.end, "\n".join(lines))


def _map_source(
    ins: Instruction,
    source: str,
    dest: str,
    several: bool,
    links: Sequence[Link],
    ctx: Context,
) -> tuple[bool, list[Mapped]] | None:
    """(keep the host source too, the copies from the builder) for one COPY source."""
    if "://" in source or "$" in source:
        return None
    rel = posixpath.normpath(source.lstrip("/")) if source not in (".", "./") else "."
    host = posixpath.normpath(posixpath.join(ctx.runtime_context, rel))
    if ctx.ignore.excludes(rel):
        return None  # .dockerignore kept it out of the runtime image: never an artifact
    related = [link for link in links if relates(host, link, ctx.files)]
    if not related:
        return None
    if ins.keyword == "ADD" and host.endswith(_ARCHIVES):
        raise Refuse(f"ADD {source} unpacks a host archive; COPY --from would not")
    keep_too = False
    out: list[Mapped] = []
    for link in related:
        if is_glob(host) or within(host, link.host):
            out.append(_inside(host, source, dest, several, link, ctx)._replace(host=host))
        else:  # the COPY takes a directory that holds the artifact
            sub = posixpath.relpath(link.host, host)
            out.append(Mapped(host, link.builder, posixpath.join(dest, sub)))
            keep_too = keep_too or _other_files(host, link.host, ctx.files)
    return keep_too, out


def _inside(host: str, source: str, dest: str, several: bool, link: Link, ctx: Context) -> Mapped:
    """A source at or below the link's host path (or a glob over it)."""
    if is_glob(host) and not within(posixpath.dirname(host), link.host):
        others = sorted(f for f in ctx.files if path_match(host, f) and f != link.host)
        if others:
            raise Refuse(f"COPY {source} also takes {others[0]}, which the build did not make")
        builder = link.builder
    else:
        builder = (
            posixpath.normpath(link.builder + host[len(link.host) :])
            if host != link.host
            else link.builder
        )
    if link.host == ".":
        builder = posixpath.normpath(posixpath.join(link.builder, host))
    return Mapped(source, builder, _dest(source, dest, several, host, builder, ctx))


def _dest(source: str, dest: str, several: bool, host: str, builder: str, ctx: Context) -> str:
    """The destination as written, unless a file renamed on its way to the host would land
    in a directory under its builder name."""
    same_name = posixpath.basename(host) == posixpath.basename(builder)
    into_dir = dest.endswith("/") or dest in (".", "./") or several
    if same_name or not into_dir or is_glob(host):
        return dest
    is_dir = source.endswith("/") or builder in ctx.builder_dirs
    is_file = builder in ctx.builder_files or builder.endswith(_FILE_SUFFIXES)
    if is_dir and not is_file:
        return dest
    if is_file and not is_dir:
        return posixpath.join(dest, posixpath.basename(host))
    raise Refuse(
        f"cannot tell whether {builder} (the host's {source}) is a file or a directory, "
        f"and COPY into {dest} differs for the two"
    )


def _other_files(directory: str, artifact: str, files: Collection[str]) -> bool:
    prefix = directory.rstrip("/") + "/" if directory != "." else ""
    return any(f.startswith(prefix) and not within(f, artifact) for f in files)
