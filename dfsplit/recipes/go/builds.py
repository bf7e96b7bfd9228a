"""The binaries a Go build makes: `go build`/`go install` lines, their flags and outputs."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import NamedTuple

from dfsplit.dockerfile import shell, words
from dfsplit.model import Instruction, Refuse
from dfsplit.plan import runs
from dfsplit.plan.stage import StageModel, overlay
from dfsplit.recipes.go.module import ModuleLookup, binary_name

# Flags of `go build`/`go install` that take a value (cmd/go/internal/work/build.go).
VALUE_FLAGS = {
    "o",
    "p",
    "C",
    "asmflags",
    "buildmode",
    "compiler",
    "gccgoflags",
    "gcflags",
    "installsuffix",
    "ldflags",
    "mod",
    "modfile",
    "overlay",
    "pgo",
    "pkgdir",
    "tags",
    "toolexec",
    "coverpkg",
    "covermode",
    "exec",
}
BOOL_FLAGS = {
    "a",
    "n",
    "race",
    "msan",
    "asan",
    "v",
    "work",
    "x",
    "trimpath",
    "linkshared",
    "modcacherw",
    "cover",
    "json",
    "buildvcs",
    "i",
}


class Build(NamedTuple):
    """One binary produced by `go build` or `go install` in a RUN."""

    ins: Instruction
    output: str  # absolute path in the builder
    package: str
    cgo: str | None  # CGO_ENABLED as set for this command, None when left to the default
    cwd: str
    tags: str = ""
    race: bool = False  # -race links the race detector runtime, which needs cgo
    gopath: bool = False  # GO111MODULE=off for this command


def find_builds(model: StageModel, module_of: ModuleLookup) -> list[Build]:
    """Every binary the stage builds, in order."""
    builds: list[Build] = []
    for step in runs.run_steps(model, "where go builds"):
        cmd = step.cmd
        if _is_go(cmd.program) and cmd.argv[1:2] in (("build",), ("install",)):
            cwd = runs.workdir(step, model)
            builds += _build(step.ins, cmd, overlay(step.env, cmd.env), cwd, module_of)
        elif builds and (moved := runs.moved(cmd, step.env, runs.workdir(step, model))):
            builds += _moved(step.ins, moved, builds)
    return builds


def _moved(ins: Instruction, moved: tuple[str, str], builds: list[Build]) -> list[Build]:
    """`mv app /usr/local/bin/` after a build: the binary now lives at the destination."""
    source, target = moved
    built = [b for b in builds if b.output == source]
    if not built:
        return []
    b = built[-1]
    return [Build(ins, target, b.package, b.cgo, b.cwd, b.tags, b.race, b.gopath)]


def _is_go(program: str) -> bool:
    return program == "go" or program.endswith("/go")


def parse_flags(argv: tuple[str, ...], where: str) -> tuple[dict[str, str], list[str]]:
    """Go-style flags (`-o x`, `-o=x`, `--o x`) and the remaining positional words."""
    flags: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if not word.startswith("-") or rest or word in {"-", "--"}:
            rest.append(word)
            i += 1
            continue
        name, eq, value = word.lstrip("-").partition("=")
        if name in VALUE_FLAGS and not eq:
            if i + 1 >= len(argv):
                raise Refuse(f"{where}: the go flag -{name} has no value (go rejects it too)")
            value, i = argv[i + 1], i + 1
        elif name not in VALUE_FLAGS and name not in BOOL_FLAGS:
            raise Refuse(
                f"{where}: dfsplit does not know the go flag -{name}, so it cannot tell what "
                "the command builds; if go accepts the flag, please report it"
            )
        flags[name] = value if (eq or name in VALUE_FLAGS) else "true"
        i += 1
    return flags, rest


def _build(
    ins: Instruction, cmd: shell.Command, env: Mapping[str, str], cwd: str, module_of: ModuleLookup
) -> list[Build]:
    where = f"line {ins.start + 1}"
    flags, packages = parse_flags(cmd.argv[2:], where)
    if flags.get("buildmode", "exe") not in {"exe", "default", "pie"}:
        raise Refuse(
            f"{where}: -buildmode={flags['buildmode']} builds a library, not a program the "
            "image could run; dfsplit splits images that run a Go program"
        )
    if "C" in flags:
        cwd = posixpath.normpath(posixpath.join(cwd, _expand(flags["C"], env, where)))
    made = _Made(
        ins,
        env.get("CGO_ENABLED"),
        cwd,
        flags.get("tags", ""),
        "race" in flags,
        env.get("GO111MODULE") == "off",
    )
    packages = packages or ["."]
    files = [p for p in packages if p.endswith(".go")]
    wildcard = any("..." in p for p in packages)
    if not files:
        packages = [m for p in packages for m in module_of.expand(p, cwd)]
    if cmd.argv[1] == "install":
        gobin = _install_dir(env, where, module_of.model.base is not None)
        return [
            made.build(posixpath.join(gobin, _name(p, cwd, module_of, where)), p) for p in packages
        ]
    output = flags.get("o")
    if output is None:
        if (len(packages) != 1 or wildcard) and not files:
            return []  # several packages and no -o: go build discards the results
        return [
            made.build(posixpath.join(cwd, _name(packages[0], cwd, module_of, where)), packages[0])
        ]
    target = posixpath.normpath(posixpath.join(cwd, _expand(output, env, where)))
    if output.endswith("/") or target in runs.BIN_DIRS:
        return [
            made.build(posixpath.join(target, _name(p, cwd, module_of, where)), p)
            for p in (files[:1] or packages)
        ]
    if len(packages) != 1 and not files:
        raise Refuse(
            f"{where}: `-o {output}` with several packages builds no single program to copy: "
            "build the program's package on its own (go build -o /app ./cmd/app)"
        )
    return [made.build(target, packages[0])]


class _Made(NamedTuple):
    """What one go command line shares between the binaries it makes."""

    ins: Instruction
    cgo: str | None
    cwd: str
    tags: str
    race: bool
    gopath: bool

    def build(self, output: str, package: str) -> Build:
        return Build(
            self.ins, output, package, self.cgo, self.cwd, self.tags, self.race, self.gopath
        )


def _name(package: str, cwd: str, module_of: ModuleLookup, where: str) -> str:
    name = binary_name(package, cwd, module_of(cwd))
    if not name or "..." in name or name in {".", ".."}:
        raise Refuse(
            f"{where}: go names the binary after {package}, a name dfsplit cannot tell: "
            "add `-o /path/of/the/binary` to the build"
        )
    return name


def _expand(word: str, env: Mapping[str, str], where: str) -> str:
    value = words.expand(word, env)
    if value is None:
        raise Refuse(
            f"{where}: {word} uses a variable with no value in the Dockerfile, so dfsplit "
            "cannot tell the path: give the ARG or ENV a default, or write the path out"
        )
    return value


def _install_dir(env: Mapping[str, str], where: str, image_known: bool) -> str:
    """$GOBIN, else the first $GOPATH's bin; Go's default GOPATH is $HOME/go (the golang
    images set /go). An image dfsplit does not know may set either."""
    if env.get("GOOS", "linux") != "linux" or env.get("GOARCH", "amd64") not in {"amd64", ""}:
        raise Refuse(
            f"{where}: go install for another GOOS/GOARCH puts the binary in a subdirectory "
            "of $GOPATH/bin that dfsplit does not follow: use go build -o with the path"
        )
    if env.get("GOBIN"):
        return env["GOBIN"]
    if "GOPATH" not in env and not image_known:
        raise Refuse(
            f"{where}: go install puts the binary in $GOPATH/bin, and the base image, which "
            "dfsplit does not know, may set GOPATH: use go build -o with the path"
        )
    gopath = env.get("GOPATH") or posixpath.join(env.get("HOME", "/root"), "go")
    return posixpath.join(gopath.split(":")[0], "bin")
