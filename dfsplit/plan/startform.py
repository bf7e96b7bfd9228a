"""The start command as Docker runs it: exec form (a list of words) or shell form (a text that
`/bin/sh -c` runs), and pointing its program at the built artifact's absolute path.

Shared by the recipes that ship one built program (Go, Rust): the runtime stage copies it to
the same absolute path, so the start command may name it by that path in exec form whenever
that runs the same thing.
"""

from __future__ import annotations

from dfsplit.dockerfile import shell
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Instruction

# `["sh", "-c", s]` runs s with the image's /bin/sh: the runtime's shell form does the same.
_SH = frozenset({"sh", "/bin/sh"})
# `["bash", "-c", s]` only equals the shell form s when s needs no shell at all: the runtime's
# /bin/sh (dash, busybox) does not read bash's syntax.
_BASH = frozenset({"bash", "/bin/bash"})


def start_form(ins: Instruction | None, alone: bool = True) -> list[str] | str | None:
    """Exec form as a list, shell form as its text. `["sh", "-c", s]` is the shell form `s`
    when no CMD follows it as positional parameters (alone)."""
    if ins is None:
        return None
    argv = is_exec_form(ins.args)
    if argv is None:
        return ins.args.strip()
    if alone and len(argv) == 3 and argv[1] == "-c" and _same_in_sh(argv[0], argv[2]):
        return argv[2]
    return argv


def _same_in_sh(program: str, script: str) -> bool:
    return program in _SH or (program in _BASH and not shell.needs_shell(script))


def point_at(form: list[str] | str, program: str, artifact: str) -> list[str] | str:
    """The start form with its program replaced by the artifact's absolute path: exec form
    whenever the shell form needs no shell; a shell form keeps its shell syntax."""
    if isinstance(form, list):
        return [artifact, *form[1:]]
    words = shell.plain_words(form)
    if words is not None:
        if words[0] == "exec":
            words = words[1:]
        return [artifact, *words[1:]]
    head, sep, rest = form.partition(program)
    if sep and (not head.strip() or head.strip() == "exec"):
        return f"{head}{artifact}{rest}"
    return form
