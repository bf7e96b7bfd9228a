"""BuildKit's word rules (dockerfile/words.py) and variable scope (dockerfile/scope.py).

The expected values are BuildKit's own, measured on the engine (tests/word_cases.py); the
`engine` test at the end measures them again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import word_cases as wc
from engine_helpers import requires_engine

from dfsplit.dockerfile import parser, scope, words
from dfsplit.dockerfile.words import Pair, Unresolved
from dfsplit.model import Refuse

PRELUDE = words.lookup_in(dict(wc.PRELUDE))


@pytest.mark.parametrize("case", wc.BACKSLASH, ids=[c.name for c in wc.BACKSLASH])
def test_a_word_is_processed_as_buildkit_does(case: wc.Word) -> None:
    assert words.process_word(case.raw, PRELUDE) == case.value


@pytest.mark.parametrize("case", wc.BACKTICK, ids=[c.name for c in wc.BACKTICK])
def test_a_word_under_the_backtick_escape_is_processed_as_buildkit_does(case: wc.Word) -> None:
    assert words.process_word(case.raw, PRELUDE, "`") == case.value


@pytest.mark.parametrize(("cases", "escape"), [(wc.BACKSLASH, "\\"), (wc.BACKTICK, "`")])
def test_the_stage_env_of_the_word_cases_is_buildkits(cases: list[wc.Word], escape: str) -> None:
    df = parser.parse(wc.dockerfile(cases, escape).encode())
    assert scope.stage_env(df, image_env={"PATH": wc.BASE_PATH}) == wc.expected_env(cases)


def test_env_and_arg_order_scope_and_the_legacy_form_are_buildkits() -> None:
    df = parser.parse(wc.SEMANTICS.encode())
    env = scope.stage_env(df, image_env={"PATH": wc.BASE_PATH})
    assert env == {"PATH": wc.BASE_PATH, **wc.SEMANTICS_ENV}


def test_workdir_user_and_labels_are_processed_words() -> None:
    df = parser.parse(wc.SEMANTICS.encode())
    stage = df.stages()[0]
    walked = scope.walk(df, stage, {"PATH": wc.BASE_PATH}, unknown=False)
    got: dict[str, object] = {"WorkingDir": "/", "Labels": {}}
    for ins, seen in zip(stage, walked.before, strict=True):
        value = words.process_word(ins.args, seen.lookup) if ins.keyword != "LABEL" else ""
        if ins.keyword == "WORKDIR":
            got["WorkingDir"] = str(Path(str(got["WorkingDir"])) / value)
        elif ins.keyword == "USER":
            got["User"] = value
        elif ins.keyword == "LABEL":
            labels = {
                words.process_word(p.key, seen.lookup): words.process_word(
                    p.value or "", seen.lookup
                )
                for p in words.env_pairs(ins.args, keyword="LABEL")
            }
            got["Labels"] = labels
    assert got == wc.SEMANTICS_CONFIG


def test_arg_defaults_are_processed_one_after_the_other() -> None:
    # Current BuildKit; Docker 20.10 processed the whole ARG first and gave B the old A.
    df = parser.parse(b"FROM debian\nARG A=1 B=$A\nENV C=$B\n")
    assert scope.stage_env(df)["C"] == "1"


def test_build_args_override_defaults_and_reach_bare_args() -> None:
    df = parser.parse(b"ARG G=g\nFROM debian\nARG A=1\nARG G\nARG N\nENV X=$A-$G-$N\n")
    assert scope.stage_env(df)["X"] == "1-g-"
    assert scope.stage_env(df, build_args={"A": "2", "G": "h", "N": "n"})["X"] == "2-h-n"


# --- splitting into raw words --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        pytest.param("a b", ["a", "b"], id="spaces"),
        pytest.param("  a   b  ", ["a", "b"], id="surrounding-spaces"),
        pytest.param('a="x y" b', ['a="x y"', "b"], id="double-quoted-space"),
        pytest.param("a='x y' b", ["a='x y'", "b"], id="single-quoted-space"),
        pytest.param(r"a=x\ y b", [r"a=x\ y", "b"], id="escaped-space"),
        pytest.param(r'a="x\" y"', [r'a="x\" y"'], id="escaped-quote-in-quotes"),
        pytest.param("a='x\\' y", ["a='x\\'", "y"], id="no-escape-in-single-quotes"),
        pytest.param('a=""', ['a=""'], id="empty-quotes"),
        pytest.param("a b\\", ["a", "b"], id="escape-at-the-end-dropped"),
    ],
)
def test_split_words_keeps_quotes_like_parsewords(rest: str, expected: list[str]) -> None:
    assert words.split_words(rest) == expected


def test_env_pairs_read_both_forms() -> None:
    assert words.env_pairs("A=1 B='x y'") == (Pair("A", "1", "A=1"), Pair("B", "'x y'", "B='x y'"))
    legacy = words.env_pairs("APP_INFO version $VERSION built")
    assert legacy == (
        Pair("APP_INFO", "version $VERSION built", "APP_INFO version $VERSION built", True),
    )


@pytest.mark.parametrize(
    "args",
    [pytest.param("A", id="one-word"), pytest.param("A=1 B", id="pair-then-word")],
)
def test_env_pairs_refuse_what_buildkit_rejects(args: str) -> None:
    with pytest.raises(Refuse):
        words.env_pairs(args)


def test_arg_pairs_keep_a_missing_default_apart_from_an_empty_one() -> None:
    assert [p.value for p in words.arg_pairs("A B= C=x")] == [None, "", "x"]


def test_copy_words_split_on_spaces_and_ignore_quotes_like_buildkit() -> None:
    assert words.copy_words('"a b" c') == ['"a', 'b"', "c"]
    assert words.copy_words('["a b", "c"]') == ["a b", "c"]
    assert words.copy_words("'/src' '/app/'") == ["'/src'", "'/app/'"]


def test_process_words_splits_expanded_values_but_not_quoted_ones() -> None:
    lookup = words.lookup_in({"A": "x  y"})
    assert words.process_words('$A "b c" d', lookup) == ["x", "y", "b c", "d"]


# --- references, quoting, failures ----------------------------------------------------------


def test_references_skip_quoted_and_escaped_dollars() -> None:
    assert words.references("a ${X:-$Y} '$Z' \\$W \"$Q\"") == {"X", "Y", "Q"}


@pytest.mark.parametrize(
    "value",
    ["plain", "a b", "it's $x \\", "'", '"', "$", "`", "a`b", "tab\there", "", "ünïcode ☃"],
)
@pytest.mark.parametrize("escape", ["\\", "`"])
def test_quote_round_trips_under_both_escapes(value: str, escape: str) -> None:
    quoted = words.quote(value, escape)
    assert words.process_word(quoted, words.lookup_in({}), escape) == value
    assert words.split_words(f"K={quoted}", escape) == [f"K={quoted}"]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("'open", id="unterminated-single-quote"),
        pytest.param('"open', id="unterminated-double-quote"),
        pytest.param("${A", id="missing-brace"),
        pytest.param("${}", id="bad-substitution"),
        pytest.param("${A:x}", id="unsupported-modifier"),
        pytest.param("${UNSET?must be set}", id="required"),
    ],
)
def test_what_buildkit_rejects_is_refused(raw: str) -> None:
    with pytest.raises(Refuse):
        words.process_word(raw, words.lookup_in({}))


@pytest.mark.parametrize("raw", ["${A#x}", "${A%x}", "${A/x/y}", "$A"])
def test_pattern_forms_and_unknown_variables_are_unresolved(raw: str) -> None:
    with pytest.raises(Unresolved):
        words.process_word(raw, words.lookup_in({"A": None}))


def test_an_open_scope_does_not_know_names_it_never_saw() -> None:
    with pytest.raises(Unresolved):
        words.process_word("$HOME", words.lookup_in({}, closed=False))
    assert words.process_word("$HOME", words.lookup_in({})) == ""


# --- the engine -----------------------------------------------------------------------------


def _built_config(text: str) -> dict[str, object]:
    from dfsplit.verify import engine

    tag = "dfsplit-test-words:latest"
    with tempfile.TemporaryDirectory() as ctx:
        (Path(ctx) / "Dockerfile").write_text(text)
        built = engine.build(Path(ctx), Path(ctx) / "Dockerfile", tag, labels=[engine.LABEL])
        assert built.ok, "\n".join(built.log_tail)
        try:
            return engine.image_config(tag)
        finally:
            engine.remove_images([tag])


def _env_of(config: dict[str, object]) -> dict[str, str]:
    entries = config.get("Env") or []
    assert isinstance(entries, list)
    return dict(str(e).split("=", 1) for e in entries)


@pytest.mark.engine
@requires_engine()
def test_buildkit_on_the_engine_agrees_with_the_recorded_values() -> None:
    for cases, escape in ((wc.BACKSLASH, "\\"), (wc.BACKTICK, "`")):
        config = _built_config(wc.dockerfile(cases, escape, modern=False))
        assert _env_of(config) == wc.expected_env(cases, modern=False)
    config = _built_config(wc.SEMANTICS)
    assert _env_of(config) == {"PATH": wc.BASE_PATH, **wc.SEMANTICS_ENV}
    labels = config.get("Labels") or {}
    assert isinstance(labels, dict)
    got = {
        "WorkingDir": config.get("WorkingDir"),
        "User": config.get("User"),
        "Labels": {k: v for k, v in labels.items() if k in wc.SEMANTICS_CONFIG["Labels"]},  # type: ignore[operator]
    }
    assert got == wc.SEMANTICS_CONFIG
