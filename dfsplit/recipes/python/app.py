"""The naive stage read as a Python build: the image, the installs, where the packages went,
the manifests and the sources; the planning modules add notes, warnings and edits to it.
"""

from __future__ import annotations

import posixpath

from dfsplit.model import Dockerfile, Edit, Project, Refuse
from dfsplit.plan import carry
from dfsplit.plan.stage import StageModel, base_image
from dfsplit.recipes.python import images, manifest, source
from dfsplit.recipes.python.installs import (
    Install,
    Target,
    find_installs,
    installs_project,
    named_packages,
    requirement_args,
)

# pip, uv, Poetry and Pipenv settings shape the install, never the running app.
BUILD_ENV = {
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_TRUSTED_HOST",
    "PIP_ROOT_USER_ACTION",
    "PIP_BREAK_SYSTEM_PACKAGES",
    "PIP_PREFER_BINARY",
    "PIP_CERT",
    "POETRY_VERSION",
    "POETRY_HOME",
    "POETRY_NO_INTERACTION",
    "POETRY_VIRTUALENVS_CREATE",
    "POETRY_VIRTUALENVS_IN_PROJECT",
    "POETRY_CACHE_DIR",
    "UV_COMPILE_BYTECODE",
    "UV_LINK_MODE",
    "UV_CACHE_DIR",
    "UV_NO_CACHE",
    "UV_PYTHON_DOWNLOADS",
    "UV_FROZEN",
    "UV_LOCKED",
    "UV_NO_DEV",
    "UV_SYSTEM_PYTHON",
    "UV_NATIVE_TLS",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "PIPENV_VENV_IN_PROJECT",
    "PIPENV_SYSTEM",
    "PIPENV_NOSPIN",
    "PIPENV_HIDE_EMOJIS",
}


class App:
    """Everything the plan reads, computed once."""

    __slots__ = (
        "app_dir",
        "base",
        "builder_image",
        "df",
        "edits",
        "installs",
        "kept",
        "model",
        "notes",
        "project",
        "py",
        "source",
        "target",
        "warnings",
    )

    def __init__(self, df: Dockerfile, project: Project, default_uid: str) -> None:
        self.df = df
        self.project = project
        self.builder_image = base_image(df)
        self.py = images.read_image(self.builder_image)
        self.model = StageModel(df, df.stages()[0], project, self.builder_image)
        self.kept = carry.carry(df, self.model, BUILD_ENV, default_uid)
        self.notes: list[str] = list(self.kept.notes)
        self.warnings: list[str] = list(self.kept.warnings)
        self.edits: list[Edit] = list(self.kept.edits)
        self.installs: list[Install] = find_installs(self.model)
        self.target = _one_target(self.installs)
        root = self.model.root_copy()
        self.app_dir = root.dest if root is not None else self.model.final.workdir
        found = self.model.context_path(self.app_dir)
        self.base = found if found and found != "." and project.has_dir(found) else ""
        self.source = source.scan(project, self.base)

    def rel(self, name: str) -> str:
        """A path of the project directory (where the manifests are), context-relative."""
        return posixpath.join(self.base, name) if self.base else name

    def manifests(self) -> list[str]:
        return [self.rel(n) for n in manifest.MANIFESTS if self.project.has(self.rel(n))]


# Installs of these alone set up the tools, not the app's packages.
TOOL_PACKAGES = frozenset(
    {"pip", "setuptools", "wheel", "poetry", "uv", "pipenv", "virtualenv", "pip-tools", "build"}
)


def app_installs(installs: list[Install]) -> list[Install]:
    """The installs of the app's packages (`pip install --upgrade pip poetry` is not one)."""
    out = []
    for install in installs:
        names = {
            manifest.normalize(n.split("=")[0].split("<")[0].split(">")[0])
            for n in named_packages(install)
        }
        only_tools = names and names <= TOOL_PACKAGES and not requirement_args(install)
        if not only_tools or installs_project(install):
            out.append(install)
    return out


def _one_target(installs: list[Install]) -> Target | None:
    """Where the app's packages are: every install of them must agree."""
    targets = list(dict.fromkeys(i.target for i in app_installs(installs)))
    if len(targets) > 1:
        where = "; ".join(f"{t.kind} {t.path}".strip() for t in targets)
        raise Refuse(
            f"the installs put packages in more than one place ({where}): dfsplit copies one "
            "environment into the runtime; install everything into one place (one venv, or "
            "all with or all without --user) and run dfsplit again"
        )
    return targets[0] if targets else None
