"""The few edits dfsplit makes to a Rust builder stage: a dependency layer (manifests, a stub
target and a build of the dependencies before the sources, the cargo-chef idea without the
tool), BuildKit cache mounts instead when asked, and the build a `cargo run` start needs."""

from __future__ import annotations

import posixpath
import shlex
from typing import NamedTuple

from dfsplit.dockerfile import edits
from dfsplit.model import Dockerfile, Edit, Instruction, Options
from dfsplit.plan import carry
from dfsplit.plan.stage import StageModel, run_script
from dfsplit.recipes.rust.builds import Build
from dfsplit.recipes.rust.crates import Located
from dfsplit.recipes.rust.start import Start

CACHE_OUT = "/usr/local/bin"
STUB_MAIN = "fn main() {}"


class Edits(NamedTuple):
    edits: list[Edit]
    moved: dict[str, str]  # builder path of a binary -> where the cache-mount build copies it
    mounts: str  # the cache mounts the tester repeats ("" without --cache-mounts)


def builder_edits(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    start: Start,
    shipped: list[Build],
    options: Options,
    notes: list[str],
) -> Edits:
    out = [edits.name_stage(df, model.stage[0], "builder"), *kept.edits]
    if start.inserted is not None:
        out.append(start.inserted)
        notes.append(f"`cargo run` replaced by a binary built at {start.artifact.path}")
    if options.cache_mounts:
        cached = _cache_mounts(df, model, start, shipped, notes)
        if cached is not None:
            return Edits(out + cached.edits, cached.moved, cached.mounts)
    out += _dependency_layer(df, model, start.build, notes)
    return Edits(out, {}, "")


# --- the dependency layer ------------------------------------------------------------------


def _dependency_layer(
    df: Dockerfile, model: StageModel, build: Build, notes: list[str]
) -> list[Edit]:
    """Before `COPY . <dir>`: the manifests, stub sources, a build of the dependencies, and
    the stub's own fingerprint removed so that the real sources are compiled after the COPY
    (their modification times may be older than the stub's)."""
    plan = _layer_plan(model, build, notes)
    if plan is None:
        return []
    copy_ins, package, names = plan
    manifest = package.manifest
    stubs = [*(b.path for b in manifest.bins), *(t.path for t in manifest.others)]
    made = sorted(
        {posixpath.dirname(p) for p in [*stubs, *([manifest.lib] if manifest.lib else [])]} - {""}
    )
    steps = [f"mkdir -p {' '.join(shlex.quote(d) for d in made)}"] if made else []
    steps += [f"echo {shlex.quote(STUB_MAIN)} > {shlex.quote(p)}" for p in dict.fromkeys(stubs)]
    if manifest.lib:
        steps.append(f"touch {shlex.quote(manifest.lib)}")
    steps.append(_stub_build(build))
    tops = sorted({p.split("/")[0] for p in [*stubs, *([manifest.lib] if manifest.lib else [])]})
    fingerprint = posixpath.join(
        _relative(build.out_dir, package.dir), ".fingerprint", f"{manifest.name}-*"
    )
    steps.append("rm -rf " + " ".join([*map(shlex.quote, tops), fingerprint]))
    copy = f"{edits.keyword(df, 'COPY')} {' '.join(names)} ./"
    run = f"{edits.keyword(df, 'RUN')} " + " \\\n    && ".join(steps)
    comment = "# Dependencies first, in a layer of their own: a source change rebuilds only the app"
    anchor = edits.attached_comments(df, copy_ins)
    notes.append(
        f"{' and '.join(names)} copied and the dependencies built before `COPY . .` for caching"
    )
    return [Edit(anchor, anchor, f"{comment}\n{copy}\n{run}")]


def _layer_plan(
    model: StageModel, build: Build, notes: list[str]
) -> tuple[Instruction, Located, list[str]] | None:
    root = model.root_copy()
    cargo_ins = build.compiled_by
    if root is None or cargo_ins not in model.stage:
        return None
    copy_ins = model.stage[root.position]
    if copy_ins.start > cargo_ins.start or model.state_at(copy_ins).workdir != root.dest:
        return None
    if any(c.position < root.position for c in model.copies):
        return None  # the user already copies something first (often the manifests)
    package = build.packages[0] if len(build.packages) == 1 else None
    why = _no_layer(model, build, package, root.dest)
    if why:
        notes.append(f"no dependency layer: {why}; --cache-mounts caches the build instead")
        return None
    assert package is not None
    base = package.manifest.directory
    names = [
        n
        for n in ("Cargo.toml", "Cargo.lock", "rust-toolchain.toml", "rust-toolchain")
        if model.project.has(_join(base, n)) and not model.ignore.excludes(_join(base, n))
    ]
    return copy_ins, package, names


