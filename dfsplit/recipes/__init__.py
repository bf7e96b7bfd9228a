"""The ordered registry of recipes: the first whose `detect` claims a project plans it.

A new language is a new module here (with `detect` and `plan`), a line in REGISTRY and its
template under templates/. A recipe's module is imported only when a project holds a file the
recipe reads: a Go repository never pays for loading the Java and Node recipes.
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import TYPE_CHECKING, NamedTuple, Protocol, cast

from dfsplit.globs import globs_regex

if TYPE_CHECKING:
    from dfsplit.model import Detection, Dockerfile, Options, Plan, Project


class _Module(Protocol):
    def detect(self, project: Project) -> Detection | None: ...

    def plan(
        self, df: Dockerfile, project: Project, detection: Detection, options: Options
    ) -> Plan: ...


class Recipe(NamedTuple):
    """One language or framework; its logic lives in the module dfsplit.recipes.<name>."""

    name: str
    language: str
    wants: tuple[str, ...]  # glob patterns of context files whose contents detect/plan read

    def detect(self, project: Project) -> Detection | None:
        # Every recipe recognises a project by a file it reads (go.mod, pom.xml, package.json,
        # ...): without one, its detect cannot claim the project, so its module stays unloaded.
        wanted = globs_regex(self.wants)
        if not any(wanted.match(path) for path in project.context_files):
            return None
        return self.module().detect(project)

    def plan(
        self, df: Dockerfile, project: Project, detection: Detection, options: Options
    ) -> Plan:
        return self.module().plan(df, project, detection, options)

    def module(self) -> _Module:
        name = f"{__name__}.{self.name}"
        # sys.modules first: import_module takes the import lock even for a loaded module.
        return cast(_Module, sys.modules.get(name) or importlib.import_module(name))


NODE_WANTS = (
    "**/package.json",
    "**/yarn.lock",
    "**/.yarnrc.yml",
    "**/angular.json",
    "**/vite.config.*",
    "**/vue.config.*",
    "**/astro.config.*",
    "**/next.config.*",
    "**/nginx-spa.conf",
)

REGISTRY: tuple[Recipe, ...] = (
    Recipe("go", "go", ("**/go.mod", "**/go.sum", "**/*.go", "go.work", "vendor/modules.txt")),
    Recipe(
        "maven",
        "java",
        ("**/pom.xml", "**/src/main/**/*.java", ".mvn/wrapper/maven-wrapper.properties"),
    ),
    Recipe(
        "gradle",
        "java",
        (
            "**/build.gradle",
            "**/build.gradle.kts",
            "**/settings.gradle",
            "**/settings.gradle.kts",
            "**/gradle.properties",
        ),
    ),
    Recipe("node_static", "node", NODE_WANTS),  # before node_server: a front end has a
    Recipe("node_server", "node", NODE_WANTS),  # package.json too
)


@functools.cache  # the registry is fixed: computed once, not for each file read
def wanted_patterns() -> tuple[str, ...]:
    """Every file pattern some recipe reads, plus what the core reads itself."""
    patterns = {".dockerignore"}
    for recipe in REGISTRY:
        patterns.update(recipe.wants)
    return tuple(sorted(patterns))
