"""A text PDF in: its pages read in order, laid out as lines and paragraphs -> the same Book the
other readers make.

PDFium (pypdfium2: Apache-2.0 / BSD-3) reads the file: it is C, fast (the characters of a
330-page novel, with their boxes and sizes, in about a second), and the engine of Chrome's
viewer, fuzzed as such. Being C, it cannot be bounded from inside Python, and a PDF is
untrusted input: it runs in a child process (extract.py) with a cap on its memory
(RLIMIT_AS) and on the time it may spend opening the file, on each page and in all, and a count
of pages and characters; whatever goes wrong there (a crash, a hang, a file that inflates to
gigabytes) ends here as one InputError.

The layout is read by layout.py (columns, running headers, page numbers), the paragraphs
and footnotes by text.py, the headings (the outline, else sizes) by structure.py;
document.py makes the chapters. Without an outline or larger headings, the text goes through
the plain-text chapter finder, as a .txt would ("Chapter 1" lines).

Not read: scanned pages (there is no OCR: a PDF with no text layer is refused, a page of one is
listed), XMP metadata (only the Info dictionary: PDFium does not expose XMP), tables as tables.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from audiobook.core.book import Book, Skipped
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book
from audiobook.readers.document import Document, book_from_document
from audiobook.readers.html_blocks import Omitted, Text
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.pdf.layout import Page, Removed, Run, lay_out
from audiobook.readers.pdf.structure import Built, Outline, build_items
from audiobook.readers.sniff import READABLE, SAVE_AS
from audiobook.readers.text import split_plain_text

SUFFIXES = (".pdf",)
EXTRACTOR = Path(__file__).with_name("extract.py")
MAX_PAGES = 5000  # a long novel has 1,000
MAX_CHARS = 8_000_000  # ten long novels: what the layout of them holds stays in bounds
MEMORY = 320 << 20  # the child's address space: Python and PDFium with a page open use ~40 MB
OPEN_SECONDS = 4.0  # to open the file; then to read each page (a page takes milliseconds)
PAGE_SECONDS = 4.0
# In all: a book of N pages has 10 s + N / 20 (a page takes 2-10 ms), so that a file whose
# every page is slow cannot keep the reader for MAX_PAGES times PAGE_SECONDS.
TOTAL_SECONDS, PAGE_SHARE = 10.0, 0.05
SCANNED_WORDS = 5  # fewer words a page than this, on average: no text layer to speak of
_EXPORT = "export the book as DOCX, EPUB or HTML from the program that made it"
# What PDF writers put in the Info dictionary when the author gave nothing.
_PLACEHOLDERS = {"untitled", "anonymous", "unknown", "(unspecified)", "unspecified", "author"}


def read_pdf(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "PDF")
    _check_header(path)
    info, pages = _extract(path)
    words = sum(len(run.text.split()) for page in pages for run in page.runs)
    if words < SCANNED_WORDS * max(len(pages), 1):
        if any(page.images for page in pages):
            raise InputError(
                "has no text layer: its pages are images (a scan), and audiobook does no OCR",
                path=path,
                hint=f"run OCR software on it first, or {_EXPORT}",
            )
        raise InputError("holds no text to read", path=path, hint=_EXPORT)
    laid = lay_out(pages)
    laid.removed += [
        Removed(p.number, "page without text (an image: no OCR)", f"page {p.number}")
        for p in pages
        if p.images and not p.runs
    ]
    outline = [
        Outline(level, title, page + 1, x, y) for level, title, page, x, y in info["outline"]
    ]
    title, author = _field(info, "title"), _field(info, "author")
    built = build_items(laid, {p.number: p.height for p in pages}, outline, title)
    found = Document(
        built.items,
        built.notes,
        title=built.title,
        author=author,
        language=_field(info, "language"),
        description=_field(info, "subject"),
    )
    if built.headings == 0 or options.heading_pattern:
        return _as_text(source, path, built, found, options)
    return book_from_document(source, path, found, options)


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    if b"%PDF-" not in head:
        raise InputError(
            "is not a PDF (it does not begin with %PDF-)",
            path=path,
            hint=f"audiobook reads {READABLE}: name the file for what it is, or {SAVE_AS}",
        )


def _field(info: dict[str, Any], key: str) -> str:
    value = " ".join(str(info.get(key) or "").split())
    value = value.removeprefix("Microsoft Word - ")
    return "" if value.lower() in _PLACEHOLDERS else value


def _as_text(
    source: Path, path: Path, built: Built, found: Document, options: SplitOptions
) -> Book:
    """A PDF without headings of its own: its paragraphs as a text file's, chapters found as
    the text reader finds them ("Chapter 1" on a line of its own), or made by length."""
    paragraphs = [item.text for item in built.items if isinstance(item, Text)]
    skipped = [Skipped(i.reason, i.text) for i in built.items if isinstance(i, Omitted)]
    split, said = split_plain_text("\n\n".join(paragraphs), options, skipped, front_matter=True)
    if not split.chapters:
        raise InputError("no speakable words in the file", path=path, hint=_EXPORT)
    folder = source if source.is_dir() else source.parent
    return assemble_book(
        source,
        load_book_meta(folder),
        Manuscript(
            chapters=tuple(split.chapters),
            skipped=tuple(skipped + split.skipped),
            sources=(path,),
            title=found.title or said.get("title", ""),
            author=found.author or said.get("author", ""),
            language=found.language,
            description=found.description,
        ),
    )


# --- the child process ----------------------------------------------------------------------


def _extract(path: Path) -> tuple[dict[str, Any], list[Page]]:
    """The document's metadata and outline, and its pages' runs, read by extract.py in a
    child process held to MEMORY and to OPEN_SECONDS / PAGE_SECONDS."""
    command = [sys.executable, "-I", str(EXTRACTOR), str(path), str(MAX_PAGES), str(MAX_CHARS)]
    command.append(str(MEMORY))
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
    except OSError as exc:
        raise InputError(f"cannot start the PDF reader ({exc})", path=path) from None
    lines: queue.Queue[str | None] = queue.Queue()
    said: list[str] = []  # what it wrote to stderr (a Python error, should there be one)
    threading.Thread(target=_pump, args=(child.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_pump, args=(child.stderr, said.append), daemon=True).start()
    info: dict[str, Any] | None = None
    pages: list[Page] = []
    start = time.monotonic()
    deadline = start + TOTAL_SECONDS
    try:
        while True:
            wait = OPEN_SECONDS if info is None else PAGE_SECONDS
            left = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(min(wait, left), 0.0))
            except queue.Empty:
                if left <= wait:
                    what = f"more than {time.monotonic() - start:.0f} s in all"
                else:
                    where = "to open" if info is None else f"on page {len(pages) + 1}"
                    what = f"more than {wait:.0f} s {where}"
                raise InputError(
                    f"took {what}: damaged, or made to hang readers", path=path, hint=_EXPORT
                ) from None
            if line is None:
                break
            message = json.loads(line)
            kind = message["kind"]
            if kind == "error":
                raise _refusal(path, message["code"], message.get("detail", ""))
            if kind == "doc":
                info = message
                deadline += PAGE_SHARE * message["pages"]
            elif kind == "page":
                runs = [Run(r[0], r[1], r[2], r[3], r[4], r[6], r[5]) for r in message["runs"]]
                pages.append(
                    Page(len(pages) + 1, message["w"], message["h"], runs, message["images"])
                )
            elif kind == "end":
                return info or {"outline": []}, pages
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    # PDFium aborts when it cannot allocate (a stream that inflates past MEMORY); Python's own
    # errors leave their last line on stderr.
    last = next((text.strip() for text in reversed(said) if text and text.strip()), "")
    raise InputError(
        "could not be read: the PDF library stopped on it"
        + (f" at page {len(pages) + 1}" if info is not None else "")
        + f" (a damaged file, or one made to exhaust memory: it may use {MEMORY >> 20} MB)"
        + (f" [{last[:200]}]" if last else ""),
        path=path,
        hint=_EXPORT,
    )


def _pump(stream: Any, put: Any) -> None:
    """Lines from the child's STREAM to PUT, then None (its end)."""
    for line in stream:
        put(line)
    put(None)  # the end: on stderr, nothing to say


