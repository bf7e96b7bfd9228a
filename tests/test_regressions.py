"""Every input that once hung, crashed or wrote a broken file (issue 16), replayed on every run.

Each case is the exact reproducer, what `split()` must now do with it (a refusal for what
dfsplit cannot rewrite safely; a failure, naming BuildKit's rule, for what Docker would not
build either), and the properties every
outcome satisfies (tests/properties.py). A hang fails the case after HANG_SECONDS instead of
stalling the suite; speed itself is measured in bench/scale.py, not here.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from typing import NamedTuple

import pytest
from fixture_cases import FIXTURES, Case
from properties import check_outcome, split

from dfsplit.model import Outcome, Project, Status

HANG_SECONDS = 20

GO = {
    "go.mod": b"module example.com/app\n\ngo 1.21\n",
    "main.go": b"package main\n",
    "main_test.go": b"package main\n",
}
NODE = {
    "package.json": b'{"name": "a", "scripts": {"build": "tsc", "start": "node dist/index.js"}}',
    "package-lock.json": b"{}",
}
GO_BUILD = "FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN go build -o /main .\n"
START = 'CMD ["/main"]\n'


class Regression(NamedTuple):
    dockerfile: bytes
    context: dict[str, bytes]
    status: Status
    reason: str = ""  # a part of the reason, for a refusal
    check: Callable[[Outcome], None] | None = None
    buildkit_parse: bool = True  # False where BuildKit's own parser takes minutes


def _lines(line: str, n: int, tail: str = START) -> bytes:
    return (GO_BUILD + line * n + tail).encode()


def _many(line: str, n: int) -> Regression:
    """A long file whose point is time: BuildKit's parser, slow on it, is left out."""
    return Regression(_lines(line, n), GO, Status.CHANGED, buildkit_parse=False)


def _glob_cmd_java() -> Regression:
    case = Case("java-maven-glob-cmd", FIXTURES / "java-maven-glob-cmd")
    project = case.project()
    df = project.dockerfile.replace(b"WORKDIR /opt/app", b"WORKDIR [z-a]")
    return Regression(df, dict(project.contents), Status.CHANGED)


def _python_env_runs(n: int) -> Regression:
    """n distinct ENV names, each followed by a RUN: every RUN once copied the whole env."""
    project = Case("python", FIXTURES / "python-requirements-gunicorn").project()
    head, rest = project.dockerfile.split(b"\n", 1)
    lines = "".join(f"ENV A{i}=1\nRUN true\n" for i in range(n)).encode()
    return Regression(head + b"\n" + lines + rest, dict(project.contents), Status.CHANGED)


def _rust_backtick_escape() -> Regression:
    """The dependency-caching RUN dfsplit adds continues its lines with the file's escape."""
    project = Case("rust", FIXTURES / "rust-cache-mounts").project()
    df = b"# escape=`\n" + project.dockerfile
    return Regression(df, dict(project.contents), Status.CHANGED, check=_continues_with_backtick)


def _continues_with_backtick(out: Outcome) -> None:
    assert b" `\n    && " in out.new and b" \\\n" not in out.new


def _keeps_tester(out: Outcome) -> None:
    assert b"FROM builder AS tester" in out.new


def _no_glued_line(out: Outcome) -> None:
    assert b"COPY . .\nRUN npm run build\n" in out.new


def _heredoc_crlf_kept(out: Outcome) -> None:
    assert b"RUN <<EOF\r\ngo build -o /main .\r\nEOF\n" in out.new


def _env_kept_verbatim(out: Outcome) -> None:
    assert b"ENV A=trailing\\\\\n\n" in out.new  # both backslashes, then the blank line


