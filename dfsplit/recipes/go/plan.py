"""Go: keep the user's build as the builder, test with `go test`, run the binary on scratch,
distroless or a slim image of the builder's family, whichever is the smallest that works.
"""

from __future__ import annotations

import posixpath

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
from dfsplit.plan import carry
from dfsplit.plan.runfiles import runtime_files
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import StageModel, base_image, run_script
from dfsplit.recipes.go import images as go_images
from dfsplit.recipes.go.builder import builder_edits, tester_mount_flags
from dfsplit.recipes.go.builds import Build, find_builds
from dfsplit.recipes.go.module import Module, ModuleLookup
from dfsplit.recipes.go.runtime import copies, install, needs_of, runtime_image
from dfsplit.recipes.go.source import Source, scan_source
from dfsplit.recipes.go.start import check_not_in_cache_mount, start_command

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
    model = StageModel(
        df,
        stage,
        project,
        go_images.image_env(builder_image),
        go_images.image_workdir(builder_image),
    )
    modules = ModuleLookup(model, project)
    builds = find_builds(model, modules)
    kept = carry.carry(df, model, BUILD_ENV, options.uid or carry.DEFAULT_UID)
    start = start_command(df, model, kept, builds, modules)
    shipped = _shipped(model, builds, start.build)
    for build in shipped:
        check_not_in_cache_mount(build)
    module = _module(modules, start.build, model, builder_image)
    source = scan_source(project, module.context_dir)
    notes, warnings = list(kept.notes), list(kept.warnings)
    if source.writes:
        warnings.append(
            f"the app writes files ({'; '.join(source.writes[:2])}) and now runs as "
            f"{kept.user}: directories it writes to must be writable by that user"
        )
    needs = needs_of(model, kept, start, shipped, module, source, builder_kind)
    image, kind = runtime_image(builder_image, builder_kind, needs, options, notes)
    static_link = kind.libc != builder_kind.libc or kind.libc is None
    found = runtime_files(model, source.reads(), start.args, project)
    notes += found.notes
    warnings += found.warnings
    artifact = start.build.output
    stage_name = "tester" if options.gate_tests and _has_tests(options, source) else "builder"
    binaries = [b.output for b in shipped]
    copied = copies(image, kind, builder_image, binaries, found.paths, stage_name)
    notes += [f"{b} is copied too: the original image had it" for b in binaries[1:]]
    runtime = runtime_stage(
        image,
        kept,
        copied,
        workdir=model.final.workdir,
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


# --- the start command ---------------------------------------------------------------------


def _module(modules: ModuleLookup, build: Build, model: StageModel, image: str) -> Module:
    module = modules(build.cwd)
    if module is not None:
        return module
    rel = model.context_dir(build.cwd, ".go")
    if rel is None:
        raise Refuse(f"the Go sources are not copied into {build.cwd} (mounted at run time?)")
    env = model.state_at(build.ins).env if build.ins in model.stage else model.final.env
    if build.gopath or env.get("GO111MODULE") == "off" or go_images.gopath_by_default(image):
        return Module("", build.cwd, rel, (), None)
    raise Refuse(
        "no go.mod above the build directory and GO111MODULE is not off: "
        "this GOPATH-style build does not work with Go 1.16 or newer"
    )


# --- what the runtime needs ----------------------------------------------------------------


def _has_tests(options: Options, source: Source) -> bool:
    return options.tester and source.has_tests


# --- choosing the runtime image ------------------------------------------------------------


# --- assembling the stages -----------------------------------------------------------------


def _tester(
    options: Options, source: Source, module: Module, model: StageModel, notes: list[str]
) -> TesterStage | None:
    if not options.tester:
        return None
    if not source.has_tests:
        notes.append("no *_test.go files: no tester stage")
        return None
    workdir = module.root if module.root != model.final.workdir else None
    command = TEST_COMMAND
    if options.cache_mounts and model.final.user in (None, "root", "0"):
        # The modules are in the cache mount, not in the builder's layers.
        command = f"{tester_mount_flags(model)} {TEST_COMMAND}"
    return TesterStage(commands=(command,), workdir=workdir)


# --- edits to the builder ------------------------------------------------------------------
