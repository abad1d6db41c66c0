"""A document whose structure its reader knows (HTML, DOCX, ODT, FB2, MOBI, PDF, RTF), made
into the same Book as every other manuscript.

A reader turns its format into a flat run of html_blocks items (headings with their level,
paragraphs, scene breaks, what is not read aloud and why) plus the notes and what the document
says about itself; `book_from_document` does the rest the same way for all. Chapters start at
the highest heading level the document uses more than once, so that a lone title above the
chapters is the title, not a chapter; a higher heading with no text of its own (a part) is said
with the chapter after it; text before the first heading that is not prose is front matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from audiobook.core.book import Book, Skipped
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book
from audiobook.readers.html_blocks import Heading, Item, SectionBlocks
from audiobook.readers.sections import Section, split_sections


@dataclass
class Document:
    """What a structured reader found in one file."""

    items: list[Item]
    notes: dict[str, str] = field(default_factory=dict)  # footnotes and endnotes by id
    title: str = ""  # as the document declares it ("" where it does not)
    author: str = ""
    narrator: str = ""
    language: str = ""  # a code ("en-GB") or a language's name
    year: int | None = None
    description: str = ""
    cover: tuple[bytes, Path] | None = None  # its own cover image as stored, and what to call it
    chapter_level: int | None = None  # the heading level that starts chapters, when known


def book_from_document(source: Path, path: Path, found: Document, options: SplitOptions) -> Book:
    """The Book of SOURCE (the file PATH, or the folder that holds it) from what its reader
    FOUND."""
    folder = source if source.is_dir() else source.parent
    meta = load_book_meta(folder)
    title = found.title or next((i.text for i in found.items if isinstance(i, Heading)), "")
    sections = document_sections(found.items, found.notes, options, found.chapter_level, title)
    split = split_sections(sections, replace(options, front_matter=True))
    if not split.chapters:
        raise InputError(
            "no speakable words in the file",
            path=path,
            hint="add text to it, or point audiobook at the manuscript",
        )
    return assemble_book(
        source,
        meta,
        Manuscript(
            chapters=tuple(split.chapters),
            skipped=tuple(split.skipped),
            sources=(path,),
            title=title,
            author=found.author,
            narrator=found.narrator,
            language=found.language,
            year=found.year,
            description=found.description,
            cover=found.cover,
        ),
    )


def document_sections(
    items: list[Item],
    notes: dict[str, str],
    options: SplitOptions,
    level: int | None = None,
    title: str = "",
) -> list[Section]:
    """ITEMS cut into sections at headings of the chapter LEVEL (by default the highest of
    h1-h3 used more than once, else the highest used). A heading above that level is a part
    (said with the chapter after it), unless it is the book's TITLE."""
    if level is None:
        level = chapter_level(items, title)
    sections: list[Section] = []
    heading: str | None = None
    part = False
    section = SectionBlocks(notes, options.notes)

    def close() -> None:
        blocks = section.finish()
        blocks += [Skipped("page number", page) for page in section.pages]
        sections.append(Section(heading, tuple(blocks), part))

    for item in items:
        if isinstance(item, Heading) and item.level <= level:
            close()
            heading, section = item.text, SectionBlocks(notes, options.notes)
            part = item.level < level and _bare(item.text) != _bare(title)
        else:
            section.add(item)
    close()
    return sections


def chapter_level(items: list[Item], title: str = "") -> int:
    """The heading level (1-3) that starts chapters: the highest used more than once, unless
    every heading of it (the book's TITLE aside) holds headings of the next repeated level,
    which are then the chapters and it their parts."""
    headings = [i for i in items if isinstance(i, Heading) and i.level <= 3]
    levels = [h.level for h in headings]
    repeated = [lv for lv in sorted(set(levels)) if levels.count(lv) > 1]
    if not repeated:
        return min(levels, default=0)
    level = repeated[0]
    for deeper in repeated[1:]:
        holds: dict[int, bool] = {}  # each heading of LEVEL (by position): a DEEPER one follows
        current: int | None = None
        for n, h in enumerate(headings):
            if h.level <= level:
                current = n if h.level == level and _bare(h.text) != _bare(title) else None
                if current is not None:
                    holds[current] = False
            elif h.level == deeper and current is not None:
                holds[current] = True
        if not holds or not all(holds.values()):
            break
        level = deeper
    return level


def _bare(text: str) -> str:
    return " ".join(text.lower().split())
