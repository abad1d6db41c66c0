"""An extended M3U playlist of the chapter files, for players that play a folder in order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from audiobook.core.book import ChapterMark
from audiobook.core.manifest import BookFile
from audiobook.outputs.interface import BookContext, ChapterFile


class Playlist:
    name = "playlist"
    switch = "book_files"

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}.m3u8"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        tmp.write_text(m3u8(book.chapters, book.marks), encoding="utf-8")
        return BookFile(self.name, self.file_name(book))


OUTPUT = Playlist()


def m3u8(chapters: Sequence[ChapterFile], marks: Sequence[ChapterMark]) -> str:
    """An extended M3U playlist of the chapter files, UTF-8 without BOM."""
    lines = ["#EXTM3U"]
    for chapter, mark in zip(chapters, marks, strict=True):
        seconds = round((mark.end_ms - mark.start_ms) / 1000)
        lines += [f"#EXTINF:{seconds},{chapter.title}", chapter.path.name]
    return "\n".join(lines) + "\n"