CASES = {
    # hangs and blow-ups
    "workdir-double-slash": Regression(
        b"FROM golang:1.21\nWORKDIR //\nCOPY . .\nRUN go build -o /main .\n" + START.encode(),
        GO,
        Status.CHANGED,
    ),
    "cd-double-slash": Regression(
        _lines("RUN cd //tmp && go build -o /b .\n", 1), GO, Status.CHANGED
    ),
    "label-20k": _many("LABEL a=b\n", 20_000),
    "env-20k": _many("ENV A=1\n", 20_000),
    "arg-20k": _many("ARG A=1\n", 20_000),
    "run-20k": _many("RUN true\n", 20_000),
    "env-100k": _many("ENV A=1\n", 100_000),
    "env-20k-distinct-names": Regression(
        (GO_BUILD + "".join(f"ENV A{i}=1\n" for i in range(20_000)) + START).encode(),
        GO,
        Status.CHANGED,
        buildkit_parse=False,
    ),
    "env-and-run-10k-distinct-names": Regression(
        (GO_BUILD + "".join(f"ENV A{i}=1\nRUN true\n" for i in range(10_000)) + START).encode(),
        GO,
        Status.CHANGED,
        buildkit_parse=False,
    ),
    "python-env-and-run-5k-distinct-names": _python_env_runs(5_000),
    "run-900kb-line": Regression(
        _lines("RUN " + "x" * 900_000 + "\n", 1), GO, Status.FAILED, "longer than 65535 bytes"
    ),
    "run-60kb-word": Regression(_lines("RUN echo " + "x" * 60_000 + "\n", 1), GO, Status.CHANGED),
    "run-900kb-continued": Regression(
        _lines("RUN echo " + "\\\n".join(["x" * 60_000] * 15) + "\n", 1),
        GO,
        Status.CHANGED,
        buildkit_parse=False,
    ),
    # broken writes
    "last-builder-line-double-backslash": Regression(
        _lines("", 0, START + "ARG BASE=golang:1.22\\\\\n"), GO, Status.CHANGED, check=_keeps_tester
    ),
    "env-double-backslash": Regression(
        _lines("", 0, START + "ENV A=trailing\\\\\n"), GO, Status.CHANGED, check=_env_kept_verbatim
    ),
    "continuation-hidden-by-comment": Regression(
        _lines("", 0, START + "RUN echo a \\\n# a comment\n"),
        GO,
        Status.CHANGED,
        check=_keeps_tester,
    ),
    "no-final-newline": Regression(
        b"FROM node:20\nRUN npm install\nCOPY . .", NODE, Status.CHANGED, check=_no_glued_line
    ),
    "heredoc-crlf-in-lf-file": Regression(
        b"FROM golang:1.21\nWORKDIR /app\nCOPY . .\nRUN <<EOF\r\ngo build -o /main .\r\nEOF\n"
        + START.encode(),
        GO,
        Status.CHANGED,
        check=_heredoc_crlf_kept,
    ),
    # internal errors that needed a reason
    "cmd-empty-array": Regression(
        _lines("CMD []\n", 1, ""), GO, Status.REFUSED, "no start command"
    ),
    "cmd-empty-after-entrypoint": Regression(
        _lines('ENTRYPOINT ["/main"]\nCMD []\n', 1, ""), GO, Status.CHANGED
    ),
    "healthcheck-cmd-empty": Regression(
        _lines("HEALTHCHECK CMD []\n", 1), GO, Status.FAILED, "Missing command after HEALTHCHECK"
    ),
    "from-platform-without-image": Regression(
        b"FROM --platform=linux/amd64\nWORKDIR /app\nCOPY . .\nRUN go build -o /main .\n"
        + START.encode(),
        GO,
        Status.FAILED,
        "FROM requires either one or three arguments",
    ),
    "package-json-100k-deep": Regression(
        b'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "index.js"]\n',
        {"package.json": b'{"name": "a", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"},
        Status.REFUSED,
        "package.json is nested too deeply",
    ),
    "cmd-100k-deep-array": Regression(
        _lines("", 0, "CMD " + "[" * 100_000 + "]" * 100_000 + "\n"), GO, Status.FAILED
    ),
    "cmd-100k-deep-array-continued": Regression(  # each line under BuildKit's limit
        _lines("", 0, "CMD " + "\\\n".join(["[" * 50_000] * 2 + ["]" * 50_000] * 2) + "\n"),
        GO,
        Status.REFUSED,
        "the start command runs",
    ),
    "workdir-reversed-range-glob-cmd": _glob_cmd_java(),
    "rust-added-run-with-backtick-escape": _rust_backtick_escape(),
    "python-nothing-copied": Regression(  # found by the fuzzer: no COPY, no install
        b'FROM python:3.11\nWORKDIR /srv\nCMD ["python", "app.py"]\n',
        {"app.py": b"print('hi')\n"},
        Status.REFUSED,
        "copies no file of the app",
    ),
    "lone-backslash-line-with-backtick-escape": Regression(  # dockerfile-parse miscounts it
        b"# escape=`\n" + _lines("\\\n", 1), GO, Status.FAILED, "unknown instruction \\"
    ),
    "from-trailing-comment": Regression(
        b"FROM golang:1.21 # base\nWORKDIR /app\nCOPY . .\nRUN go build -o /main .\n"
        + START.encode(),
        GO,
        Status.FAILED,
        "a # comment must be on a line of its own",
    ),
    "output-over-1mib": Regression(
        (GO_BUILD + "".join(f"ENV A{i}={'v' * 40}\n" for i in range(14_000)) + START).encode(),
        GO,
        Status.REFUSED,
        "over the 1048576-byte limit",
    ),
    # input BuildKit rejects: bad input, a failed file (exit 123) whose reason names the rule
    "line-over-65535": Regression(
        _lines("LABEL a=" + "b" * 65_528 + "\n", 1), GO, Status.FAILED, "longer than 65535 bytes"
    ),
    "line-of-65535": Regression(_lines("LABEL a=" + "b" * 65_527 + "\n", 1), GO, Status.CHANGED),
    "label-without-value": Regression(
        _lines("LABEL a\n", 1), GO, Status.FAILED, "LABEL must have two arguments"
    ),
    "env-without-value": Regression(
        _lines("ENV A\n", 1), GO, Status.FAILED, "ENV must have two arguments"
    ),
    "env-pair-without-equals": Regression(
        _lines("ENV A=1 B\n", 1), GO, Status.FAILED, "can't find = in 'B'"
    ),
    "workdir-before-from": Regression(
        b"WORKDIR /x\n" + _lines("", 0), GO, Status.FAILED, "WORKDIR before the first FROM"
    ),
    "from-two-aliases": Regression(
        b"FROM golang:1.21 AS a AS b\nWORKDIR /app\nCOPY . .\nRUN go build -o /main .\n"
        + START.encode(),
        GO,
        Status.FAILED,
        "FROM requires either one or three arguments",
    ),
    "stage-name-with-digit-first": Regression(
        b"FROM golang:1.21 AS 1x\nWORKDIR /app\nCOPY . .\nRUN go build -o /main .\n"
        + START.encode(),
        GO,
        Status.FAILED,
        "invalid name for build stage",
    ),
    "copy-without-destination": Regression(
        _lines("COPY a\n", 1), GO, Status.FAILED, "COPY requires at least two arguments"
    ),
}


@pytest.fixture
def hang_guard() -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"split() ran over {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", list(CASES))
def test_regression(name: str, hang_guard: None) -> None:
    case = CASES[name]
    files = frozenset(case.context) | {"Dockerfile"}
    project = Project("Dockerfile", case.dockerfile, files, case.context)
    outcome = split(project)
    assert outcome.status is case.status, outcome.reason
    assert case.reason in outcome.reason
    check_outcome(project, outcome, buildkit_parse=case.buildkit_parse)
    if case.check is not None:
        case.check(outcome)
