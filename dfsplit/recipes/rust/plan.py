"""Rust: keep the user's cargo build as the builder, test with `cargo test` (same profile,
features and target, so it reuses the build), run the binary on distroless/cc, a Debian slim
image of the builder's release, distroless/static or Alpine, whichever is the smallest that
works for how it links and what it needs."""

from __future__ import annotations

import posixpath
import shlex

from dfsplit.dockerfile import tokens
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
from dfsplit.plan import carry, packages, runs
from dfsplit.plan.runfiles import Reads, runtime_files, writes_warning
from dfsplit.plan.runtime import runtime_stage
from dfsplit.plan.stage import StageModel, base_image, run_script
from dfsplit.plan.tester import tester_stage
from dfsplit.recipes.rust import images as rust_images
from dfsplit.recipes.rust import libraries, runtime
from dfsplit.recipes.rust.builder import builder_edits
from dfsplit.recipes.rust.builds import Artifact, Build, find_builds
from dfsplit.recipes.rust.crates import Crates
from dfsplit.recipes.rust.lockfile import read_lock
from dfsplit.recipes.rust.source import scan_source
from dfsplit.recipes.rust.start import Start, relocated, start_command

# Toolchain settings: they shape the build, never the running program. SQLX_OFFLINE tells
# sqlx's macros to check queries against .sqlx/ at compile time.
BUILD_ENV = {
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "RUST_VERSION",
    "RUSTC_WRAPPER",
    "SCCACHE_DIR",
    "CC",
    "CXX",
    "CFLAGS",
    "CXXFLAGS",
    "LDFLAGS",
    "AR",
    "TARGET_CC",
}
BUILD_ENV_PREFIXES = ("CARGO_", "RUSTUP_", "SQLX_", "OPENSSL_", "PKG_CONFIG")
FRAMEWORKS = (
    "rocket",
    "actix-web",
    "axum",
    "warp",
    "poem",
    "tide",
    "salvo",
    "serenity",
    "teloxide",
    "poise",
    "hyper",
)
# Files frameworks read from the working directory by name, not through a literal path.
FRAMEWORK_FILES = {
    "rocket": ("Rocket.toml",),
    "rocket_dyn_templates": ("templates",),
    "tera": ("templates",),
    "dotenv": (".env",),
    "dotenvy": (".env",),
}


def detect(project: Project) -> Detection | None:
    if project.has("Cargo.toml"):
        return Detection(why=("Cargo.toml at the root of the build context",))
    found = sorted(p for p in project.context_files if posixpath.basename(p) == "Cargo.toml")
    if found and b"cargo" in project.dockerfile:
        return Detection(why=(f"{found[0]} found and the Dockerfile runs cargo",))
    return None


def plan(df: Dockerfile, project: Project, detection: Detection, options: Options) -> Plan:
    builder_image = base_image(df)
    model = StageModel(df, df.stages()[0], project, builder_image)
    crates = Crates(model, project)
    found = find_builds(model, crates)
    kept = carry.carry(df, model, _build_env(model), options.uid or carry.DEFAULT_UID)
    start = start_command(df, model, kept, found.builds, crates)
    _check_tools(start, found.tools)
    shipped = _shipped(model, start, found.builds)
    for build, artifact in shipped:
        runs.check_not_in_cache_mount(build.ins, artifact.path)
    build = start.build
    notes, warnings = list(kept.notes), list(kept.warnings)
    lock = _lock(project, build)
    needs = _needs(model, kept, start, builder_image, lock, notes)
    source = scan_source(project, build.root.manifest.directory)
    health, in_shell = packages.healthcheck_programs(kept.healthcheck)
    if in_shell:
        needs.shell.append("the HEALTHCHECK runs a shell command")
    called = set(source.executes) | set(start.programs) | health
    runtime.os_packages(model, called, needs, (notes, warnings))
    image, kind, install = runtime.choose(builder_image, needs, options, notes)
    reads = _with_framework_files(source.reads(), lock)
    artifacts = [a.path for _, a in shipped]
    files = runtime_files(
        model, reads, start.args, project, user=kept.user, lean=options.lean, exclude=artifacts
    )
    notes += files.notes
    warnings += files.warnings
    if "libsqlite3-sys" in lock:
        warnings.append(
            f"the app links SQLite and may write its database file; it now runs as "
            f"{kept.user}: the database's directory must exist and be writable by that user"
        )
    warnings += writes_warning(source.writes, kept.user)
    members = crates.members(build.root) if build.root.manifest.workspace else [build.root]
    made = builder_edits(df, model, kept, start, [b for b, _ in shipped], members, options, notes)
    start = relocated(start, made.moved)
    tester = _tester(options, build, model, made.mounts)
    stage_name = "tester" if options.gate_tests and tester else "builder"
    binaries = [made.moved.get(a.path, a.path) for _, a in shipped]
    notes += [f"{b} is copied too: the original image had it" for b in binaries[1:]]
    copies = [tokens.copy_step(stage_name, b, b) for b in binaries]
    copies += files.copy_steps()
    stage = runtime_stage(
        image,
        kept,
        copies,
        workdir=model.final.workdir,
        entrypoint=start.entrypoint,
        cmd=start.cmd,
        run=runtime.install_command(kind, install, needs) if kind.shell else (),
    )
    findings = Findings(
        recipe="rust",
        language="rust",
        framework=detection.framework or _framework(build),
        builder_image=builder_image,
        runtime_image=image,
        artifact=binaries[0],
        runtime_artifact=None,
        test_command=tester.commands[0] if tester else None,
        runtime_files=tuple(files.paths),
        notes=tuple(notes),
        warnings=tuple(warnings),
    )
    return Plan(
        findings=findings,
        template="rust.Dockerfile.j2",
        edits=tuple(made.edits),
        runtime=stage,
        tester=tester,
        artifact_stage=stage_name,
        required_paths=(binaries[0], *files.required),
    )


