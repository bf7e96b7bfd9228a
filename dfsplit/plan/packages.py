"""OS packages the naive image installed: which are build tools and which the app runs.

One rule for every recipe (`runtime_packages`): a package whose program the app or its
HEALTHCHECK runs is kept; compilers, headers and fetch tools are dropped; anything else the
original image had (fonts, chromium, a database client) is kept unless a later build step
shows it was only for the build. Certificates and time zones come with the runtime image
(`provided`) or are installed like any other package. Setup commands the build ran for a
kept package (`fc-cache -f` for fontconfig) run again in the runtime.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable
from typing import NamedTuple

from dfsplit.dockerfile import shell
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Instruction, Refuse
from dfsplit.plan import images
from dfsplit.plan.stage import StageModel, run_commands, run_script

# Compilers, headers and fetchers: needed to build, never to run.
BUILD_ONLY = {
    "gcc",
    "g++",
    "clang",
    "make",
    "cmake",
    "ninja-build",
    "build-essential",
    "build-base",
    "musl-dev",
    "libc6-dev",
    "libc-dev",
    "linux-headers",
    "pkg-config",
    "pkgconf",
    "pkgconfig",
    "autoconf",
    "automake",
    "libtool",
    "binutils",
    "git",
    "mercurial",
    "subversion",
    "bzr",
    "upx",
    "upx-ucl",
    "protobuf-compiler",
    "protoc",
    "protobuf-dev",
    "golang",
    "go",
    "golang-go",
    "patch",
    "unzip",
    "xz-utils",
    "gnupg",
    "software-properties-common",
    "apt-transport-https",
    "openjdk-17-jdk",
    "maven",
    "gradle",
    "nodejs",
    "npm",
    "yarn",
    "rustc",
    "rust",
    "cargo",
}
# Provided by the runtime image or copied from the builder.
PROVIDED = frozenset({"ca-certificates", "tzdata"})
# Commands that set up an installed package, by the package they belong to.
SETUP = {"fc-cache": "fontconfig", "update-ca-certificates": "ca-certificates"}
# An install from a repository the build adds cannot be repeated as a plain install.
_ADDED_SOURCE = re.compile(r"sources\.list|add-apt-repository|/etc/apk/repositories|yum-config")
# Fetch tools: only kept when something at run time calls them.
TOOLS = {"curl", "wget", "bash"}
# Packages whose programs have other names.
PROGRAMS = {
    "imagemagick": {"convert", "magick", "identify", "mogrify"},
    "ffmpeg": {"ffmpeg", "ffprobe"},
    "postgresql-client": {"psql", "pg_dump", "pg_restore"},
    "default-mysql-client": {"mysql", "mysqldump"},
    "mariadb-client": {"mysql", "mysqldump", "mariadb"},
    "poppler-utils": {"pdftotext", "pdftoppm", "pdfinfo"},
    "ghostscript": {"gs"},
    "libreoffice": {"soffice", "libreoffice"},
    "graphviz": {"dot"},
    "openssh-client": {"ssh", "scp"},
    "iputils-ping": {"ping"},
    "dnsutils": {"dig", "nslookup"},
    "bind-tools": {"dig", "nslookup"},
    "procps": {"ps", "top", "pgrep"},
    "netcat-openbsd": {"nc"},
    "netcat": {"nc"},
    "chromium": {"chromium", "chromium-browser"},
    "fontconfig": {"fc-match", "fc-list", "fc-cache"},
    "python3": {"python3", "python"},
}

_MANAGERS = {
    ("apt-get", "install"),
    ("apt", "install"),
    ("apk", "add"),
    ("yum", "install"),
    ("dnf", "install"),
    ("microdnf", "install"),
}
# Shells a command runs its script with (`["sh", "-c", "..."]`).
_SHELLS = frozenset({"sh", "bash", "ash", "dash"})
# Builtins of every POSIX shell (dash, busybox ash, bash): no package provides them.
BUILTINS = frozenset(
    {"exit", "echo", "printf", "true", "false", "test", "[", "cd", "export", "set", ":", "unset"}
)
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9+._:=~*<>-]*$")


class Package(NamedTuple):
    spec: str  # as written, with any version pin
    name: str
    manager: str  # apt-get | apk | dnf | ...
    ins: Instruction


def installed(model: StageModel) -> list[Package]:
    """Packages installed by RUN lines of the stage, in order."""
    out: list[Package] = []
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        for cmd in run_commands(ins):
            if (cmd.program, _verb(cmd.argv)) in _MANAGERS:
                manager = "apt-get" if cmd.program == "apt" else cmd.program
                out += [Package(w, _name(w), manager, ins) for w in _positional(cmd.argv)]
    return out


def _verb(argv: tuple[str, ...]) -> str:
    return next((w for w in argv[1:] if not w.startswith("-")), "")


def _positional(argv: tuple[str, ...]) -> list[str]:
    words, skip = [], False
    for word in argv[2:]:
        if skip:
            skip = False
        elif word in {"--virtual", "-t", "--repository", "-X", "-o", "--option"}:
            skip = True  # the next word is the flag's value, not a package
        elif not word.startswith("-") and word not in {"install", "add"}:
            words.append(word)
    return words


def _name(spec: str) -> str:
    return re.split(r"[=<>~]", spec, maxsplit=1)[0]


def programs(package: str) -> set[str]:
    return PROGRAMS.get(package, {package})


def is_build_only(name: str) -> bool:
    return name in BUILD_ONLY or name.endswith(("-dev", "-devel", "-headers", "-doc"))


def used_later(model: StageModel, pkg: Package) -> bool:
    """True when a later RUN of the stage calls one of the package's programs."""
    start = model.stage.index(pkg.ins)
    for ins in model.stage[start:]:
        if ins.keyword != "RUN":
            continue
        commands = shell.split_commands(run_script(ins))
        if commands is None:
            return False  # unreadable: nothing shows the package is only for the build
        # Setting a package up (fc-cache after fontconfig) is not using it for the build.
        called = {c.program.rsplit("/", 1)[-1] for c in commands} - set(SETUP)
        if called & programs(pkg.name):
            return True
    return False


