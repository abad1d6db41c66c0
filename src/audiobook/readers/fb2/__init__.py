"""FictionBook 2 in (.fb2, and .fb2.zip as the Russian libraries hand them out): sections and
their titles as chapters, the description as metadata and cover -> the same Book as every other
manuscript.

The XML is read as untrusted, as the EPUB package is: within a size cap, through defusedxml
(entity declarations refused), a .fb2.zip through archive.Archive (each member read through a
cap, so a ZIP bomb is one error). parse.py reads the document as it streams by; the
chapters are made as for every structured document (document.py), at the section depth
`chapter_level` chooses.
"""

from __future__ import annotations

import base64
import binascii
import html.entities
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers.archive import Archive
from audiobook.readers.document import Document, book_from_document
from audiobook.readers.fb2.parse import YEAR, Fb2Section, Fb2Target, TooBig, Unit, clean
from audiobook.readers.headings import classify
from audiobook.readers.html_blocks import Break, Heading, Item, Omitted, Text
from audiobook.readers.interface import FileReader
from audiobook.readers.sniff import suffix_of

SUFFIXES = (".fb2", ".fb2.zip")
# A novel is 1-3 MB of FB2; its pictures, in base64, can make it tens.
MAX_BYTES = 64 << 20
HINT = "save it again from the program that made it, or as EPUB"
_DECLARED = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
# Where a note's mark was: "the quay [1]." is said "the quay."
_MARK_BEFORE_STOP = re.compile(r"\s*\x00+(?=[.,;:!?)\]\u201d\u00bb])")
# Titles of parts that hold chapters: "Part One", "Часть первая", "Книга 2", "Teil I".
_PART = re.compile(
    r"^(part|book|volume|часть|книга|том|teil|buch|band|partie|livre|tome|parte|libro)\b", re.I
)


@dataclass
class Fb2Book:
    items: list[Item]
    notes: dict[str, str]
    sections: list[Fb2Section]
    title: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""
    year: int | None = None
    description: str = ""
    cover: tuple[str, bytes] | None = None  # the binary's id and its bytes


def read_fb2(source: Path, options: SplitOptions) -> Book:
    path = _one_book(source)
    data, member = _load(path)
    book = _parse(data, path, member, options.alt_text)
    del data
    cover = book.cover
    found = Document(
        book.items,
        book.notes,
        title=book.title,
        author=", ".join(book.authors),
        language=book.language,
        year=book.year,
        description=book.description,
        cover=(cover[1], Path(f"{path}!{cover[0]}")) if cover else None,
        chapter_level=chapter_level(book.sections),
    )
    return book_from_document(source, path, found, options)


def _one_book(source: Path) -> Path:
    """SOURCE, or the one .fb2 or .fb2.zip in the folder SOURCE."""
    if not source.is_dir():
        if not source.exists():
            raise InputError("no such file or folder", path=source, hint="check the path")
        return source
    found = sorted(p for p in source.iterdir() if p.is_file() and suffix_of(p) in SUFFIXES)
    if len(found) != 1:
        raise InputError(
            f"the folder holds {len(found)} FB2 files",
            path=source,
            hint="keep one book in a folder, or name the FB2 file to read",
        )
    return found[0]


