"""The manuscript in: readers chosen by what a file is, each producing the same Book.

text (.txt/.md, with chapter splitting in chapters.py), epub (EPUB 2 and 3) and html (one
HTML/XHTML file), the last two sharing html_blocks (markup -> paragraphs, headings, anchors and
what is not read aloud); the structured ones make their chapters through document.py; each hands
what it found to assemble, which makes the Book the same way for all (book.toml over the
manuscript, the same defaults); cover checks the cover image. sniff tells a file's format from
its first bytes, so that an RTF called ".txt" is read as RTF and a ".docx" that is not one is
refused, never spoken as markup or noise. Adding a reader is one module beside text.py and one
entry in READERS. How the text is said is the pronunciation wing's.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.readers import epub, fb2, html, mobi, pdf, rtf, text
from audiobook.readers.interface import Reader
from audiobook.readers.office import docx, odt
from audiobook.readers.sniff import FOREIGN, kind_of, refuse_unreadable, suffix_of

READERS: tuple[Reader, ...] = (
    text.READER,
    epub.READER,
    html.READER,
    docx.READER,
    odt.READER,
    rtf.READER,
    pdf.READER,
    fb2.READER,
    mobi.READER,
)
DEFAULT = text.READER  # what reads a file of any other type, and says so if it cannot


def reader_for(source: Path) -> Reader:
    """The reader for SOURCE: a file's by what its bytes are (else by its name), a folder's by
    the files it holds."""
    if source.is_dir():
        held = {suffix_of(p) for p in source.iterdir() if p.is_file()}
        return next((r for r in READERS if held.intersection(r.suffixes)), DEFAULT)
    named = _by_suffix(suffix_of(source))
    if not source.is_file():
        return named or DEFAULT  # the reader says the file is missing
    kind = kind_of(source)
    if kind is None:  # plain text, or a binary format's reader refusing what is not one
        return named or DEFAULT
    by_content = _by_suffix(kind)
    if by_content is not None:
        return by_content
    if kind in FOREIGN or named is None or named is DEFAULT:
        refuse_unreadable(source, kind)
    return named or DEFAULT  # XML in a file named .xhtml, a ZIP named .docx: its reader knows


def read_book(source: Path, options: SplitOptions | None = None) -> Book:
    """Read SOURCE with the reader for its type; bad input raises InputError."""
    options = options or SplitOptions()
    sole = _sole_text_file(source)
    if sole is not None and (reader := reader_for(sole)) is not DEFAULT:
        # text/ holding one "book.txt" that is really RTF or HTML: read as what it is.
        return reader.read(sole, options)
    return reader_for(source).read(source, options)


def _sole_text_file(source: Path) -> Path | None:
    """The one file named as plain text in the folder SOURCE, when it holds just one."""
    if not source.is_dir():
        return None
    named = [p for p in source.iterdir() if p.is_file() and suffix_of(p) in DEFAULT.suffixes]
    return named[0] if len(named) == 1 else None


def _by_suffix(suffix: str) -> Reader | None:
    return next((r for r in READERS if suffix in r.suffixes), None)
