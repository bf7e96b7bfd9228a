"""Parse a Dockerfile into instructions that still point at its exact original lines.

The rules mirror BuildKit's own parser (frontend/dockerfile/parser), because that is what
`docker build` runs: where a simpler reading would differ from BuildKit we either copy
BuildKit's behaviour or refuse the file. dockerfile-parse only tokenises the keyword of
each logical instruction, and is fed a normalised, one-instruction-per-line document,
because it mishandles continuations, heredocs and the escape directive on its own.
"""

from __future__ import annotations

import io
import re
from typing import NamedTuple

from dockerfile_parse import DockerfileParser

from dfsplit.dockerfile.words import GO_SPACE, JSON
from dfsplit.model import (
    MAX_DOCKERFILE_BYTES,
    BadDockerfile,
    Dockerfile,
    Heredoc,
    Instruction,
    InternalError,
    Refuse,
)

KEYWORDS = frozenset(
    {
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    }
)
FLAG_KEYWORDS = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})
HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
# Instructions whose arguments BuildKit reads as a JSON array when they start with "[".
JSON_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"})
DIRECTIVES = frozenset({"syntax", "escape", "check"})

# Go's unicode.IsSpace, which BuildKit uses to trim lines.
_GO_SPACE = GO_SPACE
# BuildKit splits the keyword off with [\t\v\f\r ]+, not with unicode spaces.
_KEYWORD_SPLIT = re.compile(r"[\t\v\f\r ]+")
# Go's regexp \s is [\t\n\f\r ].
_DIRECTIVE = re.compile(
    r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z"
)
_HEREDOC_WORD = re.compile(r"([0-9]*)<<(-?)([^<]*)\Z")
_DQUOTE_ESCAPE = re.compile(r'\\([\\"$])')


class _Logical(NamedTuple):
    """One instruction as BuildKit sees it, with its keyword split off once."""

    start: int
    end: int
    joined: str  # first line plus continuations, escapes removed, without heredoc bodies
    heredocs: tuple[Heredoc, ...]
    written: str  # the keyword as written, e.g. "run"
    value: str  # everything after the keyword


def parse(raw: bytes, *, cross_check: bool = True) -> Dockerfile:
    """Parse `raw` or raise Refuse (reasons never repeat the file's path).

    `cross_check`: dockerfile-parse must read the same keywords. Verify turns it off for
    dfsplit's own output, whose instructions were all read that way from the input already.
    """
    text, bom = _decode(raw)
    lines = _split_lines(text)
    bares = _bares(lines)
    directives, escape = _directives(bares)
    logicals = _scan(lines, bares, escape)
    if not logicals:
        raise BadDockerfile("no instructions")
    keywords = _tokenize(logicals, cross_check)
    instructions = tuple(map(_instruction, logicals, keywords))  # same length: one keyword each
    return Dockerfile(
        lines=tuple(lines),
        instructions=instructions,
        directives=directives,
        bom=bom,
        newline=_dominant_newline(text),
        escape=escape,
    )


def to_bytes(text: str, df: Dockerfile) -> bytes:
    """Encode `text`, whose lines already end as they should, with the original's BOM and
    (no) final line ending."""
    if not df.final_newline:
        text = text.removesuffix("\n").removesuffix("\r")
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if df.bom else data