def _load(path: Path) -> tuple[bytes, str]:
    """The FB2 document's bytes, and its name inside the ZIP ("" for a plain .fb2)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    if not data.startswith(b"PK\x03\x04") and suffix_of(path) != ".fb2.zip":
        if len(data) > MAX_BYTES:
            raise InputError(f"larger than {MAX_BYTES >> 20} MB: not one book", path=path)
        return data, ""
    del data
    with Archive(path, "zipped FB2 book", HINT) as archive:
        names = [
            info.filename
            for info in archive.zip.infolist()
            if info.filename.lower().endswith(".fb2") and not info.filename.startswith("__MACOSX/")
        ]
        if len(names) != 1:
            raise archive.error(
                f"holds {len(names)} .fb2 books, not one",
                hint="unzip it and point audiobook at the .fb2 book to read",
            )
        return archive.read(names[0], MAX_BYTES), names[0]


def _parse(data: bytes, path: Path, member: str, alt_text: bool) -> Fb2Book:
    """DATA parsed as untrusted XML; every fault one InputError naming the file (and member)."""
    where = Path(f"{path}!{member}") if member else path
    try:
        try:
            return _feed(data, alt_text)
        except ValueError as exc:
            if isinstance(exc, DefusedXmlException) or "multi-byte" not in str(exc):
                raise
            # Expat decodes single-byte code pages only: a GBK or Shift-JIS book is decoded
            # here, and given to it as UTF-8.
            return _feed(_as_utf8(data, where), alt_text)
        except ParseError as exc:
            if "undefined entity" not in str(exc):
                raise
            # "&nbsp;" and the like, which HTML knows and XML does not: careless converters
            # write them. Said as the characters they stand for.
            return _feed(_ENTITY.sub(_character, data), alt_text)
    except DefusedXmlException:
        raise InputError(
            "declares XML entities, which a book never needs", path=where, hint=HINT
        ) from None
    except ParseError as exc:
        raise InputError(f"is not well-formed XML ({exc})", path=where, hint=HINT) from None
    except LookupError as exc:
        raise InputError(f"is in an encoding Python does not know ({exc})", path=where) from None
    except TooBig as exc:
        raise InputError(str(exc), path=where, hint=HINT) from None


def _feed(data: bytes, alt_text: bool) -> Fb2Book:
    book = Fb2Target(alt_text)
    parser = DefusedXMLParser(target=book, forbid_dtd=False)
    parser.feed(data)
    parser.close()
    if not book.root:
        raise ParseError("no element found")
    return _book(book)


def _book(found: Fb2Target) -> Fb2Book:
    """What the parser FOUND as a book: its paragraphs' links resolved (the notes are known
    only at the end), the volumes' titles as parts, the pauses made, the cover decoded."""
    if len(found.body_titles) > 1:  # volumes, each a body: said as parts of the book
        for n in found.body_titles:
            title = found.items[n]
            assert isinstance(title, Omitted)
            found.items[n] = Heading(0, title.text)
    # Empty lines between most paragraphs are layout, not scene breaks; and a pause is one.
    layout = len(found.empty_lines) * 3 > sum(isinstance(i, Unit) for i in found.items)
    items: list[Item] = []
    for n, item in enumerate(found.items):
        if isinstance(item, Unit):
            item = _said(item, found.notes)
            if not item.text:
                continue
        if isinstance(item, Break) and (
            (layout and n in found.empty_lines) or (items and isinstance(items[-1], Break))
        ):
            continue
        items.append(item)
    items += [Omitted("footnote", text) for text in found.notes.values()]
    year = YEAR.search(found.meta.get("date", "") or found.meta.get("year", ""))
    cover = None
    if found.cover:
        try:
            data = base64.b64decode("".join(found.cover))
        except (binascii.Error, ValueError):
            raise TooBig(f"its cover image {found.cover_id!r} is not valid base64") from None
        cover = (found.cover_id, data) if data else None
    return Fb2Book(
        items,
        found.notes,
        found.sections,
        title=found.meta.get("book-title", ""),
        authors=found.authors,
        language=found.meta.get("lang", ""),
        year=int(year[1]) if year else None,
        description="\n".join(p for p in found.annotation if p),
        cover=cover,
    )


def _said(unit: Unit, notes: dict[str, str]) -> Text:
    """A paragraph's text, with a link to a note (by type="note", or to an id the notes have)
    as a reference whose mark is not said; other links' text is read."""
    text: list[str] = []
    refs: list[str] = []
    for part in unit.parts:
        if isinstance(part, str):
            text.append(part)
        elif part[1].startswith("\x00") or part[0] in notes:
            refs.append(part[0])
            text.append("\x00")
        else:
            text.append(part[1])
    said = _MARK_BEFORE_STOP.sub("", "".join(text)).replace("\x00", "")
    return Text(clean(said), tuple(refs))


def _as_utf8(data: bytes, where: Path) -> bytes:
    declared = _DECLARED.match(data)
    if declared is None:
        raise InputError("is in an encoding the XML parser cannot read", path=where, hint=HINT)
    text = data.decode(declared[2].decode("ascii"), "replace")
    return _DECLARED.sub(rb"\1UTF-8\3", text.encode("utf-8"), count=1)


def _character(m: re.Match[bytes]) -> bytes:
    code = html.entities.name2codepoint.get(m[1].decode("ascii"))
    return f"&#{code};".encode() if code is not None else m[0]


def chapter_level(sections: list[Fb2Section]) -> int | None:
    """The depth of the sections that are chapters: the top ones when there are several, else
    their children; and deeper while each of those holds sections of its own (FB2 puts text or
    sections in a section, never both), as parts hold chapters, unless they are chapters
    ("Chapter 3") or what they hold are a few numbered scenes ("1", "2", "* * *")."""
    titled = [s for s in sections if s.titled]
    if not titled:
        return None
    top = [s for s in titled if s.depth == 1]
    level = 1 if len(top) >= 2 or not any(s.depth == 2 for s in titled) else 2
    while level < 6:
        here = [s for s in titled if s.depth == level]
        deeper = [s.title for s in titled if s.depth == level + 1]
        if not (here and deeper and all(s.children for s in here)):
            break
        parts = all(_kind(s.title) == "part" or _PART.match(s.title) for s in here)
        chapters = any(_kind(s.title) == "chapter" for s in here)
        scenes = all(_kind(t) == "lone" or not any(c.isalpha() for c in t) for t in deeper)
        if not parts and (chapters or (scenes and len(deeper) < 5 * len(here))):
            break
        level += 1
    return level


def _kind(title: str) -> str:
    heading = classify(title, None)
    return heading.kind if heading is not None else ""


# A .fb2 or .fb2.zip file, or a folder (text/) that holds one.
READER = FileReader("fb2", SUFFIXES, read_fb2)
