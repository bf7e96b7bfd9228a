"""Reports on a bulk run, as text: the summary table, `--report FILE.json` and `--report FILE.md`
(the CLI writes them). The Markdown is a pull-request body: what changed and why, how to run the
tester stage, what a reviewer must check, and a mermaid diagram of the stages.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from dfsplit.files import shown_path
from dfsplit.fleet.runner import Result
from dfsplit.model import Outcome, PairFindings, Status
from dfsplit.report.markdown import cell, mermaid
from dfsplit.report.outcome import (
    SCHEMA_VERSION,
    STATUSES,
    EntryFormatError,
    OutcomeEntry,
    load_entry,
    outcome_json,
)
from dfsplit.report.run import printable

# --- JSON --------------------------------------------------------------------------------


def _real_repo(result: Result) -> str:
    """The repository, resolved: discovery resolved it already; only a walk root needs it."""
    repo = result.target.repo
    return str(repo) if repo is not None else os.path.realpath(result.target.root)


def _rel_in_repo(result: Result) -> str:
    """The Dockerfile relative to its repository, as git names it."""
    return os.path.relpath(result.target.real, _real_repo(result)).replace(os.sep, "/")


def report_json(results: Sequence[Result]) -> dict[str, Any]:
    """The `--report FILE.json` document: each file's outcome, with its repository."""
    cwd = os.getcwd()
    files = [outcome_json(r.outcome, shown_path(r.repo, cwd)) for r in results]
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


def load_report(doc: Mapping[str, Any]) -> list[OutcomeEntry]:
    """The typed loader for a JSON report: checks every key and type, returns the entries."""
    if doc.get("version") != SCHEMA_VERSION:
        raise EntryFormatError(f"version must be {SCHEMA_VERSION}")
    summary = doc.get("summary")
    if not isinstance(summary, dict) or set(summary) != STATUSES:
        raise EntryFormatError("summary must count every status")
    entries = [load_entry(item, f"files[{n}]") for n, item in enumerate(doc.get("files") or [])]
    for status, count in summary.items():
        if count != sum(e.status == status for e in entries):
            raise EntryFormatError(f"summary.{status} does not match the files")
    return entries


# --- summary table -------------------------------------------------------------------------


def summary_rows(outcomes: Sequence[Outcome], *, applied: bool) -> list[tuple[str, int]]:
    """(label, count) rows: rewritten, already multi-stage, other unchanged, skipped and refused
    by reason (whole: a reason is a sentence to act on), failed. Rows with a zero count are left
    out, except that an empty run says so."""
    counts: Counter[str] = Counter()
    by_reason: Counter[tuple[str, str]] = Counter()
    for outcome in outcomes:
        if outcome.status is Status.CHANGED:
            counts["rewritten" if applied else "to rewrite"] += 1
        elif outcome.status is Status.UNCHANGED:
            multi = outcome.reason == "already multi-stage"
            counts["already multi-stage" if multi else "nothing to do"] += 1
        elif outcome.status in (Status.SKIPPED, Status.REFUSED):
            by_reason[outcome.status.value, outcome.reason or "no reason given"] += 1
        else:
            counts["failed"] += 1
    rows = [
        (k, counts[k])
        for k in ("rewritten", "to rewrite", "already multi-stage", "nothing to do")
        if counts[k]
    ]
    for status in (Status.SKIPPED.value, Status.REFUSED.value):
        rows += [(f"{s}: {r}", n) for (s, r), n in sorted(by_reason.items()) if s == status]
    rows += [("failed", counts["failed"])] if counts["failed"] else []
    return rows or [("no Dockerfiles found", 0)]


def summary_table(outcomes: Sequence[Outcome], *, applied: bool) -> str:
    """The count first, then the label: a whole reason may be long, and it ends the line."""
    rows = summary_rows(outcomes, applied=applied)
    lines = ["count  files", "-----  -----"]
    lines += [f"{count:>5}  {printable(label)}" for label, count in rows]
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
            f"{cell(r.outcome.reason or 'nothing to do')} |"
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
    findings = outcome.findings
    if findings is None:  # a changed outcome always has findings; stay total anyway
        return [f"### {title}", ""]
    kind = findings.language + (f" ({findings.framework})" if findings.framework else "")
    lines = [
        f"### {title}",
        "",
        f"- **Detected:** {kind}",
        f"- **Images:** `{findings.builder_image or '?'}` -> `{findings.runtime_image or '?'}`",
        f"- **Artifact:** `{findings.artifact or '-'}`",
    ]
    lines += [f"- **Adds:** `{f.rel}`" for f in outcome.new_files]
    if findings.notes:
        lines += ["", "Why:", ""] + [f"- {cell(note)}" for note in findings.notes]
    if findings.test_command:
        lines += [
            "",
            "Run the tests (BuildKit builds only the stages a target needs):",
            "",
            "```sh",
            tester_command(result),
            "```",
        ]
    if findings.pair is not None:
        lines += _pair_section(findings.pair)
    if findings.warnings:
        lines += ["", "**Reviewer, please check:**", ""]
        lines += [f"- [ ] {cell(w)}" for w in findings.warnings]
    gated = b"--from=tester" in outcome.new
    lines += ["", "```mermaid", *mermaid(findings, gated=gated), "```", ""]
    return lines


def _pair_section(pair: PairFindings) -> list[str]:
    """A merged builder-pattern pair: the mapping, and what the merge leaves unused."""
    lines = [
        "",
        f"Merged the builder-pattern pair: `{pair.build_file}` is now the `builder` stage.",
        "",
    ]
    lines += [
        f"- `{host}` from the host is now `COPY --from=builder {builder}`"
        for host, builder in pair.mapping
    ]
    if pair.pruned:
        lines += ["", "Pruned:", ""] + [f"- {cell(p)}" for p in pair.pruned]
    unused = pair.not_pruned if pair.pruned else pair.leftovers
    if unused:
        lines += ["", "Now unused (delete them, or run `dfsplit rewrite --prune`):", ""]
        lines += [f"- `{cell(line)}`" for line in unused]
    return lines


def tester_command(result: Result) -> str:
    """`docker build --target tester .`, with -f and the context when they are not default."""
    repo = _real_repo(result)
    context = os.path.relpath(os.path.realpath(result.target.context), repo).replace(os.sep, "/")
    dockerfile = _rel_in_repo(result)
    default = f"{context}/Dockerfile" if context != "." else "Dockerfile"
    file_flag = "" if dockerfile == default else f" -f {dockerfile}"
    return f"docker build --target tester{file_flag} {context}"


REPORT_SUFFIXES = (".json", ".md")
