"""A small evaluator of ENV values under BuildKit's word rules, for the fuzzer's ENV property.

STAND-IN: the words branch builds the real one (dfsplit/dockerfile/scope.py, `stage_env`, on
dfsplit/dockerfile/words.py). Once merged, the fuzzer should call that and this module should
go. It follows BuildKit's shell/lex.go (ProcessWord) for what ENV values use: single and double
quotes, the escape character, `$NAME`, `${NAME}` and `${NAME:-word}` / `-` / `:+` / `+`; and
dockerfile2llb for scope: ENV evaluates all its pairs against the values before it, ARG each
default in turn, a bare `ARG NAME` takes the global ARG's default. Anything else (a variable the
base image may set, another modifier) makes the value unknown (None), and it is not compared.
"""

from __future__ import annotations

import dockerfile as buildkit

Env = dict[str, "str | None"]  # None: set, to a value this evaluator cannot know


class _Unknown(Exception):
    pass


def stage_envs(text: str, escape: str = "\\") -> list[Env]:
    """The final ENV of each stage of `text`, as BuildKit's parser splits it."""
    globals_: Env = {}
    stages: list[Env] = []
    scope: Env = {}  # what an instruction's words see: ENV and ARG values
    for command in buildkit.parse_string(text):
        kind = command.cmd.upper()
        if kind == "FROM":
            stages.append({})
            scope = {}
        elif kind == "ARG":
            target = globals_ if not stages else scope
            for word in command.value:
                name, eq, default = word.partition("=")
                if eq:
                    target[name] = _process(default, target, escape)
                elif stages and name in globals_:
                    scope[name] = globals_[name]
        elif kind == "ENV" and stages:
            pairs = command.value
            done = [
                (pairs[i], _process(pairs[i + 1], scope, escape)) for i in range(0, len(pairs), 2)
            ]
            for name, value in done:
                scope[name] = value
                stages[-1][name] = value
    return stages


def _process(word: str, scope: Env, escape: str) -> str | None:
    try:
        return _Lexer(word, scope, escape).run("")
    except _Unknown:
        return None


class _Lexer:
    def __init__(self, text: str, scope: Env, escape: str) -> None:
        self.text, self.i, self.scope, self.escape = text, 0, scope, escape

    def run(self, stop: str) -> str:
        out: list[str] = []
        while self.i < len(self.text):
            ch = self.text[self.i]
            if stop and ch == stop:
                return "".join(out)
            self.i += 1
            if ch == "'":
                end = self.text.find("'", self.i)
                if end < 0:
                    raise _Unknown  # BuildKit: unexpected end of statement
                out.append(self.text[self.i : end])
                self.i = end + 1
            elif ch == '"':
                out.append(self.double_quoted())
            elif ch == "$":
                out.append(self.dollar())
            elif ch == self.escape:
                if self.i < len(self.text):
                    out.append(self.text[self.i])
                    self.i += 1
            else:
                out.append(ch)
        if stop:
            raise _Unknown
        return "".join(out)

    def double_quoted(self) -> str:
        out: list[str] = []
        while self.i < len(self.text):
            ch = self.text[self.i]
            self.i += 1
            if ch == '"':
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == self.escape and self.text[self.i : self.i + 1] in ('"', "$", self.escape):
                out.append(self.text[self.i])
                self.i += 1
            else:
                out.append(ch)
        raise _Unknown

    def dollar(self) -> str:
        if self.text[self.i : self.i + 1] == "{":
            self.i += 1
            name = self.name()
            rest = self.text[self.i :]
            for op in (":-", ":+", "-", "+"):
                if rest.startswith(op):
                    self.i += len(op)
                    word = self.run("}")
                    self.i += 1
                    return self.modified(name, op, word)
            if not rest.startswith("}"):
                raise _Unknown
            self.i += 1
            return self.value(name)
        name = self.name()
        return self.value(name) if name else "$"

    def name(self) -> str:
        start = self.i
        while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] == "_"):
            self.i += 1
        return self.text[start : self.i]

    def value(self, name: str) -> str:
        if name not in self.scope:
            raise _Unknown  # the base image may set it
        found = self.scope[name]
        if found is None:
            raise _Unknown
        return found

    def modified(self, name: str, op: str, word: str) -> str:
        if name not in self.scope:
            raise _Unknown
        found = self.scope[name]
        if found is None:
            raise _Unknown
        empty = found == "" if op.startswith(":") else False
        if op.endswith("-"):
            return word if empty else found
        return "" if empty else word
