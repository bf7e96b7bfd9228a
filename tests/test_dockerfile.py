"""dfsplit.dockerfile against BuildKit's own parser (the `dockerfile` package) as the oracle."""

from __future__ import annotations

import re

import dockerfile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dfsplit.dockerfile.parser import (
    FLAG_KEYWORDS,
    _trim_continuation,
    parse,
    to_bytes,
)
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Dockerfile, Heredoc, Refuse

BOM = b"\xef\xbb\xbf"


def oracle(text: str) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """(keyword, start, end, flags) from BuildKit, as 0-based exclusive spans."""
    out = []
    for cmd in dockerfile.parse_string(text):
        keyword = cmd.cmd.upper()
        flags = tuple(cmd.flags) if keyword in FLAG_KEYWORDS else ()
        out.append((keyword, cmd.start_line - 1, cmd.end_line, flags))
    return out


def ours(df: Dockerfile) -> list[tuple[str, int, int, tuple[str, ...]]]:
    return [(i.keyword, i.start, i.end, i.flags) for i in df.instructions]


def check_against_oracle(text: str) -> Dockerfile:
    df = parse(text.encode("utf-8"))
    assert "".join(df.lines) == text.removeprefix("\ufeff")
    assert ours(df) == oracle(text)
    return df


# --- valid files: same instructions, keywords, spans and flags as BuildKit -----------------

VALID = [
    pytest.param("from alpine\nrun echo hi\n", id="lowercase"),
    pytest.param("FROM a\r\nRUN x \\\r\n  y\r\n", id="crlf"),
    pytest.param("FROM a\nRUN x", id="no-final-newline"),
    pytest.param("\ufeffFROM a\nRUN x\n", id="bom"),
    pytest.param("  FROM a\n\tRUN b\n", id="leading-whitespace"),
    pytest.param("# syntax=docker/dockerfile:1\nFROM a\n", id="syntax-directive"),
    pytest.param("# escape=`\nFROM a\nRUN dir C:\\ `\n  && echo x\n", id="escape-backtick"),
    pytest.param("#ESCAPE = ` \nFROM a\nRUN a `\n b\n", id="escape-directive-spacing"),
    pytest.param("# foo=bar\n# escape=`\nFROM a\nRUN a\n", id="unknown-directive-stops"),
    pytest.param("\n# escape=`\nFROM a\nRUN a\n", id="blank-line-stops-directives"),
    pytest.param("FROM a\nRUN a \\\n\n  b\n", id="blank-in-continuation"),
    pytest.param("FROM a\nRUN a \\\n  # note\n  b\n", id="comment-in-continuation"),
    pytest.param("FROM a\nRUN a \\\n", id="trailing-escape-last-line"),
    pytest.param("FROM a\nRUN a \\", id="trailing-escape-no-newline"),
    pytest.param("FROM a\nRUN a \\\n\n# c\n", id="trailing-escape-then-blank-and-comment"),
    pytest.param("FROM a\nRUN a \\  \t\n b\n", id="escape-then-spaces"),
    pytest.param("FROM a\nRUN a \\\n\\\n b\n", id="escape-only-line"),
    pytest.param("FROM a\nRUN <<EOF\necho hi\nEOF\n", id="heredoc"),
    pytest.param("FROM a\nRUN <<-EOF\n\techo hi\n\tEOF\n", id="heredoc-chomp"),
    pytest.param('FROM a\nRUN <<"EOF" bash\necho $x\nEOF\n', id="heredoc-quoted"),
    pytest.param("FROM a\nRUN <<'EOF'\necho $x\nEOF\n", id="heredoc-single-quoted"),
    pytest.param("FROM a\nRUN <<A cat && cat <<B\na\nA\nb\nB\n", id="heredoc-two"),
    pytest.param("FROM a\nCOPY <<EOF <<EOF2 /x/\na\nEOF\nb\nEOF2\n", id="heredoc-copy-two"),
    pytest.param("FROM a\nRUN <<EOF\r\nx\r\nEOF\r\nRUN y\r\n", id="heredoc-crlf"),
    pytest.param("FROM a\nRUN <<EOF\nx\n  EOF\nEOF\n", id="heredoc-indented-not-end"),
    pytest.param("FROM a\nRUN a \\\n  <<EOF\nx\nEOF\n", id="heredoc-after-continuation"),
    pytest.param("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n", id="heredoc-onbuild"),
    pytest.param("FROM a\nONBUILD RUN --network=none <<EOF\nx\nEOF\n", id="heredoc-onbuild-flag"),
    pytest.param("FROM a\nRUN <<EOF\nx\nEOF", id="heredoc-no-final-newline"),
    pytest.param('FROM a\nRUN cat <<< "x"\nRUN y\n', id="here-string"),
    pytest.param("FROM a\nRUN echo '<<EOF'\nRUN y\n", id="quoted-lt-lt"),
    pytest.param("FROM a\nRUN cat << EOF\nRUN y\n", id="lt-lt-space"),
    pytest.param("FROM a\nENV X <<EOF\nRUN y\n", id="lt-lt-in-env"),
    pytest.param('FROM a\nRUN ["sh", "<<EOF"]\nRUN y\n', id="lt-lt-in-exec-form"),
    pytest.param('FROM a\nRUN echo "a <<EOF\nRUN y\n', id="lt-lt-unterminated-quote"),
    pytest.param(
        "FROM --platform=$BUILDPLATFORM golang AS b\nCOPY --from=b --chown=1:1 a b\n"
        "RUN --mount=type=cache,target=/x go build\nHEALTHCHECK --interval=5s CMD curl x\n",
        id="flags",
    ),
    pytest.param("FROM a\nRUN\nCMD\n", id="no-arguments"),
    pytest.param("FROM a\nRUN echo \\\\ \t\\\\\nRUN b\n", id="doubled-escapes-at-end"),
    pytest.param("FROM a\nRUN a\x0cb\n", id="form-feed-not-a-line-break"),
    pytest.param("FROM a\nRUN a \u2028 b\n", id="line-separator-not-a-line-break"),
]


