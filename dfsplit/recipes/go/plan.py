"""Go: keep the user's build as the builder, test with `go test`, run the binary on scratch,
distroless or a slim image of the builder's family, whichever is the smallest that works.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell, tokens
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import (
    CopyStep,
    Detection,
    Dockerfile,
    Edit,
    Findings,
    Instruction,
    NothingToDo,
    Options,
    Plan,
    Project,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, images, packages
from dfsplit.plan.runfiles import runtime_files
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import DEFAULT_PATH, StageModel, base_image, run_script
from dfsplit.recipes.go.builds import DEFAULT_GO_ENV, Build, find_builds, parse_flags
from dfsplit.recipes.go.module import Module, ModuleLookup, binary_name
from dfsplit.recipes.go.source import Source, cgo_modules, scan_source

# Go toolchain settings: they shape the build, never the running program.
BUILD_ENV = {
    "CGO_ENABLED",
    "GOOS",
    "GOARCH",
    "GOARM",
    "GOAMD64",
    "GOFLAGS",
    "GOPROXY",
    "GOPRIVATE",
    "GONOSUMDB",
    "GONOPROXY",
    "GOSUMDB",
    "GO111MODULE",
    "GOPATH",
    "GOCACHE",
    "GOMODCACHE",
    "GOBIN",
    "GOROOT",
    "GOTOOLCHAIN",
    "GOINSECURE",
    "GOEXPERIMENT",
    "GOWORK",
    "CC",
    "CXX",
    "CGO_CFLAGS",
    "CGO_CPPFLAGS",
    "CGO_CXXFLAGS",
    "CGO_LDFLAGS",
    "GOTRACEBACK_BUILD",
}
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
TEST_COMMAND = "go test -v ./..."
GO_RUN_DIR = "/usr/local/bin"


def detect(project: Project) -> Detection | None:
    if project.has("go.mod"):
        return Detection(why=("go.mod at the root of the build context",))
    mods = sorted(p for p in project.context_files if posixpath.basename(p) == "go.mod")
    if mods and b"golang" in project.dockerfile:
        return Detection(why=(f"{mods[0]} found and the Dockerfile builds with golang",))
    if b"golang" in project.dockerfile and any(p.endswith(".go") for p in project.context_files):
        return Detection(framework="gopath", why=("Go source without go.mod",))
    return None


class Needs:
    """Why the runtime cannot be scratch; each list holds the reasons (filled in as planning
    finds them)."""

    __slots__ = ("cgo", "package_manager", "packages", "shell", "static_extras")

    def __init__(self, package_manager: str) -> None:
        self.shell: list[str] = []
        self.cgo: list[str] = []
        self.static_extras: list[str] = []  # tz data, /tmp
        self.packages: list[str] = []  # package specs to install
        self.package_manager = package_manager


class Start(NamedTuple):
    """The rewritten start command and what it needs."""

    entrypoint: str | None
    cmd: str | None
    build: Build
    args: list[str]  # arguments after the program, to look for runtime files
    go_run: Edit | None = None


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    stage = df.stages()[0]
    builder_image = base_image(df)
    builder_kind = images.classify(builder_image)
    golang_image = images.repository(builder_image).endswith("golang")
    # The official golang image sets WORKDIR /go, so a relative path without WORKDIR is there.
    model = StageModel(
        df, stage, project, _image_env(builder_image), "/go" if golang_image else "/"
    )
    modules = ModuleLookup(model, project)
    builds = find_builds(model, modules)
    kept = carry.carry(df, model, BUILD_ENV, options.uid or carry.DEFAULT_UID)
    start = _start(df, model, kept, builds, modules)
    shipped = _shipped(model, builds, start.build)
    for build in shipped:
        _check_not_in_cache_mount(build)
    module = _module(modules, start.build, model, builder_image)
    source = scan_source(project, module.context_dir)
    notes, warnings = list(kept.notes), list(kept.warnings)
    if source.writes:
        warnings.append(
            f"the app writes files ({'; '.join(source.writes[:2])}) and now runs as "
            f"{kept.user}: directories it writes to must be writable by that user"
        )
    needs = _needs(model, kept, start, shipped, module, source, builder_kind)
    image, kind = _runtime_image(builder_image, builder_kind, needs, options, notes)
    static_link = kind.libc != builder_kind.libc or kind.libc is None
    found = runtime_files(model, source.reads(), start.args, project)
    notes += found.notes
    warnings += found.warnings
    artifact = start.build.output
    stage_name = "tester" if options.gate_tests and _has_tests(options, source) else "builder"
    binaries = [b.output for b in shipped]
    copies = _copies(image, kind, builder_image, binaries, found.paths, stage_name)
    notes += [f"{b} is copied too: the original image had it" for b in binaries[1:]]
    runtime = runtime_stage(
        image,
        kept,
        copies,
        workdir=model.final.workdir,
        entrypoint=start.entrypoint,
        cmd=start.cmd,
        run=_install(needs, kind),
    )
    tester = _tester(options, source, module, model, notes)
    plan_edits = _edits(df, model, kept, start, shipped, module, static_link, needs, options, notes)
    findings = Findings(
        recipe="go",
        language="go",
        framework=detection.framework or ("cgo" if needs.cgo else None),
        builder_image=builder_image,
        runtime_image=image,
        artifact=artifact,
        test_command=TEST_COMMAND if tester else None,
        runtime_files=tuple(found.paths),
        notes=tuple(notes),
        warnings=tuple(warnings),
    )
    return Plan(
        findings=findings,
        template="go.Dockerfile.j2",
        edits=tuple(plan_edits),
        runtime=runtime,
        tester=tester,
        artifact_stage=stage_name,
        required_paths=(artifact, *found.required),
    )


def _shipped(model: StageModel, builds: list[Build], start: Build) -> list[Build]:
    """The binary the image starts, then every other binary it had, as `docker run IMAGE
    /out/migrate` worked on the original; tools the build itself runs stay behind."""
    latest = {b.output: b for b in builds}
    later_runs = " ".join(run_script(i) for i in model.stage if i.keyword == "RUN")
    others = [
        b
        for out, b in latest.items()
        if out != start.output and posixpath.basename(out) not in later_runs.split()
    ]
    return [start, *others]


def _image_env(image: str) -> dict[str, str]:
    golang = images.repository(image).endswith("golang")
    return dict(DEFAULT_GO_ENV) if golang else {"HOME": "/root", "PATH": DEFAULT_PATH}


# --- the start command ---------------------------------------------------------------------


def _start(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    builds: list[Build],
    modules: ModuleLookup,
) -> Start:
    if kept.entrypoint is None and kept.cmd is None:
        if not builds:
            raise NothingToDo("no go build step and no start command")
        raise Refuse("no CMD or ENTRYPOINT: the image would start the base image's default command")
    entry = _form(kept.entrypoint, alone=kept.cmd is None)
    cmd = _form(kept.cmd) if not isinstance(entry, str) else None
    owner = entry if entry is not None else cmd
    assert owner is not None
    words = owner if isinstance(owner, list) else (shell.plain_words(owner) or owner.split())
    if words[:1] == ["exec"]:
        words = words[1:]
    if words[:2] == ["go", "run"]:
        return _go_run(df, model, entry, cmd, words, modules)
    build = _match(model, builds, words[0])
    new_owner = _rewrite(owner, words[0], build.output)
    tail = cmd if entry is not None else None
    args = words[1:] + (tail if isinstance(tail, list) else [])
    if entry is not None:
        return Start(tokens.command(new_owner), tokens.command(cmd), build, args)
    return Start(None, tokens.command(new_owner), build, args)


def _check_not_in_cache_mount(build: Build) -> None:
    """A binary written into a cache mount is not in the image, so COPY --from cannot see it."""
    for flag in build.ins.flags:
        if flag.startswith("--mount=") and "type=cache" in flag:
            for part in flag[len("--mount=") :].split(","):
                key, _, value = part.partition("=")
                target = value.rstrip("/")
                if key in {"target", "dst", "destination"} and build.output.startswith(
                    target + "/"
                ):
                    raise Refuse(
                        f"the binary {build.output} is written into the cache mount "
                        f"{value}, which is not part of the builder image"
                    )


def _form(ins: Instruction | None, alone: bool = True) -> list[str] | str | None:
    """Exec form as a list, shell form as its text. `["sh", "-c", s]` is the shell form `s`
    when no CMD follows it as positional parameters (alone)."""
    if ins is None:
        return None
    argv = is_exec_form(ins.args)
    if argv is None:
        return ins.args.strip()
    if alone and len(argv) == 3 and argv[0] in {"sh", "/bin/sh"} and argv[1] == "-c":
        return argv[2]
    return argv


def _rewrite(form: list[str] | str, program: str, artifact: str) -> list[str] | str:
    """Point the program at the artifact's absolute path; exec form whenever it is equivalent."""
    if isinstance(form, list):
        return [artifact, *form[1:]]
    words = shell.plain_words(form)
    if words is not None:
        if words[0] == "exec":
            words = words[1:]
        return [artifact, *words[1:]]
    if "/" not in program:  # a PATH lookup that the runtime's PATH may not repeat
        head, sep, rest = form.partition(program)
        if not head.strip() or head.strip() == "exec":
            return f"{head}{artifact}{sep and rest}"
    return form


