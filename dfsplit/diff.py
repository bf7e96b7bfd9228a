"""Line diffs in unified format, byte-exact so that `git apply` and `patch -p1` reproduce the file.

Lines are split on "\\n" only and keep their own endings, so a CRLF file's lines carry "\\r\\n"
and a final line without a newline is a different line from the same text with one.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from typing import Literal

Tag = Literal["=", "-", "+"]
# ("=", i, j): a[i] == b[j] kept; ("-", i, j): a[i] deleted; ("+", i, j): b[j] inserted.
# For "-" the j, and for "+" the i, is the position in the other sequence at that point.
Edit = tuple[Tag, int, int]

# Past this many edit steps the greedy trace would cost O(D^2) memory and time; the remaining
# middle block is then reported as a plain replacement (still a correct, just longer, diff).
MAX_EDIT_STEPS = 2000

NO_NEWLINE = "\\ No newline at end of file\n"


# --- Myers -----------------------------------------------------------------------------------


def myers(
    a: Sequence[Hashable], b: Sequence[Hashable], *, max_steps: int = MAX_EDIT_STEPS
) -> list[Edit]:
    """Return a shortest edit script turning `a` into `b` (Myers 1986, greedy with trace)."""
    n, m = len(a), len(b)
    lo = 0
    while lo < n and lo < m and a[lo] == b[lo]:
        lo += 1
    hi_a, hi_b = n, m
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a -= 1
        hi_b -= 1
    middle = _match_middle(a, b, lo, hi_a, hi_b, max_steps)
    matches = [(i, i) for i in range(lo)] + middle
    matches += [(hi_a + t, hi_b + t) for t in range(n - hi_a)]
    return _script_from_matches(matches, n, m)


def _match_middle(
    a: Sequence[Hashable], b: Sequence[Hashable], lo: int, hi_a: int, hi_b: int, max_steps: int
) -> list[tuple[int, int]]:
    """Matched (i, j) pairs inside a[lo:hi_a] / b[lo:hi_b], found by Myers on interned lines."""
    ids: dict[Hashable, int] = {}
    ia = [ids.setdefault(x, len(ids)) for x in a[lo:hi_a]]
    ib = [ids.setdefault(x, len(ids)) for x in b[lo:hi_b]]
    # A line absent from the other side can never be matched, so dropping it first keeps the
    # result minimal while making "everything changed" inputs cost nothing (as xdiff does).
    in_b, in_a = set(ib), set(ia)
    keep_a = [i for i, x in enumerate(ia) if x in in_b]
    keep_b = [j for j, x in enumerate(ib) if x in in_a]
    pairs = _lcs_pairs([ia[i] for i in keep_a], [ib[j] for j in keep_b], max_steps)
    return [(lo + keep_a[x], lo + keep_b[y]) for x, y in pairs]


def _lcs_pairs(a: list[int], b: list[int], max_steps: int) -> list[tuple[int, int]]:
    """Greedy forward pass storing one V slice per step, then backtrack to the matched pairs."""
    n, m = len(a), len(b)
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    for d in range(min(n + m, max_steps) + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[offset + k] = x
            if x >= n and y >= m:
                trace.append(v[offset - d : offset + d + 1])
                return _backtrack(trace, n, m)
        trace.append(v[offset - d : offset + d + 1])
    return []  # too different: caller reports the block as replaced


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[tuple[int, int]]:
    """Walk the trace from (n, m) back to (0, 0), collecting the diagonal (matched) moves."""
    pairs: list[tuple[int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        prev = trace[d - 1]  # covers k in [-(d-1), d-1], stored at index k + d - 1
        k = x - y
        down = k == -d or (k != d and prev[k - 1 + d - 1] < prev[k + 1 + d - 1])
        prev_k = k + 1 if down else k - 1
        prev_x = prev[prev_k + d - 1]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = prev_x, prev_y
    while x > 0 and y > 0:
        x, y = x - 1, y - 1
        pairs.append((x, y))
    pairs.reverse()
    return pairs


def _script_from_matches(matches: list[tuple[int, int]], n: int, m: int) -> list[Edit]:
    """Turn increasing matched pairs into an edit script; deletions precede insertions in a gap."""
    script: list[Edit] = []
    i = j = 0
    for mi, mj in [*matches, (n, m)]:
        script.extend(("-", x, j) for x in range(i, mi))
        script.extend(("+", mi, y) for y in range(j, mj))
        if mi < n and mj < m:
            script.append(("=", mi, mj))
        i, j = mi + 1, mj + 1
    return script


# --- unified format --------------------------------------------------------------------------


def split_lines(data: bytes) -> list[str]:
    """Decode UTF-8 (undecodable bytes kept via surrogateescape) and split after each "\\n"."""
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])  # the final line has no newline
    return out


def unified_diff(
    old: bytes | None,
    new: bytes | None,
    path: str,
    *,
    new_path: str | None = None,
    context: int = 3,
) -> str:
    """Unified diff of `old` -> `new` as `git diff` writes it; "" when they are equal.

    `old=None` means the file is being created (`--- /dev/null`), `new=None` that it is
    deleted (`+++ /dev/null`). Encode the result with surrogateescape to get the bytes back.
    """
    if old == new:
        return ""
    a = split_lines(old or b"")
    b = split_lines(new or b"")
    script = myers(a, b)
    head_a = "/dev/null" if old is None else f"a/{path}"
    head_b = "/dev/null" if new is None else f"b/{new_path or path}"
    if a == b:  # only possible for None vs b"": a header-only creation or deletion
        return f"--- {head_a}\n+++ {head_b}\n"
    parts = [f"--- {head_a}\n", f"+++ {head_b}\n"]
    for start, end in _hunk_ranges(script, context):
        parts.extend(_format_hunk(script[start:end], a, b))
    return "".join(parts)


def _hunk_ranges(script: list[Edit], context: int) -> Iterator[tuple[int, int]]:
    """Yield [start, end) slices of the script, merging changes at most 2*context lines apart."""
    changed = [pos for pos, edit in enumerate(script) if edit[0] != "="]
    if not changed:
        return
    start, last = changed[0], changed[0]
    for pos in changed[1:]:
        if pos - last - 1 > 2 * context:
            yield max(0, start - context), min(len(script), last + 1 + context)
            start = pos
        last = pos
    yield max(0, start - context), min(len(script), last + 1 + context)


def _format_hunk(hunk: list[Edit], a: list[str], b: list[str]) -> Iterator[str]:
    """One `@@` header and its body lines, each ending in a newline or a no-newline marker."""
    old_count = sum(1 for tag, _, _ in hunk if tag != "+")
    new_count = sum(1 for tag, _, _ in hunk if tag != "-")
    _, i0, j0 = hunk[0]
    yield f"@@ -{_range(i0, old_count)} +{_range(j0, new_count)} @@\n"
    for tag, i, j in hunk:
        line = b[j] if tag == "+" else a[i]
        yield (" " if tag == "=" else tag) + line
        if not line.endswith("\n"):
            yield "\n" + NO_NEWLINE


def _range(start: int, count: int) -> str:
    """GNU/git range: an empty side names the line before it, a count of 1 is left out."""
    if count == 0:
        return f"{start},0"
    return f"{start + 1}" if count == 1 else f"{start + 1},{count}"


# --- terminal colours ------------------------------------------------------------------------

_RESET = "\x1b[0m"
_STYLES = {"-": "\x1b[31m", "+": "\x1b[32m", "@": "\x1b[36m", "h": "\x1b[1m"}
_HUNK_RE = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def colorize(diff: str) -> str:
    """ANSI-colour a unified diff; hunk counts are tracked so "--- x" body lines stay red."""
    out: list[str] = []
    old_left = new_left = 0
    for line in diff.split("\n"):
        match = _HUNK_RE.match(line)
        in_body = old_left > 0 or new_left > 0
        if not in_body and match:
            old_left = 1 if match.group(1) is None else int(match.group(1))
            new_left = 1 if match.group(2) is None else int(match.group(2))
            style = "@"
        elif in_body and line[:1] in ("-", "+", " "):
            old_left -= line[:1] != "+"
            new_left -= line[:1] != "-"
            style = line[:1]
        elif not in_body and line.startswith(("--- ", "+++ ")):
            style = "h"
        else:
            style = ""
        out.append(f"{_STYLES[style]}{line}{_RESET}" if style in _STYLES and line else line)
    return "\n".join(out)
