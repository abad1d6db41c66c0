"""The whole book as one M4B (AAC) with chapter markers, tags and cover.

Joined from the chapters' AAC twins (encoded in the chapters' own jobs) by our own MP4 writer
(outputs/m4b.py), by copying frames: no encoding, nothing held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from audiobook.core.files import sha256
from audiobook.core.manifest import BookFile, Manifest
from audiobook.formats import m4b as mp4
from audiobook.formats.tags import Item, read_mp4_chapters, write_mp4_tags
from audiobook.outputs.interface import BookContext, CheckStage, Result, check_marks, check_sha256

# An M4B chapter is whole AAC frames (1024 samples at 22.05 kHz: 46 ms) and carries the next
# chapter's encoder delay (another frame); an MP3 chapter is whole 26 ms frames. So a chapter's
# length in the M4B may differ from its MP3's by up to three frames' worth of either.
FRAMING_TOLERANCE_S = 0.15


class BookM4b:
    name = "m4b"
    switch = "book_files"
    check_stage = CheckStage.AUDIO

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}.m4b"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        mp4.write_m4b([mp4.Chapter(c.title, c.aac) for c in book.chapters], tmp)
        write_mp4_tags(tmp, book.tags, Item(book.tags.title))
        return BookFile(self.name, self.file_name(book), sha256(tmp), book.m4b_marks)

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        found = read_mp4_chapters(path)
        yield check_marks(path, found, manifest, FRAMING_TOLERANCE_S, running_sum=False)
        if not quick:
            yield check_sha256(path, manifest)


OUTPUT = BookM4b()