def _refusal(path: Path, code: str, detail: str) -> InputError:
    if code == "password":
        return InputError(
            "is protected by a password",
            path=path,
            hint=f"save a copy without the password, or {_EXPORT}",
        )
    if code == "security":
        return InputError("is encrypted in a way the PDF library cannot open", path=path)
    if code == "pages":
        return InputError(
            f"says it has {detail} pages: more than {MAX_PAGES} is not one book (or the file is "
            "made to exhaust readers)",
            path=path,
            hint="split it into books",
        )
    if code in ("chars", "page-chars"):
        what = f"page {detail} holds" if code == "page-chars" else "it holds"
        return InputError(f"{what} more text than a book has", path=path, hint="split it")
    if code == "page":
        return InputError(
            f"page {detail} cannot be read: its page tree is broken or loops back on itself",
            path=path,
            hint=f"open it in a PDF viewer and save it again, or {_EXPORT}",
        )
    if code == "outline-loop":
        return InputError(
            "its outline (bookmarks) loops back on itself: a damaged or hostile file",
            path=path,
            hint=f"open it in a PDF viewer and save it again, or {_EXPORT}",
        )
    if code == "file":
        return InputError("cannot be read", path=path, hint="check the file")
    return InputError(
        "is not a PDF that can be read (its structure is broken)",
        path=path,
        hint=f"open it in a PDF viewer and save it again, or {_EXPORT}",
    )


# A .pdf file with a text layer, or a folder (text/) that holds one.
READER = FileReader("pdf", SUFFIXES, read_pdf)
