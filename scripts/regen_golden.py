"""Rewrite every fixture's expected output from what dfsplit produces now.

Review the result with `git diff fixtures/` before committing: the golden files are the spec.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fixture_cases import cases

from dfsplit.model import Status
from dfsplit.plan import pipeline


def main() -> None:
    wanted = set(sys.argv[1:])
    for case in cases():
        if wanted and case.name not in wanted:
            continue
        outcome = pipeline.split(case.project(), case.options)
        for suffix in ("Dockerfile", "refusal", "unchanged"):
            case.expected(suffix).unlink(missing_ok=True)
        shutil.rmtree(case.dir / "expected.new", ignore_errors=True)
        if outcome.status is Status.CHANGED:
            case.expected("Dockerfile").write_bytes(outcome.new)
            for new in outcome.new_files:
                target = case.dir / "expected.new" / new.rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(new.text)
        elif outcome.status is Status.REFUSED:
            case.expected("refusal").write_text(outcome.reason + "\n")
        else:
            case.expected("unchanged").write_text(outcome.reason + "\n")
        print(f"{case.name}: {outcome.status.value} {outcome.reason}")


if __name__ == "__main__":
    main()
