"""The built JavaScript file a TypeScript start becomes: Nest's entry file under `nest build`,
and the file a `ts-node src/x.ts` start names once `tsc` has compiled it (see tsconfig.py)."""

from __future__ import annotations

import posixpath
from typing import Any

from dfsplit.dockerfile import shell
from dfsplit.model import Refuse
from dfsplit.recipes.node import manifest, tsconfig
from dfsplit.recipes.node.builder import App

# ts-node / tsx switches that change nothing about the compiled output.
_PLAIN_FLAGS = {"--transpile-only", "-T", "--files", "--swc"}


def nest_entry(app: App) -> str:
    """The package-relative .js file `nest build` writes for the entry file (nest-cli.json:
    sourceRoot, entryFile, compilerOptions.tsConfigPath; only the tsc builder)."""
    text = app.project.text(app.pkg.path("nest-cli.json")) or "{}"
    cli = manifest.load_json(text or "{}", "nest-cli.json", "nest")
    cli = cli if isinstance(cli, dict) else {}
    raw = cli.get("compilerOptions")
    options: dict[str, Any] = raw if isinstance(raw, dict) else {}
    builder = options.get("builder", "tsc")
    builder = builder.get("type", "tsc") if isinstance(builder, dict) else builder
    if cli.get("monorepo") or options.get("webpack") or builder != "tsc":
        raise Refuse(
            "nest-cli.json builds with webpack, swc or as a monorepo: where the entry file "
            "is written is not known"
        )
    source = f"{cli.get('sourceRoot', 'src')}/{cli.get('entryFile', 'main')}.ts"
    named = options.get("tsConfigPath")
    configs = [named] if isinstance(named, str) else ["tsconfig.build.json", "tsconfig.json"]
    return _compiled(app, configs, source)


def tsc_entry(app: App, argv: list[str]) -> str | None:
    """`ts-node src/index.ts` -> the .js file `tsc` (the build script) writes for it; None when
    the build is not a plain tsc run or the start passes switches that matter."""
    sources = [w for w in argv[1:] if w.endswith((".ts", ".mts", ".cts"))]
    flags = [w for w in argv[1 : argv.index(sources[0])]] if sources else []
    if not sources or any(f not in _PLAIN_FLAGS for f in flags):
        return None
    config = _tsc_config(app)
    if config is None:
        return None
    return _compiled(app, [config], posixpath.normpath(sources[0]))


def _tsc_config(app: App) -> str | None:
    """The config the build script's tsc reads: -p/--project, else tsconfig.json."""
    build = app.pkg.scripts.get("build", "")
    commands = shell.split_commands(build)
    if commands is None or len(commands) != 1 or commands[0].argv[:1] != ("tsc",):
        return None
    argv = list(commands[0].argv)
    for i, word in enumerate(argv):
        key, eq, value = word.partition("=")
        if key in {"-p", "--project"}:
            value = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            return value if value.endswith(".json") else posixpath.join(value, "tsconfig.json")
    if any(w.startswith("-") and w not in {"--pretty"} for w in argv[1:]):
        return None  # command-line compiler options: not read here
    return "tsconfig.json"


def _compiled(app: App, configs: list[str], source: str) -> str:
    for config in configs:
        if app.project.has(app.pkg.path(config)):
            built = tsconfig.emitted(app.project, app.pkg.path(config), app.pkg.path(source))
            entry = posixpath.relpath(built, app.pkg.dir or ".")
            app.notes.append(f"tsc writes {source} to {entry} ({config}: rootDir, outDir)")
            return entry
    raise Refuse(f"no {' or '.join(configs)} to tell where tsc writes {source}")
