"""The pieces issue 16 added, one by one: BuildKit's refusals (rules), Go's path cleaning,
the line-termination rule, glob classes and terminal-safe text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfsplit.dockerfile import parser, paths, rules
from dfsplit.dockerfile.globs import glob_escape, path_match
from dfsplit.model import BadDockerfile
from dfsplit.report.run import printable

# --- BuildKit's rules: each was measured on the engine (see dfsplit/dockerfile/rules.py) ------

REFUSED = [
    ("WORKDIR /x\nFROM a\n", "WORKDIR before the first FROM"),
    ("FROM a AS b AS c\n", "FROM requires either one or three arguments"),
    ("FROM a # base\n", "a # comment must be on a line of its own"),
    ("FROM --platform=linux/amd64\n", "FROM requires either one or three arguments"),
    ("FROM a AS 1x\n", "invalid name for build stage"),
    ("FROM a\nARG\n", "ARG requires at least one argument"),
    ("FROM a\nENV\n", "ENV requires at least one argument"),
    ("FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"),
    ("FROM a\nCOPY x\n", "COPY requires at least two arguments"),
    ('FROM a\nADD ["x"]\n', "ADD requires at least two arguments"),
    ("FROM a\nHEALTHCHECK CMD []\n", "Missing command after HEALTHCHECK CMD"),
    ("FROM a\nHEALTHCHECK CMD\n", "Missing command after HEALTHCHECK CMD"),
    ("FROM a\nHEALTHCHECK\n", "HEALTHCHECK requires at least one argument"),
    ("FROM a\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments"),
    ("FROM a\nHEALTHCHECK RUN x\n", "unknown type RUN in HEALTHCHECK"),
    ("FROM a\nSHELL sh\n", "SHELL requires the arguments to be in JSON form"),
    ("FROM a\nLABEL a\n", "LABEL must have two arguments"),
    ("FROM a\nENV A=1 B\n", "can't find = in 'B'"),
    ('FROM a\nENV A="x y" B\n', "can't find = in 'B'"),
    ("# escape=`\nFROM a\nENV A=x\\ y\n", "can't find = in 'y'"),
    ("FROM a\nLABEL a=" + "b" * 65_528 + "\n", "longer than 65535 bytes"),
]
ACCEPTED = [
    "ARG V=1\nFROM a\n",
    "FROM a AS b\n",
    "FROM --platform=linux/amd64 a\n",
    "FROM a\nCMD []\n",
    "FROM a\nRUN\n",
    "FROM a\nWORKDIR a b\n",
    "FROM a\nCOPY <<EOF /x\nhi\nEOF\n",
    "FROM a\nHEALTHCHECK NONE\n",
    "FROM a\nHEALTHCHECK --interval=5s CMD true\n",
    'FROM a\nSHELL ["/bin/sh", "-c"]\n',
    "FROM a\nENV A b c\n",
    "FROM a\nENV A=\"x y\" B='1 2' C=a\\ b\n",
    "FROM a\nLABEL a=" + "b" * 65_527 + "\n",
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_buildkit_refuses_and_so_does_dfsplit(text: str, reason: str) -> None:
    with pytest.raises(BadDockerfile, match="BuildKit refuses to build it") as info:
        rules.check(parser.parse(text.encode()))
    assert reason in info.value.reason


@pytest.mark.parametrize("text", ACCEPTED)
def test_what_buildkit_builds_passes(text: str) -> None:
    rules.check(parser.parse(text.encode()))


# --- paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "clean"),
    [("//", "/"), ("///", "/"), ("//a//b/", "/a/b"), ("/a/../..", "/"), ("a/./b", "a/b")],
)
def test_paths_are_cleaned_as_go_cleans_them(path: str, clean: str) -> None:
    assert paths.clean(path) == clean


@given(st.text(alphabet="/a.", max_size=12))
def test_walking_up_always_ends(path: str) -> None:
    up = paths.parents(path or ".")
    assert up[-1] in ("/", ".") and len(up) == len(set(up))


# --- one line-termination rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "continued"),
    [
        ("RUN a \\", True),
        ("RUN a \\  \t", True),
        ("RUN a \\\r\n", True),
        ("ENV A=trailing\\\\", False),
        ("ENV A=b\\\\\\", False),  # BuildKit: the escape before it ends the line too
        ("RUN a", False),
    ],
)
def test_a_line_continues_by_buildkits_rule(line: str, continued: bool) -> None:
    assert parser.continues(line, "\\") is continued


# --- glob classes and escapes -----------------------------------------------------------------


def test_a_reversed_range_matches_nothing_and_an_escaped_name_only_itself() -> None:
    assert not path_match("[z-a]", "m")
    assert path_match("[a-c]x", "bx") and not path_match("[!a-c]x", "bx")
    assert path_match(glob_escape("/[z-a]/*?") + "/*.jar", "/[z-a]/*?/app.jar")
    assert not path_match(glob_escape("/a*"), "/ab")


# --- terminal-safe text -----------------------------------------------------------------------


def test_control_characters_are_shown_not_sent() -> None:
    assert printable("a\x1b]0;owned\x07b\nc\x9b") == "a\\x1b]0;owned\\x07b\\x0ac\\x9b"
    assert printable("héllo ☃") == "héllo ☃"
