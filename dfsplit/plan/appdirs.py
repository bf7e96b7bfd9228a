"""Directories the build makes for the app (`mkdir -p /var/log/app && chown app /var/log/app`):
the runtime gets them too, owned by the runtime user where the app owned them.

A `COPY --from` creates its destination owned by root, whatever the builder's owner was, so
the owner is always given with `--chown`: the runtime user when the directory belonged to the
user the app ran as (or when the app ran as root, which could write anywhere).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from dfsplit.dockerfile import words
from dfsplit.dockerfile.shell import Command
from dfsplit.plan.stage import BASE_DIRS, StageModel, run_commands

# Where a build keeps its caches and scratch files: never the app's directories.
_BUILD_PLACES = ("/root", "/tmp", "/var/tmp", "/var/cache", "/var/lib/apt", "/go", "/usr/src")
_MODE_FLAGS = {"-m", "--mode"}


class AppDir(NamedTuple):
    path: str  # absolute, normalised
    chown: str | None  # the runtime user, or None for root


class _Made:
    """What the RUN lines do to directories: made, and the owner each chown gives."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.owners: list[tuple[str, str, bool]] = []  # (path, user, recursive)
        self.unknown: list[str] = []  # mkdir operands with a variable dfsplit cannot resolve


def app_dirs(
    model: StageModel, runtime_user: str, skip: Sequence[str]
) -> tuple[list[AppDir], list[str]]:
    """The directories RUN lines make outside the build's own places and `skip` (build output,
    dependency trees), each with its runtime owner; and warnings for those dfsplit cannot
    name."""
    seen = _walk(model)
    app_user = (model.final.user or "root").split(":")[0]
    out: list[AppDir] = []
    skipped = tuple(s.rstrip("/") for s in skip)
    destinations = {c.dest for c in model.copies}
    for path in dict.fromkeys(seen.made):
        if path in BASE_DIRS or _under(path, _BUILD_PLACES) or _under(path, skipped):
            continue
        if any(_under(d, (path,)) for d in destinations):
            continue  # the build copies its sources there: not a directory for the app
        owner = _owner(seen, path)
        if owner is None:
            owner = "root"
        owned = owner == app_user or (owner in {"root", "0"} and app_user in {"root", "0"})
        out.append(AppDir(path, runtime_user if owned else None))
    warnings = [
        f"a RUN makes the directory {w}, which dfsplit cannot resolve: make it in the runtime "
        "if the app needs it"
        for w in seen.unknown
    ]
    return out, warnings


def _under(path: str, places: Sequence[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in places)


def _owner(seen: _Made, path: str) -> str | None:
    owner = None
    for target, user, recursive in seen.owners:
        if target == path or (recursive and path.startswith(target.rstrip("/") + "/")):
            owner = user  # the last chown wins
    return owner


def _walk(model: StageModel) -> _Made:
    seen = _Made()
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        state = model.state_at(ins)
        cwd: str | None = state.workdir
        for cmd in run_commands(ins):
            if cmd.program == "cd":
                cwd = _resolve(cmd.argv[1], cwd, state.env) if len(cmd.argv) == 2 else None
            elif cmd.program == "mkdir":
                _mkdir(seen, cmd, cwd, state.env)
            elif cmd.program == "chown":
                _chown(seen, cmd, cwd, state.env)
    return seen


def _resolve(word: str, cwd: str | None, env: Mapping[str, str]) -> str | None:
    value = words.expand(word, env)
    if value is None or (cwd is None and not value.startswith("/")):
        return None
    return posixpath.normpath(posixpath.join(cwd or "/", value))


def _mkdir(seen: _Made, cmd: Command, cwd: str | None, env: Mapping[str, str]) -> None:
    skip = False
    for word in cmd.argv[1:]:
        if skip:
            skip = False
        elif word in _MODE_FLAGS:
            skip = True
        elif not word.startswith("-"):
            path = _resolve(word, cwd, env)
            if path is None:
                seen.unknown.append(word)
            else:
                seen.made.append(path)


def _chown(seen: _Made, cmd: Command, cwd: str | None, env: Mapping[str, str]) -> None:
    args = [w for w in cmd.argv[1:] if not w.startswith("-")]
    recursive = any(w in {"-R", "--recursive"} for w in cmd.argv[1:])
    if len(args) < 2:
        return
    user = (words.expand(args[0], env) or args[0]).split(":")[0].split(".")[0]
    for word in args[1:]:
        path = _resolve(word, cwd, env)
        if path is not None:
            seen.owners.append((path, user, recursive))
