"""The IO edge: read Dockerfiles and their build context safely, write results atomically.

The pipeline works on the bytes and strings this module reads. The other IO edges are fleet/
(walks, config files, patches) and verify/ (Docker and its scratch space, made here).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from dfsplit.dockerfile.globs import globs_regex
from dfsplit.model import MAX_DOCKERFILE_BYTES, NewFile, Project

# VCS data and installed dependencies: a build context's snapshot does not list them, the copy
# of a context that `dfsplit verify` builds leaves them out, and a walk does not enter them.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
# A walk for Dockerfiles also skips tool caches and build outputs: no app image is defined in
# them. `build/` is left to .gitignore on purpose: the golang-standards layout keeps real
# Dockerfiles in build/package/.
WALK_SKIP_DIRS = SKIP_DIRS | {
    "vendor",
    "bower_components",
    "venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "dist",
    "target",
    ".next",
    ".nuxt",
    ".gradle",
    ".terraform",
    ".dfsplit",
}
_TEMP_SUFFIX = ".dfsplit-tmp"
_UMASK_LOCK = threading.Lock()


class FileError(Exception):
    """A file cannot be read or written; str() is a one-line message naming file and reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


# --- reading ---------------------------------------------------------------------------------


def resolve_within(
    path: Path, root: Path, real: str | None = None, real_root: str | None = None
) -> Path:
    """Resolve symlinks in `path`; refuse a result outside `root` (itself resolved). `real` and
    `real_root` are their realpaths when the caller already knows them (a fleet run learns
    them while walking and planning)."""
    resolved = real or os.path.realpath(path)
    base = real_root or os.path.realpath(root)
    if resolved != base and not resolved.startswith(base.rstrip(os.sep) + os.sep):
        raise FileError(path, f"resolves to {resolved}, outside {root}")
    return Path(resolved)


def read_dockerfile(
    path: Path, *, root: Path | None = None, limit: int = MAX_DOCKERFILE_BYTES
) -> bytes:
    """Return the raw bytes of a regular file inside `root` (default: the file's directory)."""
    return read_resolved(path, root=root, limit=limit)[0]


