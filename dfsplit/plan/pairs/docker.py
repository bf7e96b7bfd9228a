"""The docker commands of a script, given Docker's meaning: which Dockerfile built which
image, which container ran what, and which of its files reached the host (docker cp, or a
volume the container wrote into).

Container paths in `docker cp` are relative to the container's root ("compassionate_darwin:tmp/foo"
is "/tmp/foo", docker container cp reference); host paths are relative to the command's working
directory, as `docker build -f` is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import NamedTuple

from dfsplit.plan.pairs.script import Call, Step, host_path

# Flags that take a value, for the docker subcommands read here (long and short spellings).
_BUILD_VALUE = frozenset(
    [
        "-t",
        "--tag",
        "-f",
        "--file",
        "--build-arg",
        "--target",
        "--platform",
        "--network",
        "--label",
        "--cache-from",
        "--cache-to",
        "--secret",
        "--ssh",
        "--progress",
        "--iidfile",
        "--add-host",
        "--output",
        "-o",
        "--build-context",
        "--cpuset-cpus",
        "-m",
        "--memory",
        "--memory-swap",
        "--shm-size",
        "--ulimit",
        "--cgroup-parent",
        "--isolation",
        "--metadata-file",
        "--builder",
        "--attest",
        "--provenance",
        "--sbom",
    ]
)
_RUN_VALUE = frozenset(
    [
        "-v",
        "--volume",
        "-w",
        "--workdir",
        "-e",
        "--env",
        "--name",
        "--entrypoint",
        "-u",
        "--user",
        "--network",
        "--net",
        "-p",
        "--publish",
        "--mount",
        "--env-file",
        "--platform",
        "--cpus",
        "--memory",
        "-m",
        "--add-host",
        "--label",
        "-l",
        "--hostname",
        "-h",
        "--dns",
        "--tmpfs",
        "--ulimit",
        "--cap-add",
        "--cap-drop",
        "--security-opt",
        "--pull",
        "--restart",
        "--device",
        "--ipc",
        "--pid",
        "--shm-size",
        "--log-driver",
        "--log-opt",
        "--gpus",
        "--cidfile",
        "--volumes-from",
        "--link",
        "--expose",
        "--stop-signal",
        "--stop-timeout",
        "--memory-swap",
        "--cpuset-cpus",
        "--group-add",
        "--userns",
        "--uts",
        "--runtime",
        "--init-path",
        "--health-cmd",
        "--label-file",
    ]
)
_RUN_BOOL = frozenset(
    [
        "--rm",
        "-i",
        "-t",
        "-d",
        "--detach",
        "--init",
        "--privileged",
        "--read-only",
        "-q",
        "--quiet",
        "--interactive",
        "--tty",
        "-P",
        "--publish-all",
        "--no-healthcheck",
        "--sig-proxy",
    ]
)


class Build(NamedTuple):
    """`docker build`: the Dockerfile and context it read, the tags it gave."""

    call: Call
    dockerfile: str  # relative to the pairs' directory
    context: str
    tags: tuple[str, ...]
    build_args: tuple[str, ...]
    target: str | None


class Run(NamedTuple):
    """A container that ran: `docker run`, or `docker create` then `docker start`."""

    call: Call
    image: str
    command: tuple[str, ...]  # the words after the image; () runs the image's own CMD
    entrypoint: str | None  # --entrypoint
    workdir: str | None  # -w
    env: tuple[str, ...]  # -e KEY=VALUE
    volumes: tuple[tuple[str | None, str, bool], ...]  # (host path or None, container, writable)


class Export(NamedTuple):
    """Files of a container that reached the host."""

    call: Call  # the docker cp, or the docker run that wrote into a volume
    image: str
    src: str  # absolute path in the container
    dest: str  # host path, relative to the pairs' directory
    into: bool  # docker cp into an existing directory (DEST ends in / or is .)
    run: Run | None  # what ran in the container first (None: the files are in the image)
    via: str  # "docker cp" or "volume"


class Timeline(NamedTuple):
    """Everything read from one script, in the order it runs."""

    builds: tuple[Build, ...]
    exports: tuple[Export, ...]
    steps: tuple[Step, ...]
    problems: tuple[tuple[Call, str], ...]  # calls dfsplit could not read, and why
    lost: tuple[tuple[Call, str], ...] = ()  # (docker cp, image) to a host path not followed


def image_key(name: str) -> str:
    """`app` and `app:latest` are one image."""
    return name[: -len(":latest")] if name.endswith(":latest") else name


def _handle(word: str) -> str:
    """A container as scripts name it: `$id` and `${id}` are the same variable."""
    if word.startswith("${") and word.endswith("}"):
        return "$" + word[2:-1]
    return word


class _Reader:
    def __init__(self) -> None:
        self.builds: list[Build] = []
        self.exports: list[Export] = []
        self.problems: list[tuple[Call, str]] = []
        self.containers: dict[str, tuple[Run, bool]] = {}  # handle -> (its run, started)
        self.lost: list[tuple[Call, str]] = []  # docker cp to a host path dfsplit cannot follow

    def call(self, call: Call) -> None:
        argv = list(call.argv)
        if argv[:1] in (["container"], ["image"], ["buildx"]) and len(argv) > 1:
            argv = argv[1:]
        verb, args = (argv[0], argv[1:]) if argv else ("", [])
        if verb == "build":
            self._build(call, args)
        elif verb in ("run", "create"):
            self._run(call, args, started=verb == "run")
        elif verb == "start":
            self._start(call, args)
        elif verb == "cp":
            self._cp(call, args)

    def problem(self, call: Call, why: str) -> None:
        self.problems.append((call, why))

    def _build(self, call: Call, args: list[str]) -> None:
        flags, rest = _split_flags(args, _BUILD_VALUE, frozenset(), interspersed=True)
        if rest is None or len(rest) != 1:
            return self.problem(call, "docker build: cannot find the build context")
        context = host_path(call, rest[0])
        named = flags.get("-f") or flags.get("--file")
        dockerfile = host_path(call, named[-1]) if named else _join(context, "Dockerfile")
        if context is None or dockerfile is None:
            return self.problem(call, "docker build: the context or -f path is not a known path")
        tags = tuple(image_key(t) for t in flags.get("-t", []) + flags.get("--tag", []))
        target = _last(flags, "--target")
        build_args = tuple(flags.get("--build-arg", []))
        self.builds.append(Build(call, dockerfile, context, tags, build_args, target))
        return None

    def _run(self, call: Call, args: list[str], *, started: bool) -> None:
        flags, rest = _split_flags(args, _RUN_VALUE, _RUN_BOOL)
        if not rest:
            return self.problem(call, f"docker {call.argv[0]}: cannot find the image")
        volumes = [_volume(call, v) for v in flags.get("-v", []) + flags.get("--volume", [])]
        volumes += [_mount(call, m) for m in flags.get("--mount", [])]
        env = tuple(e for e in flags.get("-e", []) + flags.get("--env", []))
        workdir = _last(flags, "-w") or _last(flags, "--workdir")
        entrypoint = _last(flags, "--entrypoint")
        image = image_key(rest[0])
        run = Run(call, image, tuple(rest[1:]), entrypoint, workdir, env, tuple(volumes))
        names = flags.get("--name", [])
        for handle in [*names, *([f"${call.captured}"] if call.captured else [])]:
            self.containers[_handle(handle)] = (run, started)
        if started:
            self._volume_exports(run)
        return None

    def _start(self, call: Call, args: list[str]) -> None:
        for word in (a for a in args if not a.startswith("-")):
            found = self.containers.get(_handle(word))
            if found is not None:
                run = found[0]._replace(call=call)
                self.containers[_handle(word)] = (run, True)
                self._volume_exports(run)

    def _volume_exports(self, run: Run) -> None:
        for host, container, writable in run.volumes:
            if host is not None and writable:
                self.exports.append(
                    Export(run.call, run.image, container, host, False, run, "volume")
                )

    def _cp(self, call: Call, args: list[str]) -> None:
        words = [a for a in args if not a.startswith("-")]
        if len(words) != 2 or ":" not in words[0] or words[1] == "-":
            return None  # host -> container, or a tar stream: nothing reaches a host path
        handle, _, src = words[0].partition(":")
        found = self.containers.get(_handle(handle))
        dest = host_path(call, words[1])
        if found is not None and dest is None:
            self.lost.append((call, found[0].image))  # still a builder's product
        if found is None or dest is None:
            return self.problem(call, "docker cp: unknown container or destination")
        run, started = found
        src_abs = posixpath.normpath(posixpath.join("/", src))
        into = words[1].endswith("/") or words[1] in (".", "./")
        ran = run if started else None
        self.exports.append(Export(call, run.image, src_abs, dest, into, ran, "docker cp"))
        return None


def _last(flags: dict[str, list[str]], name: str) -> str | None:
    values = flags.get(name)
    return values[-1] if values else None


def _join(context: str | None, name: str) -> str | None:
    if context is None:
        return None
    return posixpath.normpath(posixpath.join(context, name))


def _split_flags(
    args: Sequence[str],
    with_value: frozenset[str],
    boolean: frozenset[str],
    *,
    interspersed: bool = False,
) -> tuple[dict[str, list[str]], list[str] | None]:
    """Flags (name -> values) and the positional words: from the first one on, or (for
    `docker build . -f x`, which takes flags after its context) every one of them."""
    flags: dict[str, list[str]] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if not word.startswith("-") or word == "-":
            if not interspersed:
                return flags, list(args[i:])
            positional.append(word)
            i += 1
            continue
        name, eq, value = word.partition("=")
        if eq:
            flags.setdefault(name, []).append(value)
        elif name in with_value:
            if i + 1 >= len(args):
                return flags, None
            flags.setdefault(name, []).append(args[i + 1])
            i += 1
        elif not (name in boolean or _short_bools(name, boolean) or not boolean):
            return flags, None  # an unknown flag: where its value ends is unknown
        i += 1
    return flags, positional


def _short_bools(word: str, boolean: frozenset[str]) -> bool:
    """`-it`, `-dit`: single-letter boolean flags run together."""
    return len(word) > 2 and word[1] != "-" and all(f"-{letter}" in boolean for letter in word[1:])


def _volume(call: Call, spec: str) -> tuple[str | None, str, bool]:
    parts = spec.split(":")
    if len(parts) < 2:
        return None, posixpath.normpath(spec), False  # an anonymous volume
    host, container = parts[0], parts[1]
    writable = "ro" not in (parts[2].split(",") if len(parts) > 2 else [])
    named = "/" not in host and not host.startswith(".")
    path = None if named else host_path(call, host)
    return path, posixpath.normpath(container), writable


def _mount(call: Call, spec: str) -> tuple[str | None, str, bool]:
    fields = dict(part.partition("=")[::2] for part in spec.split(","))
    if fields.get("type", "volume") != "bind":
        return None, fields.get("target", fields.get("dst", "")), False
    source = fields.get("source") or fields.get("src") or ""
    target = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
    writable = "readonly" not in fields and "ro" not in fields
    return host_path(call, source), posixpath.normpath(target), writable


def read(steps: Sequence[Step]) -> Timeline:
    """The builds, exports and problems of a script's steps."""
    reader = _Reader()
    for step in steps:
        if isinstance(step, Call):
            reader.call(step)
    return Timeline(
        tuple(reader.builds),
        tuple(reader.exports),
        tuple(steps),
        tuple(reader.problems),
        tuple(reader.lost),
    )
