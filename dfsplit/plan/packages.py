"""OS packages the naive image installed: which are build tools and which the app runs."""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.dockerfile import shell
from dfsplit.model import Instruction
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
}
# Provided by the runtime image or copied from the builder.
PROVIDED = {"ca-certificates", "tzdata"}
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
        if any(c.program.rsplit("/", 1)[-1] in programs(pkg.name) for c in commands):
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
