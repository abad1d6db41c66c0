"""MOBI and AZW3 (Kindle) books without DRM in: the book's HTML and table of contents -> the same
Book every structured reader makes (document.py).

Read by our own code, in-process, rather than through the KindleUnpack-based `mobi` package:
that one is GPL (it could only be an optional extra), writes the book out to disk, and was not
written for hostile files. The container and its text are container.py's (PalmDB records,
headers, EXTH metadata, PalmDoc decompression, INDX tables), KF8's reassembly of its XHTML files
is kf8.py's, the markup's links, notes and contents pages are markup.py's; html_blocks
reads the markup as it reads an EPUB's.

A combined .mobi (MOBI 7 and KF8 in one file, as kindlegen and calibre make them) is read from
its KF8 half, which keeps the book's own markup (headings, ids, classes) where MOBI 7 has only
font sizes. Chapters start where the book's navigation (its NCX index) points, else where a
contents page in its text points, else at its headings. A DRM-protected book is refused in one
line, as an EPUB is; so is one compressed with HUFF/CDIC (rare outside DRM-protected sales).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book
from audiobook.readers.chapters import split_chapters
from audiobook.readers.document import Document, book_from_document
from audiobook.readers.epub_package import MATTER_LABEL
from audiobook.readers.html_blocks import Heading, Item, Omitted, Text
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.mobi.container import (
    Header,
    PalmDB,
    open_palmdb,
    read_header,
    read_index,
    read_text,
)
from audiobook.readers.mobi.kf8 import kf8_layout
from audiobook.readers.mobi.markup import Markup, anchor_positions, filepos_target
from audiobook.readers.text import PG_END, PG_START

SUFFIXES = (".mobi", ".azw", ".azw3", ".prc")
# Parsing costs about 20 us a tag: a long novel has some 50,000; past this a crafted file would
# take more than 10 s (with container.MAX_TEXT, the bound on text without tags).
MAX_TAGS = 250_000
_IMAGES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8")
_YEAR = re.compile(r"\b(\d{4})\b")
_WORD = re.compile(r"\w+")


def read_mobi(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "MOBI")
    with open_palmdb(path) as db:
        first = read_header(db, 0)
        _refuse_drm(first, path)
        if db.kind == b"TEXtREAd":
            return _plain_text(source, path, read_text(db, first), options)
        header = first
        boundary = first.meta_int(121)  # a combined file's KF8 half starts at this record
        if first.version < 8 and boundary is not None and 0 < boundary < len(db):
            header = read_header(db, boundary)
            _refuse_drm(header, path)
        text = read_text(db, header)
        layout = kf8_layout(db, header, text) if header.version >= 8 else None
        parts = layout.parts if layout else [(0, text)]
        if sum(data.count(b"<") for _, data in parts) > MAX_TAGS:
            raise InputError(
                f"holds more than {MAX_TAGS:,} tags: not a book's markup",
                path=path,
                hint="convert it to EPUB, or split it into volumes",
            )
        navigation = _navigation(db, header, layout.position if layout else None)
        cover = _cover(db, first, path)
    markup = Markup(parts, layout.target if layout else filepos_target, header.encoding)
    targets = {p: label for p, label, depth in reversed(navigation) if depth <= 3}
    items, notes, contents = markup.items(targets, options.alt_text)
    items, level = _chapters(_gutenberg(items), navigation, contents)
    found = Document(
        items,
        notes,
        title=first.meta(503) or first.title,
        author=", ".join(v.decode(first.encoding, "replace") for v in first.exth.get(100, [])),
        language=first.language,
        year=_year(first.meta(106)),
        description=_plain(first.meta(103)),
        cover=cover,
        chapter_level=level,
    )
    return book_from_document(source, path, found, options)


def _refuse_drm(header: Header, path: Path) -> None:
    if header.encryption:
        # The text records are ciphertext: read aloud they would be noise.
        raise InputError(
            "is DRM-protected: its text is encrypted",
            path=path,
            hint="render a DRM-free edition of the book (public-domain e-books are)",
        )


def _navigation(
    db: PalmDB, header: Header, position: Callable[[int, int], int | None] | None
) -> list[tuple[int, str, int]]:
    """The book's NCX index: (position, label, depth from 1) in the book's order."""
    if header.ncx is None:
        return []
    entries, strings = read_index(db, header.ncx)
    found = []
    for entry in entries:
        tags = entry.tags
        if tags.get(1):
            where: int | None = tags[1][0]
        elif 6 in tags and len(tags[6]) >= 2 and position is not None:
            where = position(tags[6][0], tags[6][1])
        else:
            continue
        label = strings.get(tags[3][0], b"") if tags.get(3) else b""
        depth = tags[4][0] + 1 if tags.get(4) else 1
        if where is not None:
            found.append((where, _plain(label.decode(header.encoding, "replace")), depth))
    return found


def _cover(db: PalmDB, header: Header, path: Path) -> tuple[bytes, Path] | None:
    """The cover image (EXTH 201: its record after the first image record), if it is one."""
    offset = header.meta_int(201)
    if offset is None or header.first_resource is None:
        return None
    record = header.first_resource + offset
    if not 0 < record < len(db):
        return None
    data = db.record(record)
    return (data, Path(f"{path}!cover")) if data.startswith(_IMAGES) else None


def _gutenberg(items: list[Item]) -> list[Item]:
    """Project Gutenberg's header and licence as not read (an EPUB marks them; MOBI 7 cannot)."""
    starts = [n for n, i in enumerate(items) if isinstance(i, Text) and PG_START.match(i.text)]
    ends = [n for n, i in enumerate(items) if isinstance(i, Text) and PG_END.match(i.text)]
    if ends:
        items = [*items[: ends[-1]], *_omitted(items[ends[-1] :], "Project Gutenberg licence")]
    if starts:
        items = [
            *_omitted(items[: starts[0] + 1], "Project Gutenberg header"),
            *items[starts[0] + 1 :],
        ]
    return items


