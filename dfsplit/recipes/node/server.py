"""Node servers: keep the user's stage as the builder, test with `<pm> test`, and run the built
app with production dependencies only on a slim image of the builder's family and major.

The builder-side fixes shared with the static recipe (install command from the lock file, the
lock file copied before `COPY . .`, NODE_ENV=production moved out of the install, a missing
build step) live in `prepare`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell, tokens
from dfsplit.dockerfile.globs import is_glob, path_match
from dfsplit.dockerfile.shell import Command
from dfsplit.dockerfile.words import copy_words, is_exec_form, parse_pairs
from dfsplit.model import (
    EMPTY,
    CopyStep,
    Detection,
    Dockerfile,
    Edit,
    Findings,
    Instruction,
    Options,
    Plan,
    Project,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, images
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import DEFAULT_PATH, Copied, StageModel, base_image, run_script
from dfsplit.recipes.node import package as node

# npm/yarn settings and CI switches shape the install, never the running app.
BUILD_ENV = {
    "CI",
    "NPM_CONFIG_LOGLEVEL",
    "npm_config_loglevel",
    "NPM_CONFIG_PRODUCTION",
    "YARN_CACHE_FOLDER",
    "YARN_ENABLE_IMMUTABLE_INSTALLS",
    "PNPM_HOME",
}
NODE_UID = "1000:1000"  # the official node image's `node` user
BASE_ENV = {"PATH": DEFAULT_PATH, "HOME": "/root"}
PROD_FLAGS = {"--production", "--prod", "--omit=dev", "--only=prod", "--only=production"}
PRUNE_STAGE = "prod-deps"
# Directories an app commonly reads at run time next to its build output.
RUNTIME_DIRS = ("public", "views", "static", "templates")


# --- shared with node_static: the builder ------------------------------------------------


class App:
    """The naive stage read as a Node build, and the builder edits planned so far."""

    __slots__ = (
        "app_dir",
        "builder_image",
        "df",
        "edits",
        "kept",
        "model",
        "notes",
        "pkg",
        "pm",
        "project",
        "warnings",
    )

    def __init__(
        self,
        df: Dockerfile,
        project: Project,
        model: StageModel,
        pkg: node.Package,
        pm: node.Manager,
        kept: carry.Carried,
        builder_image: str,
        app_dir: str,
    ) -> None:
        self.df = df
        self.project = project
        self.model = model
        self.pkg = pkg
        self.pm = pm
        self.kept = kept
        self.builder_image = builder_image
        self.app_dir = app_dir  # absolute directory of package.json in the builder
        self.edits: list[Edit] = []
        self.notes: list[str] = []
        self.warnings: list[str] = []

    def abs(self, rel: str) -> str:
        return tokens.abs_path(posixpath.join(self.app_dir, rel))


def prepare(df: Dockerfile, project: Project, default_uid: str) -> App:
    """Read the stage, then plan the builder edits every Node split needs."""
    stage = df.stages()[0]
    builder_image = base_image(df)  # global ARG defaults substituted: `node:${NODE_VERSION}`
    model = StageModel(df, stage, project, dict(BASE_ENV))
    app_dir = model.final.workdir
    rel = model.context_path(posixpath.join(app_dir, "package.json"))
    pkg = node.read_package(project, rel) if rel else None
    if pkg is None:
        raise Refuse(f"the builder has no package.json in its WORKDIR {app_dir}")
    pm = node.manager(project, pkg)
    kept = carry.carry(df, model, BUILD_ENV, default_uid)
    app = App(df, project, model, pkg, pm, kept, builder_image, app_dir)
    app.notes += kept.notes
    app.warnings += [w for w in kept.warnings if not w.startswith("USER node ")]
    app.edits += [edits.name_stage(df, stage[0], "builder"), *kept.edits]
    if pm.lock is None:
        app.notes.append(
            "no lock file: dependencies are installed with a plain `npm install` "
            "(not reproducible; commit a lock file)"
        )
    install, command, alone = find_install(model)
    app.edits += node_env_trap(app, install)
    app.edits += install_edits(app, install, command, alone)
    return app


def find_install(model: StageModel) -> tuple[Instruction, Command, bool]:
    """The RUN that installs the dependencies, its install command, and whether it is alone."""
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        commands = shell.split_commands(run_script(ins)) or []
        for command in commands:
            if is_install(command.argv):
                return ins, command, len(commands) == 1 and not ins.heredocs
    raise Refuse(
        "no dependency install (npm ci / npm install / yarn / pnpm install) in the Dockerfile"
    )


def is_install(argv: tuple[str, ...]) -> bool:
    """A whole-project install: no package names (`npm install -g serve` is not one)."""
    prog, rest = (argv[0] if argv else ""), list(argv[1:])
    verbs = {
        "npm": ("install", "i", "ci", "clean-install"),
        "pnpm": ("install", "i"),
        "bun": ("install",),
        "yarn": ("install",),
    }
    if prog == "yarn" and not [w for w in rest if not w.startswith("-")]:
        return True
    if prog not in verbs or not rest or rest[0] not in verbs[prog]:
        return False
    return all(w.startswith("-") for w in rest[1:]) and "-g" not in rest and "--global" not in rest


def _manager_program(pm: node.Manager) -> str:
    return "yarn" if pm.name.startswith("yarn") else pm.name


def new_install(app: App, command: Command) -> str | None:
    """The lock-file install that replaces command, or None to keep it as written."""
    if command.env or command.program != _manager_program(app.pm):
        if app.pm.lock is not None and command.program != _manager_program(app.pm):
            app.warnings.append(
                f"the Dockerfile installs with {command.program} but the lock "
                f"file is {app.pm.lock}: install left as written"
            )
        return None
    base = app.pm.install.split()
    start = 1 if command.program == "yarn" and command.argv[1:2] != ("install",) else 2
    flags = [w for w in command.argv[start:] if w not in base]
    dropped = [w for w in flags if w in PROD_FLAGS]
    if dropped and app.pkg.dev_deps:
        app.notes.append(
            f"`{' '.join(dropped)}` dropped from the builder's install: build "
            "and tests need devDependencies; the runtime gets prod ones"
        )
    return " ".join(base + [w for w in flags if w not in PROD_FLAGS])


def install_edits(app: App, ins: Instruction, command: Command, alone: bool) -> list[Edit]:
    """Lock-file install, installed from package.json + lock before `COPY . .` for caching."""
    text = new_install(app, command)
    root = app.model.root_copy()
    index = app.model.stage.index(ins)
    # Only a lone install at the context root can move above `COPY . .` unchanged.
    movable = root is not None and root.position < index and root.dest == app.app_dir and alone
    if root is not None and movable and not app.pkg.dir:
        return _install_first(app, ins, root, text or " ".join(command.argv))
    out = _lock_copy(app, index)
    if text is not None and text != " ".join(command.argv):
        out.append(_replace_command(app, ins, command, text))
        app.notes.append(f"`{' '.join(command.argv)}` -> `{text}`: the lock file decides")
    return out


def _install_first(app: App, ins: Instruction, root: Copied, install: str) -> list[Edit]:
    df, model = app.df, app.model
    copy_ins = model.stage[root.position]
    names = [
        n
        for n in ("package.json", app.pm.lock, ".yarnrc.yml")
        if n and app.project.has(n) and not model.ignore.excludes(n)
    ]
    dest = "./" if model.state_at(copy_ins).workdir == app.app_dir else app.app_dir + "/"
    flags = "".join(f"{f} " for f in ins.flags)
    copy = f"{edits.keyword(df, 'COPY')} {' '.join(names)} {dest}"
    run = f"{edits.keyword(df, 'RUN')} {flags}{tokens.single_line(install, 'install')}"
    anchor = edits.attached_comments(df, copy_ins)
    # A blank line keeps the comment of `COPY . .` attached to it, not to the new RUN.
    gap = "\n" if anchor < copy_ins.start else ""
    text = "\n".join(x for x in (edits.comment_text(df, ins), copy, run) if x) + gap
    app.notes.append(
        f"{' and '.join(names)} copied and `{install}` run before `COPY . .`, "
        "so a source change does not re-install the dependencies"
    )
    return [Edit(anchor, anchor, text), edits.remove(df, ins)]


def _copied_before(model: StageModel, rel: str, index: int) -> Copied | None:
    for c in model.copies:
        if c.position >= index:
            continue
        if c.source in (rel, ".") or (c.source != "." and rel.startswith(c.source + "/")):
            return c
        if is_glob(c.source) and path_match(c.source, rel):
            return c
    return None


def _lock_copy(app: App, index: int) -> list[Edit]:
    """Add the lock file to the `COPY package.json ./` that precedes the install."""
    lock = app.pkg.path(app.pm.lock) if app.pm.lock else None
    model = app.model
    if lock is None or _copied_before(model, lock, index) is not None:
        return []
    manifest = _copied_before(model, app.pkg.rel, index)
    if manifest is None:
        return []
    ins = model.stage[manifest.position]
    words = copy_words(ins.args)
    exec_form = ins.args.lstrip().startswith("[")
    if ins.end - ins.start != 1 or not words or not manifest.into_dir or exec_form:
        app.warnings.append(f"{lock} is not copied before the install (line {ins.start + 1})")
        return []
    *sources, dest = words
    flags = "".join(f"{f} " for f in ins.flags)
    line = f"{edits.keyword(app.df, 'COPY')} {flags}{' '.join([*sources, lock])} {dest}"
    app.notes.append(f"{lock} added to the COPY before the install: `{app.pm.install}` needs it")
    return [Edit(ins.start, ins.end, line)]


def _replace_command(app: App, ins: Instruction, command: Command, text: str) -> Edit:
    """Swap the install command inside its physical line, keeping the rest of the RUN."""
    words = r"\s+".join(re.escape(w) for w in command.argv)
    pattern = re.compile(r"(?<![\w/-])" + words + r"(?![\w-])")
    for number in range(ins.start, ins.end):
        line = app.df.lines[number].rstrip("\r\n")
        if pattern.search(line):
            return Edit(number, number + 1, pattern.sub(lambda _m: text, line, count=1))
    raise Refuse(f"cannot rewrite the install at line {ins.start + 1}: it spans lines oddly")


def node_env_trap(app: App, install: Instruction) -> list[Edit]:
    """`ENV NODE_ENV=production` before the install drops devDependencies: move it to runtime."""
    if not app.pkg.dev_deps:
        return []
    out = []
    for ins in app.model.stage[: app.model.stage.index(install)]:
        if ins.keyword != "ENV":
            continue
        pairs = parse_pairs(ins.args)
        if not any(k == "NODE_ENV" and v == "production" for k, v, _ in pairs):
            continue
        others = [raw for k, _, raw in pairs if k != "NODE_ENV"]
        if others and (ins.end - ins.start != 1 or "=" not in others[0]):
            raise Refuse(
                f"NODE_ENV=production at line {ins.start + 1} drops the devDependencies "
                "the build needs, and that ENV cannot be split safely"
            )
        keyword = edits.keyword(app.df, "ENV")
        out.append(
            Edit(ins.start, ins.end, f"{keyword} {' '.join(others)}")
            if others
            else edits.remove(app.df, ins)
        )
        needed = ", ".join(sorted(app.pkg.dev_deps)[:4])
        app.notes.append(
            "ENV NODE_ENV=production moved to the runtime: set before the install "
            f"it made {app.pm.name} skip devDependencies ({needed})"
        )
    return out


def runs_build(model: StageModel) -> bool:
    """Whether some RUN already produces the build output."""
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        for command in shell.split_commands(run_script(ins)) or []:
            argv = list(command.argv)
            if argv[:1] == ["npx"]:
                argv = argv[1:]
            script = node.script_words(argv)
            if script is not None and script[0] == "build":
                return True
            if argv and argv[0] in node.BUILD_TOOLS and ("build" in argv or argv[0] == "tsc"):
                return True
    return False


def ensure_build(app: App) -> bool:
    """Add `RUN <pm> run build` when the naive file never builds; False when there is no build."""
    if runs_build(app.model):
        return True
    if "build" not in app.pkg.scripts:
        return False
    last = carry.last_build_index(app.model)
    run = f"{edits.keyword(app.df, 'RUN')} {app.pm.script('build')}"
    app.edits.append(edits.insert_after(app.model.stage[last], run))
    app.notes.append(
        f"`{app.pm.script('build')}` added: the naive image never built the app, "
        "the runtime runs the build output instead of a dev server"
    )
    return True


def tester(app: App, options: Options) -> TesterStage | None:
    if not options.tester:
        return None
    if not node.has_test(app.pkg):
        app.notes.append("no test script in package.json: no tester stage")
        return None
    return TesterStage(commands=(app.pm.script("test"),))


def start_words(kept: carry.Carried) -> list[str] | None:
    """The naive start command as words (exec form, or shell form without shell syntax)."""
    if kept.entrypoint is not None:
        raise Refuse(f"ENTRYPOINT {kept.entrypoint.args.strip()} is kept by no Node rule yet")
    if kept.cmd is None:
        return None
    argv = is_exec_form(kept.cmd.args)
    if argv is not None:
        return argv
    words = shell.plain_words(kept.cmd.args.strip())
    if words is None:
        raise Refuse(f"the CMD needs a shell: {kept.cmd.args.strip()}")
    return words[1:] if words[:1] == ["exec"] else words


# --- servers ------------------------------------------------------------------------------


def detect(project: Project) -> Detection | None:
    pkg = node.candidate_package(project)
    if pkg is None:
        return None
    return Detection(framework=node.server_framework(project, pkg), why=(f"{pkg.rel} found",))


class Start(NamedTuple):
    """The runtime's start command."""

    argv: list[str]
    entry: str | None = None  # relative to the app directory
    env: Mapping[str, str] = EMPTY
    keep_dev: bool = False  # the command needs devDependencies at run time


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    app = prepare(df, project, options.uid or NODE_UID)
    framework = node.server_framework(project, app.pkg)
    built = ensure_build(app)
    start = _framework_start(app, framework) or resolve_start(app, built)
    image = _runtime_image(app, options)
    copies, prune, artifact = _layout(app, framework, start, built)
    env = [tokens.env_pair(k, v) for k, v in start.env.items()]
    if framework == "next-standalone":
        env.append("HOSTNAME=0.0.0.0")
        app.notes.append("ENV HOSTNAME=0.0.0.0: standalone server.js binds localhost otherwise")
    runtime = runtime_stage(
        image, app.kept, copies, workdir=app.app_dir, cmd=tokens.exec_form(start.argv), env=env
    )
    test = tester(app, options)
    findings = Findings(
        recipe="node_server",
        language="node",
        framework=framework,
        builder_image=app.builder_image,
        runtime_image=image,
        artifact=artifact.src or None,
        test_command=test.commands[0] if test else None,
        runtime_files=(app.abs(start.entry),) if start.entry else (),
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
        required_paths=(app.abs(start.entry),) if start.entry else (),
        extra={"prune": app.pm.prune if prune else None, "prune_stage": PRUNE_STAGE},
    )


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
        raise Refuse(f"the builder {builder} is not a tagged official node image; pass --runtime")
    if "alpine" in tag or "slim" in tag:
        return builder
    return f"{repo}:{'slim' if tag == 'latest' else tag + '-slim'}"


