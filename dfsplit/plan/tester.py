"""The tester stage, made the same way for every recipe: `docker build --target tester .` must
work in every rewrite (one CI template runs it across a whole fleet), so a project without tests
gets the strongest check its toolchain has, with a comment in the stage that says so.

A recipe decides the command; `tester_stage` makes the stage (or none with `--no-tester`):

    tester_stage(options, "go test -v ./...")
    tester_stage(options, "go vet ./...", without_tests="no *_test.go files: go vet ...")
"""

from __future__ import annotations

import textwrap

from dfsplit.dockerfile import tokens
from dfsplit.model import Options, TesterStage

# Comment lines stay within the width dfsplit's own templates use.
_WIDTH = 96


def tester_stage(
    options: Options,
    command: str | tuple[str, ...],
    *,
    without_tests: str = "",
    workdir: str | None = None,
    args: tuple[str, ...] = (),
    notes: list[str] | None = None,
) -> TesterStage | None:
    """The stage that runs `command` FROM builder (several commands: one RUN each, the tests
    last, e.g. an install of the dev dependencies first); None when the user asked for no tester.

        `without_tests`: empty when `command` runs the project's tests; otherwise a sentence saying
        what is missing and what `command` checks instead. It becomes the stage's comment and, in
        `notes`, the reason shown by `detect` and the reports.
    """
    if not options.tester:
        return None
    if without_tests and notes is not None:
        notes.append(f"tester: {without_tests}")
    commands = (command,) if isinstance(command, str) else command
    return TesterStage(
        commands=tuple(tokens.single_line(c, "test command") for c in commands),
        workdir=workdir,
        args=args,
        comment=comment_lines(without_tests),
    )


def comment_lines(text: str) -> tuple[str, ...]:
    """`text` as Dockerfile comment lines ("# ..."), wrapped; () for no text."""
    if not text:
        return ()
    sentence = tokens.single_line(text, "tester comment")
    if not sentence.endswith("."):
        sentence += "."
    return tuple(f"# {line}" for line in textwrap.wrap(sentence, _WIDTH - 2))