def _omitted(items: list[Item], reason: str) -> list[Item]:
    """ITEMS as not read: their text as one Omitted, after what else they hold."""
    said = " ".join(i.text for i in items if isinstance(i, Text | Heading))
    kept: list[Item] = [i for i in items if not isinstance(i, Text | Heading)]
    return [*kept, Omitted(reason, said)] if said else kept


def _chapters(
    items: list[Item], navigation: list[tuple[int, str, int]], contents: list[tuple[int, str]]
) -> tuple[list[Item], int | None]:
    """ITEMS with a chapter heading where each entry of the navigation (else of a contents page
    in the text) points: the text's own heading there (or the paragraph that says the entry's
    label), else the label; the text's other headings are read as paragraphs. Entries for front
    or back matter mark their text as not read. Without two such chapters, the items as they
    are: chapters at their headings."""
    anchors = anchor_positions(items)
    marks: dict[int, list[tuple[str, int]]] = {}
    for entries in (navigation, [(p, label, 1) for p, label in contents]):
        marks = {}
        for position, label, depth in entries:
            if position in anchors and depth <= 3:
                marks.setdefault(anchors[position], []).append((label, depth))
        chapters = [e for entry in marks.values() for e in entry if not MATTER_LABEL.match(e[0])]
        if len(chapters) >= 2:
            break
    else:
        return items, None
    out: list[Item] = []
    pending: list[tuple[str, int]] = []  # entries waiting for their first text
    matter: list[Item] | None = None  # the items of an entry for front or back matter
    for n, item in enumerate(items):
        if n in marks:
            out += [Heading(depth, label) for label, depth in pending]
            if matter is not None:
                out += _omitted(matter, "front or back matter")
            pending, matter = [], None
            for label, depth in marks[n]:
                if MATTER_LABEL.match(label):
                    matter = []
                else:
                    pending.append((label, depth))
            if matter is not None:
                out += [Heading(depth, label) for label, depth in pending]
                pending = []
        if matter is not None:
            matter.append(item)
            continue
        if pending and isinstance(item, Text | Heading):
            *parts, (label, depth) = pending
            out += [Heading(d, lbl) for lbl, d in parts]
            pending = []
            if isinstance(item, Heading) or _says(item.text, label):
                out.append(Heading(depth, item.text))
                continue
            out.append(Heading(depth, label))
        out.append(Heading(6, item.text) if isinstance(item, Heading) else item)
    out += [Heading(depth, label) for label, depth in pending]
    if matter is not None:
        out += _omitted(matter, "front or back matter")
    return out, max(depth for entry in marks.values() for _, depth in entry)


def _says(text: str, label: str) -> bool:
    """Whether a paragraph is the chapter's title as its navigation names it."""
    words, named = _WORD.findall(text.casefold()), _WORD.findall(label.casefold())
    return bool(named) and words[: len(named)] == named and len(words) <= len(named) + 12


def _plain_text(source: Path, path: Path, data: bytes, options: SplitOptions) -> Book:
    """A PalmDOC book (TEXtREAd): plain text, chaptered as the text reader does."""
    split = split_chapters(data.decode("cp1252", "replace"), replace(options, front_matter=True))
    if not split.chapters:
        raise InputError("no speakable words in the file", path=path)
    return assemble_book(
        source,
        load_book_meta(source if source.is_dir() else source.parent),
        Manuscript(chapters=tuple(split.chapters), skipped=tuple(split.skipped), sources=(path,)),
    )


def _year(date: str) -> int | None:
    m = _YEAR.search(date)
    return int(m.group(1)) if m else None


def _plain(markup: str) -> str:
    """Text without tags or entities (a description may be HTML)."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", markup)).split())


# A .mobi/.azw3 file, or a folder (text/) that holds one.
READER = FileReader("mobi", SUFFIXES, read_mobi)
