"""What the Go source says about run time: cgo, time zones, temp files, programs it runs and
files it reads or writes. Regular expressions over the text; the project is never compiled.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.model import Project
from dfsplit.plan.runfiles import Reads

# Modules that only work with cgo: a static build compiles but fails at run time.
CGO_MODULES = (
    "github.com/mattn/go-sqlite3",
    "github.com/mattn/go-oci8",
    "github.com/godror/godror",
    "github.com/confluentinc/confluent-kafka-go",
    "gopkg.in/confluentinc/confluent-kafka-go",
    "github.com/tecbot/gorocksdb",
    "github.com/linxGnu/grocksdb",
    "github.com/DataDog/zstd",
    "github.com/valyala/gozstd",
    "github.com/h2non/bimg",
    "github.com/davidbyttow/govips",
    "github.com/go-gl/glfw",
    "github.com/go-gl/gl",
    "github.com/miekg/pkcs11",
    "github.com/ceph/go-ceph",
    "github.com/ibmdb/go_ibm_db",
    "github.com/gen2brain/go-fitz",
)


# Go sources and module files: never runtime files; vendor/ is compiled in.
SOURCES = (".go", ".mod", ".sum", ".work")
BUILD_ONLY = ("vendor",)


_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`([^`]*)`')


_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.MULTILINE | re.DOTALL)


_IMPORT_LINE = re.compile(r'^import\s+(?:[\w.]+\s+)?"[^"]*"', re.MULTILINE)


_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


_EMBED = re.compile(r"^//go:embed\s+(.+)$", re.MULTILINE)


_EXEC = re.compile(r'exec\.(?:Command|CommandContext|LookPath)\(\s*(?:\w+\s*,\s*)?"([^"]+)"')


_TEMP = re.compile(
    r"os\.(?:CreateTemp|MkdirTemp|TempDir)\(|ioutil\.(?:TempFile|TempDir)\(|"
    r"\.ParseMultipartForm\(|\.FormFile\("
)


# Calls `pkg.Func(` whose package name must start a word (see _calls: not a leading \b).
_OPENED = re.compile(
    r"(?:os\.(?:Open|ReadFile|ReadDir|OpenFile|Stat)|ioutil\.ReadFile|template\.ParseFiles|"
    r"template\.ParseGlob|http\.Dir|godotenv\.Load)\(\s*\"([^\"]+)\""
)


_WRITES = re.compile(
    r"(?:os\.(?:Create|WriteFile|Mkdir|MkdirAll|OpenFile|Rename)\(|ioutil\.WriteFile\(|"
    r"sql\.Open\(\s*\"sqlite3?\")"
)


_DYNAMIC_OPEN = re.compile(
    r"(?:os\.(?:Open|ReadFile|ReadDir|OpenFile)|ioutil\.ReadFile|template\.ParseFiles|"
    r"template\.ParseGlob|http\.Dir|http\.ServeFile)\(\s*(?:w\s*,\s*r\s*,\s*)?([A-Za-z_][\w.]*)"
)


# godotenv.Load() with no file names reads .env from the working directory.
_DOTENV = re.compile(r"godotenv\.(?:Load|Overload)\(\s*\)")
# Calls that find their files at run time: config search paths, the executable's directory.
_SEARCHES = re.compile(r"[A-Za-z_]\w*\.ReadInConfig\(|os\.Executable\(")


class Source(NamedTuple):
    """Facts about the source that decide the runtime image (other recipes fill in literals)."""

    uses_cgo: bool = False
    needs_tz: bool = False
    needs_tmp: bool = False
    literals: tuple[str, ...] = ()  # string literals outside imports and comments
    embedded: tuple[str, ...] = ()  # //go:embed patterns
    executes: tuple[str, ...] = ()  # programs run through os/exec
    dynamic_opens: tuple[str, ...] = ()  # "file.go: os.ReadFile(path)" with a computed path
    opened: tuple[str, ...] = ()  # literal paths handed straight to a file-opening call
    writes: tuple[str, ...] = ()  # "file.go: os.Create(" calls that write to the filesystem
    has_tests: bool = False

    def reads(self) -> Reads:
        """What the shared runtime-file search needs to know."""
        return Reads(
            SOURCES, self.literals, self.embedded, self.opened, self.dynamic_opens, BUILD_ONLY
        )


def scan_source(project: Project, context_dir: str) -> Source:
    prefix = "" if context_dir in (".", "") else context_dir.rstrip("/") + "/"
    go_files = sorted(
        p
        for p in project.context_files
        if p.endswith(".go") and p.startswith(prefix) and not _ignored_dir(p[len(prefix) :])
    )
    literals: list[str] = []
    embedded: list[str] = []
    executes: list[str] = []
    dynamic: list[str] = []
    opened: list[str] = []
    writes: list[str] = []
    cgo = tz = tmp = tzdata = False
    for path in go_files:
        if path.endswith("_test.go"):
            continue
        text = project.text(path) or ""
        if "//go:embed" in text:  # rare: a substring test spares most files the regex
            embedded += [w for line in _EMBED.findall(text) for w in line.split()]
        code = _COMMENT.sub("", text)
        imports = " ".join(_IMPORT_BLOCK.findall(code) + _IMPORT_LINE.findall(code))
        cgo |= bool(re.search(r'"C"', imports))
        tzdata |= '"time/tzdata"' in imports
        tz |= "LoadLocation(" in code
        tmp |= bool(_TEMP.search(code))
        executes += _EXEC.findall(code)
        opened += _calls(_OPENED, code) + [".env" for _ in _DOTENV.finditer(code)]
        dynamic += [f"{path}: {m.rstrip('(')}" for m in _calls(_SEARCHES, code)]
        writes += [f"{path}: {m.split('(')[0]}" for m in _calls(_WRITES, code)]
        dynamic += [f"{path}: {m}" for m in _calls(_DYNAMIC_OPEN, code) if m not in {"nil"}]
        body = _IMPORT_LINE.sub("", _IMPORT_BLOCK.sub("", code))
        literals += [a or b for a, b in _STRING.findall(body)]
    has_tests = any(p.endswith("_test.go") for p in go_files)
    return Source(
        uses_cgo=cgo,
        needs_tz=tz and not tzdata,
        needs_tmp=tmp,
        literals=tuple(dict.fromkeys(literals)),
        embedded=tuple(embedded),
        executes=tuple(dict.fromkeys(executes)),
        dynamic_opens=tuple(dynamic),
        opened=tuple(dict.fromkeys(opened)),
        writes=tuple(dict.fromkeys(writes)),
        has_tests=has_tests,
    )


def _calls(pattern: re.Pattern[str], code: str) -> list[str]:
    """findall for a pattern of calls, keeping those whose package name starts a word
    (`os.Create(`, not `videos.Create(`). A leading \\b in the pattern would say the same,
    but it keeps re from skipping ahead to the pattern's first letters: 3 to 5 times slower."""
    out = []
    for match in pattern.finditer(code):
        i = match.start()
        if i and (code[i - 1].isalnum() or code[i - 1] == "_"):
            continue
        out.append(match.group(1) if pattern.groups else match.group(0))
    return out


def _ignored_dir(rel: str) -> bool:
    parts = rel.split("/")[:-1]
    return any(p in {"vendor", "testdata"} or p.startswith((".", "_")) for p in parts)


def cgo_modules(requires: tuple[str, ...]) -> list[str]:
    return [r for r in requires if any(r == m or r.startswith(m + "/v") for m in CGO_MODULES)]


def imports(text: str) -> list[str]:
    """The import paths of one Go file."""
    code = _COMMENT.sub("", text)
    found = " ".join(_IMPORT_BLOCK.findall(code) + _IMPORT_LINE.findall(code))
    return re.findall(r'"([^"]+)"', found)
