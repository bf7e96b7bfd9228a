"""What the app needs on the runtime's filesystem, one rule for every recipe: the files it
reads by relative path (named by its start command, its source or its config files), the
directories the build made for it, and, when what it reads cannot be resolved, what the
original image had in its WORKDIR (see fallback.py).

A recipe calls `runtime_files` once with what it knows about its language (`Reads`) and
adds `Found.copy_steps()` (or `Found.around(<the app's copies>)`) to the runtime stage,
`Found.required` to the paths the plan's self-check demands, and `Found.notes` /
`Found.warnings` to its findings.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import NamedTuple

from dfsplit.dockerfile import tokens
from dfsplit.model import CopyStep, Project
from dfsplit.plan.appdirs import AppDir, app_dirs
from dfsplit.plan.buildonly import BuildOnly
from dfsplit.plan.fallback import kept_from_workdir
from dfsplit.plan.stage import StageModel

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
# Config files whose values may name more runtime files (`RuntimeRootPath = runtime/`).
CONFIG_SUFFIXES = (".ini", ".conf", ".cfg", ".toml", ".yaml", ".yml", ".json", ".properties")
# Context files the IO edge reads for this module (plan/detect.py adds them to the wants).
CONFIG_FILES = (*(f"{d}*{s}" for d in ("", "*/") for s in CONFIG_SUFFIXES), ".env")
_CONFIG_VALUE = re.compile(r"""(?:[=:]\s*|["'])\.?/?([A-Za-z0-9_][\w.-]*(?:/[\w.-]+)*/?)["']?""")


class Reads(NamedTuple):
    """What a recipe's scan of the app's source says about the files it reads."""

    sources: tuple[str, ...]  # suffixes of source and manifest files: never runtime files
    literals: tuple[str, ...] = ()  # string literals: maybe relative paths
    embedded: tuple[str, ...] = ()  # paths compiled into the program (Go's //go:embed)
    opened: tuple[str, ...] = ()  # literal paths handed straight to a file-opening call
    dynamic_opens: tuple[str, ...] = ()  # "file: call(path)": a path dfsplit cannot resolve
    build_only: tuple[str, ...] = ()  # context paths only the build uses (target, vendor)


class Found:
    """The runtime files found so far (lists, filled in as the search goes)."""

    __slots__ = ("dirs", "notes", "paths", "required", "warnings")

    def __init__(self) -> None:
        self.paths: list[str] = []  # absolute builder paths to copy as they are
        self.required: list[str] = []  # those the start command names
        self.dirs: list[AppDir] = []  # directories the build made for the app
        self.notes: list[str] = []
        self.warnings: list[str] = []

    def copy_steps(self, stage: str = "builder") -> tuple[CopyStep, ...]:
        """The runtime's COPY lines: the files first, then the directories with owners."""
        return self.around((), stage)

    def around(self, app: Sequence[CopyStep], stage: str = "builder") -> tuple[CopyStep, ...]:
        """The files, then `app` (the copies a code change rebuilds: a layer after a rebuilt
        one is made again, with new directory times, so the app goes last), then the
        directories with owners (a later COPY of the tree above them would reset the owner)."""
        files = [tokens.copy_step(stage, p, p) for p in self.paths]
        dirs = [tokens.copy_step(stage, d.path, d.path, chown=d.chown) for d in self.dirs]
        return (*files, *app, *dirs)


def runtime_files(
    model: StageModel,
    source: Reads,
    start_args: Sequence[str],
    project: Project,
    *,
    user: str,
    lean: bool = False,
    exclude: Sequence[str] = (),
) -> Found:
    """Everything the app needs from the builder's filesystem besides `exclude` (the artifact
    and what the recipe copies itself); `user` is the runtime user, `lean` turns off the
    conservative copy of the WORKDIR."""
    found = Found()
    build_only = BuildOnly(source.sources, source.build_only)
    build_only.index(model.project.context_files)
    workdir = model.final.workdir
    embedded = {_first(p) for p in source.embedded}
    for arg in start_args:
        value = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
        path = _resolve(model, build_only, workdir, value)
        if path and path not in found.paths:
            found.required.append(path)
        _add(found, path, "named by the start command")
    for literal in (*source.opened, *source.literals):
        if _first(literal) not in embedded:
            path = _resolve(model, build_only, workdir, literal)
            _add(found, path, f"the source reads {literal!r}")
    _config_references(model, build_only, found, workdir)
    skipped = tuple(e.rstrip("/") for e in exclude)
    found.paths = [p for p in found.paths if not _under(p, skipped)]
    found.required = [p for p in found.required if p in found.paths]
    if source.dynamic_opens and not lean:
        _keep_workdir(model, build_only, source, found, exclude)
    else:
        _warn_unresolved(model, build_only, source, found, skipped)
    dirs, warnings = app_dirs(model, user, (*exclude, *_build_only_dirs(model, source)))
    copied = (*found.paths, *exclude)
    found.dirs = [d for d in dirs if not _holds_copied(d, copied)]
    found.notes += [f"directory {d.path}: the build makes it for the app" for d in found.dirs]
    found.warnings += warnings
    return found


def writes_warning(writes: Sequence[str], user: str) -> list[str]:
    """The warning for an app whose source writes files (`writes`: what it calls, as the
    recipe's scan shows it) and that the runtime runs as `user`."""
    if not writes or user.split(":")[0] in {"0", "root"}:
        return []
    return [
        f"the app writes files ({'; '.join(writes[:2])}) and now runs as {user}: "
        "directories it writes to must be writable by that user"
    ]


def _under(path: str, places: Sequence[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in places)


def _add(found: Found, path: str | None, why: str) -> None:
    if path and path not in found.paths:
        found.paths.append(path)
        found.notes.append(f"runtime file {path}: {why}")


def _holds_copied(d: AppDir, copied: Sequence[str]) -> bool:
    """A directory that a copy makes anyway (it holds the artifact), or inside one that keeps
    its owner."""
    prefix = d.path.rstrip("/") + "/"
    if any(p == d.path or p.startswith(prefix) for p in copied):
        return True
    return d.chown is None and any(d.path.startswith(p.rstrip("/") + "/") for p in copied)


def _build_only_dirs(model: StageModel, source: Reads) -> list[str]:
    out = []
    for rel in source.build_only:
        path = model.builder_path(rel)
        if path is not None:
            out.append(path)
    return out


def _first(path: str) -> str:
    return path.lstrip("./").split("/", 1)[0]


def _resolve(model: StageModel, build_only: BuildOnly, workdir: str, literal: str) -> str | None:
    """The builder path a relative (or absolute) file literal names, if the build copied it."""
    if literal.startswith("file:"):
        literal = literal[len("file:") :]  # a Spring resource location
    if not literal or "\n" in literal or "://" in literal or literal.startswith(("-", "$")):
        return None
    stem = _GLOB.split(literal, maxsplit=1)[0].rstrip("/")
    if not stem or stem in {".", "./"} or len(stem) > 200:
        return None
    absolute = posixpath.normpath(posixpath.join(workdir, stem))
    top = _top_dir(model, build_only, workdir, absolute)
    candidate = top or absolute
    rel = model.context_path(candidate)
    if rel is None or rel == "." or candidate in {"/", workdir}:
        return None
    if model.project.has(rel) and build_only.file(rel):
        return None
    if model.project.has_dir(rel) and not build_only.holds_runtime_files(rel):
        return None
    return candidate


def _top_dir(model: StageModel, build_only: BuildOnly, workdir: str, absolute: str) -> str | None:
    """For `templates/x.html`, copy all of `templates/`: the app may read its siblings. For
    `src/main/resources/x.json`, the highest directory holding no source: src/main/resources."""
    prefix = posixpath.normpath(workdir).rstrip("/") + "/"
    if not absolute.startswith(prefix):  # absolute is normalised too: no relpath needed
        return None
    parts = absolute[len(prefix) :].split("/")
    for depth in range(1, len(parts)):
        top = posixpath.join(workdir, *parts[:depth])
        rel = model.context_path(top)
        if rel is None or not model.project.has_dir(rel):
            return None
        if not build_only.holds_build_files(rel):
            return top
    return None


def _config_references(
    model: StageModel, build_only: BuildOnly, found: Found, workdir: str
) -> None:
    """Relative paths that the config files found so far name (`RuntimeRootPath = runtime/`)."""
    for path in list(found.paths):
        rels = [model.context_path(path)]
        if rels[0] is not None and model.project.has_dir(rels[0]):
            rels = [p for p in model.project.context_files if p.startswith(rels[0] + "/")]
        for rel in rels:
            if rel is None or not rel.endswith(CONFIG_SUFFIXES):
                continue
            for value in _CONFIG_VALUE.findall(model.project.text(rel) or ""):
                if "/" in value or posixpath.splitext(value)[1]:
                    target = _resolve(model, build_only, workdir, value)
                    _add(found, target, f"{rel} names {value!r}")


def _keep_workdir(
    model: StageModel, build_only: BuildOnly, source: Reads, found: Found, exclude: Sequence[str]
) -> None:
    workdir = model.final.workdir
    kept = kept_from_workdir(model, build_only, workdir, (*exclude, *found.paths))
    why = "; ".join(source.dynamic_opens[:3])
    for path in kept:
        if path not in found.paths:
            found.paths.append(path)
    if kept:
        shown = ", ".join(posixpath.relpath(p, workdir) for p in kept[:6])
        more = f" and {len(kept) - 6} more" if len(kept) > 6 else ""
        found.notes.append(
            f"the app opens files by a path dfsplit cannot resolve ({why}): the runtime "
            f"keeps what the original image had in {workdir}, less sources, tests and build "
            f"files ({shown}{more}); --lean leaves them out"
        )


def _warn_unresolved(
    model: StageModel, build_only: BuildOnly, source: Reads, found: Found, copied: Sequence[str]
) -> None:
    """Warn of what the app may read and the runtime lacks; `copied`: the paths the recipe
    copies itself (the artifact, or the whole app directory)."""
    workdir = model.final.workdir
    for literal in source.opened:
        if (
            not literal.startswith("/")
            and _resolve(model, build_only, workdir, literal) is None
            and not _is_source(build_only, literal)
        ):
            found.warnings.append(
                f"the app opens {literal!r}, which the build does not copy into {workdir}: "
                "it was missing from the original image too, unless mounted at run time"
            )
    if source.dynamic_opens:
        found.warnings.append(
            "--lean: the app opens files by computed path ("
            + "; ".join(source.dynamic_opens[:3])
            + "); check that the runtime stage has them"
        )
    for rel in _uncopied_asset_dirs(model, found, workdir, copied):
        found.warnings.append(
            f"{rel}/ is not copied to the runtime: nothing in the source names it "
            "(it may be embedded or unused); copy it if the app reads it"
        )


def _is_source(build_only: BuildOnly, literal: str) -> bool:
    return build_only.file(posixpath.normpath(literal))


def _uncopied_asset_dirs(
    model: StageModel, found: Found, workdir: str, copied_paths: Sequence[str]
) -> list[str]:
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
        if (name not in dir_names and path not in destinations) or _under(path, copied_paths):
            continue
        rel = model.context_path(path)
        if rel and model.project.has_dir(rel) and rel not in copied and rel not in out:
            out.append(rel)
    return out