def install_command(manager: str, specs: list[str]) -> str:
    """One RUN line that installs specs on a slim image of the same family."""
    for spec in specs:
        if not _TOKEN.match(spec):
            raise ValueError(f"not a package name: {spec!r}")
    names = " ".join(specs)
    if manager == "apk":
        return f"apk add --no-cache {names}"
    if manager in {"dnf", "yum", "microdnf"}:
        return f"{manager} install -y {names} && {manager} clean all"
    return (
        "apt-get update && apt-get install -y --no-install-recommends "
        f"{names} && rm -rf /var/lib/apt/lists/*"
    )


class RuntimePackages(NamedTuple):
    """The packages a runtime installs, and the setup commands run after them."""

    manager: str  # apt-get | apk | dnf | ...
    specs: tuple[str, ...]
    setup: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # installed packages left in the builder as build-only
    missing: tuple[str, ...] = ()  # programs the app runs that no install provides

    def commands(self) -> tuple[str, ...]:
        """The runtime's RUN commands (none when nothing is kept)."""
        if not self.specs:
            return ()
        try:
            install = install_command(self.manager, list(self.specs))
        except ValueError as exc:
            raise Refuse(str(exc)) from exc
        return (" && ".join([install, *self.setup]),)


def runtime_packages(
    model: StageModel,
    called: Iterable[str],
    default_manager: str,
    provided: frozenset[str] = PROVIDED,
    build_only: frozenset[str] = frozenset(),
) -> RuntimePackages:
    """What the runtime must install of what the original image installed: `called` are the
    programs the app runs (os/exec, child_process, HEALTHCHECK), `provided` the packages the
    runtime image has already, `build_only` the recipe's own build tools (python3 for
    node-gyp) unless the app runs them."""
    wanted = {posixpath.basename(p) for p in called}
    specs: list[str] = []
    dropped: list[str] = []
    notes: list[str] = []
    warnings: list[str] = []
    found = installed(model)
    for pkg in found:
        if pkg.name in provided or pkg.spec in specs:
            continue
        runs = programs(pkg.name) & wanted
        if runs:
            specs.append(pkg.spec)
            wanted -= runs
            notes.append(f"OS package {pkg.name} kept: the app runs {', '.join(sorted(runs))}")
        elif (
            is_build_only(pkg.name)
            or pkg.name in TOOLS
            or pkg.name in build_only
            or used_later(model, pkg)
        ):
            dropped.append(pkg.name)
        else:
            specs.append(pkg.spec)
            warnings.append(
                f"kept OS package {pkg.name} in the runtime: the original image "
                "had it and nothing shows it is build-only"
            )
    # Programs the builder image had without an install (curl in golang, node) need one now.
    for program in sorted(wanted & TOOLS - {"bash"}):
        specs += [program] + ([] if "ca-certificates" in provided else ["ca-certificates"])
        notes.append(f"OS package {program} added: the app or its HEALTHCHECK runs it")
    specs = list(dict.fromkeys(specs))
    _check_sources(model, found, specs)
    manager = found[0].manager if found else default_manager
    return RuntimePackages(
        manager,
        tuple(specs),
        _setup(model, specs),
        tuple(notes),
        tuple(warnings),
        tuple(n for n in dict.fromkeys(dropped) if n not in specs),
        tuple(sorted(wanted - TOOLS)),
    )


