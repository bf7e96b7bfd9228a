"""What every Node split does to the builder stage: the install command from the lock file, the
lock file copied before `COPY . .`, NODE_ENV=production moved out of the install, a missing
build step added, and the tester. Shared by the server and the static recipes.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping

from dfsplit.dockerfile import edits, shell, tokens, words
from dfsplit.dockerfile.globs import is_glob, path_match
from dfsplit.dockerfile.shell import Command
from dfsplit.dockerfile.words import copy_words, is_exec_form
from dfsplit.model import (
    Dockerfile,
    Edit,
    Instruction,
    Options,
    Project,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, mounts
from dfsplit.plan.stage import Copied, StageModel, State, base_image, run_commands, run_script
from dfsplit.plan.tester import tester_stage
from dfsplit.recipes.node import manifest

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


PROD_FLAGS = {"--production", "--prod", "--omit=dev", "--only=prod", "--only=production"}


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
        "sources_line",
        "warnings",
    )

    def __init__(
        self,
        df: Dockerfile,
        project: Project,
        model: StageModel,
        pkg: manifest.Package,
        pm: manifest.Manager,
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
        # The line where the root `COPY . .` (and its comment) begins, when the dependency
        # install runs before it: what precedes sees only the manifests and the lock file.
        self.sources_line: int | None = None
        self.notes: list[str] = []
        self.warnings: list[str] = []

    def abs(self, rel: str) -> str:
        return tokens.abs_path(posixpath.join(self.app_dir, rel))


def prepare(df: Dockerfile, project: Project, default_uid: str, cache_mounts: bool = False) -> App:
    """Read the stage, then plan the builder edits every Node split needs."""
    stage = df.stages()[0]
    builder_image = base_image(df)  # global ARG defaults substituted: `node:${NODE_VERSION}`
    model = StageModel(df, stage, project, builder_image)
    app_dir = model.final.workdir
    rel = model.context_path(posixpath.join(app_dir, "package.json"))
    pkg = manifest.read_package(project, rel) if rel else None
    if pkg is None:
        raise Refuse(
            f"no COPY or ADD puts a package.json into {app_dir}, the builder's WORKDIR: set "
            "WORKDIR to the app's directory, or COPY package.json in"
        )
    pm = manifest.manager(project, pkg)
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
    if cache_mounts:
        app.edits = _install_mounts(app, install)
    return app


def package_cache(pm: manifest.Manager, env: Mapping[str, str], home: str) -> str | None:
    """Where the package manager keeps its downloads (never node_modules)."""
    if pm.name == "npm":
        return env.get("npm_config_cache") or env.get("NPM_CONFIG_CACHE") or f"{home}/.npm"
    if pm.name == "yarn":  # yarn v1 as root in the official image
        return env.get("YARN_CACHE_FOLDER") or "/usr/local/share/.cache/yarn"
    if pm.name == "pnpm":
        return f"{home}/.local/share/pnpm/store"
    if pm.name == "bun":
        return f"{home}/.bun/install/cache"
    return None  # Yarn berry keeps its cache in the project (.yarn/cache) unless told otherwise


def _install_mounts(app: App, install: Instruction) -> list[Edit]:
    """The package manager's download cache as a cache mount on the install RUN."""
    state = app.model.state_at(install)
    why = mounts.why_not_mountable(install, state)
    target = package_cache(app.pm, state.env, mounts.home(state))
    flags = mounts.cache_flags([target] if target else [])
    if why or not flags:
        app.notes.append(f"no cache mount on the install: {why or 'no shared cache to mount'}")
        return app.edits
    moved = [e for e in app.edits if e.start == e.end and _RUN_LINE.search(e.text)]
    if app.sources_line is not None and moved and any(e.start == app.sources_line for e in moved):
        inserted = next(e for e in moved if e.start == app.sources_line)
        text = _RUN_LINE.sub(lambda m: f"{m.group(1)}{flags} ", inserted.text, count=1)
        planned = [Edit(e.start, e.end, text) if e is inserted else e for e in app.edits]
    else:
        planned = edits.with_run_flags(app.df, install, flags, app.edits) or []
    if not planned:
        app.notes.append("no cache mount on the install: another edit rewrites its RUN")
        return app.edits
    app.notes.append(f"the install keeps {target} in a BuildKit cache mount")
    return planned


_RUN_LINE = re.compile(r"^(\s*RUN\s+)", re.IGNORECASE | re.MULTILINE)


