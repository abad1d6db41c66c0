"""The manuscript in: readers chosen by file type, each producing the same Book.

text (.txt/.md, with chapter splitting in chapters.py), epub (EPUB 2 and 3) and html (one
HTML/XHTML file), the last two sharing html_blocks (markup -> paragraphs, headings, anchors and
what is not read aloud); each hands what it found to assemble, which makes the Book the same way
for all (book.toml over the manuscript, the same defaults); cover checks the cover image;
textnorm turns written text into what is said. Adding a reader is one module beside text.py and
one entry in READERS.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.readers import epub, html, text
from audiobook.readers.interface import Reader

READERS: tuple[Reader, ...] = (text.READER, epub.READER, html.READER)
DEFAULT = text.READER  # what reads a file of any other type, and says so if it cannot


def reader_for(source: Path) -> Reader:
    """The reader for SOURCE: by its suffix, or for a folder by the files it holds."""
    if source.is_dir():
        held = {p.suffix.lower() for p in source.iterdir() if p.is_file()}
        return next((r for r in READERS if held.intersection(r.suffixes)), DEFAULT)
    suffix = source.suffix.lower()
    return next((r for r in READERS if suffix in r.suffixes), DEFAULT)


def read_book(source: Path, options: SplitOptions | None = None) -> Book:
    """Read SOURCE with the reader for its type; bad input raises InputError."""
    return reader_for(source).read(source, options or SplitOptions())
