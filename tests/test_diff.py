"""dfsplit.diff: Myers line diff and byte-exact unified output, checked against git and patch."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unidiff import PatchSet

from dfsplit.diff import Edit, colorize, myers, split_lines, unified_diff

NAME = "Dockerfile"


def _big_pair() -> tuple[bytes, bytes]:
    """A 3,000-line file and a copy with scattered inserts, deletes and replacements."""
    rng = random.Random(7)
    old = [f"RUN step {i} {rng.randrange(1000)}\n" for i in range(3000)]
    new = list(old)
    for pos in sorted(rng.sample(range(2990), 40), reverse=True):
        kind = pos % 3
        if kind == 0:
            new.insert(pos, f"RUN inserted at {pos}\n")
        elif kind == 1:
            del new[pos]
        else:
            new[pos] = f"RUN replaced {pos}\n"
    return "".join(old).encode(), "".join(new).encode()


def _ten(change: int | None = None, text: str = "X") -> bytes:
    lines = [f"line {i}\n" for i in range(1, 11)]
    if change is not None:
        lines[change] = f"{text}\n"
    return "".join(lines).encode()


BIG_OLD, BIG_NEW = _big_pair()

# (old, new, added, removed); None for old means the file does not exist yet.
CASES = [
    pytest.param(b"a\nb\nc\n", b"a\nb\nX\nc\n", 1, 0, id="insert"),
    pytest.param(b"a\nb\nc\n", b"a\nc\n", 0, 1, id="delete"),
    pytest.param(b"a\nb\nc\n", b"a\nB\nc\n", 1, 1, id="replace"),
    pytest.param(_ten(), _ten(0), 1, 1, id="change-at-start"),
    pytest.param(_ten(), _ten(9), 1, 1, id="change-at-end"),
    pytest.param(_ten(), _ten(1).replace(b"line 9\n", b"nine\n"), 2, 2, id="two-hunks"),
    pytest.param(_ten(), _ten(1).replace(b"line 8\n", b"eight\n"), 2, 2, id="merged-hunk"),
    pytest.param(b"a\nb", b"a\nb\n", 1, 1, id="no-eol-old"),
    pytest.param(b"a\nb\n", b"a\nc", 1, 1, id="no-eol-new"),
    pytest.param(b"a\nb", b"a\nc", 1, 1, id="no-eol-both"),
    pytest.param(b"a\nb\nc", b"A\nb\nc", 1, 1, id="no-eol-context"),
    pytest.param(b"FROM x\r\nRUN a\r\n", b"FROM x\r\nRUN b\r\nRUN c\r\n", 2, 1, id="crlf"),
    pytest.param(b"FROM x\r\nRUN a", b"FROM x\r\nRUN b", 1, 1, id="crlf-no-eol"),
    pytest.param(b"a\r\nb\n", b"a\nb\n", 1, 1, id="line-ending-only"),
    pytest.param(b"", b"FROM x\nRUN a\n", 2, 0, id="empty-old"),
    pytest.param(b"FROM x\nRUN a\n", b"", 0, 2, id="empty-new"),
    pytest.param(None, b"FROM x\nRUN a\n", 2, 0, id="created"),
    pytest.param(b"\xef\xbb\xbfFROM x\nRUN a\n", b"\xef\xbb\xbfFROM y\nRUN a\n", 1, 1, id="bom"),
    pytest.param(
        "# héllo ☃\nFROM x\n".encode(), "# 日本語 ☃\nFROM x\n".encode(), 1, 1, id="unicode"
    ),
    pytest.param(b"# \xff\xfe\nFROM x\n", b"# \xff\xfd\nFROM x\n", 1, 1, id="invalid-utf8"),
    pytest.param(BIG_OLD, BIG_NEW, None, None, id="3000-lines"),
]


def _encode(diff: str) -> bytes:
    return diff.encode("utf-8", "surrogateescape")


def _git_repo(root: Path, old: bytes | None) -> Path:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    if old is not None:
        (root / NAME).write_bytes(old)
    return root


def _git_apply(repo: Path, diff: str) -> None:
    patch = repo.parent / f"{repo.name}.patch"
    patch.write_bytes(_encode(diff))
    for args in (["--check"], []):
        subprocess.run(["git", "apply", *args, str(patch)], cwd=repo, check=True)


def _hunks_only(diff: str) -> str:
    """The diff from its first hunk on, with git's function-context text after `@@` dropped."""
    body = diff[diff.index("\n@@") + 1 :]
    return re.sub(r"^(@@ [^@]* @@).*$", r"\1", body, flags=re.M)