# --- bytes and lines -----------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, bool]:
    if len(raw) > MAX_DOCKERFILE_BYTES:
        raise BadDockerfile(
            f"file too large ({len(raw)} bytes; the limit is {MAX_DOCKERFILE_BYTES})"
        )
    if b"\x00" in raw:
        raise BadDockerfile("binary file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadDockerfile(f"not valid UTF-8 (byte offset {exc.start})") from None
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    if not text.strip(_GO_SPACE):
        raise BadDockerfile("empty Dockerfile")
    return text, bom


def _split_lines(text: str) -> list[str]:
    # Split on "\n" only: str.splitlines() would also break on \x0c, \x85, \u2028, ...
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _dominant_newline(text: str) -> str:
    # Lines are split on "\n" only, so these counts are the CRLF and LF line endings.
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def _content(line: str) -> str:
    """The line without its ending; like BuildKit's trimNewline, strips every trailing CR/LF."""
    return line.rstrip("\r\n")


def _bares(lines: list[str]) -> list[str]:
    """Each line's content without leading whitespace: what decides blank and comment lines.

    Computed once per file, as directives, scan and join each look at them; _content is
    inlined because this runs for every line.
    """
    return [line.rstrip("\r\n").lstrip(_GO_SPACE) for line in lines]


def _skipped(bare: str) -> bool:
    """A blank or comment line, which BuildKit skips (also inside continuations)."""
    return not bare or bare[0] == "#"


# --- directives ----------------------------------------------------------------------------


def _directives(bares: list[str]) -> tuple[tuple[tuple[str, str], ...], str]:
    """Leading parser directives; scanning stops at the first line that is not one."""
    found: list[tuple[str, str]] = []
    escape = "\\"
    for bare in bares:
        match = _DIRECTIVE.match(bare)
        # An unknown name is an ordinary comment and ends the directive block (as in BuildKit).
        if match is None or match[1].lower() not in DIRECTIVES:
            break
        name, value = match[1].lower(), match[2]
        if any(seen == name for seen, _ in found):
            raise BadDockerfile(f"more than one {name} parser directive")
        if name == "escape":
            if value not in ("\\", "`"):
                raise BadDockerfile(f"invalid escape directive {value!r}: use \\ or `")
            escape = value
        found.append((name, value))
    return tuple(found), escape


# --- logical instructions ------------------------------------------------------------------


def _scan(lines: list[str], bares: list[str], escape: str) -> list[_Logical]:
    out: list[_Logical] = []
    i = 0
    while i < len(lines):
        bare = bares[i]
        if not bare or bare[0] == "#":  # _skipped, inlined: it runs for every line
            i += 1
            continue
        start = i
        if bare[-1] == escape or bare[-1] in " \t":  # maybe continued: the common case is not
            joined, i = _join(lines, bares, i, escape)
        else:
            joined, i = bare, i + 1
        written, value = _split_keyword(joined)
        heredocs: tuple[Heredoc, ...] = ()
        specs = _heredoc_specs(joined, written, value, start) if "<<" in joined else None
        if specs:
            heredocs, i = _read_heredocs(lines, i, specs, start)
        out.append(_Logical(start, i, joined, heredocs, written, value))
    return out


def _join(lines: list[str], bares: list[str], start: int, escape: str) -> tuple[str, int]:
    """Join a line with its continuations; returns the text and the next line index."""
    text, more = _cut_escape(bares[start], escape)
    i = start + 1
    while more and i < len(lines):
        line, bare = lines[i], bares[i]
        i += 1
        # BuildKit skips blank and comment lines inside a continuation without ending it.
        if _skipped(bare):
            continue
        piece, more = _cut_escape(_content(line), escape)
        text += piece
    # A trailing escape on the last line simply ends the instruction (BuildKit does the same).
    return text, i


def continues(line: str, escape: str) -> bool:
    """BuildKit's one rule for a line continued on the next: its content ends in the escape
    character (spaces and tabs may follow), and not in a doubled one (`a\\\\` ends there).
    The parser joins lines by it, and the renderer ends the builder stage by it."""
    body = line.rstrip("\r\n").rstrip(" \t")
    return body.endswith(escape) and not body.endswith(escape * 2)


def skipped(line: str) -> bool:
    """A blank or comment line, which BuildKit skips (also inside continuations)."""
    return _skipped(line.rstrip("\r\n").lstrip(_GO_SPACE))


def _cut_escape(text: str, escape: str) -> tuple[str, bool]:
    """Remove a continuation escape (see `continues`)."""
    if continues(text, escape):
        return text.rstrip(" \t")[:-1], True
    return text, False


# --- heredocs ------------------------------------------------------------------------------


def _heredoc_specs(joined: str, written: str, value: str, start: int) -> list[tuple[str, bool]]:
    """(name, strip-tabs) for each heredoc the instruction opens, in order."""
    if "<<" not in joined:
        return []
    keyword = written.upper()
    if keyword == "ONBUILD":  # ONBUILD RUN <<EOF carries a heredoc too
        inner, value = _split_keyword(value)
        keyword = inner.upper()
    if keyword not in HEREDOC_KEYWORDS or _json_value(keyword, value, start) is not None:
        return []
    words = _shell_words(joined)
    specs: list[tuple[str, bool]] = []
    for word in words or ():
        match = _HEREDOC_WORD.match(word)
        if match is None or not match[3]:
            continue
        name = _unquote(match[3])
        if name is None:  # the word after << is really several words: not a heredoc
            continue
        if not name or "$" in name:
            raise Refuse(
                f"unsupported heredoc delimiter <<{match[3]} at line {start + 1} (empty or a "
                "variable): use a plain word such as EOF"
            )
        specs.append((name, match[2] == "-"))
    return specs


def _read_heredocs(
    lines: list[str], i: int, specs: list[tuple[str, bool]], start: int
) -> tuple[tuple[Heredoc, ...], int]:
    """Consume each heredoc body up to its delimiter line; bodies keep their line endings."""
    docs: list[Heredoc] = []
    for name, chomp in specs:
        body: list[str] = []
        while True:
            if i >= len(lines):
                raise BadDockerfile(f"unterminated heredoc <<{name} at line {start + 1}")
            line = lines[i]
            i += 1
            candidate = _content(line)
            if (candidate.lstrip("\t") if chomp else candidate) == name:
                break
            body.append(line)
        docs.append(Heredoc(name, "".join(body)))
    return tuple(docs), i


def _shell_words(text: str) -> list[str] | None:
    """Split like BuildKit's shell lexer in raw mode (quotes and escapes kept).

    Returns None on an unterminated quote: BuildKit then finds no heredoc at all.
    """
    words: list[str] = []
    word: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _GO_SPACE:
            if word:
                words.append("".join(word))
                word = []
            i += 1
            continue
        end = _token_end(text, i)
        if end < 0:
            return None
        word.append(text[i:end])
        i = end
    if word:
        words.append("".join(word))
    return words


def _token_end(text: str, i: int) -> int:
    """End of the quoted string, escape pair, ${...} or single char at i; -1 if unclosed."""
    ch = text[i]
    if ch == "\\":
        return min(i + 2, len(text))
    if ch == "'":
        close = text.find("'", i + 1)
        return close + 1 if close >= 0 else -1
    if ch == '"':
        j = i + 1
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        return j + 1 if j < len(text) else -1
    if text.startswith("${", i):
        close = text.find("}", i)
        return close + 1 if close >= 0 else -1
    return i + 1


def _unquote(word: str) -> str | None:
    """Remove shell quoting from a heredoc delimiter; None if it is more than one word."""
    words = _shell_words(word)
    if words is None or len(words) != 1:
        return None
    out: list[str] = []
    i = 0
    raw = words[0]
    while i < len(raw):
        end = _token_end(raw, i)
        token = raw[i:end]
        if token[0] == "\\":
            out.append(token[1:])
        elif token[0] == "'":
            out.append(token[1:-1])
        elif token[0] == '"':
            # Inside double quotes only \" \$ and \\ are escapes; other backslashes stay.
            out.append(_DQUOTE_ESCAPE.sub(r"\1", token[1:-1]))
        else:
            out.append(token)
        i = end
    return "".join(out)


# --- keywords, flags, JSON -----------------------------------------------------------------


def _split_keyword(joined: str) -> tuple[str, str]:
    """(keyword as written, value) split the way BuildKit's splitCommand does."""
    parts = _KEYWORD_SPLIT.split(joined.strip(_GO_SPACE), maxsplit=1)
    value = parts[1].strip(_GO_SPACE) if len(parts) > 1 else ""
    return parts[0], value


def _split_flags(keyword: str, value: str) -> tuple[tuple[str, ...], str]:
    """Leading --flags and the remaining arguments (only for keywords that take flags)."""
    if keyword not in FLAG_KEYWORDS:
        return (), value
    flags: list[str] = []
    rest = value
    while rest.startswith("--"):
        token, _, after = _partition_space(rest)
        if token == "--":  # "--" ends the flags, as in BuildKit
            rest = after
            break
        if any(ch in token for ch in "'\"\\"):
            # BuildKit unquotes flag values; refuse rather than keep a half-quoted value.
            raise Refuse(
                f"quoted {keyword} flag {token.split('=')[0]} is not supported: write its "
                "value without quotes"
            )
        flags.append(token)
        rest = after
    return tuple(flags), rest


def _partition_space(text: str) -> tuple[str, str, str]:
    for i, ch in enumerate(text):
        if ch in _GO_SPACE:
            return text[:i], ch, text[i:].lstrip(_GO_SPACE)
    return text, "", ""


def _json_value(keyword: str, value: str, start: int) -> list[object] | None:
    """_json_args for a value whose --flags are not split off yet."""
    _, args = _split_flags(keyword, value)
    return _json_args(keyword, args, start)


def _json_args(keyword: str, args: str, start: int) -> list[object] | None:
    """The JSON array BuildKit would read from `args` (the value after its --flags), or None
    for shell form.

    BuildKit decodes only the first JSON value and silently drops what follows it, and it
    errors on non-string items; both would make our reading differ from docker's, so refuse.
    """
    if keyword == "HEALTHCHECK":
        first, rest = _split_keyword(args)
        keyword, args = first.upper(), rest
        if keyword != "CMD":
            return None
    if keyword not in JSON_KEYWORDS or not args.startswith("["):
        return None
    try:
        parsed, end = JSON.raw_decode(args)
    except (ValueError, RecursionError):  # Go's decoder stops at depth 10000: shell form too
        return None
    if not isinstance(parsed, list):
        return None
    if args[end:].strip(_GO_SPACE):
        raise Refuse(
            f"text after the JSON array of {keyword} at line {start + 1}: Docker would run it "
            "as a shell command, and dfsplit does not guess which was meant; remove the text"
        )
    if not all(isinstance(item, str) for item in parsed):
        raise Refuse(
            f"JSON array of {keyword} at line {start + 1} holds non-strings: Docker would run "
            "it as a shell command, and dfsplit does not guess which was meant; quote them"
        )
    return parsed


# --- instructions --------------------------------------------------------------------------


def _tokenize(logicals: list[_Logical], cross_check: bool) -> list[str]:
    """Each instruction's keyword; with `cross_check`, dockerfile-parse (fed one normalised
    instruction per line) must find the same ones."""
    keywords: list[str] = []
    for logical in logicals:
        keyword = logical.written.upper()
        if keyword not in KEYWORDS:
            raise BadDockerfile(
                f"unknown instruction {logical.written[:40]} at line {logical.start + 1}"
            )
        keywords.append(keyword)
    # Only then: dockerfile-parse miscounts some lines BuildKit rejects anyway (a lone `\`).
    found = _dockerfile_parse_keywords(logicals) if cross_check else keywords
    for logical, mine, theirs in zip(logicals, keywords, found, strict=True):
        if mine != theirs:
            raise InternalError(f"cannot tokenize the instruction at line {logical.start + 1}")
    return keywords


def _dockerfile_parse_keywords(logicals: list[_Logical]) -> list[str]:
    normal = [_trim_continuation(lg.joined) + "\n" for lg in logicals]
    parser = DockerfileParser(fileobj=io.BytesIO("".join(normal).encode("utf-8")))
    found = [
        str(item["instruction"]).upper()
        for item in parser.structure
        if item["instruction"] != "COMMENT"
    ]
    if len(found) != len(logicals):
        raise InternalError(
            f"tokenizer found {len(found)} instructions where {len(logicals)} were expected"
        )
    return found


def _trim_continuation(text: str) -> str:
    """`text` without its trailing run of whitespace and backslashes.

    A line ending in a backslash would look like a continuation to dockerfile-parse.
    str.rstrip() strips exactly what re's \\s matches (str.isspace), and is much cheaper
    than a regex on this once-per-instruction path.
    """
    text = text.rstrip()
    while text.endswith("\\"):
        text = text.rstrip("\\").rstrip()
    return text


def _instruction(logical: _Logical, keyword: str) -> Instruction:
    value = logical.value
    # The common cases are tested inline: this runs for every instruction of every file.
    flags, args = _split_flags(keyword, value) if value[:2] == "--" else ((), value)
    if args[:1] == "[" or keyword == "HEALTHCHECK":
        _json_args(keyword, args, logical.start)  # refuses arrays BuildKit would misread
    if keyword == "ONBUILD":
        inner, inner_value = _split_keyword(value)
        _json_value(inner.upper(), inner_value, logical.start)
    return Instruction(
        keyword,
        value,
        flags,
        args,
        logical.start,
        logical.end,
        logical.heredocs,
        logical.written.islower(),
    )
