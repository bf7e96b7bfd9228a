"""A static model of the builder stage: where each instruction runs, with which env, and which
context paths it copied where. Recipes use it to turn what a Dockerfile says into absolute
paths in the builder's filesystem.
"""

from __future__ import annotations

import posixpath
import shlex
from collections import ChainMap
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from dfsplit.dockerfile import paths, scope, shell, words
from dfsplit.dockerfile.globs import Dockerignore, is_glob, path_match
from dfsplit.dockerfile.scope import Scope
from dfsplit.dockerfile.words import Unresolved, is_exec_form
from dfsplit.model import EMPTY, Dockerfile, Instruction, Project, Refuse
from dfsplit.plan import images
from dfsplit.plan.images import DEFAULT_PATH

__all__ = ["BASE_DIRS", "DEFAULT_PATH", "Copied", "StageModel", "State", "base_image"]

_ROOT_HOME: Mapping[str, str] = MappingProxyType({"HOME": "/root"})
# Directories every base image has.
BASE_DIRS = frozenset(
    {
        "/",
        "/bin",
        "/etc",
        "/home",
        "/opt",
        "/root",
        "/srv",
        "/tmp",
        "/usr",
        "/usr/bin",
        "/usr/local",
        "/usr/local/bin",
        "/usr/src",
        "/var",
    }
)


class _StateFields(NamedTuple):
    cwd: str | None  # None: still the base image's WORKDIR, which dfsplit does not know
    scope: Scope  # the ENV and ARG variables BuildKit expands here
    user: str | None
    image: str  # the base image, for the reason of a refusal


class State(_StateFields):
    """What is in force before an instruction runs (one is built per instruction: the fields
    are cheap, the derived values are computed on demand)."""

    @property
    def workdir(self) -> str:
        if self.cwd is None:
            raise Refuse(
                f"the base image {self.image} is not one dfsplit knows, so its WORKDIR is "
                "unknown, and the build relies on it: set an absolute WORKDIR first"
            )
        return self.cwd

    @property
    def env(self) -> Mapping[str, str]:
        """The variables a RUN sees whose values are known (ENV and ARG), HOME included: a
        view, not a copy (see scope.Known)."""
        if self.user is None or self.user.split(":")[0] in {"root", "0"}:
            return self.scope.known(_ROOT_HOME)  # Docker sets HOME for the user it runs as
        return self.scope.known()

    def word(self, raw: str, escape: str, what: str) -> str:
        """`raw` processed as BuildKit does here; refuses when a variable is not known."""
        try:
            return words.process_word(raw, self.scope.lookup, escape)
        except Unresolved as exc:
            raise Refuse(
                f"{what} uses ${exc.name}, whose value dfsplit cannot tell: give the ARG or ENV "
                "a default, or write the value"
            ) from None


class Copied(NamedTuple):
    """One source of a COPY/ADD from the build context."""

    source: str  # context-relative, normalised; "." is the context root
    dest: str  # absolute destination
    into_dir: bool  # the source's contents (or file) land inside dest
    position: int  # index of the instruction in the stage


_GLOB, _DIR, _FILE = range(3)  # what a COPY source is: a pattern, a directory, a file


