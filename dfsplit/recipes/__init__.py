"""The ordered registry of recipes: the first whose `detect` claims a project plans it.

A new language is a new module here plus its template under templates/.
"""

from __future__ import annotations

from dfsplit.model import Recipe
from dfsplit.recipes import go, gradle, maven, node_server, node_static

REGISTRY: tuple[Recipe, ...] = (
    go.RECIPE,
    maven.RECIPE,
    gradle.RECIPE,
    node_static.RECIPE,  # before node_server: a static front end also has a package.json
    node_server.RECIPE,
)


def wanted_patterns() -> tuple[str, ...]:
    """Every file pattern some recipe reads, plus what the core reads itself."""
    patterns = {".dockerignore"}
    for recipe in REGISTRY:
        patterns.update(recipe.wants)
    return tuple(sorted(patterns))
