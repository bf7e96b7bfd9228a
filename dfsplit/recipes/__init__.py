"""The ordered registry of recipes: the first whose `detect` claims a project plans it."""

from __future__ import annotations

from dfsplit.model import Recipe
from dfsplit.recipes import go

REGISTRY: tuple[Recipe, ...] = (go.RECIPE,)


def wanted_patterns() -> tuple[str, ...]:
    """Every file pattern some recipe reads, plus what the core reads itself."""
    patterns = {".dockerignore"}
    for recipe in REGISTRY:
        patterns.update(recipe.wants)
    return tuple(sorted(patterns))
