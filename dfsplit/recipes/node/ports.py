"""The port the naive image's file or dev server listened on, so nginx listens on the same one:
a deploy maps the container port it always mapped.

A flag on the command line wins; else a config file (which dfsplit does not evaluate: a port
there makes the server's port unknown), the server's $PORT, then its default port.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell
from dfsplit.recipes.node import manifest
from dfsplit.recipes.node.builder import App, start_words


class Server(NamedTuple):
    """A command that serves files: the verbs that serve and where its port comes from."""

    verbs: frozenset[str]  # "" for the bare command
    port: int
    reads_port_env: bool = False
    config: tuple[str, ...] = ()  # files whose `port` option overrides the default
    before_v3: int | None = None  # the default of majors 1 and 2, where it changed at 3


_VITE_CONFIGS = tuple(f"vite.config.{e}" for e in ("js", "mjs", "cjs", "ts", "mts", "cts"))
_ASTRO_CONFIGS = tuple(f"astro.config.{e}" for e in ("js", "mjs", "cjs", "ts", "mts"))
_VUE_CONFIGS = ("vue.config.js", "vue.config.cjs", "vue.config.mjs")
# Defaults from each tool's documentation or source: vite's `server.port` (5173, 3000 before
# Vite 3) and `preview.port` (4173, 5000 before 3), serve's `process.env.PORT ?? 3000`,
# http-server's -p/$PORT/8080, CRA's $PORT/3000, Vue CLI's devServer.port/$PORT/8080, ng's
# 4200, Astro's 4321 (3000 before Astro 3), webpack-dev-server's 8080.
SERVERS: dict[tuple[str, str], Server] = {
    ("vite", "preview"): Server(frozenset({"preview"}), 4173, config=_VITE_CONFIGS, before_v3=5000),
    ("vite", "dev"): Server(
        frozenset({"", "dev", "serve"}), 5173, config=_VITE_CONFIGS, before_v3=3000
    ),
    ("serve", ""): Server(frozenset({""}), 3000, reads_port_env=True),
    ("http-server", ""): Server(frozenset({""}), 8080, reads_port_env=True),
    ("react-scripts", "start"): Server(frozenset({"start"}), 3000, reads_port_env=True),
    ("vue-cli-service", "serve"): Server(
        frozenset({"serve"}), 8080, reads_port_env=True, config=_VUE_CONFIGS
    ),
    ("ng", "serve"): Server(frozenset({"serve", "s"}), 4200, config=("angular.json",)),
    ("astro", "dev"): Server(
        frozenset({"dev", "preview"}), 4321, config=_ASTRO_CONFIGS, before_v3=3000
    ),
    ("webpack-dev-server", ""): Server(frozenset({""}), 8080),
    ("webpack", "serve"): Server(frozenset({"serve"}), 8080),
}
_LAUNCHERS = {("npx",): 1, ("pnpm", "exec"): 2, ("pnpm", "dlx"): 2, ("yarn", "dlx"): 2}


class Listened(NamedTuple):
    """What dfsplit knows of the port the original served on."""

    port: int | None  # None: unknown
    why: str


def listened(app: App) -> Listened:
    """The naive start command's port; `port` is None when dfsplit cannot tell it."""
    words = start_words(app.kept)
    if words is None:
        return Listened(None, "the naive image started no server")
    words = _expanded(app, words)
    shown = " ".join(words)
    port = manifest.listen_port(words)
    if port is not None:
        return Listened(port, f"`{shown}` listened on it")
    argv = _launched(words)
    server = _server(argv)
    if server is None:
        return Listened(None, f"dfsplit does not know which port `{shown}` listens on")
    program = argv[0]
    config = next((n for n in server.config if _sets_port(app, n)), None)
    if config is not None:
        return Listened(None, f"{config} sets a port for `{shown}`, which dfsplit does not read")
    env_port = _env_port(app.model.final.env) if server.reads_port_env else None
    if env_port is not None:
        return Listened(env_port, f"`{shown}` listened on $PORT, {env_port}")
    default = server.port
    if server.before_v3 is not None and _major(app, program) in (1, 2):
        default = server.before_v3
    return Listened(default, f"`{shown}` listens on {default} by default")


def start_argv(app: App, words: list[str]) -> list[str]:
    """The program a start command runs: an npm script's last command with the extra words
    passed to it, without npx / pnpm exec / yarn dlx."""
    return _launched(_expanded(app, words))


def _expanded(app: App, words: list[str]) -> list[str]:
    """An npm/yarn/pnpm script's last command, with the extra words passed to it."""
    script = manifest.script_words(words)
    if script is None:
        return words
    if script[0] not in app.pkg.scripts and words[0] in ("yarn", "pnpm"):
        return words[1:]  # `yarn serve` runs the package's binary when no script has the name
    commands = shell.split_commands(app.pkg.scripts.get(script[0], ""))
    return [*commands[-1].argv, *script[1]] if commands else words


def _launched(words: list[str]) -> list[str]:
    """The program behind npx / pnpm exec / yarn dlx, without the launcher's own flags."""
    for prefix, size in _LAUNCHERS.items():
        if tuple(words[:size]) == prefix:
            rest = words[size:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            return rest
    return words


def _server(argv: list[str]) -> Server | None:
    entries = [s for (program, _), s in SERVERS.items() if argv and program == argv[0]]
    if not entries:
        return None
    if all(s.verbs == {""} for s in entries):
        return entries[0]  # no sub-commands: its words are directories and flags
    i, verb = next(((i, w) for i, w in enumerate(argv[1:], 1) if not w.startswith("-")), (0, ""))
    if i > 1 and verb not in {v for s in entries for v in s.verbs}:
        verb = ""  # a flag's value, as in `vite --host 0.0.0.0`: the bare command
    return next((s for s in entries if verb in s.verbs), None)


def _sets_port(app: App, name: str) -> bool:
    text = app.project.text(app.pkg.path(name))
    if text is None:
        return False
    code = text if name.endswith(".json") else manifest.strip_js_comments(text)
    return re.search(r"""(?<![\w$.])["']?port["']?\s*:""", code) is not None


def _env_port(env: Mapping[str, str]) -> int | None:
    value = env.get("PORT", "")
    return int(value) if value.isdigit() else None


def _major(app: App, program: str) -> int | None:
    spec = app.pkg.deps.get(program) or app.pkg.dev_deps.get(program) or ""
    m = re.match(r"^[\^~>=v\s]*(\d+)", spec)
    return int(m.group(1)) if m else None