def _match(model: StageModel, builds: list[Build], program: str) -> Build:
    final = model.final
    if program.startswith("/") or "/" in program:
        wanted = {posixpath.normpath(posixpath.join(final.workdir, program))}
    else:
        path = final.env.get("PATH", DEFAULT_PATH)
        wanted = {posixpath.join(d, program) for d in path.split(":") if d}
    for build in reversed(builds):
        if build.output in wanted:
            return build
    built = ", ".join(b.output for b in builds) or "nothing"
    raise Refuse(
        f"the start command runs {program}, which is not a binary this Dockerfile builds "
        f"(it builds {built})"
    )


def _go_run(
    df: Dockerfile,
    model: StageModel,
    entry: list[str] | str | None,
    cmd: list[str] | str | None,
    words: list[str],
    modules: ModuleLookup,
) -> Start:
    """`CMD go run .` compiles on every start: build once in the builder instead."""
    if isinstance(entry, str) or (isinstance(cmd, str) and shell.needs_shell(cmd)):
        raise Refuse("`go run` in a shell-form command that needs a shell")
    flags, rest = parse_flags(tuple(words[2:]), "go run")
    files = [w for w in rest if w.endswith(".go")]
    package_words = files or rest[:1] or ["."]
    app_args = rest[len(package_words) :]
    cwd = model.final.workdir
    name = binary_name(package_words[0], cwd, modules(cwd))
    output = posixpath.join(GO_RUN_DIR, name)
    flag_words = [f"-{k}={v}" if v != "true" else f"-{k}" for k, v in flags.items()]
    run = " ".join(["go", "build", *flag_words, "-o", output, *package_words])
    last = carry.last_build_index(model)
    anchor = model.stage[last]
    edit = edits.insert_after(
        anchor, f"{edits.keyword(df, 'RUN')} {tokens.single_line(run, 'go run')}"
    )
    fake = Instruction("RUN", run, (), run, anchor.end, anchor.end)
    build = Build(fake, output, package_words[0], model.final.env.get("CGO_ENABLED"), cwd)
    return Start(None, tokens.exec_form([output, *app_args]), build, app_args, go_run=edit)


