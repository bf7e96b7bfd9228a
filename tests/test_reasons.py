"""Refusal reasons are sentences a user can act on: what dfsplit saw, what it would need and,
where it can, what to do. None lists files that have nothing to do with the project (the old
"looked for .mvn/wrapper/maven-wrapper.properties, go.work, vendor/modules.txt"), and the
fleet summary shows every reason whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixture_cases import FIXTURES, cases

from dfsplit import files
from dfsplit.model import Options, Outcome, Project, Status
from dfsplit.plan import pipeline
from dfsplit.recipes import REGISTRY
from dfsplit.report.fleet import summary_table

REALWORLD = Path(__file__).parent / "realworld"
# A file name or relative path with an extension ("go.mod", "vendor/modules.txt"), not an image
# reference ("mcr.microsoft.com/devcontainers/go:1") and not a version ("Go 1.16").
_FILE = re.compile(r"(?<![\w./$-])\.?[\w-]+(?:/[\w.-]+)*\.[a-z]{1,12}\b(?![\w/:.-])")
# Files a reason may name although the project lacks them: what dfsplit recognises a project
# by, and the files a reason tells the user to add or edit.
NEEDED = {r.manifest for r in REGISTRY if r.manifest} | {".dfsplit.toml", "settings.gradle"}


def _refusals() -> list[tuple[str, Project, Outcome]]:
    out = []
    for case in cases():
        if case.expected("refusal").exists():
            project = case.project()
            out.append((case.name, project, pipeline.split(project, case.options)))
    for dockerfile in sorted(REALWORLD.glob("*/Dockerfile")):
        project, _ = files.load_project(dockerfile, shown=f"{dockerfile.parent.name}/Dockerfile")
        outcome = pipeline.split(project, Options())
        if outcome.status is Status.REFUSED:
            out.append((dockerfile.parent.name, project, outcome))
    mixed = FIXTURES / "go-mixed-repo"
    for rel in (".devcontainer/Dockerfile", "examples/Dockerfile"):  # named, so taken
        project, _ = files.load_project(mixed / rel, shown=f"go-mixed-repo/{rel}")
        out.append((f"go-mixed-repo/{rel}", project, pipeline.split(project, Options())))
    return out


REFUSALS = _refusals()


def test_the_refusals_cover_several_recipes() -> None:
    assert all(o.status is Status.REFUSED for _, _, o in REFUSALS)
    recipes = {o.findings.recipe if o.findings else None for _, _, o in REFUSALS}
    assert {None, "go", "maven", "gradle", "node_static"} <= recipes, recipes
    assert len(REFUSALS) >= 12


def _incidental(project: Project, reason: str) -> list[str]:
    known = set(project.context_files) | {p.rsplit("/", 1)[-1] for p in project.context_files}
    dockerfile = project.dockerfile.decode("utf-8", "replace")
    return [
        name
        for name in _FILE.findall(reason)
        if name not in known and name not in NEEDED and name not in dockerfile
    ]


@pytest.mark.parametrize(("name", "project", "outcome"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_reason_names_no_incidental_file(name: str, project: Project, outcome: Outcome) -> None:
    reason = outcome.reason
    assert _incidental(project, reason) == [], reason
    assert "looked for" not in reason and "\n" not in reason
    assert not reason.endswith(".") and len(reason.split()) >= 8, reason  # a sentence, not a tag


def test_the_check_catches_the_old_reason() -> None:
    """The test above can fail: the reason dfsplit gave before names three incidental files."""
    _, project, _ = next(r for r in REFUSALS if r[0] == "go-mixed-repo/.devcontainer/Dockerfile")
    old = (
        "no recipe recognises this project (looked for .mvn/wrapper/maven-wrapper.properties, "
        "go.work, vendor/modules.txt)"
    )
    assert _incidental(project, old) == [
        ".mvn/wrapper/maven-wrapper.properties",
        "go.work",
        "vendor/modules.txt",
    ]


def test_no_recipe_says_what_dfsplit_saw_and_needs() -> None:
    [(_, _, outcome)] = [r for r in REFUSALS if r[0] == "go-mixed-repo/.devcontainer/Dockerfile"]
    assert outcome.reason.startswith(
        "no go.mod, pom.xml, build.gradle, requirements.txt, package.json or Cargo.toml in the "
        "build context, and the Dockerfile builds FROM "
        "mcr.microsoft.com/devcontainers/go:1-1.21-bookworm: dfsplit splits Go, Java, Python, "
        "Node and Rust projects"
    )


def test_the_summary_shows_every_reason_whole() -> None:
    outcomes = [o for _, _, o in REFUSALS]
    table = summary_table(outcomes, applied=False).splitlines()
    for outcome in outcomes:
        assert any(line.endswith(f"  refused: {outcome.reason}") for line in table)
