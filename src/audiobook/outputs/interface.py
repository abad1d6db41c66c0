"""The output interface: a file made from the whole book once every chapter is done.

Each output (registered by name in outputs/__init__.py) is handed the same BookContext (the
finished chapter files, their AAC twins, the tags and the chapter marks in both timelines) and a
temporary path beside its final name, and returns what the manifest records of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from audiobook.core.book import ChapterMark
from audiobook.core.manifest import BookFile
from audiobook.core.sentences import Timed
from audiobook.formats import m4b as mp4
from audiobook.formats.tags import BookTags, mp3_info


@dataclass(frozen=True)
class ChapterFile:
    title: str
    path: Path  # the chapter's MP3
    aac: mp4.AacTrack  # its AAC twin
    sentences: tuple[Timed, ...] = ()  # what is said when, in the chapter file's timeline


@dataclass(frozen=True)
class BookContext:
    """What every whole-book output is made from."""

    chapters: tuple[ChapterFile, ...]
    tags: BookTags
    out_dir: Path
    slug: str  # the book's file names: f"{slug}.mp3"
    # Where each chapter's frames begin in the joined stream: the running sum of the chapters'
    # durations in that format (MP3 and AAC frames differ by a few ms a chapter).
    marks: tuple[ChapterMark, ...]  # of the chapter MP3s joined
    m4b_marks: tuple[ChapterMark, ...]  # of their AAC twins joined


class BookOutput(Protocol):
    name: str  # its key in the manifest's "book" section
    switch: str  # the [output] setting of voices.toml that turns it on

    def file_name(self, book: BookContext) -> str: ...

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        """Write the file at TMP, which becomes its final name once every output is written."""
        ...


def book_context(
    chapters: Sequence[ChapterFile], tags: BookTags, out_dir: Path, slug: str
) -> BookContext:
    titles = [c.title for c in chapters]
    marks = chapter_marks(titles, [mp3_info(c.path).seconds for c in chapters])
    rate = chapters[0].aac.sample_rate
    parts = [mp4.Chapter(c.title, c.aac) for c in chapters]
    bounds = [round(b * 1000 / rate) for b in mp4.chapter_starts(parts)]
    m4b_marks = [ChapterMark(t, a, b) for t, a, b in zip(titles, bounds, bounds[1:], strict=False)]
    return BookContext(tuple(chapters), tags, out_dir, slug, tuple(marks), tuple(m4b_marks))


def chapter_marks(titles: Sequence[str], seconds: Sequence[float]) -> list[ChapterMark]:
    """Contiguous marks: each chapter starts where the frames of the ones before it end."""
    marks = []
    elapsed = 0.0
    for title, length in zip(titles, seconds, strict=True):
        start = elapsed
        elapsed += length
        marks.append(ChapterMark(title, round(start * 1000), round(elapsed * 1000)))
    return marks