def _counts(old: bytes | None, new: bytes) -> tuple[int, int]:
    script = myers(split_lines(old or b""), split_lines(new))
    return sum(e[0] == "+" for e in script), sum(e[0] == "-" for e in script)


@pytest.mark.parametrize(("old", "new", "added", "removed"), CASES)
def test_unidiff_parses_counts(
    old: bytes | None, new: bytes, added: int | None, removed: int | None
) -> None:
    diff = unified_diff(old, new, NAME)
    (patched,) = PatchSet(diff)
    if added is None or removed is None:
        added, removed = _counts(old, new)
    assert (patched.added, patched.removed) == (added, removed)


@pytest.mark.parametrize(("old", "new", "added", "removed"), CASES)
def test_git_apply_reproduces_bytes(
    tmp_path: Path, old: bytes | None, new: bytes, added: object, removed: object
) -> None:
    repo = _git_repo(tmp_path / "repo", old)
    _git_apply(repo, unified_diff(old, new, NAME))
    assert (repo / NAME).read_bytes() == new


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch not installed")
@pytest.mark.parametrize(("old", "new", "added", "removed"), CASES)
def test_patch_p1_reproduces_bytes(
    tmp_path: Path, old: bytes | None, new: bytes, added: object, removed: object
) -> None:
    if old is not None:
        (tmp_path / NAME).write_bytes(old)
    diff_file = tmp_path.parent / f"{tmp_path.name}.patch"
    diff_file.write_bytes(_encode(unified_diff(old, new, NAME)))
    cmd = ["patch", "-p1", "--batch", "--quiet", "-i", str(diff_file)]
    subprocess.run(cmd, cwd=tmp_path, check=True)
    assert (tmp_path / NAME).read_bytes() == new
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]  # no .orig / .rej left


@pytest.mark.parametrize(("old", "new", "added", "removed"), CASES)
def test_hunks_match_git_diff_no_index(
    tmp_path: Path, old: bytes | None, new: bytes, added: object, removed: object
) -> None:
    (tmp_path / "old").write_bytes(old or b"")
    (tmp_path / "new").write_bytes(new)
    cmd = ["git", "diff", "--no-index", "--no-color", "--no-ext-diff", "old", "new"]
    git = subprocess.run(cmd, cwd=tmp_path, capture_output=True, check=False)
    assert git.returncode == 1, git.stderr
    ours = unified_diff(old, new, NAME)
    assert _hunks_only(ours) == _hunks_only(git.stdout.decode("utf-8", "surrogateescape"))


def test_headers() -> None:
    diff = unified_diff(b"a\n", b"b\n", NAME, new_path="sub/Dockerfile.new")
    assert diff.splitlines()[:3] == ["--- a/Dockerfile", "+++ b/sub/Dockerfile.new", "@@ -1 +1 @@"]
    created = unified_diff(None, b"a\nb\n", NAME).splitlines()
    assert created[:3] == ["--- /dev/null", "+++ b/Dockerfile", "@@ -0,0 +1,2 @@"]
    emptied = unified_diff(b"", b"a\n", NAME).splitlines()
    assert emptied[:3] == ["--- a/Dockerfile", "+++ b/Dockerfile", "@@ -0,0 +1 @@"]
    deleted = unified_diff(b"a\n", None, NAME).splitlines()
    assert deleted[:3] == ["--- a/Dockerfile", "+++ /dev/null", "@@ -1 +0,0 @@"]


def test_git_apply_deletes_file(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "repo", b"FROM x\nRUN a")
    _git_apply(repo, unified_diff(b"FROM x\nRUN a", None, NAME))
    assert not (repo / NAME).exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(b"", b"", id="empty"),
        pytest.param(b"a\r\nb", b"a\r\nb", id="crlf"),
        pytest.param(BIG_OLD, BIG_OLD, id="big"),
        pytest.param(None, None, id="none"),
    ],
)
def test_identical_is_empty(old: bytes | None, new: bytes | None) -> None:
    assert unified_diff(old, new, NAME) == ""


def test_no_newline_marker_layout() -> None:
    diff = unified_diff(b"a\nb", b"a\nc", NAME)
    assert diff.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_bom_stays_in_first_line() -> None:
    assert split_lines(b"\xef\xbb\xbfFROM x\r\nRUN y") == ["\ufeffFROM x\r\n", "RUN y"]


def test_split_only_on_newline() -> None:
    # \r, \x0b, \x1c and U+2028 would split under str.splitlines(); a Dockerfile line must not.
    assert split_lines("a\rb\x0bc\x1cd\u2028e\n".encode()) == ["a\rb\x0bc\x1cd\u2028e\n"]


