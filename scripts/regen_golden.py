"""Rewrite every fixture's expected output from what dfsplit produces now.

Review the result with `git diff fixtures/` before committing: the golden files are the spec.
Name cases to regenerate only those (`go-article`, `pairs/go-docker-cp`).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fixture_cases import cases
from pair_cases import pair_cases

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
    for pair in pair_cases():
        if wanted and f"pairs/{pair.name}" not in wanted:
            continue
        for suffix in ("patch", "prune.patch", "refusal"):
            pair.expected(suffix).unlink(missing_ok=True)
        result = pair.run()
        outcome = result.outcome
        if outcome.status is Status.CHANGED:
            pair.expected("patch").write_text(pair.patch(result))
            pair.expected("prune.patch").write_text(pair.patch(pair.run(prune=True)))
        else:
            pair.expected("refusal").write_text(outcome.reason + "\n")
        print(f"pairs/{pair.name}: {outcome.status.value} {outcome.reason}")


if __name__ == "__main__":
    main()
