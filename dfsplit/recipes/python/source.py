"""What the Python sources say, read as text (never imported): tests, files the app writes,
Django's settings (STATIC_ROOT, the database) and Flask's instance folder.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from dfsplit.model import Project

_TEST_FILE = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|tests\.py|conftest\.py)$")
# Calls that write files beside the code (not /tmp): a sqlite database, uploads, logs.
_WRITES = re.compile(
    r"""sqlite3\.connect\(|sqlite:///(?!/)|['"]db\.sqlite3['"]|\bMEDIA_ROOT\b|UPLOAD_FOLDER"""
    r"""|open\([^)\n]*,\s*['"][wax]b?\+?['"]|\.write_text\(|\.write_bytes\(|os\.makedirs\("""
    r"""|\.mkdir\(|FileHandler\("""
)
_STATIC_ROOT = re.compile(r"^STATIC_ROOT\s*=\s*(.+)$", re.M)
_DB_SERVER = re.compile(
    r"django\.db\.backends\.(postgresql|mysql|oracle)|dj_database_url|DATABASE_URL"
)


class Source(NamedTuple):
    tests: tuple[str, ...]  # test files
    writes: tuple[str, ...]  # "file: what" for each write found
    static_root: str | None  # STATIC_ROOT relative to the project root, when it says
    static_root_unknown: bool  # STATIC_ROOT is set, to something dfsplit cannot read
    db_server: bool  # Django's settings name a database server (the tests need it)


def scan(project: Project, base: str) -> Source:
    """Scan the .py files under the context directory `base` ("" for the root)."""
    prefix = f"{base}/" if base else ""
    files = sorted(p for p in project.context_files if p.startswith(prefix) and p.endswith(".py"))
    tests = tuple(p for p in files if _TEST_FILE.search(p) or "/tests/" in f"/{p}")
    writes: list[str] = []
    static_root, unknown, db_server = None, False, False
    for rel in files:
        if rel in tests:
            continue
        text = project.text(rel) or ""
        m = _WRITES.search(text)
        if m:
            writes.append(f"{rel}: {m.group(0)}")
        if rel.endswith("settings.py") or "/settings/" in rel:
            found = _STATIC_ROOT.search(text)
            if found:
                static_root = _static_root(found.group(1))
                unknown = unknown or static_root is None
            db_server = db_server or bool(_DB_SERVER.search(text))
    return Source(tests, tuple(writes), static_root, unknown, db_server)


def _static_root(expr: str) -> str | None:
    """`BASE_DIR / "staticfiles"`, `os.path.join(BASE_DIR, 'static')` -> the directory."""
    expr = expr.split("#", 1)[0].strip()
    m = re.fullmatch(r"""BASE_DIR\s*/\s*['"]([\w./-]+)['"]""", expr) or re.fullmatch(
        r"""os\.path\.join\(\s*BASE_DIR\s*,\s*['"]([\w./-]+)['"]\s*\)""", expr
    )
    if not m:
        return None
    path = posixpath.normpath(m.group(1))
    return None if path.startswith("..") or path.startswith("/") else path
