"""Bulk runs: parallel == serial, deterministic order, patches that git applies, reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fixture_cases import FIXTURES
from typer.testing import CliRunner

from dfsplit.cli import app
from dfsplit.fleet import runner
from dfsplit.fleet.config import OptionLayer
from dfsplit.model import Options, Status
from dfsplit.report import fleet as fleet_report
from dfsplit.report.outcome import EntryFormatError

GOLDEN = Path(__file__).parent / "golden"
# One repository per behaviour a reviewer meets: rewritten, rewritten next to skipped non-app
# Dockerfiles (.devcontainer/, examples/), rewritten with a new file, rewritten with a warning,
# already multi-stage, refused.
FLEET_CASES = (
    "go-article",
    "go-mixed-repo",
    "node-vite-default",
    "java-maven-revision-arg",
    "go-already-multistage",
    "node-vite-computed-outdir",
)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_repo(path: Path, case: str, subdir: str = "") -> Path:
    """A committed git repository holding one fixture (optionally in a subdirectory)."""
    shutil.copytree(FIXTURES / case, path / subdir if subdir else path)
    for leftover in (path / subdir).glob("expected.*"):
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    (path / subdir / "fixture.json").unlink(missing_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


def make_fleet(root: Path) -> list[Path]:
    """Local clones standing in for a fleet, one per FLEET_CASES entry plus a monorepo."""
    repos = [make_repo(root / f"{case}-svc", case) for case in FLEET_CASES]
    mono = root / "monorepo"
    shutil.copytree(FIXTURES / "go-article", mono / "backend")
    (mono / "backend" / "expected.Dockerfile").unlink()
    (mono / "backend" / "fixture.json").unlink()
    (mono / "docker").mkdir()
    (mono / "backend" / "Dockerfile").rename(mono / "docker" / "backend.Dockerfile")
    (mono / "compose.yaml").write_text(
        "services:\n  api:\n    build: {context: ./backend, "
        "dockerfile: ../docker/backend.Dockerfile}\n"
    )
    git(mono, "init", "-q", "-b", "main")
    git(mono, "add", "-A")
    git(mono, "commit", "-q", "-m", "initial")
    return sorted([*repos, mono])


def _run(paths: list[Path], workers: int, options: Options | None = None) -> list[runner.Result]:
    jobs = runner.plan_jobs(paths, options or Options(), None, OptionLayer(source="command line"))
    return runner.run_all(jobs, workers)


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # paths in outputs are shown relative to here
    make_fleet(tmp_path / "checkouts")
    return Path("checkouts")


def test_parallel_results_equal_serial_ones(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "MIN_PARALLEL_FILES", 1)  # force the pool on a small fleet
    serial = _run([fleet], 1)
    parallel = _run([fleet], 2)
    assert [r.outcome for r in parallel] == [r.outcome for r in serial]
    paths = [r.outcome.path for r in serial]
    assert paths == sorted(paths)
    statuses = {r.outcome.path: r.outcome.status for r in serial}
    assert statuses["checkouts/go-article-svc/Dockerfile"] is Status.CHANGED
    assert statuses["checkouts/node-vite-computed-outdir-svc/Dockerfile"] is Status.REFUSED
    assert statuses["checkouts/monorepo/docker/backend.Dockerfile"] is Status.CHANGED


@pytest.mark.parametrize("workers", [1, 2])
def test_lazy_jobs_give_the_same_results_and_progress(
    fleet: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Jobs streamed from planning (the pool starts before planning ends) change nothing."""
    monkeypatch.setattr(runner, "MIN_PARALLEL_FILES", 2)
    monkeypatch.setattr(runner, "CHUNK", 2)  # several chunks on a small fleet
    planned = runner.plan_jobs([fleet], Options(), None, OptionLayer(source="command line"))
    seen: list[tuple[int, int]] = []
    stream = runner.iter_jobs([fleet], Options(), None, OptionLayer(source="command line"))
    streamed = runner.run_all(stream, workers, lambda done, total: seen.append((done, total)))
    assert [r.outcome for r in streamed] == [r.outcome for r in runner.run_all(planned, 1)]
    assert len(planned) > 2 * runner.CHUNK
    assert seen[-1] == (len(planned), len(planned))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_cli_output_does_not_depend_on_jobs(fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "MIN_PARALLEL_FILES", 1)
    one = CliRunner().invoke(app, ["rewrite", "--jobs", "1", str(fleet)])
    two = CliRunner().invoke(app, ["rewrite", "--jobs", "2", str(fleet)])
    assert (one.exit_code, one.stdout, one.stderr) == (two.exit_code, two.stdout, two.stderr)
    assert one.exit_code == 0  # one repository is refused: an outcome, not an error
    assert "refused: vite.config.ts computes `outDir`" in one.stderr
    assert "already multi-stage" in one.stderr


