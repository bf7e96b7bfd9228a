"""The start command of a Rust image: which binary it runs, `cargo run` built once in the
builder, exec form whenever that means the same."""

from __future__ import annotations

import posixpath
import shlex
from typing import NamedTuple

from dfsplit.dockerfile import edits, shell, tokens
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Dockerfile, Edit, Instruction, NothingToDo, Refuse
from dfsplit.plan import carry
from dfsplit.plan.stage import DEFAULT_PATH, StageModel
from dfsplit.plan.startform import point_at, start_form
from dfsplit.recipes.rust import flags
from dfsplit.recipes.rust.builds import Artifact, Build, is_cargo, make_build
from dfsplit.recipes.rust.crates import Crates

# What a shell-form start may run besides the app: a shell's builtins and coreutils, which
# every Debian and Alpine image has.
SHELL_PROGRAMS = {
    "exec",
    "sh",
    "bash",
    "echo",
    "printf",
    "sleep",
    "cd",
    "export",
    "set",
    "test",
    "[",
    "true",
    "false",
    "env",
    "cat",
    "mkdir",
    "ls",
    "rm",
    "cp",
    "mv",
    "touch",
    "chmod",
    "trap",
    "wait",
    "kill",
    "exit",
    "ulimit",
    "umask",
    "until",
    "while",
    "do",
    "done",
    "if",
    "then",
    "fi",
    "else",
    "for",
    "in",
}


class Start(NamedTuple):
    entrypoint: str | None
    cmd: str | None
    artifact: Artifact
    build: Build
    args: list[str]  # the program's arguments, to look for runtime files
    inserted: Edit | None = None  # the `cargo build` a `cargo run` start now needs
    shell: str | None = None  # why the runtime needs a shell
    programs: tuple[str, ...] = ()  # other programs a shell-form start runs


def start_command(
    df: Dockerfile, model: StageModel, kept: carry.Carried, builds: list[Build], crates: Crates
) -> Start:
    if kept.entrypoint is None and kept.cmd is None:
        if not builds:
            raise NothingToDo("no cargo build step and no start command")
        raise Refuse(
            "no CMD or ENTRYPOINT: the image would start the base image's default command; "
            "add a CMD that starts the binary"
        )
    entry = start_form(kept.entrypoint, alone=kept.cmd is None)
    cmd = start_form(kept.cmd) if not isinstance(entry, str) else None
    owner = entry if entry is not None else cmd
    assert owner is not None
    plain = owner if isinstance(owner, list) else shell.plain_words(owner)
    head = plain or owner.split()  # type: ignore[union-attr]
    if head[:1] == ["exec"]:
        head = head[1:]
    if head and is_cargo(head[0]) and flags.subcommand(tuple(head))[0] == "run":
        if plain is None:
            raise Refuse(f"`cargo run` inside a shell-form start that needs a shell: {owner}")
        tail = cmd if isinstance(cmd, list) and entry is not None else []
        return _cargo_run(df, model, builds, crates, head, tail, entry is not None, cmd)
    program = head[0] if plain is not None else _app_program(model, builds, owner, head[0])
    build, artifact = _match(model, builds, program)
    new_owner = point_at(owner, program, artifact.path)
    args = head[1:] + (cmd if isinstance(cmd, list) and entry is not None else [])
    why = None if isinstance(new_owner, list) else f"the start command uses the shell: {owner}"
    others = _other_programs(new_owner, artifact.path)
    if entry is not None:
        return Start(
            tokens.command(new_owner),
            tokens.command(cmd),
            artifact,
            build,
            args,
            None,
            why,
            others,
        )
    return Start(None, tokens.command(new_owner), artifact, build, args, None, why, others)


def _other_programs(form: list[str] | str, artifact: str) -> tuple[str, ...]:
    if isinstance(form, list):
        return ()
    commands = shell.split_commands(form)
    if commands is None:
        raise Refuse(f"cannot read the shell-form start command: {form}")
    names = {posixpath.basename(c.program) for c in commands if c.program}
    names -= SHELL_PROGRAMS | {posixpath.basename(artifact), artifact}
    return tuple(sorted(n for n in names if not n.startswith("$")))


def _app_program(model: StageModel, builds: list[Build], form: list[str] | str, first: str) -> str:
    """The program of a shell-form start that is one of the binaries built (a start may run
    a migration tool first); the first program when none is."""
    if isinstance(form, list):
        return first
    for command in shell.commands(form, "the start command"):
        try:
            _match(model, builds, command.program)
        except Refuse:
            continue
        return command.program
    return first


