"""Organisation policy from TOML: `[tool.dfsplit]` in pyproject.toml, `.dfsplit.toml`, `--config`.

Precedence, lowest first: the `--config FILE` (org-wide policy) < the file found upward from
each Dockerfile < command-line flags. The `runtime` tables merge per language; every other key
replaces. Validation is strict so that a typo in a policy file is an error, not a silent no-op.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from dfsplit.dockerfile.globs import is_ignored, parse_gitignore
from dfsplit.model import Options

CONFIG_NAMES = (".dfsplit.toml", "pyproject.toml")  # same directory: the dedicated file wins
KEYS = (
    *("runtime", "registry", "uid", "tester", "gate-tests", "cache-mounts", "lean"),
    *("templates", "exclude"),
)
_BOOL_FIELDS = {
    "tester": "tester",
    "gate-tests": "gate_tests",
    "cache-mounts": "cache_mounts",
    "lean": "lean",
}


class ConfigError(Exception):
    """A config file cannot be used; str() is one line naming the file and the key."""

    def __init__(self, path: Path | str, reason: str, key: str = "") -> None:
        self.path = str(path)
        self.key = key
        self.reason = reason
        where = f"{self.path}: key '{key}'" if key else self.path
        super().__init__(f"{where}: {reason}")


class OptionLayer(NamedTuple):
    """The keys one config file sets (None: not set), already validated and normalised."""

    source: str = ""
    runtime: tuple[tuple[str, str], ...] = ()
    registry: str | None = None
    uid: str | None = None
    tester: bool | None = None
    gate_tests: bool | None = None
    cache_mounts: bool | None = None
    lean: bool | None = None
    templates: str | None = None
    # .gitignore-style patterns of Dockerfiles a walk skips, relative to the file's directory
    # (to each repository's root for --config); not an Option: discovery applies them.
    exclude: tuple[str, ...] = ()


# --- pure: table -> OptionLayer -----------------------------------------------------------------


def _closest(key: str) -> str | None:
    """The known key within two edits of a mistyped one (`gate_tests`, `registy`)."""

    def distance(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        return row[-1]

    scored = sorted((distance(key.replace("_", "-"), k), k) for k in KEYS)
    return scored[0][1] if scored and scored[0][0] <= 2 else None


def parse_table(
    table: Mapping[str, object], source: Path, known_runtimes: frozenset[str]
) -> OptionLayer:
    """Validate a `[tool.dfsplit]` table; `templates` is resolved against the file's directory."""
    for key in table:
        if key not in KEYS:
            hint = _closest(key)
            more = f" (did you mean '{hint}'?)" if hint else f"; known keys: {', '.join(KEYS)}"
            raise ConfigError(source, f"unknown key{more}", key)
    values: dict[str, Any] = {}
    if "runtime" in table:
        values["runtime"] = _runtime(table["runtime"], source, known_runtimes)
    if "registry" in table:
        values["registry"] = _string(table, "registry", source)
    if "uid" in table:
        values["uid"] = _uid(table["uid"], source)
    for key, name in _BOOL_FIELDS.items():
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(source, f"must be true or false, not {_kind(table[key])}", key)
            values[name] = table[key]
    if "templates" in table:
        values["templates"] = _templates(table, source)
    if "exclude" in table:
        values["exclude"] = _exclude(table["exclude"], source)
    return OptionLayer(source=str(source), **values)


def _kind(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _string(table: Mapping[str, object], key: str, source: Path) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, f"must be a non-empty string, not {_kind(value)}", key)
    return value