def _build_env(model: StageModel) -> set[str]:
    keys = model.env_names() | set(model.final.env)  # not every state's: that is quadratic
    return BUILD_ENV | {k for k in keys if k.startswith(BUILD_ENV_PREFIXES)}


def _check_tools(start: Start, tools: list[str]) -> None:
    if start.programs:
        raise (
            Refuse(
                f"the start command also runs {', '.join(start.programs)}, which the runtime "
                "image would not have (tools installed with cargo install or the base image); "
                "start only the app, or keep the single-stage image"
            )
            if not tools
            else Refuse(
                f"the start command also runs {', '.join(start.programs)}; the Dockerfile installs "
                f"{', '.join(tools)} with cargo install, and dfsplit cannot tell which binaries "
                "those crates make to copy them; start only the app, or keep the single-stage image"
            )
        )


def _shipped(model: StageModel, start: Start, builds: list[Build]) -> list[tuple[Build, Artifact]]:
    """The binary the image starts, then every other binary it had (as `docker run IMAGE
    migrate` worked on the original); tools the build itself runs stay behind."""
    later_runs = " ".join(run_script(i) for i in model.stage if i.keyword == "RUN").split()
    out = [(start.build, start.artifact)]
    seen = {start.artifact.path, start.artifact.name}
    for build in reversed(builds):
        for artifact in build.outputs:
            if artifact.path in seen or artifact.name in seen:
                continue
            seen |= {artifact.path, artifact.name}
            if artifact.name not in later_runs and artifact.path not in later_runs:
                out.append((build, artifact))
    return out


def _lock(project: Project, build: Build) -> dict[str, tuple[str, ...]]:
    base = build.root.manifest.directory
    rel = "Cargo.lock" if base == "." else f"{base}/Cargo.lock"
    lock = read_lock(project, rel)
    if lock is not None:
        return lock
    if any(p.manifest.dependencies for p in build.packages):
        raise Refuse(
            f"no Cargo.lock next to {build.root.manifest.rel}: without it dfsplit cannot tell "
            "which C libraries (OpenSSL, SQLite, libpq) the binary links at run time; "
            "commit Cargo.lock (cargo generate-lockfile) and run dfsplit again"
        )
    return {}


def _needs(
    model: StageModel,
    kept: carry.Carried,
    start: Start,
    builder_image: str,
    lock: dict[str, tuple[str, ...]],
    notes: list[str],
) -> runtime.Needs:
    build = start.build
    ins = build.compiled_by
    env = model.state_at(ins).env if ins in model.stage else model.final.env
    needs = runtime.linking(build, builder_image, rust_images.classify(builder_image), env)
    needs.links = libraries.linked(lock)
    candidates = rust_images.releases(builder_image)
    if needs.libc == "glibc" and len(candidates) > 1:
        differ = libraries.differs_between(runtime.run_time_links(needs), candidates)
        if differ:
            raise Refuse(
                f"{builder_image} was built on Debian {' or '.join(candidates)} depending on "
                f"the day it was pulled, and the binary links {', '.join(differ)}, whose "
                f"soname differs between them; name the release in the tag "
                f"(for example rust:1.80-bookworm)"
            )
        notes.append(
            f"{builder_image} was built on Debian {' or '.join(candidates)}: the runtime uses "
            f"{candidates[-1]}, whose glibc runs binaries from either"
        )
    if start.shell:
        needs.shell.append(start.shell)
    return needs


def _with_framework_files(reads: Reads, lock: dict[str, tuple[str, ...]]) -> Reads:
    extra = [f for crate, names in FRAMEWORK_FILES.items() if crate in lock for f in names]
    return reads._replace(literals=(*reads.literals, *extra)) if extra else reads


def _tester(options: Options, build: Build, model: StageModel, mounts: str) -> TesterStage | None:
    if not options.tester:
        return None
    parsed = build.parsed
    words = ["cargo", "test"]
    if build.kind == "install" and not (parsed.has("profile") or parsed.has("debug")):
        words.append("--release")
    words += parsed.shaping_words()
    names = parsed.values("package")
    if names:
        words += [w for n in names for w in ("-p", n)]
    elif build.root.manifest.workspace is not None:
        words.append("--workspace")
    assign = [f"{k}={shlex.quote(v)}" for k, v in build.assignments.items()]
    command = " ".join([*([mounts] if mounts else []), *assign, shlex.join(words)])
    cwd = build.cwd if build.kind != "install" else build.packages[0].dir
    workdir = cwd if cwd != model.final.workdir else None
    return tester_stage(options, command, workdir=workdir)


def _framework(build: Build) -> str | None:
    deps = {d for p in build.packages for d in p.manifest.dependencies}
    return next((f for f in FRAMEWORKS if f in deps), None)
