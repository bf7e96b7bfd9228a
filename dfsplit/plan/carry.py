"""What the runtime stage inherits from the naive stage: metadata, ENV, ARG and the user.

Shared by every recipe. Instructions that only matter at run time (CMD, EXPOSE, LABEL, ...)
move out of the builder; ENV stays in the builder (the build may read it) and is copied.
"""

from __future__ import annotations

import re

from dfsplit.dockerfile import edits, tokens, words
from dfsplit.dockerfile.words import parse_pairs
from dfsplit.model import Dockerfile, Edit, Instruction, Refuse
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
        raise Refuse("the build stage has no RUN, COPY, ADD or WORKDIR")
    return default


def carry(
    df: Dockerfile, model: StageModel, build_env: set[str], default_uid: str = DEFAULT_UID
) -> Carried:
    """Split the stage's instructions into builder-only and runtime parts."""
    out = Carried(user=default_uid)
    last_build = last_build_index(model, default=-1)
    for index, ins in enumerate(model.stage):
        moved = ins.keyword in ALWAYS_MOVED or (
            ins.keyword in MOVED_WHEN_TRAILING and index > last_build
        )
        if ins.keyword == "VOLUME":
            out.instructions.append(edits.source_text(df, ins))
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
            out.instructions.append(_with_comment(df, ins))
    out.env = runtime_env(model, build_env | GENERIC_BUILD_ENV, out)
    out.args = redeclared_args(df, model, out)
    out.user = runtime_user(model, default_uid, out)
    return out


def _with_comment(df: Dockerfile, ins: Instruction) -> str:
    comment = edits.comment_text(df, ins)
    text = edits.source_text(df, ins)
    return f"{comment}\n{text}" if comment else text


def runtime_env(model: StageModel, build_env: set[str], out: Carried) -> list[str]:
    """ENV pairs the app may read at run time, final values only, in first-set order."""
    pairs: dict[str, str] = {}
    for ins in model.stage:
        if ins.keyword != "ENV":
            continue
        state = model.state_at(ins)
        for key, value, raw in parse_pairs(ins.args):
            if key in build_env:
                continue
            pairs.pop(key, None)
            pairs[key] = _env_token(key, value, raw, state.env, state.args, out)
    dropped = sorted(
        {k for i in model.stage if i.keyword == "ENV" for k, _, _ in parse_pairs(i.args)}
        & build_env
    )
    if dropped:
        out.notes.append(f"build-only ENV kept in the builder only: {', '.join(dropped)}")
    return list(pairs.values())


def _env_token(
    key: str, value: str, raw: str, env: dict[str, str], args: frozenset[str], out: Carried
) -> str:
    refs = words.variables(raw)
    if refs and refs <= set(args) and "=" in raw and "\n" not in raw:
        return raw  # keeps build-arg overrides working; the ARG is re-declared below
    expanded = words.expand(value, env) if refs else value
    if expanded is None:
        out.warnings.append(
            f"ENV {key} refers to a variable dfsplit cannot resolve; kept as written"
        )
        return raw
    return tokens.env_pair(key, expanded)


def redeclared_args(df: Dockerfile, model: StageModel, out: Carried) -> list[str]:
    """ARG lines the runtime needs for the `$NAME` references it carries."""
    text = "\n".join(out.instructions + out.env)
    wanted = words.variables(text)
    declared: dict[str, str] = {}
    for ins in (*df.preamble(), *model.stage):
        if ins.keyword == "ARG":
            for key, _value, raw in parse_pairs(ins.args):
                in_stage = ins in model.stage
                declared[key] = raw if in_stage and "=" in raw else key
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
