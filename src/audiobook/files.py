"""Writing outputs safely: a file appears under its final name only when it is complete."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside FINAL; move it into place only if the block succeeds.

    The temporary name is hidden (.name.tmp) and in the same folder, so the rename is atomic and
    a crash leaves at most a .tmp file, which the next render removes.
    """
    tmp = final.with_name(f".{final.name}{TMP_SUFFIX}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def remove_leftovers(folder: Path) -> None:
    """Temporary files of a render that was killed before it could clean up."""
    for leftover in folder.glob(f".*{TMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
