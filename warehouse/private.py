"""Files that hold children's data, or the key to their pseudonyms, are for the owner only: files 0600, folders 0700.

The warehouse (with its `.wal` and `.lock`), the pseudonymisation key and the data officer's problem reports are
created owner-only whatever the process's umask, and a file of ours found readable by others is tightened when
it is next opened. Folders are made owner-only only when this code creates them: a folder that already exists
(the data folder, a shared reports folder) keeps the mode its owner gave it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700

_umask_guard = threading.Lock()
_umask_holders = 0
_umask_before = 0


def private_folder(folder: Path, top: Path | None = None) -> Path:
    """Create `folder` and its missing parents; those created from `top` (default: `folder` itself) down are 0700.

    Missing parents above `top` are created with the usual mode: `data/` holds the published snapshot too, which
    report tools run by other accounts read.
    """
    folder = Path(folder)
    top = Path(top) if top is not None else folder
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        private = path == top or top in path.parents
        try:
            os.mkdir(path, FOLDER_MODE if private else 0o777)
        except FileExistsError:
            continue  # made meanwhile by another process: its mode is its maker's
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    return folder


def tighten(path: Path) -> None:
    """Make an existing file of ours owner-only if others may read or write it (a file made before this rule)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        return
    except PermissionError:
        return  # not ours to change; its owner decides


@contextmanager
def owner_only_umask() -> Iterator[None]:
    """Files and folders created meanwhile are owner-only (umask 077): for files made by code we do not control,
    such as DuckDB's write-ahead log, which it deletes at each checkpoint and creates again at the next write.

    The umask belongs to the whole process, so the first holder sets it and the last one restores it (threads may
    overlap); files created meanwhile by other threads are owner-only too, which only makes them stricter.
    """
    global _umask_holders, _umask_before
    with _umask_guard:
        if _umask_holders == 0:
            before = os.umask(0o077)
            os.umask(before | 0o077)
            _umask_before = before
        _umask_holders += 1
    try:
        yield
    finally:
        with _umask_guard:
            _umask_holders -= 1
            if _umask_holders == 0:
                os.umask(_umask_before)


def write_private(path: Path, data: bytes, replace: bool = True) -> bool:
    """Write `data` to `path` owner-only and all at once: a temporary file beside it, flushed to disk, then moved
    into place. A full disk or a crash leaves the old file (or none), never an empty or half-written one.

    With `replace=False` an existing file is kept (another process wrote it first) and False is returned.
    """
    private_folder(path.parent)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")  # 0600
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        elif not _link_once(temporary, path):
            return False
        _sync_folder(path.parent)
        return True
    finally:
        temporary.unlink(missing_ok=True)


def _link_once(temporary: Path, path: Path) -> bool:
    """Move `temporary` to `path` unless `path` exists: a hard link fails rather than replacing (rename would)."""
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
    # A file system without hard links: rename, after checking (a narrow race another writer could win).
    if path.exists():
        return False
    os.replace(temporary, path)
    return True


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the new file, so the move survives a power cut."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is on disk
    finally:
        os.close(descriptor)
