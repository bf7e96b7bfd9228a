"""Bad input to the command line, case by case: the exit code, one error line on stderr (the
whole of stderr for a usage error), no traceback, and the tree byte-identical afterwards."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from fixture_cases import copy_case
from typer.testing import CliRunner

from dfsplit import files
from dfsplit.cli import app
from dfsplit.fleet import runner

LONG = "a" * 300  # over NAME_MAX (255 bytes) on every common filesystem


class Bad(NamedTuple):
    setup: Callable[[Path], list[str]]  # builds the tree under tmp_path; returns the arguments
    code: int
    says: str | None  # a part of the one error (or refused) line; None: none (detect prints none)


def _project(tmp: Path) -> Path:
    return copy_case(tmp, "go-article")


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _repo_with_patch_dir_taken(tmp: Path) -> list[str]:
    project = _project(tmp)
    (project / ".git").mkdir()
    patches = tmp / "patches"
    (patches / f"{project.name}.patch").mkdir(parents=True)
    return ["rewrite", "--apply", str(project), "--patch-dir", str(patches)]


def _sixteen_files(tmp: Path) -> list[str]:
    for n in range(16):
        copy_case(tmp / f"r{n}", "go-article")
    return ["rewrite", "--check", "--jobs", "3000000000", str(tmp)]


def _control_characters(tmp: Path, *flags: str) -> list[str]:
    """A refusal whose reason quotes a WORKDIR that would retitle the terminal."""
    project = _project(tmp)
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_bytes().replace(
        b"WORKDIR /app", b"ARG NOPE\nWORKDIR /\x1b]0;owned\x07/$NOPE"
    )
    dockerfile.write_bytes(text)
    return ["rewrite", "--check", *flags, str(project)]


CASES = {
    "report-in-missing-dir": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--report", str(t / "no" / "r.json")],
        2,
        "does not exist",
    ),
    "report-is-a-directory": Bad(
        lambda t: [
            "rewrite",
            "--apply",
            str(_project(t)),
            "--report",
            str(_mkdir(t / "r.json")),
        ],
        2,
        "is a directory",
    ),
    "report-under-proc": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--report", "/proc/dfsplit.json"],
        2,
        "under /proc",
    ),
    "report-is-a-fifo": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--report", str(_fifo(t / "r.json"))],
        2,
        "not a regular file",
    ),
    "report-name-too-long": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--report", str(t / f"{LONG}.json")],
        2,
        "file name too long",
    ),
    "report-wrong-suffix": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--report", str(t / "r.txt")],
        2,
        "must end in .json or .md",
    ),
    "patch-dir-is-a-file": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--patch-dir", str(_touch(t / "f"))],
        2,
        "is not a directory",
    ),
    "patch-dir-under-a-file": Bad(
        lambda t: [
            "rewrite",
            "--apply",
            str(_project(t)),
            "--patch-dir",
            str(_touch(t / "f") / "sub"),
        ],
        2,
        "is a file, not a directory",
    ),
    "patch-file-is-a-directory": Bad(_repo_with_patch_dir_taken, 2, "not a regular file"),
    "config-is-a-fifo": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--config", str(_fifo(t / "c.toml"))],
        2,
        "not a regular file",
    ),
    "config-is-a-directory": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--config", str(_mkdir(t / "c"))],
        2,
        "is a directory",
    ),
    "config-missing": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t)), "--config", str(t / "c.toml")],
        2,
        "no such file",
    ),
    "path-name-too-long": Bad(
        lambda t: ["rewrite", "--apply", str(_project(t) / LONG)], 123, "file name too long"
    ),
    "dockerfile-is-a-directory": Bad(
        lambda t: ["rewrite", "--check", str(_mkdir(_mkdir(t / "p") / "Dockerfile").parent)],
        123,
        "is a directory, not a Dockerfile",
    ),
    "detect-dockerfile-is-a-directory": Bad(
        lambda t: ["detect", str(_mkdir(_mkdir(t / "p") / "Dockerfile").parent)],
        123,  # as rewrite says
        None,
    ),
    # A refusal is an outcome (exit 0, a `refused` line); --strict makes it an error (123).
    "control-characters-in-a-refusal": Bad(_control_characters, 0, "\\x1b]0;owned\\x07"),
    "control-characters-in-a-strict-refusal": Bad(
        lambda t: _control_characters(t, "--strict"), 123, "\\x1b]0;owned\\x07"
    ),
    "jobs-3000000000-on-16-files": Bad(_sixteen_files, 1, None),  # --check: 16 would change
}


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _touch(path: Path) -> Path:
    path.write_text("x")
    return path


def _tree(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under root: its kind and, for a file, its bytes."""
    out: dict[str, tuple[str, bytes]] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path).encode())
        elif path.is_file():
            out[rel] = ("file", path.read_bytes())
        else:
            out[rel] = ("dir" if path.is_dir() else "other", b"")
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    args = case.setup(tmp_path)
    before = _tree(tmp_path)
    result = CliRunner().invoke(app, args)
    err = result.stderr
    assert result.exit_code == case.code, err
    assert result.exception is None or isinstance(result.exception, SystemExit), err
    assert "Traceback" not in err and "\x1b" not in err and "\x07" not in err
    errors = [line for line in err.splitlines() if line.startswith(("error:", "refused "))]
    if case.code == 2:
        assert len(err.splitlines()) == 1, err
    if case.says is not None:
        assert len(errors) == 1 and case.says in errors[0], err
    assert _tree(tmp_path) == before


def test_jobs_never_exceed_the_chunks_of_files(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    monkeypatch.setattr(
        runner, "_run_pool", lambda jobs, workers, progress: started.append(workers) or []
    )
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    jobs = [object()] * 80  # the pool is stubbed: jobs are only counted
    runner.run_all(jobs, 1000)  # type: ignore[arg-type]
    runner.run_all(jobs, 3_000_000_000)  # type: ignore[arg-type]
    assert started == [4, 4]  # 80 files are 4 chunks of runner.CHUNK (24)


def test_a_write_through_a_symlink_out_of_the_tree_is_refused_at_write_time(
    tmp_path: Path,
) -> None:
    """A directory swapped for a symlink after the read must not lead the write out."""
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    (tree / "app").mkdir(parents=True)
    outside.mkdir()
    (tree / "app" / "Dockerfile").write_bytes(b"old")
    (outside / "Dockerfile").write_bytes(b"old")
    real = tree / "app" / "Dockerfile"
    shutil.rmtree(tree / "app")
    (tree / "app").symlink_to(outside)  # the swap, after the file was read as tree/app/...
    with pytest.raises(files.FileError, match="outside"):
        files.write_all([(real, b"new", b"old")], root=os.path.realpath(tree))
    assert (outside / "Dockerfile").read_bytes() == b"old"
