"""A compiled extension without its run-time library: what the real builds would miss.

python-psycopg2-libpq compiles psycopg2 against the full image's libpq-dev; its rewrite installs
libpq5 in the slim runtime and checks every extension with ldd. Without libpq5 the check fails
the build, and without the check too the image builds but `import psycopg2` fails: the broken
deploy that test_real_builds.py would then not see. Runs only with an engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_helpers import requires_engine
from fixture_cases import FIXTURES

from dfsplit.verify import engine

pytestmark = [pytest.mark.engine, requires_engine()]
CASE = FIXTURES / "python-psycopg2-libpq"
TAG = "dfsplit-test-python-nolibpq"


def _variant(tmp_path: Path, *, keep_check: bool) -> Path:
    text = (CASE / "expected.Dockerfile").read_text()
    lines = [
        ln for ln in text.splitlines() if "install -y --no-install-recommends libpq5" not in ln
    ]
    assert len(lines) == len(text.splitlines()) - 1, "the rewrite no longer installs libpq5"
    if not keep_check:
        lines = [ln for ln in lines if "ldd" not in ln]
    path = tmp_path / "Dockerfile.nolibpq"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cleanup() -> Iterator[None]:
    yield
    engine.remove_containers(engine.labelled("container", f"{engine.LABEL}"))
    engine.remove_images([TAG])


def test_the_library_check_fails_the_build_without_libpq5(tmp_path: Path, cleanup: None) -> None:
    built = engine.build(CASE, _variant(tmp_path, keep_check=True), TAG, labels=(engine.LABEL,))
    assert not built.ok
    assert any("libpq.so.5 => not found" in line for line in built.log_tail)


def test_without_the_check_the_import_fails_at_run_time(tmp_path: Path, cleanup: None) -> None:
    built = engine.build(CASE, _variant(tmp_path, keep_check=False), TAG, labels=(engine.LABEL,))
    assert built.ok, "\n".join(built.log_tail)
    cid = engine.start(
        TAG,
        name=f"{TAG}-run",
        labels=(engine.LABEL,),
        env=(),
        args=("python", "-c", "import psycopg2"),
    )
    deadline = time.monotonic() + 60
    while engine.state(cid).running and time.monotonic() < deadline:
        time.sleep(0.25)
    state = engine.state(cid)
    _, stderr = engine.logs(cid)
    engine.remove_containers([cid])
    assert state.exit_code != 0
    assert "libpq.so.5" in stderr
