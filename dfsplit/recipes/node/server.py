"""Node servers: keep the user's stage as the builder, test with `<pm> test`, and run the built
app with production dependencies only on a slim image of the builder's family and major.

The builder-side fixes shared with the static recipe live in builder.py.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell, tokens
from dfsplit.dockerfile.shell import Command
from dfsplit.model import (
    EMPTY,
    CopyStep,
    Detection,
    Dockerfile,
    Findings,
    Options,
    Plan,
    Project,
    Refuse,
)
from dfsplit.plan import carry, images, packages
from dfsplit.plan.reasons import choose_runtime
from dfsplit.plan.runfiles import Found, runtime_files, writes_warning
from dfsplit.plan.runtime import runtime_stage
from dfsplit.recipes.node import layers, manifest, nextjs, source
from dfsplit.recipes.node.builder import (
    App,
    ensure_build,
    prepare,
    start_words,
    tester,
)
from dfsplit.recipes.node.entry import nest_entry, tsc_entry
from dfsplit.recipes.node.layers import APP_STAGE, PRUNE_STAGE

NODE_UID = "1000:1000"  # the official node image's `node` user
# What node-gyp needs to compile native addons (besides the compilers every recipe drops).
NATIVE_BUILD = frozenset({"python3", "python", "python-is-python3", "python3-dev", "node-gyp"})
# Directories an app commonly reads at run time next to its build output.
RUNTIME_DIRS = ("public", "views", "static", "templates")


def detect(project: Project) -> Detection | None:
    pkg = manifest.candidate_package(project)
    if pkg is None:
        return None
    return Detection(framework=manifest.server_framework(project, pkg), why=(f"{pkg.rel} found",))


class Start(NamedTuple):
    """The runtime's start command."""

    argv: list[str]
    entry: str | None = None  # relative to the app directory
    env: Mapping[str, str] = EMPTY
    keep_dev: bool = False  # the command needs devDependencies at run time


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    app = prepare(df, project, options.uid or NODE_UID, bool(options.cache_mounts))
    framework = manifest.server_framework(project, app.pkg)
    built = ensure_build(app)
    start = _framework_start(app, framework)
    if start is None and framework == "next":
        framework = None  # a custom server or a script: kept like any node server's
    start = start or resolve_start(app, built)
    image = _runtime_image(app, options)
    copies, prune, artifact = _layout(app, framework, start, built)
    split = layers.prod_deps_head(app) if prune else layers.Split()
    app.notes += split.notes
    stages = _stages(app, prune, split, artifact, copies)
    scanned = source.scan(app.project, app.pkg)
    was = app.kept.user
    carry.keep_root_for_writes(app.model, app.kept, scanned.writes)
    if app.kept.user != was:  # the app writes beside its files: root, as the original ran
        app.notes = [n for n in app.notes if not n.startswith("the original ran as root;")]
        app.notes.append(app.kept.notes[-1])
    app.warnings += writes_warning(scanned.writes, app.kept.user)
    found = runtime_files(
        app.model,
        scanned.reads,
        start.argv[1:],
        app.project,
        user=app.kept.user,
        lean=options.lean,
        exclude=[c.src for c in copies],
    )
    app.notes += found.notes
    app.warnings += found.warnings
    copies = _ordered(app, copies, found)
    env = [tokens.env_pair(k, v, df.escape) for k, v in start.env.items()]
    if framework == "next-standalone":
        env.append("HOSTNAME=0.0.0.0")
        app.notes.append("ENV HOSTNAME=0.0.0.0: standalone server.js binds localhost otherwise")
    kept_packages = _packages(app, scanned.executes, image)
    runtime = runtime_stage(
        image,
        app.kept,
        copies,
        workdir=app.app_dir,
        cmd=tokens.exec_form(start.argv),
        env=env,
        run=packages.install_on(image, kept_packages),
    )
    test = tester(app, options, start.entry)
    findings = Findings(
        recipe="node_server",
        language="node",
        framework=framework,
        builder_image=app.builder_image,
        runtime_image=image,
        artifact=artifact.src or None,
        test_command=test.commands[0] if test else None,
        runtime_files=((app.abs(start.entry),) if start.entry else ()) + tuple(found.paths),
        notes=tuple(app.notes),
        warnings=tuple(app.warnings),
    )
    return Plan(
        findings=findings,
        template="node-server.Dockerfile.j2",
        edits=tuple(app.edits),
        runtime=runtime,
        tester=test,
        artifact_stage=artifact.stage,
        required_paths=((app.abs(start.entry),) if start.entry else ()) + tuple(found.required),
        extra=stages,
    )


