"""What the RUN lines of a stage do, command by command: the directory each command runs in
(following `cd`), the variables it sees (following `export`), where a `cp`/`mv`/`install`
after a build puts the built file, and whether a RUN writes it into a cache mount. Shared by
the recipes that look for their build commands.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from dfsplit.dockerfile import paths, shell, words
from dfsplit.model import Instruction, Refuse
from dfsplit.plan.stage import StageModel, overlay, run_commands

# Directories every Debian and Alpine image has (and golang's GOPATH bin): `mv app DIR` puts
# app inside them.
BIN_DIRS = frozenset(
    {"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/tmp", "/go/bin"}
)


class Step(NamedTuple):
    """One simple command of a RUN, and what is in force when it runs."""

    ins: Instruction
    cmd: shell.Command
    env: Mapping[str, str]  # the RUN's variables and the exports before it (not cmd.env)
    cwd: str | None  # None: still the base image's WORKDIR, which dfsplit does not know


def run_steps(model: StageModel, what: str) -> Iterator[Step]:
    """Every simple command of the stage's RUN lines, in order. A `cd` dfsplit cannot follow
    is refused: `what` (e.g. "where go builds") is what it then cannot tell."""
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        state = model.state_at(ins)
        env, cwd = overlay(state.env), state.cwd
        for cmd in run_commands(ins):
            if cmd.program == "cd" and len(cmd.argv) == 2:
                target = words.expand(cmd.argv[1], env)
                if target is None:
                    raise Refuse(
                        f"line {ins.start + 1} runs `cd {cmd.argv[1]}`, a directory dfsplit "
                        f"cannot resolve, so it cannot tell {what}: use WORKDIR or a literal "
                        "path"
                    )
                here = "/" if target.startswith("/") else cwd or state.workdir
                cwd = paths.join(here, target)  # `cd //` is "/": walking up from it ends
            elif cmd.program == "export":
                env.update(w.partition("=")[::2] for w in cmd.argv[1:] if "=" in w)
            yield Step(ins, cmd, env, cwd)


def workdir(step: Step, model: StageModel) -> str:
    """Where the step runs; Refuse when that is the base image's unknown WORKDIR."""
    return step.cwd or model.state_at(step.ins).workdir


def moved(cmd: shell.Command, env: Mapping[str, str], cwd: str) -> tuple[str, str] | None:
    """(source, target) of `cp|mv|install [-m MODE] SOURCE TARGET`, absolute; None for any
    other command, or words dfsplit cannot resolve. A target that ends in / or names a
    directory every image has receives the file under its own name."""
    if cmd.program not in {"mv", "cp", "install"}:
        return None
    operands = [w for w in cmd.argv[1:] if not w.startswith("-")]
    if cmd.program == "install" and "-m" in cmd.argv[:-1]:
        mode = cmd.argv[cmd.argv.index("-m") + 1]
        operands = [w for w in operands if w != mode]
    if len(operands) != 2:
        return None
    expanded = [words.expand(w, env) for w in operands]
    if expanded[0] is None or expanded[1] is None:
        return None
    source, target = paths.join(cwd, expanded[0]), paths.join(cwd, expanded[1])
    if expanded[1].endswith("/") or target in BIN_DIRS:
        target = posixpath.join(target, posixpath.basename(source))
    return source, target


def check_not_in_cache_mount(ins: Instruction, path: str) -> None:
    """A file the RUN writes into its own cache mount (`--mount=type=cache,target=...`) is not
    part of the image, so no stage can copy it: Refuse."""
    for flag in ins.flags:
        if not flag.startswith("--mount=") or "type=cache" not in flag:
            continue
        for part in flag[len("--mount=") :].split(","):
            key, _, value = part.partition("=")
            if key in {"target", "dst", "destination"} and path.startswith(value.rstrip("/") + "/"):
                raise Refuse(
                    f"the binary {path} is written into the cache mount {value}, which is not "
                    "part of the builder image, so no stage can copy it: write it outside the "
                    "mount, or copy it out in the same RUN"
                )
