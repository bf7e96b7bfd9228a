"""The few edits dfsplit makes to a Rust builder stage: a dependency layer (manifests, a stub
target and a build of the dependencies before the sources, the cargo-chef idea without the
tool), BuildKit cache mounts instead when asked, and the build a `cargo run` start needs."""

from __future__ import annotations

import posixpath
import shlex
from typing import NamedTuple

from dfsplit.dockerfile import edits
from dfsplit.model import Dockerfile, Edit, Instruction, Options
from dfsplit.plan import carry, mounts
from dfsplit.plan.stage import StageModel, State, run_script
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
    members: list[Located],
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
    out += _dependency_layer(df, model, start.build, members, notes)
    return Edits(out, {}, "")


# --- the dependency layer ------------------------------------------------------------------


def _dependency_layer(
    df: Dockerfile, model: StageModel, build: Build, members: list[Located], notes: list[str]
) -> list[Edit]:
    """Before `COPY . <dir>`: the manifests, stub sources, a build of the dependencies, and
    the stubs' own fingerprints removed so that the real sources are compiled after the COPY
    (their modification times may be older than the stubs')."""
    plan = _layer_plan(model, build, members, notes)
    if plan is None:
        return []
    copy_ins, root_files = plan
    stubs: list[str] = []  # relative to the workspace root
    libs: list[str] = []
    for member in members:
        rel = posixpath.relpath(member.dir, build.root.dir)
        manifest = member.manifest
        stubs += [_join(rel, t.path) for t in (*manifest.bins, *manifest.others)]
        libs += [_join(rel, manifest.lib)] if manifest.lib else []
    made = _leaf_dirs([*stubs, *libs])
    steps = [f"mkdir -p {' '.join(shlex.quote(d) for d in made)}"] if made else []
    steps += [f"echo {shlex.quote(STUB_MAIN)} > {shlex.quote(p)}" for p in dict.fromkeys(stubs)]
    steps += [f"touch {shlex.quote(p)}" for p in dict.fromkeys(libs)]
    steps.append(_stub_build(build))
    tops = sorted({p.split("/")[0] for p in [*stubs, *libs]})
    out_dir = _relative(build.out_dir, build.root.dir)
    prints = [posixpath.join(out_dir, ".fingerprint", f"{m.manifest.name}-*") for m in members]
    steps.append("rm -rf " + " ".join([*map(shlex.quote, tops), *prints]))
    lines = [f"{edits.keyword(df, 'COPY')} {' '.join(root_files)} ./"]
    for member in members:
        rel = posixpath.relpath(member.dir, build.root.dir)
        if rel != ".":
            lines.append(f"{edits.keyword(df, 'COPY')} {rel}/Cargo.toml {rel}/")
    run = f"{edits.keyword(df, 'RUN')} " + f" {df.escape}\n    && ".join(steps)
    comment = "# Dependencies first, in a layer of their own: a source change rebuilds only the app"
    anchor = edits.attached_comments(df, copy_ins)
    what = "the manifests" if len(members) > 1 else " and ".join(root_files)
    notes.append(f"{what} copied and the dependencies built before `COPY . .` for caching")
    return [Edit(anchor, anchor, "\n".join([comment, *lines, run]))]


def _leaf_dirs(paths: list[str]) -> list[str]:
    """The directories to create for paths, without those another one contains."""
    dirs = {posixpath.dirname(p) for p in paths} - {""}
    return sorted(d for d in dirs if not any(o.startswith(d + "/") for o in dirs))


# Workspaces with more members than this keep their order: one COPY per manifest is noise.
MAX_MEMBERS = 8


