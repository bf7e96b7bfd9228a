"""Files the app reads by relative path at run time, found in its start command and source."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import NamedTuple

from dfsplit.model import Project
from dfsplit.plan.stage import StageModel

# Never runtime files: build files (and the recipe's sources, see Reads.sources).
_BUILD_FILE = re.compile(r"(^|/)(Dockerfile[^/]*|\.dockerignore|\.git[^/]*|Makefile)$")
_ASSET_DIRS = {
    "templates",
    "static",
    "public",
    "assets",
    "config",
    "configs",
    "migrations",
    "web",
    "views",
    "locales",
    "i18n",
}
_GLOB = re.compile(r"[*?\[{]")


class Reads(NamedTuple):
    """What a recipe's scan of the app's source says about the files it reads."""

    sources: tuple[str, ...]  # suffixes of source and manifest files: never runtime files
    literals: tuple[str, ...] = ()  # string literals: maybe relative paths
    embedded: tuple[str, ...] = ()  # paths compiled into the program (Go's //go:embed)
    opened: tuple[str, ...] = ()  # literal paths handed straight to a file-opening call
    dynamic_opens: tuple[str, ...] = ()  # "file: call(path)" with a computed path


class Found:
    """The runtime files found so far (lists, filled in as the search goes)."""

    __slots__ = ("notes", "paths", "required", "warnings")

    def __init__(self) -> None:
        self.paths: list[str] = []  # absolute builder paths to copy as they are
        self.required: list[str] = []  # those the start command names
        self.notes: list[str] = []
        self.warnings: list[str] = []


def runtime_files(
    model: StageModel, source: Reads, start_args: Sequence[str], project: Project
) -> Found:
    found = Found()
    workdir = model.final.workdir
    embedded = {_first(p) for p in source.embedded}
    for arg in start_args:
        value = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
        path = _resolve(model, workdir, value, source.sources)
        if path and path not in found.paths:
            found.paths.append(path)
            found.required.append(path)
            found.notes.append(f"runtime file {path}: named by the start command")
    for literal in source.literals:
        if _first(literal) in embedded:
            continue
        path = _resolve(model, workdir, literal, source.sources)
        if path and path not in found.paths:
            found.paths.append(path)
            found.notes.append(f"runtime file {path}: the source reads {literal!r}")
    _warn_unresolved(model, source, found, workdir)
    return found


def _first(path: str) -> str:
    return path.lstrip("./").split("/", 1)[0]


def _resolve(model: StageModel, workdir: str, literal: str, sources: tuple[str, ...]) -> str | None:
    """The builder path a relative (or absolute) file literal names, if the build copied it."""
    if not literal or "\n" in literal or "://" in literal or literal.startswith(("-", "$")):
        return None
    stem = _GLOB.split(literal, maxsplit=1)[0].rstrip("/")
    if not stem or stem in {".", "./"} or len(stem) > 200:
        return None
    absolute = posixpath.normpath(posixpath.join(workdir, stem))
    top = _top_dir(model, workdir, absolute)
    candidate = top or absolute
    rel = model.context_path(candidate)
    if rel is None or rel == "." or candidate in {"/", workdir}:
        return None
    if rel.endswith(sources) or _BUILD_FILE.search(rel):
        return None
    return candidate


def _top_dir(model: StageModel, workdir: str, absolute: str) -> str | None:
    """For `templates/x.html`, copy all of `templates/`: the app may read its siblings."""
    prefix = posixpath.normpath(workdir).rstrip("/") + "/"
    if not absolute.startswith(prefix):  # absolute is normalised too: no relpath needed
        return None
    first = absolute[len(prefix) :].split("/", 1)[0]
    top = posixpath.join(workdir, first)
    rel = model.context_path(top)
    return top if rel is not None and model.project.has_dir(rel) else None


def _warn_unresolved(model: StageModel, source: Reads, found: Found, workdir: str) -> None:
    for literal in source.opened:
        if (
            not literal.startswith("/")
            and _resolve(model, workdir, literal, source.sources) is None
        ):
            found.warnings.append(
                f"the app opens {literal!r}, which the build does not copy into {workdir}: "
                "it was missing from the original image too, unless mounted at run time"
            )
    if source.dynamic_opens:
        found.warnings.append(
            "the app opens files by computed path ("
            + "; ".join(source.dynamic_opens[:3])
            + "); check that the runtime stage has them"
        )
    for rel in _uncopied_asset_dirs(model, found, workdir):
        found.warnings.append(
            f"{rel}/ is not copied to the runtime: nothing in the source names it "
            "(it may be embedded or unused); copy it if the app reads it"
        )


def _uncopied_asset_dirs(model: StageModel, found: Found, workdir: str) -> list[str]:
    """Context directories at workdir/<asset name> (templates, static, ...) left out of the
    runtime, each once (a COPY may put one directory under two such names)."""
    # A COPY puts a context directory at workdir/name under that name, unless the COPY's
    # destination is that very path: other names cannot be there (most projects have none).
    dir_names = {d.rpartition("/")[2] for d in model.project.directories}
    destinations = {c.dest for c in model.copies}
    copied = {model.context_path(p) for p in found.paths}
    out: list[str] = []
    for name in sorted(_ASSET_DIRS):
        path = posixpath.join(workdir, name)
        if name not in dir_names and path not in destinations:
            continue
        rel = model.context_path(path)
        if rel and model.project.has_dir(rel) and rel not in copied and rel not in out:
            out.append(rel)
    return out