class StageModel:
    """The single stage of a naive Dockerfile, walked once. `image` is its base image: its
    WORKDIR and ENV come from plan/images.py, and are unknown for an image not listed there."""

    def __init__(
        self, df: Dockerfile, stage: tuple[Instruction, ...], project: Project, image: str
    ) -> None:
        self.df = df
        self.stage = stage
        self.project = project
        self.image = image
        self.base = images.defaults(image)
        self.ignore = Dockerignore(project.text(".dockerignore") or "")
        self.states: list[State] = []
        self.copies: list[Copied] = []
        self.dirs: set[str] = set(BASE_DIRS)  # directories known to exist in the builder
        self._context_paths: dict[str, str | None] = {}  # context_path answers, once walked
        self._index = {id(ins): i for i, ins in enumerate(stage)}
        self._walk()
        # Newest copy first (the last one wins), each with what every lookup would recompute.
        self._newest_first = [
            (c, self._kind(c.source), c.dest.rstrip("/") + "/") for c in reversed(self.copies)
        ]

    # -- walking -----------------------------------------------------------------------------

    def _walk(self) -> None:
        base = self.base
        walked = scope.walk(self.df, self.stage, base.env if base else None)
        workdir = base.workdir if base else None
        user = base.user if base else None
        if workdir is not None:
            self.dirs.add(workdir)
        for index, ins in enumerate(self.stage):
            state = State(workdir, walked.before[index], user, self.image)
            self.states.append(state)
            workdir, user = self._step(state, ins, index)
        self.final = State(workdir, walked.final, user, self.image)

    def _step(self, state: State, ins: Instruction, index: int) -> tuple[str | None, str | None]:
        workdir, user = state.cwd, state.user
        escape = self.df.escape
        if ins.keyword == "WORKDIR":
            target = state.word(ins.args, escape, f"WORKDIR {ins.args}")
            workdir = _absolute(target, state)
            self.dirs.add(workdir)
        elif ins.keyword == "USER":
            try:
                user = words.process_word(ins.args, state.scope.lookup, escape)
            except Unresolved:
                user = ins.args.strip()  # kept with its `$`: carry then warns
        elif ins.keyword == "ENV":
            for pair in words.env_pairs(ins.args, escape):
                if words.references(pair.key, escape):
                    raise Refuse(f"ENV {pair.key} sets a variable named by a variable")
        elif ins.keyword in {"COPY", "ADD"} and ins.flag("from") is None:
            self._record_copy(ins, index, state)
        return workdir, user

    def _record_copy(self, ins: Instruction, index: int, state: State) -> None:
        if ins.heredocs:
            return
        found = words.copy_words(ins.args)
        if found is None or len(found) < 2:
            raise Refuse(
                f"line {ins.start + 1}: {ins.keyword} {ins.args} needs a source and a "
                "destination, and dfsplit cannot read them (Docker may not either)"
            )
        where = f"{ins.keyword} at line {ins.start + 1}"
        *sources, dest = (state.word(w, self.df.escape, where) for w in found)
        # Docker copies into dest when it ends in "/" or already is a directory (".").
        dest_abs = _absolute(dest, state)
        into_dir = dest.endswith("/") or len(sources) > 1 or dest_abs in self.dirs
        for src in sources:
            if "://" in src:  # ADD <url>: nothing from the context
                continue
            norm = posixpath.normpath(src.lstrip("/")) if src not in (".", "./") else "."
            is_dir = norm == "." or self.project.has_dir(norm) or is_glob(norm)
            self.copies.append(Copied(norm, dest_abs, into_dir or is_dir, index))
            if into_dir or is_dir:
                self.dirs.add(dest_abs)

    # -- questions ---------------------------------------------------------------------------

    def env_names(self) -> set[str]:
        """Every variable some instruction of the stage sees with a known value."""
        return self.final.scope.history.known_names()

    def index_of(self, ins: Instruction) -> int:
        """The position of `ins` in the stage (by identity: two instructions may be equal)."""
        index = self._index.get(id(ins))
        return index if index is not None else self.stage.index(ins)

    def state_at(self, ins: Instruction) -> State:
        return self.states[self.index_of(ins)]

    def context_path(self, abs_path: str) -> str | None:
        """The context path that the builder has at abs_path (file or dir), if any."""
        # Memoised: recipes ask about the same few paths many times (runtime files, assets).
        if abs_path not in self._context_paths:
            self._context_paths[abs_path] = self._find_context_path(paths.clean(abs_path))
        return self._context_paths[abs_path]

    def _find_context_path(self, abs_path: str) -> str | None:
        for copied, kind, prefix in self._newest_first:
            rel = self._lookup(copied, kind, prefix, abs_path)
            if rel is not None and not self.ignore.excludes(rel):
                return rel
        return None

    def _kind(self, src: str) -> int:
        if is_glob(src):
            return _GLOB
        return _DIR if src == "." or self.project.has_dir(src) else _FILE

    def _lookup(self, copied: Copied, kind: int, prefix: str, abs_path: str) -> str | None:
        """The context path that `copied` put at abs_path; prefix is its dest ending in "/"."""
        src, dest = copied.source, copied.dest
        if kind == _GLOB:
            if posixpath.dirname(abs_path) != dest:
                return None
            name = posixpath.basename(abs_path)
            base = posixpath.dirname(src)
            candidate = posixpath.join(base, name) if base else name
            return candidate if path_match(src, candidate) and self._exists(candidate) else None
        if kind == _DIR:
            if abs_path == dest:
                return src
            if not abs_path.startswith(prefix):
                return None
            rel = abs_path[len(prefix) :]
            candidate = rel if src == "." else f"{src}/{rel}"
            return candidate if self._exists(candidate) else None
        target = posixpath.join(dest, posixpath.basename(src)) if copied.into_dir else dest
        return src if abs_path == target and self.project.has(src) else None

    def _exists(self, rel: str) -> bool:
        return self.project.has(rel) or self.project.has_dir(rel)

    def builder_path(self, rel: str) -> str | None:
        """Where the context path rel ended up in the builder (the last copy wins)."""
        rel = posixpath.normpath(rel)
        for copied in reversed(self.copies):
            path = self._forward(copied, rel)
            if path is not None and self.context_path(path) == rel:
                return path
        return None

    def _forward(self, copied: Copied, rel: str) -> str | None:
        src, dest = copied.source, copied.dest
        if src == ".":
            return posixpath.join(dest, rel)
        if self.project.has_dir(src):
            if rel == src:
                return dest
            if rel.startswith(src + "/"):
                return posixpath.join(dest, posixpath.relpath(rel, src))
            return None
        if is_glob(src):
            ok = path_match(src, rel)
            return posixpath.join(dest, posixpath.basename(rel)) if ok else None
        if rel == src:
            return posixpath.join(dest, posixpath.basename(src)) if copied.into_dir else dest
        return None

    def context_dir(self, abs_dir: str, suffix: str) -> str | None:
        """The context directory whose files (ending in suffix) a COPY put into abs_dir."""
        whole = self.context_path(abs_dir)
        if (whole is not None and self.project.has_dir(whole)) or whole == ".":
            return whole
        for rel in sorted(self.project.context_files):
            if rel.endswith(suffix) and self.builder_path(rel) == posixpath.join(
                abs_dir, posixpath.basename(rel)
            ):
                return posixpath.dirname(rel) or "."
        return None

    def root_copy(self) -> Copied | None:
        """The first `COPY . <dest>` of the whole context, if any."""
        return next((c for c in self.copies if c.source == "."), None)


