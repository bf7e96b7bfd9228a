"""BuildKit's word rules, written once: how an instruction's arguments become words and values.

Two steps, as in BuildKit. The parser splits an instruction into raw words (quotes kept):
`split_words` (parseWords, for ENV/LABEL/ARG), `env_pairs` / `arg_pairs` (parseNameVal and
parseArg) and `copy_words` (parseMaybeJSONToList). Then each raw word is *processed*
(frontend/dockerfile/shell/lex.go): quotes removed, the escape character (`\\` or the
`# escape=` one) applied, and `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`,
`${VAR+x}`, `${VAR:?x}`, `${VAR?x}` substituted: `process_word` (ProcessWord) and
`process_words` (ProcessWords, which also splits on unquoted spaces, for EXPOSE).

Variables are looked up through a `Lookup`: it returns the value, None for an unset
variable (BuildKit substitutes ""), or raises `Unresolved` when dfsplit cannot know the value.
The pattern forms `${VAR#p}`, `${VAR%p}` and `${VAR/p/r}` raise `Unresolved` too: newer
BuildKit evaluates them and older releases reject them, so no single answer is right.

Version note: the `${VAR-x}` / `${VAR+x}` forms (no colon) need a BuildKit newer than the one
in Docker 20.10, which rejects them; dfsplit follows current BuildKit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import NamedTuple

from dfsplit.model import Refuse

# Go's unicode.IsSpace, which BuildKit uses to split words; str.isspace() differs (e.g. \x1c).
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
)
_SPACES = frozenset(GO_SPACE)
# BuildKit's reWhitespace, which splits COPY/ADD/EXPOSE arguments and the legacy ENV form.
_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
# Shell special parameters: `$@`, `$?`, ... name a variable of one character.
_SPECIAL = frozenset("@*#?-$!0")


class Unresolved(Exception):
    """A variable (or an expansion form) whose value dfsplit cannot know statically."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


# name -> value; None when the variable is unset; raises Unresolved when it cannot be known.
Lookup = Callable[[str], "str | None"]


def lookup_in(values: Mapping[str, str | None], closed: bool = True) -> Lookup:
    """A Lookup over `values`, where None marks a variable that is set to an unknown value.
    `closed`: a name missing from values is unset (False: it may be set, e.g. by an image
    dfsplit does not know)."""

    def lookup(name: str) -> str | None:
        if name in values:
            value = values[name]
            if value is None:
                raise Unresolved(name)
            return value
        if not closed:
            raise Unresolved(name)
        return None

    return lookup


# --- processing (lex.go) -------------------------------------------------------------------


