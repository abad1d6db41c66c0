"""Outputs: what the finished chapters are made into, registered by name.

The chapter files themselves are tagged in the chapter job (tags.py); the whole-book outputs
(book_mp3, book_m4b, playlist, audiobookshelf, captions, readalong) are built from them once
every chapter is there.
Each is one module behind BookOutput (outputs/interface.py: how it is written, and how `check`
proves it) and one entry in OUTPUTS, with the `[output]` setting of voices.toml that turns it on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from audiobook.core.config import Output
from audiobook.core.files import atomic_write
from audiobook.core.manifest import BookFile
from audiobook.outputs import (
    audiobookshelf,
    book_m4b,
    book_mp3,
    captions,
    playlist,
    readalong,
)
from audiobook.outputs.interface import BookContext, BookOutput

# In the order of the manifest's "book" section.
OUTPUTS: tuple[BookOutput, ...] = (
    book_mp3.OUTPUT,
    book_m4b.OUTPUT,
    playlist.OUTPUT,
    audiobookshelf.OUTPUT,
    captions.VTT,
    captions.SRT,
    readalong.OUTPUT,
)


def enabled(settings: Output) -> list[BookOutput]:
    """The outputs that voices.toml's [output] section turns on."""
    return [o for o in OUTPUTS if getattr(settings, o.switch)]


def write_book_files(book: BookContext, outputs: Sequence[BookOutput]) -> list[BookFile]:
    """Write every output; none replaces its old file unless all of them were written.

    Two at a time, each hashed as soon as it is written: copying and hashing happen in the
    kernel and in hashlib, which let go of the GIL (the book MP3 and M4B are the large ones).
    """
    with contextlib.ExitStack() as renames:
        temporaries = [
            renames.enter_context(atomic_write(book.out_dir / o.file_name(book))) for o in outputs
        ]
        with ThreadPoolExecutor(max_workers=2) as pool:
            written = [
                pool.submit(_write, o, book, t) for o, t in zip(outputs, temporaries, strict=True)
            ]
            return [w.result() for w in written]


def _write(output: BookOutput, book: BookContext, tmp: Path) -> BookFile:
    """OUTPUT written to TMP; a disk fault that names no file (a write to a file already open,
    the disk full) names the output's."""
    try:
        return output.write(book, tmp)
    except OSError as exc:
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror, str(tmp)) from exc
        raise
