"""What the IO edge reads for one builder-pattern pair, handed to the pure merge."""

from __future__ import annotations

from typing import NamedTuple

from dfsplit.model import Project
from dfsplit.plan.pairs.find import Pair


class PairInput(NamedTuple):
    """What the IO edge read for one pair."""

    pair: Pair
    build: Project  # the build file, with the (shared) build context
    runtime: Project  # the runtime file, with its build context
    files: frozenset[str]  # the files of the pairs' directory, relative to it
    build_rel: str  # the build file relative to the runtime's context
    script_rel: str | None = None  # the script relative to the runtime's context
    script: bytes | None = None  # its bytes (for --prune)
