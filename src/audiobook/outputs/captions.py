"""The whole book's captions (WebVTT and SRT), in the book MP3's timeline."""

from __future__ import annotations

from pathlib import Path

from audiobook.core.manifest import BookFile
from audiobook.core.sentences import Timed
from audiobook.formats.captions import FORMATS, caption_cues
from audiobook.outputs.interface import BookContext


class BookCaptions:
    """The whole book's captions in one format, in the book MP3's timeline."""

    switch = "book_captions"

    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.suffix = suffix

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}{self.suffix}"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        cue_list: list[Timed] = []
        for chapter, mark in zip(book.chapters, book.marks, strict=True):
            cue_list += caption_cues(chapter.sentences, mark.start_ms / 1000)
        tmp.write_text(FORMATS[self.suffix](cue_list), encoding="utf-8")
        return BookFile(self.name, self.file_name(book))


VTT = BookCaptions("vtt", ".vtt")
SRT = BookCaptions("srt", ".srt")