def _framework_start(app: App, framework: str | None) -> Start | None:
    """Frameworks whose built server has a known entry point."""
    entries = {
        "next-standalone": "server.js",
        "nuxt": ".output/server/index.mjs",
        "nest": "dist/main.js",
    }
    if framework == "next":
        app.notes.append("next (not standalone): the runtime runs `next start` with node directly")
        return Start(["node", "node_modules/next/dist/bin/next", "start"])
    if framework not in entries:
        return None
    entry = entries[framework]
    app.notes.append(f"{framework}: the runtime starts the build output with `node {entry}`")
    return Start(["node", entry], entry=entry)


# Programs that run TypeScript or watch files: only for development.
DEV_RUNNERS = frozenset({"tsx", "ts-node", "ts-node-dev", "nodemon", "babel-node"})


def resolve_start(app: App, built: bool) -> Start:
    """`CMD ["node", <entry>]` from the naive CMD, scripts.start or main."""
    words = start_words(app.kept) or ["npm", "start"]
    if words[:1] == ["node"]:
        return _node(words)
    script = node.script_words(words)
    text = app.pkg.scripts.get(script[0]) if script else " ".join(words)
    if text is None:
        return _from_main(app, built, f"package.json has no `{script[0] if script else ''}` script")
    commands = shell.split_commands(text) or []
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
    return _from_main(app, built, f"`{text}` runs TypeScript or watches sources in development")


