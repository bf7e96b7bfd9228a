"""Real builds of the builder-pattern fixtures (fixtures/pairs/): the pair built the old way
(its own script on the engine, or the docker cp its names imply), then the merged file
(`docker build`, `docker build --target tester`), and both images run with the same probe.

Slow; run one with `pytest -m engine tests/test_pair_builds.py -k go-docker-cp -s` to see
the image sizes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from engine_helpers import requires_engine
from pair_cases import PairCase, pair_cases

from dfsplit.fleet import runner
from dfsplit.model import Status
from dfsplit.report.verify import human_size
from dfsplit.verify import engine, prove

pytestmark = [pytest.mark.engine, requires_engine()]
CASES = [c for c in pair_cases() if c.meta.get("build")]


def _env() -> dict[str, str]:
    env = dict(os.environ, DOCKER_BUILDKIT="1")
    env["PATH"] = "/usr/local/sbin:" + env.get("PATH", "")
    return env


def _docker(*args: str, cwd: Path) -> None:
    subprocess.run(["docker", *args], cwd=cwd, env=_env(), check=True, capture_output=True)


def _build_the_old_way(case: PairCase, repo: Path) -> str:
    """The image the pair's own script makes (or the extraction its names imply)."""
    script = case.meta.get("script")
    if script == "Makefile":
        subprocess.run(["make", "image"], cwd=repo, env=_env(), check=True, capture_output=True)
    elif script:
        shell = "bash" if "bash" in (repo / script).read_text().splitlines()[0] else "sh"
        subprocess.run([shell, script], cwd=repo, env=_env(), check=True, capture_output=True)
    else:
        _extract(case, repo)
    return str(case.meta["image_tag"])


def _extract(case: PairCase, repo: Path) -> None:
    extract = case.meta["extract"]
    builder = f"dfsplit-pair-extract-{secrets.token_hex(3)}"
    _docker("build", "-t", builder, "-f", extract["build_file"], ".", cwd=repo)
    _docker("create", "--name", builder, builder, cwd=repo)
    try:
        for src, dest in extract["copies"]:
            _docker("cp", f"{builder}:{src}", dest, cwd=repo)
    finally:
        _docker("rm", builder, cwd=repo)
        _docker("rmi", builder, cwd=repo)
    _docker("build", "-t", str(case.meta["image_tag"]), "-f", case.runtime, ".", cwd=repo)


def _exercise(image: str, spec: prove.RunSpec, name: str) -> prove.RunResult:
    cid = engine.start(image, name=name, labels=(engine.LABEL,), env=spec.env, args=spec.args)
    try:
        deadline = time.monotonic() + spec.startup_seconds
        while time.monotonic() < deadline and engine.state(cid).running:
            time.sleep(0.2)
        answer = None
        if spec.http is not None:
            for _ in range(50):
                answer = engine.http_get(spec.http.port, spec.http.path)
                if answer.status is not None:
                    break
                time.sleep(0.2)
        elif spec.exit is not None:
            for _ in range(100):
                if not engine.state(cid).running:
                    break
                time.sleep(0.2)
        state = engine.state(cid)
        stdout, stderr = engine.logs(cid)
        kind = "service" if state.running else "oneshot"
        code = None if state.running else state.exit_code
        return prove.RunResult(kind, code, stdout, stderr, answer)
    finally:
        engine.remove_containers([cid])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_merged_pair_builds_tests_and_answers_like_the_script(
    case: PairCase, tmp_path: Path
) -> None:
    repo = tmp_path / case.name
    shutil.copytree(case.dir, repo, ignore=shutil.ignore_patterns("expected.*"))
    token = secrets.token_hex(3)
    merged, tester = f"dfsplit-pair-merged-{token}", f"dfsplit-pair-tester-{token}"
    old = _build_the_old_way(case, repo)
    try:
        result = runner.apply(case.run(repo))
        assert result.outcome.status is Status.CHANGED, result.outcome.reason
        dockerfile = repo / case.runtime
        built = engine.build(repo, dockerfile, merged, labels=(engine.LABEL,))
        assert built.ok, "\n".join(built.log_tail)
        tested = engine.build(repo, dockerfile, tester, labels=(engine.LABEL,), target="tester")
        assert tested.ok, "\n".join(tested.log_tail)
        spec = prove.spec_from_fixture(case.meta)
        before = _exercise(old, spec, f"{merged}-old")
        after = _exercise(merged, spec, f"{merged}-new")
        old_size, new_size = engine.inspect_image(old).size, engine.inspect_image(merged).size
        print(
            f"\n{case.name}: the pair's image {human_size(old_size)}, merged {human_size(new_size)}"
        )
        assert prove.expectation_problems("the pair", before, spec) == [], before.stderr[-2000:]
        assert prove.expectation_problems("merged", after, spec) == [], after.stderr[-2000:]
        assert prove.behaviour_problems(before, after, spec) == []
    finally:
        builder = case.meta.get("builder_tag")
        engine.remove_images([old, merged, tester, *([builder] if builder else [])])
