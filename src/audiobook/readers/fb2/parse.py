"""A FictionBook 2 document, read as it streams by, into a flat run of html_blocks items, its
notes, its metadata and its cover; fb2.py makes the Book of them.

The XML is untrusted: defusedxml's parser (expat, which honours the encoding the XML
declaration names, windows-1251 as often as not) refuses entity declarations, so a "billion
laughs" file is one error. No tree is built: the parser hands each element to `Fb2Target` as
it comes, so memory is the text, not a tree; depth, elements and paragraphs are capped.

Read: the main <body> (later ones named "notes" or "comments" hold the notes), its <section>s
and their <title>s as headings, <p>, <subtitle>, verse lines (<v>), <text-author>, epigraphs
and citations as paragraphs; <empty-line/> as a pause between scenes (unless the book puts one
between most paragraphs, as layout); several main bodies' titles (volumes) as parts. Not read,
and listed: the one body's title (the book's, said in the opening credits), tables, images
(their alt text when asked), notes (unless asked; their reference mark is never said).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audiobook.readers.html_blocks import Break, Heading, Item, Omitted, Text

MAX_DEPTH = 500  # elements inside elements: a book nests sections a few deep
MAX_ELEMENTS = 2_000_000  # a long novel has 100,000
MAX_ITEMS = 300_000  # paragraphs and the like (rtf/parse.py says why)
MAX_TEXT = 16 << 20  # characters of text kept (War and Peace has 3 million)
MAX_COVER = 50 << 20  # decoded bytes, as cover.MAX_BYTES
_UNITS = {"p", "v", "subtitle", "text-author", "date"}  # elements read as one paragraph each
_CONTAINERS = {"section", "epigraph", "cite", "poem", "stanza", "annotation", "body"}
_INLINE = {"a", "emphasis", "strong", "style", "strikethrough", "sub", "sup", "code", "image"}
_SPACE = re.compile(r"\s+")
YEAR = re.compile(r"\b(\d{4})\b")
_NOTE_BODIES = ("note", "comment", "footnote", "endnote")


class TooBig(Exception):
    """Raised inside the parser's callbacks; fb2.py makes it an InputError naming the file."""


@dataclass
class Fb2Section:
    """A <section> of the main body, as chapter_level (fb2.py) needs to know it."""

    depth: int
    titled: bool = False
    children: int = 0  # the sections right inside it
    title: str = ""
    announced: bool = False  # a Break said that an untitled one begins


@dataclass
class Unit:
    """A paragraph being read: its text and, as (id, mark), the links it holds."""

    tag: str
    parts: list[str | tuple[str, str]] = field(default_factory=list)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _href(attrib: dict[str, str]) -> str:
    return next((v for k, v in attrib.items() if _local(k) == "href"), "")


def clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class Fb2Target:
    """The parser's target: start, end and data for each element, in document order."""

    def __init__(self, alt_text: bool) -> None:
        self.alt_text = alt_text
        self.stack: list[str] = []
        self.count = 0  # elements
        self.chars = 0  # characters of text (pictures aside)
        self.root = ""
        self.items: list[Item | Unit] = []  # units: paragraphs whose links fb2.py resolves
        self.notes: dict[str, str] = {}
        self.meta: dict[str, str] = {}
        self.authors: list[str] = []
        self.annotation: list[str] = []
        self.cover_id = ""
        self.cover: list[str] = []
        self.cover_size = 0
        self.sections: list[Fb2Section] = []  # every section of the main body, in order
        self.open: list[Fb2Section] = []
        self.bodies = 0
        self.in_notes = False
        self._unit: Unit | None = None
        self._link: tuple[str, list[str]] | None = None  # (target id, its text)
        self._title: list[str] | None = None  # a section title's lines
        self._table: list[str] | None = None
        self._table_depth = 0
        self.empty_lines: set[int] = set()  # where the <empty-line/>s are in items
        self.body_titles: list[int] = []  # where the main bodies' titles are in items
        self._capture: list[str] | None = None  # a metadata field's text
        self._capture_depth = 0  # where the element whose text it is stands
        self._author: dict[str, str] | None = None
        self._note: tuple[str, list[str]] | None = None  # (id, paragraphs) of a note
        self._in_binary = False

    # -- the parser's calls ------------------------------------------------------------------

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _local(tag)
        self.count += 1
        if len(self.stack) >= MAX_DEPTH:
            raise TooBig(f"nests elements more than {MAX_DEPTH} deep: not a book")
        if self.count > MAX_ELEMENTS:
            raise TooBig(f"holds more than {MAX_ELEMENTS:,} elements: not one book")
        if not self.stack and name != "FictionBook":
            raise TooBig(f"is XML but not a FictionBook (its root element is <{name}>)")
        self.root = self.root or name
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(name)
        if "description" in self.stack:
            self._description(name, parent, attrib)
        elif name == "body" and parent == "FictionBook":
            self.bodies += 1
            named = attrib.get("name", "").lower()
            self.in_notes = self.bodies > 1 and any(n in named for n in _NOTE_BODIES)
        elif name == "binary" and parent == "FictionBook":
            self._in_binary = bool(self.cover_id) and attrib.get("id") == self.cover_id
        elif self.in_notes:
            self._note_start(name, attrib)
        elif "body" in self.stack:
            self._body_start(name, parent, attrib)

    def end(self, tag: str) -> None:
        name = self.stack.pop()
        parent = self.stack[-1] if self.stack else ""
        if name == "body" and parent == "FictionBook":
            if self.in_notes:
                self._note_end_current()
                self.in_notes = False
            else:
                self._flush()
        elif "description" in self.stack or name == "description":
            self._description_end(name, parent)
        elif name == "binary":
            self._in_binary = False
        elif self.in_notes:
            self._note_end(name)
        elif "body" in self.stack:
            self._body_end(name, parent)

    def data(self, text: str) -> None:
        if self._in_binary:
            self.cover_size += len(text)
            if self.cover_size > MAX_COVER * 4 // 3 + 65536:
                raise TooBig(f"its cover image is larger than {MAX_COVER >> 20} MB")
            self.cover.append(text)
            return
        if self.stack and self.stack[-1] == "binary":
            return  # another picture
        self.chars += len(text)
        if self.chars > MAX_TEXT:
            raise TooBig(f"holds more than {MAX_TEXT >> 20} MB of text: not one book")
        if self._capture is not None:
            self._capture.append(text)
        elif self._table is not None:
            self._table.append(text)
        elif self._link is not None:
            self._link[1].append(text)
        elif self._unit is not None:
            self._unit.parts.append(text)
        elif text.strip() and not self.in_notes and "body" in self.stack:
            # Text loose in a section, outside any paragraph: still the book's, so read.
            self._unit = Unit("loose", [text])

    def close(self) -> None:
        self._flush()

    # -- description -------------------------------------------------------------------------

    def _description(self, name: str, parent: str, attrib: dict[str, str]) -> None:
        if "title-info" not in self.stack and not (name == "year" and parent == "publish-info"):
            return
        if name in ("book-title", "lang", "date", "year") or (
            parent == "author" and name in ("first-name", "middle-name", "last-name", "nickname")
        ):
            self._capture, self._capture_depth = [], len(self.stack)
            if name == "date" and YEAR.search(attrib.get("value", "")):
                self.meta.setdefault("date", attrib["value"])
        elif name == "author" and parent == "title-info":
            self._author = {}
        elif name == "p" and "annotation" in self.stack and self._capture is None:
            self._capture, self._capture_depth = [], len(self.stack)
        elif name == "image" and parent == "coverpage":
            self.cover_id = self.cover_id or _href(attrib).lstrip("#")

    def _description_end(self, name: str, parent: str) -> None:
        if self._capture is not None and len(self.stack) + 1 == self._capture_depth:
            text = clean("".join(self._capture))
            self._capture = None
            if name == "p":
                self.annotation.append(text)
            elif parent == "author" and self._author is not None:
                self._author.setdefault(name, text)
            elif text:
                self.meta.setdefault(name, text)
        elif name == "author" and self._author is not None:
            a = self._author
            full = " ".join(a[k] for k in ("first-name", "middle-name", "last-name") if a.get(k))
            if full or a.get("nickname"):
                self.authors.append(full or a["nickname"])
            self._author = None

    # -- the main body -----------------------------------------------------------------------

    def _body_start(self, name: str, parent: str, attrib: dict[str, str]) -> None:
        if self._table is not None:
            return
        if name in _INLINE:
            if name == "image":
                self._image(attrib)
            elif name == "a" and self._unit is not None and _href(attrib).startswith("#"):
                mark = ["\x00"] if attrib.get("type") == "note" else []  # a note's: not said
                self._link = (_href(attrib)[1:], mark)
            elif self._unit is None:  # inline text outside a paragraph: still the book's
                self._unit = Unit("loose")
            return
        self._flush()  # any other element ends the paragraph before it
        if self.open and parent == "section" and name != "title" and self._title is None:
            section = self.open[-1]
            if not section.titled and not section.announced:
                section.announced = True
                self._add(Break())  # an untitled section: a new scene, at least
        if name == "section":
            if self.open:
                self.open[-1].children += 1
            self.open.append(Fb2Section(len(self.open) + 1))
            self.sections.append(self.open[-1])
        elif name == "title":
            if parent in ("section", "body"):
                self._title = []
        elif name == "table":
            self._table, self._table_depth = [], len(self.stack)
        elif name == "empty-line":
            if self._title is None:
                self.empty_lines.add(len(self.items))
                self._add(Break())
        elif name not in _CONTAINERS:
            self._unit = Unit(name)  # p, v, subtitle, text-author, date, and the unknown

    def _body_end(self, name: str, parent: str) -> None:
        if self._table is not None:
            if name == "table" and len(self.stack) + 1 == self._table_depth:
                text = clean(" ".join(self._table))
                self._table = None
                if text:
                    self._add(Omitted("table", text))
            return
        if name in _INLINE:
            if name == "a" and self._link is not None and self._unit is not None:
                self._unit.parts.append((self._link[0], "".join(self._link[1])))
                self._link = None
            return
        self._flush()
        if name == "title" and self._title is not None:
            lines, self._title = [ln for ln in self._title if ln], None
            text = lines[0] if lines else ""
            for line in lines[1:]:  # "Chapter One" / "The Storm": "Chapter One. The Storm"
                text += f" {line}" if text[-1] in ".:!?;,\u2014\u2013-" else f". {line}"
            if parent == "body" and text:  # the book's title; or a volume's, when several
                self.body_titles.append(len(self.items))
                self._add(Omitted("the book's title (said in the opening credits)", text))
            elif text and self.open:
                self.open[-1].titled, self.open[-1].title = True, text
                self._add(Heading(self.open[-1].depth, text))
        elif name == "section" and self.open:
            self.open.pop()

    def _image(self, attrib: dict[str, str]) -> None:
        alt = clean(attrib.get("alt", "") or attrib.get("title", ""))
        if not alt:
            return
        if self._unit is not None and self.alt_text:
            self._unit.parts.append(f" {alt} ")
        elif self.alt_text:
            self._add(Text(alt))
        else:
            self._add(Omitted("image", alt))

    def _flush(self) -> None:
        """End the paragraph being read: a title's line, or a unit resolved at the end."""
        unit, self._unit = self._unit, None
        if unit is None:
            return
        if self._link is not None:  # an <a> left open by broken markup
            unit.parts.append((self._link[0], "".join(self._link[1])))
            self._link = None
        if self._title is not None:
            self._title.append(clean("".join(p for p in unit.parts if isinstance(p, str))))
        elif any(isinstance(p, tuple) or p.strip() for p in unit.parts):
            self._add(unit)

    def _add(self, item: Item | Unit) -> None:
        self.items.append(item)
        if len(self.items) > MAX_ITEMS:
            raise TooBig(f"holds more than {MAX_ITEMS:,} paragraphs: not one book")

    # -- notes -------------------------------------------------------------------------------

    def _note_start(self, name: str, attrib: dict[str, str]) -> None:
        if name == "section" and attrib.get("id"):
            self._note_end_current()
            self._note = (attrib["id"], [])
        elif name == "title":
            self._capture = []  # a note's number ("1"): not its text
        elif name in _UNITS and self._note is not None and self._capture is None:
            self._unit = Unit(name)

    def _note_end(self, name: str) -> None:
        if name == "title":
            self._capture = None
        elif self._unit is not None and name == self._unit.tag and self._note is not None:
            self._note[1].append("".join(p for p in self._unit.parts if isinstance(p, str)))
            self._unit = None
        elif name == "section":
            self._note_end_current()

    def _note_end_current(self) -> None:
        if self._note is not None:
            text = clean(" ".join(self._note[1]))
            if text:
                self.notes.setdefault(self._note[0], text)
            self._note = None

    # -- the result --------------------------------------------------------------------------
