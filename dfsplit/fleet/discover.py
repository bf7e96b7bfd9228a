"""Find the Dockerfiles under PATH arguments, and the build context each one is built from.

A PATH is a Dockerfile (taken as given) or a directory walked recursively. The walk skips VCS
and dependency directories and whatever `.gitignore` ignores; a compose file in the same repo
may name another build context for a Dockerfile. Nothing here reads a Dockerfile's contents.

Dockerfiles the walk finds below a directory that holds no image of the app (a dev container,
CI images, docs, examples, test data) are yielded too, marked skipped with the reason, so that
a run reports them instead of refusing or rewriting them. A file named as a PATH is always
taken, and so is every file below a directory named as a PATH.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from dfsplit.dockerfile.globs import IgnoreRule, is_ignored, parse_gitignore
from dfsplit.files import DOCKERFILE_NAMES, WALK_SKIP_DIRS

# Files named like Dockerfile.* that are not Dockerfiles: per-Dockerfile ignore files,
# merge leftovers, editor backups, templates rendered by other tools.
_NOT_DOCKERFILE_SUFFIXES = (
    ".dockerignore",
    ".orig",
    ".rej",
    ".bak",
    ".swp",
    ".patch",
    ".diff",
    ".j2",
    ".jinja",
    ".tmpl",
    ".tpl",
    ".template",
    ".md",
    ".dfsplit-tmp",
    "~",
)
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")

_ANYWAY = "; name the file on the command line to rewrite it anyway"
_TESTS = "holds test images and test data, not an image of the app" + _ANYWAY
# Directories whose Dockerfiles are not images of the repository's app, at any depth below a
# walked PATH, with the reason a run reports for each Dockerfile found in them.
NON_APP_DIRS = {
    ".devcontainer": ".devcontainer/ holds a development container, not an image of the app"
    + _ANYWAY,
    ".github": ".github/ holds CI and GitHub Action images, not an image of the app" + _ANYWAY,
    "docs": "docs/ holds documentation, not an image of the app" + _ANYWAY,
    "examples": "examples/ holds examples, not an image of the app" + _ANYWAY,
    "testdata": "testdata/ " + _TESTS,
    "fixtures": "fixtures/ " + _TESTS,
    "__fixtures__": "__fixtures__/ " + _TESTS,
    "test": "test/ " + _TESTS,
    "tests": "tests/ " + _TESTS,
}


class Target(NamedTuple):
    """One Dockerfile to process and where its build happens."""

    dockerfile: Path
    context: Path
    root: Path  # reads (symlinks included) must stay inside this directory
    repo: Path | None  # the nearest enclosing directory with .git, if any (resolved)
    real: str  # os.path.realpath(dockerfile), learnt while walking
    problem: str = ""  # non-empty: discovery already knows the file cannot be processed
    skipped: str = ""  # non-empty: why the walk found no image of the app here (NON_APP_DIRS)
    named: bool = False  # named on the command line: never skipped


def is_dockerfile_name(name: str) -> bool:
    """Dockerfile, Containerfile, *.Dockerfile, Dockerfile.* (any case)."""
    low = name.lower()
    if "dockerfile" not in low and "containerfile" not in low:
        return False  # most names a walk meets: one cheap test settles them
    if low.endswith(_NOT_DOCKERFILE_SUFFIXES):
        return False
    for base in ("dockerfile", "containerfile"):
        if low == base or low.endswith("." + base) or low.startswith(base + "."):
            return True
    return False


def find_repo(path: Path) -> Path | None:
    """The nearest directory at or above `path` holding `.git` (a directory, or a worktree file)."""
    found = _repo_of(os.path.abspath(path))
    return Path(found) if found else None


@functools.lru_cache(maxsize=4096)
def _repo_of(directory: str) -> str:
    # Cached per directory: a thousand Dockerfiles share a few hundred parent directories.
    if os.path.lexists(os.path.join(directory, ".git")):
        return directory
    parent = os.path.dirname(directory)
    return "" if parent == directory else _repo_of(parent)


# --- walking ---------------------------------------------------------------------------------


class Found(NamedTuple):
    """A Dockerfile the walk found, with what the walk learnt on the way to it."""

    path: Path
    real: str  # os.path.realpath(path)
    repo: Path | None  # resolved, as find_repo(path.parent.resolve()) gives it
    skipped: str = ""  # why it is no image of the app (below a NON_APP_DIRS directory)


class _Frame(NamedTuple):
    """A directory still to visit."""

    path: str  # as walked from the top
    rel: str  # relative to `base`, posix: what .gitignore rules match
    rules: list[IgnoreRule]
    base: str  # the resolved repository root, or the resolved top outside any repository
    repo: Path | None
    skipped: str = ""  # set below a NON_APP_DIRS directory (the outermost one names it)


def walk(top: Path) -> tuple[list[Path], list[Path]]:
    """Dockerfiles and compose files under `top`, sorted, pruning skipped and ignored paths.

    Paths are matched relative to the repository root (so .gitignore files above `top` apply);
    each repository found below `top` starts its own set of rules, as git does.
    """
    found, composes = _walk(top)
    return [f.path for f in found], composes


def _walk(top: Path) -> tuple[list[Found], list[Path]]:
    # Strings, not Path objects, inside the loop: a fleet walk visits every file of a thousand
    # clones. The walk never enters a symlinked directory, so base + rel is a resolved path and
    # no Dockerfile needs a realpath of its own unless it is itself a symlink.
    dockerfiles: list[Found] = []
    composes: list[Path] = []
    stack = [_top_frame(top)]
    while stack:
        directory, rel_dir, rules, base, repo, inherited = stack.pop()
        entries = _entries(directory)
        names = {e.name for e in entries}
        nested = directory != str(top) and ".git" in names
        if nested:
            # A nested repository: its ignore rules and relative paths start afresh.
            base = os.path.join(base, rel_dir)
            rel_dir, rules, repo = "", [], Path(base)
        # Named or a repository's root, a directory holds the app whatever its name.
        own = (
            "" if nested or directory == str(top) else NON_APP_DIRS.get(os.path.basename(directory))
        )
        skipped = inherited or own or ""
        if ".gitignore" in names:
            rules = rules + _read_rules(Path(directory), rel_dir)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            pruned = is_dir and entry.name in WALK_SKIP_DIRS
            if pruned or (rules and is_ignored(rules, rel, is_dir)):
                continue
            if is_dir:
                stack.append(_Frame(entry.path, rel, rules, base, repo, skipped))
            elif is_dockerfile_name(entry.name):
                real = os.path.realpath(entry) if entry.is_symlink() else os.path.join(base, rel)
                dockerfiles.append(Found(Path(entry.path), real, repo, skipped))
            elif entry.name in COMPOSE_NAMES:
                composes.append(Path(entry.path))
    # The visiting order does not matter: both lists are sorted here.
    return sorted(dockerfiles, key=lambda f: f.path), sorted(composes)


def _entries(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return list(it)
    except OSError:
        return []  # unreadable directories are skipped like empty ones


def _read_rules(directory: Path, rel_dir: str) -> list[IgnoreRule]:
    try:
        text = (directory / ".gitignore").read_text("utf-8", errors="replace")
    except OSError:
        return []
    return parse_gitignore(text, rel_dir)


def _top_frame(top: Path) -> _Frame:
    """`top` relative to its repository root, with the rules of .gitignore files above it."""
    here = top.resolve()
    repo = find_repo(here)
    if repo is None or repo == here:
        return _Frame(str(top), "", [], str(here), repo)
    rel_top = here.relative_to(repo)
    rules: list[IgnoreRule] = []
    for rel in reversed(rel_top.parents):  # ".", "a", "a/b" for rel_top "a/b/c"
        base = "" if str(rel) == "." else rel.as_posix()
        rules += _read_rules(repo / rel, base)
    return _Frame(str(top), rel_top.as_posix(), rules, str(repo), repo)


# --- compose ---------------------------------------------------------------------------------


def build_entries(text: str) -> list[tuple[str, str]]:
    """(context, dockerfile) of every service's `build:` in a compose file.

    PyYAML is used when installed (anchors, merges); otherwise a small reader that understands
    the `build:` shapes compose files use: a string, a block mapping, a flow mapping.
    """
    try:
        import yaml
    except ImportError:
        return read_builds(text)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        return []
    builds = (_build_of(s.get("build")) for s in services.values() if isinstance(s, dict))
    return [b for b in builds if b is not None]


def _build_of(build: object) -> tuple[str, str] | None:
    if isinstance(build, str):
        return build, "Dockerfile"
    if isinstance(build, dict):
        context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
        if isinstance(context, str) and isinstance(dockerfile, str):
            return context, dockerfile
    return None


_KEY = re.compile(r"^(\s*)([A-Za-z0-9_.-]+|\"[^\"]*\"|'[^']*')\s*:(?:\s+(.*))?$")


def read_builds(text: str) -> list[tuple[str, str]]:
    """The dependency-free reader: `services.<name>.build` in block-style YAML."""
    out: list[tuple[str, str]] = []
    lines = [_strip_comment(line) for line in text.splitlines()]
    in_services, service_indent, build_indent = False, -1, -1
    build: dict[str, str] | None = None
    for line in lines:
        match = _KEY.match(line)
        if not match:
            continue
        indent, key, value = len(match.group(1)), _unquote(match.group(2)), match.group(3) or ""
        if build is not None and indent <= build_indent:
            out.append(_build_pair(build))
            build = None
        if indent == 0:
            in_services, service_indent = key == "services", -1
            continue
        if not in_services:
            continue
        if service_indent < 0:
            service_indent = indent
        if build is not None:
            build[key] = _unquote(value)
        elif indent > service_indent and key == "build":
            build, build_indent = _start_build(value, out), indent
    if build is not None:
        out.append(_build_pair(build))
    return out


def _start_build(value: str, out: list[tuple[str, str]]) -> dict[str, str] | None:
    """A string or flow-mapping `build:` is complete on its line; a block one continues."""
    value = value.strip()
    if value.startswith("{") and value.endswith("}"):
        pairs = (part.split(":", 1) for part in value[1:-1].split(",") if ":" in part)
        out.append(_build_pair({_unquote(k): _unquote(v) for k, v in pairs}))
        return None
    if value:
        out.append((_unquote(value), "Dockerfile"))
        return None
    return {}


def _build_pair(build: dict[str, str]) -> tuple[str, str]:
    return build.get("context") or ".", build.get("dockerfile") or "Dockerfile"


def _strip_comment(line: str) -> str:
    # A " #" outside quotes starts a comment; compose paths rarely contain one.
    quote = ""
    for i, char in enumerate(line):
        if char in "\"'" and not quote:
            quote = char
        elif char == quote:
            quote = ""
        elif char == "#" and not quote and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def compose_contexts(compose_files: Iterable[Path]) -> dict[str, tuple[Path, str]]:
    """A Dockerfile's realpath -> (build context, problem) named by compose `build:` entries.

    Dockerfile paths are relative to the context, the context to the compose file. A context
    outside the compose file's repository (or a remote one) is recorded as a problem.
    """
    found: dict[str, tuple[Path, str]] = {}
    for compose in compose_files:
        scope = find_repo(compose.parent) or compose.parent
        try:
            text = compose.read_text("utf-8", errors="replace")
        except OSError:
            continue
        for context, dockerfile in build_entries(text):
            entry = _resolve_build(compose, scope, context, dockerfile)
            if entry is not None:
                found.setdefault(entry[0], (entry[1], entry[2]))
    return found


def _resolve_build(
    compose: Path, scope: Path, context: str, dockerfile: str
) -> tuple[str, Path, str] | None:
    if "://" in context or context.startswith("git@"):
        return None  # a remote context has no local files to rewrite
    ctx = Path(os.path.normpath(compose.parent / context))
    path = Path(os.path.normpath(ctx / dockerfile))
    real_scope = Path(os.path.realpath(scope))
    real_ctx = Path(os.path.realpath(ctx))
    problem = ""
    if real_ctx != real_scope and not real_ctx.is_relative_to(real_scope):
        problem = f"compose build.context {context!r} in {compose} is outside {scope}"
    return os.path.realpath(path), ctx, problem


def ancestor_composes(start: Path) -> list[Path]:
    """Compose files in the directories above `start`, up to its repository root."""
    repo = find_repo(start.resolve())
    if repo is None:
        return []
    out = []
    here = start.resolve()
    for directory in (here, *here.parents):
        out += [directory / n for n in COMPOSE_NAMES if (directory / n).is_file()]
        if directory == repo:
            break
    return out


# --- targets -------------------------------------------------------------------------------


def discover(paths: Sequence[Path]) -> Iterator[Target]:
    """Every Dockerfile named by or found under `paths`, each with its build context.

    An explicit file keeps today's behaviour (context = its directory) unless a compose file
    of its repository says otherwise; a missing path yields a Target with a problem.
    """
    _repo_of.cache_clear()  # the cache lives for one discovery; trees change between runs
    # Files named one by one (pre-commit passes every staged Dockerfile) share directories:
    # their compose files are found and read once per directory.
    contexts_in: dict[Path, dict[str, tuple[Path, str]]] = {}
    for top in paths:
        problem = _path_problem(top)
        if problem:
            yield Target(top, top.parent, top.parent, None, os.path.realpath(top), problem)
        elif top.is_dir():
            yield from _targets_in_dir(top)
        else:
            if top.parent not in contexts_in:
                contexts_in[top.parent] = compose_contexts(ancestor_composes(top.parent))
            yield _target(_named_file(top), top.parent, contexts_in[top.parent])._replace(
                named=True
            )


def _path_problem(top: Path) -> str:
    """Why a PATH argument cannot be walked or read ("" when it can): missing, a name too
    long, a parent that is a file."""
    try:
        os.lstat(top)
    except FileNotFoundError:
        return "no such file or directory"
    except OSError as exc:
        return (exc.strerror or type(exc).__name__).lower()
    return ""


def _targets_in_dir(top: Path) -> Iterator[Target]:
    dockerfiles, composes = _walk(top)
    if not dockerfiles:
        # What `dfsplit detect DIR` would read: a directory named Dockerfile is no Dockerfile.
        for name in DOCKERFILE_NAMES:
            if (top / name).is_dir():
                path = top / name
                problem = "is a directory, not a Dockerfile"
                yield Target(path, top, top, None, os.path.realpath(path), problem)
                return
    contexts = compose_contexts([*ancestor_composes(top), *composes])
    for found in dockerfiles:
        yield _target(found, top, contexts)


def _named_file(path: Path) -> Found:
    """A Dockerfile named on the command line: resolve what a walk would have learnt."""
    return Found(path, os.path.realpath(path), find_repo(path.parent.resolve()))


def _target(found: Found, default_root: Path, contexts: dict[str, tuple[Path, str]]) -> Target:
    dockerfile, real, repo, skipped = found
    named = contexts.get(real)
    if named is None:
        return Target(dockerfile, dockerfile.parent, default_root, repo, real, skipped=skipped)
    context, problem = named
    # The context may lie beside the Dockerfile's directory, so reads are bounded by the repo.
    root = repo or Path(os.path.commonpath([context.resolve(), dockerfile.parent.resolve()]))
    if not problem:
        context = _as_shown(context, dockerfile)
    return Target(dockerfile, context, root, repo, real, problem, skipped)


def _as_shown(context: Path, dockerfile: Path) -> Path:
    """The context spelled relative like the Dockerfile path when that one was relative."""
    if dockerfile.is_absolute():
        return context
    try:
        return Path(os.path.relpath(context))
    except ValueError:
        return context
