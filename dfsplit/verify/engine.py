"""Every call to the Docker CLI (and the HTTP probe of a running container) lives here.

The rest of `dfsplit verify` works on the plain values these functions return, so that the
comparison logic can be tested without an engine. Builds go through BuildKit
(`DOCKER_BUILDKIT=1`), which the legacy builder would not honour for `--target` skipping.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import posixpath
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

LABEL_KEY = "dfsplit.verify"
LABEL = f"{LABEL_KEY}=1"  # on everything verify creates, so that a leftover is recognisable
RUN_LABEL_KEY = "dfsplit.verify.run"  # plus a per-run token, so cleanup never touches others
LOG_TAIL_LINES = 40
PROBE_HOST = "127.0.0.1"  # containers run on --network host; never probe any other address

LineSink = Callable[[str], None]


class EngineUnavailable(Exception):
    """`docker info` failed: no engine answers (or no docker CLI at all)."""


class EngineError(Exception):
    """A docker command that must work (inspect, run, create) failed."""


@dataclass(frozen=True)
class Build:
    ok: bool
    seconds: float
    log_tail: tuple[str, ...]


@dataclass(frozen=True)
class ImageInfo:
    size: int
    layers: int


@dataclass(frozen=True)
class ContainerState:
    running: bool
    exit_code: int


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None  # None when nothing answered
    body: str
    error: str = ""


@functools.cache  # PATH does not change during a run; a verify run calls docker many times
def _docker() -> str:
    return shutil.which("docker") or "docker"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["DOCKER_BUILDKIT"] = "1"
    return env


def _run(args: Sequence[str], *, timeout: float = 120, check: bool = True) -> str:
    """Run `docker ARGS` and return stdout; raise EngineError with stderr when it fails."""
    try:
        proc = subprocess.run(
            [_docker(), *args], capture_output=True, text=True, timeout=timeout, env=_env()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"docker {args[0]}: {exc}") from None
    if check and proc.returncode != 0:
        raise EngineError(f"docker {' '.join(args[:2])}: {proc.stderr.strip()}")
    return proc.stdout


# --- engine --------------------------------------------------------------------------------


def check_engine(timeout: float = 20) -> str:
    """The server version; raise EngineUnavailable with docker's own reason when none answers.

    `docker info` prints the client half even without a server; the JSON form carries the
    reason in ServerErrors ("Cannot connect to the Docker daemon at ...").
    """
    try:
        proc = subprocess.run(
            [_docker(), "info", "--format", "{{json .}}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineUnavailable(f"docker info: {exc}") from None
    info = _json_object(proc.stdout)
    version = str(info.get("ServerVersion") or "")
    if proc.returncode != 0 or not version:
        errors = info.get("ServerErrors") or [_error_line(proc.stderr)]
        raise EngineUnavailable(str(errors[0]) if isinstance(errors, list) else str(errors))
    return version


def _json_object(out: str) -> dict[str, object]:
    try:
        value = json.loads(out or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error_line(text: str) -> str:
    lines = [ln.strip().removeprefix("ERROR: ") for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else "docker info failed"


# --- images --------------------------------------------------------------------------------


def build(
    context: Path,
    dockerfile: Path,
    tag: str,
    *,
    labels: Sequence[str],
    target: str | None = None,
    build_args: Sequence[str] = (),
    on_line: LineSink | None = None,
    timeout: float = 1800,
    no_cache: bool = False,
) -> Build:
    """`docker build` with plain progress; streams each log line to `on_line`, keeps the tail.
    `no_cache`: no layer cache (BuildKit still keeps what cache mounts hold)."""
    args = ["build", "--progress=plain", "-f", str(dockerfile), "-t", tag]
    if no_cache:
        args.append("--no-cache")
    for label in labels:
        args += ["--label", label]
    if target:
        args += ["--target", target]
    for arg in build_args:
        args += ["--build-arg", arg]
    args.append(str(context))
    tail: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)
    start = time.monotonic()
    code = _stream([_docker(), *args], tail, on_line, timeout)
    return Build(code == 0, time.monotonic() - start, tuple(tail))


def _stream(
    cmd: list[str], tail: collections.deque[str], on_line: LineSink | None, timeout: float
) -> int:
    """Run cmd with stderr merged into stdout, feeding lines as they come; kill on timeout."""
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                tail.append(line)
                if on_line is not None:
                    on_line(line)
                if time.monotonic() > deadline:
                    tail.append(f"dfsplit: build killed after {timeout:.0f} s")
                    proc.kill()
                    break
        except BaseException:
            proc.kill()  # Ctrl-C: stop the client; the daemon cancels the build with it
            raise
        return proc.wait()


def image_config(ref: str) -> dict[str, object]:
    """The image's config as `docker image inspect` reports it (Env, Labels, WorkingDir, ...)."""
    return _json_object(_run(["image", "inspect", "-f", "{{json .Config}}", ref]))


def inspect_image(ref: str) -> ImageInfo:
    out = _run(["image", "inspect", "-f", "{{.Size}} {{len .RootFS.Layers}}", ref])
    size, layers = out.split()
    return ImageInfo(int(size), int(layers))


