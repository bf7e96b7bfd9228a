"""Image sizes, naive vs rewritten, for the buildable fixtures (or those named).

    python bench/image_sizes.py                      # every fixture with "build": true
    python bench/image_sizes.py go-article node-express --format plain

Goes through the same code path as `dfsplit verify` (builds, tests, runs and compares both
images), so a row's verdict says whether the smaller image also works. Needs a Docker engine;
the stand-in base images make the absolute sizes differ from the real ones (see the engine
README), the ratio is what to look at. A script, not a test: it writes nothing to disk.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dfsplit.model import Options
from dfsplit.report.verify import (
    StderrProgress,
    exit_code,
    human_size,
    progress_on_stderr,
    ratio_text,
)
from dfsplit.verify import engine, prove

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = ("fixture", "naive", "rewritten", "ratio", "verdict")


def buildable(names: list[str]) -> list[Path]:
    """Fixture directories that build and that dfsplit rewrites; all of them by default."""
    dirs = [FIXTURES / n for n in names] if names else sorted(FIXTURES.iterdir())
    return [d for d in dirs if meta(d).get("build") and (d / "expected.Dockerfile").exists()]


def meta(fixture: Path) -> dict[str, object]:
    """The fixture's fixture.json (empty without one)."""
    path = fixture / "fixture.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    return data if isinstance(data, dict) else {}


def measure(fixture: Path, progress: StderrProgress) -> prove.FileResult:
    data = meta(fixture)
    options = data.get("options") or {}
    assert isinstance(options, dict)
    config = prove.VerifyOptions(options=Options(**options), run=prove.spec_from_fixture(data))
    progress.path = f"fixtures/{fixture.name}"
    return prove.verify_file(fixture / "Dockerfile", config, progress, shown=progress.path)


def row(name: str, result: prove.FileResult) -> tuple[str, ...]:
    o, r = result.original, result.rewrite
    verdict = result.verdict if not result.problems else f"{result.verdict}: {result.problems[0]}"
    return (
        name,
        human_size(o.size if o else None),
        human_size(r.size if r else None),
        ratio_text(result),
        verdict,
    )


def format_row(cells: tuple[str, ...], fmt: str) -> str:
    if fmt == "markdown":
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    widths = (24, 10, 10, 18)
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixtures", nargs="*", help="fixture names (default: all buildable)")
    parser.add_argument("--format", choices=("markdown", "plain"), default="markdown")
    args = parser.parse_args(argv)
    try:
        engine.check_engine()
    except engine.EngineUnavailable as exc:
        print(f"error: no Docker engine answers ({exc}); set DOCKER_HOST", file=sys.stderr)
        return 2
    print(format_row(HEADER, args.format), flush=True)
    if args.format == "markdown":
        print("|---|---:|---:|---:|---|", flush=True)
    results = []
    with progress_on_stderr() as progress:
        for fixture in buildable(args.fixtures):
            result = measure(fixture, progress)
            results.append(result)
            print(format_row(row(fixture.name, result), args.format), flush=True)
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