def _module(modules: ModuleLookup, build: Build, model: StageModel, image: str) -> Module:
    module = modules(build.cwd)
    if module is not None:
        return module
    rel = model.context_dir(build.cwd, ".go")
    if rel is None:
        raise Refuse(f"the Go sources are not copied into {build.cwd} (mounted at run time?)")
    env = model.state_at(build.ins).env if build.ins in model.stage else model.final.env
    if build.gopath or env.get("GO111MODULE") == "off" or _gopath_by_default(image):
        return Module("", build.cwd, rel, (), None)
    raise Refuse(
        "no go.mod above the build directory and GO111MODULE is not off: "
        "this GOPATH-style build does not work with Go 1.16 or newer"
    )


def _gopath_by_default(image: str) -> bool:
    """Before Go 1.16, a build outside any module ran in GOPATH mode on its own."""
    if not images.repository(image).endswith("golang"):
        return False
    m = re.match(r"(\d+)\.(\d+)", images.tag(image))
    return m is not None and (int(m.group(1)), int(m.group(2))) < (1, 16)


# --- what the runtime needs ----------------------------------------------------------------


def _needs(
    model: StageModel,
    kept: carry.Carried,
    start: Start,
    shipped: list[Build],
    module: Module,
    source: Source,
    builder_kind: images.ImageKind,
) -> Needs:
    needs = Needs(package_manager="apk" if builder_kind.family == "alpine" else "apt-get")
    for form, what in ((start.entrypoint, "ENTRYPOINT"), (start.cmd, "CMD")):
        if form is not None and not form.startswith("["):
            needs.shell.append(f"the {what} uses shell features: {form}")
    for build in shipped:
        _cgo_needs(needs, build, module, source)
    needs.cgo = list(dict.fromkeys(needs.cgo))
    if source.needs_tz:
        needs.static_extras.append("the app loads time zones (time.LoadLocation)")
    if source.needs_tmp:
        needs.static_extras.append("the app writes temporary files (needs /tmp)")
    _package_needs(needs, model, kept, source, start)
    return needs


