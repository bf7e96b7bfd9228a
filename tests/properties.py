"""What every outcome of `split()` must satisfy, whatever the input: the fuzzer and the
regression table both check it.

- the outcome is a value of the outcome types, never an internal error;
- a Changed output parses with BuildKit's parser, with every stage the rewrite wrote (nothing
  swallowed by a continuation) and every `--from` naming an earlier stage;
- split() on a Changed output leaves it unchanged (idempotence).
"""

from __future__ import annotations

import re

import dockerfile as buildkit
import oracle

from dfsplit.model import Options, Outcome, Project, Status
from dfsplit.plan import pipeline

STATUSES = frozenset(Status)
_FROM_LINE = re.compile(rb"^[ \t]*from[ \t]", re.IGNORECASE | re.MULTILINE)


def split(project: Project, options: Options | None = None) -> Outcome:
    """split(), with the first property checked: an Outcome comes back, whatever happens."""
    outcome = pipeline.split(project, options or Options())
    assert isinstance(outcome, Outcome) and outcome.status in STATUSES
    return outcome


def check_outcome(
    project: Project,
    outcome: Outcome,
    options: Options | None = None,
    *,
    buildkit_parse: bool = True,
) -> None:
    """Raise AssertionError when `outcome` breaks a property (see the module docstring).
    `buildkit_parse=False` leaves out BuildKit's parser, which takes minutes on a long
    continued line (it is quadratic in the logical line's length)."""
    assert "internal error" not in outcome.reason, outcome.reason
    if outcome.status is not Status.CHANGED:
        assert outcome.new == outcome.old, "a file that is not rewritten keeps its bytes"
        return
    if buildkit_parse:
        _check_buildkit_reading(outcome)
    again = split(project._replace(dockerfile=outcome.new), options)
    assert again.status is Status.UNCHANGED, again.reason
    assert again.new == outcome.new


def _check_buildkit_reading(outcome: Outcome) -> None:
    text = _text(outcome.new)
    commands = buildkit.parse_string(text)  # raises on what BuildKit's parser rejects
    problem = oracle.stage_problem(text)
    assert problem is None, problem
    # Each FROM line the rewrite added starts a stage in BuildKit's reading: none was joined
    # to the line before it. (FROM lines inside the original's continuations stay as they were.)
    added = len(_FROM_LINE.findall(outcome.new)) - len(_FROM_LINE.findall(outcome.old))
    stages_before = sum(c.cmd.upper() == "FROM" for c in buildkit.parse_string(_text(outcome.old)))
    stages_after = sum(c.cmd.upper() == "FROM" for c in commands)
    assert stages_after == stages_before + added, "a stage was swallowed"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8").removeprefix("\ufeff")
