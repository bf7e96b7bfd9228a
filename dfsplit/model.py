"""Frozen values that flow through the pipeline: read -> parse -> detect -> plan -> render.

Everything here is picklable so that a process pool can map `plan.pipeline.split` over many files.
Values are NamedTuples: as immutable as frozen dataclasses, and much cheaper to define and
to build. On the 2-core benchmark VM a dataclass takes over a millisecond to define (its methods
are generated and compiled at import), a NamedTuple a tenth of that: every start of dfsplit pays
for each class it imports. The two with a cached_property (Dockerfile, Project) subclass a
NamedTuple of their fields: the subclass has a __dict__ for the cache, the fields stay read-only.
"""

# No `from __future__ import annotations` in this module: typing.NamedTuple compiles each
# string annotation into a ForwardRef when the class is made, which for the fields below was
# 1 % of a cold start. Every annotation here names a type defined above it.
import enum
from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple


class Refuse(Exception):
    """Raised deep in the pipeline when a file is not safe to rewrite; becomes a refused Outcome."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadDockerfile(Refuse):
    """The file is no Dockerfile Docker would build either (binary, empty, an unknown
    instruction): bad input, so a failed file (exit 123), not a refusal."""


class InternalError(Exception):
    """dfsplit's check of its own output failed: a bug, reported as a failed file (exit 123)."""