def _stages(
    app: App, prune: bool, split: layers.Split, artifact: _Artifact, copies: tuple[CopyStep, ...]
) -> dict[str, object]:
    """The template's values for the prod-deps and app stages."""
    return {
        "prune": app.pm.prune if prune else None,
        "prune_stage": PRUNE_STAGE,
        "prune_head": split.head,
        "app_stage": APP_STAGE,
        "app_files": artifact.src if artifact.stage == APP_STAGE else None,
        "app_drop": _app_drop(app, copies),
        "app_user_root": app.model.final.user not in (None, "root", "0"),
    }


def _packages(app: App, executes: tuple[str, ...], image: str) -> packages.RuntimePackages:
    """OS packages the app runs (chromium, fonts, ffmpeg...); a slim Debian node image has
    tzdata but no CA certificates."""
    health, _ = packages.healthcheck_programs(app.kept.healthcheck)
    debian = images.classify(image).family == "debian"
    kept = packages.runtime_packages(
        app.model,
        {*executes, *health},
        packages.manager_for(image),
        provided=frozenset({"tzdata"} if debian else ()),
        build_only=NATIVE_BUILD,
    )
    app.notes += kept.notes
    app.warnings += kept.warnings
    return kept


def _runtime_image(app: App, options: Options) -> str:
    """Same family and major as the builder: native addons must find the same libc."""
    if options.runtime_image:
        app.notes.append(f"runtime {options.runtime_image} was chosen with --runtime")
        return options.runtime_image
    image = node_runtime_image(app.builder_image)
    app.notes.append(f"runtime {image}: the builder's family and version, without the build tools")
    return image


def node_runtime_image(builder: str) -> str:
    repo, tag = images.repository(builder), images.tag(builder)
    if repo.rsplit("/", 1)[-1] != "node" or "@" in builder:
        raise Refuse(
            f"the builder image {builder} is no tagged official node image, so dfsplit knows "
            f"no slim runtime of its family: {choose_runtime('node')}"
        )
    if "alpine" in tag or "slim" in tag:
        return builder
    return f"{repo}:{'slim' if tag == 'latest' else tag + '-slim'}"


def _framework_start(app: App, framework: str | None) -> Start | None:
    """Frameworks whose built server has a known entry point."""
    entries = {
        "next-standalone": "server.js",
        "nuxt": ".output/server/index.mjs",
    }
    if framework == "next":
        found = nextjs.start(app)
        return Start(found[0], env=found[1]) if found else None
    if framework == "nest":
        entries["nest"] = nest_entry(app)
    if framework not in entries:
        return None
    entry = entries[framework]
    app.notes.append(f"{framework}: the runtime starts the build output with `node {entry}`")
    return Start(["node", entry], entry=entry)


# Programs that run TypeScript or watch files: only for development.
DEV_RUNNERS = frozenset({"tsx", "ts-node", "ts-node-dev", "nodemon", "babel-node"})
TS_RUNNERS = frozenset({"tsx", "ts-node", "ts-node-dev"})


def resolve_start(app: App, built: bool) -> Start:
    """`CMD ["node", <entry>]` from the naive CMD, scripts.start or main; all dependencies
    stay when node preloads a module from devDependencies (`node -r dotenv/config`)."""
    start = _resolve_start(app, built)
    dev = [m for m in _preloads(start.argv) if _package_of(m) in app.pkg.dev_deps]
    if dev and not start.keep_dev:
        app.warnings.append(
            f"node preloads {dev[0]} from devDependencies: the runtime keeps all dependencies"
        )
        return start._replace(keep_dev=True)
    return start


_PRELOAD_FLAGS = ("-r", "--require", "--import", "--loader", "--experimental-loader")


