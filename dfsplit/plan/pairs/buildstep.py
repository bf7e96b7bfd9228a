"""The build file as a builder stage: the step that ran in its container becomes a RUN.

`docker run IMAGE cmd` ran `cmd` (after the image's ENTRYPOINT); `docker run IMAGE` ran the
build file's own ENTRYPOINT/CMD. In a builder stage that step is a RUN, after what the run
flags gave it: `-w` a WORKDIR, `-e KEY=VALUE` an ENV, a mounted source tree a COPY, an
output volume a directory. A `docker create` whose files are copied out runs nothing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell, tokens, words
from dfsplit.model import Dockerfile, Instruction, Refuse
from dfsplit.plan.pairs.docker import Run
from dfsplit.plan.pairs.find import within
from dfsplit.plan.pairs.runtime_file import copy_text
from dfsplit.plan.stage import StageModel


class Step(NamedTuple):
    """Lines to splice into the build file: replace [start, end) with `text` lines."""

    start: int
    end: int
    lines: tuple[str, ...]
    notes: tuple[str, ...]


def _last(stage: tuple[Instruction, ...], keyword: str) -> Instruction | None:
    found = [i for i in stage if i.keyword == keyword]
    return found[-1] if found else None


def _command_argv(ins: Instruction) -> list[str] | None:
    return words.is_exec_form(ins.args.strip())


def _run_text(df: Dockerfile, argv: list[str] | None, shell_text: str | None) -> str:
    """A RUN of the command; shell form when that runs the very same words (the recipes read
    and edit shell-form RUNs), exec form otherwise."""
    run = edits.keyword(df, "RUN")
    if argv is not None and argv[:2] in (["sh", "-c"], ["/bin/sh", "-c"]) and len(argv) == 3:
        shell_text, argv = argv[2], None  # `sh -c script` is what a shell-form RUN runs
    elif argv and all(w and not shell.needs_shell(w) for w in argv):
        shell_text, argv = " ".join(argv), None
    if argv is not None:
        return f"{run} {tokens.exec_form(argv)}"
    assert shell_text is not None
    return f"{run} {tokens.single_line(shell_text, 'build command')}"


def _own_command(df: Dockerfile, stage: tuple[Instruction, ...]) -> Step:
    """The build file's ENTRYPOINT/CMD, as `docker run IMAGE` ran it, turned into a RUN in
    place of the later of the two (the other one is dropped: a builder starts nothing)."""
    entry, cmd = _last(stage, "ENTRYPOINT"), _last(stage, "CMD")
    if entry is None and cmd is None:
        raise Refuse(
            "the build container runs the base image's default command: "
            "dfsplit cannot tell which build step made the artifact"
        )
    entry_argv = _command_argv(entry) if entry else None
    cmd_argv = _command_argv(cmd) if cmd else None
    if entry is not None and entry_argv is None:
        text = _run_text(df, None, entry.args.strip())  # shell form: Docker ignores CMD
    elif entry is not None and entry_argv is not None:
        if cmd is not None and cmd_argv is None:
            raise Refuse("the build file's ENTRYPOINT is exec form and its CMD shell form")
        text = _run_text(df, entry_argv + (cmd_argv or []), None)
    else:
        assert cmd is not None
        text = _run_text(df, cmd_argv, None if cmd_argv is not None else cmd.args.strip())
    used = [i for i in (entry, cmd) if i is not None]
    later = max(used, key=lambda i: i.start)
    why = "the build file's " + " and ".join(i.keyword for i in used)
    return Step(later.start, later.end, (text,), (f"{why}, which the script ran, is a RUN",))


def _given_command(df: Dockerfile, stage: tuple[Instruction, ...], run: Run) -> str:
    """The run's own command after the image's ENTRYPOINT (or --entrypoint)."""
    if run.entrypoint is not None:
        return _run_text(df, [run.entrypoint, *run.command], None)
    entry = _last(stage, "ENTRYPOINT")
    if entry is None:
        return _run_text(df, list(run.command), None)
    entry_argv = _command_argv(entry)
    if entry_argv is None:
        return _run_text(df, None, entry.args.strip())
    return _run_text(df, entry_argv + list(run.command), None)


def build_step(
    df: Dockerfile,
    model: StageModel,
    run: Run | None,
    files: Collection[str],
    context: str,
) -> Step | None:
    """What the build file needs so that a build makes the artifact the run made."""
    if run is None:
        return None
    stage = df.stages()[0]
    before, notes = _run_setup(df, model, run, files, context)
    if run.command or run.entrypoint is not None:
        text = _given_command(df, stage, run)
        end = len(df.lines)
        notes.append(f"the command `{' '.join(run.command)}` that the script ran is a RUN")
        return Step(end, end, (*before, text), tuple(notes))
    own = _own_command(df, stage)
    return own._replace(lines=(*before, *own.lines), notes=(*notes, *own.notes))


def _run_setup(
    df: Dockerfile, model: StageModel, run: Run, files: Collection[str], context: str
) -> tuple[list[str], list[str]]:
    """WORKDIR, ENV, COPY and mkdir lines that stand for the run's flags."""
    lines: list[str] = []
    notes: list[str] = []
    for host, container, writable in run.volumes:
        line = _volume_line(df, model, host, container, writable, files, context, notes)
        if line:
            lines.append(line)
    for pair in run.env:
        key, eq, value = pair.partition("=")
        if not eq:
            raise Refuse(f"the build container gets {key} from the host's environment (-e {key})")
        lines.append(f"{edits.keyword(df, 'ENV')} {tokens.env_pair(key, value)}")
    if run.workdir and run.workdir != model.final.workdir:
        lines.append(f"{edits.keyword(df, 'WORKDIR')} {tokens.abs_path(run.workdir)}")
    return lines, notes


def _volume_line(
    df: Dockerfile,
    model: StageModel,
    host: str | None,
    container: str,
    writable: bool,
    files: Collection[str],
    context: str,
    notes: list[str],
) -> str | None:
    if host is None:
        notes.append(f"the volume at {container} is not a host path: left out")
        return None
    holds = host == "." or host in files or any(within(f, host) for f in files)
    if holds or not writable:
        rel = posixpath.relpath(host, context)
        if rel == ".." or rel.startswith("../"):
            raise Refuse(f"the build container mounts {host}, outside the build context")
        if model.context_path(container) == rel:
            return None
        notes.append(f"the sources mounted at {container} are copied there")
        return copy_text(edits.keyword(df, "COPY"), (), [rel], tokens.abs_path(container))
    if container in model.dirs:
        return None
    return f"{edits.keyword(df, 'RUN')} mkdir -p {tokens.abs_path(container)}"
