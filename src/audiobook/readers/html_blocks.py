"""HTML and XHTML to a flat run of items: headings, paragraphs, scene breaks, anchors, and what is
not read aloud with the reason.

Shared by the EPUB reader (each spine document) and the HTML reader. The standard library's
HTMLParser reads the markup: it tolerates broken HTML, fetches nothing and expands no entity a
document declares (so a hostile DTD cannot make it grow), and it streams, so a document costs
memory in proportion to its text, not to a tree of it. Elements with an id become Anchors, so
that a navigation entry pointing into the middle of a file ("ch1.xhtml#part2") can be found.

Not read aloud (SPECS.md section 11): note references and the notes themselves (unless asked),
page-break markers, images (their alt text only if asked), ruby annotations, scripts and styles,
and Project Gutenberg's header and licence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from audiobook.core.book import Block, SceneBreak, Skipped
from audiobook.readers.sections import paragraph

# Elements that end the paragraph before them and start a new one.
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "header", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SILENT = {"head", "script", "style", "template", "noscript", "rt", "rp", "svg", "math", "object"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
# epub:type (and the matching DPUB-ARIA role) of what is never read as text, with the reason.
_NOT_READ = {
    "noteref": "note reference",
    "pagebreak": "page number",
    "cover": "cover",
    "titlepage": "title page",
    "halftitlepage": "title page",
    "toc": "table of contents",
    "landmarks": "table of contents",
    "loi": "list of illustrations",
    "lot": "list of tables",
    "copyright-page": "copyright page",
    "colophon": "colophon",
    "imprint": "imprint",
    "index": "index",
}
_NOTES = {"footnote", "endnote", "rearnote", "footnotes", "endnotes", "rearnotes", "note"}
_GUTENBERG = {"pg-header": "Project Gutenberg header", "pg-footer": "Project Gutenberg licence"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Anchor:
    """An element with this id starts here; OMITTED when it lies inside something not read."""

    id: str
    omitted: bool = False


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph as written (inline markup gone; emphasis kept as _underscores_ for pauses)."""

    text: str
    notes: tuple[str, ...] = ()  # the ids of the notes it refers to, in order


@dataclass(frozen=True)
class Break:
    """A scene break (<hr/>)."""


@dataclass(frozen=True)
class Omitted:
    """Text that is not read aloud, and why."""

    reason: str
    text: str


Item = Anchor | Heading | Text | Break | Omitted


@dataclass
class Parsed:
    items: list[Item]
    notes: dict[str, str] = field(default_factory=dict)  # footnotes and endnotes by id
    title: str = ""  # <title>
    language: str = ""  # <html lang>
    meta: dict[str, str] = field(default_factory=dict)  # <meta name=... content=...>


def parse_html(markup: str, alt_text: bool = False) -> Parsed:
    """MARKUP's items in reading order; ALT_TEXT reads images' alt text as paragraphs."""
    parser = _BlockParser(alt_text)
    parser.feed(markup)
    parser.close()
    parser.finish()
    return Parsed(parser.items, parser.notes, _clean(parser.title), parser.language, parser.meta)


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass
class _Open:
    tag: str
    skip: str | None = None  # the reason this element's text is not read
    note_id: str | None = None  # a footnote or endnote being collected
    label: str = ""  # a page break's number, when it has no text


