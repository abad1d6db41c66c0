"""One HTML or XHTML file in: headings h1-h3 as chapters -> the same Book the text reader makes.

The markup is read by html_blocks.py, as the EPUB reader reads each of its documents; the
chapters are made as for every structured document (document.py): at the highest heading level
(h1, h2 or h3) the file uses more than once.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers.document import Document, book_from_document
from audiobook.readers.html_blocks import Heading, parse_html
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.text import decode_text

SUFFIXES = (".html", ".htm", ".xhtml")
MAX_BYTES = 64 << 20  # a whole novel in one HTML file is a few MB


def read_html(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "HTML")
    with path.open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(
            f"larger than {MAX_BYTES >> 20} MB: not one book", path=path, hint="split it"
        )
    parsed = parse_html(decode_text(data, path), alt_text=options.alt_text)
    title = parsed.title or next((i.text for i in parsed.items if isinstance(i, Heading)), "")
    found = Document(
        parsed.items,
        parsed.notes,
        title=title,
        author=parsed.meta.get("author", ""),
        language=parsed.language or "",
    )
    return book_from_document(source, path, found, options)


# A single .html/.xhtml file, or a folder (text/) that holds one.
READER = FileReader("html", SUFFIXES, read_html)
