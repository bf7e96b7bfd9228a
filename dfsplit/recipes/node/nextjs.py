"""Next.js without standalone output: the runtime runs `next start` with node, with the flags
the original gave it, and gets the env files `next start` reads at run time.
"""

from __future__ import annotations

from dfsplit.dockerfile import shell
from dfsplit.model import Refuse
from dfsplit.recipes.node import devserver, manifest
from dfsplit.recipes.node.builder import App, start_words

NEXT_BIN = "node_modules/next/dist/bin/next"
# The env files `next start` loads (server-side variables are read at run time, not inlined).
PRODUCTION_ENV_FILES = (".env", ".env.local", ".env.production", ".env.production.local")
# The `next dev` options that `next start` takes too, each with a value.
_SHARED_FLAGS = ("-p", "--port", "-H", "--hostname", "--keepAliveTimeout")


def start(app: App) -> tuple[list[str], dict[str, str]] | None:
    """`node <next> start <flags>` and the command's env, when the original ran `next start` or
    `next dev`; None when it ran anything else (a custom server, a script with shell syntax)."""
    words = start_words(app.kept) or ["npm", "start"]
    script = manifest.script_words(words)
    text = app.pkg.scripts.get(script[0]) if script else " ".join(words)
    commands = shell.split_commands(text) if text else None
    if not commands or len(commands) != 1:
        return None
    argv = [*commands[0].argv, *(script[1] if script else [])]
    if shell.needs_shell(" ".join(argv)):
        return None
    argv = argv[1:] if argv[:1] == ["npx"] else argv
    if argv[:1] != ["next"]:
        return None
    implicit = len(argv) < 2 or argv[1].startswith("-")  # a bare `next` is `next dev`
    verb = "dev" if implicit else argv[1]
    args = argv[1:] if implicit else argv[2:]
    if verb == "dev":
        _check_dev(app, args)
        app.notes.append(
            "the original ran the dev server (`next dev`) after `next build`: the runtime runs "
            "the production server, `next start`, with node directly"
        )
    elif verb != "start":
        return None
    else:
        app.notes.append("next (not standalone): the runtime runs `next start` with node directly")
    return ["node", NEXT_BIN, "start", *args], dict(commands[0].env)


def _check_dev(app: App, args: list[str]) -> None:
    """`next dev` can become `next start` only with the same variables and options."""
    other = [a for a in args if a.startswith("-") and a.partition("=")[0] not in _SHARED_FLAGS]
    if other:
        raise Refuse(
            f"the original runs `next dev` with {other[0]}, which `next start` does not take: "
            "start the production server (`next start`) in the Dockerfile, or keep the Node image"
        )
    differ = devserver.mode_env_differences(app)
    if differ:
        raise Refuse(
            f"the original runs `next dev`, which reads .env.development, and that sets "
            f"{', '.join(differ[:3])} otherwise than `next start` (production mode) would: "
            "start `next start` in the Dockerfile with the values it should use"
        )


def env_files(app: App) -> list[str]:
    """The env files next start reads that the builder has, relative to the app directory."""
    return [n for n in PRODUCTION_ENV_FILES if app.model.context_path(app.abs(n)) is not None]
