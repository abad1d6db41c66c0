"""Writing outputs safely: a file appears under its final name only when it is complete."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

TMP_SUFFIX = ".tmp"
BIG_FILE = 64 << 20  # replacing a file this large in one rename is slow: see _replace
DESTINATION_FAULTS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


@contextlib.contextmanager
def atomic_write(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside FINAL; move it into place only if the block succeeds.

    The temporary name is hidden (.name.tmp) and in the same folder, so the rename is atomic (for
    large files, see _replace) and a crash leaves at most .tmp files, which the next render
    removes.
    """
    tmp = final.with_name(f".{final.name}{TMP_SUFFIX}")
    try:
        yield tmp
        _replace(tmp, final)
    except OSError as exc:
        # A full or read-only disk can only be the file being written's; some writers say so
        # without a name (shutil.copyfile's sendfile, a write to an open file): the error names
        # it, as every other one does (errors.from_os_error says the final name).
        if exc.filename is None and exc.errno in DESTINATION_FAULTS:
            exc.filename = str(tmp)
        raise
    finally:
        tmp.unlink(missing_ok=True)


def _replace(tmp: Path, final: Path) -> None:
    """os.replace, but a large file being replaced is first moved aside and deleted by a thread.

    Renaming over an existing file makes ext4 write the new file's data out at once (its
    auto_da_alloc safeguard): 0.3 s for 450 MB, measured, on the render's path. Two renames
    into free names cost nothing; for a moment the final name is missing, never wrong. A crash
    between them leaves the old file under a .tmp name, which the next render removes.
    """
    try:
        big = final.stat().st_size >= BIG_FILE
    except OSError:
        big = False
    if not big:
        os.replace(tmp, final)
        return
    old = final.with_name(f".{final.name}.old{TMP_SUFFIX}")
    os.replace(final, old)
    os.replace(tmp, final)
    threading.Thread(target=old.unlink, kwargs={"missing_ok": True}, name="remove-old").start()


class FolderBusy(Exception):
    """Another process holds the folder (see exclusive)."""


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold FOLDER for this process alone while the block runs; FolderBusy if another holds it.

    On POSIX the folder itself is locked (flock on its descriptor): nothing is written into it,
    and the kernel lets go when the process ends, however it ends. Elsewhere (Windows) filelock's
    lock file, which it removes when released.
    """
    if os.name != "posix":
        from filelock import FileLock, Timeout

        lock = FileLock(folder / ".audiobook.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise FolderBusy(str(folder)) from None
        try:
            yield
        finally:
            lock.release()
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(str(folder)) from None
        yield
    finally:
        os.close(fd)


def remove_leftovers(folder: Path) -> None:
    """Temporary files of a render that was killed before it could clean up. Best effort: one
    that cannot be removed (a read-only disk, the folder gone) is only a hidden file, and what
    then fails to be written says why, with the file's own name."""
    for leftover in folder.glob(f".*{TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)


def append_file(path: Path, sink: int, offset: int = 0) -> None:
    """Copy PATH from OFFSET to the end of the open file SINK, inside the kernel (sendfile).

    Where there is no sendfile (Windows), through a buffer.
    """
    with path.open("rb") as source:
        if not hasattr(os, "sendfile"):
            source.seek(offset)
            while block := source.read(1 << 20):
                view = memoryview(block)
                while view:  # os.write may write less than it was given
                    view = view[os.write(sink, view) :]
            return
        size = os.fstat(source.fileno()).st_size
        while offset < size:
            sent = os.sendfile(sink, source.fileno(), offset, size - offset)
            if sent == 0:
                raise OSError(f"{path} shrank while it was being copied")
            offset += sent


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