@pytest.mark.parametrize("text", VALID)
def test_matches_oracle(text: str) -> None:
    check_against_oracle(text)


# --- what the oracle does not show: our own fields ----------------------------------------


def test_lowercase_flag_and_upper_keyword() -> None:
    df = parse(b"from alpine\nRUN x\n")
    assert [(i.keyword, i.lowercase) for i in df.instructions] == [("FROM", True), ("RUN", False)]


def test_crlf_and_bom_recorded() -> None:
    df = parse(BOM + b"FROM a\r\nRUN x\r\n")
    assert df.bom and df.newline == "\r\n" and df.lines == ("FROM a\r\n", "RUN x\r\n")
    assert parse(b"FROM a\r\nRUN a\nRUN b\n").newline == "\n"
    assert parse(b"FROM a\r\nRUN a\r\nRUN b\n").newline == "\r\n"


def test_no_final_newline() -> None:
    df = parse(b"FROM a\nRUN x")
    assert not df.final_newline and df.lines[-1] == "RUN x"


def test_directives_and_escape() -> None:
    df = parse(b"# syntax=docker/dockerfile:1\n# Escape=`\nFROM a\nRUN a `\n  b\n")
    assert df.directives == (("syntax", "docker/dockerfile:1"), ("escape", "`"))
    assert df.escape == "`"
    assert df.instructions[1].value == "a   b"
    assert (df.instructions[1].start, df.instructions[1].end) == (3, 5)


