"""The whole book as one M4B (AAC) with chapter markers, tags and cover.

Joined from the chapters' AAC twins (encoded in the chapters' own jobs) by our own MP4 writer
(outputs/m4b.py), by copying frames: no encoding, nothing held in memory.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.core.files import sha256
from audiobook.core.manifest import BookFile
from audiobook.formats import m4b as mp4
from audiobook.formats.tags import Item, write_mp4_tags
from audiobook.outputs.interface import BookContext


class BookM4b:
    name = "m4b"
    switch = "book_files"

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}.m4b"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        mp4.write_m4b([mp4.Chapter(c.title, c.aac) for c in book.chapters], tmp)
        write_mp4_tags(tmp, book.tags, Item(book.tags.title))
        return BookFile(self.name, self.file_name(book), sha256(tmp), book.m4b_marks)


OUTPUT = BookM4b()
