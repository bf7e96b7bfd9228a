"""Builder-pattern pairs (fixtures/pairs/): golden patches, --prune, a second run changes
nothing, BuildKit's parser, git apply, and no half of a pair rewritten on its own."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import oracle
import pytest
from pair_cases import PairCase, pair_cases

from dfsplit.fleet import runner
from dfsplit.model import Status

CASES = pair_cases()
MERGED = [c for c in CASES if c.expected("patch").exists()]
REFUSED = [c for c in CASES if c.expected("refusal").exists()]


def _ids(cases: list[PairCase]) -> list[str]:
    return [c.name for c in cases]


def _repo_copy(case: PairCase, tmp_path: Path) -> Path:
    """The case as a git repository, without its expected.* files."""
    target = tmp_path / case.name
    shutil.copytree(case.dir, target, ignore=shutil.ignore_patterns("expected.*"))
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    return target


def _apply(patch: str, repo: Path) -> None:
    (repo.parent / "change.patch").write_text(patch)
    subprocess.run(["git", "apply", "--check", "../change.patch"], cwd=repo, check=True)
    subprocess.run(["git", "apply", "../change.patch"], cwd=repo, check=True)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_case_has_an_expectation(case: PairCase) -> None:
    assert case.expected("patch").exists() or case.expected("refusal").exists(), (
        f"run scripts/regen_golden.py pairs/{case.name} and review it"
    )


@pytest.mark.parametrize("case", MERGED, ids=_ids(MERGED))
@pytest.mark.parametrize("prune", [False, True], ids=["default", "prune"])
def test_golden_patch(case: PairCase, prune: bool) -> None:
    result = case.run(prune=prune)
    assert result.outcome.status is Status.CHANGED, result.outcome.reason
    name = "prune.patch" if prune else "patch"
    assert case.patch(result) == case.expected(name).read_text()


@pytest.mark.parametrize("case", REFUSED, ids=_ids(REFUSED))
def test_refusal_names_the_reason_and_every_dockerfile_stays(case: PairCase) -> None:
    reason = case.expected("refusal").read_text().strip()
    for name in case.dockerfiles():
        outcome = case.run(name=name).outcome
        assert outcome.status is not Status.CHANGED, name
    outcome = case.run().outcome
    assert outcome.status is Status.REFUSED
    assert outcome.reason == reason


@pytest.mark.parametrize("case", MERGED, ids=_ids(MERGED))
def test_no_half_of_a_pair_is_rewritten_on_its_own(case: PairCase) -> None:
    others = [n for n in case.dockerfiles() if n != case.runtime]
    assert others, "a pair has a build file"
    for name in others:
        outcome = case.run(name=name).outcome
        assert outcome.status is Status.UNCHANGED, (name, outcome.reason)
        assert "builder-pattern pair" in outcome.reason or "builder image" in outcome.reason


@pytest.mark.parametrize("case", MERGED, ids=_ids(MERGED))
@pytest.mark.parametrize("prune", [False, True], ids=["default", "prune"])
def test_patch_applies_and_a_second_run_changes_nothing(
    case: PairCase, prune: bool, tmp_path: Path
) -> None:
    repo = _repo_copy(case, tmp_path)
    _apply(case.expected("prune.patch" if prune else "patch").read_text(), repo)
    merged = (repo / case.runtime).read_text()
    assert merged == case.run(prune=prune).outcome.new.decode()
    assert (repo / "Dockerfile.build").exists() is not prune
    for name in case.dockerfiles(repo):
        again = case.run(repo, prune=prune, name=name).outcome
        assert again.status is Status.UNCHANGED, (name, again.reason)


@pytest.mark.parametrize("case", MERGED, ids=_ids(MERGED))
def test_buildkit_parser_reads_the_merged_file(case: PairCase) -> None:
    text = case.run().outcome.new.decode()
    stages = oracle.stages(text)
    assert [s.name for s in stages][:2] == ["builder", "tester"]
    assert oracle.stage_problem(text) is None
    assert any("builder" in s.refs for s in stages[2:])


REALWORLD = Path(__file__).parent / "realworld" / "pairs"
RECORDED: dict[str, dict[str, object]] = json.loads((REALWORLD / "EXPECTED.json").read_text())


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_realworld_pairs_as_recorded(name: str, tmp_path: Path) -> None:
    """Builder-pattern repos from GitHub (SOURCE.txt names them), sources as placeholders."""
    recorded = RECORDED[name]
    case = PairCase(name, REALWORLD / name, {"runtime": recorded["runtime"]})
    assert (case.dir / "SOURCE.txt").read_text().startswith("repository: ")
    repo = _repo_copy(case, tmp_path)
    result = case.run(repo)
    outcome = result.outcome
    assert outcome.status.value == recorded["status"], outcome.reason
    if outcome.status is not Status.CHANGED:
        return
    assert outcome.findings is not None and outcome.findings.pair is not None
    assert [list(m) for m in outcome.findings.pair.mapping] == recorded["mapping"]
    assert oracle.stage_problem(outcome.new.decode()) is None
    runner.apply(result)
    for other in case.dockerfiles(repo):
        assert case.run(repo, name=other).outcome.status is Status.UNCHANGED, other


BOOT_POM = """<project>
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.4.1</version>
  </parent>
  <groupId>com.example</groupId>
  <artifactId>hello</artifactId>
  <version>0.1.0</version>
  <build><plugins><plugin>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-maven-plugin</artifactId>
  </plugin></plugins></build>
</project>
"""


@pytest.mark.parametrize("gate", [False, True], ids=["builder", "gated"])
def test_a_spring_boot_pair_copies_the_jar_from_a_stage_the_merge_has(
    tmp_path: Path, gate: bool
) -> None:
    """The recipe's own runtime would take Boot's layers from a `layers` stage; the merged
    file has only the builder and the tester, and the user's runtime copies the jar."""
    case = next(c for c in CASES if c.name == "maven-volume")
    repo = _repo_copy(case, tmp_path)
    (repo / "pom.xml").write_text(BOOT_POM)
    job = runner.single_job(repo / case.runtime, case.options()._replace(gate_tests=gate))
    outcome = runner.run_job(job).outcome
    assert outcome.status is Status.CHANGED, outcome.reason
    text = outcome.new.decode()
    stage = "tester" if gate else "builder"
    assert f"COPY --from={stage} /build/target/hello-0.1.0.jar app.jar" in text
    assert "AS layers" not in text and "--from=layers" not in text


def test_a_pair_whose_ci_persists_cache_mounts_gets_them(tmp_path: Path) -> None:
    """The merge decides the cache-mount default as a rewrite does (here: CI keeps the mounts
    between builds) before the recipe plans the build file."""
    case = next(c for c in CASES if c.name == "go-names")
    repo = _repo_copy(case, tmp_path)
    workflow = repo / ".github" / "workflows" / "image.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("steps:\n  - uses: reproducible-containers/buildkit-cache-dance@v3\n")
    outcome = runner.run_job(runner.single_job(repo / case.runtime, case.options())).outcome
    assert outcome.status is Status.CHANGED, outcome.reason
    mounts = "--mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build"
    build = f"RUN {mounts} CGO_ENABLED=0 go build -o /out/server ./cmd/server"
    assert build in outcome.new.decode()
    default = runner.run_job(runner.single_job(case.dir / case.runtime, case.options())).outcome
    assert "--mount" not in default.new.decode()
