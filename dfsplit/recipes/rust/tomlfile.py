"""Cargo's files are TOML: read them with tomllib (tomli before Python 3.11), never with
regular expressions, and turn a broken file into a refusal that names it."""

from __future__ import annotations

import sys
from typing import Any

from dfsplit.model import Project, Refuse

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def load(project: Project, rel: str) -> dict[str, Any] | None:
    """The parsed TOML file at context path rel; None when the context has no such file."""
    text = project.text(rel)
    if text is None:
        if project.has(rel):
            raise Refuse(
                f"{rel} is too large or unreadable for dfsplit to read; "
                "the rewrite needs what it declares"
            )
        return None
    try:
        doc: dict[str, Any] = tomllib.loads(text)
        return doc
    except tomllib.TOMLDecodeError as exc:
        raise Refuse(f"{rel} is not valid TOML ({exc}): cargo would not read it either") from exc
    except RecursionError:
        raise Refuse(f"{rel} is nested too deeply to read") from None


def table(doc: dict[str, Any], key: str) -> dict[str, Any]:
    """doc[key] when it is a table, else an empty one."""
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def tables(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """doc[key] when it is an array of tables (`[[bin]]`), else none."""
    value = doc.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def strings(value: object) -> tuple[str, ...]:
    """A TOML array of strings (anything else counts as empty)."""
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()