def test_check_directive_is_a_directive() -> None:
    # The oracle's BuildKit predates `# check=` (Dockerfile 1.8) and reads it as a comment,
    # which would ignore the escape directive after it; current BuildKit honours both.
    df = parse(b"# check=skip=all\n# escape=`\nFROM a\nRUN a `\n b\n")
    assert df.directives == (("check", "skip=all"), ("escape", "`"))
    assert [(i.start, i.end) for i in df.instructions] == [(2, 3), (3, 5)]


def test_value_joins_continuations_and_drops_comments() -> None:
    raw = b"FROM a\nRUN apt-get update \\\n  # why\n\n  && apt-get install -y x\n"
    ins = parse(raw).instructions[1]
    assert ins.value == "apt-get update   && apt-get install -y x"
    assert (ins.start, ins.end) == (1, 5)


@pytest.mark.parametrize(
    ("text", "value", "heredocs"),
    [
        pytest.param("RUN <<EOF\nx\nEOF\n", "<<EOF", (Heredoc("EOF", "x\n"),), id="single"),
        pytest.param("RUN <<EOF bash\nx\nEOF\n", "<<EOF bash", (Heredoc("EOF", "x\n"),), id="arg"),
        pytest.param("RUN <<-E\n\tx\n\tE\n", "<<-E", (Heredoc("E", "\tx\n"),), id="chomp"),
        pytest.param("RUN <<'E'\n$x\nE\n", "<<'E'", (Heredoc("E", "$x\n"),), id="quoted"),
        pytest.param(
            "COPY <<A <<B /d/\n1\nA\n2\nB\n",
            "<<A <<B /d/",
            (Heredoc("A", "1\n"), Heredoc("B", "2\n")),
            id="two",
        ),
    ],
)
def test_heredoc_bodies(text: str, value: str, heredocs: tuple[Heredoc, ...]) -> None:
    ins = parse(f"FROM a\n{text}RUN z\n".encode()).instructions[1]
    assert ins.value == value and ins.heredocs == heredocs
    assert ins.end == 1 + text.count("\n")


@pytest.mark.parametrize(
    ("line", "flags", "args"),
    [
        pytest.param(
            "COPY --from=builder --chown=1:1 a b",
            ("--from=builder", "--chown=1:1"),
            "a b",
            id="copy",
        ),
        pytest.param(
            "RUN --mount=type=cache,target=/x go build",
            ("--mount=type=cache,target=/x",),
            "go build",
            id="run-mount",
        ),
        pytest.param(
            "FROM --platform=$BUILDPLATFORM golang AS b",
            ("--platform=$BUILDPLATFORM",),
            "golang AS b",
            id="from-platform",
        ),
        pytest.param(
            "RUN --network=none --security=sandbox make",
            ("--network=none", "--security=sandbox"),
            "make",
            id="two-flags",
        ),
        pytest.param("ADD --link a b", ("--link",), "a b", id="bare-flag"),
        pytest.param("RUN -- --not-a-flag", (), "--not-a-flag", id="double-dash"),
        pytest.param("RUN echo --x", (), "echo --x", id="not-leading"),
        pytest.param("ENV --x=1", (), "--x=1", id="env-takes-no-flags"),
    ],
)
def test_flags(line: str, flags: tuple[str, ...], args: str) -> None:
    ins = parse(f"FROM a\n{line}\n".encode()).instructions[1]
    assert (ins.flags, ins.args) == (flags, args)