def _from_main(app: App, built: bool, why: str) -> Start:
    main = app.pkg.main
    if not main or not built or main.endswith(".ts"):
        raise Refuse(f"{why}, and package.json has no built `main` to start instead")
    app.notes.append(f"{why}: the runtime starts the built main {main} with node")
    return _node(["node", main])


def _keep_script(app: App, words: list[str], text: str, commands: list[Command]) -> Start:
    """A start script that does more than run node: keep it, say why and what it costs."""
    dev = sorted(
        {c.program for c in commands if c.program in app.pkg.dev_deps or c.program in DEV_RUNNERS}
    )
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
        return _listed(app, [".next", "public", *_next_configs(app)], deps, ".next")
    top = posixpath.normpath(start.entry).split("/")[0] if start.entry else ""
    generated = bool(top) and top != start.entry and not app.project.has_dir(app.pkg.path(top))
    if built and generated:
        dirs = [d for d in RUNTIME_DIRS if app.project.has_dir(app.pkg.path(d))]
        app.notes.append(
            f"the runtime gets package.json, production node_modules, {top}/"
            + "".join(f", {d}/" for d in dirs)
        )
        return _listed(app, [top, *dirs], deps, top)
    app.notes.append(
        f"the app runs from its sources: the runtime copies {app.app_dir} "
        "with production node_modules only"
    )
    src = tokens.abs_path(app.app_dir)
    return (tokens.copy_step(deps, src, src),), deps == PRUNE_STAGE, _Artifact(deps, src)


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
