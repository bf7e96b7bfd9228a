"""plan/startform.py: reading a start command's form and pointing it at the built artifact."""

from __future__ import annotations

import pytest

from dfsplit.model import Instruction
from dfsplit.plan.startform import point_at, start_form


def cmd(args: str) -> Instruction:
    return Instruction("CMD", args, (), args, 0, 1)


@pytest.mark.parametrize(
    ("args", "alone", "form"),
    [
        pytest.param('["./app", "-v"]', True, ["./app", "-v"], id="exec"),
        pytest.param("./app -v", True, "./app -v", id="shell"),
        pytest.param('["sh", "-c", "./app $X"]', True, "./app $X", id="sh-c"),
        pytest.param('["sh", "-c", "./app $X"]', False, ["sh", "-c", "./app $X"], id="sh-c-args"),
        pytest.param('["bash", "-c", "./app -v"]', True, "./app -v", id="bash-c-plain"),
        # The runtime's /bin/sh may be dash: bash's syntax stays bash's.
        pytest.param(
            '["bash", "-c", "[[ -n $X ]] && ./app"]',
            True,
            ["bash", "-c", "[[ -n $X ]] && ./app"],
            id="bash-c-syntax",
        ),
    ],
)
def test_start_form(args: str, alone: bool, form: list[str] | str) -> None:
    assert start_form(cmd(args), alone=alone) == form


@pytest.mark.parametrize(
    ("form", "program", "rewritten"),
    [
        pytest.param(["./app", "-v"], "./app", ["/src/app", "-v"], id="exec"),
        pytest.param("exec ./app -v", "./app", ["/src/app", "-v"], id="plain-shell"),
        pytest.param("app --port $PORT", "app", "/src/app --port $PORT", id="path-lookup"),
        pytest.param("./app --port $PORT", "./app", "/src/app --port $PORT", id="relative"),
        pytest.param("migrate && ./app $X", "./app", "migrate && ./app $X", id="not-first"),
    ],
)
def test_point_at(form: list[str] | str, program: str, rewritten: list[str] | str) -> None:
    assert point_at(form, program, "/src/app") == rewritten
