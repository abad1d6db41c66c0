"""metadata.json as Audiobookshelf (and other audiobook servers) read it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from audiobook.core.book import ChapterMark
from audiobook.core.manifest import BookFile
from audiobook.formats.tags import BookTags
from audiobook.outputs.interface import BookContext

FILE_NAME = "metadata.json"


class AudiobookshelfMetadata:
    name = "metadata"
    switch = "book_files"

    def file_name(self, book: BookContext) -> str:
        return FILE_NAME

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        tmp.write_text(audiobookshelf_metadata(book.tags, book.m4b_marks), encoding="utf-8")
        return BookFile(self.name, FILE_NAME)


OUTPUT = AudiobookshelfMetadata()


def audiobookshelf_metadata(book: BookTags, marks: Sequence[ChapterMark]) -> str:
    """metadata.json as Audiobookshelf reads it: chapters in seconds from the book's start."""
    doc = {
        "title": book.title,
        "authors": [book.author],
        "narrators": [book.narrator],
        "genres": [book.genre],
        "publishedYear": str(book.year) if book.year else None,
        "description": book.description,
        "language": book.language,
        "chapters": [
            {"id": n, "start": m.start_ms / 1000, "end": m.end_ms / 1000, "title": m.title}
            for n, m in enumerate(marks)
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
