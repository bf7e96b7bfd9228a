"""The start command of a Go image: which binary it runs, `go run` built once, exec form."""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell, tokens
from dfsplit.model import Dockerfile, Edit, Instruction, NothingToDo, Refuse
from dfsplit.plan import carry
from dfsplit.plan.stage import DEFAULT_PATH, StageModel
from dfsplit.plan.startform import point_at, start_form
from dfsplit.recipes.go.builds import Build, parse_flags
from dfsplit.recipes.go.module import ModuleLookup, binary_name

GO_RUN_DIR = "/usr/local/bin"


class Start(NamedTuple):
    """The rewritten start command and what it needs."""

    entrypoint: str | None
    cmd: str | None
    build: Build
    args: list[str]  # arguments after the program, to look for runtime files
    go_run: Edit | None = None
    workdir: str | None = None  # set by a leading `cd DIR &&` in the start command
    note: str = ""


def start_command(
    df: Dockerfile,
    model: StageModel,
    kept: carry.Carried,
    builds: list[Build],
    modules: ModuleLookup,
    workdir: str | None = None,
) -> Start:
    """The runtime's start command; `workdir` is where it runs (the final WORKDIR, unless a
    leading `cd` in the command moved it)."""
    cwd = workdir or model.final.workdir
    if kept.entrypoint is None and kept.cmd is None:
        return _only_binary(builds)
    entry = start_form(kept.entrypoint, alone=kept.cmd is None)
    cmd = start_form(kept.cmd) if not isinstance(entry, str) else None
    owner = entry if entry is not None else cmd
    assert owner is not None
    cd = shell.leading_cd(owner) if isinstance(owner, str) else None
    if cd is not None and not cd[1].startswith("go "):
        moved = posixpath.normpath(posixpath.join(cwd, cd[0]))
        start = start_command(df, model, kept_with(kept, cd[1], entry), builds, modules, moved)
        return start._replace(workdir=moved, note=f"`cd {cd[0]}` sets the runtime's WORKDIR")
    words = owner if isinstance(owner, list) else (shell.plain_words(owner) or owner.split())
    if words[:1] == ["exec"]:
        words = words[1:]
    if words[:2] == ["go", "run"]:
        return _go_run(df, model, entry, cmd, words, modules, cwd)
    build = _match(model, builds, words[0], cwd)
    new_owner = point_at(owner, words[0], build.output)
    tail = cmd if entry is not None else None
    args = words[1:] + (tail if isinstance(tail, list) else [])
    if entry is not None:
        return Start(tokens.command(new_owner), tokens.command(cmd), build, args)
    return Start(None, tokens.command(new_owner), build, args)


def _only_binary(builds: list[Build]) -> Start:
    """No CMD or ENTRYPOINT: a deploy names the binary itself (compose `command:`), so it stays
    at its path, and when the build makes exactly one it becomes the default command."""
    if not builds:
        raise NothingToDo("no go build step and no start command")
    outputs = list(dict.fromkeys(b.output for b in builds))
    if len(outputs) != 1:
        raise Refuse(
            "no CMD or ENTRYPOINT, and the build makes several binaries "
            f"({', '.join(outputs)}): which one the image runs is not known"
        )
    build = builds[-1]
    note = (
        f"no CMD or ENTRYPOINT: {build.output}, the only binary the build makes, stays at its "
        "path and becomes the default command"
    )
    return Start(None, tokens.exec_form([build.output]), build, [], note=note)


def kept_with(kept: carry.Carried, text: str, entry: object) -> carry.Carried:
    """The carried start with its shell text replaced by the command after `cd DIR &&`."""
    out = carry.Carried(user=kept.user)
    fake = kept.entrypoint if entry is not None else kept.cmd
    assert fake is not None
    replaced = fake._replace(args=text, value=text)
    out.entrypoint = replaced if entry is not None else None
    out.cmd = replaced if entry is None else kept.cmd
    return out


def _match(model: StageModel, builds: list[Build], program: str, cwd: str) -> Build:
    final = model.final
    if program.startswith("/") or "/" in program:
        wanted = {posixpath.normpath(posixpath.join(cwd, program))}
    else:
        path = final.env.get("PATH", DEFAULT_PATH)
        wanted = {posixpath.join(d, program) for d in path.split(":") if d}
    for build in reversed(builds):
        if build.output in wanted:
            return build
    built = f"it builds {', '.join(b.output for b in builds)}" if builds else "it builds none"
    raise Refuse(
        f"the start command runs `{program}`, which is not a binary this Dockerfile builds "
        f"({built}), and dfsplit ships only what the build makes: start a binary that "
        "go build writes (or build this one with go build -o)"
    )


def _go_run(
    df: Dockerfile,
    model: StageModel,
    entry: list[str] | str | None,
    cmd: list[str] | str | None,
    words: list[str],
    modules: ModuleLookup,
    cwd: str,
) -> Start:
    """`CMD go run .` compiles on every start: build once in the builder instead."""
    if isinstance(entry, str) or (isinstance(cmd, str) and shell.needs_shell(cmd)):
        raise Refuse(
            "the start command runs `go run` inside shell syntax, which dfsplit cannot turn "
            'into a start of the built binary: write it as CMD ["go", "run", "."]'
        )
    flags, rest = parse_flags(tuple(words[2:]), "go run")
    files = [w for w in rest if w.endswith(".go")]
    package_words = files or rest[:1] or ["."]
    app_args = rest[len(package_words) :]
    name = binary_name(package_words[0], cwd, modules(cwd))
    output = posixpath.join(GO_RUN_DIR, name)
    flag_words = [f"-{k}={v}" if v != "true" else f"-{k}" for k, v in flags.items()]
    run = " ".join(["go", "build", *flag_words, "-o", output, *package_words])
    last = carry.last_build_index(model)
    anchor = model.stage[last]
    edit = edits.insert_after(
        anchor, f"{edits.keyword(df, 'RUN')} {tokens.single_line(run, 'go run')}"
    )
    fake = Instruction("RUN", run, (), run, anchor.end, anchor.end)
    build = Build(fake, output, package_words[0], model.final.env.get("CGO_ENABLED"), cwd)
    return Start(None, tokens.exec_form([output, *app_args]), build, app_args, go_run=edit)
