"""What the DOCX and ODT readers share: their XML read as a stream, into paragraphs.

A word processor's file is a ZIP of XML from anywhere. Its XML is not built into a tree: a
parser target (docx.py's, odt.py's) sees each element start and end and hands what it reads to a
`Story`, which keeps only the paragraph being read and the items already made. So memory grows
with the text, not with the markup (a tree costs ~100 bytes an element, and a document.xml
within the archive's 32 MB cap can hold five million of them), nesting costs nothing (no
recursion anywhere; depth is capped all the same), and the number of elements and paragraphs is
capped so that a hostile file ends in one line within seconds.

The Story's frames: a paragraph (Para) collects its text, the note ids it refers to, and what
lies in it that is not read (a comment, a footnote, an image's alt text, a text box), which
follows it as items; a Collector gathers the text of something not read aloud as a whole (a
table, a text box, an equation, a note's body, a comment), from the paragraphs inside it.

book.py makes the Book from what they read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from audiobook.core.errors import InputError
from audiobook.readers.archive import parse_xml
from audiobook.readers.html_blocks import Break, Heading, Item, Omitted, Text
from audiobook.readers.sections import SCENE_BREAK

MAX_ELEMENTS = 2_000_000  # a 32 MB document.xml of a real book holds about a million
MAX_DEPTH = 256  # a text box in a table in a table is ~30 deep
MAX_PARAGRAPHS = 100_000  # War and Peace saved with one paragraph a line is ~66,000
MAX_TREE = 500_000  # "<" in a small part parsed as a tree (styles, core properties)
TITLE = "the book's title (said in the opening credits)"
# Authors that word processors and libraries write in for whoever made the file.
NO_AUTHOR = {
    "", "python-docx", "unknown", "author", "user", "owner", "admin", "administrator",
    "microsoft office user", "windows user", "microsoft office-anwender", "utilisateur",
}  # fmt: skip
_SPACE = re.compile(r"\s+")
_CHUNK = 1 << 20


def clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class Para:
    """A paragraph being read."""

    __slots__ = ("hidden", "kind", "level", "notes", "pieces", "reason", "rule", "side")

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.hidden: list[str] = []  # hidden text (not read; listed)
        self.notes: list[str] = []  # ids of the notes it refers to
        self.side: list[Item] = []  # what lies in it and is not read, in order
        self.kind = "text"  # "text", "heading" or "title"
        self.level = 0
        self.reason: str | None = None  # why it is not read (a table of contents), if not
        self.rule = False  # a horizontal line: empty, it is a scene break


class Collector:
    """Something not read aloud as a whole (a table, a text box, a note's body): its text."""

    __slots__ = ("pieces", "reason", "side")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.pieces: list[str] = []
        self.side: list[Item] = []


class Story:
    """The items of one document as its parser target reads them (see the module docstring)."""

    def __init__(self, path: Path, hint: str) -> None:
        self.path, self.hint = path, hint
        self.items: list[Item] = []
        self.known: dict[str, str] = {}  # every note by id, read before the body
        self.notes: dict[str, str] = {}  # the notes spoken paragraphs refer to
        self.titles: list[str] = []  # paragraphs in the title style
        self.frames: list[Para | Collector] = []
        self.paragraphs = 0
        self.elements = 0  # XML elements seen, in every part read
        self._carry: tuple[Para, int] | None = None  # a paragraph whose end mark was deleted

    def error(self, message: str) -> InputError:
        return InputError(message, path=self.path, hint=self.hint)

    def para(self) -> Para | None:
        """The innermost paragraph being read, if the innermost frame is one."""
        frame = self.frames[-1] if self.frames else None
        return frame if isinstance(frame, Para) else None

    def text(self, text: str, hidden: bool = False) -> None:
        if not self.frames:
            return  # between paragraphs: the markup's own whitespace
        frame = self.frames[-1]
        if hidden and isinstance(frame, Para):
            frame.hidden.append(text)
        else:
            frame.pieces.append(text)

    def emit(self, item: Item) -> None:
        """ITEM after the paragraph or inside the thing being read, else in the body."""
        if self.frames:
            self.frames[-1].side.append(item)
        else:
            self.items.append(item)

    def note_ref(self, key: str) -> None:
        """A reference to the note KEY here: the paragraph refers to it, and its text is
        listed as not read (document.py reads it at the chapter's end when notes = true)."""
        text = self.known.get(key)
        if not text:
            return
        para = self.para()
        if para is not None:
            para.notes.append(key)
        self.emit(Omitted("footnote", text))

    def open_para(self) -> Para:
        self.paragraphs += 1
        if self.paragraphs > MAX_PARAGRAPHS:
            raise self.error(f"holds more than {MAX_PARAGRAPHS:,} paragraphs: not one book")
        if self._carry is not None:
            para, depth = self._carry
            self._carry = None
            if depth == len(self.frames):  # the text of both is one paragraph, styled as this
                para.kind, para.level, para.reason, para.rule = "text", 0, None, False
                para.pieces.append(" ")
                self.frames.append(para)
                return para
            self.frames.append(para)
            self.close_para()
        para = Para()
        self.frames.append(para)
        return para

    def hold_para(self) -> None:
        """The paragraph's end mark was deleted (a tracked change): it goes on into the next."""
        frame = self.frames.pop()
        if isinstance(frame, Para):
            self._carry = (frame, len(self.frames))

    def close_para(self) -> None:
        para = self.frames.pop()
        if not isinstance(para, Para):
            raise self.error("holds a paragraph that never ends: not a document")
        text = clean("".join(para.pieces))
        made: list[Item] = []
        if text:
            if para.reason:
                made.append(Omitted(para.reason, text))
            elif para.kind == "title":
                self.titles.append(text)
                made.append(Omitted(TITLE, text))
            elif para.kind == "heading":
                made.append(Heading(para.level, text))
            elif SCENE_BREAK.match(text):
                made.append(Break())
            else:
                made.append(Text(text, tuple(dict.fromkeys(para.notes))))
        elif para.rule and not self.frames:
            made.append(Break())  # an empty paragraph drawn as a line ("Horizontal Line")
        elif not self.frames and para.kind == "text":
            made.append(Text(""))  # an empty paragraph: a blank line, for the text path
        hidden = clean("".join(para.hidden))
        if hidden:
            made.append(Omitted("hidden text", hidden))
        made += para.side
        parent = self.frames[-1] if self.frames else None
        if parent is None:
            self.items += made
            for key in para.notes if made and isinstance(made[0], Text) else ():
                self.notes[key] = self.known[key]
        elif isinstance(parent, Collector):
            parent.pieces.append(f" {text} ")
            parent.side += made[1:] if text else made
        else:  # a paragraph directly in a paragraph (not valid): what it says follows that one
            parent.side += made

    def open_collector(self, reason: str) -> None:
        if self._carry is not None:  # a deleted end mark before a table: nothing to join
            para, _ = self._carry
            self._carry = None
            self.frames.append(para)
            self.close_para()
        self.frames.append(Collector(reason))

    def close_collector(self) -> Collector:
        frame = self.frames.pop()
        if not isinstance(frame, Collector):
            raise self.error("holds a table or text box that never ends: not a document")
        return frame

    def omit_collected(self) -> None:
        """Close the innermost collector: its text is listed as not read (inside another one,
        a table in a table, it is part of that one's text)."""
        found = self.close_collector()
        text = clean("".join(found.pieces))
        parent = self.frames[-1] if self.frames else None
        if isinstance(parent, Collector):
            parent.pieces.append(f" {text} ")
            parent.side += found.side
            return
        if text:
            self.emit(Omitted(found.reason, text))
        for item in found.side:
            self.emit(item)

    def finish(self) -> None:
        if self._carry is not None:
            para, _ = self._carry
            self._carry = None
            self.frames.append(para)
            self.close_para()


class Target:
    """The base of a parser target: counts elements and depth, and splits tags once."""

    def __init__(self, story: Story, groups: dict[str, str]) -> None:
        self.story = story
        self.groups = groups  # namespace URI -> short name ("w", "m", "text", ...)
        self.names: list[str] = []  # the open elements, as "group:local"
        self._tags: dict[str, str] = {}

    def name(self, tag: str) -> str:
        """TAG ("{uri}p") as "group:local" ("w:p"); an unknown namespace is "?"."""
        found = self._tags.get(tag)
        if found is None:
            uri, _, local = tag[1:].partition("}") if tag[:1] == "{" else ("", "", tag)
            found = self._tags[tag] = f"{self.groups.get(uri, '?')}:{local}"
        return found

    def enter(self, tag: str) -> str:
        self.story.elements += 1
        if self.story.elements > MAX_ELEMENTS:
            raise self.story.error(f"holds more than {MAX_ELEMENTS:,} XML elements: not a book")
        if len(self.names) >= MAX_DEPTH:
            raise self.story.error(f"its XML is nested more than {MAX_DEPTH} deep: not a book")
        name = self.name(tag)
        self.names.append(name)
        return name

    def close(self) -> None:
        return None


def stream(data: bytes, target: Target, name: str) -> None:
    """Feed DATA (the member NAME) to TARGET; malformed XML and entity declarations refused."""
    story = target.story
    parser = DefusedXMLParser(target=target)
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start : start + _CHUNK])
        parser.close()
    except DefusedXmlException:
        raise story.error(f"{name!r} declares XML entities, which a book never needs") from None
    except ParseError as exc:
        raise story.error(f"{name!r} is not well-formed XML ({exc})") from None


def small_tree(data: bytes, path: Path, name: str, hint: str) -> Element:
    """A small part (styles, properties) as a tree, refused when it is too big to be one."""
    if data.count(b"<") > MAX_TREE:
        raise InputError(f"{name!r} holds too many XML elements: not a book", path=path, hint=hint)
    return parse_xml(data, path, name, hint)


@dataclass(frozen=True)
class Properties:
    """What a document says about itself (DOCX core properties, ODT meta.xml)."""

    title: str = ""
    author: str = ""
    language: str = ""
    description: str = ""


def author_of(name: str) -> str:
    """NAME as the book's author, or "" for what a program writes in for anyone."""
    name = clean(name)
    return "" if name.lower() in NO_AUTHOR else name
