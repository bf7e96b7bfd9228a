"""What a Node app's own sources read from the filesystem at run time (string literals that may
be relative paths, `fs` calls with a computed path, `.env` through dotenv, node-config's
config/ directory), and the calls that write files. Regular expressions over the text;
nothing is executed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.model import Project
from dfsplit.plan.runfiles import Reads
from dfsplit.recipes.node import manifest

# Compiled away by the build, or only for installing and building: never runtime files.
SOURCES = (
    ".ts",
    ".tsx",
    ".mts",
    ".cts",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "tsconfig.json",
    "tsconfig.build.json",
    "nest-cli.json",
)
_CODE = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
_SKIP_DIRS = {"node_modules", "dist", "build", ".next", ".output", "coverage", "test", "tests"}
_STRING = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`$\\]*)`""")
_COMMENT = re.compile(r"(?<![:\w'\"])//[^\n]*|/\*.*?\*/", re.DOTALL)
_FS_CALL = re.compile(
    r"\b(?:readFileSync|readFile|createReadStream|readdirSync|readdir|existsSync|openSync|"
    r"sendFile)\(\s*(?![\s'\"`])([A-Za-z_$][\w.$]*)"
)
_DOTENV = re.compile(
    r"""require\(\s*['"]dotenv['"]\s*\)\s*\.config\(\s*\)|['"]dotenv/config['"]|"""
    r"""\bdotenv\.config\(\s*\)"""
)
# child_process calls with a literal command: the programs the app runs.
_EXEC = re.compile(
    r"""\b(?:exec|execSync|spawn|spawnSync|execFile|execFileSync)\(\s*['"`]([\w./+-]+)"""
)
# Calls that write to the filesystem: fs writes, multer's disk storage, a SQLite file, a log
# file transport. A non-root runtime could not write beside the root-owned app.
_WRITES = re.compile(
    r"\b(?:writeFileSync|writeFile|appendFileSync|appendFile|mkdirSync|mkdir|"
    r"createWriteStream|renameSync|rename|copyFileSync|copyFile|diskStorage)\(|"
    r"\bmulter\(\s*\{\s*dest\s*:|\bnew\s+sqlite3\.Database\(|\btransports\.File\("
)
_NODE_CONFIG = re.compile(r"""require\(\s*['"]config['"]\s*\)|from\s+['"]config['"]""")


class Scan(NamedTuple):
    reads: Reads
    executes: tuple[str, ...]  # programs run through child_process
    writes: tuple[str, ...] = ()  # "file.js: writeFileSync(" calls that write files


def scan(project: Project, pkg: manifest.Package) -> Scan:
    """The app's reads and the programs it runs, from the sources below its package.json
    (its dependencies aside)."""
    prefix = pkg.path("")
    literals: list[str] = []
    opened: list[str] = []
    dynamic: list[str] = []
    executes: list[str] = []
    writes: list[str] = []
    for rel in sorted(project.contents):
        inner = rel[len(prefix) :] if rel.startswith(prefix) else None
        if inner is None or not rel.endswith(_CODE) or _skipped(inner):
            continue
        code = _COMMENT.sub("", project.text(rel) or "")
        literals += [_relative(a or b or c) for a, b, c in _STRING.findall(code)]
        dynamic += [f"{rel}: {m.group(0).strip()}" for m in _FS_CALL.finditer(code)]
        executes += _EXEC.findall(code)
        writes += [f"{rel}: {m.group(0).strip()}" for m in _WRITES.finditer(code)]
        if _DOTENV.search(code):
            opened.append(".env")
        if _NODE_CONFIG.search(code):
            opened.append("config")
    reads = Reads(
        SOURCES,
        literals=tuple(dict.fromkeys(p for p in literals if p)),
        opened=tuple(dict.fromkeys(opened)),
        dynamic_opens=tuple(dynamic),
    )
    return Scan(reads, tuple(dict.fromkeys(executes)), tuple(dict.fromkeys(writes)))


def _skipped(inner: str) -> bool:
    parts = inner.split("/")
    return any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1]) or ".test." in inner


def _relative(literal: str) -> str:
    """`../views` from dist/server.js or src/app.ts names the package's views/."""
    while literal.startswith(("./", "../")):
        literal = literal.split("/", 1)[1]
    return literal
