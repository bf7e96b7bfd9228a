"""BuildKit's word rules for instruction arguments: ENV/ARG/LABEL pairs, COPY/ADD sources,
exec-form JSON arrays and `$VAR` substitution. Pure functions over strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache

# dockerfile-parse's own splitter understands ENV/LABEL quoting.
from dockerfile_parse.util import WordSplitter


def _reject_constant(name: str) -> object:
    # Go's encoding/json (BuildKit) rejects NaN/Infinity, so they are not exec form.
    raise ValueError(name)


# Stateless, so one instance serves every call (building one per call showed in profiles).
JSON = json.JSONDecoder(parse_constant=_reject_constant)


def is_exec_form(value: str) -> list[str] | None:
    """The list if `value` is exactly a JSON array of strings (exec form), else None."""
    try:
        parsed = JSON.decode(value)
    except (ValueError, RecursionError):  # nested arrays are not exec form however deep
        return None
    if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
        return parsed
    return None


# Sized for the largest file dfsplit reads (1 MiB: at most ~90,000 distinct lines of this kind):
# the stage model, carry and the recipes each read every instruction, and an LRU cache smaller
# than one file misses on every read of a long one (a step up in time per KB).
@lru_cache(maxsize=1 << 17)
def parse_pairs(value: str) -> tuple[tuple[str, str, str], ...]:
    """ENV/LABEL/ARG pairs as (key, value, raw `key=value` token). Cached: every walk of a
    stage reads the same instructions again."""
    words = list(WordSplitter(value).split(dequote=False))
    if not words:
        return ()
    if "=" not in words[0]:  # legacy `ENV KEY value words`
        key, _, rest = value.strip().partition(" ")
        raw_val = rest.strip()
        return ((key, WordSplitter(raw_val).dequote(), f"{key}={raw_val}"),)
    pairs = []
    for word in words:
        key, _, raw_val = word.partition("=")
        pairs.append((WordSplitter(key).dequote(), WordSplitter(raw_val).dequote(), word))
    return tuple(pairs)


def copy_words(args: str) -> list[str] | None:
    """Sources and destination of a COPY/ADD (JSON or plain form)."""
    words = _copy_words(args.strip())
    return list(words) if words is not None else None


@lru_cache(maxsize=4096)
def _copy_words(stripped: str) -> tuple[str, ...] | None:
    if stripped.startswith("["):
        argv = is_exec_form(stripped)
        return tuple(argv) if argv is not None else None
    return tuple(WordSplitter(stripped).split())


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(word: str, known: Mapping[str, str]) -> str | None:
    """Substitute `$X` / `${X}` from known; None when a variable is unknown."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(2)
        if name not in known:
            missing = True
            return ""
        return known[name]

    out = _VAR.sub(sub, word)
    if missing or "${" in out:
        return None
    return out


def variables(text: str) -> set[str]:
    """Names of the `$X` / `${X}` references in text."""
    return {m.group(1) or m.group(2) for m in _VAR.finditer(text)}
