"""The package installs of the builder stage (pip, uv, Poetry, Pipenv) and where each one puts
the packages: a virtual environment, the image's site-packages, the user's ~/.local, or a
--prefix/--target directory. Read from the RUN lines and the ENV in force; nothing is run.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell
from dfsplit.dockerfile.shell import Command
from dfsplit.model import Instruction, Refuse
from dfsplit.plan.stage import StageModel, overlay, run_script

TOOLS = ("pip", "uv", "poetry", "pipenv")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Target(NamedTuple):
    """Where an install puts the packages."""

    kind: str  # "venv" | "system" | "user" | "dir"
    path: str  # the venv, the user base (~/.local), the directory; "" for system


class Install(NamedTuple):
    tool: str  # "pip" | "uv-pip" | "uv" | "poetry" | "pipenv"
    ins: Instruction
    command: Command
    words: tuple[str, ...]  # the arguments after the install verb
    cwd: str
    target: Target
    alone: bool  # the only command of its RUN

    @property
    def text(self) -> str:
        return " ".join(self.command.argv)


def find_installs(model: StageModel) -> list[Install]:
    """Every install of the stage, in order; a venv made earlier is followed when active."""
    out: list[Install] = []
    venvs: list[str] = []
    config: dict[str, str] = {}
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        state = model.state_at(ins)
        commands = shell.split_commands(run_script(ins))
        if commands is None:
            raise Refuse(f"cannot read the RUN at line {ins.start + 1} (unbalanced quotes?)")
        cwd, activated = state.workdir, None
        for command in commands:
            env = overlay(state.env, command.env)
            cwd = _cd(command, cwd)
            activated = _activated(command, cwd) or activated
            venvs += _venv_made(command, cwd)
            config.update(_poetry_config(command))
            install = _install(command, ins, cwd, env, venvs, activated, config)
            if install is not None:
                out.append(install._replace(alone=len(commands) == 1 and not ins.heredocs))
    return out


def _cd(command: Command, cwd: str) -> str:
    if command.program == "cd" and len(command.argv) == 2 and "$" not in command.argv[1]:
        return posixpath.normpath(posixpath.join(cwd, command.argv[1]))
    return cwd


def _activated(command: Command, cwd: str) -> str | None:
    """`. /opt/venv/bin/activate` or `source venv/bin/activate` -> the venv."""
    if command.program in {".", "source"} and len(command.argv) == 2:
        path = command.argv[1]
        if path.endswith("/bin/activate"):
            return posixpath.normpath(posixpath.join(cwd, path[: -len("/bin/activate")]))
    return None


def _venv_made(command: Command, cwd: str) -> list[str]:
    argv = list(command.argv)
    if _is_python(argv[:1]) and argv[1:3] == ["-m", "venv"]:
        rest = argv[3:]
    elif argv[:1] == ["virtualenv"] or argv[:2] == ["uv", "venv"]:
        rest = argv[1:] if argv[0] == "virtualenv" else argv[2:]
    else:
        return []
    paths = [w for w in rest if not w.startswith("-")]
    target = paths[-1] if paths else ".venv"
    return [posixpath.normpath(posixpath.join(cwd, target))]


def _is_python(argv: list[str]) -> bool:
    return bool(argv) and re.fullmatch(r"(.*/)?python(3(\.\d+)?)?", argv[0]) is not None


def _poetry_config(command: Command) -> dict[str, str]:
    argv = command.argv
    if argv[:2] == ("poetry", "config") and len(argv) >= 4:
        words = [w for w in argv[2:] if not w.startswith("-")]
        if len(words) == 2:
            return {words[0]: words[1].lower()}
    return {}


def _install(
    command: Command,
    ins: Instruction,
    cwd: str,
    env: Mapping[str, str],
    venvs: list[str],
    activated: str | None,
    config: dict[str, str],
) -> Install | None:
    tool, words, venv = _verb(command)
    if tool is None:
        return None
    active = venv or activated or _active_venv(env, venvs)
    if tool == "pip":
        target = _pip_target(words, cwd, env, active)
    elif tool == "uv-pip":
        target = _uv_pip_target(words, active, cwd, command)
    elif tool == "uv":
        project_env = env.get("UV_PROJECT_ENVIRONMENT")
        path = posixpath.join(cwd, project_env) if project_env else posixpath.join(cwd, ".venv")
        target = Target("venv", posixpath.normpath(path))
    elif tool == "poetry":
        target = _poetry_target(env, config, cwd, active, command)
    else:
        target = _pipenv_target(words, env, cwd, command)
    return Install(tool, ins, command, tuple(words), cwd, target, False)


def _verb(command: Command) -> tuple[str | None, list[str], str | None]:
    """(tool, words after the verb, the venv a `/venv/bin/pip` path names)."""
    argv = list(command.argv)
    venv = None
    if argv and "/bin/" in argv[0]:
        head, _, prog = argv[0].rpartition("/bin/")
        if prog.startswith(("pip", "python")):
            venv = posixpath.normpath(head) if head.startswith("/") else None
    name = posixpath.basename(argv[0]) if argv else ""
    if _is_python(argv[:1]) and argv[1:3] == ["-m", "pip"]:
        argv = ["pip", *argv[3:]]
    elif re.fullmatch(r"pip(3(\.\d+)?)?", name):
        argv = ["pip", *argv[1:]]
    if argv[:2] == ["pip", "install"]:
        return "pip", argv[2:], venv
    if argv[:3] == ["uv", "pip", "install"] or argv[:3] == ["uv", "pip", "sync"]:
        return "uv-pip", argv[3:], venv
    if argv[:2] == ["uv", "sync"]:
        return "uv", argv[2:], venv
    if argv[:2] == ["poetry", "install"]:
        return "poetry", argv[2:], venv
    if argv[:2] in (["pipenv", "install"], ["pipenv", "sync"]):
        return "pipenv", argv[2:], venv
    return None, [], None


def _active_venv(env: Mapping[str, str], venvs: list[str]) -> str | None:
    """The venv whose bin comes first on PATH (before /usr/local/bin), or VIRTUAL_ENV."""
    virtual = env.get("VIRTUAL_ENV")
    for entry in env.get("PATH", "").split(":"):
        if entry.endswith("/bin") and (entry[:-4] in venvs or entry[:-4] == virtual):
            return entry[:-4]
        if entry in ("/usr/local/bin", "/usr/bin"):
            break
    return virtual


def _flag(words: list[str], *names: str) -> str | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(name + "=") and name.startswith("--"):
                return word.split("=", 1)[1]
    return None


def _pip_target(words: list[str], cwd: str, env: Mapping[str, str], active: str | None) -> Target:
    for names, kind in ((("--prefix",), "dir"), (("--target", "-t"), "dir"), (("--root",), "dir")):
        value = _flag(words, *names)
        if value is not None:
            if "$" in value:
                raise Refuse(f"pip installs into {value}, which dfsplit cannot resolve")
            return Target(kind, posixpath.normpath(posixpath.join(cwd, value)))
    if "--user" in words or env.get("PIP_USER", "").lower() in _TRUE:
        return Target("user", env.get("PYTHONUSERBASE") or f"{env.get('HOME', '/root')}/.local")
    if active:
        return Target("venv", active)
    return Target("system", "")


def _uv_pip_target(words: list[str], active: str | None, cwd: str, command: Command) -> Target:
    if "--system" in words or command.env.get("UV_SYSTEM_PYTHON", "").lower() in _TRUE:
        return Target("system", "")
    target = _flag(words, "--target", "--prefix")
    if target is not None:
        return Target("dir", posixpath.normpath(posixpath.join(cwd, target)))
    return Target("venv", active or posixpath.join(cwd, ".venv"))


def _poetry_target(
    env: Mapping[str, str], config: dict[str, str], cwd: str, active: str | None, command: Command
) -> Target:
    create = env.get("POETRY_VIRTUALENVS_CREATE", config.get("virtualenvs.create", "true"))
    in_project = env.get("POETRY_VIRTUALENVS_IN_PROJECT", config.get("virtualenvs.in-project", ""))
    if create.lower() in _FALSE:
        return Target("venv", active) if active else Target("system", "")
    if active:
        return Target("venv", active)
    if in_project.lower() in _TRUE:
        return Target("venv", posixpath.join(cwd, ".venv"))
    raise Refuse(
        f"`{' '.join(command.argv)}` puts the packages in a virtual environment under "
        "Poetry's cache, at a path with a hash dfsplit cannot know; set ENV "
        "POETRY_VIRTUALENVS_IN_PROJECT=true (a .venv beside pyproject.toml) or "
        "POETRY_VIRTUALENVS_CREATE=false before the install, and run dfsplit again"
    )


def _pipenv_target(words: list[str], env: Mapping[str, str], cwd: str, command: Command) -> Target:
    if "--system" in words or env.get("PIPENV_SYSTEM", "").lower() in _TRUE:
        return Target("system", "")
    if env.get("PIPENV_VENV_IN_PROJECT", "").lower() in _TRUE:
        return Target("venv", posixpath.join(cwd, ".venv"))
    raise Refuse(
        f"`{' '.join(command.argv)}` puts the packages in a virtual environment under "
        "~/.local/share/virtualenvs, at a path with a hash dfsplit cannot know; add --system "
        "(the image's own site-packages) or set ENV PIPENV_VENV_IN_PROJECT=1 before the "
        "install, and run dfsplit again"
    )


def requirement_args(install: Install) -> list[str]:
    """The requirements files a pip install reads (-r FILE), relative to its cwd."""
    out = []
    words = list(install.words)
    for i, word in enumerate(words):
        if word in ("-r", "--requirement") and i + 1 < len(words):
            out.append(words[i + 1])
        elif word.startswith(("--requirement=", "-r")) and word not in ("-r",):
            out.append(word.split("=", 1)[1] if "=" in word else word[2:])
    return out


def installs_project(install: Install) -> bool:
    """Whether the install builds the project itself (`pip install .`, `poetry install`)."""
    if install.tool in ("pip", "uv-pip"):
        return any(_local_path(w) for w in _positional(install))
    if install.tool == "poetry":
        return "--no-root" not in install.words
    if install.tool == "uv":
        return "--no-install-project" not in install.words
    return False


def editable(install: Install) -> bool:
    return "-e" in install.words or "--editable" in install.words


def named_packages(install: Install) -> list[str]:
    """Packages a pip install names on its command line (`pip install gunicorn==21.2`)."""
    if install.tool not in ("pip", "uv-pip"):
        return []
    return [w for w in _positional(install) if not _local_path(w)]


def _positional(install: Install) -> list[str]:
    out, skip = [], False
    with_value = {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "-f",
        "--find-links",
        "--extra-index-url",
        "--prefix",
        "--target",
        "-t",
        "--root",
        "--trusted-host",
        "--python",
        "--cache-dir",
        "--src",
    }
    for word in install.words:
        if skip:
            skip = False
        elif word in with_value:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


def _local_path(word: str) -> bool:
    return word in (".", "./") or word.startswith(("./", "/", "../")) or word.startswith(".[")