def _match(model: StageModel, builds: list[Build], program: str) -> tuple[Build, Artifact]:
    final = model.final
    if "/" in program:
        wanted = {posixpath.normpath(posixpath.join(final.workdir, program))}
    else:
        path = final.env.get("PATH", DEFAULT_PATH)
        wanted = {posixpath.join(d, program) for d in path.split(":") if d}
    for build in reversed(builds):
        for artifact in build.outputs:
            if artifact.path in wanted:
                return build, artifact
    if is_cargo(program):
        raise Refuse(
            "the start command runs cargo for something other than `cargo run`; "
            "dfsplit can only ship a binary the build makes"
        )
    built = ", ".join(a.path for b in builds for a in b.outputs) or "no binary"
    raise Refuse(
        f"the start command runs {program}, which is not a binary this Dockerfile builds "
        f"(it builds {built}); start the binary by its path, or build it in the Dockerfile"
    )


def _cargo_run(
    df: Dockerfile,
    model: StageModel,
    builds: list[Build],
    crates: Crates,
    argv: list[str],
    tail: list[str],
    in_entrypoint: bool,
    cmd: list[str] | str | None,
) -> Start:
    """`cargo run` compiles at every start: build that binary in the builder instead."""
    _, rest = flags.subcommand(tuple(argv))
    parsed = flags.parse(list(rest), "the start command's cargo run")
    if in_entrypoint and tail and "--" not in argv:
        raise Refuse("the CMD after `ENTRYPOINT cargo run` would be read as cargo's own flags")
    anchor = model.stage[carry.last_build_index(model)]
    before = list(rest[: rest.index("--")]) if "--" in rest else list(rest)
    toolchain = [w for w in argv[1:2] if w.startswith("+")]
    text = shlex.join(["cargo", *toolchain, "build", *before])
    fake = Instruction("RUN", text, (), text, anchor.end, anchor.end)
    env = dict(model.final.env)
    run = make_build(fake, "run", parsed, {}, env, model.final.workdir, model, crates, "cargo run")
    artifact = _run_target(run)
    same = _existing(builds, run, artifact)
    app_args = [*parsed.trailing, *tail]
    exec_form = tokens.exec_form([artifact.path, *(parsed.trailing if in_entrypoint else app_args)])
    entry = exec_form if in_entrypoint else None
    command = tokens.command(cmd) if in_entrypoint else exec_form
    if same is not None:
        return Start(entry, command, artifact, same, app_args)
    edit = edits.insert_after(
        anchor, f"{edits.keyword(df, 'RUN')} {tokens.single_line(text, 'cargo run')}"
    )
    built = run._replace(outputs=(artifact,))
    return Start(entry, command, artifact, built, app_args, edit)


def _run_target(run: Build) -> Artifact:
    """The binary `cargo run` picks: --bin/--example, default-run, or the only one."""
    picked = run.parsed.values("bin") + run.parsed.values("example")
    outputs = list(run.outputs)
    if not picked:
        defaults = [a for a in outputs if a.package.manifest.default_run in (None, a.name)]
        outputs = defaults
    if len(outputs) == 1:
        return outputs[0]
    if not outputs:
        raise Refuse(
            "the start command's `cargo run` finds no binary to run in the packages it selects"
        )
    names = ", ".join(sorted(a.name for a in outputs))
    raise Refuse(
        f"the start command's `cargo run` could mean several binaries ({names}): cargo itself "
        "cannot tell; name one with `cargo run --bin NAME`, or set default-run in Cargo.toml"
    )


def _existing(builds: list[Build], run: Build, artifact: Artifact) -> Build | None:
    """A build of the stage that already makes exactly that binary (same path, features)."""
    wanted = (
        run.parsed.features(),
        run.parsed.has("no-default-features"),
        run.parsed.has("all-features"),
    )
    for build in reversed(builds):
        shape = (
            build.parsed.features(),
            build.parsed.has("no-default-features"),
            build.parsed.has("all-features"),
        )
        if shape == wanted and any(a.path == artifact.path for a in build.outputs):
            return build
    return None


def relocated(start: Start, moved: dict[str, str]) -> Start:
    """The start command once the build copies the binary out of a cache mount."""
    new = moved.get(start.artifact.path)
    if new is None:
        return start
    old = start.artifact.path
    entry, cmd = start.entrypoint, start.cmd
    if entry is not None:
        entry = _moved_form(entry, old, new)
    else:
        cmd = _moved_form(cmd or "", old, new)
    return start._replace(entrypoint=entry, cmd=cmd, artifact=start.artifact._replace(path=new))


def _moved_form(form: str, old: str, new: str) -> str:
    argv = is_exec_form(form)
    if argv is not None:
        return tokens.exec_form([new if argv and argv[0] == old else argv[0], *argv[1:]])
    return form.replace(old, new, 1)
