"""The layout is the architecture: these tests keep the folder listing honest.

Every import counts, function-level ones included, since a deferred import still ties two
modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dfsplit"
# The only modules that write to the terminal, and the only ones that touch the disk or run
# processes (report/ formats; files, fleet/ and verify/ are the IO edges).
PRINTERS = ("dfsplit.cli", "dfsplit.__main__", "dfsplit.report.")
IO_EDGES = ("dfsplit.files", "dfsplit.fleet.", "dfsplit.verify.", "dfsplit.cli", "dfsplit.__main__")
IO_MODULES = {"subprocess", "shutil", "tempfile", "socket", "urllib", "multiprocessing"}
RECIPE_PACKAGES = ("go", "java", "node", "python", "rust")


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(), str(path))
    return out


MODULES = _modules()


def _imports(name: str, tree: ast.Module) -> set[str]:
    """dfsplit modules that `name` imports anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, tree) for name, tree in MODULES.items()}


def test_no_import_cycles() -> None:
    """No module reaches itself through imports, directly or around a longer circle."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def _top_level_names(tree: ast.Module) -> set[str]:
    return {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    } | {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }


def _calls(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_the_cli_and_the_reporting_layer_print(name: str) -> None:
    if name.startswith(PRINTERS):
        return
    assert not _writes_to_terminal(MODULES[name]), f"{name} writes to the terminal"


def _writes_to_terminal(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            return True
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = node.value.id
            if (owner, node.attr) in {("sys", "stdout"), ("sys", "stderr"), ("typer", "echo")}:
                return True
    return False


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_the_io_edges_touch_the_disk_or_run_processes(name: str) -> None:
    if name.startswith(IO_EDGES):
        return
    tree = MODULES[name]
    assert not _top_level_names(tree) & IO_MODULES, f"{name} imports an IO module"
    assert "open" not in _calls_by_name(tree), f"{name} opens a file"
    disk = {"write_text", "write_bytes", "read_text", "read_bytes", "mkdir", "unlink", "scandir"}
    assert not _calls(tree) & disk, f"{name} reads or writes the disk"


def _calls_by_name(tree: ast.Module) -> set[str]:
    return {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


@pytest.mark.parametrize("language", RECIPE_PACKAGES)
def test_a_recipe_package_imports_no_other_recipe(language: str) -> None:
    own = f"dfsplit.recipes.{language}"
    for name, imported in GRAPH.items():
        if name == own or name.startswith(own + "."):
            others = {
                m
                for m in imported
                if m.startswith("dfsplit.recipes.") and not (m == own or m.startswith(own + "."))
            }
            assert not others, f"{name} imports {sorted(others)}"
            callers = {m for m in imported if m in ("dfsplit.plan.pipeline", "dfsplit.plan.detect")}
            assert not callers, f"{name} imports the pipeline that calls it"


@pytest.mark.parametrize("language", RECIPE_PACKAGES)
def test_a_recipe_package_init_is_only_its_registry_entries(language: str) -> None:
    """Listing the registry loads no recipe logic."""
    imported = GRAPH[f"dfsplit.recipes.{language}"]
    assert imported == {"dfsplit.plan.recipe", "dfsplit.plan"} or imported == {
        "dfsplit.plan.recipe"
    }


def test_the_top_of_the_package_is_short() -> None:
    entries = [p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 14, sorted(entries)
    assert not {"golang.py", "java.py", "node.py"} & set(entries)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.count(".") >= 1))
def test_every_package_says_what_lives_there(name: str) -> None:
    doc = ast.get_docstring(MODULES[name])
    assert doc and "TODO" not in doc, f"{name} has no docstring"
