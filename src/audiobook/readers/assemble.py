"""The Book every reader makes, made in one place: what the manuscript says, under book.toml.

A reader finds the chapters, what it did not read, and what the manuscript says about itself (a
Gutenberg header's Title line, an EPUB's metadata, an HTML <title>); `assemble_book` makes the
Book from that and book.toml, so that every reader fills in what is missing the same way: book.toml
first, then the manuscript, then the name of the manuscript's file (of its folder when the text
is several files); an author or narrator no one names is none (nothing is said of them, no
"Unknown"); the language declared, else
detected; the cover beside the manuscript, else its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiobook.core.book import Book, Chapter, Skipped
from audiobook.core.config import BookMeta
from audiobook.readers.cover import prepare_cover, read_cover
from audiobook.readers.language import detect_language

COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png")
_LANGUAGE_NAMES = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "swedish": "sv", "danish": "da", "norwegian": "nb",
    "finnish": "fi", "polish": "pl", "russian": "ru", "latin": "la", "greek": "el",
    "czech": "cs", "hungarian": "hu", "esperanto": "eo", "catalan": "ca",
}  # fmt: skip


@dataclass(frozen=True)
class Manuscript:
    """What a reader found: the chapters, what it did not read, the files it read, and what the
    manuscript says about itself ("" where it says nothing)."""

    chapters: tuple[Chapter, ...]
    skipped: tuple[Skipped, ...]
    sources: tuple[Path, ...]
    title: str = ""
    author: str = ""
    narrator: str = ""
    language: str = ""  # as declared: a code ("en-GB") or a language's name ("English")
    year: int | None = None
    description: str = ""
    # Its own cover image as stored (an EPUB's), and what to call it in errors: prepared only
    # when no cover lies beside the manuscript.
    cover: tuple[bytes, Path] | None = None


def assemble_book(source: Path, meta: BookMeta, found: Manuscript) -> Book:
    """The Book of SOURCE (a file, or a folder of the manuscript) from what its reader FOUND and
    what book.toml says (META)."""
    folder = source if source.is_dir() else source.parent
    language, language_source = book_language(meta, found.language, found.chapters)
    cover_file = find_cover(folder)
    if cover_file is not None:
        cover: tuple[bytes, str] | None = read_cover(cover_file)
    elif found.cover is not None:
        cover = prepare_cover(*found.cover)
    else:
        cover = None
    named_after = found.sources[0] if len(found.sources) == 1 else source
    return Book(
        title=meta.title or found.title or title_from_name(named_after),
        author=meta.author or found.author,
        narrator=meta.narrator or found.narrator,
        language=language,
        language_source=language_source,
        meta=_merged_meta(meta, found),
        chapters=found.chapters,
        source=source,
        sources=found.sources,
        skipped=found.skipped,
        cover=cover[0] if cover else None,
        cover_mime=cover[1] if cover else "image/jpeg",
    )


def book_language(meta: BookMeta, declared: str, chapters: Sequence[Chapter]) -> tuple[str, str]:
    """The book's language and where it came from: book.toml, the manuscript's own metadata
    (DECLARED), detection from its text, or the default."""
    if meta.language:
        return meta.language, "book.toml"
    declared = declared.strip()
    if declared:
        code = _LANGUAGE_NAMES.get(declared.lower().split()[0], declared.lower())
        return code, "metadata"
    sample = " ".join(p.text for c in chapters for p in c.paragraphs)[:40_000]
    detected = detect_language(sample)
    return (detected, "detected") if detected else ("en", "default")


def title_from_name(source: Path) -> str:
    """A title from a file's or folder's name: "03-the-storm.txt" -> "The Storm"."""
    name = source.resolve().name if source.is_dir() else source.stem
    name = re.sub(r"^\d+[\s._-]*", "", name) or name  # "03-the-storm" -> "the-storm"
    return re.sub(r"[-_]+", " ", name).strip().title() or "Untitled"


def find_cover(folder: Path) -> Path | None:
    """The producer's cover image beside the manuscript, if there is one."""
    return next((folder / n for n in COVER_NAMES if (folder / n).is_file()), None)


def _merged_meta(meta: BookMeta, found: Manuscript) -> BookMeta:
    """book.toml's values over the manuscript's: only what book.toml sets overrides."""
    values: dict[str, Any] = {"year": found.year, "description": found.description or None}
    values.update(meta.model_dump(exclude_unset=True))
    return BookMeta.model_validate(values)
