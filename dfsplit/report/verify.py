"""Show `dfsplit verify` results: rich table, JSON, markdown for a PR comment; progress on stderr.

Also the small drivers the CLI calls (`run_verify`, `verify_before_write`), so that cli.py only
maps flags to a `prove.Config`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from dfsplit.model import Outcome
from dfsplit.verify import engine, prove
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


def to_json(results: Sequence[FileResult]) -> dict[str, object]:
    files = []
    for result in results:
        entry = dataclasses.asdict(result)
        # asdict leaves a NamedTuple (the Findings) a tuple, which JSON would write as a list.
        entry["report"] = result.findings._asdict() if result.findings else None
        entry["ratio"] = result.ratio
        files.append(entry)
    return {"files": files, "exit_code": prove.exit_code(results)}


# --- markdown ------------------------------------------------------------------------------


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def mermaid(result: FileResult) -> str:
    """`graph LR` of the stages: builder -> tester, builder -> runtime (with the artifact)."""
    report = result.findings
    builder = report.builder_image if report and report.builder_image else "?"
    runtime = report.runtime_image if report and report.runtime_image else "?"
    lines = ["```mermaid", "graph LR", f'  builder["builder<br/>{_mermaid_label(builder)}"]']
    if result.has_tester:
        test = report.test_command if report and report.test_command else "tests"
        lines.append(f'  builder --> tester["tester<br/>{_mermaid_label(test)}"]')
    copied = report.artifact if report and report.artifact else "COPY --from=builder"
    lines.append(
        f'  builder -- "{_mermaid_label(copied)}" --> runtime["runtime<br/>'
        f'{_mermaid_label(runtime)}"]'
    )
    lines.append("```")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_one(result: FileResult) -> str:
    head = f"### {_ICON[result.verdict]} `{result.path}`: {result.verdict}"
    if result.verdict in ("unchanged", "refused", "failed"):
        return f"{head}\n\n{result.reason}\n"
    lines = [head, "", "| | before (original) | after (rewrite) |", "|---|---|---|"]
    lines += [f"| {what} | {_cell(b)} | {_cell(a)} |" for what, b, a in rows(result)]
    if result.problems:
        lines += ["", "**Problems:**", ""] + [f"- {_cell(p)}" for p in result.problems]
    for name, tail in _failure_logs(result):
        lines += ["", f"<details><summary>{name}, last lines</summary>", "", "```"]
        lines += [*tail[-20:], "```", "</details>"]
    lines += ["", mermaid(result), ""]
    return "\n".join(lines)


def to_markdown(results: Sequence[FileResult]) -> str:
    return "## dfsplit verify\n\n" + "\n".join(markdown_one(r) for r in results)


# --- drivers the CLI calls -------------------------------------------------------------------


def engine_unavailable_line(reason: str) -> str:
    return (
        f"error: no Docker engine answers ({reason}); start one, or point DOCKER_HOST "
        "at it, e.g. DOCKER_HOST=unix:///var/run/docker.sock"
    )


def check_engine() -> bool:
    """Say so on stderr (one line) when no engine answers."""
    try:
        engine.check_engine()
    except engine.EngineUnavailable as exc:
        print(engine_unavailable_line(str(exc)), file=sys.stderr)
        return False
    return True


def verify_target(target: Path, config: prove.Config, progress: StderrProgress) -> FileResult:
    """One PATH argument: a Dockerfile, or a directory holding one (its build context)."""
    from dfsplit import files

    try:
        dockerfile = files.find_dockerfile(target)
    except files.FileError as exc:
        return FileResult(files.shown_path(target), "failed", reason=exc.reason)
    progress.path = files.shown_path(dockerfile)
    return prove.verify_file(dockerfile, config, progress, shown=progress.path)


def run_verify(targets: Sequence[Path], config: prove.Config, fmt: Format) -> int:
    """Verify each target, print the results in `fmt` on stdout; return the exit code."""
    if not check_engine():
        return prove.EXIT_NO_ENGINE
    with progress_on_stderr() as progress:
        results = [verify_target(t, config, progress) for t in targets]
    # Printed after the live status line is gone, so that the two never interleave.
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(results), indent=2) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(to_markdown(results))
    else:
        out = Console(highlight=False)
        for result in results:
            print_table(result, out)
    return prove.exit_code(results)


def verify_before_write(outcome: Outcome, real: Path, context: Path, config: prove.Config) -> bool:
    """`rewrite --verify`: prove one changed outcome; report on stderr; True when it passed."""
    with progress_on_stderr() as progress:
        progress.path = outcome.path
        result = prove.prove_outcome(outcome, real, context, config, progress)
    print_table(result, Console(stderr=True, highlight=False))
    if result.verdict != "pass":
        print(
            f"error: {outcome.path}: the rewrite failed verification; not written", file=sys.stderr
        )
    return result.verdict == "pass"
