"""The one JSON shape of a file's outcome: `rewrite --json`, `detect --json`, the fleet report
(`--report FILE.json`) and `verify --json` all emit it, and `load_entry` reads it back, typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from dfsplit.model import Findings, NewFile, Outcome, PairFindings, Status

SCHEMA_VERSION = 3  # 3: the "skipped" status (discovery's non-app Dockerfiles)
STATUSES = frozenset(s.value for s in Status)


def entry(
    path: str,
    status: str,
    reason: str,
    findings: Findings | None,
    new_files: Sequence[NewFile] = (),
    repo: str | None = None,
) -> dict[str, Any]:
    """One file: what was found and decided, and what happened (status, reason)."""
    f = findings
    return {
        "path": path,
        "repo": repo,
        "status": status,
        "reason": reason or None,
        "recipe": f.recipe if f else None,
        "language": f.language if f else None,
        "framework": f.framework if f else None,
        "images": {
            "builder": f.builder_image if f else None,
            "tester": "builder" if f and f.test_command else None,
            "runtime": f.runtime_image if f else None,
        },
        "artifact": f.artifact if f else None,
        "runtime_artifact": (f.runtime_artifact or f.artifact) if f else None,
        "test_command": f.test_command if f else None,
        "runtime_files": list(f.runtime_files) if f else [],
        "notes": list(f.notes) if f else [],
        "warnings": list(f.warnings) if f else [],
        "new_files": [n.rel for n in new_files],
        "pair": pair_json(f.pair) if f and f.pair else None,
    }


def pair_json(pair: PairFindings) -> dict[str, Any]:
    """A merged builder-pattern pair: what told it, the mapping, what is now unused."""
    return {
        "build_file": pair.build_file,
        "told_by": list(pair.told_by),
        "mapping": [{"host": host, "builder": builder} for host, builder in pair.mapping],
        "leftovers": list(pair.leftovers),
        "pruned": list(pair.pruned),
        "not_pruned": list(pair.not_pruned),
    }


def outcome_json(outcome: Outcome, repo: str | None = None) -> dict[str, Any]:
    return entry(
        outcome.path,
        outcome.status.value,
        outcome.reason,
        outcome.findings,
        outcome.new_files,
        repo,
    )


# --- the typed loader ------------------------------------------------------------------------


class OutcomeEntry(NamedTuple):
    """One entry read back by `load_entry`, every field checked."""

    path: str
    repo: str | None
    status: str
    reason: str | None
    recipe: str | None
    language: str | None
    framework: str | None
    builder_image: str | None
    tester_image: str | None
    runtime_image: str | None
    artifact: str | None
    runtime_artifact: str | None
    test_command: str | None
    runtime_files: tuple[str, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    new_files: tuple[str, ...]
    pair: Mapping[str, Any] | None = None


class EntryFormatError(ValueError):
    """A JSON document does not match the schema."""


_KEYS = frozenset(entry("", "changed", "", None))
_OPTIONAL = (
    *("repo", "reason", "recipe", "language", "framework"),
    *("artifact", "runtime_artifact", "test_command"),
)
_LISTS = ("runtime_files", "notes", "warnings", "new_files")


def load_entry(item: object, where: str) -> OutcomeEntry:
    """Check one entry's keys and types (`where` names it in errors, e.g. "files[3]")."""
    if not isinstance(item, Mapping) or set(item) - {"verify"} != _KEYS:
        raise EntryFormatError(f"{where} must have exactly the keys {sorted(_KEYS)}")
    images = item["images"]
    if not isinstance(images, Mapping) or set(images) != {"builder", "tester", "runtime"}:
        raise EntryFormatError(f"{where}.images must have builder, tester and runtime")
    if not isinstance(item["path"], str):
        raise EntryFormatError(f"{where}.path must be a string")
    if item["status"] not in STATUSES:
        raise EntryFormatError(f"{where}.status is not a known status")
    scalars = [(k, item[k]) for k in _OPTIONAL] + [(f"images.{k}", v) for k, v in images.items()]
    for name, value in scalars:
        if not isinstance(value, (str, type(None))):
            raise EntryFormatError(f"{where}.{name} must be a string or null")
    for name in _LISTS:
        value = item[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise EntryFormatError(f"{where}.{name} must be a list of strings")
    if item["pair"] is not None and not isinstance(item["pair"], Mapping):
        raise EntryFormatError(f"{where}.pair must be an object or null")
    return OutcomeEntry(
        item["path"],
        item["repo"],
        item["status"],
        item["reason"],
        item["recipe"],
        item["language"],
        item["framework"],
        images["builder"],
        images["tester"],
        images["runtime"],
        item["artifact"],
        item["runtime_artifact"],
        item["test_command"],
        tuple(item["runtime_files"]),
        tuple(item["notes"]),
        tuple(item["warnings"]),
        tuple(item["new_files"]),
        item["pair"],
    )