class _BlockParser(HTMLParser):
    def __init__(self, alt_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.alt_text = alt_text
        self.items: list[Item] = []
        self.notes: dict[str, str] = {}
        self.title = ""
        self.language = ""
        self.meta: dict[str, str] = {}
        self._stack: list[_Open] = []
        self._text: list[str] = []  # the paragraph being read
        self._refs: list[str] = []  # note ids referred to in it
        self._heading: int | None = None  # the level of the heading being read
        self._skipped: list[str] = []  # the text of the omitted element being read
        self._skip_depth: int | None = None  # where in the stack the omitted element is
        self._silent_depth: int | None = None
        self._note: list[str] = []
        self._note_depth: int | None = None
        self._in_title = False

    # -- structure ---------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html" and (a.get("lang") or a.get("xml:lang")):
            self.language = a.get("lang") or a.get("xml:lang", "")
        if tag == "meta" and a.get("name") and a.get("content"):
            self.meta.setdefault(a["name"].lower(), a["content"])
        if tag == "title" and not any(e.tag == "body" for e in self._stack):
            self._in_title = True
        if tag in _VOID:
            self._void(tag, a)
            return
        entry = _Open(tag)
        self._stack.append(entry)
        depth = len(self._stack)
        if self._silent_depth is None and tag in _SILENT:
            self._silent_depth = depth
        if self._silent_depth is not None:
            return
        types = _types(a)
        ident = a.get("id", "")
        block = tag in _BLOCKS or tag in _HEADINGS
        reason = note = None
        if self._skip_depth is None and self._note_depth is None:
            reason = next((r for k, r in _GUTENBERG.items() if k in (ident, *types)), None)
            if reason is None and "pg-boilerplate" in a.get("class", "").split():
                reason = _GUTENBERG["pg-footer" if self._seen_text() else "pg-header"]
            reason = reason or next((_NOT_READ[t] for t in sorted(types) if t in _NOT_READ), None)
            note = None if reason else (types & _NOTES or None)
        if block:
            self._flush()
        if ident:
            inside = self._skip_depth is not None or self._note_depth is not None
            starts = bool(note) or (reason is not None and "noteref" not in types)
            self.items.append(Anchor(ident, omitted=inside or starts))
        if note:
            self._note_depth, self._note = depth, []
            entry.note_id = ident or f"note-{len(self.notes) + 1}"
        elif reason is not None:
            if "noteref" in types and (target := a.get("href", "").rpartition("#")[2]):
                self._refs.append(target)
            self._skip_depth, self._skipped, entry.skip = depth, [], reason
            entry.label = a.get("title") or a.get("aria-label") or ""
        elif tag in _HEADINGS and self._skip_depth is None and self._note_depth is None:
            self._heading = _HEADINGS[tag]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID or not any(e.tag == tag for e in self._stack):
            return  # a stray end tag, as broken HTML has
        while self._stack:
            entry = self._stack.pop()
            self._close(entry, len(self._stack) + 1)
            if entry.tag == tag:
                break

    def _close(self, entry: _Open, depth: int) -> None:
        if self._silent_depth == depth:
            self._silent_depth = None
        if self._skip_depth == depth:
            self._skip_depth = None
            text = _clean(" ".join(self._skipped)) or (
                entry.label if entry.skip == "page number" else ""
            )
            if entry.skip == "note reference":
                return  # the marker ("1", "*") said nothing worth listing
            if text:
                self.items.append(Omitted(entry.skip or "not read", text))
            return
        if self._note_depth == depth:
            self._note_depth = None
            text = _clean(" ".join(self._note))
            if text and entry.note_id:
                self.notes[entry.note_id] = text
                self.items.append(Omitted("footnote", text))
            return
        if self._skip_depth is not None or self._note_depth is not None:
            return
        if entry.tag in _HEADINGS or entry.tag in _BLOCKS:
            self._flush()

    def _void(self, tag: str, a: dict[str, str]) -> None:
        if self._silent_depth is not None:
            return
        inside = self._skip_depth is not None or self._note_depth is not None
        if a.get("id"):
            self.items.append(Anchor(a["id"], omitted=inside))
        if inside:
            return
        if "pagebreak" in _types(a):
            label = a.get("title") or a.get("aria-label") or ""
            if label:
                self.items.append(Omitted("page number", label))
        elif tag == "br":
            self._text.append(" ")
        elif tag == "hr":
            self._flush()
            self.items.append(Break())
        elif tag == "img":
            alt = _clean(a.get("alt", ""))
            if alt and self.alt_text:
                self._flush()
                self.items.append(Text(alt))
            elif alt:
                self.items.append(Omitted("image", alt))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <a id="x"/> in XHTML: an element that opens and closes at once.
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    # -- text --------------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._silent_depth is not None:
            return
        elif self._skip_depth is not None:
            self._skipped.append(data)
        elif self._note_depth is not None:
            self._note.append(data)
        elif self._stack:  # text outside any element is stray markup, not the book
            self._text.append(data)

    def _flush(self) -> None:
        text = _clean("".join(self._text))
        if text:
            if self._heading is not None:
                self.items.append(Heading(self._heading, text))
            else:
                self.items.append(Text(text, tuple(self._refs)))
            self._refs = []
        self._text = []
        self._heading = None

    def finish(self) -> None:
        while self._stack:
            entry = self._stack.pop()
            self._close(entry, len(self._stack) + 1)
        self._flush()

    def _seen_text(self) -> bool:
        return any(isinstance(i, Text | Heading) for i in self.items)


def _types(a: dict[str, str]) -> set[str]:
    """An element's epub:type words and DPUB-ARIA roles ("doc-noteref" -> "noteref")."""
    roles = [r.removeprefix("doc-") for r in a.get("role", "").split()]
    return set(a.get("epub:type", "").split()) | set(roles)


class SectionBlocks:
    """The items of one section as the blocks chapters.split_sections takes: paragraphs, scene
    breaks and what is not read; with READ_NOTES, the notes its text refers to at its end (and
    not listed as unread). Page numbers are kept apart, in `pages`, for the reader to list."""

    def __init__(self, notes: dict[str, str], read_notes: bool) -> None:
        self.notes, self.read_notes = notes, read_notes
        self.blocks: list[Block | Skipped] = []
        self.pages: list[str] = []
        self.readable = False  # whether it has text to read
        self._referred: list[str] = []

    def add(self, item: Item) -> None:
        if isinstance(item, Text | Heading):
            self.readable = True
            self.blocks.append(paragraph(item.text))
            if isinstance(item, Text):
                self._referred += [ref for ref in item.notes if ref not in self._referred]
        elif isinstance(item, Break):
            self.blocks.append(SceneBreak())
        elif isinstance(item, Omitted):
            if item.reason == "page number":
                self.pages.append(item.text)
            elif not (
                self.read_notes and item.reason == "footnote" and item.text in self.notes.values()
            ):
                self.blocks.append(Skipped(item.reason, item.text))

    def _read(self, note: str) -> bool:
        """Whether NOTE is read at a chapter's end (so it is not listed as not spoken)."""
        return self.read_notes and note in self.notes.values()

    def finish(self) -> list[Block | Skipped]:
        said = [self.notes[ref] for ref in self._referred if ref in self.notes]
        if self.read_notes and said:
            self.blocks += [SceneBreak(), *(paragraph(text) for text in said)]
        return self.blocks
