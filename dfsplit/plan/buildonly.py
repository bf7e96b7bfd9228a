"""Which files of a build context only serve the build: sources, VCS, CI, tests, Docker files.

Shared by every recipe; a recipe adds its language's knowledge (source suffixes, build
output and tool directories) through `Reads.sources` and `Reads.build_only`. Whatever is
not known to be build-only may be read by the app at run time.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

# Files no app reads at run time, by name.
_NAMES = re.compile(
    r"^(Dockerfile[^/]*|[^/]*\.[Dd]ockerfile|\.dockerignore|(docker-)?compose[^/]*\.ya?ml|"
    r"Makefile|Jenkinsfile|Procfile|\.gitlab-ci\.yml|\.travis\.yml|\.editorconfig|"
    r"\.git[^/]*|\.pre-commit-config\.yaml|(README|LICEN[CS]E|CHANGELOG|CONTRIBUTING)[^/]*)$"
)
# Directories no app reads at run time: VCS, CI, editors, tests.
_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".github",
        ".gitlab",
        ".circleci",
        ".vscode",
        ".idea",
        ".devcontainer",
        "test",
        "tests",
        "__tests__",
        "testdata",
    }
)
_TEST_FILE = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$")


class BuildOnly:
    """Answers "is this context path only for the build?" for files and directories."""

    def __init__(self, sources: tuple[str, ...], prefixes: Iterable[str] = ()) -> None:
        self.sources = sources  # suffixes: ".go", "pom.xml", ...
        self.prefixes = tuple(p.rstrip("/") for p in prefixes)  # "target", "src/main/java"
        self._dirty: set[str] = set()  # directories holding a build-only file
        self._useful: set[str] = set()  # directories holding any other file

    def index(self, files: Iterable[str]) -> None:
        """Classify every context file once, for the directory questions below."""
        build: list[str] = []
        other: list[str] = []
        for rel in files:
            (build if self.file(rel) else other).append(rel)
        self._dirty, self._useful = ancestors(build), ancestors(other)

    def holds_build_files(self, rel_dir: str) -> bool:
        return rel_dir in self._dirty

    def holds_runtime_files(self, rel_dir: str) -> bool:
        return rel_dir in self._useful

    def file(self, rel: str) -> bool:
        """A context file (posix, relative to the context root) the app never reads."""
        parts = rel.split("/")
        if any(p in _DIRS for p in parts[:-1]):
            return True
        name = parts[-1]
        if rel.endswith(self.sources) or _NAMES.match(name) or _TEST_FILE.search(rel):
            return True
        if name.startswith(".") and not name.startswith(".env"):
            return True  # tool settings (.eslintrc, .air.toml, .npmrc); .env is the app's
        return any(rel == p or rel.startswith(p + "/") for p in self.prefixes)


def ancestors(paths: Iterable[str]) -> set[str]:
    """Every directory above the given paths, "" (the root) included."""
    out: set[str] = set()
    for rel in paths:
        directory = posixpath.dirname(rel)
        while directory not in out:
            out.add(directory)
            if not directory:
                break
            directory = posixpath.dirname(directory)
    return out