def test_flag_lookup() -> None:
    ins = parse(b"FROM a\nCOPY --from=builder --chown=1:1 /a /b\n").instructions[1]
    assert ins.flag("from") == "builder" and ins.flag("chmod") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('["./main", "-x"]', ["./main", "-x"], id="exec"),
        pytest.param("[]", [], id="empty"),
        pytest.param('[ "a" ]', ["a"], id="spaces"),
        pytest.param("./main -x", None, id="shell"),
        pytest.param("['a']", None, id="single-quotes"),
        pytest.param("[1, 2]", None, id="numbers"),
        pytest.param('["a",]', None, id="trailing-comma"),
        pytest.param('{"a": 1}', None, id="object"),
        pytest.param("[NaN]", None, id="nan"),
        pytest.param('["a"] b', None, id="trailing-text"),
    ],
)
def test_is_exec_form(value: str, expected: list[str] | None) -> None:
    assert is_exec_form(value) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(BOM + b"FROM a\r\nRUN x \\\r\n  y\r\n", id="crlf-bom"),
        pytest.param(b"FROM a\nRUN x", id="lf-no-final"),
        pytest.param(BOM + b"FROM a\r\nRUN x", id="crlf-bom-no-final"),
    ],
)
def test_to_bytes_round_trip(raw: bytes) -> None:
    df = parse(raw)
    assert to_bytes("".join(df.lines), df) == raw
    # Rendered text always ends its last line; a file without a final newline gets none back.
    assert to_bytes("".join(df.lines) + ("" if df.final_newline else df.newline), df) == raw


# --- refusals ------------------------------------------------------------------------------

REFUSED = [
    pytest.param(b"", "empty Dockerfile", id="empty"),
    pytest.param(b"  \n\t\n", "empty Dockerfile", id="whitespace"),
    pytest.param(BOM, "empty Dockerfile", id="bom-only"),
    pytest.param(b"# just a comment\n\n", "no instructions", id="comments-only"),
    pytest.param(b"# syntax=x\n", "no instructions", id="directive-only"),
    pytest.param(b"FROM a\x00\n", "binary file", id="nul"),
    pytest.param(b"FROM a\nRUN \xff\n", "not valid UTF-8 (byte offset 11)", id="non-utf8"),
    pytest.param(
        b"FROM a\n" + b"#" * (1 << 20),
        "file too large (1048583 bytes; the limit is 1048576)",
        id="too-large",
    ),
    pytest.param(
        b"FROM a\nRUN <<EOF\necho\n",
        "unterminated heredoc <<EOF at line 2",
        id="unterminated-heredoc",
    ),
    pytest.param(
        b"FROM a\nRUN <<A <<B\na\nA\n",
        "unterminated heredoc <<B at line 2",
        id="second-heredoc-unterminated",
    ),
    pytest.param(b"FROM a\n&& b\n", "unknown instruction && at line 2", id="stray-and"),
    pytest.param(b"FROM a\nECHO b\n", "unknown instruction ECHO at line 2", id="unknown"),
    pytest.param(
        b"FROM a\nRUN a \\\\\n b\n",
        "unknown instruction b at line 3",
        id="doubled-escape-is-no-continuation",
    ),
    pytest.param(
        b"FROM a\nRUN a \\\x0c\n b\n",
        "unknown instruction b at line 3",
        id="form-feed-after-escape",
    ),
    pytest.param(b"# escape=x\nFROM a\n", "invalid escape directive", id="bad-escape"),
    pytest.param(b"# escape=`\n# escape=\\\nFROM a\n", "more than one escape", id="two-escapes"),
    pytest.param(b"FROM a\nCMD [1, 2]\n", "holds non-strings", id="json-non-strings"),
    pytest.param(b'FROM a\nCMD ["a"] b\n', "text after the JSON array", id="json-trailing"),
    pytest.param(b"FROM a\nRUN <<$X\nx\n$X\n", "unsupported heredoc delimiter", id="heredoc-var"),
    pytest.param(b'FROM a\nCOPY --from="b" x y\n', "quoted COPY flag --from", id="quoted-flag"),
    pytest.param(
        b'FROM a\nRUN --mount="x" <<EOF\nx\nEOF\n',
        "quoted RUN flag --mount",
        id="quoted-flag-heredoc",
    ),
    pytest.param(
        b'FROM a\nONBUILD COPY --from="b" x y\n',
        "quoted COPY flag --from",
        id="quoted-flag-onbuild",
    ),
    pytest.param(
        b'FROM a\nONBUILD COPY --from=b ["a"] c\n',
        "text after the JSON array of COPY",
        id="json-trailing-onbuild-flag",
    ),
    pytest.param(
        b'FROM a\nHEALTHCHECK --interval=5s CMD ["a"] b\n',
        "text after the JSON array of CMD",
        id="json-trailing-healthcheck-flag",
    ),
]


