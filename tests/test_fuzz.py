"""A fuzzer over `split()`: the fixtures' Dockerfiles and manifests, mutated, must give an
outcome that satisfies every property in tests/properties.py (no exception, no internal
error, a Changed output BuildKit parses with its stages and references intact, idempotence).

Deterministic (hypothesis derandomized: the same inputs on every run) and bounded (EXAMPLES
per test), so that it runs in CI on every commit. Run with `-s` to see the counts.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_helpers import requires_engine
from fixture_cases import cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties import check_outcome, split

from dfsplit.dockerfile import parser, scope, words
from dfsplit.dockerfile.words import Unresolved
from dfsplit.model import Dockerfile, Instruction, Options, Project, Refuse, Status
from dfsplit.plan import carry, images

EXAMPLES = int(os.environ.get("DFSPLIT_FUZZ_EXAMPLES", "600"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed: every run tries the same inputs
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROJECTS = [case.project() for case in cases()]
OPTIONS = [Options(), Options(tester=False), Options(gate_tests=True), Options(cache_mounts=True)]

# Lines that broke dfsplit once, or that sit on a rule's edge.
SNIPPETS = [
    "WORKDIR //",
    "WORKDIR [z-a]",
    "ENV A=trailing\\\\",
    "ARG BASE=golang:1.22\\\\",
    "RUN echo a \\",
    "# a comment \\",
    "CMD []",
    "ENTRYPOINT []",
    "HEALTHCHECK CMD []",
    "HEALTHCHECK NONE",
    "LABEL a",
    "ENV A",
    "ENV A=1 B",
    "ENV Q='single $X' R=\"double \\$Y\" S=back\\ slash",
    "ENV T=${HOME:-/root} U=$PATH",
    "ARG V=1",
    "ARG W",
    "ENV X=$V",
    "USER nobody",
    "USER 1000:1000",
    "EXPOSE 8080",
    "VOLUME /data",
    "STOPSIGNAL SIGTERM",
    "COPY . .",
    "WORKDIR /srv/app",
    "RUN <<EOF\necho hi\r\nEOF",
    "FROM scratch AS a AS b",
    "FROM golang:1.21 # base",
    "LABEL title=\x1b]0;owned\x07",
    "ONBUILD RUN make",
    'CMD ["sh", "-c", "echo $HOME"]',
    "COPY --from=alpine:3.19 /etc/os-release /etc/os-release",  # --from an image, no stage
    "SHELL sh",
]
# ENV values whose meaning hangs on BuildKit's word rules.
ENV_SNIPPETS = [
    'ENV BS="C:\\path"',
    "ENV DS=\\$HOME",
    'ENV DB="a\\\\b"',
    "ENV BT=a`$b",
    "ENV SQ='it is $HOME'",
    "ENV TB=trailing\\\\",
    'ENV MIX=a"b c"d',
    "ENV E1=1 E2=$E1",
    "ARG V=2",
    "ENV LEGACY version $V built",  # the legacy form, with a variable (issue 16)
]
SNIPPETS += ENV_SNIPPETS
# Characters that change how a line is read.
CHARS = [*"\\'\"$`#=[]{} \t\r:-/*?é\x00", "\x1b", "\u2028", "\ufeff"]


@st.composite
def mutated(draw: st.DrawFn, env_lines: int = 0) -> tuple[Project, Options]:
    project = draw(st.sampled_from(PROJECTS))
    lines = project.dockerfile.decode("utf-8", "replace").split("\n")
    for _ in range(env_lines):  # after the first FROM, where the builder sets them
        first = next((i for i, ln in enumerate(lines) if ln.upper().startswith("FROM")), 0)
        at = draw(st.integers(first + 1, max(len(lines), first + 1)))
        lines = [*lines[:at], draw(st.sampled_from(ENV_SNIPPETS)), *lines[at:]]
    for _ in range(draw(st.integers(1, 4))):
        lines = draw(st.sampled_from(LINE_MUTATIONS))(draw, lines)
    text = "\n".join(lines)
    text = draw(st.sampled_from(FILE_MUTATIONS))(text)
    contents = dict(project.contents)
    if contents and draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from(sorted(contents)))
        contents[name] = _mutate_bytes(draw, contents[name])
    mutant = project._replace(dockerfile=text.encode("utf-8", "surrogatepass"), contents=contents)
    return mutant, draw(st.sampled_from(OPTIONS))


Lines = list[str]


def _insert_snippet(draw: st.DrawFn, lines: Lines) -> Lines:
    at = draw(st.integers(0, len(lines)))
    return [*lines[:at], draw(st.sampled_from(SNIPPETS)), *lines[at:]]


def _delete(draw: st.DrawFn, lines: Lines) -> Lines:
    at = draw(st.integers(0, max(len(lines) - 1, 0)))
    return lines[:at] + lines[at + 1 :]


def _duplicate(draw: st.DrawFn, lines: Lines) -> Lines:
    at = draw(st.integers(0, max(len(lines) - 1, 0)))
    return lines[: at + 1] + lines[at:]


def _swap(draw: st.DrawFn, lines: Lines) -> Lines:
    if len(lines) < 2:
        return lines
    a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines = list(lines)
    lines[a], lines[b] = lines[b], lines[a]
    return lines


def _insert_char(draw: st.DrawFn, lines: Lines) -> Lines:
    if not lines:
        return lines
    n = draw(st.integers(0, len(lines) - 1))
    line = lines[n]
    at = draw(st.integers(0, len(line)))
    lines = list(lines)
    lines[n] = line[:at] + draw(st.sampled_from(CHARS)) + line[at:]
    return lines


LINE_MUTATIONS: list[Callable[[st.DrawFn, Lines], Lines]] = [
    _insert_snippet,
    _insert_snippet,
    _delete,
    _duplicate,
    _swap,
    _insert_char,
    _insert_char,
]
FILE_MUTATIONS: list[Callable[[str], str]] = [
    lambda text: text,
    lambda text: text.replace("\n", "\r\n"),  # CRLF
    lambda text: text.rstrip("\n"),  # no final newline
    lambda text: "\ufeff" + text,  # BOM
    lambda text: "# escape=`\n" + text,
]


def _mutate_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    cut = draw(st.sampled_from([b"", b"{", b"[", b'"', b"\\", b"\n", b"<", b"\x00"]))
    return data[:at] + cut + data[at + draw(st.integers(0, 3)) :]


def test_fuzz_split_outcomes() -> None:
    counts: Counter[str] = Counter()

    @SETTINGS
    @given(mutated())
    def run(case: tuple[Project, Options]) -> None:
        project, options = case
        outcome = split(project, options)
        counts[outcome.status.value] += 1
        check_outcome(project, outcome, options)

    run()
    print(
        f"\nfuzz: {sum(counts.values())} inputs, "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    # A fuzzer that only ever meets refusals proves nothing about the rewrites.
    assert counts[Status.CHANGED.value] >= EXAMPLES // 5, counts


def test_fuzz_runtime_env_equals_builder_env() -> None:
    """Every ENV the runtime stage sets has the value the builder had, as BuildKit reads both
    (scope.stage_env, each stage on its base image's ENV from plan/images.py)."""
    counts: Counter[str] = Counter()

    @SETTINGS
    @given(mutated(env_lines=3))
    def run(case: tuple[Project, Options]) -> None:
        project, options = case
        outcome = split(project, options)
        if outcome.status is not Status.CHANGED:
            return
        counts[_compare_envs(parser.parse(outcome.new))] += 1

    run()
    print("\nfuzz ENV: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    assert counts["compared"] >= EXAMPLES // 10, counts


# A value that depends on the image's tag (images.py: None): a builder value holding it is
# not compared, since dfsplit cannot know it either.
UNKNOWN = "\x00unknown:"


def _compare_envs(df: Dockerfile) -> str:
    """Assert the runtime's own ENV values equal the builder's; say what was done."""
    names = {_from_words(stage[0])[2:3] for stage in df.stages()}
    if (_image(df, -1).lower(),) in names:
        return "runtime on a stage"  # it inherits that stage's ENV as it is
    try:
        builder = scope.stage_env(df, 0, _image_env(df, 0))
        runtime = scope.stage_env(df, -1, _image_env(df, -1))
        own = scope.stage_env(df, -1, {})  # the names the runtime stage sets itself
    except (Unresolved, Refuse):
        return "not evaluated"  # a pattern form, or a value BuildKit fails the build on
    for name in own.keys() - carry.GENERIC_BUILD_ENV:  # never carried: the runtime's own PATH
        if name in builder and UNKNOWN not in builder[name]:
            assert runtime[name] == builder[name], (name, builder[name], runtime[name])
    return "compared"


def _from_words(ins: Instruction) -> tuple[str, ...]:
    """A FROM's words after its flags, lower case: (image, "as", name) or (image,)."""
    return tuple(w.lower() for w in ins.args.split() if not w.startswith("--"))


def _image(df: Dockerfile, index: int) -> str:
    image = (_from_words(df.stages()[index][0]) or ("",))[0]
    known = words.lookup_in(scope.global_args(df, unknown=False))
    try:
        return words.process_word(image, known, df.escape)
    except (Unresolved, Refuse):
        return image


def _image_env(df: Dockerfile, index: int) -> dict[str, str]:
    found = images.defaults(_image(df, index))
    env = found.env if found is not None else {}
    return {k: v if v is not None else UNKNOWN + k for k, v in env.items()}


@pytest.mark.engine
@requires_engine()
def test_env_evaluator_agrees_with_the_engine(tmp_path: Path) -> None:
    """scope.stage_env reads the fuzzer's ENV snippets as the engine's BuildKit does."""
    for head in ("", "# escape=`\n"):
        text = head + "FROM alpine\n" + "\n".join(ENV_SNIPPETS) + "\n"
        df = parser.parse(text.encode())
        expected = scope.stage_env(df, -1, _image_env(df, -1))
        built = _built_env(text, tmp_path)
        for name, value in expected.items():
            assert built.get(name) == value, (head, name)


def _built_env(text: str, context: Path) -> dict[str, str]:
    tag = "dfsplit-test-env-evaluator"
    subprocess.run(
        ["docker", "build", "-q", "-t", tag, "-f", "-", str(context)],
        input=text.encode(),
        check=True,
        capture_output=True,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
    )
    try:
        done = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{json .Config.Env}}", tag],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True)
    return dict(item.split("=", 1) for item in json.loads(done.stdout))
