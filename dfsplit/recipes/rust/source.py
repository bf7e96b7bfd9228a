"""What the Rust source says about run time: string literals that may be relative paths,
files it opens or writes, programs it runs, and what is compiled in (`include_str!`,
`sqlx::migrate!`, rust-embed folders). Regular expressions over the text; nothing is compiled.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from dfsplit.model import Project
from dfsplit.plan.runfiles import Reads

# Sources and manifests: never runtime files.
SOURCES = (".rs", "Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml")

# Comments, then strings: "..." (escapes allowed), r"..." and r#"..."#. One pattern, so that
# whichever starts first wins ("http://x" is a string, not a comment).
_TOKEN = re.compile(
    r'(?P<comment>//[^\n]*|/\*.*?\*/)|\br(?P<hashes>#*)"(?P<raw>.*?)"(?P=hashes)'
    r'|"(?P<plain>(?:[^"\\]|\\.)*)"',
    re.DOTALL,
)
# A char literal like '"' is not the start of a string.
_CHAR_QUOTE = re.compile(r"'\\?\"'")
# Compiled in: these literals name files read at build time, not at run time.
_EMBED = re.compile(
    r'(?:include_str|include_bytes|include|migrate|embed_migrations|include_dir)!\s*\(\s*"([^"]*)"'
    r'|#\[(?:folder|template)\s*\(?\s*(?:path\s*=\s*)?"([^"]*)"'
    r'|#\[folder\s*=\s*"([^"]*)"'
)
_DEFAULT_EMBED = re.compile(r"\b(?:sqlx::)?migrate!\s*\(\s*\)|embed_migrations!\s*\(\s*\)")
_OPENED = re.compile(
    r"(?:File::open|fs::read_to_string|fs::read|fs::read_dir|fs::metadata|Tera::new|"
    r"ServeDir::new|ServeFile::new|NamedFile::open|FileServer::from|from_filename|from_path|"
    r"File::with_name|Files::new\(\s*\"[^\"]*\"\s*,)\(?\s*\"([^\"]+)\""
)
_WRITES = re.compile(
    r"\b(?:File::create|fs::write|fs::create_dir_all|fs::create_dir|OpenOptions)\b"
)
_DYNAMIC_OPEN = re.compile(
    r"\b(?:File::open|fs::read_to_string|fs::read|fs::read_dir)\(\s*(&?[A-Za-z_][\w.]*)"
)
_EXEC = re.compile(r"Command::new\(\s*\"([^\"]+)\"")


class Source(NamedTuple):
    literals: tuple[str, ...] = ()
    embedded: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()
    dynamic_opens: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    executes: tuple[str, ...] = ()
    finds_migrations: bool = False  # diesel's find_migrations_directory at run time

    def reads(self) -> Reads:
        literals = self.literals + (("migrations",) if self.finds_migrations else ())
        return Reads(SOURCES, literals, self.embedded, self.opened, self.dynamic_opens)


def scan_source(project: Project, context_dir: str) -> Source:
    """Every .rs file under context_dir, except tests, benches, examples and target/."""
    prefix = "" if context_dir in (".", "") else context_dir.rstrip("/") + "/"
    literals: list[str] = []
    embedded: list[str] = []
    opened: list[str] = []
    dynamic: list[str] = []
    writes: list[str] = []
    executes: list[str] = []
    migrations = False
    for path in sorted(project.context_files):
        if not path.startswith(prefix) or not path.endswith(".rs") or _skipped(path[len(prefix) :]):
            continue
        code, strings = _tokens(_CHAR_QUOTE.sub("' '", project.text(path) or ""))
        for match in _EMBED.finditer(code):
            embedded.append(next(g for g in match.groups() if g is not None))
        if _DEFAULT_EMBED.search(code):
            embedded.append("migrations")
        migrations |= "find_migrations_directory" in code
        opened += _OPENED.findall(code)
        writes += [f"{path}: {m}" for m in _WRITES.findall(code)]
        dynamic += [f"{path}: {m}" for m in _DYNAMIC_OPEN.findall(code)]
        executes += _EXEC.findall(code)
        literals += strings
    return Source(
        literals=tuple(dict.fromkeys(x for x in literals if x)),
        embedded=tuple(dict.fromkeys(embedded)),
        opened=tuple(dict.fromkeys(opened)),
        dynamic_opens=tuple(dict.fromkeys(dynamic)),
        writes=tuple(dict.fromkeys(writes)),
        executes=tuple(dict.fromkeys(executes)),
        finds_migrations=migrations,
    )


def _tokens(text: str) -> tuple[str, list[str]]:
    """The code without its comments, and its string literals in order."""
    strings: list[str] = []

    def keep(m: re.Match[str]) -> str:
        if m.group("comment") is not None:
            return " "
        strings.append(m.group("raw") if m.group("raw") is not None else m.group("plain"))
        return m.group(0)

    return _TOKEN.sub(keep, text), strings


def _skipped(rel: str) -> bool:
    parts = rel.split("/")
    return any(p in {"target", "tests", "benches", "examples", "vendor"} for p in parts[:-1])