def _check_sources(model: StageModel, found: list[Package], specs: list[str]) -> None:
    """Refuse when a kept package may come from a repository the build added."""
    kept = [p for p in found if p.spec in specs]
    for ins in model.stage:
        if ins.keyword == "RUN" and _ADDED_SOURCE.search(run_script(ins)):
            later = [p.name for p in kept if p.ins.start >= ins.start]
            if later:
                raise Refuse(
                    f"the runtime needs {', '.join(later)}, which the build installs after "
                    f"adding a package source (line {ins.start + 1}); dfsplit cannot repeat it"
                )


def _setup(model: StageModel, specs: list[str]) -> tuple[str, ...]:
    names = {_name(s) for s in specs}
    out: list[str] = []
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        for cmd in run_commands(ins):
            owner = SETUP.get(posixpath.basename(cmd.program))
            if owner in names and not cmd.env:
                out.append(shlex.join(cmd.argv))
    return tuple(dict.fromkeys(out))


def healthcheck_programs(healthcheck: Instruction | None) -> tuple[set[str], bool]:
    """The programs a HEALTHCHECK runs, and whether it needs a shell."""
    if healthcheck is None:
        return set(), False
    words = healthcheck.args.split(None, 1)
    if not words or words[0].upper() == "NONE":
        return set(), False
    return command_programs(words[1] if len(words) > 1 else "", "the HEALTHCHECK")


def command_programs(form: str, what: str) -> tuple[set[str], bool]:
    """The programs a command (a start command, a HEALTHCHECK's CMD) runs in exec or shell
    form, `["sh", "-c", script]` read as its script, and whether it needs a shell. The shell's
    builtins are no programs: no package provides them."""
    argv = is_exec_form(form.strip())
    if argv is not None and not (
        len(argv) > 2 and posixpath.basename(argv[0]) in _SHELLS and argv[1] == "-c"
    ):
        return ({posixpath.basename(argv[0])} if argv else set()), False
    script = argv[2] if argv is not None else form
    out: set[str] = set()
    for cmd in shell.commands(script, what):
        argv_ = cmd.argv[1:] if cmd.program == "exec" else cmd.argv
        if argv_:
            out.add(posixpath.basename(argv_[0]))
    return out - BUILTINS, True


def install_on(image: str, kept: RuntimePackages) -> tuple[str, ...]:
    """The runtime's RUN commands that install `kept` on `image`; Refuse when that image has
    no package manager of the same family (distroless, scratch, a forced other family)."""
    if not kept.specs:
        return ()
    kind = images.classify(image)
    family = "alpine" if kept.manager == "apk" else "debian"
    if not kind.shell or kind.family != family:
        raise Refuse(
            f"the app needs the OS packages {' '.join(kept.specs)}, which dfsplit cannot "
            f"install on {image} ({kept.manager} packages, a {kind.family} image)"
        )
    return kept.commands()


def manager_for(image: str) -> str:
    """The package manager of an image's family (apk on Alpine, else apt-get)."""
    return "apk" if images.classify(image).family == "alpine" else "apt-get"