def read_resolved(
    path: Path,
    *,
    root: Path | None = None,
    limit: int = MAX_DOCKERFILE_BYTES,
    real: str | None = None,
    real_root: str | None = None,
) -> tuple[bytes, Path]:
    """`read_dockerfile`, plus the resolved path that a later write must target."""
    resolved = resolve_within(path, path.parent if root is None else root, real, real_root)
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        raise FileError(path, "no such file") from None
    except OSError as exc:
        raise FileError(path, _reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise FileError(path, "is a directory, not a Dockerfile")
    # Opening a FIFO or device could block forever or read without end.
    if not stat.S_ISREG(info.st_mode):
        raise FileError(path, "is not a regular file")
    try:
        read = _read_regular(str(resolved), limit + 1)
    except OSError as exc:
        raise FileError(path, _reason(exc)) from None
    if read is None:  # replaced by something else since the stat above
        raise FileError(path, "is not a regular file")
    data, size = read
    if size > limit:
        raise FileError(path, f"is {size} bytes, over the {limit}-byte limit")
    return data, resolved


# O_NONBLOCK: a FIFO swapped in after the caller looked must not block the open; O_NOFOLLOW
# (when asked): nor may a symlink lead the read elsewhere. Missing flags (Windows) are 0.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_regular(path: str, most: int, *, follow: bool = True) -> tuple[bytes, int] | None:
    """(contents, size) of a regular file: the size is the larger of the size at open and the
    bytes read (it may grow meanwhile); nothing is read when it holds `most` bytes or more.
    None when it is not a regular file.

    Plain os calls: open, fstat, read, close. open() would add an isatty ioctl, a seek and
    two buffer objects to each of the thousands of small files a fleet run reads.
    """
    fd = os.open(path, _OPEN_FLAGS | (0 if follow else _NO_FOLLOW))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size >= most:
            return b"", info.st_size
        chunks: list[bytes] = []
        size = 0
        while size < most:
            # What is left and one byte more, which a short read shows is not there (os.read
            # allocates all it is asked for: asking for `most` would cost a MiB per file).
            # Past the size seen at open, the file grew: read on in one piece.
            left = info.st_size + 1 - size
            want = min(most - size, left if left > 0 else most)
            chunk = os.read(fd, want)
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < want:
                break  # the end of the file
        return b"".join(chunks), max(size, info.st_size)
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def read_small_file(path: Path, limit: int = MAX_DOCKERFILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (a config file): a FIFO or device
    is refused, never opened in a way that could block."""
    if os.path.isdir(path):
        raise FileError(path, "is a directory")
    try:
        read = _read_regular(os.fspath(path), limit + 1)
    except OSError as exc:
        raise FileError(path, _reason(exc)) from None
    if read is None:
        raise FileError(path, "is not a regular file")
    if read[1] > limit:
        raise FileError(path, f"is {read[1]} bytes, over the {limit}-byte limit")
    return read[0]


# --- build context ---------------------------------------------------------------------------


def snapshot_context(
    context_dir: Path,
    patterns: Sequence[str],
    *,
    max_files: int = 20000,
    max_bytes: int = 262144,
) -> tuple[frozenset[str], dict[str, bytes]]:
    """List the build context and read the small files that match `patterns`.

    Returns every file's posix path relative to `context_dir` (symlinks included, symlinked
    directories not entered, SKIP_DIRS skipped at any depth) and the contents of the regular,
    non-symlink files of at most `max_bytes` whose path matches a pattern (see `globs`).
    Listing stops silently after `max_files` paths, in sorted breadth-first order, so a
    huge context yields a partial but deterministic snapshot.
    """
    if not os.path.isdir(context_dir):
        raise FileError(context_dir, "build context is not a directory")
    names: list[str] = []
    contents: dict[str, bytes] = {}
    wanted = globs_regex(tuple(patterns))
    base = os.fspath(context_dir)  # strings, not Paths, in the loop: it runs for every file
    pending = [""]
    while pending and len(names) < max_files:
        rel_dir = pending.pop(0)
        for entry in _sorted_entries(os.path.join(base, rel_dir) if rel_dir else base):
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS:
                    pending.append(rel)
                continue
            names.append(rel)
            if wanted.match(rel):
                data = _read_small(entry, max_bytes)
                if data is not None:
                    contents[rel] = data
            if len(names) >= max_files:
                break
    return frozenset(names), contents


def _sorted_entries(directory: str) -> list[os.DirEntry[str]]:
    """Directory entries sorted by name; an unreadable directory counts as empty."""
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _read_small(entry: os.DirEntry[str], max_bytes: int) -> bytes | None:
    """Contents of a regular file no larger than max_bytes; None for anything else."""
    if not entry.is_file(follow_symlinks=False):
        return None  # a symlink could point outside the context
    try:
        read = _read_regular(entry.path, max_bytes + 1, follow=False)
    except OSError:
        return None
    return read[0] if read is not None and read[1] <= max_bytes else None


# --- writing ---------------------------------------------------------------------------------


class _Prepared(NamedTuple):
    """A filled temp file waiting to replace (or create) its target; no temp file: the
    target is to be deleted."""

    target: Path
    temp: Path | None
    expected_old: bytes | None


def write_atomic(path: Path, data: bytes, *, expected_old: bytes | None) -> None:
    """Replace `path` with `data` atomically, only if it still holds `expected_old`.

    `expected_old=None` creates a new file and refuses an existing one. A symlink is written
    through to its target (the caller has checked that the target stays inside the root).
    """
    write_all([(path, data, expected_old)])


def write_all(
    changes: Sequence[tuple[Path, bytes | None, bytes | None]], root: str | None = None
) -> None:
    """Write (or, for data None, delete) several files so that none is half-written; with
    `root` (resolved), each must still resolve inside it now, at write time (a directory
    swapped for a symlink since the files were read must not lead the write out of the tree).

    All temp files are created and filled first, then every target is re-checked against its
    expected old bytes, and only then is each one replaced. Any failure before the replace
    step removes every temp file and leaves all targets untouched. Each replace is atomic on
    its own; an OS error between two of them (rare: same directory, space already used) can
    leave the earlier targets written, and is raised as FileError naming the failed one.
    """
    prepared: list[_Prepared] = []
    try:
        for path, data, expected_old in changes:
            prepared.append(_prepare(path, data, expected_old, prepared, root))
        for item in prepared:
            _check_unchanged(item)
        for item in prepared:
            _commit(item)
            _fsync_dir(item.target.parent)
    finally:
        for item in prepared:
            if item.temp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(item.temp)


def _prepare(
    path: Path,
    data: bytes | None,
    expected_old: bytes | None,
    earlier: list[_Prepared],
    root: str | None,
) -> _Prepared:
    """Check the target, then write `data` to a temp file beside it with the target's mode."""
    target = Path(os.path.realpath(path))
    if root is not None:
        resolve_within(path, Path(root), str(target), root)
    if any(item.target == target for item in earlier):
        raise FileError(path, "listed twice in one write")
    info = _target_stat(path, target, expected_old)
    if data is None:
        if expected_old is None:
            raise FileError(path, "nothing to delete")
        return _Prepared(target, None, expected_old)
    try:
        fd, temp_name = tempfile.mkstemp(dir=_parent(path, target), prefix=".", suffix=_TEMP_SUFFIX)
    except OSError as exc:
        raise FileError(path, f"cannot create a temp file: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            _copy_owner_and_mode(handle.fileno(), info)
    except BaseException as exc:
        os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise FileError(path, _reason(exc)) from None
        raise
    return _Prepared(target, Path(temp_name), expected_old)


def _parent(path: Path, target: Path) -> Path:
    if not target.parent.is_dir():
        raise FileError(path, f"directory {target.parent} does not exist")
    return target.parent


def _target_stat(path: Path, target: Path, expected_old: bytes | None) -> os.stat_result | None:
    """stat() of the file to be replaced; None when creating. Refuses read-only targets."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        if expected_old is not None:
            raise FileError(path, "was removed since it was read; not written") from None
        return None
    if expected_old is None:
        raise FileError(path, "already exists; not overwritten")
    if not stat.S_ISREG(info.st_mode):
        raise FileError(path, "is not a regular file; not overwritten")
    # root ignores permission bits, so honour the user's "read-only" intent explicitly.
    if info.st_mode & 0o222 == 0:
        raise FileError(path, "is read-only")
    return info


def _copy_owner_and_mode(fd: int, info: os.stat_result | None) -> None:
    """Give the temp file the mode (and, if allowed, owner) that the replaced file had."""
    if info is None:
        os.fchmod(fd, 0o666 & ~_current_umask())  # what open(path, "w") would have given
        return
    if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, info.st_uid, info.st_gid)
    os.fchmod(fd, stat.S_IMODE(info.st_mode))


def _current_umask() -> int:
    # The only portable way to read the umask is to set it; the lock keeps our threads from
    # seeing the temporary 0 value.
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _check_unchanged(item: _Prepared) -> None:
    """Refuse to overwrite a file that someone else changed after we read it."""
    if item.expected_old is None:
        if os.path.lexists(item.target):
            raise FileError(item.target, "appeared on disk since it was checked; not overwritten")
        return
    try:
        with open(item.target, "rb") as handle:
            current = handle.read(len(item.expected_old) + 1)
    except OSError as exc:
        raise FileError(item.target, _reason(exc)) from None
    if current != item.expected_old:
        raise FileError(item.target, "changed on disk since it was read; not overwritten")


def _commit(item: _Prepared) -> None:
    """Move the temp file into place; an OSError here leaves earlier targets already written."""
    try:
        _move_into_place(item)
    except OSError as exc:
        raise FileError(item.target, _reason(exc)) from None


def _move_into_place(item: _Prepared) -> None:
    if item.temp is None:
        os.unlink(item.target)  # checked unchanged just before
        return
    if item.expected_old is not None:
        os.replace(item.temp, item.target)
        return
    # A hard link fails if the name exists, so a new file never clobbers one made meanwhile.
    try:
        os.link(item.temp, item.target)
    except FileExistsError:
        raise FileError(item.target, "appeared on disk meanwhile; not overwritten") from None
    except OSError:
        os.replace(item.temp, item.target)  # filesystem without hard links


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; best effort, some filesystems refuse fsync on directories."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- projects ------------------------------------------------------------------------------


def _relative_name(dockerfile: Path, context: Path) -> str:
    """The Dockerfile's path relative to the context, posix style (most often just its name)."""
    if dockerfile.parent == context:
        return dockerfile.name
    return os.path.relpath(dockerfile, context).replace(os.sep, "/")


def shown_path(path: Path, cwd: str | None = None) -> str:
    """A path as the user should see it: relative to the working directory when inside it.
    Callers showing many paths pass `cwd` (os.getcwd()) to look it up once."""
    if ".." not in path.parts:  # a Path is normalised otherwise: what relpath says, cheaply
        text = str(path)
        if not path.is_absolute():
            return text
        base = cwd or os.getcwd()
        if text == base:
            return "."
        prefix = base if base.endswith(os.sep) else base + os.sep
        return text[len(prefix) :] if text.startswith(prefix) else text
    try:
        rel = os.path.relpath(path, cwd or os.getcwd())
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


DOCKERFILE_NAMES = ("Dockerfile", "Containerfile", "dockerfile", "containerfile")


def find_dockerfile(target: Path) -> Path:
    """The Dockerfile a PATH argument names: the file itself, or one inside the directory."""
    if target.is_dir():
        for name in DOCKERFILE_NAMES:
            if (target / name).is_file() or (target / name).is_symlink():
                return target / name
        raise FileError(target, "no Dockerfile or Containerfile in this directory")
    if not target.exists() and not target.is_symlink():
        raise FileError(target, "no such file or directory")
    return target


def load_project(
    dockerfile: Path,
    *,
    context: Path | None = None,
    root: Path | None = None,
    shown: str = "",
    real: str | None = None,
    real_root: str | None = None,
) -> tuple[Project, Path]:
    """Read one Dockerfile and a snapshot of its build context (the IO half of the pipeline);
    `real`, `real_root`: the realpaths of the Dockerfile and root, when already known."""
    from dfsplit.plan.detect import wanted_patterns

    context = context or dockerfile.parent
    root = root or dockerfile.parent
    raw, resolved = read_resolved(dockerfile, root=root, real=real, real_root=real_root)
    names, contents = snapshot_context(context, wanted_patterns())
    project = Project(
        path=shown or str(dockerfile),
        dockerfile=raw,
        context_files=names,
        contents=contents,
        dockerfile_name=_relative_name(dockerfile, context),
    )
    return project, resolved


# --- scratch space for `dfsplit verify` -------------------------------------------------------


def temp_dir(prefix: str) -> Path:
    """A new private directory under the system's temp directory."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def stage_rewrite(
    into: Path, dockerfile: bytes, context: Path, new_files: Sequence[NewFile]
) -> tuple[Path, Path]:
    """The rewritten Dockerfile written into `into`, and the context to build it in: the
    original one, or a copy (without SKIP_DIRS) that holds the files the rewrite adds."""
    new_ctx = context
    if new_files:
        new_ctx = into / "context"
        shutil.copytree(context, new_ctx, symlinks=True, ignore=shutil.ignore_patterns(*SKIP_DIRS))
        for new in new_files:
            target = new_ctx / new.rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(new.text, encoding="utf-8")
    new_df = into / "Dockerfile.rewrite"
    new_df.write_bytes(dockerfile)
    return new_df, new_ctx


# Kernel interfaces, not storage: a report or patch written there is lost or does harm.
PSEUDO_FILESYSTEMS = ("/proc", "/sys", "/dev")


def check_output_file(path: Path) -> None:
    """Raise FileError unless `path` can take a file dfsplit writes at the end of a run (a
    report): a regular file or none, in an existing, writable directory, on real storage.
    Checked before the run, so that a bad path fails before anything is written."""
    _check_storage(path)
    info = _stat_or_none(path)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise FileError(path, "is a directory")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FileError(path, "is not a regular file")
    _check_writable_dir(path.parent, path)


def check_output_dir(path: Path) -> None:
    """Raise FileError unless `path` is, or can be made as, a writable directory (--patch-dir);
    nothing is created here."""
    _check_storage(path)
    info = _stat_or_none(path)
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            raise FileError(path, "is not a directory")
        _check_writable_dir(path, path)
        return
    existing = path.parent
    while _stat_or_none(existing) is None and existing != existing.parent:
        existing = existing.parent
    _check_writable_dir(existing, path)


def check_replaceable(paths: Sequence[Path]) -> None:
    """Raise FileError when one of `paths`, to be written whole later, is in the way: a
    directory or special file there, or a parent that is not a directory."""
    for path in paths:
        info = _stat_or_none(path)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise FileError(path, "is not a regular file; not overwritten")


def _check_storage(path: Path) -> None:
    real = os.path.realpath(path)
    for top in PSEUDO_FILESYSTEMS:
        if real == top or real.startswith(top + "/"):
            raise FileError(path, f"is under {top}, which is not storage")


def _stat_or_none(path: Path) -> os.stat_result | None:
    """os.stat of path, None when nothing is there; any other error is a FileError."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise FileError(path, "a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise FileError(path, _reason(exc)) from None


def _check_writable_dir(directory: Path, path: Path) -> None:
    info = _stat_or_none(directory)
    if info is None:
        raise FileError(path, f"directory {directory} does not exist")
    if not stat.S_ISDIR(info.st_mode):
        raise FileError(path, f"{directory} is not a directory")
    if not os.access(directory, os.W_OK):
        raise FileError(path, f"directory {directory} is not writable")


def write_text(path: Path, text: str, errors: str = "strict") -> None:
    """A file dfsplit makes for the user (a report, a patch): written whole, replacing any old
    one."""
    try:
        path.write_text(text, encoding="utf-8", errors=errors)
    except OSError as exc:
        raise FileError(path, _reason(exc)) from None
