"""Manifests -> the recipe that applies (the first match in the registry's order)."""

from __future__ import annotations

import functools

from dfsplit.model import Detection, Project, Refuse
from dfsplit.plan.buildkit import CI_FILES
from dfsplit.plan.recipe import Recipe
from dfsplit.recipes import REGISTRY


def detect(project: Project, registry: tuple[Recipe, ...] = REGISTRY) -> tuple[Recipe, Detection]:
    for recipe in registry:
        found = recipe.detect(project)
        if found is not None:
            return recipe, found
    looked_for = ", ".join(sorted({w for r in registry for w in r.wants if "*" not in w}))
    raise Refuse(f"no recipe recognises this project (looked for {looked_for})")


@functools.cache  # the registry is fixed: computed once, not for each file read
def wanted_patterns() -> tuple[str, ...]:
    """Every file pattern some recipe reads, plus what the pipeline reads itself."""
    patterns = {".dockerignore", *CI_FILES}
    for recipe in REGISTRY:
        patterns.update(recipe.wants)
    return tuple(sorted(patterns))
