"""Go modules: go.mod, the module above a build directory, and the names of main packages."""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from dfsplit.dockerfile import paths
from dfsplit.model import Project
from dfsplit.plan.stage import StageModel


class Module(NamedTuple):
    path: str  # module path from go.mod ("" in GOPATH mode)
    root: str  # absolute directory in the builder
    context_dir: str  # the same directory relative to the build context
    requires: tuple[str, ...]
    go_version: str | None
    files: tuple[str, ...] = ()  # the .go files a build outside any module names


def parse_go_mod(text: str) -> tuple[str, tuple[str, ...], str | None]:
    """Module path, required module paths, and the `go` directive."""
    module = re.search(r"^\s*module\s+\"?([^\s\"]+)", text, re.MULTILINE)
    version = re.search(r"^\s*go\s+([0-9.]+)", text, re.MULTILINE)
    requires: list[str] = []
    for block in re.findall(r"^\s*require\s*\((.*?)\)", text, re.MULTILINE | re.DOTALL):
        requires += [
            ln.split()[0]
            for ln in block.splitlines()
            if ln.strip() and not ln.strip().startswith("//")
        ]
    requires += re.findall(r"^\s*require\s+([^\s(]+)\s", text, re.MULTILINE)
    return (
        module.group(1) if module else "",
        tuple(requires),
        version.group(1) if version else None,
    )


def find_module(model: StageModel, project: Project, cwd: str) -> Module | None:
    """The module whose go.mod is at or above cwd in the builder."""
    for directory in paths.parents(cwd):  # ends at "/", however cwd is spelled
        ctx = model.context_path(posixpath.join(directory, "go.mod"))
        if ctx is not None and project.text(ctx) is not None:
            path, requires, version = parse_go_mod(project.text(ctx) or "")
            return Module(path, directory, posixpath.dirname(ctx) or ".", requires, version)
    return None


class ModuleLookup:
    """Caches `find_module` per directory."""

    def __init__(self, model: StageModel, project: Project) -> None:
        self.model, self.project = model, project
        self.cache: dict[str, Module | None] = {}

    def __call__(self, cwd: str) -> Module | None:
        if cwd not in self.cache:
            self.cache[cwd] = find_module(self.model, self.project, cwd)
        return self.cache[cwd]

    def expand(self, pattern: str, cwd: str) -> list[str]:
        """`./...` -> the main packages below it, as `./dir` patterns; others unchanged."""
        if not pattern.endswith("..."):
            return [pattern]
        base = posixpath.normpath(posixpath.join(cwd, pattern[:-3].rstrip("/") or "."))
        ctx = self.model.context_path(base)
        if ctx is None:
            return []
        prefix = "" if ctx == "." else ctx + "/"
        mains = sorted(
            {
                posixpath.dirname(p)
                for p in self.project.context_files
                if p.startswith(prefix)
                and p.endswith(".go")
                and not p.endswith("_test.go")
                and "/vendor/" not in "/" + p
                and _is_main(self.project.text(p) or "")
            }
        )
        out = []
        for directory in mains:
            rel = posixpath.relpath(directory or ".", ctx)
            out.append(posixpath.normpath(posixpath.join(posixpath.relpath(base, cwd), rel)))
        return ["./" + p if p != "." else "." for p in out]


def _is_main(text: str) -> bool:
    return re.search(r"^package\s+main\b", text, re.MULTILINE) is not None


def binary_name(package: str, cwd: str, module: Module | None) -> str:
    """The name go gives a main package's binary (cmd/go's DefaultExecName)."""
    package = package.split("@", 1)[0]
    if package.endswith(".go"):
        return posixpath.basename(package)[: -len(".go")]
    if package.startswith(".") or package.startswith("/"):
        directory = posixpath.normpath(posixpath.join(cwd, package))
        if module is None or not module.path:
            import_path = directory
        else:
            rel = posixpath.relpath(directory, module.root)
            import_path = module.path if rel == "." else f"{module.path}/{rel}"
    else:
        import_path = package
    parts = import_path.rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v[2-9][0-9]*", parts[-1]):
        return parts[-2]
    return parts[-1]
