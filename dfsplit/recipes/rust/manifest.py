"""One Cargo.toml: the package's name, its binaries (declared and discovered), library,
features, dependencies, and the `[workspace]` table (https://doc.rust-lang.org/cargo/
reference/cargo-targets.html, manifest.html, workspaces.html)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any, NamedTuple

from dfsplit.model import EMPTY, Project, Refuse
from dfsplit.recipes.rust import tomlfile


class Target(NamedTuple):
    """A binary (or example, test, bench) target: its name and its source file."""

    name: str
    path: str  # relative to the package directory
    required_features: tuple[str, ...] = ()


class Workspace(NamedTuple):
    members: tuple[str, ...]  # globs relative to the workspace root
    exclude: tuple[str, ...]
    default_members: tuple[str, ...]


class Manifest(NamedTuple):
    rel: str  # context path of the Cargo.toml
    name: str | None  # None: a virtual workspace manifest
    bins: tuple[Target, ...] = ()
    lib: str | None = None  # the library's source file, when there is one
    others: tuple[Target, ...] = ()  # declared examples, tests and benches
    default_run: str | None = None
    features: Mapping[str, tuple[str, ...]] = EMPTY
    dependencies: tuple[str, ...] = ()  # every dependency table's keys, dev ones excluded
    path_dependencies: tuple[str, ...] = ()  # their `path = ...` values
    build_script: str | None = None
    workspace: Workspace | None = None

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.rel) or "."

    def bin_named(self, name: str) -> Target | None:
        return next((b for b in self.bins if b.name == name), None)

    def enabled(self, features: tuple[str, ...], defaults: bool, everything: bool) -> set[str]:
        """The package's own features a build turns on (`--features`, the defaults)."""
        if everything:
            return set(self.features)
        todo = [*features, *(("default",) if defaults else ())]
        out: set[str] = set()
        while todo:
            name = todo.pop()
            if name in out or name not in self.features:
                continue  # "dep:x" and "x/feature" name dependencies, not our features
            out.add(name)
            todo += self.features[name]
        return out


def read(project: Project, rel: str) -> Manifest | None:
    """The manifest at context path rel, or None when the context has none there."""
    doc = tomlfile.load(project, rel)
    if doc is None:
        return None
    directory = posixpath.dirname(rel)
    package = tomlfile.table(doc, "package") or tomlfile.table(doc, "project")
    name = package.get("name")
    if package and not isinstance(name, str):
        raise Refuse(f"{rel} has a [package] without a name: cargo would reject it")
    workspace = _workspace(doc)
    if not package:
        if workspace is None:
            raise Refuse(f"{rel} has neither [package] nor [workspace]: cargo would reject it")
        return Manifest(rel, None, workspace=workspace)
    assert isinstance(name, str)
    deps, paths = _dependencies(doc)
    features = {
        k: tomlfile.strings(v) for k, v in tomlfile.table(doc, "features").items() if k != ""
    }
    default_run = package.get("default-run")
    return Manifest(
        rel,
        name,
        bins=_bins(project, directory, name, doc, package),
        lib=_lib(project, directory, doc),
        others=_declared(doc, ("example", "test", "bench")),
        default_run=default_run if isinstance(default_run, str) else None,
        features=features,
        dependencies=deps,
        path_dependencies=paths,
        build_script=_build_script(project, directory, package),
        workspace=workspace,
    )


def _workspace(doc: dict[str, Any]) -> Workspace | None:
    if "workspace" not in doc:
        return None
    ws = tomlfile.table(doc, "workspace")
    return Workspace(
        tomlfile.strings(ws.get("members")),
        tomlfile.strings(ws.get("exclude")),
        tomlfile.strings(ws.get("default-members")),
    )


def _exists(project: Project, directory: str, path: str) -> bool:
    return project.has(posixpath.normpath(posixpath.join(directory, path)))


def _bins(
    project: Project, directory: str, package: str, doc: dict[str, Any], table: dict[str, Any]
) -> tuple[Target, ...]:
    """Declared `[[bin]]` targets, then the discovered ones cargo adds unless autobins = false:
    src/main.rs (the package's name), src/bin/<name>.rs and src/bin/<name>/main.rs."""
    declared: list[Target] = []
    for entry in tomlfile.tables(doc, "bin"):
        name = entry.get("name")
        if not isinstance(name, str):
            raise Refuse(f"a [[bin]] in {directory or '.'}/Cargo.toml has no name")
        path = entry.get("path")
        if not isinstance(path, str):
            path = _bin_path(project, directory, name, package)
        declared.append(Target(name, path, tomlfile.strings(entry.get("required-features"))))
    if table.get("autobins") is False:
        return tuple(declared)
    names = {t.name for t in declared}
    paths = {posixpath.normpath(t.path) for t in declared}
    found = [t for t in _discovered(project, directory, package) if t.name not in names]
    return (*declared, *(t for t in found if t.path not in paths))


def _bin_path(project: Project, directory: str, name: str, package: str) -> str:
    for path in (f"src/bin/{name}.rs", f"src/bin/{name}/main.rs"):
        if _exists(project, directory, path):
            return path
    return "src/main.rs" if name == package else f"src/bin/{name}.rs"


def _discovered(project: Project, directory: str, package: str) -> list[Target]:
    out = []
    if _exists(project, directory, "src/main.rs"):
        out.append(Target(package, "src/main.rs"))
    prefix = posixpath.join(directory, "src/bin/") if directory else "src/bin/"
    for rel in sorted(project.context_files):
        if not rel.startswith(prefix) or not rel.endswith(".rs"):
            continue
        parts = rel[len(prefix) :].split("/")
        if len(parts) == 1:
            out.append(Target(parts[0][: -len(".rs")], posixpath.join("src/bin", parts[0])))
        elif len(parts) == 2 and parts[1] == "main.rs":
            out.append(Target(parts[0], f"src/bin/{parts[0]}/main.rs"))
    return out


def _lib(project: Project, directory: str, doc: dict[str, Any]) -> str | None:
    lib = doc.get("lib")
    if isinstance(lib, dict):
        path = lib.get("path")
        return path if isinstance(path, str) else "src/lib.rs"
    return "src/lib.rs" if _exists(project, directory, "src/lib.rs") else None


def _declared(doc: dict[str, Any], kinds: tuple[str, ...]) -> tuple[Target, ...]:
    out = []
    for kind in kinds:
        for entry in tomlfile.tables(doc, kind):
            name = entry.get("name")
            path = entry.get("path")
            if isinstance(name, str):
                default = f"{kind}s/{name}.rs" if kind != "bench" else f"benches/{name}.rs"
                out.append(Target(name, path if isinstance(path, str) else default))
    return tuple(out)


def _dependencies(doc: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names and path values of [dependencies] and [build-dependencies], target ones too."""
    tables = [doc]
    tables += [t for t in tomlfile.table(doc, "target").values() if isinstance(t, dict)]
    names: list[str] = []
    paths: list[str] = []
    for owner in tables:
        for key in ("dependencies", "build-dependencies"):
            for dep, spec in tomlfile.table(owner, key).items():
                names.append(dep)
                if isinstance(spec, dict) and isinstance(spec.get("path"), str):
                    paths.append(spec["path"])
    return tuple(dict.fromkeys(names)), tuple(dict.fromkeys(paths))


def _build_script(project: Project, directory: str, package: dict[str, Any]) -> str | None:
    build = package.get("build")
    if build is False:
        return None
    if isinstance(build, str):
        return build
    return "build.rs" if _exists(project, directory, "build.rs") else None
