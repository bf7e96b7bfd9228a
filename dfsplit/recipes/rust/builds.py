"""The binaries a Rust build makes: `cargo build` and `cargo install --path` lines, the
packages and targets they select, and where each binary lands
(`<target-dir>/<triple>/<profile>/<bin>`, or `<root>/bin/<bin>` for an install)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell, words
from dfsplit.model import Instruction, Refuse
from dfsplit.plan import runs
from dfsplit.plan.stage import StageModel, overlay
from dfsplit.recipes.rust import flags
from dfsplit.recipes.rust.cargo_config import read_config
from dfsplit.recipes.rust.crates import Crates, Located

# The directory each built-in profile writes to; a custom profile writes to its own name.
PROFILE_DIRS = {"dev": "debug", "test": "debug", "release": "release", "bench": "release"}


class Artifact(NamedTuple):
    name: str  # the binary's file name
    path: str  # absolute path in the builder
    package: Located


class Build(NamedTuple):
    """One cargo command line that compiles the app (or a copy of its output)."""

    ins: Instruction
    kind: str  # "build" | "install" | "run" (a build that `cargo run` asks for)
    cwd: str
    assignments: dict[str, str]  # `VAR=value cargo ...` on the command itself
    parsed: flags.Parsed
    profile: str
    triple: str | None
    target_dir: str
    root: Located  # the workspace root (or the package alone)
    packages: tuple[Located, ...]
    outputs: tuple[Artifact, ...]
    config_files: tuple[str, ...] = ()
    cargo_ins: Instruction | None = None  # the cargo line, when `ins` is a later cp/mv

    @property
    def compiled_by(self) -> Instruction:
        return self.cargo_ins or self.ins

    @property
    def profile_dir(self) -> str:
        return PROFILE_DIRS.get(self.profile, self.profile)

    @property
    def out_dir(self) -> str:
        """`target/<triple>/<profile>`: where the binaries and `.fingerprint/` are."""
        parts = [self.target_dir, *([self.triple] if self.triple else []), self.profile_dir]
        return posixpath.join(*parts)

    @property
    def whole_workspace(self) -> bool:
        return (
            self.parsed.has("workspace")
            or self.parsed.has("all")
            or (self.root.manifest.name is None and not self.parsed.has("package"))
        )


class Found(NamedTuple):
    builds: list[Build]
    tools: list[str]  # crates installed from a registry or git (`cargo install sqlx-cli`)


def find_builds(model: StageModel, crates: Crates) -> Found:
    """Every cargo build of the stage, in order, and the tools it installs."""
    found = Found([], [])
    for step in runs.run_steps(model, "where cargo builds"):
        cmd = step.cmd
        if is_cargo(cmd.program):
            cwd = runs.workdir(step, model)
            _cargo(found, step.ins, cmd, overlay(step.env, cmd.env), cwd, model, crates)
        elif found.builds and (moved := runs.moved(cmd, step.env, runs.workdir(step, model))):
            found.builds.extend(_moved(step.ins, moved, found.builds))
    return found


def is_cargo(program: str) -> bool:
    return program == "cargo" or program.endswith("/cargo")


def _cargo(
    found: Found,
    ins: Instruction,
    cmd: shell.Command,
    env: Mapping[str, str],
    cwd: str,
    model: StageModel,
    crates: Crates,
) -> None:
    name, rest = flags.subcommand(cmd.argv)
    where = f"line {ins.start + 1}"
    if name not in {"build", "install"}:
        return
    parsed = flags.parse(_expanded(rest, env, where), f"{where}: cargo {name}")
    if name == "install" and parsed.last("path") is None:
        found.tools.extend(list(parsed.positional) or [parsed.last("git") or "a crate"])
        return
    found.builds.append(
        make_build(ins, name, parsed, dict(cmd.env), env, cwd, model, crates, where)
    )


def make_build(
    ins: Instruction,
    kind: str,
    parsed: flags.Parsed,
    assignments: dict[str, str],
    env: Mapping[str, str],
    cwd: str,
    model: StageModel,
    crates: Crates,
    where: str,
) -> Build:
    """The Build a cargo command line describes, its binaries' paths included."""
    package_dir = cwd
    if kind == "install":
        package_dir = posixpath.normpath(posixpath.join(cwd, parsed.last("path") or "."))
    elif parsed.last("manifest-path"):
        manifest = posixpath.join(cwd, parsed.last("manifest-path") or "")
        package_dir = posixpath.dirname(posixpath.normpath(manifest))
    here = crates.at(package_dir) if package_dir != cwd else None
    located = Located(package_dir, here) if here else crates.nearest(package_dir)
    if located is None or (kind == "install" and located.dir != package_dir):
        raise Refuse(
            f"{where}: cargo {kind} runs in {package_dir}, where the builder has no "
            "Cargo.toml (the COPY lines put none there)"
        )
    root = crates.workspace_root(located)
    config = read_config(model, crates.project, cwd, env)
    profile = _profile(parsed, kind, where)
    triple = parsed.last("target") or config.target
    target_dir = parsed.last("target-dir")
    target_dir = (
        posixpath.normpath(posixpath.join(cwd, target_dir))
        if target_dir
        else config.target_dir or posixpath.join(root.dir, "target")
    )
    packages = _selected(crates, parsed, located, root, where)
    build = Build(
        ins,
        kind,
        cwd,
        assignments,
        parsed,
        profile,
        triple,
        target_dir,
        root,
        tuple(packages),
        (),
        config.files,
    )
    if kind == "install":
        bin_dir = posixpath.join(_install_root(parsed, env, cwd), "bin")
        return build._replace(outputs=tuple(_outputs(build, bin_dir, bin_dir)))
    examples = posixpath.join(build.out_dir, "examples")
    return build._replace(outputs=tuple(_outputs(build, build.out_dir, examples)))


