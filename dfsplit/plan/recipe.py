"""The recipe contract: the one value a language package exports for each recipe it holds.

A recipe is data (its name, its language, the context files it reads) plus the dotted name of
the module holding its two pure functions, `detect` and `plan`. That module is imported only
when a project holds a file the recipe reads: a Go repository never loads the Java recipes.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, NamedTuple, Protocol, cast

from dfsplit.dockerfile.globs import globs_regex

if TYPE_CHECKING:
    from dfsplit.model import Detection, Dockerfile, Options, Plan, Project


class RecipeModule(Protocol):
    """What the module named by `Recipe.module` defines."""

    def detect(self, project: Project) -> Detection | None: ...

    def plan(
        self, df: Dockerfile, project: Project, detection: Detection, options: Options
    ) -> Plan: ...


class Recipe(NamedTuple):
    """One language or framework, as listed in the registry (dfsplit.recipes.REGISTRY)."""

    name: str  # also the key of a `runtime` policy table, e.g. "go", "node_static"
    language: str
    wants: tuple[str, ...]  # glob patterns of context files whose contents detect/plan read
    module: str  # e.g. "dfsplit.recipes.go.plan"
    # The file a user recognises the project by ("go.mod"): a refusal names it as what
    # dfsplit would need (empty: the language alone is named).
    manifest: str = ""

    def detect(self, project: Project) -> Detection | None:
        # Every recipe recognises a project by a file it reads (go.mod, pom.xml, package.json,
        # ...): without one, its detect cannot claim the project, so its module stays unloaded.
        wanted = globs_regex(self.wants)
        if not any(wanted.match(path) for path in project.context_files):
            return None
        return self.load().detect(project)

    def plan(
        self, df: Dockerfile, project: Project, detection: Detection, options: Options
    ) -> Plan:
        return self.load().plan(df, project, detection, options)

    def load(self) -> RecipeModule:
        # sys.modules first: import_module takes the import lock even for a loaded module.
        loaded = sys.modules.get(self.module) or importlib.import_module(self.module)
        return cast(RecipeModule, loaded)
