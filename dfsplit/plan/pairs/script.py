"""sh scripts and Makefile recipes -> the docker commands they run, with where each line is.

Just enough shell: logical lines (backslash continuations joined), plain `NAME=value`
assignments and `$NAME`/`${NAME}`/`${NAME:-default}` expansion, `cd`, `VAR=$(docker ...)`
captures, and the simple commands of a line (dfsplit.dockerfile.shell). A word that names an
unknown variable keeps its `$NAME` text: it still matches the same word elsewhere in the
script (an image tag), and a path holding one is refused later instead of guessed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import NamedTuple

from dfsplit.dockerfile import shell

# $(pwd), `pwd`, $PWD, ${PWD} and make's $(CURDIR) / $(shell pwd): the working directory.
_CWD = re.compile(r"\$\(\s*pwd\s*\)|`pwd`|\$\{PWD\}|\$PWD\b|\$\(CURDIR\)|\$\(shell\s+pwd\s*\)")
# cd "$(dirname "$0")" and friends: the script's own directory.
_SCRIPT_DIR = re.compile(
    r"""\$\(\s*dirname\s+["']?\$(?:0|\{0\}|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)["']?\s*\)"""
    r"|\$\{0%/\*\}"
)
_CAPTURE = re.compile(
    r"""^(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=["']?(?:\$\(|`)\s*"""
    r"""((?:sudo\s+)?docker\s[^`)]*?)\s*(?:\)|`)["']?\s*$"""
)
HERE = "\x01"  # stands for the script's own directory until `cd` resolves it
_VAR = re.compile(r"\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)")
_KEYWORDS = {"then", "do", "else", "elif", "if", "while", "until", "!", "time", "exec"}
_DECLARE = {"export", "local", "readonly", "declare"}


class Line(NamedTuple):
    """A logical line of a script, exactly as written."""

    file: str  # the script, relative to the directory the pairs are found in
    number: int  # its first physical line, from 1
    text: str  # the physical lines joined, continuations kept

    def cite(self) -> str:
        return f"{self.file}:{self.number}: {' '.join(self.text.split())}"


class Call(NamedTuple):
    """One `docker ...` command of a script."""

    line: Line
    argv: tuple[str, ...]  # the words after `docker`, known variables expanded
    cwd: str | None  # where it runs, relative to the pairs' directory; None: unknown
    captured: str | None = None  # the variable its output went to (`id=$(docker create ...)`)


class Other(NamedTuple):
    """A command that is not docker (kept so that --prune knows what else a script does)."""

    line: Line
    argv: tuple[str, ...]


Step = Call | Other


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined by newlines."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        pending.append(raw)
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            continue
        yield start, "\n".join(pending)
        pending = []
    if pending:
        yield start, "\n".join(pending)


def expand(word: str, known: dict[str, str]) -> str:
    """Known variables substituted; `${X:-default}` gives its default when X is unknown."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        if name in known:
            return known[name]
        if m.group(2) is not None:
            return m.group(2)
        return m.group(0)

    return _VAR.sub(sub, word)


class _Shell:
    """The state a script's lines share: variables and the working directory."""

    def __init__(self, file: str, cwd: str | None, known: dict[str, str] | None = None) -> None:
        self.file = file
        self.cwd = cwd
        self.here = posixpath.dirname(file) or "."
        self.known: dict[str, str] = dict(known or {})

    def line(self, number: int, text: str, body: str | None = None) -> list[Step]:
        """The steps of one logical line (`body`: its text after make's expansion); updates
        variables and the directory."""
        line = Line(self.file, number, text)
        body = body if body is not None else text
        body = _SCRIPT_DIR.sub(HERE, _CWD.sub(".", body.replace("\\\n", " ")))
        capture = _CAPTURE.match(body.strip())
        if capture:
            name, inner = capture.groups()
            self.known.pop(name, None)
            calls = self._commands(line, inner)
            return [c._replace(captured=name) if isinstance(c, Call) else c for c in calls]
        return self._commands(line, body)

    def _commands(self, line: Line, body: str) -> list[Step]:
        commands = shell.split_commands(body)
        if commands is None:
            return [Other(line, ("<unreadable>",))]
        out: list[Step] = []
        for command in commands:
            step = self._command(line, command)
            if step is not None:
                out.append(step)
        return out

    def _command(self, line: Line, command: shell.Command) -> Step | None:
        argv = [expand(w, self.known) for w in command.argv]
        while argv and argv[0] in _KEYWORDS:
            argv.pop(0)
        if not argv:
            self.known.update({k: expand(v, self.known) for k, v in command.env.items()})
            return None
        if argv[0] in _DECLARE:
            self._declare(argv[1:])
            return None
        if argv[0] == "sudo":
            argv = argv[1:] or ["sudo"]
        if argv[0] == "cd":
            self._cd(argv[1:])
            return Other(line, tuple(argv))
        if argv[0] == "docker":
            return Call(line, tuple(argv[1:]), self.cwd)
        return Other(line, tuple(argv))

    def _declare(self, words: list[str]) -> None:
        for word in words:
            name, eq, value = word.partition("=")
            if eq and re.fullmatch(r"[A-Za-z_]\w*", name):
                self.known[name] = value

    def _cd(self, args: list[str]) -> None:
        target = args[0] if args else ""
        if target.startswith(HERE):
            self.cwd = self.here
            target = "." + target[len(HERE) :]
        if self.cwd is None or not target or "$" in target or target.startswith(("/", "~", "-")):
            self.cwd = None  # somewhere dfsplit cannot follow
            return
        joined = posixpath.normpath(posixpath.join(self.cwd, target))
        self.cwd = None if joined.startswith("..") else joined


def sh_steps(file: str, text: str, cwd: str | None) -> list[Step]:
    """The steps of a shell script run from `cwd` (relative to the pairs' directory)."""
    state = _Shell(file, cwd)
    out: list[Step] = []
    for number, body in logical_lines(text):
        stripped = body.strip()
        if not stripped or stripped.startswith("#"):
            continue
        out += state.line(number, body)
    return out


def host_path(call: Call, word: str) -> str | None:
    """A host path of `call`, relative to the pairs' directory; None when dfsplit cannot know
    it (an unknown variable, an absolute path, outside the directory, an unknown cwd)."""
    here = posixpath.dirname(call.line.file) or "."
    if word.startswith(HERE):
        base, word = here, "." + word[len(HERE) :]
    elif call.cwd is None:
        return None
    else:
        base = call.cwd
    if not word or "$" in word or "`" in word or word.startswith(("/", "~")):
        return None
    joined = posixpath.normpath(posixpath.join(base, word))
    return None if joined == ".." or joined.startswith("../") else joined


# --- Makefiles -------------------------------------------------------------------------------

_MAKE_VAR = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(\?=|:=|::=|\+=|=)\s*(.*)$"
)
_RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)\s*([^=;#]*?)\s*(?:;\s*(.*))?$")
_MAKE_REF = re.compile(r"\$\(([A-Za-z_][\w.-]*)\)|\$\{([A-Za-z_][\w.-]*)\}")


class _Rule(NamedTuple):
    targets: tuple[str, ...]
    prereqs: tuple[str, ...]
    recipe: tuple[tuple[int, str], ...]  # (line number, text after the tab and @-+)


def make_expand(text: str, variables: dict[str, str], depth: int = 0) -> str:
    """`$(NAME)` and `${NAME}` of make; `$$` becomes the shell's `$`. Unknown names are left."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in variables or depth > 8:
            return "${" + name + "}"  # one shell word, as an unknown shell variable is
        return make_expand(variables[name], variables, depth + 1)

    parts = text.split("$$")
    return "$".join(_MAKE_REF.sub(sub, part) for part in parts)


def _read_makefile(text: str) -> tuple[dict[str, str], list[_Rule]]:
    variables: dict[str, str] = {}
    rules: list[_Rule] = []
    recipe: list[tuple[int, str]] = []
    for number, body in logical_lines(text):
        if body.startswith("\t"):
            if rules:
                recipe.append((number, body[1:].lstrip("@-+ \t")))
            continue
        if recipe and rules:
            rules[-1] = rules[-1]._replace(recipe=tuple(recipe))
        recipe = []
        stripped = body.split("#", 1)[0].rstrip()
        var = _MAKE_VAR.match(stripped)
        if var:
            _set_make_var(variables, *var.groups())
            continue
        rule = _RULE.match(stripped)
        if rule:
            targets = tuple(make_expand(rule.group(1), variables).split())
            prereqs = tuple(make_expand(rule.group(2), variables).split())
            inline = ((number, rule.group(3)),) if rule.group(3) else ()
            rules.append(_Rule(targets, prereqs, inline))
            recipe = list(inline)
    if recipe and rules:
        rules[-1] = rules[-1]._replace(recipe=tuple(recipe))
    return variables, rules


def _set_make_var(variables: dict[str, str], name: str, op: str, value: str) -> None:
    value = value.strip()
    if op == "?=" and name in variables:
        return
    if op in (":=", "::="):
        value = make_expand(value, variables)
    if op == "+=" and name in variables:
        value = f"{variables[name]} {value}"
    variables[name] = value


def _make_order(rules: list[_Rule]) -> list[_Rule]:
    """Rules in the order make runs them: each root target, its prerequisites first."""
    by_target = {t: r for r in rules for t in r.targets}
    needed = {p for r in rules for p in r.prereqs}
    done: set[int] = set()
    out: list[_Rule] = []

    def visit(rule: _Rule) -> None:
        if id(rule) in done:
            return
        done.add(id(rule))
        for prereq in rule.prereqs:
            if prereq in by_target:
                visit(by_target[prereq])
        out.append(rule)

    for rule in rules:
        if not set(rule.targets) & needed:
            visit(rule)
    for rule in rules:  # rules only reachable through a cycle
        visit(rule)
    return out


def make_steps(file: str, text: str) -> list[Step]:
    """The steps of a Makefile's recipes, run from its directory; each line its own shell."""
    variables, rules = _read_makefile(text)
    variables.setdefault("CURDIR", ".")
    here = posixpath.dirname(file) or "."
    out: list[Step] = []
    for rule in _make_order(rules):
        for number, body in rule.recipe:
            expanded = _CWD.sub(".", make_expand(body, variables))
            out += _Shell(file, here).line(number, body, expanded)
    return out
