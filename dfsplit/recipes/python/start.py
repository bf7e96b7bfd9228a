"""The runtime's start command: the original CMD and ENTRYPOINT as written (the runtime has
the same paths), except a `uv run`/`poetry run`/`pipenv run` prefix when its tool stays in
the builder. Development servers are kept and pointed out.
"""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from dfsplit.dockerfile import shell, tokens
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Instruction, Refuse
from dfsplit.recipes.python.app import App

# `<tool> run` flags that take no value and only shape the environment sync.
_RUN_FLAGS = {"--no-sync", "--frozen", "--locked", "--no-dev", "--offline", "--quiet", "-q"}


class Start(NamedTuple):
    entrypoint: str | None
    cmd: str | None
    programs: tuple[str, ...]  # the programs it runs (first words), for packages and checks
    scripts: tuple[str, ...]  # builder paths of the .py files it names
    via_tool: bool  # a `uv run`-style prefix was dropped


def start(app: App) -> Start:
    entry, cmd = app.kept.entrypoint, app.kept.cmd
    words = [*(_words(entry) or []), *(_words(cmd) or [])]
    via_tool = False
    rewritten = {}
    for ins in (entry, cmd):
        if ins is None:
            continue
        argv = is_exec_form(ins.args.strip())
        stripped = _drop_tool(app, argv) if argv is not None else None
        if stripped is not None:
            rewritten[ins.keyword] = tokens.exec_form(stripped)
            via_tool = True
    _dev_server(app, words)
    return Start(
        rewritten.get("ENTRYPOINT", _as_written(entry)),
        rewritten.get("CMD", _as_written(cmd)),
        tuple(dict.fromkeys(posixpath.basename(w) for w in words[:1])),
        _scripts(app, words),
        via_tool,
    )


def _as_written(ins: Instruction | None) -> str | None:
    return tokens.single_line(ins.args.strip(), ins.keyword) if ins is not None else None


def _words(ins: Instruction | None) -> list[str] | None:
    if ins is None:
        return None
    argv = is_exec_form(ins.args.strip())
    if argv is not None:
        return argv
    commands = shell.commands(ins.args, f"the {ins.keyword} at line {ins.start + 1}")
    return list(commands[0].argv) if commands else None


def _drop_tool(app: App, argv: list[str]) -> list[str] | None:
    """`["uv", "run", "gunicorn", ...]` -> `["gunicorn", ...]` when the packages are in a
    venv that the runtime puts first on PATH and the tool itself stays in the builder."""
    if len(argv) < 3 or argv[0] not in ("uv", "poetry", "pipenv") or argv[1] != "run":
        return None
    target = app.target
    if target is None or target.kind != "venv":
        return None  # the tool is in the image's own site-packages, which the runtime gets
    rest = argv[2:]
    while rest and rest[0].startswith("-"):
        if rest[0] not in _RUN_FLAGS:
            raise Refuse(
                f"the start command `{' '.join(argv)}` passes {rest[0]} to {argv[0]} run, "
                f"which needs {argv[0]} at run time: start the program directly "
                f"({target.path}/bin/...) and run dfsplit again"
            )
        rest = rest[1:]
    if not rest:
        return None
    app.notes.append(
        f"`{' '.join(argv[:2])}` dropped from the start command: {argv[0]} stays in the "
        f"builder, and {target.path}/bin comes first on PATH in the runtime"
    )
    return rest


def _dev_server(app: App, words: list[str]) -> None:
    text = " ".join(words)
    dev = None
    if "flask run" in text or (words[:1] == ["flask"] and "run" in words):
        dev = "`flask run` is Flask's development server"
    elif any(w.endswith("manage.py") for w in words) and "runserver" in words:
        dev = "`manage.py runserver` is Django's development server"
    elif "--reload" in words:
        dev = f"`{words[0]} --reload` watches the sources for development"
    if dev:
        app.notes.append(
            f"{dev}: kept as written, since another server would change how the app behaves; "
            "a production server (gunicorn, uvicorn without --reload) is the usual choice"
        )


def _scripts(app: App, words: list[str]) -> tuple[str, ...]:
    """The .py files the start command runs (`python app.py`, `python manage.py ...`)."""
    workdir = app.model.final.workdir
    out = []
    for word in words[1:3]:
        if word.endswith(".py") and "$" not in word:
            path = posixpath.normpath(posixpath.join(workdir, word))
            if app.model.context_path(path) is not None:
                out.append(path)
    return tuple(out)
