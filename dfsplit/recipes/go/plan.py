"""Go: keep the user's build as the builder, test with `go test`, run the binary on scratch,
distroless or a slim image of the builder's family, whichever is the smallest that works.
"""

from __future__ import annotations

import posixpath
import shlex

from dfsplit.dockerfile import shell
from dfsplit.model import (
    Detection,
    Dockerfile,
    Findings,
    Options,
    Plan,
    Project,
    Refuse,
    TesterStage,
)
from dfsplit.plan import carry, runs
from dfsplit.plan.runfiles import runtime_files, writes_warning
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import StageModel, base_image, run_script
from dfsplit.plan.tester import tester_stage
from dfsplit.recipes.go import images as go_images
from dfsplit.recipes.go import source as go_source
from dfsplit.recipes.go.builder import builder_edits, tester_mount_flags
from dfsplit.recipes.go.builds import Build, find_builds
from dfsplit.recipes.go.module import Module, ModuleLookup
from dfsplit.recipes.go.runtime import copies, install, needs_of, runtime_image
from dfsplit.recipes.go.source import Source, scan_source
from dfsplit.recipes.go.start import start_command

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
TEST_COMMAND = "go test -v ./..."
# Without tests: vet compiles every package (as `go test` would) and reports suspicious code.


def detect(project: Project) -> Detection | None:
    if project.has("go.mod"):
        return Detection(why=("go.mod at the root of the build context",))
    mods = sorted(p for p in project.context_files if posixpath.basename(p) == "go.mod")
    if mods and b"golang" in project.dockerfile:
        return Detection(why=(f"{mods[0]} found and the Dockerfile builds with golang",))
    if b"golang" in project.dockerfile and any(p.endswith(".go") for p in project.context_files):
        return Detection(framework="gopath", why=("Go source without go.mod",))
    return None


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    stage = df.stages()[0]
    builder_image = base_image(df)
    builder_kind = go_images.classify(builder_image)
    model = StageModel(df, stage, project, builder_image)
    modules = ModuleLookup(model, project)
    builds = find_builds(model, modules)
    kept = carry.carry(df, model, BUILD_ENV, options.uid or carry.DEFAULT_UID)
    start = start_command(df, model, kept, builds, modules)
    shipped = _shipped(model, builds, start.build)
    for build in shipped:
        runs.check_not_in_cache_mount(build.ins, build.output)
    module = _module(modules, start.build, model, builder_image)
    source = scan_source(project, module.context_dir)
    carry.keep_root_for_writes(model, kept, source.writes)
    notes, warnings = list(kept.notes), list(kept.warnings)
    notes += [start.note] if start.note else []
    warnings += writes_warning(source.writes, kept.user)
    needs = needs_of(model, kept, start, shipped, module, source, builder_kind)
    image, kind = runtime_image(builder_image, builder_kind, needs, options, notes)
    static_link = kind.libc != builder_kind.libc or kind.libc is None
    binaries = [b.output for b in shipped]
    found = runtime_files(
        model,
        source.reads(),
        start.args,
        project,
        user=kept.user,
        lean=options.lean,
        exclude=binaries,
    )
    notes += found.notes
    warnings += found.warnings
    artifact = start.build.output
    stage_name = "tester" if options.gate_tests and options.tester else "builder"
    copied = copies(image, kind, builder_image, binaries, found.copy_steps(), stage_name)
    notes += [f"{b} is copied too: the original image had it" for b in binaries[1:]]
    runtime = runtime_stage(
        image,
        kept,
        copied,
        workdir=start.workdir or model.final.workdir,
        entrypoint=start.entrypoint,
        cmd=start.cmd,
        run=install(needs, kind),
    )
    tester = _tester(options, source, module, model, notes)
    plan_edits = builder_edits(
        df, model, kept, start, shipped, module, static_link, needs, options, notes
    )
    findings = Findings(
        recipe="go",
        language="go",
        framework=detection.framework or ("cgo" if needs.cgo else None),
        builder_image=builder_image,
        runtime_image=image,
        artifact=artifact,
        test_command=tester.commands[0] if tester else None,
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
    run = _programs_run(model)
    others = [
        b for out, b in latest.items() if out != start.output and posixpath.basename(out) not in run
    ]
    return [start, *others]


def _programs_run(model: StageModel) -> set[str]:
    """The names of the programs the stage's RUNs execute (a RUN not read executes none: its
    binaries are shipped, which costs size, where leaving one behind would break a start)."""
    names: set[str] = set()
    for ins in model.stage:
        if ins.keyword == "RUN":
            commands = shell.split_commands(run_script(ins))
            if commands is not None:
                names.update(posixpath.basename(c.program) for c in commands if c.program)
    return names


# --- the start command ---------------------------------------------------------------------


def _module(modules: ModuleLookup, build: Build, model: StageModel, image: str) -> Module:
    module = modules(build.cwd)
    if module is not None:
        return module
    rel = model.context_dir(build.cwd, ".go")
    if rel is None:
        raise Refuse(
            f"no COPY or ADD puts the Go sources into {build.cwd}, where go builds (are they "
            "mounted at run time?): dfsplit ships a binary built in the image, so COPY the "
            "sources in"
        )
    env = model.state_at(build.ins).env if build.ins in model.stage else model.final.env
    if build.gopath or env.get("GO111MODULE") == "off" or go_images.gopath_by_default(image):
        return Module("", build.cwd, rel, (), None)
    files = _stdlib_files(model, build)
    if files:
        # `go build server.go` outside a module: module mode builds command-line-arguments,
        # which works as long as every import is in the standard library.
        return Module("", build.cwd, rel, (), None, files)
    raise Refuse(
        f"the build in {build.cwd} has no go.mod above it and GO111MODULE is not off, so Go "
        "1.16 and newer do not build it: add a go.mod (go mod init), or ENV GO111MODULE=off "
        "if the project builds in GOPATH mode"
    )


def _stdlib_files(model: StageModel, build: Build) -> tuple[str, ...]:
    """The .go files the build names, when they import only the standard library."""
    words = build.ins.args.split()
    files = tuple(w for w in words if w.endswith(".go"))
    for name in files:
        rel = model.context_path(posixpath.join(build.cwd, name))
        text = model.project.text(rel) if rel else None
        if text is None or any("." in p.split("/")[0] for p in go_source.imports(text)):
            return ()
    return files


# --- assembling the stages -----------------------------------------------------------------


def _tester(
    options: Options, source: Source, module: Module, model: StageModel, notes: list[str]
) -> TesterStage | None:
    workdir = module.root if module.root != model.final.workdir else None
    # Outside any module, `./...` matches nothing: the tools take the files the build named.
    packages = " ".join(shlex.quote(f) for f in module.files) if module.files else "./..."
    # With cache mounts the modules are in the mount, not in the builder's layers.
    mounts = ""
    if options.cache_mounts and model.final.user in (None, "root", "0"):
        mounts = tester_mount_flags(model) + " "
    if source.has_tests and not module.files:
        return tester_stage(options, mounts + TEST_COMMAND, workdir=workdir)
    check = f"go vet {packages}"
    why = "no *_test.go files" if not source.has_tests else "a build of single files"
    return tester_stage(
        options,
        mounts + check,
        without_tests=f"{why}, so `{check}` checks the code instead: "
        "it compiles every package and reports suspicious constructs",
        workdir=workdir,
        notes=notes,
    )


# --- edits to the builder ------------------------------------------------------------------
