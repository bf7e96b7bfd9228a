"""Counters, every user-facing line, and the exit code (after black's Findings)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from dfsplit.model import Outcome, Status

EXIT_OK = 0
EXIT_WOULD_CHANGE = 1
EXIT_USAGE = 2
EXIT_FAILED = 123


class RunReport:
    """Counts the files of one run by status and says what happened to each."""

    __slots__ = ("apply", "check", "counts", "err", "silent")

    def __init__(
        self,
        *,
        check: bool = False,
        apply: bool = False,
        silent: bool = False,
        err: TextIO | None = None,
    ) -> None:
        self.check = check
        self.apply = apply
        self.silent = silent  # nothing at all
        self.err = err or sys.stderr
        self.counts = dict.fromkeys(Status, 0)

    def outcome(self, outcome: Outcome, *, applied: bool = False) -> None:
        """Count one file and say what happened to it on stderr."""
        self.counts[outcome.status] += 1
        path = outcome.path
        if outcome.status is Status.FAILED:
            self._say(f"error: {path}: {outcome.reason}")
            return
        if outcome.status is Status.REFUSED:
            self._say(f"error: cannot split {path}: {outcome.reason}")
            return
        if outcome.findings is not None:
            for warning in outcome.findings.warnings:
                self._say(f"warning: {path}: {warning}")
        if outcome.status is Status.CHANGED:
            verb = "rewrote" if applied else ("would rewrite" if self.check else "can rewrite")
            self._say(f"{verb} {path}")
        else:
            self._say(f"unchanged {path}: {outcome.reason or 'nothing to do'}")

    def _say(self, line: str) -> None:
        if not self.silent:
            print(line, file=self.err)

    @property
    def exit_code(self) -> int:
        if self.counts[Status.FAILED] or self.counts[Status.REFUSED]:
            return EXIT_FAILED
        if self.check and self.counts[Status.CHANGED]:
            return EXIT_WOULD_CHANGE
        return EXIT_OK

    def summary(self) -> str:
        parts = []
        labels = {
            Status.CHANGED: "rewritten" if self.apply else "would be rewritten",
            Status.UNCHANGED: "left unchanged",
            Status.REFUSED: "refused",
            Status.FAILED: "failed",
        }
        for status, label in labels.items():
            n = self.counts[status]
            if n:
                parts.append(f"{n} file{'s' if n != 1 else ''} {label}")
        return (", ".join(parts) or "no files") + "."


def outcome_json(outcome: Outcome) -> dict[str, object]:
    """One file's entry in `--json` output."""
    report = outcome.findings
    entry: dict[str, object] = {
        "path": outcome.path,
        "status": outcome.status.value,
        "reason": outcome.reason or None,
        "language": report.language if report else None,
        "framework": report.framework if report else None,
        "images": {
            "builder": report.builder_image if report else None,
            "tester": "builder" if report and report.test_command else None,
            "runtime": report.runtime_image if report else None,
        },
        "artifact": report.artifact if report else None,
        "runtime_artifact": (report.runtime_artifact or report.artifact) if report else None,
        "test_command": report.test_command if report else None,
        "runtime_files": list(report.runtime_files) if report else [],
        "notes": list(report.notes) if report else [],
        "warnings": list(report.warnings) if report else [],
        "new_files": [f.rel for f in outcome.new_files],
    }
    return entry


def dump_json(outcomes: list[Outcome], run: RunReport, out: TextIO) -> None:
    doc = {
        "files": [outcome_json(o) for o in outcomes],
        "summary": {s.value: n for s, n in run.counts.items()},
        "exit_code": run.exit_code,
    }
    json.dump(doc, out, indent=2)
    out.write("\n")


def explain(outcome: Outcome) -> str:
    """The `dfsplit detect` text for one file."""
    report = outcome.findings
    lines = [outcome.path]
    if report is None:
        lines.append(f"  status:        {outcome.status.value} ({outcome.reason})")
        return "\n".join(lines)
    rows = [
        ("status", outcome.status.value + (f" ({outcome.reason})" if outcome.reason else "")),
        ("language", report.language),
        ("framework", report.framework or "-"),
        ("builder image", report.builder_image or "-"),
        ("artifact", report.artifact or "-"),
        ("runtime image", report.runtime_image or "-"),
        ("test command", report.test_command or "-"),
        ("runtime files", ", ".join(report.runtime_files) or "-"),
    ]
    lines += [f"  {k + ':':<15}{v}" for k, v in rows]
    lines += ["  why:"] + [f"    - {n}" for n in report.notes]
    if report.warnings:
        lines += ["  warnings:"] + [f"    - {w}" for w in report.warnings]
    return "\n".join(lines)