def _cgo_needs(needs: Needs, build: Build, module: Module, source: Source) -> None:
    if build.cgo == "1":
        needs.cgo.append("the build sets CGO_ENABLED=1")
    elif build.race:
        needs.cgo.append("the build uses -race, which needs cgo")
    elif build.cgo != "0":
        if source.uses_cgo:
            needs.cgo.append('the source imports "C"')
        for mod in cgo_modules(module.requires):
            needs.cgo.append(f"go.mod requires {mod}, which only works with cgo")


def _package_needs(
    needs: Needs, model: StageModel, kept: carry.Carried, source: Source, start: Start
) -> None:
    called = set(source.executes) | _healthcheck_programs(kept, needs)
    for pkg in packages.installed(model):
        if pkg.name in packages.PROVIDED:
            continue
        if packages.programs(pkg.name) & called:
            needs.packages.append(pkg.spec)
            called -= packages.programs(pkg.name)
        elif packages.is_build_only(pkg.name) or pkg.name in packages.TOOLS:
            continue
        elif not packages.used_later(model, pkg):
            needs.packages.append(pkg.spec)
            kept.warnings.append(
                f"kept OS package {pkg.name} in the runtime: the original image "
                "had it and nothing shows it is build-only"
            )
    # Programs the base image had without an install (curl in golang) need one now.
    for program in sorted(called & {"curl", "wget"}):
        needs.packages.append(program)


def _healthcheck_programs(kept: carry.Carried, needs: Needs) -> set[str]:
    ins = kept.healthcheck
    if ins is None:
        return set()
    words = ins.args.split(None, 1)
    if not words or words[0].upper() == "NONE":
        return set()
    rest = words[1] if len(words) > 1 else ""
    argv = is_exec_form(rest)
    if argv is not None:
        return {posixpath.basename(argv[0])}
    needs.shell.append("the HEALTHCHECK runs a shell command")
    return {posixpath.basename(c.program) for c in shell.split_commands(rest) or []}


def _has_tests(options: Options, source: Source) -> bool:
    return options.tester and source.has_tests


# --- choosing the runtime image ------------------------------------------------------------