@pytest.mark.parametrize(("raw", "reason"), REFUSED)
def test_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(Refuse) as info:
        parse(raw)
    assert reason in info.value.reason
    assert "\n" not in info.value.reason


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"FROM a\nRUN <<EOF\necho\n", id="unterminated-heredoc"),
        pytest.param(b"FROM a\nCMD [1]\n", id="json-non-strings"),
        pytest.param(b"# escape=x\nFROM a\n", id="bad-escape"),
        pytest.param(b"# c\n", id="no-instructions"),
    ],
)
def test_refusals_are_oracle_errors(raw: bytes) -> None:
    with pytest.raises(dockerfile.GoParseError):
        dockerfile.parse_string(raw.decode())
    with pytest.raises(Refuse):
        parse(raw)


# --- property: generated Dockerfiles match BuildKit -----------------------------------------

INSTRUCTIONS = [
    "FROM golang:1.22 AS builder",
    "from alpine:3.19",
    "FROM --platform=$BUILDPLATFORM node:20",
    "RUN apk add --no-cache curl && rm -rf /var/cache",
    "run echo hi",
    "RUN --mount=type=cache,target=/root/.cache go build -o /out ./...",
    "COPY --from=builder --chown=1:1 /out /app",
    "ADD --link https://example.com/x.tgz /x",
    "ENV A=1 B=2",
    "WORKDIR /app",
    "ARG VERSION=1",
    'CMD ["./main", "-x"]',
    "ENTRYPOINT /entry.sh",
    "HEALTHCHECK --interval=5s CMD curl -f localhost",
]
HEREDOCS = ["RUN <<EOF\necho hi\nEOF", "COPY <<-EOF /x\n\tbody\n\tEOF", "RUN <<A cat\na\nA"]
FILLER = st.sampled_from(["", "   ", "# comment", "  # indented comment"])


@st.composite
def continued(draw: st.DrawFn, line: str) -> list[str]:
    """Break an instruction after random words, with blank/comment lines in between."""
    words = line.split(" ")
    out = [words[0]]
    for word in words[1:]:
        if draw(st.booleans()):
            out[-1] += " " + draw(st.sampled_from(["\\", "\\  "]))
            out.extend(draw(st.lists(FILLER, max_size=2)))
            out.append(draw(st.sampled_from(["", "  ", "\t"])) + word)
        else:
            out[-1] += " " + word
    return out


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    lines: list[str] = []
    heredoc = False
    for _ in range(draw(st.integers(1, 6))):
        lines.extend(draw(st.lists(FILLER, max_size=2)))
        heredoc = draw(st.integers(0, 5)) == 0
        if heredoc:
            lines.extend(draw(st.sampled_from(HEREDOCS)).split("\n"))
        else:
            lines.extend(draw(continued(draw(st.sampled_from(INSTRUCTIONS)))))
    if not heredoc and draw(st.booleans()):  # a dangling escape on the last instruction
        lines[-1] += " \\"
        lines.extend(draw(st.lists(FILLER, max_size=2)))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    return text + newline if draw(st.booleans()) else text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_generated_match_oracle(text: str) -> None:
    check_against_oracle(text)


@given(st.text(alphabet="a\\ \t\n\x0c\x1c\x85\xa0\u2028\u3000"))
def test_trim_continuation_is_the_regex(text: str) -> None:
    # What dockerfile-parse is fed must not change: str.rstrip() must strip exactly re's \s.
    assert _trim_continuation(text) == re.sub(r"[\\\s]+\Z", "", text)
