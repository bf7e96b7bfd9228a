"""`.cargo/config.toml` and the environment: where cargo puts its output (`build.target-dir`,
`CARGO_TARGET_DIR`) and for which target triple (`build.target`, `CARGO_BUILD_TARGET`).

Cargo reads the config files of the directory it runs in and of every parent, the deeper one
winning, then `$CARGO_HOME/config.toml`; a relative `target-dir` there is relative to the
directory holding `.cargo/` (https://doc.rust-lang.org/cargo/reference/config.html).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import paths
from dfsplit.model import Project, Refuse
from dfsplit.plan.stage import StageModel
from dfsplit.recipes.rust import tomlfile


class BuildConfig(NamedTuple):
    target_dir: str | None = None  # absolute builder path
    target: str | None = None  # target triple
    files: tuple[str, ...] = ()  # the context paths of the config files that said so


def read_config(
    model: StageModel, project: Project, cwd: str, env: Mapping[str, str]
) -> BuildConfig:
    """What the config files and the environment say, before the command line's flags."""
    target_dir: str | None = None
    target: str | None = None
    files: list[str] = []
    for holder, rel in reversed(_config_files(model, cwd, env)):  # general first, deepest last
        build = tomlfile.table(tomlfile.load(project, rel) or {}, "build")
        if isinstance(build.get("target-dir"), str):
            target_dir = posixpath.normpath(posixpath.join(holder, build["target-dir"]))
            files.append(rel)
        if "target" in build:
            target = _one_target(build["target"], rel)
            files.append(rel)
    for key in ("CARGO_BUILD_TARGET_DIR", "CARGO_TARGET_DIR"):
        if env.get(key):
            target_dir = posixpath.normpath(posixpath.join(cwd, env[key]))
    if env.get("CARGO_BUILD_TARGET"):
        target = env["CARGO_BUILD_TARGET"]
    return BuildConfig(target_dir, target, tuple(dict.fromkeys(files)))


def _config_files(model: StageModel, cwd: str, env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(directory holding .cargo, context path) of each config file, deepest first."""
    out: list[tuple[str, str]] = []
    for directory in paths.parents(cwd):  # ends at "/", however cwd is spelled
        for name in ("config.toml", "config"):
            rel = model.context_path(posixpath.join(directory, ".cargo", name))
            if rel is not None:
                out.append((directory, rel))
                break
    home = env.get("CARGO_HOME") or posixpath.join(env.get("HOME", "/root"), ".cargo")
    rel = model.context_path(posixpath.join(home, "config.toml"))
    if rel is not None:
        out.append((posixpath.dirname(home), rel))
    return out


def _one_target(value: object, rel: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    raise Refuse(f"{rel} sets build.target to several targets: dfsplit needs one binary path")
