"""RTF in (what TextEdit and WordPad save by default, what Word, LibreOffice and Scrivener
export): the text without its control words -> the same Book as every other manuscript.

parse.py reads the file into paragraphs and what is not read aloud (footnotes, comments,
page headers and footers, hidden text, tables, a table of contents). Where the document has
heading styles (a style named "heading 1", or an outline level on the style or the paragraph),
its chapters are those headings, made as for every structured document (document.py). Where it
has none, as in TextEdit's files, its paragraphs are plain text to the text reader's chapter
finding ("Chapter One: The Storm" lines still make chapters).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from audiobook.core.book import Book, Chapter, Paragraph, SceneBreak, Skipped
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book
from audiobook.readers.document import Document, book_from_document
from audiobook.readers.headings import inline
from audiobook.readers.html_blocks import Heading, Item, Omitted, Text
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.rtf.parse import Parsed, parse_rtf
from audiobook.readers.rtf.tokens import HINT
from audiobook.readers.sections import paragraph
from audiobook.readers.text import split_plain_text

SUFFIXES = (".rtf",)
# A novel is a few MB of RTF; pictures (hex, often twice: a PNG and a WMF) can make it tens.
MAX_BYTES = 200 << 20


def read_rtf(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "RTF")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    if len(data) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES >> 20} MB: not one book", path=path, hint=HINT)
    parsed = parse_rtf(data, path)
    del data
    if any(isinstance(item, Heading) for item in parsed.items):
        items: list[Item] = [
            replace(i, text=i.text.replace("\n", " ")) if isinstance(i, Text) else i
            for i in parsed.items
        ]
        found = Document(
            items,
            parsed.notes,
            title=parsed.title,
            author=parsed.author,
            language=parsed.language,
        )
        return book_from_document(source, path, found, options)
    return _plain_text(source, path, parsed, options)


def _plain_text(source: Path, path: Path, parsed: Parsed, options: SplitOptions) -> Book:
    """A document without heading styles: its paragraphs through the text reader's chapter
    finding; footnotes read at the end of their chapter when asked, as everywhere."""
    texts = [i for i in parsed.items if isinstance(i, Text)]
    gutenberg_skipped: list[Skipped] = []  # a Gutenberg text's header and licence
    split, said = split_plain_text("\n\n".join(t.text for t in texts), options, gutenberg_skipped)
    read = set(parsed.notes.values()) if options.notes else set()
    skipped = [
        Skipped(i.reason, i.text)
        for i in parsed.items
        if isinstance(i, Omitted) and not (i.reason == "footnote" and i.text in read)
    ]
    chapters = split.chapters
    if options.notes and parsed.notes:
        chapters = _with_notes(chapters, texts, parsed.notes)
    if not chapters:
        raise InputError(
            "no speakable words in the file",
            path=path,
            hint="add text to it, or point audiobook at the manuscript",
        )
    return assemble_book(
        source,
        load_book_meta(source if source.is_dir() else source.parent),
        Manuscript(
            chapters=tuple(chapters),
            skipped=(*gutenberg_skipped, *skipped, *split.skipped),
            sources=(path,),
            title=parsed.title or said.get("title", ""),
            author=parsed.author or said.get("author", ""),
            narrator=split.metadata.get("narrator", ""),
            language=parsed.language or split.metadata.get("language", ""),
        ),
    )


def _with_notes(chapters: list[Chapter], texts: list[Text], notes: dict[str, str]) -> list[Chapter]:
    """CHAPTERS, each followed by the notes its paragraphs refer to (after a pause)."""
    refs = {inline(" ".join(t.text.split())): t.notes for t in texts if t.notes}
    out: list[Chapter] = []
    for chapter in chapters:
        said: list[str] = []
        for block in chapter.blocks:
            if isinstance(block, Paragraph):
                said += [n for n in refs.get(block.text, ()) if n in notes and n not in said]
        if said:
            extra = [b for n in said if isinstance(b := paragraph(notes[n]), Paragraph)]
            chapter = replace(chapter, blocks=(*chapter.blocks, SceneBreak(), *extra))
        out.append(chapter)
    return out


# An .rtf file (or any file that begins with {\\rtf), or a folder (text/) that holds one.
READER = FileReader("rtf", SUFFIXES, read_rtf)
