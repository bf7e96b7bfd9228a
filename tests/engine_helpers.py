"""For tests that need a Docker engine: skip without one, fixture -> options, leftovers."""

from __future__ import annotations

import functools

import pytest
from fixture_cases import Case, cases

from dfsplit.verify import engine, prove


@functools.lru_cache(maxsize=1)
def engine_problem() -> str | None:
    """Why no engine can be used, or None when `docker info` answers."""
    try:
        engine.check_engine()
    except engine.EngineUnavailable as exc:
        return str(exc)
    return None


def requires_engine() -> pytest.MarkDecorator:
    """Skip (with docker's own reason) when no engine answers."""
    problem = engine_problem()
    return pytest.mark.skipif(
        problem is not None, reason=f"no Docker engine answers `docker info`: {problem}"
    )


def buildable_cases() -> list[Case]:
    """Fixtures that are meant to build and that dfsplit rewrites (expected.Dockerfile)."""
    return [c for c in cases() if c.meta.get("build") and c.expected("Dockerfile").exists()]


def case_config(case: Case, startup_seconds: float = 3.0) -> prove.VerifyOptions:
    """What `dfsplit verify` would be given for this fixture: its options, env, args, probe."""
    spec = prove.spec_from_fixture(case.meta, startup_seconds)
    return prove.VerifyOptions(options=case.options, run=spec)


def verify_case(case: Case, config: prove.VerifyOptions | None = None) -> prove.FileResult:
    """The same code path as `dfsplit verify fixtures/NAME`."""
    shown = f"fixtures/{case.name}/Dockerfile"
    return prove.verify_file(case.dockerfile, config or case_config(case), shown=shown)


def leftovers() -> set[str]:
    """Containers and images labelled dfsplit.verify=1 that are still there."""
    containers = engine.labelled("container", engine.LABEL)
    images = engine.labelled("image", engine.LABEL)
    return {f"container {c}" for c in containers} | {f"image {i}" for i in images}
