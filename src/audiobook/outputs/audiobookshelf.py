"""metadata.json as Audiobookshelf (and other audiobook servers) read it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from audiobook.core.book import ChapterMark
from audiobook.core.manifest import BookFile, Manifest
from audiobook.formats.tags import BookTags
from audiobook.outputs import book_m4b
from audiobook.outputs.interface import MARK_TOLERANCE_S, BookContext, CheckStage, Result

FILE_NAME = "metadata.json"


class AudiobookshelfMetadata:
    name = "metadata"
    switch = "book_files"
    check_stage = CheckStage.LISTING

    def file_name(self, book: BookContext) -> str:
        return FILE_NAME

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        tmp.write_text(audiobookshelf_metadata(book.tags, book.m4b_marks), encoding="utf-8")
        return BookFile(self.name, FILE_NAME)

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        """The chapters' titles, and their starts where the M4B's marks are (it is written from
        them: a server plays the M4B)."""
        section = manifest.book
        m4b = section.files.get(book_m4b.OUTPUT.name) if section else None
        if section is None or m4b not in section.chapters:
            yield Result(path.name, "metadata", False, "the manifest records no M4B marks")
            return
        starts = [m.start_ms / 1000 for m in section.chapters[m4b]]
        titles = [c.title for c in manifest.chapters]
        try:
            chapters = json.loads(path.read_text(encoding="utf-8"))["chapters"]
            marks = [(c["title"], float(c["start"])) for c in chapters]
        except (ValueError, KeyError, TypeError) as exc:
            yield Result(path.name, "metadata", False, f"unreadable: {exc}")
            return
        ok = [t for t, _ in marks] == titles and all(
            abs(s - e) <= MARK_TOLERANCE_S for (_, s), e in zip(marks, starts, strict=False)
        )
        yield Result(
            path.name, "metadata", ok,
            f"{len(marks)} chapters" if ok else "differs from the manifest",
        )  # fmt: skip


OUTPUT = AudiobookshelfMetadata()


def audiobookshelf_metadata(book: BookTags, marks: Sequence[ChapterMark]) -> str:
    """metadata.json as Audiobookshelf reads it: chapters in seconds from the book's start."""
    doc = {
        "title": book.title,
        "authors": [book.author] if book.author else [],
        "narrators": [book.narrator] if book.narrator else [],
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
