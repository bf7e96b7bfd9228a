"""Benchmark: does the time to rewrite one Dockerfile grow linearly with its size?

    python bench/scale.py [--runs 5] [--cli]

Generates Go Dockerfiles of about 10 KB, 100 KB and 1 MiB (a build plus many RUN, ENV, ARG,
LABEL and comment lines; 1 MiB is the largest file dfsplit reads, less 8 KB so that the
rewrite stays under it), rewrites each in process (`split`: parse, plan, render, self-check)
and diffs it, and prints the best time of N runs and the time per KB. Linear means a flat ms/KB
column. Then the
issue-16 worst cases: 20,000 LABEL/ENV/ARG/RUN lines, 100,000 `ENV A=1` lines, and, with
`--cli`, that file through `dfsplit rewrite --check` as a user runs it. A benchmark, not a
test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dfsplit.diff import unified_diff
from dfsplit.dockerfile import shell, words
from dfsplit.model import MAX_DOCKERFILE_BYTES, Options, Project, Status
from dfsplit.plan import pipeline

HEAD = "FROM golang:1.21\nWORKDIR /app\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\n"
TAIL = 'RUN CGO_ENABLED=0 go build -o /main .\nEXPOSE 8080\nCMD ["/main"]\n'
CONTEXT = {
    "go.mod": b"module example.com/app\n\ngo 1.21\n",
    "main.go": b"package main\n\nfunc main() {}\n",
    "main_test.go": b"package main\n",
}
# The 1 MiB file leaves 8 KB for what the runtime stage adds: the rewrite must fit the limit.
SIZES = {
    "10 KB": 10_000,
    "100 KB": 100_000,
    "300 KB": 300_000,
    "1 MiB": MAX_DOCKERFILE_BYTES - 8192,
}


def block(n: int) -> str:
    """About 150 bytes of the lines real Dockerfiles have, numbered so none repeats. The
    directories go under /tmp, a build's scratch place: one the app used (/opt/s<n>) would be
    copied into the runtime (plan/appdirs.py), and the 1 MiB file's rewrite would not fit."""
    label = f'LABEL step{n}="{n}"\n' if n % 40 == 0 else ""  # labels move to the runtime
    return (
        f"# step {n}: fetch and prepare\n"
        f"RUN echo step {n} && mkdir -p /tmp/s{n} \\\n    && true\n"
        f"ENV STEP={n}\nARG A{n % 50}={n}\n{label}"
    )


def generated(size: int) -> bytes:
    """A Dockerfile of at most `size` bytes (at least 95 % of it)."""
    parts, total, n = [HEAD], len(HEAD) + len(TAIL), 0
    while total + len(block(n)) <= size:
        parts.append(block(n))
        total += len(block(n))
        n += 1
    return ("".join(parts) + TAIL).encode()


def project(dockerfile: bytes) -> Project:
    return Project("Dockerfile", dockerfile, frozenset(CONTEXT) | {"Dockerfile"}, CONTEXT)


def best_seconds(work: Callable[[], object], runs: int) -> float:
    """CPU seconds of the fastest of `runs` cold runs: CPU time, since a shared machine's other
    load stretches wall time, and the fastest, since that load only ever adds. The caches a
    file fills are emptied before each run, as a fleet run meets every file once."""
    times = []
    for _ in range(runs):
        for cached in (words.env_pairs, words.arg_pairs, words._copy_words, shell._split_cached):
            cached.cache_clear()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def scaling(runs: int) -> None:
    print(f"{'file':>8} {'bytes':>9} {'lines':>7} {'split s':>8} {'ms/KB':>6} {'diff s':>7}")  # CPU
    for name, size in SIZES.items():
        data = generated(size)
        outcome = pipeline.split(project(data), Options())
        if outcome.status is not Status.CHANGED:
            sys.exit(f"{name}: {outcome.status.value}: {outcome.reason}")
        split_s = best_seconds(lambda d=data: pipeline.split(project(d), Options()), runs)
        diff_s = best_seconds(lambda o=outcome: unified_diff(o.old, o.new, "Dockerfile"), runs)
        per_kb = split_s * 1000 / (len(data) / 1024)
        lines = data.count(b"\n")
        print(f"{name:>8} {len(data):>9} {lines:>7} {split_s:>8.3f} {per_kb:>6.3f} {diff_s:>7.3f}")


WORST = {
    "20k LABEL": "LABEL a=b\n",
    "20k ENV": "ENV A=1\n",
    "20k ARG": "ARG A=1\n",
    "20k RUN": "RUN true\n",
}


def worst_cases(runs: int, cli: bool) -> None:
    print(f"\n{'issue-16 case':>22} {'bytes':>9} {'status':>9} {'split s':>8}")
    cases = {name: (HEAD + line * 20_000 + TAIL).encode() for name, line in WORST.items()}
    cases["10k ENV A<n> + RUN"] = (
        HEAD + "".join(f"ENV A{n}=1\nRUN true\n" for n in range(10_000)) + TAIL
    ).encode()
    cases["100k ENV A=1"] = (HEAD + "ENV A=1\n" * 100_000 + TAIL).encode()
    for name, data in cases.items():
        status = pipeline.split(project(data), Options()).status.value
        seconds = best_seconds(lambda d=data: pipeline.split(project(d), Options()), runs)
        print(f"{name:>22} {len(data):>9} {status:>9} {seconds:>8.3f}")
    if cli:
        check_cli(cases["100k ENV A=1"])


def check_cli(data: bytes) -> None:
    """`dfsplit rewrite --check` on the 100k ENV file, as a user runs it (exit 1: would change)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "Dockerfile").write_bytes(data)
        for name, content in CONTEXT.items():
            (root / name).write_bytes(content)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "dfsplit", "rewrite", "--check", str(root)],
            capture_output=True,
        )
        seconds = time.perf_counter() - start
    print(
        f"{'100k ENV, CLI --check':>22} {len(data):>9} {'exit ' + str(done.returncode):>9} "
        f"{seconds:>8.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per file (the best counts)")
    parser.add_argument("--cli", action="store_true", help="also time the CLI on 100k ENV lines")
    args = parser.parse_args()
    scaling(args.runs)
    worst_cases(args.runs, args.cli)


if __name__ == "__main__":
    main()
