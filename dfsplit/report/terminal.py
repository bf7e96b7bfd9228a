"""Text bound for a terminal: a reason or path quoted from a file must not drive it."""

from __future__ import annotations

import re

# C0 controls (line breaks too: each message is one line), DEL and the C1 controls, which a
# terminal reads as escape sequences (`\x1b]0;title\x07` retitles the window).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with every control character written as a visible `\\xNN` escape."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