def _expanded(rest: tuple[str, ...], env: Mapping[str, str], where: str) -> list[str]:
    out = []
    for word in rest:
        value = words.expand(word, env)
        if value is None:
            raise Refuse(f"{where}: cargo argument {word} uses a variable dfsplit cannot resolve")
        out.append(value)
    return out


def _profile(parsed: flags.Parsed, kind: str, where: str) -> str:
    named = parsed.last("profile")
    if named and parsed.has("release") and named != "release":
        raise Refuse(f"{where}: --release with --profile {named}: cargo rejects the pair")
    if named:
        return named
    if parsed.has("release"):
        return "release"
    if kind == "install":
        return "dev" if parsed.has("debug") else "release"
    return "dev"


def _selected(
    crates: Crates, parsed: flags.Parsed, located: Located, root: Located, where: str
) -> list[Located]:
    """The packages the command builds (-p, --workspace, or the one cargo finds)."""
    names = parsed.values("package")
    if names:
        return [crates.package_named(root, n, where) for n in names if "*" not in n]
    if parsed.has("workspace") or parsed.has("all"):
        excluded = set(parsed.values("exclude"))
        return [m for m in crates.members(root) if m.manifest.name not in excluded]
    if located.manifest.name is None:  # a virtual workspace's root
        return crates.default_members(located)
    return [located]


def _outputs(build: Build, bin_dir: str, example_dir: str) -> list[Artifact]:
    parsed = build.parsed
    picked_bins = parsed.values("bin")
    picked_examples = parsed.values("example")
    kinds = {"lib", "bins", "examples", "tests", "benches", "all-targets"}
    explicit = picked_bins or picked_examples or any(parsed.has(k) for k in kinds)
    all_bins = not explicit or parsed.has("bins") or parsed.has("all-targets")
    out: list[Artifact] = []
    for package in build.packages:
        manifest = package.manifest
        enabled = manifest.enabled(
            parsed.features(), not parsed.has("no-default-features"), parsed.has("all-features")
        )
        for target in manifest.bins:
            if (all_bins or target.name in picked_bins) and set(target.required_features) <= (
                enabled
            ):
                out.append(Artifact(target.name, posixpath.join(bin_dir, target.name), package))
        for target in manifest.others:
            if target.name in picked_examples:
                out.append(Artifact(target.name, posixpath.join(example_dir, target.name), package))
    missing = set(picked_bins) - {a.name for a in out}
    if missing:
        raise Refuse(
            f"line {build.ins.start + 1}: --bin {', '.join(sorted(missing))} is not a binary "
            "of the packages this build selects (or its required-features are off)"
        )
    return out


def _install_root(parsed: flags.Parsed, env: Mapping[str, str], cwd: str) -> str:
    root = parsed.last("root") or env.get("CARGO_INSTALL_ROOT")
    if root:
        return posixpath.normpath(posixpath.join(cwd, root))
    return env.get("CARGO_HOME") or posixpath.join(env.get("HOME", "/root"), ".cargo")


def _moved(ins: Instruction, moved: tuple[str, str], builds: list[Build]) -> list[Build]:
    """`cp target/release/app /usr/local/bin/` after a build: the binary is there too."""
    source, target = moved
    for build in reversed(builds):
        for artifact in build.outputs:
            if artifact.path == source:
                new = Artifact(artifact.name, target, artifact.package)
                return [build._replace(ins=ins, outputs=(new,), cargo_ins=build.compiled_by)]
    return []