def _runtime(value: object, source: Path, known: frozenset[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(
            source, f"must be a table of language = image, not {_kind(value)}", "runtime"
        )
    out = []
    for name, image in sorted(value.items()):
        key = f"runtime.{name}"
        if known and name not in known:
            raise ConfigError(
                source, f"unknown language or recipe; known: {', '.join(sorted(known))}", key
            )
        if not isinstance(image, str) or not image.strip() or any(c.isspace() for c in image):
            raise ConfigError(source, f"must be an image reference, not {image!r}", key)
        out.append((name, image))
    return tuple(out)


def _uid(value: object, source: Path) -> str:
    """10001 -> "10001:10001"; "10001:10002" kept; anything else is an error."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return f"{value}:{value}"
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) in (1, 2) and all(p.isdigit() and 0 < int(p) < 2**31 for p in parts):
            return value if len(parts) == 2 else f"{value}:{value}"
    raise ConfigError(
        source,
        f'must be a positive integer or "uid:gid", not {value!r} (a numeric non-root user)',
        "uid",
    )


def _exclude(value: object, source: Path) -> tuple[str, ...]:
    """A list of .gitignore-style patterns (`examples/`, `deploy/legacy/**`, `*.dev.Dockerfile`)."""
    if not isinstance(value, list):
        raise ConfigError(source, f"must be an array of patterns, not {_kind(value)}", "exclude")
    for n, pattern in enumerate(value):
        key = f"exclude[{n}]"
        if not isinstance(pattern, str) or not pattern.strip("/ "):
            raise ConfigError(source, f"must be a non-empty pattern, not {pattern!r}", key)
        if pattern.startswith("!") or "\n" in pattern or pattern.startswith("#"):
            raise ConfigError(
                source, f"{pattern!r}: `!`, `#` and line breaks are not supported", key
            )
    return tuple(value)


def excluded_by(patterns: tuple[str, ...], rel: str) -> str | None:
    """The first pattern that excludes the Dockerfile at `rel` (posix, relative to where the
    patterns apply), itself or one of its directories, as .gitignore would; None if none does."""
    parts = rel.split("/")
    for pattern in patterns:
        rules = parse_gitignore(pattern, "")
        for depth in range(1, len(parts) + 1):
            if is_ignored(rules, "/".join(parts[:depth]), is_dir=depth < len(parts)):
                return pattern
    return None


def _templates(table: Mapping[str, object], source: Path) -> str:
    path = source.parent / _string(table, "templates", source)
    if not path.is_dir():
        raise ConfigError(source, f"{path} is not a directory", "templates")
    return str(path.resolve())


def merge(options: Options, *policies: OptionLayer) -> Options:
    """Apply policies in order of rising precedence on top of `options`' defaults."""
    for policy in policies:
        runtime = dict(options.runtime_images)
        runtime.update(policy.runtime)
        options = options._replace(runtime_images=tuple(sorted(runtime.items())))
        for field in ("tester", "gate_tests", "cache_mounts", "lean"):
            value = getattr(policy, field)
            if value is not None:
                options = options._replace(**{field: value})
        if policy.registry is not None:
            options = options._replace(registry_prefix=policy.registry)
        if policy.uid is not None:
            options = options._replace(uid=policy.uid)
        if policy.templates is not None:
            options = options._replace(template_dir=policy.templates)
    if options.gate_tests and not options.tester:
        # Name the layer that settled it: the last one to set tester or gate-tests.
        deciders = [p for p in policies if p.tester is not None or p.gate_tests is not None]
        source = next((p.source for p in reversed(deciders) if p.source), "config")
        raise ConfigError(source, "gate-tests needs the tester; set tester = true", "gate-tests")
    return options


def as_policy(options: Options, source: str = "command line") -> OptionLayer:
    """Options given on the command line (or by a caller) as the top policy layer: only what
    differs from the defaults, so that a config file still decides everything else."""
    return OptionLayer(
        source=source,
        runtime=options.runtime_images,
        registry=options.registry_prefix,
        uid=options.uid,
        tester=False if not options.tester else None,
        gate_tests=True if options.gate_tests else None,
        cache_mounts=options.cache_mounts,
        lean=True if options.lean else None,
        templates=options.template_dir,
    )


# --- IO: files -> OptionLayer -------------------------------------------------------------------


def known_runtime_keys() -> frozenset[str]:
    """Recipe names and languages a `runtime` table may name."""
    from dfsplit.recipes import REGISTRY

    return frozenset({r.name for r in REGISTRY} | {r.language for r in REGISTRY})


def load_file(path: Path) -> OptionLayer:
    """`--config FILE`: a `.dfsplit.toml`-style file, or a pyproject.toml with [tool.dfsplit]."""
    table = _read_table(path)
    if table is None:
        raise ConfigError(path, "has no [tool.dfsplit] table")
    return parse_table(table, path, known_runtime_keys())


def _read_table(path: Path) -> Mapping[str, object] | None:
    """The dfsplit table of a file, or None when a pyproject.toml has none."""
    from dfsplit import files  # the IO edge's safe read: a FIFO named --config must not block

    try:
        data = files.read_small_file(path)
    except files.FileError as exc:
        raise ConfigError(path, exc.reason) from None
    if path.name == "pyproject.toml" and not may_hold_dfsplit_table(data):
        return None  # most pyproject.toml files found upward are not about dfsplit
    # Imported here: most runs find no config file, and start-up time matters.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        doc: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not valid UTF-8 (byte offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    if path.name == "pyproject.toml" or "tool" in doc:
        tool = doc.get("tool", {})
        table = tool.get("dfsplit") if isinstance(tool, dict) else None
        if table is not None and not isinstance(table, dict):
            raise ConfigError(path, "must be a table", "tool.dfsplit")
        return table
    return doc


# A TOML key or table header sits on one line, so a file that defines tool.dfsplit has a line
# naming both (`[tool.dfsplit]`, `tool.dfsplit.uid = ...`, `tool = {dfsplit = ...}`), or a
# `[tool]` table, or a `tool = ` key whose value may span lines. Unicode escapes in quoted
# keys ("\u0074ool") are not recognised.
_DFSPLIT_TABLE = re.compile(
    rb"tool.*dfsplit|^[ \t]*\[[ \t]*[\"']?tool[\"']?[ \t]*\]|^[ \t]*[\"']?tool[\"']?[ \t]*=",
    re.MULTILINE,
)


def may_hold_dfsplit_table(data: bytes) -> bool:
    """False only when a pyproject.toml certainly has no [tool.dfsplit]: TOML need not be read."""
    return _DFSPLIT_TABLE.search(data) is not None


class Finder:
    """Finds and caches the config file that applies to each directory (IO, memoised).

    Directories are plain strings inside: a fleet run asks for every Dockerfile's directory
    and its parents, and Path objects cost more than the stat calls they wrap."""

    def __init__(self) -> None:
        self._by_dir: dict[str, OptionLayer | ConfigError | None] = {}
        self._known: frozenset[str] | None = None

    def for_dockerfile(self, dockerfile: Path) -> OptionLayer | None:
        """The nearest config upward from the Dockerfile, stopping at the repository root."""
        return self.for_directory(dockerfile.parent.resolve())

    def for_directory(self, directory: Path | str) -> OptionLayer | None:
        """The nearest config upward from `directory`, which must be resolved."""
        found = self._lookup(os.fspath(directory))
        if isinstance(found, ConfigError):
            raise found
        return found

    def _lookup(self, directory: str) -> OptionLayer | ConfigError | None:
        if directory in self._by_dir:
            return self._by_dir[directory]
        result: OptionLayer | ConfigError | None = None
        try:
            result = self._here(directory)
        except ConfigError as exc:
            result = exc
        parent = os.path.dirname(directory)
        stop = os.path.exists(os.path.join(directory, ".git")) or parent == directory
        if result is None and not stop:
            result = self._lookup(parent)
        self._by_dir[directory] = result
        return result

    def _here(self, directory: str) -> OptionLayer | None:
        for name in CONFIG_NAMES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                table = _read_table(Path(path))
                if table is not None:
                    if self._known is None:
                        self._known = known_runtime_keys()
                    return parse_table(table, Path(path), self._known)
        return None