def find_install(model: StageModel) -> tuple[Instruction, Command, bool]:
    """The RUN that installs the dependencies, its install command, and whether it is alone."""
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        commands = run_commands(ins)
        for command in commands:
            if is_install(command.argv):
                return ins, command, len(commands) == 1 and not ins.heredocs
    raise Refuse(
        "the Dockerfile installs no dependencies (npm ci, npm install, yarn install, pnpm "
        "install or bun install), so no production node_modules can be kept apart: add the "
        "install step"
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


def _manager_program(pm: manifest.Manager) -> str:
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
    model = app.model
    text = new_install(app, command)
    lock = app.pkg.path(app.pm.lock) if app.pm.lock else None
    if text is not None and lock is not None and model.ignore.excludes(lock):
        app.notes.append(f".dockerignore excludes {lock}: the install is left as written")
        text = None
    root = model.root_copy()
    index = model.stage.index(ins)
    # Only a lone install at the context root, in the directory the sources were copied
    # from, can move above `COPY . .` unchanged (a later WORKDIR would not apply to it).
    movable = (
        root is not None
        and root.position < index
        and root.dest == app.app_dir
        and model.state_at(model.stage[root.position]).workdir == app.app_dir
        and alone
    )
    if root is not None and movable and not app.pkg.dir:
        app.sources_line = edits.attached_comments(app.df, model.stage[root.position])
        return _install_first(app, ins, root, text or " ".join(command.argv))
    before_sources = root is not None and index < root.position and root.dest == app.app_dir
    if root is not None and before_sources and _installs_in_app(app, ins, index):
        app.sources_line = edits.attached_comments(app.df, model.stage[root.position])
    out, lock_ready = _lock_copy(app, index)
    if text is not None and text != " ".join(command.argv):
        if not lock_ready:
            app.notes.append(
                f"`{' '.join(command.argv)}` left as written: {lock} is not in place before it"
            )
            return out
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
    dest = "./"  # movable: the install's WORKDIR is where `COPY . .` copied to
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


def _installs_in_app(app: App, ins: Instruction, index: int) -> bool:
    """Whether the install runs in the app directory on a package.json copied there: only then
    do the steps before the sources make the app's node_modules (prod-deps repeats them). An
    install in /tmp whose node_modules a later step copies over does not."""
    model = app.model
    if model.state_at(ins).workdir != app.app_dir:
        return False
    commands = shell.split_commands(run_script(ins))
    if commands is None or any(c.program in ("cd", "pushd") for c in commands):
        return False
    manifest = _copied_before(model, app.pkg.rel, index)
    if manifest is None:
        return False
    dest = manifest.dest.rstrip("/") or "/"
    if manifest.source == ".":
        return dest == app.app_dir
    name = posixpath.basename(app.pkg.rel)
    return (posixpath.join(dest, name) if manifest.into_dir else dest) == app.abs(name)


def _copied_before(model: StageModel, rel: str, index: int) -> Copied | None:
    for c in model.copies:
        if c.position >= index:
            continue
        if c.source in (rel, ".") or (c.source != "." and rel.startswith(c.source + "/")):
            return c
        if is_glob(c.source) and path_match(c.source, rel):
            return c
    return None


def _lock_copy(app: App, index: int) -> tuple[list[Edit], bool]:
    """Add the lock file to the `COPY package.json ./` that precedes the install; and whether
    the install then finds the lock file (a lock-file install fails without it)."""
    lock = app.pkg.path(app.pm.lock) if app.pm.lock else None
    model = app.model
    if lock is None or _copied_before(model, lock, index) is not None:
        return [], True
    manifest = _copied_before(model, app.pkg.rel, index)
    if manifest is None:
        return [], False
    ins = model.stage[manifest.position]
    words = copy_words(ins.args)
    exec_form = ins.args.lstrip().startswith("[")
    if ins.end - ins.start != 1 or not words or not manifest.into_dir or exec_form:
        app.warnings.append(f"{lock} is not copied before the install (line {ins.start + 1})")
        return [], False
    *sources, dest = words
    flags = "".join(f"{f} " for f in ins.flags)
    line = f"{edits.keyword(app.df, 'COPY')} {flags}{' '.join([*sources, lock])} {dest}"
    app.notes.append(f"{lock} added to the COPY before the install: `{app.pm.install}` needs it")
    return [Edit(ins.start, ins.end, line)], True


def _replace_command(app: App, ins: Instruction, command: Command, text: str) -> Edit:
    """Swap the install command inside its physical line, keeping the rest of the RUN."""
    words = r"\s+".join(re.escape(w) for w in command.argv)
    pattern = re.compile(r"(?<![\w/-])" + words + r"(?![\w-])")
    for number in range(ins.start, ins.end):
        line = app.df.lines[number].rstrip("\r\n")
        if pattern.search(line):
            return Edit(number, number + 1, pattern.sub(lambda _m: text, line, count=1))
    raise Refuse(
        f"the install at line {ins.start + 1} is split over lines in a way dfsplit cannot edit "
        "safely: write the install command on one line"
    )


def node_env_trap(app: App, install: Instruction) -> list[Edit]:
    """`ENV NODE_ENV=production` before the install drops devDependencies: move it to runtime."""
    if not app.pkg.dev_deps:
        return []
    out = []
    for ins in app.model.stage[: app.model.stage.index(install)]:
        if ins.keyword != "ENV":
            continue
        pairs = words.env_pairs(ins.args, app.df.escape)
        state = app.model.state_at(ins)
        if not any(_is_production(p, state, app.df.escape) for p in pairs):
            continue
        others = [p.raw for p in pairs if p.key != "NODE_ENV"]
        if others and ins.end - ins.start != 1:
            raise Refuse(
                f"NODE_ENV=production at line {ins.start + 1} drops the devDependencies the "
                "build needs, and that ENV sets other variables in a way dfsplit cannot split: "
                "put ENV NODE_ENV=production on a line of its own"
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


def _is_production(pair: words.Pair, state: State, escape: str) -> bool:
    if pair.key != "NODE_ENV":
        return False
    try:
        return words.process_word(pair.value or "", state.scope.lookup, escape) == "production"
    except words.Unresolved:
        return False


def runs_build(model: StageModel) -> bool:
    """Whether some RUN already produces the build output."""
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        for command in run_commands(ins):
            argv = list(command.argv)
            if argv[:1] == ["npx"]:
                argv = argv[1:]
            elif argv[:1] == ["node"] and len(argv) > 1 and "node_modules/" in argv[1]:
                argv = argv[1:]  # node node_modules/@angular/cli/bin/ng build
            if argv and "/" in argv[0]:  # node_modules/.bin/ng, node_modules/@angular/cli/bin/ng
                argv[0] = posixpath.basename(argv[0])
            script = manifest.script_words(argv)
            if script is not None and script[0] == "build":
                return True
            if argv and argv[0] in manifest.BUILD_TOOLS and ("build" in argv or argv[0] == "tsc"):
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


def tester(app: App, options: Options, entry: str | None = None) -> TesterStage | None:
    """`<pm> test`; without a test script, the project's own check, else a type check.
    `entry`: the JavaScript file the runtime starts, if known."""
    if manifest.has_test(app.pkg):
        return tester_stage(options, app.pm.script("test"))
    command, without = _check(app, entry)
    return tester_stage(options, command, without_tests=without, notes=app.notes)


_JS = (".js", ".cjs", ".mjs")
# Scripts that check a project without running tests, strongest first.
CHECK_SCRIPTS = ("typecheck", "type-check", "lint")
# How each manager runs a binary of the project's dependencies.
_EXEC = {"npm": "npx", "pnpm": "pnpm exec", "yarn": "yarn", "yarn-berry": "yarn", "bun": "bunx"}


def _check(app: App, entry: str | None) -> tuple[str, str]:
    """The strongest check of a project without a test script, and the comment saying so."""
    pkg = app.pkg
    for name in CHECK_SCRIPTS:
        if pkg.scripts.get(name, "").strip():
            command = app.pm.script(name)
            return command, f"no test script in package.json: `{command}` checks the code instead"
    if pkg.uses("typescript") and app.project.has(pkg.path("tsconfig.json")):
        command = f"{_EXEC.get(app.pm.name, 'npx')} tsc --noEmit"
        return command, f"no test script in package.json: `{command}` type-checks the code instead"
    if pkg.scripts.get("test") == manifest.NO_TEST_SCRIPT and entry and entry.endswith(_JS):
        # `npm test` would run npm init's placeholder, which always fails.
        command = f"node --check {shlex.quote(entry)}"
        return command, (
            "the test script is npm init's placeholder (it always fails): "
            f"`{command}` checks the syntax of the file the runtime starts instead"
        )
    # pnpm has its own --if-present; yarn has none, and every node image ships npm.
    command = "pnpm run --if-present test" if app.pm.name == "pnpm" else "npm test --if-present"
    return command, (
        "no test, lint or type-check script in package.json and no TypeScript: nothing to "
        f"check yet; `{command}` runs the tests once package.json has a test script"
    )


def start_words(kept: carry.Carried) -> list[str] | None:
    """The naive start command as words (exec form, or shell form without shell syntax)."""
    if kept.entrypoint is not None:
        raise Refuse(
            f"the image starts with ENTRYPOINT {kept.entrypoint.args.strip()}, and dfsplit's "
            "Node rules understand only a CMD: start the app with CMD"
        )
    if kept.cmd is None:
        return None
    argv = is_exec_form(kept.cmd.args)
    if argv is not None:
        return argv
    words = shell.plain_words(kept.cmd.args.strip())
    if words is None:
        raise Refuse(
            f"the CMD {kept.cmd.args.strip()} uses shell syntax, which dfsplit cannot follow "
            'to the file it starts: write it in exec form (CMD ["node", "<file>"])'
        )
    return words[1:] if words[:1] == ["exec"] else words