def _layer_plan(
    model: StageModel, build: Build, members: list[Located], notes: list[str]
) -> tuple[Instruction, list[str]] | None:
    root = model.root_copy()
    cargo_ins = build.compiled_by
    if root is None or cargo_ins not in model.stage:
        return None
    copy_ins = model.stage[root.position]
    if copy_ins.start > cargo_ins.start or model.state_at(copy_ins).workdir != root.dest:
        return None
    if any(c.position < root.position for c in model.copies):
        return None  # the user already copies something first (often the manifests)
    why = _no_layer(model, build, members, root.dest)
    if why:
        notes.append(f"no dependency layer: {why}; --cache-mounts caches the build instead")
        return None
    base = build.root.manifest.directory
    names = [
        n
        for n in ("Cargo.toml", "Cargo.lock", "rust-toolchain.toml", "rust-toolchain")
        if model.project.has(_join(base, n)) and not model.ignore.excludes(_join(base, n))
    ]
    return copy_ins, names


def _no_layer(model: StageModel, build: Build, members: list[Located], dest: str) -> str | None:
    if build.root.dir != dest:
        return "the workspace root is not the directory `COPY . .` fills"
    if not members or len(members) > MAX_MEMBERS:
        return f"a workspace of {len(members)} members"
    if any(not m.dir.startswith(build.root.dir) for m in members):
        return "a member outside the workspace root"
    if model.state_at(build.compiled_by).user not in (None, "root", "0"):
        return "the build runs as a non-root user"
    project = model.project
    base = build.root.manifest.directory
    if project.has_dir(_join(base, "vendor")) or project.has_dir(_join(base, ".cargo")):
        return "vendored sources or a .cargo/ config, which the stub build would miss"
    if build.config_files:
        return "a .cargo/ config, which the stub build would miss"
    inside = {posixpath.normpath(m.dir) for m in members}
    for member in members:
        manifest = member.manifest
        if manifest.build_script:
            script = manifest.build_script
            return f"{manifest.rel} has a build script ({script}), which may read any file"
        for dep in manifest.path_dependencies:
            if posixpath.normpath(posixpath.join(member.dir, dep)) not in inside:
                return f"{manifest.rel} has a path dependency outside the workspace ({dep})"
        if model.ignore.excludes(manifest.rel):
            return f".dockerignore excludes {manifest.rel}"
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


def cache_targets(build: Build, state: State) -> list[str]:
    """cargo's registry and git checkouts, and the build's target directory."""
    home = state.env.get("CARGO_HOME") or posixpath.join(mounts.home(state), ".cargo")
    return [posixpath.join(home, "registry"), posixpath.join(home, "git/db"), build.target_dir]


def _cache_mounts(
    df: Dockerfile, model: StageModel, start: Start, shipped: list[Build], notes: list[str]
) -> Edits | None:
    build = start.build
    ins = build.compiled_by
    if build.kind == "run" or ins not in model.stage or ins.flags or ins.heredocs:
        notes.append("--cache-mounts skipped: the build step is not a plain RUN dfsplit can extend")
        return None
    state = model.state_at(ins)
    why = mounts.why_not_mountable(ins, state)
    if why:
        notes.append(f"--cache-mounts skipped: {why}")
        return None
    later = " ".join(
        run_script(i) for i in model.stage[model.stage.index(ins) + 1 :] if i.keyword == "RUN"
    )
    if build.target_dir.rsplit("/", 1)[-1] in later or build.target_dir in later:
        notes.append("--cache-mounts skipped: a later step reads the target directory")
        return None
    targets = cache_targets(build, state)
    flags = mounts.cache_flags(targets)
    if flags.count("--mount") != len(targets):
        notes.append("--cache-mounts skipped: a cache directory has characters a mount cannot take")
        return None
    moved: dict[str, str] = {}
    if build.kind == "build":
        for artifact in {
            a.path: a for b in shipped if b.compiled_by is ins for a in b.outputs
        }.values():
            moved[artifact.path] = posixpath.join(CACHE_OUT, artifact.name)
    text = edits.source_text(df, ins)
    if moved:
        text += f" {df.escape}\n    && cp " + " ".join(sorted(moved)) + f" {CACHE_OUT}/"
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
