"""The installers' download caches as BuildKit cache mounts (`--cache-mounts`): pip's and uv's
caches, Poetry's downloads. A mount never covers where the packages go (a venv, ~/.local, a
--target directory): its content does not reach the layer the runtime copies.

Defaults (each honours XDG_CACHE_HOME): pip `~/.cache/pip` (PIP_CACHE_DIR), uv `~/.cache/uv`
(UV_CACHE_DIR), Poetry `~/.cache/pypoetry` (POETRY_CACHE_DIR), of which only `cache/` and
`artifacts/` are mounted: Poetry's virtualenvs live there too. Pipenv is left alone.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from dfsplit.model import Instruction
from dfsplit.plan import mounts
from dfsplit.plan.stage import overlay
from dfsplit.recipes.python.app import App
from dfsplit.recipes.python.installs import Install

# What turns an installer's cache off: a mount would hold nothing.
_NO_CACHE_WORDS = {
    "pip": ("--no-cache-dir",),
    "uv": ("--no-cache", "-n"),
    "poetry": ("--no-cache",),
}
_NO_CACHE_ENV = {"pip": "PIP_NO_CACHE_DIR", "uv": "UV_NO_CACHE"}


def install_mounts(app: App) -> dict[Instruction, str]:
    """The cache-mount flags for each RUN that installs packages; notes say what was left."""
    out: dict[Instruction, list[str]] = {}
    for install in app.installs:
        state = app.model.state_at(install.ins)
        why = mounts.why_not_mountable(install.ins, state)
        env = overlay(state.env, install.command.env)
        targets, skipped = ([], why) if why else _targets(install, env, mounts.home(state))
        if skipped:
            app.notes.append(f"no cache mount on `{install.text}`: {skipped}")
            continue
        out.setdefault(install.ins, [])
        out[install.ins] += [t for t in targets if t not in out[install.ins]]
    flags = {}
    for ins, targets in out.items():
        text = mounts.cache_flags(targets)
        if text:
            flags[ins] = text
            app.notes.append(f"line {ins.start + 1}: {', '.join(targets)} in a cache mount")
    return flags


def _targets(install: Install, env: Mapping[str, str], home: str) -> tuple[list[str], str]:
    """The directories to mount, or why there are none."""
    tool = "uv" if install.tool == "uv-pip" else install.tool
    if tool == "pipenv":
        return [], "dfsplit does not mount Pipenv's caches"
    off = [w for w in install.words if w in _NO_CACHE_WORDS[tool]]
    variable = _NO_CACHE_ENV.get(tool)
    if off or (variable and env.get(variable)):
        return [], f"the install turns its cache off ({off[0] if off else variable})"
    cache_home = env.get("XDG_CACHE_HOME") or posixpath.join(home, ".cache")
    if tool == "pip":
        targets = [env.get("PIP_CACHE_DIR") or posixpath.join(cache_home, "pip")]
    elif tool == "uv":
        targets = [env.get("UV_CACHE_DIR") or posixpath.join(cache_home, "uv")]
    else:
        base = env.get("POETRY_CACHE_DIR") or posixpath.join(cache_home, "pypoetry")
        targets = [posixpath.join(base, "cache"), posixpath.join(base, "artifacts")]
    targets = [posixpath.normpath(t) for t in targets]
    where = install.target.path
    if any("$" in t or not t.startswith("/") for t in targets):
        return [], "its cache directory is not known statically"
    if where and any(_overlaps(t, where) for t in targets):
        return [], f"the packages go to {where}, inside or around the cache"
    return targets, ""


def _overlaps(a: str, b: str) -> bool:
    a, b = a.rstrip("/"), b.rstrip("/")
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")
