"""Where tsc writes the JavaScript for a TypeScript source, computed as tsc does it.

The rules (typescriptlang.org/tsconfig: rootDir, outDir, include, exclude, files, extends):
- the inputs are `files` plus what `include` matches (default `**/*`, or nothing when `files`
  is set) less `exclude` (default node_modules, bower_components, jspm_packages and outDir),
  plus every file they import by relative path;
- `extends` merges compilerOptions; files, include and exclude of the extending config replace
  the base's; every path is relative to the config that sets it;
- rootDir defaults to the longest common directory of the non-declaration inputs (the config's
  directory under `composite`); each input is written to outDir/<its path below rootDir>, or
  beside its source without an outDir.
What cannot be read statically (a base config from a package, a computed value) is refused.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, NamedTuple

from dfsplit.dockerfile.globs import globs_regex
from dfsplit.model import Project, Refuse
from dfsplit.recipes.node import manifest

_TS = (".ts", ".tsx", ".mts", ".cts")
_JS = (".js", ".jsx", ".mjs", ".cjs")
_DEFAULT_EXCLUDE = ("node_modules", "bower_components", "jspm_packages")
_IMPORT = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.\.?/[^'"]+)['"]""",
    re.MULTILINE,
)
_EMITTED = {".ts": ".js", ".tsx": ".js", ".mts": ".mjs", ".cts": ".cjs"}


class Config(NamedTuple):
    """A tsconfig with `extends` applied; paths are context-relative."""

    rel: str  # the config file
    options: dict[str, Any]  # merged compilerOptions, paths made context-relative
    files: tuple[str, ...] | None
    include: tuple[str, ...] | None
    exclude: tuple[str, ...] | None


def emitted(project: Project, config_rel: str, source_rel: str) -> str:
    """The context path of the .js file tsc emits for source_rel under config_rel."""
    config = load(project, config_rel)
    inputs = input_files(project, config)
    if source_rel not in inputs:
        raise Refuse(f"{config_rel} does not compile {source_rel}")
    options = config.options
    out_dir = options.get("outDir")
    if "rootDir" in options:
        root = options["rootDir"]
    elif options.get("composite"):
        root = posixpath.dirname(config.rel)
    else:
        root = _common_dir([p for p in inputs if not _declaration(p)])
    below = posixpath.relpath(source_rel, root or ".")
    if below.startswith(".."):
        raise Refuse(f"{source_rel} is outside rootDir {root} of {config_rel}: tsc fails")
    stem, ext = posixpath.splitext(below)
    target = posixpath.join(out_dir, stem) if out_dir else posixpath.join(root, stem)
    return posixpath.normpath(target + _EMITTED.get(ext, ext))


def load(project: Project, rel: str, depth: int = 0) -> Config:
    """The config at rel with its `extends` chain merged."""
    if depth > 8:
        raise Refuse(f"{rel}: `extends` goes too deep")
    data = _read(project, rel)
    here = posixpath.dirname(rel)
    options = {k: _rel_option(k, v, here) for k, v in _dict(data.get("compilerOptions")).items()}
    own = Config(rel, options, _paths(data, "files", here), *_patterns(data, here))
    bases = data.get("extends")
    for base in [bases] if isinstance(bases, str) else bases or []:
        if not isinstance(base, str) or not base.startswith("."):
            _check_package_base(own, base)
            continue
        parent = load(project, _config_path(here, base), depth + 1)
        own = Config(
            rel,
            {**parent.options, **own.options},
            own.files if own.files is not None else parent.files,
            own.include if own.include is not None else parent.include,
            own.exclude if own.exclude is not None else parent.exclude,
        )
    return own


def input_files(project: Project, config: Config) -> list[str]:
    """The files tsc compiles: files, include less exclude, and their relative imports."""
    here = posixpath.dirname(config.rel)
    js = bool(config.options.get("allowJs"))
    suffixes = _TS + (_JS if js else ())
    include = (
        config.include
        if config.include is not None
        else (() if config.files is not None else (posixpath.join(here, "**/*"),))
    )
    exclude = (
        config.exclude
        if config.exclude is not None
        else tuple(posixpath.join(here, d) for d in _DEFAULT_EXCLUDE)
    )
    out_dir = config.options.get("outDir")
    skip = [*exclude, *([out_dir] if out_dir else [])]
    wanted, unwanted = _matcher(include), _matcher(skip)
    found = {p for p in config.files or () if project.has(p)}
    found |= {
        p
        for p in project.context_files
        if p.endswith(suffixes) and wanted.match(p) and not unwanted.match(p)
    }
    return sorted(_with_imports(project, found, suffixes))


