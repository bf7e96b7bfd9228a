"""BuildKit cache mounts on a builder's RUN steps: the flags, and when a RUN can take them.

Shared by the recipes; each recipe knows its tools' cache directories. A cache mount's content
never reaches the image layer, so only download and compile caches are mounted, never a
directory a later step or a `COPY --from` reads (node_modules, an output directory).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dfsplit.model import Instruction
from dfsplit.plan.stage import State

# A mount option is a comma-separated list: a target with a comma, a space or a quote would
# change its meaning.
_SAFE_TARGET = re.compile(r"^/[A-Za-z0-9_./@+-]*$")


def cache_flags(targets: Iterable[str]) -> str:
    """`--mount=type=cache,target=...` for each target that is a plain absolute path."""
    return " ".join(f"--mount=type=cache,target={t}" for t in targets if _SAFE_TARGET.match(t))


def why_not_mountable(ins: Instruction, state: State) -> str | None:
    """Why dfsplit leaves this RUN without cache mounts, or None when it can take them."""
    if any(flag.startswith("--mount") for flag in ins.flags):
        return "the RUN mounts already"
    if ins.args.lstrip().startswith("["):
        return "an exec-form RUN"
    if state.user not in (None, "root", "0"):
        return "the RUN runs as a non-root user (the cache directory is not root's)"
    return None


def home(state: State) -> str:
    return state.env.get("HOME") or "/root"