def test_patches_apply_with_git_in_a_copy_of_each_repo(fleet: Path, tmp_path: Path) -> None:
    results = _run([fleet], 1)
    written = runner.write_patches(results, tmp_path / "patches")
    names = sorted(p.name for p in written)
    assert names == [
        "go-article-svc.patch",
        "go-mixed-repo-svc.patch",
        "java-maven-revision-arg-svc.patch",
        "monorepo.patch",
        "node-vite-default-svc.patch",
    ]
    for patch in written:
        copy = tmp_path / "copies" / patch.stem
        shutil.copytree(fleet / patch.stem, copy)
        git(copy, "apply", "--check", str(patch))
        git(copy, "apply", str(patch))
        after = [r for r in _run([copy], 1) if r.outcome.status is not Status.SKIPPED]
        assert [r.outcome.reason for r in after] == ["already multi-stage"]
    node = (tmp_path / "patches" / "node-vite-default-svc.patch").read_text()
    assert "+++ b/nginx-spa.conf" in node and "--- /dev/null" in node
    mono = (tmp_path / "patches" / "monorepo.patch").read_text()
    assert "+++ b/docker/backend.Dockerfile" in mono


def test_apply_then_second_run_changes_nothing(fleet: Path) -> None:
    first = CliRunner().invoke(app, ["rewrite", "--apply", str(fleet)])
    assert first.exit_code == 0  # the refused repository is reported, not an error
    second = CliRunner().invoke(app, ["rewrite", str(fleet)])
    assert second.stdout == ""
    for repo in fleet.iterdir():
        if repo.name.startswith("node-vite-computed") or repo.name.startswith("go-already"):
            assert git(repo, "status", "--porcelain") == ""


def test_json_report_loads_with_the_typed_loader(fleet: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    CliRunner().invoke(app, ["rewrite", "--report", str(path), str(fleet)])
    entries = fleet_report.load_report(json.loads(path.read_text()))
    by_path = {e.path: e for e in entries}
    go = by_path["checkouts/go-article-svc/Dockerfile"]
    assert (go.status, go.language, go.builder_image, go.runtime_image, go.artifact) == (
        "changed",
        "go",
        "golang:1.21",
        "scratch",
        "/main",
    )
    assert go.tester_image == "builder" and go.notes and go.repo
    java = by_path["checkouts/java-maven-revision-arg-svc/Dockerfile"]
    assert java.warnings
    refused = by_path["checkouts/node-vite-computed-outdir-svc/Dockerfile"]
    assert refused.status == "refused" and "outDir" in (refused.reason or "")
    assert by_path["checkouts/node-vite-default-svc/Dockerfile"].new_files == ("nginx-spa.conf",)
    # One line per file, so that the report greps and diffs well.
    lines = path.read_text().splitlines()
    assert lines[0].startswith('{"version": 3, "summary": {') and lines[-1] == "]}"
    assert [json.loads(line.rstrip(","))["path"] for line in lines[1:-1]] == list(by_path)


def test_json_report_of_no_files_is_valid() -> None:
    text = fleet_report.dump_json_report(fleet_report.report_json([]))
    assert json.loads(text)["files"] == [] and text.count("\n") == 1


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d["files"][0].pop("artifact"), id="missing-key"),
        pytest.param(lambda d: d["files"][0].update(notes="yes"), id="wrong-type"),
        pytest.param(lambda d: d["files"][0].update(status="odd"), id="bad-status"),
        pytest.param(lambda d: d["summary"].update(changed=99), id="bad-summary"),
    ],
)
def test_typed_loader_rejects_malformed_reports(fleet: Path, mutate: object) -> None:
    doc = fleet_report.report_json(_run([fleet], 1))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(EntryFormatError):
        fleet_report.load_report(doc)


def test_markdown_report_matches_the_golden_file(fleet: Path) -> None:
    text = fleet_report.report_markdown(_run([fleet], 1))
    golden = GOLDEN / "fleet_report.md"
    if os.environ.get("DFSPLIT_REGEN_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_report_suffix_must_be_json_or_md(fleet: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["rewrite", "--report", str(tmp_path / "r.txt"), str(fleet)])
    assert result.exit_code == 2


def test_summary_groups_refusals_by_reason_and_shows_them_whole(fleet: Path) -> None:
    outcomes = [r.outcome for r in _run([fleet], 1)]
    table = fleet_report.summary_table(outcomes * 2, applied=False)  # each reason twice
    lines = table.splitlines()
    assert lines[:3] == ["count  files", "-----  -----", "   10  to rewrite"]
    assert "    2  already multi-stage" in lines
    [refused] = [o.reason for o in outcomes if o.status is Status.REFUSED]
    assert f"    2  refused: {refused}" in lines  # the whole reason, once, counted


def test_a_directory_without_dockerfiles_is_nothing_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["rewrite", str(tmp_path)])
    assert result.exit_code == 0 and result.stdout == ""