def _with_imports(project: Project, found: set[str], suffixes: tuple[str, ...]) -> set[str]:
    out = set(found)
    queue = sorted(found)
    while queue:
        rel = queue.pop()
        for spec in _IMPORT.findall(project.text(rel) or ""):
            target = _resolve_import(project, posixpath.dirname(rel), spec)
            if target and target.endswith(suffixes) and target not in out:
                out.add(target)
                queue.append(target)
    return out


def _resolve_import(project: Project, directory: str, spec: str) -> str | None:
    base = posixpath.normpath(posixpath.join(directory, spec))
    if base.startswith(".."):
        return None
    stem = base[: -len(posixpath.splitext(base)[1])] if base.endswith(_JS) else base
    for candidate in (
        base,
        *(stem + e for e in (*_TS, ".d.ts")),
        *(posixpath.join(base, "index" + e) for e in _TS),
    ):
        if project.has(candidate):
            return candidate
    return None


def _common_dir(paths: list[str]) -> str:
    if not paths:
        return "."
    parts = [posixpath.dirname(p).split("/") if posixpath.dirname(p) else [] for p in paths]
    common: list[str] = []
    for names in zip(*parts, strict=False):  # as long as the shortest
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return "/".join(common) or "."


def _declaration(rel: str) -> bool:
    return bool(re.search(r"\.d\.[cm]?ts$", rel))


def _matcher(patterns: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """tsc's include/exclude globs: a segment without a wildcard or extension is a directory."""
    globs: list[str] = []
    for pattern in patterns:
        pattern = posixpath.normpath(pattern)
        last = pattern.rsplit("/", 1)[-1]
        if pattern == ".":
            globs.append("**/*")
        elif "*" not in last and "?" not in last and "." not in last:
            globs += [pattern, f"{pattern}/**/*"]
        else:
            globs.append(pattern)
    return globs_regex(tuple(globs))


def _read(project: Project, rel: str) -> dict[str, Any]:
    text = project.text(rel)
    if text is None:
        raise Refuse(f"{rel} is not in the build context (or too large to read)")
    data = manifest.load_json(_json_text(text) or "{}", rel, "tsc")
    if not isinstance(data, dict):
        raise Refuse(f"{rel} is not a JSON object")
    return data


_JSONC = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|,(\s*[}\]])', re.DOTALL)


def _json_text(text: str) -> str:
    """tsconfig is JSON with comments and trailing commas."""

    def keep(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith('"'):
            return token
        return m.group(1) or ""

    return _JSONC.sub(keep, text).strip()


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _rel_option(key: str, value: object, here: str) -> object:
    if key in {"outDir", "rootDir"}:
        if not isinstance(value, str) or "$" in value:
            raise Refuse(f"compilerOptions.{key} is not a plain path: {value!r}")
        return posixpath.normpath(posixpath.join(here, value))
    return value


def _paths(data: dict[str, Any], key: str, here: str) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Refuse(f"tsconfig `{key}` is not a list of paths")
    return tuple(posixpath.normpath(posixpath.join(here, v)) for v in value)


def _patterns(
    data: dict[str, Any], here: str
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    return _paths(data, "include", here), _paths(data, "exclude", here)


def _config_path(here: str, base: str) -> str:
    rel = posixpath.normpath(posixpath.join(here, base))
    return rel if rel.endswith(".json") else rel + ".json"


def _check_package_base(own: Config, base: object) -> None:
    """A base config from a package (`@tsconfig/node20`) is not in the context: fine only when
    this config sets everything that decides where the output goes."""
    if "outDir" not in own.options or "rootDir" not in own.options:
        raise Refuse(
            f"{own.rel} extends {base!r}, which is not in the build context, and does not set "
            "both outDir and rootDir: where tsc writes the output cannot be determined"
        )
