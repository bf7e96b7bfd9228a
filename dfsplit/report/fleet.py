"""Reports on a bulk run: the summary table, `--report FILE.json` and `--report FILE.md`.

Everything here turns results into text; `write_report` is the only function that writes.
The Markdown is a pull-request body: what changed and why, how to run the tester stage,
what a reviewer must check, and a mermaid diagram of the stages.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from dfsplit.files import shown_path
from dfsplit.fleet.runner import Result
from dfsplit.model import Outcome, Status

SCHEMA_VERSION = 1


# --- JSON --------------------------------------------------------------------------------


class FileEntry(NamedTuple):
    """One file of the JSON report (see `load_report`, which checks every field's type)."""

    path: str
    repo: str
    status: str
    language: str | None
    framework: str | None
    image_before: str | None
    image_after: str | None
    artifact: str | None
    tester: bool
    warnings: tuple[str, ...]
    reasons: tuple[str, ...]
    new_files: tuple[str, ...]


def _real_repo(result: Result) -> str:
    """The repository, resolved: discovery resolved it already; only a walk root needs it."""
    repo = result.target.repo
    return str(repo) if repo is not None else os.path.realpath(result.target.root)


def _rel_in_repo(result: Result) -> str:
    """The Dockerfile relative to its repository, as git names it."""
    return os.path.relpath(result.target.real, _real_repo(result)).replace(os.sep, "/")


def file_entry(result: Result, cwd: str | None = None) -> FileEntry:
    outcome = result.outcome
    report = outcome.findings
    changed = outcome.status is Status.CHANGED
    reasons = ((outcome.reason,) if outcome.reason else ()) + (report.notes if report else ())
    return FileEntry(
        path=outcome.path,
        repo=shown_path(result.repo, cwd),
        status=outcome.status.value,
        language=report.language if report else None,
        framework=report.framework if report else None,
        image_before=report.builder_image if report else None,
        image_after=report.runtime_image if report and changed else None,
        artifact=report.artifact if report else None,
        tester=bool(changed and report and report.test_command),
        warnings=report.warnings if report else (),
        reasons=reasons,
        new_files=tuple(f.rel for f in outcome.new_files) if changed else (),
    )


def report_json(results: Sequence[Result]) -> dict[str, Any]:
    """The `--report FILE.json` document."""
    files = []
    cwd = os.getcwd()
    for result in results:
        entry = file_entry(result, cwd)
        files.append(
            {
                "path": entry.path,
                "repo": entry.repo,
                "status": entry.status,
                "language": entry.language,
                "framework": entry.framework,
                "images": {"before": entry.image_before, "after": entry.image_after},
                "artifact": entry.artifact,
                "tester": entry.tester,
                "warnings": list(entry.warnings),
                "reasons": list(entry.reasons),
                "new_files": list(entry.new_files),
            }
        )
    counts = Counter(r.outcome.status.value for r in results)
    return {
        "version": SCHEMA_VERSION,
        "summary": {s.value: counts.get(s.value, 0) for s in Status},
        "files": files,
    }


def dump_json_report(doc: dict[str, Any]) -> str:
    """The report's text: one line per file, so that it reads and greps well. json's C encoder
    does the work (indent=2 takes the pure-Python one, three times slower on a large fleet)."""
    head = json.dumps({key: value for key, value in doc.items() if key != "files"})
    entries = ",\n".join(f"  {json.dumps(entry)}" for entry in doc["files"])
    body = f"\n{entries}\n" if entries else ""
    return f'{head[:-1]}, "files": [{body}]}}\n'


class ReportFormatError(ValueError):
    """A JSON report does not match the schema."""


_STR_OR_NONE = (str, type(None))


def load_report(doc: Mapping[str, Any]) -> list[FileEntry]:
    """The typed loader for a JSON report: checks every key and type, returns the entries."""
    if doc.get("version") != SCHEMA_VERSION:
        raise ReportFormatError(f"version must be {SCHEMA_VERSION}")
    summary = doc.get("summary")
    if not isinstance(summary, dict) or set(summary) != {s.value for s in Status}:
        raise ReportFormatError("summary must count every status")
    entries = [_load_entry(n, item) for n, item in enumerate(doc.get("files") or [])]
    for status, count in summary.items():
        if count != sum(e.status == status for e in entries):
            raise ReportFormatError(f"summary.{status} does not match the files")
    return entries


def _load_entry(n: int, item: Any) -> FileEntry:
    expected = {
        "path",
        "repo",
        "status",
        "language",
        "framework",
        "images",
        "artifact",
        "tester",
        "warnings",
        "reasons",
        "new_files",
    }
    if not isinstance(item, dict) or set(item) != expected:
        raise ReportFormatError(f"files[{n}] must have exactly the keys {sorted(expected)}")
    images = item["images"]
    if not isinstance(images, dict) or set(images) != {"before", "after"}:
        raise ReportFormatError(f"files[{n}].images must have before and after")
    checks: list[tuple[str, object, tuple[type, ...]]] = [
        ("path", item["path"], (str,)),
        ("repo", item["repo"], (str,)),
        ("language", item["language"], _STR_OR_NONE),
        ("framework", item["framework"], _STR_OR_NONE),
        ("images.before", images["before"], _STR_OR_NONE),
        ("images.after", images["after"], _STR_OR_NONE),
        ("artifact", item["artifact"], _STR_OR_NONE),
        ("tester", item["tester"], (bool,)),
    ]
    for name, value, types in checks:
        if not isinstance(value, types):
            raise ReportFormatError(f"files[{n}].{name} has the wrong type")
    if item["status"] not in {s.value for s in Status}:
        raise ReportFormatError(f"files[{n}].status is not a known status")
    lists = {k: item[k] for k in ("warnings", "reasons", "new_files")}
    for name, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ReportFormatError(f"files[{n}].{name} must be a list of strings")
    return FileEntry(
        item["path"],
        item["repo"],
        item["status"],
        item["language"],
        item["framework"],
        images["before"],
        images["after"],
        item["artifact"],
        item["tester"],
        tuple(lists["warnings"]),
        tuple(lists["reasons"]),
        tuple(lists["new_files"]),
    )


# --- summary table -------------------------------------------------------------------------


def summary_rows(outcomes: Sequence[Outcome], *, applied: bool) -> list[tuple[str, int]]:
    """(label, count) rows: rewritten, already multi-stage, other unchanged, refused by reason,
    failed. Rows with a zero count are left out, except that an empty run says so."""
    counts: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.status is Status.CHANGED:
            counts["rewritten" if applied else "to rewrite"] += 1
        elif outcome.status is Status.UNCHANGED:
            multi = outcome.reason == "already multi-stage"
            counts["already multi-stage" if multi else "nothing to do"] += 1
        elif outcome.status is Status.REFUSED:
            refused[_reason_group(outcome.reason)] += 1
        else:
            counts["failed"] += 1
    rows = [
        (k, counts[k])
        for k in ("rewritten", "to rewrite", "already multi-stage", "nothing to do")
        if counts[k]
    ]
    rows += [(f"refused: {reason}", n) for reason, n in sorted(refused.items())]
    rows += [("failed", counts["failed"])] if counts["failed"] else []
    return rows or [("no Dockerfiles found", 0)]


def _reason_group(reason: str) -> str:
    """Refusal reasons often end in file-specific detail after a colon or semicolon."""
    head = reason.split(";")[0].split(":")[0].strip()
    return head[:70] or "no reason given"


def summary_table(outcomes: Sequence[Outcome], *, applied: bool) -> str:
    rows = summary_rows(outcomes, applied=applied)
    width = max(len(label) for label, _ in rows)
    lines = [f"{'files':<{width}}  count", f"{'-' * width}  -----"]
    lines += [f"{label:<{width}}  {count:>5}" for label, count in rows]
    return "\n".join(lines)


# --- Markdown ------------------------------------------------------------------------------


def report_markdown(results: Sequence[Result]) -> str:
    """A pull-request body for the run (one repository or several)."""
    changed = [r for r in results if r.outcome.status is Status.CHANGED]
    others = [r for r in results if r.outcome.status is not Status.CHANGED]
    several = len({r.repo for r in results}) > 1
    n = len(changed)
    lines = [
        "## Split Dockerfiles into builder, tester and runtime stages",
        "",
        f"dfsplit rewrote {n} Dockerfile{'s' if n != 1 else ''} into multi-stage builds: the "
        "build steps stay as written in `builder`, `tester` runs the tests, and the final "
        "`runtime` stage gets only the artifact on a minimal image, as a non-root user.",
        "",
    ]
    for result in changed:
        lines += _changed_section(result, _title(result, several))
    if others:
        lines += ["### Not changed", "", "| Dockerfile | status | why |", "| --- | --- | --- |"]
        lines += [
            f"| {_title(r, several)} | {r.outcome.status.value} | "
            f"{_cell(r.outcome.reason or 'nothing to do')} |"
            for r in others
        ]
        lines.append("")
    lines.append("Generated by `dfsplit rewrite`; a second run makes no change.")
    return "\n".join(lines) + "\n"


def _title(result: Result, several: bool) -> str:
    """The Dockerfile relative to its repository, and which repository when there are several."""
    rel = _rel_in_repo(result)
    return f"`{rel}` in `{os.path.basename(_real_repo(result))}`" if several else f"`{rel}`"


def _changed_section(result: Result, title: str) -> list[str]:
    outcome = result.outcome
    report = outcome.findings
    if report is None:  # a changed outcome always has a report; stay total anyway
        return [f"### {title}", ""]
    kind = report.language + (f" ({report.framework})" if report.framework else "")
    lines = [
        f"### {title}",
        "",
        f"- **Detected:** {kind}",
        f"- **Images:** `{report.builder_image or '?'}` -> `{report.runtime_image or '?'}`",
        f"- **Artifact:** `{report.artifact or '-'}`",
    ]
    lines += [f"- **Adds:** `{f.rel}`" for f in outcome.new_files]
    if report.notes:
        lines += ["", "Why:", ""] + [f"- {_cell(note)}" for note in report.notes]
    if report.test_command:
        lines += [
            "",
            "Run the tests (BuildKit builds only the stages a target needs):",
            "",
            "```sh",
            tester_command(result),
            "```",
        ]
    if report.warnings:
        lines += ["", "**Reviewer, please check:**", ""]
        lines += [f"- [ ] {_cell(w)}" for w in report.warnings]
    lines += ["", "```mermaid", *mermaid(outcome), "```", ""]
    return lines


def tester_command(result: Result) -> str:
    """`docker build --target tester .`, with -f and the context when they are not default."""
    repo = _real_repo(result)
    context = os.path.relpath(os.path.realpath(result.target.context), repo).replace(os.sep, "/")
    dockerfile = _rel_in_repo(result)
    default = f"{context}/Dockerfile" if context != "." else "Dockerfile"
    file_flag = "" if dockerfile == default else f" -f {dockerfile}"
    return f"docker build --target tester{file_flag} {context}"


def mermaid(outcome: Outcome) -> list[str]:
    """A flowchart of the stages: what each starts from and what flows between them."""
    report = outcome.findings
    assert report is not None
    gated = b"--from=tester" in outcome.new
    lines = [
        "flowchart LR",
        f'  base["{_label(report.builder_image or "base image")}"] --> builder',
    ]
    if report.test_command:
        lines.append(f'  builder --> tester["tester: {_label(report.test_command)}"]')
    source = "tester" if gated and report.test_command else "builder"
    artifact = _label(report.artifact or "artifact")
    lines.append(
        f'  {source} -->|"{artifact}"| runtime["runtime: {_label(report.runtime_image or "?")}"]'
    )
    return lines


def _label(text: str) -> str:
    """Mermaid labels are quoted; quotes and angle brackets need entity codes."""
    text = text if len(text) <= 60 else text[:57] + "..."
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _cell(text: str) -> str:
    """One line inside a Markdown table cell or list item."""
    return " ".join(text.split()).replace("|", "\\|")


# --- IO ------------------------------------------------------------------------------------


def write_report(results: Sequence[Result], path: Path) -> None:
    """`--report FILE.json|FILE.md`; the suffix chooses the format (checked by the caller)."""
    if path.suffix.lower() == ".json":
        text = dump_json_report(report_json(results))
    else:
        text = report_markdown(results)
    path.write_text(text, encoding="utf-8")


REPORT_SUFFIXES = (".json", ".md")
