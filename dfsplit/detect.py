"""Manifests -> the recipe that applies (the first match in the registry's order)."""

from __future__ import annotations

from dfsplit.model import Detection, Project, Refuse
from dfsplit.recipes import REGISTRY, Recipe


def detect(project: Project, registry: tuple[Recipe, ...] = REGISTRY) -> tuple[Recipe, Detection]:
    for recipe in registry:
        found = recipe.detect(project)
        if found is not None:
            return recipe, found
    looked_for = ", ".join(sorted({w for r in registry for w in r.wants if "*" not in w}))
    raise Refuse(f"no recipe recognises this project (looked for {looked_for})")
