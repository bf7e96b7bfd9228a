"""The recipe registry: its order, and the file gate that keeps unused recipe modules unloaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dfsplit import files
from dfsplit.dockerfile.globs import globs_regex
from dfsplit.model import Project
from dfsplit.recipes import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIRS = sorted(
    [p for p in (ROOT / "fixtures").iterdir() if (p / "Dockerfile").is_file()]
    + [p for p in (ROOT / "tests" / "realworld").iterdir() if (p / "Dockerfile").is_file()]
)


def _project(directory: Path) -> Project:
    project, _ = files.load_project(directory / "Dockerfile", shown="Dockerfile")
    return project


def test_order_and_names() -> None:
    # node_static must come before node_server: a static front end also has a package.json.
    # python before node: a Django app may have a package.json for its assets (see test_python).
    assert [r.name for r in REGISTRY] == [
        "go",
        "maven",
        "gradle",
        "python",
        "node_static",
        "node_server",
        "rust",
    ]
    for recipe in REGISTRY:
        module = recipe.load()
        assert callable(module.detect) and callable(module.plan), recipe.name


def test_gate_with_every_wanted_file_removed() -> None:
    """Stripped of a recipe's files, a project is never claimed by it, whatever its Dockerfile."""
    for directory in PROJECT_DIRS:
        project = _project(directory)
        for recipe in REGISTRY:
            wanted = globs_regex(recipe.wants)
            stripped = Project(
                project.path,
                project.dockerfile,
                frozenset(p for p in project.context_files if not wanted.match(p)),
                {k: v for k, v in project.contents.items() if not wanted.match(k)},
                project.dockerfile_name,
            )
            assert recipe.load().detect(stripped) is None, (directory.name, recipe.name)
            assert recipe.detect(stripped) is None  # the gate itself declines too


def test_a_go_project_loads_no_other_recipe() -> None:
    code = (
        "import sys\n"
        "from dfsplit import files\n"
        "from dfsplit.plan import pipeline\n"
        "from dfsplit.model import Options\n"
        f"project, _ = files.load_project(__import__('pathlib').Path({str(ROOT)!r}) / "
        "'fixtures/go-article/Dockerfile')\n"
        "assert pipeline.split(project, Options()).status.value == 'changed'\n"
        "print(sorted(m for m in sys.modules if m.startswith(('dfsplit.recipes.java.', "
        "'dfsplit.recipes.node.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"  # the packages' __init__ only: no recipe logic
