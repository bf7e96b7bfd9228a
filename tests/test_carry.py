"""What the runtime stage keeps of the builder's ENV, LABEL and EXPOSE: the same values, under
BuildKit's rules (plan/portable.py). Every case is also checked by evaluating both stages of
the output with dockerfile/scope.py."""

from __future__ import annotations

import pytest
from test_go import runtime_stage, split

from dfsplit.dockerfile import parser, scope, words
from dfsplit.model import Status
from dfsplit.plan import images

HEAD = "FROM golang:1.21\nWORKDIR /app\n"
TAIL = 'COPY . .\nRUN go build -o app .\nCMD ["./app"]\n'
GOLANG_ENV = {
    k: v
    for k, v in (images.defaults("golang:1.21") or images.Defaults("/", None, {}, "")).env.items()
    if v
}


def _same_env_in_both_stages(text: str, keys: set[str]) -> None:
    """The runtime's values of `keys` are the builder's, as BuildKit computes them."""
    df = parser.parse(text.encode())
    builder = scope.stage_env(df, 0, GOLANG_ENV)
    runtime = scope.stage_env(df, -1, {})
    assert {k: runtime.get(k) for k in keys} == {k: builder.get(k) for k in keys}


@pytest.mark.parametrize(
    ("lines", "expected", "keys"),
    [
        pytest.param("ENV B=/b\nENV A=$B/x\n", ["ENV B=/b\nENV A=$B/x\n"], {"A"}, id="earlier-env"),
        pytest.param(
            "ENV A=1\nENV B=$A\nENV A=2\n",
            ["ENV B=1\nENV A=2\n"],
            {"A", "B"},
            id="reassigned-later",
        ),
        pytest.param("ENV A=1 B=$A\n", ["ENV A=1\nENV B=''\n"], {"A", "B"}, id="same-instruction"),
        pytest.param(
            "ARG V=1.0\nENV X=$V\n", ["ARG V=1.0\nENV X=$V\n"], {"X"}, id="arg-with-default"
        ),
        pytest.param("ARG V\nENV X=v$V\n", ["ARG V\nENV X=v$V\n"], {"X"}, id="build-arg"),
        pytest.param(
            "ARG NODE_ENV=production\nENV NODE_ENV=$NODE_ENV\n",
            ["ARG NODE_ENV=production\nENV NODE_ENV=$NODE_ENV\n"],
            {"NODE_ENV"},
            id="env-from-its-own-arg",
        ),
        pytest.param(
            "ARG B=x\nARG V=$B\nENV X=$V\n", ["ENV X=x\n"], {"X"}, id="arg-default-reads-a-variable"
        ),
        pytest.param("ENV X=$GOPATH/bin\n", ["ENV X=/go/bin\n"], {"X"}, id="image-env"),
        pytest.param(
            "ENV APP_INFO version $V built\n",
            ["ENV APP_INFO='version  built'\n"],
            {"APP_INFO"},
            id="legacy-with-unset",
        ),
        pytest.param(
            "ARG V=1.0\nENV APP_INFO version $V built\n",
            ["ARG V=1.0\nENV APP_INFO version $V built\n"],
            {"APP_INFO"},
            id="legacy-with-arg",
        ),
        pytest.param(
            "ENV A='$HOME' B=\"a\\\\b\" C=\\$x\n",
            ["ENV A='$HOME'\nENV B=\"a\\\\b\"\nENV C=\\$x\n"],
            {"A", "B", "C"},
            id="no-variables-kept-as-written",
        ),
    ],
)
def test_runtime_env_keeps_the_builders_values(
    lines: str, expected: list[str], keys: set[str]
) -> None:
    outcome = split(HEAD + lines + TAIL)
    runtime = runtime_stage(outcome)
    for part in expected:
        assert part in runtime
    _same_env_in_both_stages(outcome.new.decode(), keys)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param("ENV PORT=8080\nEXPOSE $PORT\n", "EXPOSE $PORT\n", id="carried-env"),
        pytest.param("ARG PORT=8080\nEXPOSE $PORT\n", "EXPOSE $PORT\n", id="arg"),
        pytest.param(
            "ENV PORT=1\nEXPOSE $PORT\nENV PORT=2\n", "EXPOSE 1\n", id="env-changed-later"
        ),
        pytest.param("LABEL home=$GOPATH\n", "LABEL home=/go\n", id="label-from-image-env"),
        pytest.param(
            "LABEL a='x y' b=\"$GOPATH\"\n", "LABEL a='x y' b=/go\n", id="label-rewritten"
        ),
        pytest.param("STOPSIGNAL $SIG\n", "STOPSIGNAL ''\n", id="stopsignal-unset"),
    ],
)
def test_moved_instructions_read_the_same_values(lines: str, expected: str) -> None:
    runtime = runtime_stage(split(HEAD + lines + TAIL))
    assert expected in runtime


def test_an_expose_of_nothing_is_dropped() -> None:
    runtime = runtime_stage(split(HEAD + "EXPOSE $PORT\n" + TAIL))
    assert "EXPOSE" not in runtime


def test_a_value_the_runtime_cannot_get_is_refused() -> None:
    text = "FROM mycorp/go:1\nWORKDIR /app\nENV X=$FROM_THE_IMAGE\n" + TAIL
    outcome = split(text)
    assert outcome.status is Status.REFUSED
    assert "$FROM_THE_IMAGE" in outcome.reason


def test_the_escape_directive_shapes_the_quoting() -> None:
    text = "# escape=`\n" + HEAD + "ENV A=1\nENV B $A`$x C:\\dir\nENV A=2\n" + TAIL
    runtime = runtime_stage(split(text))
    assert "ENV B='1$x C:\\dir'\n" in runtime  # resolved (A changes later), quoted as one word
    _same_env_in_both_stages(split(text).new.decode(), {"B"})


def _golden_cases() -> list[object]:
    from fixture_cases import cases

    return [pytest.param(c, id=c.name) for c in cases() if c.expected("Dockerfile").exists()]


@pytest.mark.parametrize("case", _golden_cases())
def test_every_golden_runtime_env_has_the_builders_values(case: object) -> None:
    """Each ENV the runtime stage sets has the value the builder stage gave it (BuildKit's
    rules, the builder image's known ENV, an empty runtime image)."""
    from fixture_cases import Case

    assert isinstance(case, Case)
    df = parser.parse(case.expected("Dockerfile").read_bytes())
    base = images.defaults(df.stages()[0][0].args.split()[0])
    builder_env = {k: v for k, v in (base.env if base else {}).items() if v is not None}
    builder = scope.stage_env(df, 0, builder_env)
    set_there = {
        pair.key
        for ins in df.stages()[-1]
        if ins.keyword == "ENV"
        for pair in words.env_pairs(ins.args, df.escape)
    }
    runtime = scope.stage_env(df, -1, {})
    carried = set_there & set(builder)
    # A recipe may put a directory in front of PATH (a venv's bin, for a start command that
    # no longer goes through `uv run`); what the builder's PATH had must stay, in its order.
    if "PATH" in carried and runtime["PATH"].endswith(":" + builder["PATH"]):
        carried.discard("PATH")
    assert {k: runtime[k] for k in carried} == {k: builder[k] for k in carried}
