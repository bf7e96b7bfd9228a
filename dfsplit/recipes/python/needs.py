"""The OS packages the runtime installs: the run-time library of each -dev package the build
compiled against (and of the Python packages known to link one), the packages the app runs,
none of the compilers; and the check that every compiled extension finds its libraries.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from dfsplit.dockerfile import shell, tokens
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Refuse
from dfsplit.plan import images, libraries, packages
from dfsplit.recipes.python import images as py_images
from dfsplit.recipes.python import manifest
from dfsplit.recipes.python.app import App

# PyPI packages built from source against a system library (no self-contained wheel), or
# that load one with ctypes/cffi: the library (linker name) they need at run time.
LINKS = {
    "psycopg2": "pq",
    "psycopg": "pq",  # without the [binary] or [c] extra it loads libpq with ctypes
    "psycopg-c": "pq",
    "mysqlclient": "mariadb",
    "python-magic": "magic",
    "python-ldap": "ldap",
    "pycurl": "curl",
    "weasyprint": "pango-1.0",
    "cairocffi": "cairo",
    "pycairo": "cairo",
    "pyodbc": "odbc",
}


class OsPackages(NamedTuple):
    commands: tuple[str, ...]  # RUN commands for the runtime
    build_tools: tuple[str, ...]  # what the builder installed only to build


def os_packages(app: App, kind: images.ImageKind, py: py_images.Python) -> OsPackages:
    manager = "apk" if kind.family == "alpine" else "apt-get"
    wanted: dict[str, str] = {}  # package -> why
    tools: list[str] = []
    called = _called(app)
    for pkg in packages.installed(app.model):
        if pkg.name in packages.PROVIDED:
            continue
        if packages.is_build_only(pkg.name):
            tools.append(pkg.name)
            _dev_library(app, pkg.name, kind, py, wanted)
        elif pkg.name in packages.TOOLS and not packages.programs(pkg.name) & called:
            tools.append(pkg.name)
        else:
            wanted.setdefault(pkg.spec, f"the original installed {pkg.name}")
    for name in _linking_requirements(app):
        lib = libraries.library_package(LINKS[name], kind)
        if lib is not None:
            wanted.setdefault(lib, f"{name} links lib{LINKS[name]}")
    for program in sorted(
        called & {"curl", "wget"} - {re.split(r"[=<>~]", s, maxsplit=1)[0] for s in wanted}
    ):
        wanted[program] = f"the start command or HEALTHCHECK runs {program}"
    if not wanted:
        return OsPackages((), tuple(tools))
    app.notes.append(
        "runtime OS packages: " + "; ".join(f"{p} ({why})" for p, why in wanted.items())
    )
    try:
        return OsPackages((packages.install_command(manager, list(wanted)),), tuple(tools))
    except ValueError as exc:
        raise Refuse(str(exc)) from exc


def _dev_library(
    app: App, name: str, kind: images.ImageKind, py: py_images.Python, wanted: dict[str, str]
) -> None:
    if (
        not name.endswith(("-dev", "-devel"))
        or name in py_images.PROVIDED_LIBRARIES
        or name in packages.BUILD_ONLY  # the C library's headers: libc itself is everywhere
    ):
        return
    runtime = libraries.runtime_package(name, kind)
    if runtime is None:
        app.warnings.append(
            f"the builder installs {name}, whose run-time library dfsplit does not know for "
            f"{kind.family} {kind.release or ''}: the runtime's library check fails the build "
            "if a compiled extension needs it; add it to the runtime stage then"
        )
        return
    wanted.setdefault(runtime, f"the run-time library of {name}")
    if kind.family == "debian" and py.release is None:
        other = {"trixie": "bookworm", "bookworm": "trixie"}.get(kind.release or "")
        if other and libraries.runtime_package(name, kind._replace(release=other)) != runtime:
            app.warnings.append(
                f"{runtime} is the {kind.release} name of {name}'s library; the tag "
                f"{app.builder_image} names no Debian release: pin one (e.g. -slim-{kind.release})"
            )


def _linking_requirements(app: App) -> list[str]:
    names: set[str] = set()
    for rel in manifest.requirement_files(app.project, app.base):
        if manifest.is_dev_file(rel):
            continue
        for req in manifest.read_requirements(app.project, rel).requirements:
            if req.name in LINKS and not (req.name == "psycopg" and req.extras & {"binary", "c"}):
                names.add(req.name)
    py = manifest.read_pyproject(app.project, app.rel("pyproject.toml"))
    pipfile = manifest.read_pipfile(app.project, app.rel("Pipfile"))
    for req in (*(py.dependencies if py else ()), *(pipfile.packages if pipfile else ())):
        if req.name in LINKS and not (req.name == "psycopg" and req.extras & {"binary", "c"}):
            names.add(req.name)
    for install in app.installs:
        for word in install.words:
            named = manifest.parse_requirement(word)
            if named and named.name in LINKS and not named.extras & {"binary", "c"}:
                names.add(named.name)
    return sorted(names)


def _called(app: App) -> set[str]:
    """Programs the start command and the HEALTHCHECK run."""
    out: set[str] = set()
    for ins in (app.kept.entrypoint, app.kept.cmd, app.kept.healthcheck):
        if ins is None:
            continue
        text = ins.args
        if ins.keyword == "HEALTHCHECK":
            words = ins.args.split(None, 1)
            if not words or words[0].upper() == "NONE":
                continue
            text = words[1] if len(words) > 1 else ""
        argv = is_exec_form(text.strip())
        if argv is not None:
            out.add(posixpath.basename(argv[0]) if argv else "")
            text = argv[-1] if argv[:1] in (["sh"], ["/bin/sh"], ["bash"]) else ""
        out |= {posixpath.basename(c.program) for c in shell.commands(text, "the start command")}
    return out


def library_check(paths: tuple[str, ...]) -> tuple[str, ...]:
    """A RUN that fails the build when a compiled extension misses a shared library in the
    runtime (the builder had the -dev packages; a slim image may not have the library)."""
    if not paths:
        return ()
    where = " ".join(tokens.abs_path(p) for p in paths)
    return (
        f"if find {where} -name '*.so*' -type f -exec ldd {{}} + 2>/dev/null | grep 'not found'; "
        "then echo 'a compiled extension above misses a shared library in this image' >&2; "
        "exit 1; fi",
    )
