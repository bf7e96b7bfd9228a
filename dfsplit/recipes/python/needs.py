"""The OS packages the runtime installs: the run-time library of each -dev package the build
compiled against (and of the Python packages known to link one), the packages the app runs,
none of the compilers; and the check that every compiled extension finds its libraries.
"""

from __future__ import annotations

from typing import NamedTuple

from dfsplit.dockerfile import tokens
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
    """The shared rule (plan/packages.py) for what the app runs and what the original had,
    plus the run-time library of each -dev package and of each PyPI package that links one."""
    manager = "apk" if kind.family == "alpine" else "apt-get"
    kept = packages.runtime_packages(app.model, _called(app), manager)
    app.notes.extend(kept.notes)
    app.warnings.extend(kept.warnings)
    libs: dict[str, str] = {}  # package -> why
    specs: list[str] = []
    for pkg in packages.installed(app.model):  # in install order, each library at its -dev
        if pkg.spec in kept.specs:
            specs.append(pkg.spec)
        elif pkg.name in kept.dropped:
            specs += _dev_library(app, pkg.name, kind, py, libs)
    specs += kept.specs  # what the shared rule added (curl for a HEALTHCHECK)
    for name in _linking_requirements(app):
        lib = libraries.library_package(LINKS[name], kind)
        if lib is not None and lib not in libs:
            libs[lib] = f"{name} links lib{LINKS[name]}"
            specs.append(lib)
    if libs:
        app.notes.append(
            "runtime OS packages: " + "; ".join(f"{p} ({why})" for p, why in libs.items())
        )
    found = packages.RuntimePackages(kept.manager, tuple(dict.fromkeys(specs)), kept.setup)
    return OsPackages(found.commands(), kept.dropped)


def _dev_library(
    app: App, name: str, kind: images.ImageKind, py: py_images.Python, libs: dict[str, str]
) -> list[str]:
    """The run-time library of a -dev package the runtime leaves behind, unless the python
    image has it already."""
    if (
        not name.endswith(("-dev", "-devel"))
        or name in py_images.PROVIDED_LIBRARIES
        or name in packages.BUILD_ONLY  # the C library's headers: libc itself is everywhere
    ):
        return []
    runtime = libraries.runtime_package(name, kind)
    if runtime is None:
        app.warnings.append(
            f"the builder installs {name}, whose run-time library dfsplit does not know for "
            f"{kind.family} {kind.release or ''}: the runtime's library check fails the build "
            "if a compiled extension needs it; add it to the runtime stage then"
        )
        return []
    libs.setdefault(runtime, f"the run-time library of {name}")
    if kind.family == "debian" and py.release is None:
        other = {"trixie": "bookworm", "bookworm": "trixie"}.get(kind.release or "")
        if other and libraries.runtime_package(name, kind._replace(release=other)) != runtime:
            app.warnings.append(
                f"{runtime} is the {kind.release} name of {name}'s library; the tag "
                f"{app.builder_image} names no Debian release: pin one (e.g. -slim-{kind.release})"
            )
    return [runtime]


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
    out = packages.healthcheck_programs(app.kept.healthcheck)[0]
    for ins in (app.kept.entrypoint, app.kept.cmd):
        if ins is not None:
            out |= packages.command_programs(ins.args, "the start command")[0]
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
