"""Builder-pattern pairs at the IO edge: the scripts, Makefiles and Dockerfiles around a
Dockerfile, read so that the pure finders (dfsplit.plan.pairs) can tell whether it is half of
a pair, and the pair's files loaded for the merge.

A directory is read once per process: its scripts (`*.sh`, `*.bash`, Makefiles, in it and in
its scripts/, script/, bin/, hack/, ci/ and build/ folders) and the Dockerfiles they build; the
Dockerfile's own directory and those above it, up to its repository, are looked at, nearest
first. This does not depend on which Dockerfiles discovery yields: a build file is recognised
however dfsplit was pointed at it.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path
from typing import NamedTuple

from dfsplit import files
from dfsplit.dockerfile.globs import IgnoreRule, is_ignored, parse_gitignore
from dfsplit.model import Options, Outcome, Status
from dfsplit.plan.pairs import docker, find, names, script
from dfsplit.plan.pairs.find import Found, Pair, Problem
from dfsplit.plan.pairs.given import PairInput
from dfsplit.plan.pairs.merge import merge

SCRIPT_DIRS = ("", "scripts", "script", "bin", "hack", "ci", "build")
_MAKEFILE = re.compile(r"^(GNUmakefile|[Mm]akefile|.*\.mk)$")
_SHELL = re.compile(r"^(.*\.(sh|bash))$")
MAX_SCRIPT_BYTES = 256 * 1024
MAX_LEVELS = 4  # directories above the Dockerfile's that are searched


class Role(NamedTuple):
    """What a Dockerfile is in a pair found in `directory`."""

    kind: str  # "runtime", "build", "builder" or "refused"
    directory: Path  # the pairs' directory: the paths of `pair` are relative to it
    pair: Pair | None = None
    reason: str = ""


def role_of(dockerfile: Path, root: Path, repo: Path | None) -> Role | None:
    """The Dockerfile's part in a builder-pattern pair, or None for an ordinary Dockerfile."""
    real = Path(os.path.realpath(dockerfile))
    top = Path(os.path.realpath(repo or root))
    directory = real.parent
    for _ in range(MAX_LEVELS):
        rel = real.relative_to(directory).as_posix()
        found = _found_in(str(directory), real.parent == directory)
        role = _role(found, rel, directory)
        if role is not None:
            return role
        if directory == top or directory.parent == directory or not directory.is_relative_to(top):
            break
        directory = directory.parent
    return None


def _role(found: Found, rel: str, directory: Path) -> Role | None:
    for problem in found.problems:
        if rel in problem.files:
            return Role("refused", directory, reason=problem.reason)
    for pair in found.pairs:
        if pair.runtime_file == rel:
            return Role("runtime", directory, pair)
        if pair.build_file == rel:
            reason = (
                f"the build file of a builder-pattern pair, merged into {pair.runtime_file} "
                f"(told by {pair.told_by[0]}): not rewritten on its own"
            )
            return Role("build", directory, pair, reason)
    for build_file, why in found.builders:
        if build_file == rel:
            reason = f"a builder image, not an app: {why}"
            return Role("builder", directory, reason=reason)
    return None


def forget() -> None:
    """Drop what was read: the cache lives for one run; trees change between runs."""
    _found_in.cache_clear()


@functools.lru_cache(maxsize=512)
def _found_in(directory: str, with_names: bool) -> Found:
    """Every pair the scripts of `directory` tell, and (for a Dockerfile's own directory)
    the pair its file names tell."""
    base = Path(directory)
    scripts = _scripts(base)
    listing: frozenset[str] | None = None
    pairs: list[Pair] = []
    problems: list[Problem] = []
    builders: list[tuple[str, str]] = []
    for rel, text in scripts:
        steps = _steps(rel, text)
        timeline = docker.read(steps)
        if not timeline.exports and not timeline.lost:
            continue
        listing = listing if listing is not None else _listing(base)
        dockerfiles = _dockerfiles(base, [b.dockerfile for b in timeline.builds])
        found = find.script_pairs(rel, timeline, dockerfiles, listing)
        pairs += found.pairs
        problems += found.problems
        builders += found.builders
    if with_names and not pairs and not problems:
        named = _name_pair(base, {b for b, _ in builders})
        pairs += named.pairs
        problems += named.problems
        builders += named.builders
    return _consistent(pairs, problems, builders)


def _steps(rel: str, text: str) -> list[script.Step]:
    if _MAKEFILE.match(posixpath.basename(rel)):
        return script.make_steps(rel, text)
    return script.sh_steps(rel, text, ".")


