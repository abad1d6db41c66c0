"""The Book every reader produces and every later stage reads: metadata and chapters of blocks.

Shared core: a reader (text, and later EPUB or HTML) fills it in; the plan, the outputs and the
commands read it, and none of them needs to know which reader made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audiobook.core.config import BookMeta
from audiobook.core.words import count_words


@dataclass(frozen=True)
class SceneBreak:
    """A pause in the text (* * *, or a numbered sub-part): not speech."""


@dataclass(frozen=True)
class Paragraph:
    text: str

    @property
    def words(self) -> int:
        return count_words(self.text)


Block = Paragraph | SceneBreak


@dataclass(frozen=True)
class Chapter:
    index: int
    title: str  # for tags, file names and tables: "Down the Rabbit-Hole"
    blocks: tuple[Block, ...]
    spoken_title: str = ""  # read aloud first: "Chapter 1. Down the Rabbit-Hole"; "" for none

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def words(self) -> int:
        return sum(p.words for p in self.paragraphs)

    def estimated_seconds(self, rate_wpm: int) -> float:
        return round((self.words + count_words(self.spoken_title)) / rate_wpm * 60, 1)


@dataclass(frozen=True)
class Skipped:
    """Text of the manuscript that is not spoken, and why."""

    reason: str
    text: str

    @property
    def words(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True)
class Book:
    title: str
    author: str  # "" when neither book.toml nor the manuscript names one, as for the narrator
    narrator: str  # "" when neither book.toml nor the manuscript names one: nothing is said
    language: str
    language_source: str  # "book.toml", "metadata", "detected" or "default"
    meta: BookMeta
    chapters: tuple[Chapter, ...]
    source: Path
    sources: tuple[Path, ...] = ()
    skipped: tuple[Skipped, ...] = field(default=())
    cover: bytes | None = None  # the cover image, as the reader found it
    cover_mime: str = "image/jpeg"

    @property
    def words(self) -> int:
        return sum(c.words for c in self.chapters)


@dataclass(frozen=True)
class ChapterMark:
    """Where a chapter starts and ends in a whole-book file, in milliseconds."""

    title: str
    start_ms: int
    end_ms: int
