"""BuildKit's word processing, as measured: each case's expected value is what Docker's
BuildKit put in the image config when it built `dockerfile(...)` (tests/test_words.py builds
them again with the `engine` mark). Cases marked `modern` are current-BuildKit behaviour that
the engine here (Docker 20.10) does not have: it rejects `${VAR-x}` and `${VAR+x}`.
"""

from __future__ import annotations

from typing import NamedTuple

# Variables set before the cases: V, an empty one and one holding two spaces.
PRELUDE = {"V": "val", "EMPTY": "", "SP": "a  b"}
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Word(NamedTuple):
    name: str
    raw: str  # one word as written after `ENV Wn=`
    value: str  # what BuildKit made of it
    modern: bool = False


BACKSLASH = [
    Word("plain", "plain", "plain"),
    Word("single-quoted-dollar", "'single $V'", "single $V"),
    Word("double-quoted-variable", '"double $V"', "double val"),
    Word("escaped-backslash", r"back\\slash", "back\\slash"),
    Word("escaped-dollar", r"\$V", "$V"),
    Word("escaped-dollar-in-double-quotes", r'"\$V"', "$V"),
    Word("escaped-backslash-in-double-quotes", r'"a\\b"', "a\\b"),
    Word("backslash-before-other-in-double-quotes", r'"a\b"', "a\\b"),
    Word("escaped-space", r"a\ b", "a b"),
    Word("adjacent-single-quotes", "'it''s'", "its"),
    Word("braces", "${V}x", "valx"),
    Word("default-when-unset", "${UNSET:-def}", "def"),
    Word("default-when-empty", "${EMPTY:-e}", "e"),
    Word("alternative-when-set", "${V:+set}", "set"),
    Word("alternative-when-empty", "${EMPTY:+p}", ""),
    Word("nested-default", "${UNSET:-${V}/d}", "val/d"),
    Word("quoted-default", '${UNSET:-"q w"}', "q w"),
    Word("single-quoted-alternative", "${V:+'$V'}", "$V"),
    Word("trailing-dollar", "a$", "a$"),
    Word("special-parameter", "$-x", "x"),
    Word("positional-parameter", "$1abc", "abc"),
    Word("at-parameter", '"$@"', ""),
    Word("dollar-dollar", "$$", ""),
    Word("quotes-inside-a-word", 'a"b c"d', "ab cd"),
    Word("three-quotings", "\"x\"'y'z", "xyz"),
    Word("escaped-double-quotes", r"\"q\"", '"q"'),
    Word("backslash-in-single-quotes", r"'a\'", "a\\"),
    Word("value-with-spaces", "$SP", "a  b"),
    Word("unset", "$UNSET", ""),
    Word("escaped-braces", r"\${V}", "${V}"),
    Word("single-quote-in-double-quotes", '"it\'s"', "it's"),
    Word("double-quotes-in-single-quotes", "'say \"hi\"'", 'say "hi"'),
    Word("default-unset-no-colon", "${UNSET-d}", "d", modern=True),
    Word("default-empty-no-colon", "${EMPTY-d}", "", modern=True),
    Word("alternative-empty-no-colon", "${EMPTY+p}", "p", modern=True),
    Word("alternative-unset-no-colon", "${UNSET+p}", "", modern=True),
]

BACKTICK = [
    Word("backslash-is-literal", r"C:\path", "C:\\path"),
    Word("backtick-escapes-dollar", "`$V", "$V"),
    Word("backtick-escapes-quote-in-double-quotes", '"a`"b"', 'a"b'),
    Word("backslash-ends-nothing-in-double-quotes", r'"a\"', "a\\"),
    Word("backtick-escapes-space", "a` b", "a b"),
    Word("backslash-before-variable", r'"\$V"', "\\val"),
    Word("escaped-backtick", "a``b", "a`b"),
]

# Stage semantics: ENV/ARG order and scope, the legacy ENV form (escape `\`).
SEMANTICS = """\
ARG G=glob
FROM debian:bookworm-slim
ENV V=val
ENV LEG version $V built
ENV LEG2   spaced   out  "q  x"   'y  $V'  \\$z
ENV O=1
ENV O=2 P=$O
ARG A=1.0
ENV Q=$A
ENV FOO=env
ARG FOO=arg
ENV R=$FOO
ARG NODEF
ENV Y=$NODEF Z=${NODEF:-e}
ENV H1=$G
ARG G
ENV H2=$G
WORKDIR '/app'
WORKDIR "sub dir"
LABEL l1='a $V' l2="b $V" "l 3"=x
USER 'nobody'
"""
SEMANTICS_ENV = {
    "V": "val",
    "LEG": "version val built",
    "LEG2": "spaced   out  q  x   y  $V  $z",
    "O": "2",
    "P": "1",
    "Q": "1.0",
    "FOO": "env",
    "R": "arg",
    "Y": "",
    "Z": "e",
    "H1": "",
    "H2": "glob",
}
SEMANTICS_CONFIG = {
    "WorkingDir": "/app/sub dir",
    "User": "nobody",
    "Labels": {"l1": "a $V", "l2": "b val", "l 3": "x"},
}


def dockerfile(cases: list[Word], escape: str = "\\", modern: bool = True) -> str:
    """One ENV per case after the prelude, named W0, W1, ..."""
    head = "# escape=`\n" if escape == "`" else ""
    lines = [f"{head}FROM debian:bookworm-slim"]
    lines += [f"ENV {key}={word_for(value)}" for key, value in PRELUDE.items()]
    lines += [f"ENV W{i}={c.raw}" for i, c in enumerate(cases) if modern or not c.modern]
    return "\n".join(lines) + "\n"


def word_for(value: str) -> str:
    return f'"{value}"' if value else '""'


def expected_env(cases: list[Word], modern: bool = True) -> dict[str, str]:
    """The image ENV of `dockerfile(cases)`: the base PATH, the prelude, each case."""
    out = {"PATH": BASE_PATH, **PRELUDE}
    out.update({f"W{i}": c.value for i, c in enumerate(cases) if modern or not c.modern})
    return out
