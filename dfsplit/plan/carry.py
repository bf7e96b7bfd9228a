"""What the runtime stage inherits from the naive stage: metadata, ENV, ARG and the user.

Shared by every recipe. Instructions that only matter at run time (CMD, EXPOSE, LABEL, ...)
move out of the builder; ENV stays in the builder (the build may read it) and is copied.
"""

from __future__ import annotations

import re

from dfsplit.dockerfile import edits, words
from dfsplit.dockerfile.words import Pair
from dfsplit.model import Dockerfile, Edit, Instruction, Refuse
from dfsplit.plan.portable import Carrier
from dfsplit.plan.stage import StageModel, run_commands

ALWAYS_MOVED = {"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "LABEL"}
MOVED_WHEN_TRAILING = {"USER", "VOLUME"}  # moved only when no build step follows them
BUILD_STEPS = {"RUN", "COPY", "ADD", "WORKDIR"}
GENERIC_BUILD_ENV = {
    "DEBIAN_FRONTEND",
    "PATH",
    "HOME",
    "TERM",
    "APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE",
}
DEFAULT_UID = "65532:65532"
# Users every Debian and Alpine image has, with the same ids.
WELL_KNOWN_UIDS = {"nobody": "65534:65534"}


class Carried:
    """What the runtime stage keeps of the original, filled in as `carry` reads the stage."""

    __slots__ = (
        "args",
        "cmd",
        "edits",
        "entrypoint",
        "env",
        "healthcheck",
        "instructions",
        "notes",
        "start_comment",
        "user",
        "warnings",
    )

    def __init__(self, *, user: str = DEFAULT_UID, instructions: list[str] | None = None) -> None:
        self.edits: list[Edit] = []
        self.instructions: list[str] = instructions or []  # verbatim, for the runtime
        self.env: list[str] = []
        self.args: list[str] = []
        self.user = user
        self.entrypoint: Instruction | None = None
        self.cmd: Instruction | None = None
        self.healthcheck: Instruction | None = None
        self.start_comment = ""
        self.notes: list[str] = []
        self.warnings: list[str] = []

    def runtime_instructions(self) -> tuple[str, ...]:
        """The instructions the runtime stage repeats verbatim, the HEALTHCHECK last."""
        health = () if self.healthcheck is None else (f"HEALTHCHECK {self.healthcheck.value}",)
        return (*self.instructions, *health)


def last_build_index(model: StageModel, default: int | None = None) -> int:
    """Index of the stage's last RUN/COPY/ADD/WORKDIR, else `default`. Callers that insert a
    step after it pass none: a stage without one is refused, since nothing is built there."""
    found = [i for i, ins in enumerate(model.stage) if ins.keyword in BUILD_STEPS]
    if found:
        return found[-1]
    if default is None:
        raise Refuse(
            "the stage has no RUN, COPY, ADD or WORKDIR, so it builds nothing dfsplit could "
            "split off"
        )
    return default


def carry(
    df: Dockerfile, model: StageModel, build_env: set[str], default_uid: str = DEFAULT_UID
) -> Carried:
    """Split the stage's instructions into builder-only and runtime parts."""
    out = Carried(user=default_uid)
    last_build = last_build_index(model, default=-1)
    kept: list[Instruction] = []
    for index, ins in enumerate(model.stage):
        moved = ins.keyword in ALWAYS_MOVED or (
            ins.keyword in MOVED_WHEN_TRAILING and index > last_build
        )
        if ins.keyword == "VOLUME":
            kept.append(ins)
        if not moved:
            continue
        out.edits.append(edits.remove(df, ins))
        if ins.keyword == "ENTRYPOINT":
            out.entrypoint = ins
        elif ins.keyword == "CMD":
            out.cmd = ins
        elif ins.keyword == "HEALTHCHECK":
            out.healthcheck = ins
        if ins.keyword in {"CMD", "ENTRYPOINT"}:
            out.start_comment = edits.comment_text(df, ins) or out.start_comment
        elif ins.keyword not in {"HEALTHCHECK", "USER", "VOLUME"}:
            kept.append(ins)
    _empty_start(out)
    carrier = Carrier(model, _final_env(model, build_env | GENERIC_BUILD_ENV, out))
    out.env = [carrier.env_token(key, i, pair) for key, (i, pair) in carrier.finals.items()]
    out.instructions = [t for t in (_with_comment(df, ins, carrier) for ins in kept) if t]
    out.args = _declarations(df, model, carrier.args)
    out.notes += carrier.notes
    out.user = runtime_user(model, default_uid, out)
    return out


def _empty_start(out: Carried) -> None:
    """`CMD []` after an ENTRYPOINT adds nothing (an ENTRYPOINT resets the base image's CMD),
    so it is left out; any other empty start command is refused, never guessed at."""
    for ins in (out.cmd, out.entrypoint):
        if ins is None or (ins.args.strip() and words.is_exec_form(ins.args.strip()) != []):
            continue
        if ins is out.cmd and out.entrypoint is not None and out.entrypoint.args.strip():
            out.cmd = None
            continue
        raise Refuse(
            f"{ins.keyword} {ins.args.strip()} at line {ins.start + 1} gives the image no start "
            "command; dfsplit does not rewrite an image without one"
        )


def _with_comment(df: Dockerfile, ins: Instruction, carrier: Carrier) -> str:
    comment = edits.comment_text(df, ins) if ins.keyword != "VOLUME" else ""
    text = carrier.instruction(ins, edits.source_text(df, ins))
    return f"{comment}\n{text}" if comment and text else text


def _final_env(model: StageModel, build_env: set[str], out: Carried) -> dict[str, tuple[int, Pair]]:
    """Each ENV key the app may read at run time, with the assignment that set its final
    value, in the order of those assignments (a value can only read the ones before it)."""
    finals: dict[str, tuple[int, Pair]] = {}
    dropped = set()
    for index, ins in enumerate(model.stage):
        if ins.keyword != "ENV":
            continue
        for pair in words.env_pairs(ins.args, model.df.escape):
            key = words.process_word(pair.key, words.lookup_in({}), model.df.escape)
            if key in build_env:
                dropped.add(key)
                continue
            finals.pop(key, None)
            finals[key] = (index, pair)
    if dropped:
        out.notes.append(f"build-only ENV kept in the builder only: {', '.join(sorted(dropped))}")
    return finals


def _declarations(df: Dockerfile, model: StageModel, wanted: dict[str, str]) -> list[str]:
    """The ARG lines of the runtime stage, in the order the builder declared them."""
    order = {
        pair.key: i
        for i, ins in enumerate(model.stage)
        if ins.keyword == "ARG"
        for pair in words.arg_pairs(ins.args, df.escape)
    }
    return [wanted[name] for name in sorted(wanted, key=lambda n: (order.get(n, 0), n))]


def redeclared_args(df: Dockerfile, model: StageModel, command: str) -> list[str]:
    """ARG lines a stage `FROM builder` needs for the `$NAME`s its shell `command` reads:
    ARG values do not reach another stage, ENV values do."""
    wanted = words.variables(command)
    declared: dict[str, str] = {}
    # The group says where an ARG is: `ins in model.stage` would scan the stage every time.
    for in_stage, group in ((False, df.preamble()), (True, model.stage)):
        for ins in (i for i in group if i.keyword == "ARG"):
            for pair in words.arg_pairs(ins.args, df.escape):
                declared[pair.key] = pair.raw if in_stage and pair.value is not None else pair.key
    return [declared[name] for name in sorted(wanted) if name in declared]


_UID_FLAG = re.compile(r"^(?:-u|--uid)(?:=(\d+))?$")
_GID_FLAG = re.compile(r"^(?:-g|--gid)(?:=(\d+))?$")


def runtime_user(model: StageModel, default_uid: str, out: Carried) -> str:
    """A numeric user for the runtime, keeping the naive image's user where it was not root."""
    name = model.final.user
    if name is None or name.split(":")[0] in {"root", "0"}:
        out.notes.append(f"the original ran as root; the runtime runs as {default_uid}")
        return default_uid
    if re.fullmatch(r"\d+(:\d+)?", name):
        return name
    uid = _created_uid(model, name.split(":")[0]) or WELL_KNOWN_UIDS.get(name)
    if uid is None:
        out.warnings.append(
            f"USER {name} has no fixed uid in this Dockerfile; the runtime uses {default_uid}"
        )
        return default_uid
    out.notes.append(f"USER {name} becomes its numeric uid {uid}")
    return uid


def _created_uid(model: StageModel, user: str) -> str | None:
    for ins in model.stage:
        if ins.keyword != "RUN":
            continue
        for cmd in run_commands(ins):
            if cmd.program not in {"useradd", "adduser"} or user not in cmd.argv:
                continue
            uid = _flag_value(cmd.argv, _UID_FLAG)
            if uid:
                # busybox adduser's -g is a GECOS field; only useradd's -g is a group.
                gid = _flag_value(cmd.argv, _GID_FLAG) if cmd.program == "useradd" else None
                return f"{uid}:{gid if gid and gid.isdigit() else uid}"
    return None


def _flag_value(argv: tuple[str, ...], pattern: re.Pattern[str]) -> str | None:
    for i, word in enumerate(argv):
        m = pattern.match(word)
        if m:
            return m.group(1) or (argv[i + 1] if i + 1 < len(argv) else None)
    return None