def _runtime_image(
    builder_image: str,
    builder_kind: images.ImageKind,
    needs: Needs,
    options: Options,
    notes: list[str],
) -> tuple[str, images.ImageKind]:
    if options.runtime_image:
        kind = images.classify(options.runtime_image)
        _check_forced(options.runtime_image, kind, builder_kind, needs)
        notes.append(f"runtime {options.runtime_image} was chosen with --runtime")
        return options.runtime_image, kind
    if needs.shell or needs.packages:
        image = images.slim_image(builder_kind)
        why = [*needs.shell, f"OS packages used at run time: {' '.join(needs.packages)}"][0]
        if image is None:
            raise Refuse(
                f"{why}, and the builder image {builder_image} is not a known Debian or "
                "Alpine image to pick a slim runtime from; pass --runtime"
            )
        notes.append(f"runtime {image}: {why}")
        return image, images.classify(image)
    if needs.cgo:
        image = (
            images.slim_image(builder_kind)
            if builder_kind.family == "alpine"
            else images.distroless("base", builder_kind)
        )
        if image is None or builder_kind.family == "unknown":
            raise Refuse(
                f"{needs.cgo[0]}, and the libc of {builder_image} is unknown; pass --runtime"
            )
        notes.append(f"runtime {image}: cgo stays on because {needs.cgo[0]}")
        return image, images.classify(image)
    if needs.static_extras or not _ships_ca_bundle(builder_image):
        image = "gcr.io/distroless/static-debian12:nonroot"
        why = needs.static_extras[0] if needs.static_extras else "the builder may lack a CA bundle"
        notes.append(f"runtime {image}: {why}; it has CA certificates, tzdata and /tmp")
        return image, images.classify(image)
    notes.append("runtime scratch: a static binary needs nothing else but the CA bundle")
    return "scratch", images.classify("scratch")


def _check_forced(
    image: str, kind: images.ImageKind, builder: images.ImageKind, needs: Needs
) -> None:
    if (needs.shell or needs.packages) and not kind.shell:
        why = [*needs.shell, "the app needs OS packages"][0]
        raise Refuse(f"--runtime {image} has no shell, but {why}")
    if needs.cgo and kind.libc != builder.libc:
        raise Refuse(f"--runtime {image} lacks the builder's libc, but {needs.cgo[0]}")
    if needs.packages and kind.family not in {"debian", "alpine"}:
        raise Refuse(f"--runtime {image}: dfsplit cannot install packages on it")


def _ships_ca_bundle(image: str) -> bool:
    """Official golang images install ca-certificates, so the bundle can be copied out."""
    return images.repository(image) in {"golang", "library/golang", "docker.io/library/golang"}


# --- assembling the stages -----------------------------------------------------------------


def _copies(
    image: str,
    kind: images.ImageKind,
    builder_image: str,
    binaries: list[str],
    files: list[str],
    stage_name: str,
) -> tuple[CopyStep, ...]:
    steps = []
    has_bundle = "distroless" in image or kind.family == "alpine"
    if not has_bundle and _ships_ca_bundle(builder_image):
        steps.append(tokens.copy_step("builder", CA_BUNDLE, CA_BUNDLE))
    steps += [tokens.copy_step(stage_name, binary, binary) for binary in binaries]
    steps += [tokens.copy_step("builder", path, path) for path in files]
    return tuple(steps)


def _install(needs: Needs, kind: images.ImageKind) -> tuple[str, ...]:
    if not needs.packages or not kind.shell:
        return ()
    try:
        return (packages.install_command(needs.package_manager, needs.packages),)
    except ValueError as exc:
        raise Refuse(str(exc)) from exc


def _tester(
    options: Options, source: Source, module: Module, model: StageModel, notes: list[str]
) -> TesterStage | None:
    if not options.tester:
        return None
    if not source.has_tests:
        notes.append("no *_test.go files: no tester stage")
        return None
    workdir = module.root if module.root != model.final.workdir else None
    return TesterStage(commands=(TEST_COMMAND,), workdir=workdir)


# --- edits to the builder ------------------------------------------------------------------