def _consistent(
    pairs: list[Pair], problems: list[Problem], builders: list[tuple[str, str]]
) -> Found:
    """One runtime file paired two ways (two scripts that disagree) is refused."""
    by_runtime: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_runtime.setdefault(pair.runtime_file, []).append(pair)
    kept: list[Pair] = []
    for runtime, group in by_runtime.items():
        ways = {
            (p.build_file, tuple(sorted((lk.host, lk.builder) for lk in p.links))) for p in group
        }
        if len(ways) == 1:
            kept.append(group[0])
            continue
        files_ = tuple(sorted({runtime, *(p.build_file for p in group)}))
        told = "; ".join(f"{p.script}: {p.build_file}" for p in group)
        problems.append(Problem(files_, f"{runtime} is paired differently by its scripts ({told})"))
    return Found(tuple(kept), tuple(problems), tuple(dict.fromkeys(builders)))


def _scripts(base: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    try:
        here = set(os.listdir(base))
    except OSError:
        return out
    for sub in SCRIPT_DIRS:
        if sub and sub not in here:
            continue  # most directories have none of them: one listing, not seven
        folder = base / sub if sub else base
        try:
            names_ = sorted(here if not sub else os.listdir(folder))
        except OSError:
            continue
        for name in names_:
            if not (_MAKEFILE.match(name) or _SHELL.match(name)):
                continue
            text = _read_text(folder / name, base)
            if text is not None and "docker" in text:
                out.append((f"{sub}/{name}" if sub else name, text))
    return out


def _read_text(path: Path, root: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        raw = files.read_dockerfile(path, root=root, limit=MAX_SCRIPT_BYTES)
    except files.FileError:
        return None
    return raw.decode("utf-8", errors="replace")


def _listing(base: Path) -> frozenset[str]:
    """The files of the directory that belong to the repository: what .gitignore ignores
    (a build's output on a developer's checkout) is left out, as a fresh clone has it."""
    try:
        listing = files.snapshot_context(base, ())[0]
    except files.FileError:
        return frozenset()
    rules: list[IgnoreRule] = []
    for rel in sorted((f for f in listing if posixpath.basename(f) == ".gitignore"), key=len):
        text = _read_text(base / rel, base)
        if text is not None:
            rules += parse_gitignore(text, posixpath.dirname(rel))
    if not rules:
        return listing
    return frozenset(f for f in listing if not _ignored(rules, f))


def _ignored(rules: list[IgnoreRule], rel: str) -> bool:
    parts = rel.split("/")
    parents = ("/".join(parts[:i]) for i in range(1, len(parts)))
    return any(is_ignored(rules, d, True) for d in parents) or is_ignored(rules, rel, False)


def _dockerfiles(base: Path, rels: list[str]) -> dict[str, bytes]:
    out = {}
    for rel in dict.fromkeys(rels):
        try:
            out[rel] = files.read_dockerfile(base / rel, root=base)
        except files.FileError:
            continue
    return out


def _name_pair(base: Path, builders: set[str]) -> Found:
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return Found()
    wanted = [n for n in entries if names.is_build_name(n) or names.is_runtime_name(n)]
    if not any(names.is_build_name(n) for n in wanted) or not any(
        names.is_runtime_name(n) for n in wanted
    ):
        return Found()
    projects = {}
    for name in wanted:
        if name in builders or not (base / name).is_file():
            continue
        try:
            projects[name], _ = files.load_project(base / name, context=base, root=base)
        except files.FileError:
            continue
    return names.name_pairs(".", projects, _listing(base))


# --- the job --------------------------------------------------------------------------------


def run(
    role: Role, dockerfile: Path, shown: str, root: Path, options: Options
) -> tuple[Outcome, Path, Path | None]:
    """(outcome, build context, resolved path to write) for a Dockerfile that has a role."""
    if role.kind != "runtime" or role.pair is None:
        status = Status.REFUSED if role.kind == "refused" else Status.UNCHANGED
        return Outcome(shown, status, reason=role.reason), dockerfile.parent, None
    pair = role.pair
    base = role.directory
    context = base / pair.runtime_context
    try:
        runtime, real = files.load_project(dockerfile, context=context, root=root, shown=shown)
        build, _ = files.load_project(
            base / pair.build_file, context=base / pair.build_context, root=root
        )
    except files.FileError as exc:
        return Outcome(shown, Status.FAILED, reason=exc.reason), context, None
    given = PairInput(
        pair,
        build,
        runtime,
        _listing(base),
        posixpath.relpath(pair.build_file, pair.runtime_context),
        posixpath.relpath(pair.script, pair.runtime_context) if pair.script else None,
        _script_bytes(base, pair.script, root),
    )
    return merge(given, options), context, real


def _script_bytes(base: Path, rel: str | None, root: Path) -> bytes | None:
    if rel is None:
        return None
    try:
        return files.read_dockerfile(base / rel, root=root, limit=MAX_SCRIPT_BYTES)
    except files.FileError:
        return None
