"""The command line: exit codes, the stdout/stderr split, --apply, --check, --json, bad input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from fixture_cases import FIXTURES, copy_case
from typer.testing import CliRunner
from unidiff import PatchSet

from dfsplit.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_rewrite_prints_a_diff_on_stdout_and_messages_on_stderr(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    before = (project / "Dockerfile").read_bytes()
    code, out, err = _run("rewrite", str(project))
    assert code == 0
    patch = PatchSet(out)
    assert len(patch.modified_files) == 1
    assert "+FROM scratch AS runtime" in out
    assert "would rewrite" not in out and "rewrite" in err
    assert (project / "Dockerfile").read_bytes() == before


def test_check_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    before = (project / "Dockerfile").read_bytes()
    code, out, err = _run("rewrite", "--check", str(project))
    assert code == 1
    assert out == ""
    assert "would rewrite" in err
    assert (project / "Dockerfile").read_bytes() == before


def test_apply_writes_and_is_idempotent(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    os.chmod(project / "Dockerfile", 0o640)
    code, _, err = _run("rewrite", "--apply", str(project))
    assert code == 0, err
    expected = (FIXTURES / "go-article" / "expected.Dockerfile").read_bytes()
    assert (project / "Dockerfile").read_bytes() == expected
    assert stat.S_IMODE(os.stat(project / "Dockerfile").st_mode) == 0o640
    code, out, err = _run("rewrite", "--check", str(project))
    assert (code, out) == (0, "")
    assert "already multi-stage" in err


def test_apply_and_check_together_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = _run("rewrite", "--apply", "--check", str(copy_case(tmp_path)))
    assert code == 2


def test_json_report_fields(tmp_path: Path) -> None:
    code, out, _ = _run("rewrite", "--json", str(copy_case(tmp_path)))
    assert code == 0
    doc = json.loads(out)
    entry = doc["files"][0]
    assert entry["status"] == "changed"
    assert entry["language"] == "go"
    assert entry["images"] == {"builder": "golang:1.21", "tester": "builder", "runtime": "scratch"}
    assert entry["artifact"] == "/main"
    assert doc["exit_code"] == 0


def test_runtime_and_no_tester_options(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    code, out, _ = _run(
        "rewrite", "--runtime", "gcr.io/distroless/static-debian12", "--no-tester", str(project)
    )
    assert code == 0
    assert "+FROM gcr.io/distroless/static-debian12 AS runtime" in out
    assert "AS tester" not in out


def test_gate_tests_copies_the_artifact_from_the_tester(tmp_path: Path) -> None:
    code, out, _ = _run("rewrite", "--gate-tests", str(copy_case(tmp_path)))
    assert code == 0
    assert "+COPY --from=tester /main /main" in out


def test_cache_mounts_option(tmp_path: Path) -> None:
    code, out, _ = _run("rewrite", "--cache-mounts", str(copy_case(tmp_path)))
    assert code == 0
    assert "--mount=type=cache,target=/go/pkg/mod" in out


def test_detect_explains_the_plan(tmp_path: Path) -> None:
    code, out, _ = _run("detect", str(copy_case(tmp_path)))
    assert code == 0
    for needle in ("language:      go", "artifact:      /main", "runtime image: scratch", "why:"):
        assert needle in out


def test_version_and_help() -> None:
    code, out, _ = _run("--version")
    assert code == 0 and out.startswith("dfsplit ")
    code, out, _ = _run("--help")
    assert code == 0 and "123" in out


def test_console_script_runs_the_cli_with_a_slower_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc
    import importlib.metadata
    import sys

    import dfsplit.__main__ as entry

    [script] = importlib.metadata.entry_points(group="console_scripts", name="dfsplit")
    assert script.load() is entry.main
    seen: list[tuple[int, ...]] = []
    exits: list[int] = []
    monkeypatch.setattr(sys, "argv", ["dfsplit", "--version"])
    monkeypatch.setattr(gc, "set_threshold", lambda *t: seen.append(t))
    monkeypatch.setattr(os, "_exit", exits.append)  # the process ends without a teardown
    entry.main()
    assert seen[0][0] == entry.GC_THRESHOLD and exits == [0]


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_the_command_flushes_its_output_before_it_ends(unbuffered: str) -> None:
    import subprocess
    import sys

    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    case = str(FIXTURES / "go-article" / "Dockerfile")
    done = subprocess.run(
        [sys.executable, "-m", "dfsplit", "rewrite", case], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0
    assert done.stdout.startswith("--- a/") and done.stdout.endswith("\n")  # all of the diff
    assert len(PatchSet(done.stdout)) == 1
    assert done.stderr.rstrip().endswith("1 file would be rewritten.")
    done = subprocess.run(
        [sys.executable, "-m", "dfsplit", "rewrite", "--bogus"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2 and "No such option" in done.stderr


@pytest.mark.parametrize(
    ("flags", "code", "prefix"),
    [
        pytest.param([], 0, "refused", id="an-outcome"),
        pytest.param(["--check"], 0, "refused", id="check"),
        pytest.param(["--strict"], 123, "error: refused", id="strict"),
        pytest.param(["--check", "--strict"], 123, "error: refused", id="check-strict"),
    ],
)
def test_refused_file_is_untouched_and_reported(
    tmp_path: Path, flags: list[str], code: int, prefix: str
) -> None:
    """A refusal is an outcome (exit 0, reported on stderr); --strict makes it exit 123."""
    project = tmp_path / "p"
    project.mkdir()
    (project / "Dockerfile").write_text('FROM ruby:3.3\nCOPY . .\nCMD ["ruby", "app.rb"]\n')
    before = (project / "Dockerfile").read_bytes()
    got, out, err = _run("rewrite", *(flags or ["--apply"]), str(project))
    assert got == code
    assert out == ""
    assert err.startswith(f"{prefix} {project}/Dockerfile: no go.mod, pom.xml")
    assert "FROM ruby:3.3" in err.splitlines()[0]
    assert err.rstrip().endswith("1 file refused.")
    assert (project / "Dockerfile").read_bytes() == before


BAD_INPUTS = {
    "binary": b"FROM golang:1.21\x00\x01\x02",
    "latin-1": 'FROM golang:1.21\nLABEL who="Jos\xe9"\n'.encode("latin-1"),
    "empty": b"",
    "huge": b"FROM golang:1.21\n" + b"# padding\n" * 1_100_000,
    "unterminated-heredoc": b"FROM golang:1.21\nRUN <<EOF\necho hi\n",
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_one_line_with_the_file_and_nothing_is_written(
    name: str, tmp_path: Path
) -> None:
    project = copy_case(tmp_path)
    dockerfile = project / "Dockerfile"
    dockerfile.write_bytes(BAD_INPUTS[name])
    code, out, err = _run("rewrite", "--apply", str(project))
    assert code == 123
    assert out == ""
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(dockerfile) in errors[0]
    assert "Traceback" not in err
    assert dockerfile.read_bytes() == BAD_INPUTS[name]
    assert sorted(p.name for p in project.iterdir()) == sorted(
        p.name for p in (FIXTURES / "go-article").iterdir() if not p.name.startswith("expected.")
    )


def test_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_bytes((FIXTURES / "go-article" / "Dockerfile").read_bytes())
    project = copy_case(tmp_path)
    (project / "Dockerfile").unlink()
    (project / "Dockerfile").symlink_to(outside / "Dockerfile")
    code, _, err = _run("rewrite", "--apply", str(project))
    assert code == 123
    assert "outside" in err and "Traceback" not in err
    assert (outside / "Dockerfile").read_bytes() == (
        FIXTURES / "go-article" / "Dockerfile"
    ).read_bytes()


def test_read_only_file_is_refused_by_apply(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    dockerfile = project / "Dockerfile"
    before = dockerfile.read_bytes()
    os.chmod(dockerfile, 0o444)
    code, _, err = _run("rewrite", "--apply", str(project))
    assert code == 123
    assert "read-only" in err and str(dockerfile) in err
    assert dockerfile.read_bytes() == before


def test_missing_path_fails_with_exit_123(tmp_path: Path) -> None:
    code, _, err = _run("rewrite", str(tmp_path / "nope"))
    assert code == 123
    assert "no such file" in err


def test_several_paths_keep_going_after_a_failure(tmp_path: Path) -> None:
    good = copy_case(tmp_path)
    code, out, err = _run("rewrite", str(tmp_path / "nope"), str(good))
    assert code == 123
    assert "+FROM scratch AS runtime" in out
    assert "1 file would be rewritten, 1 file failed." in err


# --- a repository with Dockerfiles that are not images of the app ------------------------------


def _mixed_repo(tmp_path: Path) -> Path:
    """fixtures/go-mixed-repo as a checkout: the app, .devcontainer/ and examples/."""
    repo = copy_case(tmp_path, "go-mixed-repo")
    (repo / "fixture.json").unlink()
    (repo / ".git").mkdir()
    return repo


def test_mixed_repo_apply_rewrites_the_app_and_reports_the_others(tmp_path: Path) -> None:
    repo = _mixed_repo(tmp_path)
    others = {rel: (repo / rel).read_bytes() for rel in MIXED_OTHERS}
    code, _, err = _run("rewrite", "--check", str(repo))
    assert code == 1 and "would rewrite" in err
    code, _, err = _run("rewrite", "--apply", str(repo))
    assert code == 0, err
    expected = (FIXTURES / "go-mixed-repo" / "expected.Dockerfile").read_bytes()
    assert (repo / "Dockerfile").read_bytes() == expected
    assert {rel: (repo / rel).read_bytes() for rel in MIXED_OTHERS} == others
    lines = err.splitlines()
    for rel in MIXED_OTHERS:
        assert any(ln.startswith(f"skipped {repo}/{rel}: ") for ln in lines), rel
    assert lines[-1] == "1 file rewritten, 2 files skipped."
    code, out, err = _run("rewrite", "--check", str(repo))
    assert (code, out) == (0, "")
    code, _, _ = _run("rewrite", "--check", "--strict", str(repo))
    assert code == 0  # skipped files are no refusals


MIXED_OTHERS = (".devcontainer/Dockerfile", "examples/Dockerfile")


def test_mixed_repo_named_file_is_taken_and_refused(tmp_path: Path) -> None:
    repo = _mixed_repo(tmp_path)
    example = repo / "examples" / "Dockerfile"
    code, _, err = _run("rewrite", "--check", str(example))
    assert code == 0 and err.startswith(f"refused {example}: ")
    assert "add a go.mod (go mod init)" in err
    code, _, err = _run("rewrite", "--check", "--strict", str(example))
    assert code == 123 and err.startswith(f"error: refused {example}: ")


def test_mixed_repo_json_and_report_list_the_skipped_files(tmp_path: Path) -> None:
    from dfsplit.report.fleet import load_report

    repo = _mixed_repo(tmp_path)
    report = tmp_path / "report.json"
    code, out, _ = _run("rewrite", "--json", "--report", str(report), str(repo))
    assert code == 0
    doc = json.loads(out)
    by_status = {f["path"]: f["status"] for f in doc["files"]}
    assert sorted(by_status.values()) == ["changed", "skipped", "skipped"]
    assert doc["summary"]["skipped"] == 2 and doc["exit_code"] == 0
    skipped = [e for e in load_report(json.loads(report.read_text())) if e.status == "skipped"]
    assert sorted(e.path for e in skipped) == sorted(f"{repo}/{rel}" for rel in MIXED_OTHERS)
    assert all(e.reason and e.recipe is None for e in skipped)


def test_help_lists_the_exit_codes_and_what_a_walk_skips() -> None:
    from dfsplit.fleet.discover import NON_APP_DIRS
    from dfsplit.report.exit_codes import HELP

    code, out, _ = _run("--help")
    assert code == 0 and " ".join(HELP.split()[:6]) in " ".join(out.split())
    code, out, _ = _run("rewrite", "--help")
    assert code == 0 and "--strict" in out
    for name in NON_APP_DIRS:
        assert f"{name}/" in out, name
