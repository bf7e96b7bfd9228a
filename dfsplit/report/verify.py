"""`dfsplit verify` on the terminal: progress on stderr, then the results as a rich table, JSON
(each file's outcome entry, see report/outcome.py, with its `verify` results) or Markdown for a
pull-request comment; and the exit code the verdicts give.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from dfsplit.report import exit_codes
from dfsplit.report.markdown import cell, mermaid
from dfsplit.report.outcome import SCHEMA_VERSION, entry
from dfsplit.verify.prove import FileResult, ImageResult, RunResult

Format = Literal["table", "json", "markdown"]

_ICON = {"pass": "✅", "fail": "❌", "unchanged": "➖", "refused": "⛔", "failed": "⛔"}
_STYLE = {
    "pass": "green",
    "fail": "red",
    "unchanged": "dim",
    "refused": "yellow",
    "failed": "yellow",
}


# --- progress ------------------------------------------------------------------------------


class StderrProgress:
    """A live status line on a terminal; plain `dfsplit verify: ...` lines otherwise (CI logs)."""

    def __init__(self, console: Console, status: Status | None, path: str = "") -> None:
        self.console = console
        self.status = status
        self.path = path
        self._step = ""

    def start(self, path: str) -> None:
        self.path = path

    def step(self, message: str) -> None:
        self._step = message
        if self.status is not None:
            self.status.update(f"{escape(self.path)}: {escape(message)}")
        else:
            print(f"dfsplit verify: {self.path}: {message}", file=sys.stderr, flush=True)

    def detail(self, line: str) -> None:
        # Build logs are only worth showing live; in plain mode they would drown the steps.
        if self.status is not None and line.strip():
            self.status.update(
                f"{escape(self.path)}: {escape(self._step)} [dim]{escape(line.strip()[:90])}[/]"
            )


@contextmanager
def progress_on_stderr() -> Iterator[StderrProgress]:
    console = Console(stderr=True)
    if not console.is_terminal:
        yield StderrProgress(console, None)
        return
    with console.status("starting") as status:
        yield StderrProgress(console, status)


# --- formatting helpers ----------------------------------------------------------------------


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # unreachable; keeps mypy's return check happy


def ratio_text(result: FileResult) -> str:
    ratio = result.ratio
    if ratio is None:
        return "-"
    smaller = f", {1 / ratio:.0f}x smaller" if 0 < ratio < 1 else ""
    return f"{ratio * 100:.1f} %{smaller}"


def _seconds(image: ImageResult | None) -> str:
    return "-" if image is None else f"{image.seconds:.1f} s" + ("" if image.ok else " (failed)")


def _layers(image: ImageResult | None) -> str:
    return "-" if image is None or image.layers is None else str(image.layers)


def describe_run(run: RunResult | None) -> str:
    if run is None:
        return "not run"
    if run.kind == "not-run":
        return f"not run: {run.error}"
    if run.kind == "service":
        return f"up after {run.seconds:.0f} s"
    last = next((ln for ln in reversed(run.stdout.splitlines()) if ln.strip()), "")
    return f"exit {run.exit_code}" + (f": {last[:60]}" if last else "")


def describe_probe(run: RunResult | None, result: FileResult) -> str:
    probe = result.spec.http
    if probe is None or run is None or run.kind == "not-run":
        return "-"
    answer = run.http
    if answer is None or answer.status is None:
        return "no answer" + (f" ({answer.error})" if answer and answer.error else "")
    if probe.expect is None:
        return str(answer.status)
    return f"{answer.status} " + ("ok" if probe.expect in answer.body else "body differs")


def describe_tester(result: FileResult) -> str:
    tester = result.tester
    if tester is None:
        return "not run" if result.has_tester else "no tester stage"
    if tester.status == "skipped":
        return "no tester stage"
    return f"{tester.status} ({tester.seconds:.1f} s)"


def describe_files(result: FileResult) -> str:
    files = result.files
    if files is None:
        return "-"
    if not files.checked:
        return "nothing listed"
    if files.missing:
        return "MISSING " + ", ".join(files.missing)
    return "present: " + ", ".join(files.checked)


def rows(result: FileResult) -> list[tuple[str, str, str]]:
    """(what, original, rewrite) rows shared by the table and the markdown."""
    o, r = result.original, result.rewrite
    size_new = human_size(r.size if r else None)
    if result.ratio is not None:
        size_new += f" ({ratio_text(result)})"
    return [
        ("build time", _seconds(o), _seconds(r)),
        ("image size", human_size(o.size if o else None), size_new),
        ("layers", _layers(o), _layers(r)),
        ("tests (tester stage)", "-", describe_tester(result)),
        ("start", describe_run(result.original_run), describe_run(result.rewrite_run)),
        (
            "HTTP probe",
            describe_probe(result.original_run, result),
            describe_probe(result.rewrite_run, result),
        ),
        ("runtime files", "-", describe_files(result)),
    ]


def _failure_logs(result: FileResult) -> list[tuple[str, tuple[str, ...]]]:
    """The log tails worth showing: a failed build, failed tests."""
    out = []
    for name, image in (("original build", result.original), ("rewrite build", result.rewrite)):
        if image is not None and not image.ok:
            out.append((name, image.log_tail))
    if result.tester is not None and result.tester.status == "failed":
        out.append(("tests", result.tester.log_tail))
    return out


# --- terminal ------------------------------------------------------------------------------


def print_table(result: FileResult, console: Console) -> None:
    icon, style = _ICON[result.verdict], _STYLE[result.verdict]
    title = f"{escape(result.path)}  [{style}]{icon} {result.verdict}[/]"
    if result.verdict in ("unchanged", "refused", "failed"):
        console.print(f"{title}: {escape(result.reason)}")
        return
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("")
    table.add_column("original", overflow="fold")
    table.add_column("rewrite", overflow="fold")
    for what, before, after in rows(result):
        table.add_row(what, escape(before), escape(after))
    console.print(table)
    for problem in result.problems:
        console.print(f"  [red]✗[/] {escape(problem)}")
    for name, tail in _failure_logs(result):
        console.print(f"  [bold]{name}, last lines:[/]")
        for line in tail[-15:]:
            console.print(f"    {escape(line)}", highlight=False)
    if result.images:
        console.print("  kept images: " + ", ".join(result.images))


# --- json ----------------------------------------------------------------------------------

_STATUS = {"pass": "changed", "fail": "changed", "unchanged": "unchanged"}


def to_json(results: Sequence[FileResult]) -> dict[str, object]:
    """Each file's outcome entry with its `verify` results, and the exit code."""
    files = []
    for result in results:
        status = _STATUS.get(result.verdict, result.verdict)
        item = entry(result.path, status, result.reason, result.findings)
        measured = dataclasses.asdict(result)
        for key in ("path", "reason", "findings"):
            del measured[key]  # in the entry already
        measured["ratio"] = result.ratio
        item["verify"] = measured
        files.append(item)
    return {"version": SCHEMA_VERSION, "files": files, "exit_code": exit_code(results)}


