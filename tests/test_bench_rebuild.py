"""bench/rebuild.py's pure parts: which file the one-line change edits, how the change is
written, and the byte checks (the builds themselves need an engine and run by hand or in CI)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import rebuild


def tree(root: Path, names: list[str]) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    return root


@pytest.mark.parametrize(
    ("names", "chosen"),
    [
        (["main.go", "main_test.go", "internal/a.go"], "main.go"),
        (["app_test.go", "cmd/server/main.go"], "cmd/server/main.go"),
        (["test/app.test.js", "vite.config.js", "src/main.js"], "src/main.js"),
        (["src/main.rs", "tests/it.rs", "build.rs"], "src/main.rs"),
        (["src/test/java/AppTest.java", "src/main/java/App.java"], "src/main/java/App.java"),
        (["tests/test_app.py", "test_x.py", "app/main.py"], "app/main.py"),
        (["node_modules/x/index.js", "server.js"], "server.js"),
    ],
)
def test_the_change_goes_to_the_shallowest_app_source(
    tmp_path: Path, names: list[str], chosen: str
) -> None:
    found = rebuild.app_source(tree(tmp_path, names))
    assert found is not None and found.relative_to(tmp_path).as_posix() == chosen


@pytest.mark.parametrize(
    ("name", "line"),
    [("a.go", "// t"), ("a.py", "# t"), ("App.vue", "<!-- t -->"), ("index.html", "<!-- t -->")],
)
def test_the_one_line_change_is_a_comment_of_the_file_s_language(
    tmp_path: Path, name: str, line: str
) -> None:
    path = tmp_path / name
    path.write_text("code")
    rebuild.one_line_change(path, "t")
    assert path.read_text() == f"code\n{line}\n"


def cost(new_bytes: int) -> rebuild.Cost:
    return rebuild.Cost(cold=1.0, rebuild=1.0, new_bytes=new_bytes)


def test_the_checks_are_about_bytes_only() -> None:
    naive = rebuild.Cost(cold=1.0, rebuild=0.1, new_bytes=1000)
    slow = rebuild.Cost(cold=99.0, rebuild=99.0, new_bytes=1000)
    assert rebuild._check(slow, naive, None) == ("ok", True)  # time is never checked
    assert rebuild._check(cost(1001), naive, None)[1] is False
    assert rebuild._check(cost(900), naive, app=800)[1] is False  # more than 1.1 x the app
    assert rebuild._check(cost(880), naive, app=800) == ("ok", True)


def test_a_naive_file_that_compiles_at_start_is_not_a_failure() -> None:
    naive = rebuild.Cost(cold=1.0, rebuild=0.1, new_bytes=5_000)  # the sources only
    note = "`go run` replaced by a binary built at /usr/local/bin/app"
    assert rebuild.BUILT_AT_START.search(note)
    text, ok = rebuild._check(cost(6_000_000), naive, None, note)
    assert ok and text == "n/a: the naive image compiles at start (go run)"
    assert not rebuild.BUILT_AT_START.search("`npm run build` added: the naive image never built")


def test_app_files_are_measured_as_a_tar_without_ignored_and_fixture_files(
    tmp_path: Path,
) -> None:
    tree(tmp_path, ["server.js", "expected.Dockerfile", "fixture.json", "logs/a.log"])
    (tmp_path / ".dockerignore").write_text("logs\n")
    # server.js and .dockerignore: a 512-byte header and one block each, plus the end marker.
    assert rebuild.app_files_bytes(tmp_path) == 2 * 1024 + 1024