def _absolute(dest: str, state: State) -> str:
    """A WORKDIR or COPY destination as an absolute path; a relative one needs the WORKDIR.
    Cleaned as Go cleans it: `WORKDIR //` is "/", or walking up from it would never end."""
    return paths.clean(dest) if dest.startswith("/") else paths.join(state.workdir, dest)


def overlay(env: Mapping[str, str], extra: Mapping[str, str] = EMPTY) -> ChainMap[str, str]:
    """`extra` over a state's `env`, without a copy of it: env may hold every ENV of a long
    stage, and a copy per RUN or command is quadratic. Writes (`export`) go to the new map."""
    return ChainMap(dict(extra), env)  # type: ignore[arg-type]  # env is only ever read


def base_image(df: Dockerfile) -> str:
    """The first FROM's image, with global ARG defaults substituted (`golang:${GO_VERSION}`);
    as written when it names a variable without a known value."""
    image = df.stages()[0][0].args.split()[0]
    try:
        return words.process_word(image, words.lookup_in(scope.global_args(df)), df.escape)
    except Unresolved:
        return image


def run_script(ins: Instruction) -> str:
    """The shell text a RUN executes (the heredoc body for `RUN <<EOF`, the words of an
    exec-form `RUN ["go", "build"]`)."""
    if ins.heredocs and ins.args.lstrip().startswith("<<"):
        return "\n".join(h.body for h in ins.heredocs)
    if ins.args.lstrip().startswith("["):
        argv = is_exec_form(ins.args.strip())
        if argv is not None:
            return shlex.join(argv)
    return ins.args


def run_commands(ins: Instruction) -> list[shell.Command]:
    """The simple commands a RUN executes; Refuse when they cannot be read, since an unread
    RUN may build, install or create anything (never read it as doing nothing)."""
    return shell.commands(run_script(ins), f"the RUN at line {ins.start + 1}")
