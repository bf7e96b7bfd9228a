"""Build every buildable fixture and its rewrite with the local Docker engine, through the
same `prove` code path as `dfsplit verify`, and check that the rewrite behaves the same.

Slow (a cold Go build is ~20-40 s); BuildKit's cache makes re-runs quick. Run one with
`pytest tests/test_real_builds.py -k go-article -s` to see the image sizes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import buildable_cases, leftovers, requires_engine, verify_case
from fixture_cases import Case, case_ids

from dfsplit.report.verify import human_size, ratio_text
from dfsplit.verify import prove

pytestmark = [pytest.mark.engine, requires_engine()]
CASES = buildable_cases()


@pytest.fixture(scope="module", autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """Every container and image verify made is gone once the module is done."""
    before = leftovers()
    yield
    assert leftovers() - before == set(), "dfsplit verify left these behind"


def _tail(lines: tuple[str, ...]) -> str:
    return "\n".join(lines[-25:])


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_rewrite_behaves_like_the_original(case: Case) -> None:
    result = verify_case(case)
    o, r = result.original, result.rewrite
    print(
        f"\n{case.name}: naive {human_size(o.size if o else None)},"
        f" rewritten {human_size(r.size if r else None)} ({ratio_text(result)})"
    )
    assert result.verdict not in ("refused", "failed", "unchanged"), result.reason
    assert o is not None and o.ok, f"the original does not build:\n{_tail(o.log_tail if o else ())}"
    assert r is not None and r.ok, f"the rewrite does not build:\n{_tail(r.log_tail)}"
    # Every rewrite has a tester stage, tests or not: one CI template builds --target tester.
    assert result.has_tester == case.options.tester, "the rewrite has no tester stage"
    if result.has_tester:
        assert result.tester is not None and result.tester.status == "passed", (
            f"the tests fail:\n{_tail(result.tester.log_tail if result.tester else ())}"
        )
    assert result.files is not None and result.files.missing == (), "runtime files missing"
    _assert_runs(result)
    assert result.verdict == "pass", result.problems


def _assert_runs(result: prove.FileResult) -> None:
    spec = result.spec
    original, rewrite = result.original_run, result.rewrite_run
    assert original is not None and rewrite is not None
    assert prove.expectation_problems("original", original, spec) == [], original.stderr[-2000:]
    assert prove.expectation_problems("rewrite", rewrite, spec) == [], rewrite.stderr[-2000:]
    assert prove.behaviour_problems(original, rewrite, spec) == []
    if spec.http is not None and spec.http.expect:
        assert rewrite.http is not None and spec.http.expect in rewrite.http.body
    if spec.exit is not None:
        assert (rewrite.exit_code, rewrite.stdout) == (original.exit_code, original.stdout)
