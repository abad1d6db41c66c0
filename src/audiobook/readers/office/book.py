"""The Book of a word processor's document (DOCX, ODT), from the paragraphs office/__init__.py read.

Through document.py where the document has heading styles, as for HTML and EPUB (which level
starts chapters, and which are parts, is decided there); else through the text reader's chapter
finding: a manuscript typed with "Chapter 1" in the body style, or a .txt opened and saved again
by a word processor (one paragraph a line, blank lines as empty paragraphs), Project Gutenberg's
header and licence taken off as for text. On that path the notes are listed as not read, and
not read even with notes = true: the text reader knows none.

A dc:language the text is clearly not in is not the book's: LibreOffice writes its own locale
("en-US" on a French novel saved as DOCX).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from audiobook.core.book import Book, Skipped
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book, title_from_name
from audiobook.readers.document import Document, book_from_document
from audiobook.readers.html_blocks import Break, Heading, Item, Omitted, Text
from audiobook.readers.language import MAX_CHARS, detect_language
from audiobook.readers.office import TITLE, Properties, Story
from audiobook.readers.text import split_plain_text


def office_book(
    source: Path, path: Path, story: Story, props: Properties, options: SplitOptions
) -> Book:
    """The Book of a word processor's document read into STORY."""
    items = story.items
    props = replace(props, language=_language(props.language, items))
    title = story.titles[0] if story.titles else props.title
    levels = [i.level for i in items if isinstance(i, Heading)]
    if not levels and len(story.titles) > 1:  # the title style set on every chapter's title
        items = [
            Heading(1, i.text) if isinstance(i, Omitted) and i.reason == TITLE else i for i in items
        ]
        levels, title = [1] * len(story.titles), props.title
    repeated = sorted(lv for lv, n in Counter(levels).items() if n > 1)
    if not repeated:
        book = _text_book(source, path, items, title, props, options)
        if book is not None:
            return book
    if not title:  # a heading used once above repeated ones is the title, not the first chapter
        first = next((i for i in items if isinstance(i, Heading)), None)
        above = first is not None and levels.count(first.level) == 1 and first.level < max(levels)
        title = first.text if first is not None and above else title_from_name(path)
    # Which level starts chapters (and which are parts) is document.py's, as for HTML and
    # EPUB; it looks at levels 1-3: a document whose headings are all deeper says its own.
    shallow = any(lv <= 3 for lv in levels)
    document = Document(
        [i for i in items if not (isinstance(i, Text) and not i.text)],
        story.notes,
        title=title,
        author=props.author,
        language=props.language,
        description=props.description,
        chapter_level=None if shallow else (repeated[0] if repeated else min(levels)),
    )
    return book_from_document(source, path, document, options)


def _language(declared: str, items: list[Item]) -> str:
    """DECLARED, unless the text is clearly in another language: LibreOffice writes its own
    locale as a DOCX's dc:language ("en-US" on a French novel), Word its installation's."""
    if not declared:
        return ""
    sample: list[str] = []
    size = 0
    for item in items:
        if isinstance(item, Text) and size < MAX_CHARS:
            sample.append(item.text)
            size += len(item.text)
    detected = detect_language(" ".join(sample))
    primary = declared.lower().replace("_", "-").split("-")[0]
    return declared if detected is None or detected.split("-")[0] == primary else ""


def _text_book(
    source: Path,
    path: Path,
    items: list[Item],
    title: str,
    props: Properties,
    options: SplitOptions,
) -> Book | None:
    """The Book by the text reader's chapter finding, for a document without heading styles;
    None when that finds no chapter headings either and the document has a heading."""
    blank = sum(1 for i in items if isinstance(i, Text) and not i.text)
    said = sum(1 for i in items if isinstance(i, Text | Heading) and i.text)
    # A .txt saved again by a word processor: a paragraph a line, blank lines as empty ones.
    lines = blank * 5 >= said
    parts: list[str] = []
    skipped: list[Skipped] = []
    for item in items:
        if isinstance(item, Text | Heading):
            parts.append(item.text)
        elif isinstance(item, Break):
            parts.append("\n* * *\n" if lines else "* * *")
        elif isinstance(item, Omitted):
            skipped.append(Skipped(item.reason, item.text))
    text = ("\n" if lines else "\n\n").join(parts)
    split, meta = split_plain_text(text, options, skipped)
    if split.by_length and any(isinstance(i, Heading) for i in items):
        return None
    if not split.chapters:
        raise InputError(
            "no speakable words in the file",
            path=path,
            hint="add text to it, or point audiobook at the manuscript",
        )
    return assemble_book(
        source,
        load_book_meta(source if source.is_dir() else source.parent),
        Manuscript(
            chapters=tuple(split.chapters),
            skipped=(*skipped, *split.skipped),
            sources=(path,),
            title=title or meta.get("title", ""),
            author=props.author or meta.get("author", ""),
            language=props.language or meta.get("language", ""),
            description=props.description,
        ),
    )
