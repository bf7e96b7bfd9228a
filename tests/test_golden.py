"""Golden tests over fixtures/: expected output, stability, BuildKit's parser, git apply."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import oracle
import pytest
from fixture_cases import Case, case_ids, cases
from unidiff import PatchSet

from dfsplit.diff import unified_diff
from dfsplit.dockerfile import parser
from dfsplit.model import Status
from dfsplit.plan import check, pipeline

CASES = cases()
CHANGED = [c for c in CASES if c.expected("Dockerfile").exists()]


def _has_expectation(case: Case) -> bool:
    return any(case.expected(s).exists() for s in ("Dockerfile", "refusal", "unchanged"))


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_fixture_has_an_expectation(case: Case) -> None:
    assert _has_expectation(case), f"run scripts/regen_golden.py {case.name} and review it"


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_golden(case: Case) -> None:
    outcome = pipeline.split(case.project(), case.options)
    if case.expected("Dockerfile").exists():
        assert outcome.status is Status.CHANGED, outcome.reason
        assert outcome.new.decode("utf-8") == case.expected("Dockerfile").read_bytes().decode()
        expected_new = case.dir / "expected.new"
        got = {f.rel: f.text for f in outcome.new_files}
        want = {
            str(p.relative_to(expected_new)): p.read_text()
            for p in sorted(expected_new.rglob("*"))
            if p.is_file()
        }
        assert got == want
    elif case.expected("refusal").exists():
        assert outcome.status is Status.REFUSED
        assert outcome.reason == case.expected("refusal").read_text().strip()
        assert outcome.new == outcome.old
    else:
        assert outcome.status is Status.UNCHANGED
        assert outcome.reason == case.expected("unchanged").read_text().strip()


@pytest.mark.parametrize("case", CHANGED, ids=case_ids(CHANGED))
def test_rewrite_is_stable(case: Case) -> None:
    """dfsplit on its own output changes nothing."""
    again = pipeline.split(case.project(case.expected("Dockerfile").read_bytes()), case.options)
    assert again.status is Status.UNCHANGED
    assert again.new == again.old


@pytest.mark.parametrize("case", CHANGED, ids=case_ids(CHANGED))
def test_buildkit_parser_accepts_output(case: Case) -> None:
    text = case.expected("Dockerfile").read_bytes().decode("utf-8-sig")
    found = oracle.stages(text)
    assert len(found) >= 2
    assert found[0].name == "builder"
    assert oracle.stage_problem(text) is None


@pytest.mark.parametrize("case", CHANGED, ids=case_ids(CHANGED))
def test_every_rewrite_has_a_tester_stage(case: Case) -> None:
    """`docker build --target tester .` works in every rewrite, tests or not (one CI template
    for a whole fleet); without tests the stage says in a comment what it checks instead."""
    text = case.expected("Dockerfile").read_text()
    tester = [s for s in oracle.stages(text) if s.name == "tester"]
    assert len(tester) == (1 if case.options.tester else 0)
    outcome = pipeline.split(case.project(), case.options)
    assert outcome.findings is not None and outcome.findings.test_command
    lines = text.replace("\r\n", "\n").split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.lower() == "from builder as tester")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lower().startswith("from "))
    body = lines[start + 1 : end]
    runs = [ln[4:] for ln in body if ln.lower().startswith("run ")]
    assert runs and runs[-1] == outcome.findings.test_command  # the tests run last
    before_run = body[: next(i for i, ln in enumerate(body) if ln.lower().startswith("run "))]
    commented = any(ln.startswith("# ") for ln in before_run)
    assert commented == any(n.startswith("tester: ") for n in outcome.findings.notes)


@pytest.mark.parametrize("case", CHANGED, ids=case_ids(CHANGED))
def test_diff_applies_with_git(case: Case, tmp_path: Path) -> None:
    outcome = pipeline.split(case.project(), case.options)
    rel = f"fixtures/{case.name}/{case.dockerfile.name}"
    patch = unified_diff(outcome.old, outcome.new, rel)
    for new in outcome.new_files:
        patch += unified_diff(None, new.text.encode(), f"fixtures/{case.name}/{new.rel}")
    parsed = PatchSet(patch)
    assert parsed.modified_files or parsed.added_files
    target = tmp_path / "fixtures" / case.name
    shutil.copytree(case.dir, target)
    for new in outcome.new_files:
        (target / new.rel).unlink(missing_ok=True)
    (tmp_path / "change.patch").write_bytes(patch.encode("utf-8", "surrogateescape"))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "--check", "change.patch"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "change.patch"], cwd=tmp_path, check=True)
    assert (target / case.dockerfile.name).read_bytes() == outcome.new


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("FROM a AS builder\nFROM b\nCOPY --from=builder x y\n", None, id="ok"),
        pytest.param("FROM a\nCOPY --from=0 x y\n", None, id="index"),
        pytest.param(
            "FROM a AS builder\nCOPY --from=runtime x y\nFROM b AS runtime\n",
            "--from=runtime names a stage that is not an earlier one",
            id="later-stage",
        ),
        pytest.param(
            "FROM a AS builder\nCOPY --from=alpine:3.19 x y\nFROM b\nCOPY --from=tester x y\n",
            None,
            id="an-image",
        ),
        pytest.param(
            "FROM a AS builder\nFROM b AS Builder\n",
            "stage name builder is used twice",
            id="duplicate-name",
        ),
    ],
)
def test_the_stage_graph_check(text: str, problem: str | None) -> None:
    """The one check, fed by BuildKit's parser here and by dfsplit's in the pipeline."""
    assert oracle.stage_problem(text) == problem
    assert check.stage_graph(check.stages_of(parser.parse(text.encode()))) == problem
