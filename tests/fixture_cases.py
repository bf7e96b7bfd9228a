"""The sample projects under fixtures/ and how the tests read them."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dfsplit import files
from dfsplit.model import Options, Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass(frozen=True)
class Case:
    name: str
    dir: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def options(self) -> Options:
        return Options(**self.meta.get("options", {}))

    @property
    def dockerfile(self) -> Path:
        return files.find_dockerfile(self.dir)

    def project(self, dockerfile: bytes | None = None) -> Project:
        project, _ = files.load_project(self.dockerfile, shown=f"fixtures/{self.name}/Dockerfile")
        if dockerfile is None:
            return project
        return Project(
            project.path,
            dockerfile,
            project.context_files,
            project.contents,
            project.dockerfile_name,
        )

    def expected(self, suffix: str) -> Path:
        return self.dir / f"expected.{suffix}"


def cases() -> list[Case]:
    out = []
    for path in sorted(FIXTURES.iterdir()):
        if path.name == "pairs":
            continue  # builder-pattern repos, several Dockerfiles each: see tests/pair_cases.py
        meta_file = path / "fixture.json"
        meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
        out.append(Case(path.name, path, meta))
    return out


def case_ids(items: list[Case]) -> list[str]:
    return [c.name for c in items]


def copy_case(tmp_path: Path, case: str = "go-article") -> Path:
    """A fixture's project copied under tmp_path, without its expected.* files."""
    target = tmp_path / case
    shutil.copytree(FIXTURES / case, target)
    for name in ("expected.Dockerfile", "expected.refusal", "expected.unchanged"):
        (target / name).unlink(missing_ok=True)
    return target
