"""The builder-pattern repos under fixtures/pairs/ and how the tests run them.

Each case is a small repository: a build Dockerfile, a runtime Dockerfile, usually the script
or Makefile between them, and the app. fixture.json names the runtime file ("runtime"); the
expectation is `expected.patch` (every file the rewrite touches, as `git apply` takes it, paths
relative to the case) or `expected.refusal`; `expected.prune.patch` is the same with --prune.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixture_cases import FIXTURES

from dfsplit.fleet import runner
from dfsplit.fleet.discover import is_dockerfile_name
from dfsplit.model import Options

PAIRS = FIXTURES / "pairs"


@dataclass(frozen=True)
class PairCase:
    name: str
    dir: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def runtime(self) -> str:
        return str(self.meta["runtime"])

    def options(self, *, prune: bool = False) -> Options:
        return Options(**self.meta.get("options", {}), prune=prune)

    def run(
        self, where: Path | None = None, *, prune: bool = False, name: str = ""
    ) -> runner.Result:
        """The job `dfsplit rewrite` runs for one Dockerfile of the case (default: the runtime
        file), in `where` (a copy) or in the fixture itself."""
        base = where or self.dir
        job = runner.single_job(base / (name or self.runtime), self.options(prune=prune))
        return runner.run_job(job)

    def patch(self, result: runner.Result, where: Path | None = None) -> str:
        return runner.diff_text(result, where or self.dir)

    def dockerfiles(self, where: Path | None = None) -> list[str]:
        base = where or self.dir
        return sorted(
            p.relative_to(base).as_posix()
            for p in base.rglob("*")
            if p.is_file() and is_dockerfile_name(p.name) and not p.name.startswith("expected.")
        )

    def expected(self, suffix: str) -> Path:
        return self.dir / f"expected.{suffix}"


def pair_cases() -> list[PairCase]:
    out = []
    for path in sorted(PAIRS.iterdir()):
        meta = json.loads((path / "fixture.json").read_text())
        out.append(PairCase(path.name, path, meta))
    return out