def test_context_zero_and_wide() -> None:
    old, new = _ten(), _ten(4)
    assert "@@ -5 +5 @@\n-line 5\n+X\n" in unified_diff(old, new, NAME, context=0)
    wide = unified_diff(old, new, NAME, context=100)
    assert [line for line in wide.splitlines() if line.startswith("@@")] == ["@@ -1,10 +1,10 @@"]


def test_many_changes_are_fast_and_valid() -> None:
    # Entirely different 5,000-line files: unique lines are dropped before Myers runs.
    old = "".join(f"old {i}\n" for i in range(5000)).encode()
    new = "".join(f"new {i}\n" for i in range(5000)).encode()
    (patched,) = PatchSet(unified_diff(old, new, NAME))
    assert (patched.added, patched.removed) == (5000, 5000)


def _lcs_len(a: list[str], b: list[str]) -> int:
    """Textbook O(len(a)*len(b)) LCS length, the reference that Myers must reach."""
    prev = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(prev[j] + 1 if x == y else max(prev[j + 1], row[j]))
        prev = row
    return prev[-1]


def _check_script(a: list[str], b: list[str], script: list[Edit]) -> None:
    assert [a[i] for tag, i, _ in script if tag != "+"] == a
    assert [b[j] for tag, _, j in script if tag != "-"] == b
    assert all(a[i] == b[j] for tag, i, j in script if tag == "=")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("abc"), max_size=14), st.lists(st.sampled_from("abc"), max_size=14))
def test_myers_is_minimal(a: list[str], b: list[str]) -> None:
    script = myers(a, b)
    _check_script(a, b, script)
    assert sum(tag == "=" for tag, _, _ in script) == _lcs_len(a, b)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from("abcd"), max_size=30), st.lists(st.sampled_from("abcd"), max_size=30)
)
def test_myers_step_limit_still_valid(a: list[str], b: list[str]) -> None:
    _check_script(a, b, myers(a, b, max_steps=2))


def _apply(old: bytes, diff: str) -> bytes:
    """A tiny unified-diff applier, independent of dfsplit, strict about context lines."""
    src = split_lines(old)
    lines = diff.split("\n")[2:]  # drop the --- / +++ headers
    out: list[str] = []
    pos = idx = 0
    while idx < len(lines) and lines[idx].startswith("@@"):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? ", lines[idx])
        assert m is not None
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        out += src[pos:start]
        pos, idx = start, idx + 1
        while idx < len(lines) and lines[idx][:1] in (" ", "-", "+"):
            tag, text = lines[idx][0], lines[idx][1:] + "\n"
            idx += 1
            if idx < len(lines) and lines[idx].startswith("\\ No newline"):
                text, idx = text[:-1], idx + 1
            if tag != "+":
                assert src[pos] == text
                pos += 1
            if tag != "-":
                out.append(text)
    assert idx == len(lines) - 1 and lines[idx] == ""
    return "".join(out + src[pos:]).encode("utf-8", "surrogateescape")


LINE = st.sampled_from(["a\n", "b\n", "c\n", "a\r\n", "\n", "é\n", "FROM x\n"])
TAIL = st.sampled_from(["", "a", "b", "c\r", "é"])


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    return "".join([*draw(st.lists(LINE, max_size=12)), draw(TAIL)]).encode()


@settings(max_examples=400, deadline=None)
@given(_files(), _files(), st.integers(0, 4))
def test_property_pure_apply(old: bytes, new: bytes, context: int) -> None:
    diff = unified_diff(old, new, NAME, context=context)
    assert (diff == "") == (old == new)
    if diff:
        assert _apply(old, diff) == new


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_files(), _files())
def test_property_git_apply(
    tmp_path_factory: pytest.TempPathFactory, old: bytes, new: bytes
) -> None:
    if old == new:
        return
    repo = _git_repo(tmp_path_factory.mktemp("prop") / "repo", old)
    _git_apply(repo, unified_diff(old, new, NAME))
    assert (repo / NAME).read_bytes() == new


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_colorize() -> None:
    diff = unified_diff(b"-- a\nkeep\n", b"++ b\nkeep\n", NAME)
    coloured = colorize(diff)
    assert ANSI.sub("", coloured) == diff
    lines = coloured.split("\n")
    assert lines[0] == "\x1b[1m--- a/Dockerfile\x1b[0m"
    assert lines[2].startswith("\x1b[36m@@ ")
    # body lines that look like headers are still coloured as removed / added lines
    assert lines[3] == "\x1b[31m--- a\x1b[0m"
    assert lines[4] == "\x1b[32m+++ b\x1b[0m"
    assert lines[5] == " keep"
    assert colorize("") == ""