class _Words:
    """ProcessWords' word splitting: text from `$` expansions and plain characters splits on
    spaces, quoted text and escaped characters never do."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.word = ""
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in _SPACES:
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word, self.in_word = "", False
        else:
            self.add_raw(ch)

    def add_text(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def result(self) -> list[str]:
        return [*self.words, self.word] if self.word else self.words


class _Lexer:
    """One word being processed; mirrors lex.go's shellWord, one method per function."""

    def __init__(self, text: str, lookup: Lookup, escape: str) -> None:
        self.text = text
        self.pos = 0
        self.lookup = lookup
        self.escape = escape

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def process(self, stop: str = "", raw_escapes: bool = False) -> tuple[str, list[str]]:
        """processStopOn: the processed text and its words, up to `stop` ("" = the end)."""
        out: list[str] = []
        words = _Words()
        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(out), words.result()
            if ch in "$'\"":
                piece = self.dollar() if ch == "$" else self.quoted(ch)
                out.append(piece)
                if ch == "$":
                    words.add_text(piece)  # an expanded value splits on its spaces
                else:
                    words.add_raw(piece)
                continue
            ch = self.next()
            if ch == self.escape:
                if raw_escapes:
                    words.add_raw(ch)
                    out.append(ch)
                ch = self.next()
                if not ch:
                    break
                words.add_raw(ch)
            else:
                words.add_char(ch)
            out.append(ch)
        if stop:
            raise Refuse(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out), words.result()

    def quoted(self, quote: str) -> str:
        self.next()
        return self.single_quoted() if quote == "'" else self.double_quoted()

    def single_quoted(self) -> str:
        """processSingleQuote: everything up to the next `'`, taken as it is."""
        end = self.text.find("'", self.pos)
        if end < 0:
            raise Refuse("unexpected end of statement while looking for matching single-quote")
        body = self.text[self.pos : end]
        self.pos = end + 1
        return body

    def double_quoted(self) -> str:
        """processDoubleQuote: `$` expands; the escape character escapes only `"`, `$` and
        itself, and stays literal before anything else."""
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise Refuse("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == self.escape:
                following = self.peek()
                if not following:
                    continue  # the loop then reports the missing quote
                if following in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def dollar(self) -> str:
        """processDollar: `$NAME`, `${NAME}` and the `${NAME<op>word}` forms."""
        self.next()
        if self.peek() != "{":
            name = self.name()
            return "$" if not name else self.lookup(name) or ""
        self.next()
        if not self.peek():
            raise Refuse("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise Refuse("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        if op == "}":
            return self.lookup(name) or ""
        colon = op == ":"
        if colon:
            op = self.next()
        if op == "/" and not colon:
            raise Unresolved(f"${{{name}/...}}")
        if op not in ("+", "-", "?", "#", "%"):
            raise Refuse(f"unsupported modifier ({':' if colon else ''}{op}) in substitution")
        word, _ = self.process("}", raw_escapes=op in "#%")
        if op in "#%":
            raise Unresolved(f"${{{name}{op}...}}")
        return self.modifier(name, op, colon, word)

    def modifier(self, name: str, op: str, colon: bool, word: str) -> str:
        value = self.lookup(name)
        missing = value is None or (colon and value == "")
        if op == "-":
            return word if missing else value or ""
        if op == "+":
            return "" if missing else word
        if missing:  # "?": BuildKit fails the build
            raise Refuse(f"{name}: {word or 'is not allowed to be unset or empty'}")
        return value or ""

    def name(self) -> str:
        """processName: letters, digits and `_`; or all leading digits; or one special char."""
        start = self.pos
        if self.peek().isdecimal():
            while self.peek().isdecimal():
                self.next()
            return self.text[start : self.pos]
        if self.peek() in _SPECIAL:
            return self.next()
        while self.peek() and _name_char(self.peek()):
            self.next()
        return self.text[start : self.pos]


def _name_char(ch: str) -> bool:
    # Go's unicode.IsLetter / IsDigit: categories L* and Nd (str.isalnum() also takes "²").
    return ch.isalpha() or ch.isdecimal() or ch == "_"


def process_word(word: str, lookup: Lookup, escape: str = "\\") -> str:
    """BuildKit's ProcessWord: the value of one raw word (quotes, escapes, variables)."""
    if not any(ch in word for ch in ("$", "'", '"', escape)):
        return word  # nothing to process (most words): the lexer would copy it as it is
    return _Lexer(word, lookup, escape).process()[0]


def process_words(word: str, lookup: Lookup, escape: str = "\\") -> list[str]:
    """BuildKit's ProcessWords: processed, then split on spaces that were not quoted."""
    return _Lexer(word, lookup, escape).process()[1]


def references(word: str, escape: str = "\\") -> frozenset[str]:
    """The variable names a raw word reads (nested defaults included), or raises Refuse
    when BuildKit would reject it."""
    seen: set[str] = set()

    def record(name: str) -> None:
        seen.add(name)

    try:
        process_word(word, record, escape)
    except Unresolved as exc:  # a pattern form: what it reads is not followed further
        seen.add(exc.name)
    return frozenset(seen)


def quote(value: str, escape: str = "\\") -> str:
    """A raw word that `process_word` turns back into exactly `value` (no variables)."""
    special = ('"', "$", escape)
    if value and not any(ch in special or ch == "'" or ch in _SPACES for ch in value):
        return value
    if "'" not in value:
        return f"'{value}'"  # nothing is special inside single quotes, not even the escape
    return '"' + "".join(escape + ch if ch in special else ch for ch in value) + '"'


# --- parsing into raw words (line_parsers.go) ----------------------------------------------


def split_words(rest: str, escape: str = "\\") -> list[str]:
    """parseWords: split on unquoted spaces, keeping quotes and escapes in the words."""
    words: list[str] = []
    word: list[str] = []
    quote_ch = ""
    blank_ok = False
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not quote_ch and ch in _SPACES:
            if word or blank_ok:
                words.append("".join(word))
            word, blank_ok = [], False
            i += 1
            continue
        if quote_ch and ch == quote_ch:
            quote_ch = ""
        elif not quote_ch and ch in "'\"":
            quote_ch, blank_ok = ch, True
        if ch == escape and quote_ch != "'":
            if i + 1 == len(rest):
                break  # an escape at the very end is dropped
            word.append(ch)
            i += 1
            ch = rest[i]
        word.append(ch)
        i += 1
    if word or blank_ok:
        words.append("".join(word))
    return words


class Pair(NamedTuple):
    """One `key=value` of an ENV, LABEL or ARG, both still raw (quotes kept)."""

    key: str
    value: str | None  # None: an ARG without a default
    raw: str  # the pair as written: `key=value`, or the whole `KEY value words` (legacy)
    legacy: bool = False  # ENV/LABEL `KEY value words`: one pair, the rest of the line


# Sized for the largest file dfsplit reads (1 MiB: at most ~90,000 distinct lines of this kind):
# the stage model, carry and the recipes each read every instruction, and an LRU cache smaller
# than one file misses on every read of a long one (a step up in time per KB).
_PAIRS_CACHE = 1 << 17


@lru_cache(maxsize=_PAIRS_CACHE)
def env_pairs(args: str, escape: str = "\\", keyword: str = "ENV") -> tuple[Pair, ...]:
    """parseNameVal (ENV, LABEL): `KEY value words` or `k=v k2=v2`. Cached: every walk of a
    stage reads the same instructions again."""
    words = split_words(args, escape)
    if not words:
        raise Refuse(f"{keyword} needs a name and a value")
    if "=" not in words[0]:
        parts = _WHITESPACE.split(args.strip(GO_SPACE), maxsplit=1)
        if len(parts) < 2:
            raise Refuse(f"{keyword} must have two arguments: {args.strip()!r}")
        return (Pair(parts[0], parts[1], args.strip(GO_SPACE), legacy=True),)
    pairs = []
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise Refuse(f"{keyword}: can't find = in {word!r}; it must be name=value")
        pairs.append(Pair(key, value, word))
    return tuple(pairs)


@lru_cache(maxsize=_PAIRS_CACHE)
def arg_pairs(args: str, escape: str = "\\") -> tuple[Pair, ...]:
    """parseNameOrNameVal + parseArg: `NAME`, `NAME=default`, several per ARG."""
    pairs = []
    for word in split_words(args, escape):
        key, eq, value = word.partition("=")
        if not key:
            raise Refuse("ARG names can not be blank")
        pairs.append(Pair(key, value if eq else None, word))
    if not pairs:
        raise Refuse("ARG requires at least one argument")
    return tuple(pairs)


def copy_words(args: str) -> list[str] | None:
    """Sources and destination of a COPY/ADD, raw: a JSON array, else split on spaces.
    BuildKit does not honour quotes here; each word is processed on its own afterwards."""
    words = _copy_words(args.strip(GO_SPACE))
    return list(words) if words is not None else None


@lru_cache(maxsize=_PAIRS_CACHE)
def _copy_words(stripped: str) -> tuple[str, ...] | None:
    if stripped.startswith("["):
        argv = is_exec_form(stripped)
        if argv is not None:
            return tuple(argv)
    return tuple(w for w in _WHITESPACE.split(stripped) if w) or None


def whitespace_words(args: str) -> list[str]:
    """parseStringsWhitespaceDelimited (EXPOSE): the raw words between runs of spaces."""
    return [w for w in _WHITESPACE.split(args.strip(GO_SPACE)) if w]


# --- exec form -----------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    # Go's encoding/json (BuildKit) rejects NaN/Infinity, so they are not exec form.
    raise ValueError(name)


# Stateless, so one instance serves every call (building one per call showed in profiles).
JSON = json.JSONDecoder(parse_constant=_reject_constant)


def is_exec_form(value: str) -> list[str] | None:
    """The list if `value` is exactly a JSON array of strings (exec form), else None."""
    try:
        parsed = JSON.decode(value)
    except (ValueError, RecursionError):  # nested arrays are not exec form however deep
        return None
    if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
        return parsed
    return None


# --- shell words ---------------------------------------------------------------------------

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(word: str, known: Mapping[str, str]) -> str | None:
    """Substitute `$X` / `${X}` in a word that the *shell* lexer already unquoted (a RUN's
    argument); None when a variable is unknown. Dockerfile arguments go through process_word."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(2)
        if name not in known:
            missing = True
            return ""
        return known[name]

    out = _VAR.sub(sub, word)
    if missing or "${" in out:
        return None
    return out


def variables(text: str) -> set[str]:
    """Names of the `$X` / `${X}` references in shell text (a superset: quotes are ignored)."""
    return {m.group(1) or m.group(2) for m in _VAR.finditer(text)}