def _preloads(argv: list[str]) -> list[str]:
    """The modules a node command line preloads (`-r dotenv/config`, `--import=tsx`)."""
    out = []
    for i, word in enumerate(argv):
        key, eq, value = word.partition("=")
        if key in _PRELOAD_FLAGS:
            out.append(value if eq else (argv[i + 1] if i + 1 < len(argv) else ""))
    return [m for m in out if m]


def _package_of(module: str) -> str:
    parts = module.split("/")
    return "/".join(parts[:2]) if module.startswith("@") else parts[0]


def _resolve_start(app: App, built: bool) -> Start:
    words = start_words(app.kept) or ["npm", "start"]
    if words[:1] == ["node"]:
        return _node(words)
    script = manifest.script_words(words)
    text = app.pkg.scripts.get(script[0]) if script else " ".join(words)
    if text is None:
        return _from_main(app, built, f"package.json has no `{script[0] if script else ''}` script")
    commands = shell.split_commands(text)
    if commands is None:  # unreadable: keep the script, and every dependency it may run
        return _keep_script(app, words, text, [], keep_dev=True)
    extra = script[1] if script else []
    if len(commands) == 1 and not shell.needs_shell(" ".join(commands[0].argv)):
        argv = [*commands[0].argv, *extra]
        if argv[:1] == ["node"]:
            app.notes.append(f"`{' '.join(words)}` -> node directly: npm does not forward SIGTERM")
            return _node(argv, commands[0].env)
        if argv[:1] and argv[0] in DEV_RUNNERS and (built or argv[0] == "nodemon"):
            return _dev_runner(app, argv, built, text)
    return _keep_script(app, words, text, commands)


def _node(argv: list[str], env: Mapping[str, str] | None = None) -> Start:
    argv = [w for w in argv if w not in ("--watch", "--watch-path")]
    entry = next((w for w in argv[1:] if not w.startswith("-")), None)
    return Start(argv, entry=posixpath.normpath(entry) if entry else None, env=dict(env or {}))


def _dev_runner(app: App, argv: list[str], built: bool, text: str) -> Start:
    if argv[0] == "nodemon" and not built:
        app.notes.append(f"`{text}` watches files: the runtime runs node directly")
        return _node(["node", *argv[1:]])
    entry = tsc_entry(app, argv) if built and argv[0] in TS_RUNNERS else None
    if entry is not None:
        app.notes.append(f"`{text}` runs TypeScript: the runtime runs the compiled {entry}")
        return _node(["node", entry])
    return _from_main(app, built, f"`{text}` runs TypeScript or watches sources in development")


def _from_main(app: App, built: bool, why: str) -> Start:
    main = app.pkg.main
    if not main or not built or main.endswith(".ts"):
        raise Refuse(
            f"{why}, and package.json has no built `main` to start instead: add a build "
            'script and set "main" to its output (or start the built file with node)'
        )
    app.notes.append(f"{why}: the runtime starts the built main {main} with node")
    return _node(["node", main])


def _keep_script(
    app: App, words: list[str], text: str, commands: list[Command], keep_dev: bool = False
) -> Start:
    """A start script that does more than run node: keep it, say why and what it costs."""
    dev = sorted(
        {c.program for c in commands if c.program in app.pkg.dev_deps or c.program in DEV_RUNNERS}
    ) or (["what the unreadable script runs"] if keep_dev else [])
    app.warnings.append(
        f"the start command `{text}` does more than run node: kept as "
        f"`{' '.join(words)}`; npm does not forward SIGTERM"
    )
    if dev:
        app.warnings.append(
            f"it runs {', '.join(dev)} from devDependencies: the runtime keeps all dependencies"
        )
    argv = words if words[:1] in (["npm"], ["yarn"], ["pnpm"], ["bun"]) else ["sh", "-c", text]
    return Start(argv, keep_dev=bool(dev))


class _Artifact(NamedTuple):
    stage: str
    src: str