def _edits(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    start: Start,
    shipped: list[Build],
    module: Module,
    static_link: bool,
    needs: Needs,
    options: Options,
    notes: list[str],
) -> list[Edit]:
    out = [edits.name_stage(df, model.stage[0], "builder"), *kept.edits]
    build = start.build
    dynamic = [b for b in shipped if b.cgo != "0"]
    if static_link and not needs.cgo and dynamic:
        first = min(dynamic, key=lambda b: b.ins.start)
        out.append(_cgo_off(df, first, start))
        notes.append("CGO_ENABLED=0 added: the runtime has no glibc for a cgo-linked binary")
    out += _dependency_cache(df, model, module, build, options, notes)
    if start.go_run is not None:
        out.append(start.go_run)
        notes.append(f"`go run` replaced by a binary built at {build.output}")
    if options.cache_mounts:
        out += _cache_mounts(df, model, build, notes)
    return out


def _cgo_off(df: Dockerfile, build: Build, start: Start) -> Edit:
    env = f"{edits.keyword(df, 'ENV')} CGO_ENABLED=0"
    if start.go_run is not None and build is start.build:
        return Edit(start.go_run.start, start.go_run.start, env)
    return Edit(edits.attached_comments(df, build.ins), edits.attached_comments(df, build.ins), env)


def _dependency_cache(
    df: Dockerfile,
    model: StageModel,
    module: Module,
    build: Build,
    options: Options,
    notes: list[str],
) -> list[Edit]:
    """Copy go.mod/go.sum and download modules before `COPY . .`, as the article does."""
    root = model.root_copy()
    if root is None or not module.path or model.stage[root.position].start > build.ins.start:
        return []
    gomod = posixpath.join(module.context_dir, "go.mod").lstrip("./") or "go.mod"
    if gomod != "go.mod" or module.root != root.dest:
        return []
    manifests = {"go.mod", "*.mod", "go.*"}
    if any(c.position < root.position and c.source in manifests for c in model.copies):
        return []
    project = model.project
    if project.has("vendor/modules.txt") or project.has("go.work"):
        notes.append("vendor/ or go.work present: module download order left as written")
        return []
    copy_ins = model.stage[root.position]
    if model.state_at(copy_ins).workdir != root.dest:
        return []
    names = [n for n in ("go.mod", "go.sum") if project.has(n) and not model.ignore.excludes(n)]
    mounts = _mount_flags(model, copy_ins) if options.cache_mounts else ""
    run = f"{edits.keyword(df, 'RUN')} {mounts + ' ' if mounts else ''}go mod download"
    text = f"{edits.keyword(df, 'COPY')} {' '.join(names)} ./\n{run}"
    anchor = edits.attached_comments(df, copy_ins)
    out = [Edit(anchor, anchor, text)]
    for ins in model.stage[root.position + 1 :]:
        commands = shell.split_commands(run_script(ins)) or []
        if (
            ins.keyword == "RUN"
            and commands
            and all(
                c.argv[:3] in (("go", "mod", "download"), ("go", "mod", "verify")) for c in commands
            )
        ):
            out.append(edits.remove(df, ins))
            break
    notes.append(
        f"{' and '.join(names)} copied and modules downloaded before `COPY . .` for caching"
    )
    return out


def _mount_flags(model: StageModel, ins: Instruction) -> str:
    env = model.state_at(ins).env
    gopath = env.get("GOPATH", "/go").split(":")[0]
    modcache = env.get("GOMODCACHE") or posixpath.join(gopath, "pkg/mod")
    gocache = env.get("GOCACHE") or posixpath.join(env.get("HOME", "/root"), ".cache/go-build")
    return f"--mount=type=cache,target={modcache} --mount=type=cache,target={gocache}"


def _cache_mounts(df: Dockerfile, model: StageModel, build: Build, notes: list[str]) -> list[Edit]:
    ins = build.ins
    if ins.flags or ins.start == ins.end or ins not in model.stage:
        return []
    user = model.state_at(ins).user
    if user not in (None, "root", "0"):
        notes.append("--cache-mounts skipped: the build runs as a non-root user")
        return []
    notes.append("BuildKit cache mounts added for the module and build caches")
    return [edits.add_run_flags(df, ins, _mount_flags(model, ins))]
