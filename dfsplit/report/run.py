"""One run on the terminal: a line for each file on stderr, the counts, the summary line and the
exit code (after black's Report); the `--json` document; `dfsplit detect`'s explanation; and
`printable`, which every line quoting a file goes through.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import TextIO

from dfsplit.model import Outcome, PairFindings, Status
from dfsplit.report import exit_codes
from dfsplit.report.outcome import SCHEMA_VERSION, outcome_json

# C0 controls (line breaks too: each message is one line), DEL and the C1 controls, which a
# terminal reads as escape sequences (`\x1b]0;title\x07` retitles the window).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character written as a visible `\\xNN` escape: a reason or
    path quoted from a file must not drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class Reporter:
    """Counts the files of one run by status and says what happened to each."""

    __slots__ = ("apply", "check", "counts", "err", "silent", "strict")

    def __init__(
        self,
        *,
        check: bool = False,
        apply: bool = False,
        strict: bool = False,
        silent: bool = False,
        err: TextIO | None = None,
    ) -> None:
        self.check = check
        self.apply = apply
        self.strict = strict  # a refused file is an error (exit 123)
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
            self._say(f"{'error: ' if self.strict else ''}refused {path}: {outcome.reason}")
            return
        if outcome.status is Status.SKIPPED:
            self._say(f"skipped {path}: {outcome.reason}")
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
            print(printable(line), file=self.err)

    @property
    def exit_code(self) -> int:
        """See exit_codes: refusals are outcomes unless --strict; --check counts changes only."""
        if self.counts[Status.FAILED] or (self.strict and self.counts[Status.REFUSED]):
            return exit_codes.FAILED
        if self.check and self.counts[Status.CHANGED]:
            return exit_codes.CHANGED
        return exit_codes.OK

    def summary(self) -> str:
        parts = []
        labels = {
            Status.CHANGED: "rewritten" if self.apply else "would be rewritten",
            Status.UNCHANGED: "left unchanged",
            Status.SKIPPED: "skipped",
            Status.REFUSED: "refused",
            Status.FAILED: "failed",
        }
        for status, label in labels.items():
            n = self.counts[status]
            if n:
                parts.append(f"{n} file{'s' if n != 1 else ''} {label}")
        return (", ".join(parts) or "no files") + "."


def dump_json(outcomes: Sequence[Outcome], run: Reporter, out: TextIO) -> None:
    """`rewrite --json`: every file's outcome, the counts and the exit code."""
    doc = {
        "version": SCHEMA_VERSION,
        "files": [outcome_json(o) for o in outcomes],
        "summary": {s.value: n for s, n in run.counts.items()},
        "exit_code": run.exit_code,
    }
    json.dump(doc, out, indent=2)
    out.write("\n")


def pair_lines(pair: PairFindings) -> list[str]:
    """`dfsplit detect`'s rows for a builder-pattern pair."""
    lines = [f"  {'pair:':<15}{pair.build_file} -> this file (its builder stage)"]
    lines += ["  mapping:"] + [f"    - {host} <- {builder}" for host, builder in pair.mapping]
    lines += ["  told by:"] + [f"    - {line}" for line in pair.told_by]
    lines += ["  now unused:"] + [f"    - {line}" for line in pair.leftovers]
    lines += [f"    - pruned: {line}" for line in pair.pruned]
    lines += [f"    - not pruned: {line}" for line in pair.not_pruned]
    return lines


def explain(outcome: Outcome) -> str:
    """The `dfsplit detect` text for one file."""
    findings = outcome.findings
    lines = [outcome.path]
    if findings is None:
        lines.append(f"  status:        {outcome.status.value} ({outcome.reason})")
        return "\n".join(map(printable, lines))
    rows = [
        ("status", outcome.status.value + (f" ({outcome.reason})" if outcome.reason else "")),
        ("language", findings.language),
        ("framework", findings.framework or "-"),
        ("builder image", findings.builder_image or "-"),
        ("artifact", findings.artifact or "-"),
        ("runtime image", findings.runtime_image or "-"),
        ("test command", findings.test_command or "-"),
        ("runtime files", ", ".join(findings.runtime_files) or "-"),
    ]
    lines += [f"  {k + ':':<15}{v}" for k, v in rows]
    if findings.pair is not None:
        lines += pair_lines(findings.pair)
    lines += ["  why:"] + [f"    - {n}" for n in findings.notes]
    if findings.warnings:
        lines += ["  warnings:"] + [f"    - {w}" for w in findings.warnings]
    return "\n".join(map(printable, lines))  # each line quotes the file: no control characters