def _layout(
    app: App, framework: str | None, start: Start, built: bool
) -> tuple[tuple[CopyStep, ...], bool, _Artifact]:
    """What the runtime copies, whether a prod-deps stage prunes, and the main artifact."""
    if framework == "next-standalone":
        return _next_standalone(app)
    if framework == "nuxt":
        src = app.abs(".output")
        return (tokens.copy_step("builder", src, src),), False, _Artifact("builder", src)
    deps = "builder" if start.keep_dev else PRUNE_STAGE
    if framework == "next":
        names = [".next", "public", *_next_configs(app), *nextjs.env_files(app)]
        return _listed(app, names, deps, ".next")
    top = posixpath.normpath(start.entry).split("/")[0] if start.entry else ""
    generated = bool(top) and top != start.entry and not app.project.has_dir(app.pkg.path(top))
    if built and generated:
        dirs = [d for d in RUNTIME_DIRS if app.project.has_dir(app.pkg.path(d))]
        app.notes.append(
            f"the runtime gets package.json, production node_modules, {top}/"
            + "".join(f", {d}/" for d in dirs)
        )
        return _listed(app, [top, *dirs], deps, top)
    src = tokens.abs_path(app.app_dir)
    if not (app.pkg.deps or app.pkg.dev_deps):
        # No dependency to prune or to keep apart: the app directory is the one layer.
        app.notes.append(
            f"the app runs from its sources and has no dependencies: the runtime copies {src}"
        )
        return (tokens.copy_step("builder", src, src),), False, _Artifact("builder", src)
    app.notes.append(
        f"the app runs from its sources: the runtime copies production node_modules, then "
        f"{app.app_dir} without node_modules (from the `{APP_STAGE}` stage), in layers of their own"
    )
    # A lock file `npm install` may have written stays in the app's layer: npm before 5
    # writes none, and a COPY of a missing file fails the build.
    steps = [tokens.copy_step(deps, app.abs("node_modules"), app.abs("node_modules"))]
    steps.append(tokens.copy_step(APP_STAGE, src, src))
    return tuple(steps), deps == PRUNE_STAGE, _Artifact(APP_STAGE, src)


def _ordered(app: App, copies: tuple[CopyStep, ...], found: Found) -> tuple[CopyStep, ...]:
    """The dependencies first, then the files the app reads, and the app's own files last: a
    code change rebuilds only what follows it."""
    rare = {app.abs(n) for n in ("package.json", "node_modules", "package-lock.json")}
    deps = tuple(c for c in copies if c.src in rare)
    return (*deps, *found.around([c for c in copies if c.src not in rare]))


def _app_drop(app: App, copies: tuple[CopyStep, ...]) -> str:
    """What the `app` stage removes: what the runtime copies from the dependency stages."""
    dropped = [c.src for c in copies if c.stage != APP_STAGE and c.src.startswith(app.app_dir)]
    return " ".join(shlex.quote(p) for p in dropped or [app.abs("node_modules")])


def _listed(
    app: App, names: list[str], deps: str, main: str
) -> tuple[tuple[CopyStep, ...], bool, _Artifact]:
    present = [
        n
        for n in names
        if n == main or app.project.has(app.pkg.path(n)) or app.project.has_dir(app.pkg.path(n))
    ]
    steps = [
        tokens.copy_step("builder", app.abs("package.json"), app.abs("package.json")),
        tokens.copy_step(deps, app.abs("node_modules"), app.abs("node_modules")),
    ]
    steps += [tokens.copy_step("builder", app.abs(n), app.abs(n)) for n in present]
    return tuple(steps), deps == PRUNE_STAGE, _Artifact("builder", app.abs(main))


def _next_configs(app: App) -> list[str]:
    names = ("next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs")
    return [n for n in names if app.project.has(app.pkg.path(n))]


def _next_standalone(app: App) -> tuple[tuple[CopyStep, ...], bool, _Artifact]:
    """Standalone leaves out .next/static and public on purpose: copy them next to server.js."""
    src = app.abs(".next/standalone")
    static = app.abs(".next/static")
    steps = [
        tokens.copy_step("builder", src, app.abs("."), chown=NODE_UID),
        tokens.copy_step("builder", static, static, chown=NODE_UID),
    ]
    if app.project.has_dir(app.pkg.path("public")):
        steps.append(
            tokens.copy_step("builder", app.abs("public"), app.abs("public"), chown=NODE_UID)
        )
    app.notes.append("next standalone: .next/standalone, .next/static and public are copied")
    # No artifact path: .next/standalone lands at the app root, server.js is the runtime file.
    return tuple(steps), False, _Artifact("builder", "")
