"""A static model of the builder stage: where each instruction runs, with which env, and which
context paths it copied where. Recipes use it to turn what a Dockerfile says into absolute
paths in the builder's filesystem.
"""

from __future__ import annotations

import posixpath
import shlex
from typing import NamedTuple

# dockerfile-parse's own splitter understands ENV/LABEL quoting.
from dfsplit.dockerfile import shell, words
from dfsplit.dockerfile.globs import Dockerignore, is_glob, path_match
from dfsplit.dockerfile.words import is_exec_form
from dfsplit.model import Dockerfile, Instruction, Project, Refuse

# The PATH of an image that sets none (Docker's default), and of most official images.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
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


class State(NamedTuple):
    """What is in force before an instruction runs (a NamedTuple, as model.Instruction: one
    is built per instruction)."""

    workdir: str
    env: dict[str, str]  # ENV and ARG values known statically
    args: frozenset[str]  # names declared with ARG in this stage (or global)
    user: str | None


class Copied(NamedTuple):
    """One source of a COPY/ADD from the build context."""

    source: str  # context-relative, normalised; "." is the context root
    dest: str  # absolute destination
    into_dir: bool  # the source's contents (or file) land inside dest
    position: int  # index of the instruction in the stage


_GLOB, _DIR, _FILE = range(3)  # what a COPY source is: a pattern, a directory, a file


class StageModel:
    """The single stage of a naive Dockerfile, walked once."""

    def __init__(
        self,
        df: Dockerfile,
        stage: tuple[Instruction, ...],
        project: Project,
        image_env: dict[str, str],
        image_workdir: str = "/",
    ) -> None:
        self.df = df
        self.stage = stage
        self.project = project
        self.ignore = Dockerignore(project.text(".dockerignore") or "")
        self.states: list[State] = []
        self.copies: list[Copied] = []
        self.dirs: set[str] = set(BASE_DIRS)  # directories known to exist in the builder
        self._context_paths: dict[str, str | None] = {}  # context_path answers, once walked
        self._walk(image_env, image_workdir)
        # Newest copy first (the last one wins), each with what every lookup would recompute.
        self._newest_first = [
            (c, self._kind(c.source), c.dest.rstrip("/") + "/") for c in reversed(self.copies)
        ]

    # -- walking -----------------------------------------------------------------------------

    def _walk(self, image_env: dict[str, str], workdir: str) -> None:
        global_args = self._global_args()
        env = dict(image_env)
        self.dirs.add(workdir)
        state = State(workdir, env, frozenset(), None)
        for index, ins in enumerate(self.stage):
            self.states.append(state)
            state = self._step(state, ins, index, global_args)
        self.final = state

    def _global_args(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for ins in self.df.preamble():
            if ins.keyword == "ARG":
                for key, val, raw in words.parse_pairs(ins.args):
                    out[key] = val if "=" in raw else ""
        return out

    def _step(self, state: State, ins: Instruction, index: int, globals_: dict[str, str]) -> State:
        env, args = dict(state.env), set(state.args)
        workdir, user = state.workdir, state.user
        if ins.keyword == "WORKDIR":
            target = words.expand(ins.args.strip().strip('"'), env)
            if target is None:
                raise Refuse(f"WORKDIR {ins.args.strip()} uses a variable dfsplit cannot resolve")
            workdir = posixpath.normpath(posixpath.join(workdir, target))
            self.dirs.add(workdir)
        elif ins.keyword == "ENV":
            for key, val, _ in words.parse_pairs(ins.args):
                expanded = words.expand(val, env)
                env[key] = expanded if expanded is not None else val
        elif ins.keyword == "ARG":
            for key, val, raw in words.parse_pairs(ins.args):
                args.add(key)
                if "=" in raw:
                    env.setdefault(key, val)
                elif key in globals_:
                    env.setdefault(key, globals_[key])
        elif ins.keyword == "USER":
            user = ins.args.strip()
        elif ins.keyword in {"COPY", "ADD"} and ins.flag("from") is None:
            self._record_copy(ins, index, workdir, env)
        return State(workdir, env, frozenset(args), user)

    def _record_copy(self, ins: Instruction, index: int, workdir: str, env: dict[str, str]) -> None:
        if ins.heredocs:
            return
        found = words.copy_words(ins.args)
        if found is None or len(found) < 2:
            raise Refuse(f"cannot read {ins.keyword} {ins.args} (line {ins.start + 1})")
        *sources, dest = found
        dest_exp = words.expand(dest, env)
        if dest_exp is None:
            raise Refuse(f"{ins.keyword} destination {dest} uses an unknown variable")
        dest_abs = posixpath.normpath(posixpath.join(workdir, dest_exp))
        # Docker copies into dest when it ends in "/" or already is a directory (".").
        into_dir = dest_exp.endswith("/") or len(sources) > 1 or dest_abs in self.dirs
        for src in sources:
            if "://" in src:  # ADD <url>: nothing from the context
                continue
            norm = posixpath.normpath(src.lstrip("/")) if src not in (".", "./") else "."
            is_dir = norm == "." or self.project.has_dir(norm) or is_glob(norm)
            self.copies.append(Copied(norm, dest_abs, into_dir or is_dir, index))
            if into_dir or is_dir:
                self.dirs.add(dest_abs)

    # -- questions ---------------------------------------------------------------------------

    def state_at(self, ins: Instruction) -> State:
        return self.states[self.stage.index(ins)]

    def context_path(self, abs_path: str) -> str | None:
        """The context path that the builder has at abs_path (file or dir), if any."""
        # Memoised: recipes ask about the same few paths many times (runtime files, assets).
        if abs_path not in self._context_paths:
            self._context_paths[abs_path] = self._find_context_path(posixpath.normpath(abs_path))
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


def base_image(df: Dockerfile) -> str:
    """The first FROM's image, with global ARG defaults substituted (`golang:${GO_VERSION}`)."""
    stage = df.stages()[0]
    image = stage[0].args.split()[0]
    defaults: dict[str, str] = {}
    for ins in df.preamble():
        if ins.keyword == "ARG":
            defaults.update((k, v) for k, v, raw in words.parse_pairs(ins.args) if "=" in raw)
    return words.expand(image, defaults) or image


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
