"""Manifests -> the recipe that applies (the first match in the registry's order)."""

from __future__ import annotations

import functools

from dfsplit.model import Detection, Project, Refuse
from dfsplit.plan.buildkit import CI_FILES
from dfsplit.plan.recipe import Recipe
from dfsplit.plan.runfiles import CONFIG_FILES
from dfsplit.recipes import REGISTRY


def detect(
    project: Project, registry: tuple[Recipe, ...] = REGISTRY, *, base_image: str = ""
) -> tuple[Recipe, Detection]:
    """The first recipe that claims the project; Refuse, saying what dfsplit would need."""
    for recipe in registry:
        found = recipe.detect(project)
        if found is not None:
            return recipe, found
    raise Refuse(unsupported(registry, base_image))


def unsupported(registry: tuple[Recipe, ...], base_image: str) -> str:
    """What dfsplit saw (no manifest it knows, the base image), what it splits, what to do."""
    manifests = list(dict.fromkeys(r.manifest for r in registry if r.manifest))
    languages = list(dict.fromkeys(r.language.capitalize() for r in registry))
    saw = f"no {_listing(manifests, 'or')} in the build context"
    if base_image:
        saw += f", and the Dockerfile builds FROM {base_image}"
    return (
        f"{saw}: dfsplit splits {_listing(languages, 'and')} projects, recognised by these "
        "files; if the project's manifest is in another directory, make that directory the "
        "build context (the `context` of a compose file's build sets it)"
    )


def _listing(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


@functools.cache  # the registry is fixed: computed once, not for each file read
def wanted_patterns() -> tuple[str, ...]:
    """Every file pattern some recipe reads, plus what the pipeline reads itself."""
    patterns = {".dockerignore", *CONFIG_FILES, *CI_FILES}
    for recipe in REGISTRY:
        patterns.update(recipe.wants)
    return tuple(sorted(patterns))