class NothingToDo(Exception):
    """Raised when a file needs no split (no build step); becomes an unchanged Outcome."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The largest Dockerfile dfsplit reads or parses (1 MiB): real ones are a few KiB.
MAX_DOCKERFILE_BYTES = 1 << 20

# The default of a Mapping field: shared, so it must never change (a read-only view ensures it).
EMPTY: Mapping[str, Any] = MappingProxyType({})


# --- parsing -------------------------------------------------------------------------------


class Heredoc(NamedTuple):
    """The body of one `<<NAME` heredoc attached to an instruction."""

    name: str
    body: str


class Instruction(NamedTuple):
    """One Dockerfile instruction and the physical lines it spans (end is exclusive).

    A fleet run builds tens of thousands of them: as a NamedTuple one costs about 0.7 us to
    build, as a frozen dataclass 2.7 us.
    """

    keyword: str  # upper-case: FROM, RUN, ...
    value: str  # arguments on one line: continuations joined, inner comments dropped
    flags: tuple[str, ...]  # leading --flags, e.g. ("--from=builder",)
    args: str  # value without the leading flags
    start: int
    end: int
    heredocs: tuple[Heredoc, ...] = ()
    lowercase: bool = False  # the keyword was written in lower case

    def flag(self, name: str) -> str | None:
        """Value of `--name=value`, or None."""
        prefix = f"--{name}="
        for item in self.flags:
            if item.startswith(prefix):
                return item[len(prefix) :]
        return None


class _DockerfileFields(NamedTuple):
    lines: tuple[str, ...]  # physical lines, each with its own line ending (the last may lack one)
    instructions: tuple[Instruction, ...]
    directives: tuple[tuple[str, str], ...]  # leading parser directives, (name, value)
    bom: bool
    newline: str  # the dominant line ending: "\n" or "\r\n"
    escape: str = "\\"


class Dockerfile(_DockerfileFields):
    """A parsed Dockerfile that still holds its exact original text."""

    @property
    def final_newline(self) -> bool:
        return bool(self.lines) and self.lines[-1].endswith("\n")

    def stages(self) -> tuple[tuple[Instruction, ...], ...]:
        """Instructions grouped by FROM; instructions before the first FROM are dropped."""
        return self._stages

    @cached_property
    def _stages(self) -> tuple[tuple[Instruction, ...], ...]:  # asked for several times a file
        groups: list[list[Instruction]] = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                groups.append([])
            if groups:
                groups[-1].append(ins)
        return tuple(tuple(g) for g in groups)

    def previous_end(self, ins: Instruction) -> int:
        """Where the instruction before `ins` ends (0 for the first): a lookup, not a scan,
        since edits ask it for every instruction they move."""
        index = self._index_of_start[ins.start]
        return self.instructions[index - 1].end if index else 0

    @cached_property
    def _index_of_start(self) -> dict[int, int]:
        return {ins.start: i for i, ins in enumerate(self.instructions)}

    def preamble(self) -> tuple[Instruction, ...]:
        """Instructions before the first FROM (global ARGs)."""
        out: list[Instruction] = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                break
            out.append(ins)
        return tuple(out)


# --- input ---------------------------------------------------------------------------------


class _ProjectFields(NamedTuple):
    path: str  # the Dockerfile as shown to the user
    dockerfile: bytes
    context_files: frozenset[str]  # posix paths relative to the build context, files only
    contents: Mapping[str, bytes] = EMPTY  # small files recipes asked for
    dockerfile_name: str = "Dockerfile"  # path of the Dockerfile relative to the context


class Project(_ProjectFields):
    """What the IO edge read for one Dockerfile: its bytes and a snapshot of its build context."""

    def has(self, rel: str) -> bool:
        return rel in self.context_files

    def has_dir(self, rel: str) -> bool:
        return rel.rstrip("/") in self.directories

    @cached_property
    def directories(self) -> frozenset[str]:
        """Every directory that holds a context file (computed once: recipes ask often)."""
        out: set[str] = set()
        for path in self.context_files:
            parts = path.split("/")[:-1]
            out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return frozenset(out)

    def text(self, rel: str) -> str | None:
        """Decoded content of a file the IO edge read, or None."""
        raw = self.contents.get(rel)
        if raw is None:
            return None
        return raw.decode("utf-8", errors="replace")


class Options(NamedTuple):
    runtime_image: str | None = None  # forced for every file (--runtime)
    tester: bool = True
    gate_tests: bool = False
    cache_mounts: bool | None = None  # None: when the repository already uses BuildKit
    # Organisation policy (config files): runtime image per recipe name or language,
    # a registry mirror prefix for the images dfsplit picks, the runtime uid[:gid],
    # and a directory of templates overriding the built-in ones.
    runtime_images: tuple[tuple[str, str], ...] = ()
    registry_prefix: str | None = None
    uid: str | None = None
    template_dir: str | None = None
    # Leave out what the original WORKDIR had when dfsplit cannot tell what the app reads.
    lean: bool = False
    # Builder-pattern pairs: delete the merged build file, simplify the script (--prune).
    prune: bool = False

    def runtime_for(self, recipe: str, language: str) -> str | None:
        """The runtime image policy asks for this recipe, if any."""
        if self.runtime_image:
            return self.runtime_image
        by_key = dict(self.runtime_images)
        return by_key.get(recipe) or by_key.get(language)


# --- planning ------------------------------------------------------------------------------


class Edit(NamedTuple):
    """Replace original lines [start, end) with text (lines joined by "\\n", may be empty)."""

    start: int
    end: int
    text: str


class CopyStep(NamedTuple):
    """`COPY --from=<stage> <src> <dest>` in the runtime stage (made by tokens.copy_step)."""

    stage: str
    src: str  # absolute, normalised
    dest: str  # absolute, normalised
    args: str  # source and destination as Dockerfile tokens
    chown: str | None = None


class TesterStage(NamedTuple):
    """`FROM builder AS tester` (made by plan.tester.tester_stage)."""

    commands: tuple[str, ...]  # each becomes one RUN (shell form)
    workdir: str | None = None
    args: tuple[str, ...] = ()  # ARGs re-declared because the commands use them
    comment: tuple[str, ...] = ()  # "# ..." lines: without tests, what the commands check


class RuntimeStage(NamedTuple):
    """The final stage. Every string is already a valid Dockerfile token or instruction."""

    image: str
    args: tuple[str, ...] = ()  # ARG declarations re-declared for this stage
    env: tuple[str, ...] = ()  # "KEY=value" tokens, one ENV line each
    run: tuple[str, ...] = ()  # RUN commands (only on images with a shell)
    copies: tuple[CopyStep, ...] = ()
    checks: tuple[str, ...] = ()  # RUN commands after the copies: checks of what was copied
    app_copies: tuple[CopyStep, ...] = ()  # the app's own files, after the checks
    workdir: str | None = None
    carried: tuple[str, ...] = ()  # instructions carried verbatim (LABEL, EXPOSE, VOLUME, ...)
    user: str | None = None
    start_comment: str = ""  # the user's comment above the original CMD/ENTRYPOINT
    entrypoint: str | None = None  # exec-form JSON array, or shell form on shell images
    cmd: str | None = None
    platform: str | None = None  # the builder's constant --platform, for the runtime's FROM


class PairFindings(NamedTuple):
    """A builder-pattern pair merged into the runtime file (see dfsplit.plan.pairs)."""

    build_file: str  # relative to the runtime file's build context
    told_by: tuple[str, ...]  # what says the two files are a pair (cited script lines)
    mapping: tuple[tuple[str, str], ...]  # (host path, path in the builder) of each artifact
    leftovers: tuple[str, ...] = ()  # files and script lines the merge leaves unused
    pruned: tuple[str, ...] = ()  # what --prune changed
    not_pruned: tuple[str, ...] = ()  # what --prune could not simplify, and why


class Findings(NamedTuple):
    """What was detected and decided; shown by `detect`, `--json` and reports."""

    recipe: str
    language: str
    framework: str | None = None
    builder_image: str | None = None
    runtime_image: str | None = None
    artifact: str | None = None  # absolute path in the builder
    runtime_artifact: str | None = None  # where the runtime holds it, when that path differs
    test_command: str | None = None
    runtime_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # why each decision was made
    warnings: tuple[str, ...] = ()  # what a reviewer must check
    pair: PairFindings | None = None  # set when a builder-pattern pair was merged


class FileChange(NamedTuple):
    """Another existing file of the same change (a merged pair's build file, its script)."""

    rel: str  # relative to the build context; may climb out of it, never out of the root
    old: bytes
    new: bytes | None  # None: the file is deleted


class NewFile(NamedTuple):
    """A file the rewrite adds next to the Dockerfile (e.g. an nginx config)."""

    rel: str  # relative to the build context
    text: str


class FileTemplate(NamedTuple):
    """A file the plan adds, before rendering: render.new_files turns it into a NewFile."""

    rel: str  # relative to the build context
    template: str  # a template under templates/
    values: Mapping[str, object] = EMPTY


class Plan(NamedTuple):
    findings: Findings
    template: str
    edits: tuple[Edit, ...]  # minimal edits to the original text (builder stage)
    runtime: RuntimeStage
    tester: TesterStage | None = None
    artifact_stage: str = "builder"  # "tester" with --gate-tests
    required_paths: tuple[str, ...] = ()  # runtime paths the start command needs
    extra: Mapping[str, object] = EMPTY  # recipe-specific template values
    new_files: tuple[FileTemplate, ...] = ()


# --- recipes -------------------------------------------------------------------------------


class Detection(NamedTuple):
    """A recipe's claim on a project, with why."""

    framework: str | None = None
    why: tuple[str, ...] = ()


# --- outcome -------------------------------------------------------------------------------


class Status(str, enum.Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # discovery: not an image of the app (.devcontainer/, examples/, ...)
    REFUSED = "refused"  # not safe to rewrite: an outcome, reported with its reason
    FAILED = "failed"  # bad input or an internal error


class Outcome(NamedTuple):
    path: str
    status: Status
    old: bytes = b""
    new: bytes = b""
    reason: str = ""
    findings: Findings | None = None
    new_files: tuple[NewFile, ...] = ()
    changes: tuple[FileChange, ...] = ()  # other files changed or deleted with this one