def layer_sizes(ref: str, timeout: float = 600) -> tuple[tuple[str, int], ...]:
    """(diff ID, uncompressed bytes) of each layer of an image, bottom first.

    `docker save` is the one API that gives per-layer sizes (history rows cannot be matched to
    layers: an empty and a zero-byte layer look alike); its tar is streamed, never stored."""
    sizes: dict[str, int] = {}
    links: dict[str, str] = {}
    small: dict[str, bytes] = {}
    with subprocess.Popen(
        [_docker(), "save", ref], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env()
    ) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                if member.issym():  # a layer saved twice is a link to the first copy
                    links[member.name] = posixpath.normpath(
                        posixpath.join(posixpath.dirname(member.name), member.linkname)
                    )
                elif member.name.endswith(".json") and member.isfile():
                    data = tar.extractfile(member)
                    small[member.name] = data.read() if data else b""
                elif member.isfile():
                    sizes[member.name] = member.size
        proc.wait(timeout=timeout)
    if proc.returncode != 0 or "manifest.json" not in small:
        raise EngineError(f"docker save {ref} failed")
    manifest = json.loads(small["manifest.json"])[0]
    config = json.loads(small[manifest["Config"]])
    files = [links.get(name, name) for name in manifest["Layers"]]
    return tuple(zip(config["rootfs"]["diff_ids"], (sizes[f] for f in files), strict=True))


def list_files(image: str, *, labels: Sequence[str], name: str) -> dict[str, str | None]:
    """Absolute path -> symlink target (None for anything else) of every entry in the image,
    read from `docker export` of a container that is created but never started, so that it
    works for scratch images without a shell."""
    args = ["create", "--name", name]
    for label in labels:
        args += ["--label", label]
    # A command is required when the image has no CMD; it is never run.
    cid = _run([*args, image, "/dfsplit-never-run"]).strip()
    try:
        return _export_names(cid)
    finally:
        remove_containers([cid])


def tree_bytes(
    image: str, directory: str, *, skip: Sequence[str], labels: Sequence[str], name: str
) -> int:
    """The size of `directory` of an image as a layer's tar holds it (a 512-byte header per
    entry, data in 512-byte blocks), leaving out entries below a directory named in `skip`."""
    args = ["create", "--name", name]
    for label in labels:
        args += ["--label", label]
    cid = _run([*args, image, "/dfsplit-never-run"]).strip()
    prefix = directory.strip("/") + "/" if directory.strip("/") else ""
    # The end marker, and a header for the directory and each one above it, which a layer
    # that adds files there holds too.
    total = 1024 + 512 * prefix.count("/")
    try:
        with subprocess.Popen(
            [_docker(), "export", cid],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(),
        ) as proc:
            assert proc.stdout is not None
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for member in tar:
                    rel = member.name.removeprefix("./")
                    inside = rel.startswith(prefix) and rel != prefix.rstrip("/")
                    if not inside or set(rel[len(prefix) :].split("/")[:-1]) & set(skip):
                        continue
                    total += 512 + (-(-member.size // 512) * 512 if member.isfile() else 0)
        if proc.returncode != 0:
            raise EngineError(f"docker export {cid} failed")
    finally:
        remove_containers([cid])
    return total


def _export_names(cid: str) -> dict[str, str | None]:
    names: dict[str, str | None] = {}
    with subprocess.Popen(
        [_docker(), "export", cid], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env()
    ) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                path = "/" + member.name.removeprefix("./").strip("/")
                names[path] = member.linkname if member.issym() else None
    if proc.returncode != 0:
        raise EngineError(f"docker export {cid} failed")
    return names


def remove_images(refs: Iterable[str]) -> None:
    refs = list(refs)
    if refs:
        _run(["rmi", "-f", *refs], check=False)


def labelled(kind: str, label: str) -> list[str]:
    """IDs of containers (kind "container") or images ("image") carrying `label`."""
    if kind == "container":
        out = _run(["ps", "-aq", "--filter", f"label={label}"], check=False)
    else:
        out = _run(["images", "-q", "--filter", f"label={label}"], check=False)
    return sorted(set(out.split()))


# --- containers ----------------------------------------------------------------------------


def start(
    image: str, *, name: str, labels: Sequence[str], env: Sequence[str], args: Sequence[str]
) -> str:
    """`docker run -d --network host`; returns the container ID."""
    cmd = ["run", "-d", "--network", "host", "--name", name]
    for label in labels:
        cmd += ["--label", label]
    for item in env:
        cmd += ["-e", item]
    return _run([*cmd, image, *args]).strip()


def state(cid: str) -> ContainerState:
    out = _run(["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", cid])
    running, code = out.split()
    return ContainerState(running == "true", int(code))


def logs(cid: str) -> tuple[str, str]:
    """(stdout, stderr) of a container, kept apart as the program wrote them."""
    try:
        proc = subprocess.run(
            [_docker(), "logs", cid],
            capture_output=True,
            text=True,
            timeout=60,
            env=_env(),
            errors="replace",
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", f"dfsplit: cannot read the logs: {exc}"
    return proc.stdout, proc.stderr


def remove_containers(refs: Iterable[str]) -> None:
    refs = list(refs)
    if refs:
        _run(["rm", "-f", "-v", *refs], check=False)


def port_in_use(port: int) -> bool:
    """Something already listens on 127.0.0.1:PORT (it would answer the probe instead)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((PROBE_HOST, port)) == 0


def http_get(port: int, path: str, timeout: float = 2.0) -> HttpAnswer:
    """GET http://127.0.0.1:PORT/PATH, bypassing any proxy settings of the environment."""
    url = f"http://{PROBE_HOST}:{port}/{path.lstrip('/')}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return HttpAnswer(resp.status, resp.read(65536).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:  # an answer all the same: 404, 500, ...
        return HttpAnswer(exc.code, exc.read(65536).decode("utf-8", "replace"))
    except (OSError, ValueError) as exc:
        return HttpAnswer(None, "", str(getattr(exc, "reason", exc)))
