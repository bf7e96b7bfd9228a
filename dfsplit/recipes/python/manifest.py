"""Python manifests, read, never run: requirements files, pyproject.toml (PEP 621, Poetry, uv,
PDM, flit, hatch), Pipfile, setup.cfg, setup.py (only what a regex can see) and manage.py.
"""

from __future__ import annotations

import configparser
import posixpath
import re
import sys
from typing import Any, NamedTuple

from dfsplit.model import Project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MANIFESTS = (
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "setup.cfg",
    "pdm.lock",
)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")
_DEV_FILE = re.compile(r"(^|[/_.-])(dev|test|tests|testing|ci|lint)([/_.-]|$)", re.I)
_DEV_GROUPS = ("dev", "test", "tests", "testing")


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Requirement(NamedTuple):
    name: str  # normalised
    extras: frozenset[str] = frozenset()


def parse_requirement(spec: str) -> Requirement | None:
    """`psycopg[binary]>=3 ; python_version>'3.8'` -> Requirement("psycopg", {"binary"})."""
    spec = spec.strip()
    if not spec or spec.startswith(("-", "#", "git+", "http:", "https:", ".", "/")):
        return None
    m = _NAME.match(spec)
    if not m:
        return None
    extras = frozenset(normalize(e) for e in (m.group(2) or "[]")[1:-1].split(",") if e.strip())
    return Requirement(normalize(m.group(1)), extras)


class Requirements(NamedTuple):
    """One requirements file and those it includes with -r / -c."""

    requirements: tuple[Requirement, ...]
    includes: tuple[str, ...]  # context paths
    editable_local: bool  # `-e .` or `-e ./path`


def read_requirements(
    project: Project, rel: str, seen: frozenset[str] = frozenset()
) -> Requirements:
    """Requirements of `rel`, following `-r other.txt` includes (relative to the file)."""
    text = project.text(rel) or ""
    reqs: list[Requirement] = []
    includes: list[str] = []
    editable = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        m = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", line)
        if m:
            inc = posixpath.normpath(posixpath.join(posixpath.dirname(rel), m.group(2)))
            if m.group(1) in ("-r", "--requirement") and inc not in seen | {rel}:
                includes.append(inc)
                sub = read_requirements(project, inc, seen | {rel})
                reqs += sub.requirements
                editable = editable or sub.editable_local
            continue
        if re.match(r"^(-e|--editable)\s+\.", line):
            editable = True
            continue
        req = parse_requirement(line)
        if req is not None:
            reqs.append(req)
    return Requirements(tuple(reqs), tuple(includes), editable)


def is_dev_file(rel: str) -> bool:
    """requirements-dev.txt, requirements/test.txt, dev-requirements.txt, ..."""
    return bool(_DEV_FILE.search(posixpath.basename(rel).rsplit(".", 1)[0]))


def requirement_files(project: Project, base: str = "") -> list[str]:
    """requirements*.txt at `base` and *.txt under `base`/requirements/, sorted."""
    prefix = f"{base}/" if base else ""
    out = []
    for rel in sorted(project.context_files):
        if not rel.startswith(prefix):
            continue
        tail = rel[len(prefix) :]
        name = posixpath.basename(tail)
        in_dir = tail.startswith("requirements/") and tail.endswith(".txt") and tail.count("/") == 1
        at_top = "/" not in tail and re.fullmatch(
            r"(.*[-_])?requirements([-_.].*)?\.(txt|in)", name
        )
        if (in_dir or at_top) and not tail.endswith(".in"):
            out.append(rel)
    return out


class Pyproject(NamedTuple):
    name: str | None
    backend: str | None  # build-system.build-backend
    requires_python: str | None
    dependencies: tuple[Requirement, ...]
    dev_dependencies: tuple[Requirement, ...]  # optional/dev groups, Poetry's dev group, uv's
    scripts: tuple[str, ...]  # console scripts the project itself defines
    tool: tuple[str, ...]  # the [tool.X] tables present: "poetry", "uv", "pdm", ...


def read_pyproject(project: Project, rel: str) -> Pyproject | None:
    data = _toml(project, rel)
    if data is None:
        return None
    proj = _table(data, "project")
    tool = _table(data, "tool")
    poetry = _table(tool, "poetry")
    deps = [*_specs(proj.get("dependencies")), *_poetry_deps(poetry.get("dependencies"))]
    dev: list[Requirement] = []
    for group, specs in _table(proj, "optional-dependencies").items():
        if normalize(group) in _DEV_GROUPS:
            dev += _specs(specs)
    for group, specs in _table(data, "dependency-groups").items():
        if normalize(group) in _DEV_GROUPS:
            dev += _specs(specs)
    dev += _specs(_table(tool, "uv").get("dev-dependencies"))
    dev += _poetry_deps(poetry.get("dev-dependencies"))
    for table in _table(poetry, "group").values():
        if isinstance(table, dict):
            dev += _poetry_deps(table.get("dependencies"))
    scripts = [*_table(proj, "scripts"), *_table(poetry, "scripts")]
    requires = proj.get("requires-python") or _poetry_python(poetry)
    return Pyproject(
        name=proj.get("name") or poetry.get("name"),
        backend=_table(data, "build-system").get("build-backend"),
        requires_python=requires if isinstance(requires, str) else None,
        dependencies=tuple(deps),
        dev_dependencies=tuple(dev),
        scripts=tuple(str(s) for s in scripts),
        tool=tuple(sorted(tool)),
    )


class Pipfile(NamedTuple):
    packages: tuple[Requirement, ...]
    dev_packages: tuple[Requirement, ...]
    python_version: str | None


def read_pipfile(project: Project, rel: str) -> Pipfile | None:
    data = _toml(project, rel)
    if data is None:
        return None
    version = _table(data, "requires").get("python_version")
    return Pipfile(
        tuple(Requirement(normalize(n)) for n in _table(data, "packages")),
        tuple(Requirement(normalize(n)) for n in _table(data, "dev-packages")),
        version if isinstance(version, str) else None,
    )


def read_setup(project: Project, base: str) -> tuple[Requirement, ...]:
    """install_requires of setup.cfg, or the literal strings of setup.py's install_requires."""
    prefix = f"{base}/" if base else ""
    cfg = project.text(prefix + "setup.cfg")
    out: list[Requirement] = []
    if cfg:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(cfg)
            lines = parser.get("options", "install_requires", fallback="")
        except configparser.Error:
            lines = ""
        out += [r for r in map(parse_requirement, lines.splitlines()) if r]
    py = project.text(prefix + "setup.py") or ""
    m = re.search(r"install_requires\s*=\s*\[([^\]]*)\]", py)
    if m:
        out += [
            r for r in map(parse_requirement, re.findall(r"['\"]([^'\"]+)['\"]", m.group(1))) if r
        ]
    return tuple(out)


def _toml(project: Project, rel: str) -> dict[str, Any] | None:
    text = project.text(rel)
    if text is None:
        return None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # nested past the parser's recursion
        return None
    return data


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _specs(value: Any) -> list[Requirement]:
    if not isinstance(value, list):
        return []
    return [r for r in (parse_requirement(v) for v in value if isinstance(v, str)) if r]


def _poetry_deps(value: Any) -> list[Requirement]:
    if not isinstance(value, dict):
        return []
    return [Requirement(normalize(k)) for k in value if normalize(k) != "python"]


def _poetry_python(poetry: dict[str, Any]) -> str | None:
    spec = _table(poetry, "dependencies").get("python")
    return spec if isinstance(spec, str) else None