def exit_code(results: Sequence[FileResult]) -> int:
    """1 when any rewrite failed verification; else 123 when any file was not rewritten."""
    verdicts = {r.verdict for r in results}
    if "fail" in verdicts:
        return exit_codes.CHANGED
    if verdicts & {"refused", "failed"}:
        return exit_codes.FAILED
    return exit_codes.OK


# --- markdown ------------------------------------------------------------------------------


def markdown_one(result: FileResult) -> str:
    head = f"### {_ICON[result.verdict]} `{result.path}`: {result.verdict}"
    if result.verdict in ("unchanged", "refused", "failed"):
        return f"{head}\n\n{result.reason}\n"
    lines = [head, "", "| | before (original) | after (rewrite) |", "|---|---|---|"]
    lines += [f"| {what} | {cell(b)} | {cell(a)} |" for what, b, a in rows(result)]
    if result.problems:
        lines += ["", "**Problems:**", ""] + [f"- {cell(p)}" for p in result.problems]
    for name, tail in _failure_logs(result):
        lines += ["", f"<details><summary>{name}, last lines</summary>", "", "```"]
        lines += [*tail[-20:], "```", "</details>"]
    if result.findings is not None:
        lines += ["", "```mermaid", *mermaid(result.findings, gated=False), "```"]
    lines.append("")
    return "\n".join(lines)


def to_markdown(results: Sequence[FileResult]) -> str:
    return "## dfsplit verify\n\n" + "\n".join(markdown_one(r) for r in results)


# --- output --------------------------------------------------------------------------------


def engine_unavailable_line(reason: str) -> str:
    return (
        f"error: no Docker engine answers ({reason}); start one, or point DOCKER_HOST "
        "at it, e.g. DOCKER_HOST=unix:///var/run/docker.sock"
    )


def show(results: Sequence[FileResult], fmt: Format) -> None:
    """The results on stdout, once the live status line is gone (the two never interleave)."""
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(results), indent=2) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(to_markdown(results))
    else:
        out = Console(highlight=False)
        for result in results:
            print_table(result, out)


def show_before_write(result: FileResult) -> None:
    """`rewrite --verify`: the table on stderr, and why the file is not written."""
    print_table(result, Console(stderr=True, highlight=False))
    if result.verdict != "pass":
        print(
            f"error: {result.path}: the rewrite failed verification; not written", file=sys.stderr
        )
