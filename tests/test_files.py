"""dfsplit.files: guarded reads, build-context snapshots and atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dfsplit import files
from dfsplit.dockerfile.globs import glob_match, globs_regex, path_match
from dfsplit.files import (
    FileError,
    read_dockerfile,
    resolve_within,
    snapshot_context,
    write_all,
    write_atomic,
)

DOCKERFILE = b"FROM python:3.12\nRUN pip install .\n"


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- reading ---------------------------------------------------------------------------------


def test_read_returns_raw_bytes(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbfFROM x\r\nRUN \xff\r\n"
    (tmp_path / "Dockerfile").write_bytes(raw)
    assert read_dockerfile(tmp_path / "Dockerfile", root=tmp_path) == raw


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: None, "no such file", id="missing"),
        pytest.param(lambda p: p.mkdir(), "is a directory", id="directory"),
        pytest.param(lambda p: os.mkfifo(p), "not a regular file", id="fifo"),
    ],
)
def test_read_refuses(tmp_path: Path, make: object, reason: str) -> None:
    target = tmp_path / "Dockerfile"
    assert callable(make)
    make(target)
    with pytest.raises(FileError) as err:
        read_dockerfile(target, root=tmp_path)
    message = str(err.value)
    assert reason in message and str(target) in message and "\n" not in message


def test_read_refuses_too_large(tmp_path: Path) -> None:
    big = tmp_path / "Dockerfile"
    big.write_bytes(b"#" * (10 * 1024 * 1024))
    with pytest.raises(FileError, match=r"10485760 bytes, over the 1048576-byte limit"):
        read_dockerfile(big, root=tmp_path)


def test_read_limit_is_inclusive(tmp_path: Path) -> None:
    exact = tmp_path / "Dockerfile"
    exact.write_bytes(b"#" * 100)
    assert len(read_dockerfile(exact, limit=100)) == 100
    exact.write_bytes(b"#" * 101)
    with pytest.raises(FileError, match="101 bytes"):
        read_dockerfile(exact, limit=100)


def test_symlink_outside_root_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "proj", tmp_path / "secret"
    root.mkdir()
    outside.write_bytes(b"FROM x\n")
    (root / "Dockerfile").symlink_to(outside)
    with pytest.raises(FileError, match="outside"):
        read_dockerfile(root / "Dockerfile", root=root)
    with pytest.raises(FileError, match="outside"):
        resolve_within(root / ".." / "secret", root)


def test_symlink_inside_root_allowed(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_bytes(DOCKERFILE)
    (tmp_path / "Dockerfile").symlink_to("docker/Dockerfile")
    assert (
        resolve_within(tmp_path / "Dockerfile", tmp_path)
        == (tmp_path / "docker" / "Dockerfile").resolve()
    )
    assert read_dockerfile(tmp_path / "Dockerfile") == DOCKERFILE


# --- build context ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        pytest.param("go.mod", "go.mod", True, id="root-name"),
        pytest.param("go.mod", "sub/go.mod", False, id="root-name-not-nested"),
        pytest.param("*.go", "main.go", True, id="star-root"),
        pytest.param("*.go", "cmd/main.go", False, id="star-no-slash"),
        pytest.param("**/*.go", "main.go", True, id="globstar-zero-dirs"),
        pytest.param("**/*.go", "cmd/x/main.go", True, id="globstar-deep"),
        pytest.param("cmd/**/main.go", "cmd/main.go", True, id="globstar-middle-zero"),
        pytest.param("cmd/**/main.go", "cmd/a/b/main.go", True, id="globstar-middle-deep"),
        pytest.param("cmd/**/main.go", "other/a/main.go", False, id="globstar-middle-prefix"),
        pytest.param("./go.sum", "go.sum", True, id="dot-slash"),
        pytest.param("requirements*.txt", "requirements-dev.txt", True, id="star-infix"),
        pytest.param("**", "a/b", False, id="bare-globstar-no-file"),
    ],
)
def test_glob_match(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.go", "main.go", True),
        ("*.go", "cmd/main.go", False),  # fnmatch says True: its `*` crosses "/"
        ("src/*.go", "src/x/a.go", False),
        ("/app/target/*.jar", "/app/target/app.jar", True),
        ("/app/*.jar", "/app/target/app.jar", False),
        ("a?c", "a/c", False),
        ("[!a]b", "bb", True),
        ("**/x", "a/b/x", False),  # Go's filepath.Match: "**" is only "*"
    ],
)
def test_path_match_is_gos_filepath_match(pattern: str, path: str, expected: bool) -> None:
    assert path_match(pattern, path) is expected


@pytest.mark.parametrize("path", ["go.mod.bak", "a/b/x.golden", "pom.xml.orig", "go.workx"])
def test_several_globs_match_whole_paths_only(path: str) -> None:
    # Every alternative must end with the path: once, only the last one had to.
    patterns = ("**/go.mod", "**/*.go", "**/pom.xml", "go.work")
    assert globs_regex(patterns).match(path) is None
    assert all(globs_regex(patterns).match(p) for p in ("go.mod", "a/main.go", "go.work"))


def _context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    for rel, data in {
        "go.mod": b"module x\n",
        "main.go": b"package main\n",
        "cmd/tool/main.go": b"package tool\n",
        "cmd/go.mod": b"nested\n",
        "big.go": b"/" * 300,
        ".git/config": b"",
        "node_modules/a/index.js": b"",
        "web/node_modules/b.js": b"",
        ".venv/bin/python": b"",
        "pkg/__pycache__/x.pyc": b"",
    }.items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_bytes(data)
    return ctx


def test_snapshot_lists_and_reads(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.go").write_bytes(b"secret\n")
    (ctx / "linkdir").symlink_to(outside)
    (ctx / "link.go").symlink_to(outside / "leak.go")
    names, contents = snapshot_context(ctx, ["go.mod", "**/*.go"], max_bytes=100)
    assert names == {
        "go.mod",
        "main.go",
        "cmd/tool/main.go",
        "cmd/go.mod",
        "big.go",
        "linkdir",
        "link.go",
    }
    # big.go is over max_bytes, link.go is a symlink, cmd/go.mod is not at the root
    assert contents == {
        "go.mod": b"module x\n",
        "main.go": b"package main\n",
        "cmd/tool/main.go": b"package tool\n",
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_snapshot_skips_a_fifo_and_reads_a_file_of_exactly_max_bytes(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    os.mkfifo(ctx / "pipe.go")  # opening it for reading without O_NONBLOCK would hang
    (ctx / "edge.go").write_bytes(b"x" * 100)
    (ctx / "over.go").write_bytes(b"x" * 101)
    names, contents = snapshot_context(ctx, ["*.go"], max_bytes=100)
    assert names == {"pipe.go", "edge.go", "over.go"}
    assert contents == {"edge.go": b"x" * 100}


@pytest.mark.parametrize("size", [0, 1, 9, 10, 11, 5000])
def test_read_regular_reads_whole_files_below_the_bound(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"y" * size)
    assert files._read_regular(str(path), 11) == ((b"y" * size, size) if size < 11 else (b"", size))


def test_read_regular_refuses_directories_and_unfollowed_symlinks(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    assert files._read_regular(str(tmp_path), 10) is None
    assert files._read_regular(str(tmp_path / "link"), 10) == (b"x", 1)
    with pytest.raises(OSError):
        files._read_regular(str(tmp_path / "link"), 10, follow=False)


def test_snapshot_stops_at_max_files(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    names, _ = snapshot_context(ctx, [], max_files=3)
    assert names == {"big.go", "go.mod", "main.go"}  # sorted breadth-first, root first


def test_snapshot_missing_context(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="not a directory"):
        snapshot_context(tmp_path / "nope", ["*"])


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o640, 0o755, 0o600, 0o444 | 0o200])
def test_write_preserves_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    target.chmod(mode)
    write_atomic(target, b"FROM y\n", expected_old=DOCKERFILE)
    assert target.read_bytes() == b"FROM y\n"
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert _listing(tmp_path) == ["Dockerfile"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"FROM x\r\nRUN y\r\n", id="crlf"),
        pytest.param(b"\xef\xbb\xbfFROM x\nRUN y", id="bom-no-eol"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\xff\r\r\n", id="binary"),
    ],
)
def test_write_exact_bytes(tmp_path: Path, data: bytes) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    write_atomic(target, data, expected_old=DOCKERFILE)
    assert target.read_bytes() == data


def test_concurrent_modification_detected(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    old = read_dockerfile(target)
    target.write_bytes(DOCKERFILE + b"# edited by someone else\n")
    with pytest.raises(FileError, match="changed on disk since it was read; not overwritten"):
        write_atomic(target, b"FROM y\n", expected_old=old)
    assert target.read_bytes() == DOCKERFILE + b"# edited by someone else\n"
    assert _listing(tmp_path) == ["Dockerfile"]


def test_modification_after_temp_prepared_detected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file changes after the temp file is filled but before the replace.
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    real_prepare = files._prepare

    def racing_prepare(*args: object, **kwargs: object) -> files._Prepared:
        item = real_prepare(*args, **kwargs)  # type: ignore[arg-type]
        target.write_bytes(b"FROM raced\n")
        return item

    monkeypatch.setattr(files, "_prepare", racing_prepare)
    with pytest.raises(FileError, match="changed on disk"):
        write_atomic(target, b"FROM y\n", expected_old=DOCKERFILE)
    assert target.read_bytes() == b"FROM raced\n"
    assert _listing(tmp_path) == ["Dockerfile"]


def test_removed_file_detected(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="removed"):
        write_atomic(tmp_path / "Dockerfile", b"x", expected_old=DOCKERFILE)
    assert _listing(tmp_path) == []


def test_read_only_refused_and_untouched(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    target.chmod(0o444)
    with pytest.raises(FileError, match="is read-only"):
        write_atomic(target, b"FROM y\n", expected_old=DOCKERFILE)
    assert target.read_bytes() == DOCKERFILE
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert _listing(tmp_path) == ["Dockerfile"]


def test_symlink_written_through_to_target(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    real = tmp_path / "docker" / "Dockerfile"
    real.write_bytes(DOCKERFILE)
    real.chmod(0o640)
    link = tmp_path / "Dockerfile"
    link.symlink_to("docker/Dockerfile")
    write_atomic(link, b"FROM y\n", expected_old=DOCKERFILE)
    assert link.is_symlink() and os.readlink(link) == "docker/Dockerfile"
    assert real.read_bytes() == b"FROM y\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert _listing(tmp_path / "docker") == ["Dockerfile"]


def test_new_file_created(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile.split"
    write_atomic(target, b"FROM z\n", expected_old=None)
    assert target.read_bytes() == b"FROM z\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert _listing(tmp_path) == ["Dockerfile.split"]


def test_new_file_refuses_existing(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    with pytest.raises(FileError, match="already exists"):
        write_atomic(target, b"FROM z\n", expected_old=None)
    assert target.read_bytes() == DOCKERFILE
    assert _listing(tmp_path) == ["Dockerfile"]


def test_failure_while_writing_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(FileError, match="no space left on device"):
        write_atomic(target, b"FROM y\n", expected_old=DOCKERFILE)
    assert target.read_bytes() == DOCKERFILE
    assert _listing(tmp_path) == ["Dockerfile"]


def test_write_all_writes_every_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.Dockerfile", tmp_path / "b.Dockerfile"
    first.write_bytes(b"FROM a\n")
    write_all([(first, b"FROM a2\n", b"FROM a\n"), (second, b"FROM b\n", None)])
    assert first.read_bytes() == b"FROM a2\n" and second.read_bytes() == b"FROM b\n"
    assert _listing(tmp_path) == ["a.Dockerfile", "b.Dockerfile"]


def test_write_all_missing_directory_is_atomic(tmp_path: Path) -> None:
    first = tmp_path / "Dockerfile"
    first.write_bytes(DOCKERFILE)
    second = tmp_path / "missing" / "Dockerfile"
    with pytest.raises(FileError, match="does not exist"):
        write_all([(first, b"FROM new\n", DOCKERFILE), (second, b"FROM b\n", None)])
    assert first.read_bytes() == DOCKERFILE
    assert _listing(tmp_path) == ["Dockerfile"]  # the first temp file is gone too


def test_write_all_late_conflict_is_atomic(tmp_path: Path) -> None:
    # The second file changed on disk: the first must not be replaced either.
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_bytes(b"a\n")
    second.write_bytes(b"b changed\n")
    with pytest.raises(FileError, match="changed on disk"):
        write_all([(first, b"A\n", b"a\n"), (second, b"B\n", b"b\n")])
    assert first.read_bytes() == b"a\n" and second.read_bytes() == b"b changed\n"
    assert _listing(tmp_path) == ["a", "b"]


def test_write_all_refuses_same_target_twice(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(DOCKERFILE)
    (tmp_path / "link").symlink_to("Dockerfile")
    with pytest.raises(FileError, match="twice"):
        write_all([(target, b"1\n", DOCKERFILE), (tmp_path / "link", b"2\n", DOCKERFILE)])
    assert target.read_bytes() == DOCKERFILE
    assert _listing(tmp_path) == ["Dockerfile", "link"]


def test_shown_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work" / "repo").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    cwd = os.getcwd()
    assert files.shown_path(Path("repo/Dockerfile"), cwd) == "repo/Dockerfile"
    assert files.shown_path(Path("./repo/./Dockerfile"), cwd) == "repo/Dockerfile"
    assert files.shown_path(tmp_path / "work" / "repo" / "Dockerfile", cwd) == "repo/Dockerfile"
    # Outside the working directory: the path as given, never one climbing out with "..".
    assert files.shown_path(Path("../elsewhere/Dockerfile"), cwd) == "../elsewhere/Dockerfile"
    assert files.shown_path(Path("repo/../repo/Dockerfile"), cwd) == "repo/Dockerfile"
    outside = tmp_path / "other" / "Dockerfile"
    assert files.shown_path(outside, cwd) == str(outside)
    assert files.shown_path(Path("repo/Dockerfile")) == "repo/Dockerfile"  # cwd looked up
    assert files.shown_path(tmp_path / "work", cwd) == "."
    assert files.shown_path(tmp_path / "workshop" / "Dockerfile", cwd).startswith(str(tmp_path))
    assert files.shown_path(tmp_path / "work" / ".." / "work" / "repo", cwd) == "repo"
    assert files.shown_path(Path("/srv/app/Dockerfile"), "/") == "srv/app/Dockerfile"
    for path in (Path("/srv/app/Dockerfile"), Path("/"), tmp_path / "work" / "repo"):
        for here in ("/", "/srv", cwd):  # the same answers as relpath, by its rule
            rel = os.path.relpath(path, here)
            assert files.shown_path(path, here) == (str(path) if rel.startswith("..") else rel)


def test_project_names_the_dockerfile_relative_to_its_context(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "backend").mkdir()
    beside = tmp_path / "Dockerfile"
    beside.write_bytes(DOCKERFILE)
    elsewhere = tmp_path / "docker" / "backend.Dockerfile"
    elsewhere.write_bytes(DOCKERFILE)
    project, _ = files.load_project(beside)
    assert project.dockerfile_name == "Dockerfile"
    project, _ = files.load_project(elsewhere, context=tmp_path / "backend", root=tmp_path)
    assert project.dockerfile_name == "../docker/backend.Dockerfile"
    project, _ = files.load_project(elsewhere, context=tmp_path, root=tmp_path)
    assert project.dockerfile_name == "docker/backend.Dockerfile"
