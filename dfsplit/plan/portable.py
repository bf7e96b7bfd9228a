"""Values moved from the builder stage into the runtime stage keep their exact meaning there.

A carried ENV pair or instruction (LABEL, EXPOSE, STOPSIGNAL, VOLUME) is written as it was
when every variable it reads is bound the same way in the runtime stage: to an ARG the
runtime re-declares identically, or to the very ENV assignment the runtime also carries,
placed before it. Otherwise its value is resolved in the builder (BuildKit's rules, see
dockerfile/words.py and scope.py) and written quoted; a value that cannot be resolved is
refused, since the runtime would give it another meaning.
"""

from __future__ import annotations

import json

from dfsplit.dockerfile import edits, tokens, words
from dfsplit.dockerfile.scope import Binding
from dfsplit.dockerfile.words import Pair, Unresolved
from dfsplit.model import Instruction, Refuse
from dfsplit.plan.stage import StageModel

# Instructions whose arguments BuildKit expands (the others, CMD and friends, reach the shell).
EXPANDED = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "VOLUME"})


class Carrier:
    """Writes the runtime's copies of builder ENV and instructions; collects the ARGs the
    runtime must re-declare for the ones kept as written."""

    def __init__(self, model: StageModel, finals: dict[str, tuple[int, Pair]]) -> None:
        self.model = model
        self.escape = model.df.escape
        self.finals = finals  # key -> (index of its ENV, pair): the runtime's ENV, in order
        self.order = {key: j for j, key in enumerate(finals)}
        self.args: dict[str, str] = {}  # name -> the ARG declaration the runtime repeats
        self.notes: list[str] = []

    def env_token(self, key: str, index: int, pair: Pair) -> str:
        """The `ENV` arguments that give `key` in the runtime the value it has in the builder."""
        raw = pair.value or ""
        if self._keeps(raw, index, self.order[key]) and _ends_cleanly(pair.raw, self.escape):
            return pair.raw
        where = f"ENV {key} (line {self.model.stage[index].start + 1})"
        return tokens.env_pair(key, self._resolved(raw, index, where), self.escape)

    def instruction(self, ins: Instruction, text: str) -> str:
        """`text` (the instruction as written) when the runtime reads it the same way, else
        the instruction re-written with its values resolved ("" for an EXPOSE of nothing)."""
        if ins.keyword not in EXPANDED:
            return text
        index = self.model.index_of(ins)
        if self._keeps(ins.args, index, None):
            return text
        return self._rewritten(ins, index)

    # -- the rule ----------------------------------------------------------------------------

    def _keeps(self, raw: str, index: int, landing: int | None) -> bool:
        """Whether every variable `raw` reads at builder instruction `index` is bound the
        same way at runtime ENV position `landing` (None: after all of them)."""
        wanted: dict[str, str] = {}
        scope = self.model.states[index].scope
        for name in words.references(raw, self.escape):
            found = scope.binding(name)
            if found is None or not self._same(name, found, landing, wanted):
                return False
        if any(self.args.get(k, v) != v for k, v in wanted.items()):
            return False  # two different ARG declarations of one name
        self.args.update(wanted)
        return True

    def _same(self, name: str, found: Binding, landing: int | None, wanted: dict[str, str]) -> bool:
        before = name in self.order and (landing is None or self.order[name] < landing)
        if found.origin == "env":
            final = self.finals.get(name)
            return before and final is not None and final[0] == found.position
        if found.origin != "arg" or before:
            return False  # the base image's value, or a runtime ENV that shadows the ARG
        declaration = self._declaration(name, found.position)
        if declaration is None:
            return False
        wanted[name] = declaration
        return True

    def _declaration(self, name: str, index: int) -> str | None:
        """The ARG to repeat in the runtime: as written, when its default reads no variable."""
        for pair in words.arg_pairs(self.model.stage[index].args, self.escape):
            if pair.key != name:
                continue
            if pair.value is None:
                return name  # the build arg, or the global ARG's value, as in the builder
            return pair.raw if not words.references(pair.value, self.escape) else None
        return None

    def _resolved(self, raw: str, index: int, where: str, split: bool = False) -> str:
        state = self.model.states[index]
        process = words.process_words if split else words.process_word
        try:
            found = process(raw, state.scope.lookup, self.escape)
            value = " ".join(found) if isinstance(found, list) else found
        except Unresolved as exc:
            raise Refuse(
                f"{where} reads ${exc.name}, whose value dfsplit cannot tell, and the runtime "
                "stage would not give it the same one"
            ) from None
        overridable = sorted(
            n
            for n in words.references(raw, self.escape)
            if (b := state.scope.binding(n)) is not None and b.origin == "arg"
        )
        if overridable:
            self.notes.append(
                f"{where} is written with its value; a --build-arg "
                f"{', '.join(overridable)} no longer changes it in the runtime stage"
            )
        return value

    # -- re-writing an instruction -----------------------------------------------------------

    def _rewritten(self, ins: Instruction, index: int) -> str:
        where = f"{ins.keyword} at line {ins.start + 1}"
        keyword = edits.keyword(self.model.df, ins.keyword)
        esc = self.escape
        if ins.keyword == "LABEL":
            pairs = words.env_pairs(ins.args, esc, "LABEL")
            parts = [
                f"{self._word(p.key, index, where)}={self._word(p.value or '', index, where)}"
                for p in pairs
            ]
            return f"{keyword} {' '.join(parts)}"
        if ins.keyword == "EXPOSE":  # ProcessWords: `$PORTS` may hold several ports
            ports = [
                port
                for w in words.whitespace_words(ins.args)
                for port in self._resolved(w, index, where, split=True).split()
            ]
            return f"{keyword} {' '.join(words.quote(p, esc) for p in ports)}" if ports else ""
        if ins.keyword == "STOPSIGNAL":
            return f"{keyword} {self._word(ins.args, index, where)}"
        found = words.copy_words(ins.args) or []  # VOLUME: a JSON array or words
        volumes = [self._resolved(w, index, where) for w in found]
        return f"{keyword} {json.dumps([words.quote(v, esc) for v in volumes])}"

    def _word(self, raw: str, index: int, where: str) -> str:
        value = tokens.single_line(self._resolved(raw, index, where), where)
        return words.quote(value, self.escape)


def _ends_cleanly(raw: str, escape: str) -> bool:
    """A token that ends in the escape character would continue onto the next line."""
    return not raw.rstrip(" \t").endswith(escape)
