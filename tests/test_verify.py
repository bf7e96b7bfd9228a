"""`dfsplit verify`: the pure comparison and rendering with fake results, then a few real
runs against the local engine (skipped without one)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from engine_helpers import case_config, leftovers, requires_engine, verify_case
from fixture_cases import FIXTURES, Case, cases
from rich.console import Console
from typer.testing import CliRunner

from dfsplit.cli import app
from dfsplit.model import Findings, Outcome, Status
from dfsplit.plan import pipeline
from dfsplit.report import verify as report_verify
from dfsplit.report.outcome import load_entry
from dfsplit.verify import prove
from dfsplit.verify.engine import HttpAnswer
from dfsplit.verify.prove import (
    ExitProbe,
    FileResult,
    FilesResult,
    HttpProbe,
    ImageResult,
    RunResult,
    RunSpec,
)

HTTP = RunSpec(http=HttpProbe(18101, "/", "hello"))
ONESHOT = RunSpec(exit=ExitProbe(0, "certs=OK"))
REPORT = Findings(
    recipe="go",
    language="go",
    builder_image="golang:1.21",
    runtime_image="scratch",
    artifact="/main",
    test_command="go test -v ./...",
)


def _up(body: str = "hello world", status: int | None = 200) -> RunResult:
    return RunResult("service", http=HttpAnswer(status, body), seconds=3)


def _exit(code: int, stdout: str = "certs=OK (140 roots)\n", stderr: str = "") -> RunResult:
    return RunResult("oneshot", exit_code=code, stdout=stdout, stderr=stderr, seconds=0.2)


def _measured(**changes: object) -> FileResult:
    """A complete passing result; `changes` break one part of it."""
    base = FileResult(
        "app/Dockerfile",
        "pass",
        findings=REPORT,
        has_tester=True,
        original=ImageResult(True, 22.0, 640_953_007, 9),
        rewrite=ImageResult(True, 0.7, 6_727_839, 3),
        tester=prove.TesterResult("passed", 14.0),
        files=FilesResult(("/main",), ()),
        original_run=_up(),
        rewrite_run=_up(),
        spec=HTTP,
    )
    return prove.decide(replace(base, **changes))  # type: ignore[arg-type]


# --- (a) pure: comparison and verdict --------------------------------------------------------


def test_same_behaviour_passes() -> None:
    result = _measured()
    assert (result.verdict, result.problems) == ("pass", ())
    assert result.ratio == pytest.approx(6_727_839 / 640_953_007)


def test_rewrite_that_dies_at_startup_is_caught() -> None:
    dead = RunResult(
        "oneshot",
        exit_code=1,
        stderr="exec /main: no such file or directory\n",
        http=HttpAnswer(None, "", "connection refused"),
        seconds=0.3,
    )
    result = _measured(rewrite_run=dead)
    assert result.verdict == "fail"
    assert any("no HTTP answer" in p and "connection refused" in p for p in result.problems)
    assert any(
        "exited with code 1" in p and "no such file" in p and "keeps running" in p
        for p in result.problems
    )


def test_wrong_body_and_status_are_caught() -> None:
    result = _measured(rewrite_run=_up("oops", 500))
    assert any("without 'hello'" in p for p in result.problems)
    assert "HTTP status differs: original 200, rewrite 500" in result.problems


def test_oneshot_exit_code_and_stdout_are_compared() -> None:
    assert prove.behaviour_problems(_exit(0), _exit(0), ONESHOT) == []
    problems = prove.behaviour_problems(_exit(0), _exit(1, "certs=MISSING\n", "x509"), ONESHOT)
    assert problems[0].startswith("exit code differs: original 0, rewrite 1")
    assert "'certs=OK (140 roots)', rewrite 'certs=MISSING'" in problems[1]
    assert prove.expectation_problems("rewrite", _exit(1, "certs=MISSING\n"), ONESHOT) == [
        "rewrite: exit code 1, expected 0",
        "rewrite: stdout lacks 'certs=OK' (got 'certs=MISSING')",
    ]


def test_oneshot_that_keeps_running_is_caught() -> None:
    problems = prove.behaviour_problems(_exit(0), RunResult("service", seconds=60), ONESHOT)
    assert problems == [
        "rewrite is still running after 60 s; the original exited with code 0"
        " (certs=OK (140 roots))"
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {
                "rewrite": ImageResult(False, 3.0, log_tail=("ERROR: /nope: not found",)),
                "tester": None,
                "files": None,
                "original_run": None,
                "rewrite_run": None,
            },
            "the rewrite does not build",
        ),
        (
            {
                "original": ImageResult(False, 1.0),
                "rewrite": None,
                "tester": None,
                "files": None,
                "original_run": None,
                "rewrite_run": None,
            },
            "the original does not build, so there is nothing to compare against",
        ),
        (
            {"tester": prove.TesterResult("failed", 9.0, ("--- FAIL: TestX",))},
            "the tests fail in the tester stage",
        ),
        (
            {"files": FilesResult(("/main", "/app/static"), ("/app/static",))},
            "the runtime image lacks /app/static",
        ),
    ],
)
def test_each_failure_names_its_cause(changes: dict[str, object], problem: str) -> None:
    result = _measured(**changes)
    assert result.verdict == "fail"
    assert result.problems[0] == problem


def test_port_in_use_is_reported_not_compared() -> None:
    busy = RunResult("not-run", error="127.0.0.1:18101 is already in use")
    result = _measured(original_run=busy)
    assert result.problems == ("original: could not be run: 127.0.0.1:18101 is already in use",)


def test_missing_paths_follow_directories_symlinks_and_globs() -> None:
    listing: dict[str, str | None] = {
        "/main": None,
        "/app": None,
        "/app/static": None,
        "/app/static/x.css": None,
        "/lib": "usr/lib",
        "/usr/lib/libc.so.6": None,
        "/bin": "/usr/bin",
    }
    wanted = ["/main", "/app/static", "/lib/libc.so.6", "/bin/jq", "/app/static/*.css", "/etc/x"]
    assert prove.missing_paths(wanted, listing) == ("/bin/jq", "/etc/x")


def test_required_paths_are_the_artifact_and_runtime_files() -> None:
    report = REPORT._replace(runtime_files=("/app/config.yaml", "app/templates/", "/main"))
    assert prove.required_paths(report) == ("/main", "/app/config.yaml", "/app/templates")
    assert prove.required_paths(None) == ()


def test_exit_codes() -> None:
    ok, bad = _measured(), _measured(rewrite_run=_up("x", 404))
    refused = FileResult("b/Dockerfile", "refused", reason="no build step")
    assert report_verify.exit_code([ok, FileResult("c", "unchanged")]) == 0
    assert report_verify.exit_code([ok, refused]) == 123
    assert report_verify.exit_code([bad, refused]) == 1


def test_not_rewritten_outcomes_are_not_built() -> None:
    refused = Outcome("x/Dockerfile", Status.REFUSED, reason="heredoc")
    assert prove.not_rewritten(refused) == FileResult("x/Dockerfile", "refused", reason="heredoc")
    assert prove.not_rewritten(Outcome("y", Status.CHANGED)) is None


def test_spec_from_fixture_json() -> None:
    spec = prove.spec_from_fixture(
        {
            "run": {"env": {"ADDR": "127.0.0.1:1"}, "args": ["-v"]},
            "probe": {"http": {"port": 1, "path": "/h", "expect": "ok"}},
        }
    )
    assert (spec.env, spec.args, spec.http, spec.exit) == (
        ("ADDR=127.0.0.1:1",),
        ("-v",),
        HttpProbe(1, "/h", "ok"),
        None,
    )
    assert prove.spec_from_fixture({"probe": {"exit": {"code": 0}}}).exit == ExitProbe(0, None)


# --- (a) pure: rendering ---------------------------------------------------------------------


def test_markdown_has_before_after_table_and_stage_graph() -> None:
    text = report_verify.to_markdown([_measured()])
    assert "| | before (original) | after (rewrite) |" in text
    assert "| image size | 641.0 MB | 6.7 MB (1.0 %, 95x smaller) |" in text
    assert "| tests (tester stage) | - | passed (14.0 s) |" in text
    assert "```mermaid\nflowchart LR\n" in text
    assert 'builder --> tester["tester: go test -v ./..."]' in text
    assert 'builder -->|"/main"| runtime["runtime: scratch"]' in text


def test_markdown_of_a_failure_lists_problems_and_log() -> None:
    failed = _measured(tester=prove.TesterResult("failed", 9.0, ("--- FAIL: TestX", "FAIL")))
    text = report_verify.to_markdown([failed, FileResult("b", "refused", reason="no FROM")])
    assert "**Problems:**\n\n- the tests fail in the tester stage" in text
    assert "<summary>tests, last lines</summary>" in text and "--- FAIL: TestX" in text
    assert "### ⛔ `b`: refused\n\nno FROM" in text


def test_json_is_complete_and_serialisable() -> None:
    doc = json.loads(json.dumps(report_verify.to_json([_measured(), FileResult("b", "unchanged")])))
    first, second = doc["files"]
    assert doc["exit_code"] == 0 and doc["version"] == 3
    # The outcome entry every command emits, with the measurements under "verify".
    assert load_entry(first, "files[0]").recipe == "go"
    assert first["status"] == "changed" and first["images"]["runtime"] == "scratch"
    assert first["verify"]["verdict"] == "pass"
    assert first["verify"]["original"]["size"] == 640_953_007
    assert first["verify"]["rewrite_run"]["http"]["status"] == 200
    assert first["verify"]["ratio"] == pytest.approx(0.0105, abs=1e-4)
    assert load_entry(second, "files[1]").status == "unchanged"


def test_terminal_table() -> None:
    console = Console(record=True, width=140)
    report_verify.print_table(_measured(rewrite_run=_up("x", 404)), console)
    text = console.export_text()
    assert "app/Dockerfile" in text and "fail" in text
    assert "641.0 MB" in text and "6.7 MB" in text and "HTTP status differs" in text


def test_no_engine_exits_2_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    for args in (
        ["verify", str(FIXTURES / "go-article")],
        ["rewrite", "--verify", str(FIXTURES / "go-article")],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "no Docker engine" in lines[0] and "DOCKER_HOST" in lines[0]
        assert "nonexistent.sock" in lines[0]


# --- (b) with the engine -----------------------------------------------------------------------

engine = pytest.mark.engine
CASES = {c.name: c for c in cases()}


@pytest.fixture(scope="module")
def _clean_engine() -> Iterator[None]:
    before = leftovers()
    yield
    assert leftovers() - before == set(), "dfsplit verify left these behind"


@pytest.fixture
def clean(_clean_engine: None) -> Iterator[None]:
    """Fails the test when it leaves a labelled container/image or a temp dir behind."""
    temps = set(Path(tempfile.gettempdir()).glob("dfsplit-verify-*"))
    before = leftovers()
    yield
    assert leftovers() - before == set()
    assert set(Path(tempfile.gettempdir()).glob("dfsplit-verify-*")) - temps == set()


def _article_flags() -> list[str]:
    return [
        "--probe-port",
        "18101",
        "--probe-expect",
        "hello from the article app",
        "--env",
        "ADDR=127.0.0.1:18101",
    ]


@engine
@requires_engine()
def test_cli_verifies_the_article(clean: None) -> None:
    args = ["verify", str(FIXTURES / "go-article"), "--json", *_article_flags()]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output[result.output.index("{") :])
    entry = doc["files"][0]
    assert entry["status"] == "changed" and entry["artifact"] == "/main"
    measured = entry["verify"]
    assert measured["verdict"] == "pass", measured["problems"]
    assert measured["tester"]["status"] == "passed"
    assert measured["files"] == {"checked": ["/main"], "missing": []}
    assert measured["rewrite"]["size"] < measured["original"]["size"] / 10


def _broken_split(old: bytes, new: bytes) -> object:
    real_split = pipeline.split

    def split(project: object, options: object) -> Outcome:
        outcome = real_split(project, options)  # type: ignore[arg-type]
        assert old in outcome.new, "the test double no longer matches the rewrite"
        return outcome._replace(new=outcome.new.replace(old, new))

    return split


@engine
@requires_engine()
def test_broken_copy_path_fails_the_build(monkeypatch: pytest.MonkeyPatch, clean: None) -> None:
    monkeypatch.setattr(pipeline, "split", _broken_split(b"/main /main", b"/nope /main"))
    result = verify_case(CASES["go-article"])
    assert result.verdict == "fail"
    assert result.problems == ("the rewrite does not build",)
    assert result.rewrite is not None and "/nope" in "\n".join(result.rewrite.log_tail)


@engine
@requires_engine()
def test_artifact_copied_elsewhere_is_missing(monkeypatch: pytest.MonkeyPatch, clean: None) -> None:
    monkeypatch.setattr(pipeline, "split", _broken_split(b"/main /main", b"/main /elsewhere"))
    result = verify_case(CASES["go-article"])
    assert result.verdict == "fail"
    assert "the runtime image lacks /main" in result.problems
    assert result.rewrite_run is not None and result.rewrite_run.kind == "oneshot"
    assert any("keeps running" in p for p in result.problems)


@engine
@requires_engine()
def test_failing_tests_are_reported(tmp_path: Path, clean: None) -> None:
    source = CASES["go-article"]
    shutil.copytree(source.dir, tmp_path / "app")
    (tmp_path / "app" / "broken_test.go").write_text(
        'package main\n\nimport "testing"\n\n'
        'func TestDeliberatelyBroken(t *testing.T) { t.Fatal("dfsplit-test: broken on purpose") }\n'
    )
    case = Case("go-article-failing", tmp_path / "app", source.meta)
    result = verify_case(case, case_config(case, startup_seconds=1))
    assert result.verdict == "fail"
    assert result.problems == ("the tests fail in the tester stage",)
    assert result.tester is not None
    assert "dfsplit-test: broken on purpose" in "\n".join(result.tester.log_tail)
    assert result.rewrite_run is not None and result.rewrite_run.http is not None


@engine
@requires_engine()
def test_oneshot_program(clean: None) -> None:
    result = verify_case(CASES["go-tls-client"])
    assert result.verdict == "pass", result.problems
    run = result.rewrite_run
    assert run is not None and run.kind == "oneshot" and run.exit_code == 0
    assert "certs=OK" in run.stdout


@engine
@requires_engine()
def test_ctrl_c_cleans_up(monkeypatch: pytest.MonkeyPatch, clean: None) -> None:
    """A KeyboardInterrupt once the images exist still removes them and the temp files."""

    def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(prove.engine, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        verify_case(CASES["go-tls-client"])