def _no_layer(model: StageModel, build: Build, package: Located | None, dest: str) -> str | None:
    if package is None or build.root.dir != package.dir or package.manifest.workspace is not None:
        return "a workspace build (the stub would need every member)"
    manifest = package.manifest
    if package.dir != dest or build.cwd != dest:
        return "the package is not at the directory `COPY . .` fills"
    if manifest.build_script:
        return f"the package has a build script ({manifest.build_script}), which may read any file"
    if manifest.path_dependencies:
        return "the package has path dependencies"
    project, base = model.project, manifest.directory
    if (
        project.has_dir(_join(base, "vendor"))
        or project.has_dir(_join(base, ".cargo"))
        or build.config_files
    ):
        return "vendored sources or a .cargo/ config, which the stub build would miss"
    if model.ignore.excludes(manifest.rel):
        return ".dockerignore excludes Cargo.toml"
    if model.state_at(build.compiled_by).user not in (None, "root", "0"):
        return "the build runs as a non-root user"
    return None


def _stub_build(build: Build) -> str:
    """The build's own command, for the stub (an install builds in release by default)."""
    assign = [f"{k}={shlex.quote(v)}" for k, v in build.assignments.items()]
    if build.kind == "install":
        profile = [] if build.parsed.has("profile") or build.parsed.has("debug") else ["--release"]
        words = ["cargo", "build", *profile, *build.parsed.shaping_words()]
    else:
        words = ["cargo", "build", *_build_words(build)]
    return " ".join([*assign, shlex.join(words)])


def _build_words(build: Build) -> list[str]:
    out: list[str] = []
    for flag in build.parsed.flags:
        out += [f"--{flag.name}"] if flag.value is None else [f"--{flag.name}", flag.value]
    return out


def _relative(path: str, base: str) -> str:
    rel = posixpath.relpath(path, base)
    return path if rel.startswith("..") else rel


def _join(base: str, name: str) -> str:
    return name if base in ("", ".") else f"{base}/{name}"


# --- cache mounts --------------------------------------------------------------------------


def cache_flags(build: Build, env: dict[str, str]) -> str:
    home = env.get("CARGO_HOME") or posixpath.join(env.get("HOME", "/root"), ".cargo")
    targets = [posixpath.join(home, "registry"), posixpath.join(home, "git/db"), build.target_dir]
    return " ".join(f"--mount=type=cache,target={t}" for t in targets)


def _cache_mounts(
    df: Dockerfile, model: StageModel, start: Start, shipped: list[Build], notes: list[str]
) -> Edits | None:
    build = start.build
    ins = build.compiled_by
    if build.kind == "run" or ins not in model.stage or ins.flags or ins.heredocs:
        notes.append("--cache-mounts skipped: the build step is not a plain RUN dfsplit can extend")
        return None
    if ins.args.lstrip().startswith("[") or model.state_at(ins).user not in (None, "root", "0"):
        notes.append("--cache-mounts skipped: an exec-form RUN or a non-root build")
        return None
    later = " ".join(
        run_script(i) for i in model.stage[model.stage.index(ins) + 1 :] if i.keyword == "RUN"
    )
    if build.target_dir.rsplit("/", 1)[-1] in later or build.target_dir in later:
        notes.append("--cache-mounts skipped: a later step reads the target directory")
        return None
    flags = cache_flags(build, model.state_at(ins).env)
    moved: dict[str, str] = {}
    if build.kind == "build":
        for artifact in {
            a.path: a for b in shipped if b.compiled_by is ins for a in b.outputs
        }.values():
            moved[artifact.path] = posixpath.join(CACHE_OUT, artifact.name)
    text = edits.source_text(df, ins)
    if moved:
        text += " \\\n    && cp " + " ".join(sorted(moved)) + f" {CACHE_OUT}/"
    first, sep, rest = text.partition("\n")
    keyword_len = len(first) - len(first.lstrip())
    lead = first[:keyword_len]
    word, _, tail = first.lstrip().partition(" ")
    new_text = f"{lead}{word} {flags} {tail.lstrip()}{sep}{rest}"
    notes.append(
        "BuildKit cache mounts for the cargo registry and target/; the binary is copied "
        "out of the cache in the same RUN"
    )
    return Edits([Edit(ins.start, ins.end, new_text)], moved, flags)
