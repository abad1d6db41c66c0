"""ODT in (LibreOffice, OpenOffice; and .fodt, the same document as one XML file): chapters
from its headings, the same Book as every other manuscript.

The ZIP is read through archive.Archive (every member through a cap: a ZIP bomb is refused) and
styles.xml, meta.xml and content.xml are streamed through defusedxml by one parser target
(the package: no tree, entity declarations refused), in that order, so that the styles are known
when the text names them. A flat .fodt holds the same elements in one file, in the same order.
What is read, in order:

- `text:h` as headings at their `text:outline-level`; `text:p` as paragraphs (a paragraph
  style with a default outline level is a heading too); a paragraph styled "Title" (directly,
  or through an automatic style's `style:parent-style-name`) is the book's title; list items
  are paragraphs; a paragraph of only "* * *", "#" or the like is a scene break, and so is an
  empty one drawn as a line ("Horizontal Line", a top or bottom border);
- the text of spans, links and fields as shown, `text:s` and `text:tab` and `text:line-break`
  as a space; page breaks, list labels and page-number fields are not text;
- tracked changes as if accepted: the deletions LibreOffice keeps in `text:tracked-changes`
  are not read, insertions are in the text itself;
- `text:note` (footnotes and endnotes) as notes: listed as not read, read at the chapter's end
  with notes = true; the citation ("1") is never spoken;
- not read, and listed with the reason: tables, comments (`office:annotation`), frames and
  shapes with text (a text box, a caption), tables of contents and indexes, hidden text (a
  hidden section, hidden-text fields, a character style that does not display); images'
  descriptions (read, after the paragraph, with alt_text = true);
- meta.xml's title, author (`meta:initial-creator`, who wrote it, else `dc:creator`, who saved
  it last) and language as the book's; headers and footers (in styles.xml) are not the text.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.readers.archive import Archive
from audiobook.readers.html_blocks import Omitted, Text
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.office import Properties, Story, Target, author_of, clean, stream
from audiobook.readers.office.book import office_book

SUFFIXES = (".odt", ".fodt")
HINT = "open it in LibreOffice and save it again as ODT"
MAX_FLAT = 64 << 20  # a .fodt holds its images too, as base64

_NS = "urn:oasis:names:tc:opendocument:xmlns:"
GROUPS = {
    f"{_NS}text:1.0": "text", f"{_NS}office:1.0": "office", f"{_NS}table:1.0": "table",
    f"{_NS}drawing:1.0": "draw", f"{_NS}style:1.0": "style",
    f"{_NS}svg-compatible:1.0": "svg", f"{_NS}meta:1.0": "meta",
    "http://purl.org/dc/elements/1.1/": "dc",
}  # fmt: skip
# Subtrees in the text never read: deletions kept for tracked changes, a note's citation,
# list labels, page numbers, index templates, ruby readings, declarations, a comment's author.
_SKIP = {
    "text:tracked-changes", "text:note-citation", "text:number", "text:page-number",
    "text:page-count", "text:ruby-text", "office:forms", "text:sequence-decls",
    "text:variable-decls", "text:user-field-decls", "text:dde-connection-decls",
    "dc:creator", "dc:date", "meta:creator-initials", "text:table-of-content-source",
    "text:alphabetical-index-source", "text:illustration-index-source",
    "text:table-index-source", "text:object-index-source", "text:user-index-source",
    "text:bibliography-source", "office:scripts", "office:event-listeners",
}  # fmt: skip
_COLLECT = {
    "table:table": "table", "office:annotation": "comment",
    "text:table-of-content": "table of contents", "text:alphabetical-index": "index",
    "text:illustration-index": "table of contents", "text:table-index": "table of contents",
    "text:object-index": "table of contents", "text:user-index": "index",
    "text:bibliography": "bibliography",
}  # fmt: skip
# Frames and shapes: their text (a text box, a caption) stands outside the flow.
_DRAWN = {
    "draw:frame", "draw:custom-shape", "draw:rect", "draw:ellipse", "draw:circle",
    "draw:polygon", "draw:polyline", "draw:path", "draw:caption", "draw:regular-polygon",
}  # fmt: skip
_META = {"dc:title", "dc:creator", "meta:initial-creator", "dc:language"}
_HEADING = re.compile(r"heading(?:_20_|\s*)([1-9])", re.I)
_MAX_CHAIN = 20


def read_odt(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "ODT")
    story = Story(path, HINT)
    target = _Target(story, options.alt_text)
    if zipfile.is_zipfile(path):
        with Archive(path, "ODT", HINT) as archive:
            if not archive.has("content.xml"):
                raise archive.error("not an ODT: it has no content.xml")
            manifest = "META-INF/manifest.xml"
            if archive.has(manifest) and b"encryption-data" in archive.read(manifest, 1 << 20):
                # Its parts are ciphertext, which would only be refused as "not XML".
                raise archive.error(
                    "is password-protected", hint="save it again in LibreOffice without a password"
                )
            for member in ("styles.xml", "meta.xml", "content.xml"):
                if archive.has(member):
                    stream(archive.read(member), target, member)
    else:  # a flat ODT (.fodt): the same XML as one file
        with path.open("rb") as fh:
            data = fh.read(MAX_FLAT + 1)
        if len(data) > MAX_FLAT:
            raise story.error(f"larger than {MAX_FLAT >> 20} MB: not one book")
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise story.error("not an ODT: neither a ZIP file nor OpenDocument XML")
        stream(data, target, path.name)
    if not target.saw_text:
        raise story.error("holds no text document (office:text): a spreadsheet or a drawing?")
    story.finish()
    return office_book(source, path, story, target.properties(), options)


@dataclass
class _Style:
    parent: str
    title: bool  # named "Title"
    outline: int | None  # a heading style's level
    hidden: bool | None  # its text does not display (text:display="none")
    rule: bool = False  # drawn as a horizontal line ("Horizontal Line", a top/bottom border)


class _Target(Target):
    """styles.xml, meta.xml and content.xml (or a .fodt) read into the Story."""

    def __init__(self, story: Story, alt_text: bool) -> None:
        super().__init__(story, GROUPS)
        self.alt_text = alt_text
        self.styles: dict[tuple[str, str], _Style] = {}  # (family, name) -> style
        self.defining: _Style | None = None  # the style whose properties are being read
        self.meta: dict[str, str] = {}
        self.meta_key = ""  # the metadata element being read
        self.in_text = 0  # the depth of office:text, 0 outside it
        self.saw_text = False
        self.skip = 0  # the depth of the subtree not read, 0 while reading
        self.para_hidden = False
        self.spans: list[bool | None] = []  # for each open span: whether it hides its text
        self.notes: list[str] = []  # the open notes' keys
        self.alts: list[dict[str, str]] = []  # for each open frame: its svg:desc, svg:title
        self.alt = ""  # the one being read
        self.sections: list[int] = []  # the depths of hidden sections

    def properties(self) -> Properties:
        language = self.meta.get("dc:language", "")
        return Properties(
            title=self.meta.get("dc:title", ""),
            author=author_of(self.meta.get("meta:initial-creator", ""))
            or author_of(self.meta.get("dc:creator", "")),
            language=language if 2 <= len(language) <= 12 else "",
        )

    # -- the parser target -------------------------------------------------------------------

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = self.enter(tag)
        if self.skip:
            return
        if not self.in_text:
            self._outside(name, attrib)
            return
        if name in ("text:p", "text:h"):
            self._paragraph(name, attrib)
        elif name == "text:span":
            self.spans.append(self._hidden("text", attrib))
        elif name in ("text:s", "text:tab", "text:line-break"):
            self._put(" ")
        elif name in _SKIP or name.endswith("-source"):
            self.skip = len(self.names)
        elif name in _COLLECT:
            self.story.open_collector(_COLLECT[name])
        elif name in _DRAWN:
            self.story.open_collector("text box")
            self.alts.append({})
        elif name in ("svg:desc", "svg:title"):
            if self.alts and self.names[-2] in _DRAWN:
                self.alt = name
            else:
                self.skip = len(self.names)
        elif name == "text:note":
            self.notes.append(f"{_attr(attrib, 'note-class') or 'footnote'}-{_attr(attrib, 'id')}")
        elif name == "text:note-body":
            self.story.open_collector("footnote")
        elif name == "text:hidden-text" and _attr(attrib, "is-hidden") == "true":
            self.skip = len(self.names)  # a field showing nothing; what it would show:
            if value := clean(_attr(attrib, "string-value")):
                self.story.emit(Omitted("hidden text", value))
        elif name == "text:hidden-paragraph" and _attr(attrib, "is-hidden") == "true":
            if para := self.story.para():
                para.reason = "hidden text"
        elif name == "text:section" and _attr(attrib, "display") == "none":
            self.story.open_collector("hidden text")
            self.sections.append(len(self.names))

    def _outside(self, name: str, attrib: dict[str, str]) -> None:
        """Styles and metadata, before the text."""
        if name == "office:text":
            self.in_text = len(self.names)
            self.saw_text = True
        elif name == "style:style":
            self.defining = _Style(
                _attr(attrib, "parent-style-name"),
                "title" in (_attr(attrib, "name").lower(), _attr(attrib, "display-name").lower()),
                _level(_attr(attrib, "default-outline-level")) or _heading(attrib),
                None,
                "horizontal line"
                in (
                    _attr(attrib, "display-name").lower(),
                    _attr(attrib, "name").replace("_20_", " ").lower(),
                ),
            )
            self.styles[_attr(attrib, "family"), _attr(attrib, "name")] = self.defining
        elif name == "style:paragraph-properties" and self.defining is not None:
            drawn = {
                side
                for side in ("top", "bottom", "left", "right")
                if _attr(attrib, f"border-{side}") not in ("", "none")
            }
            self.defining.rule |= bool(drawn & {"top", "bottom"}) and not drawn & {"left", "right"}
        elif name == "style:text-properties" and self.defining is not None:
            display = _attr(attrib, "display")
            self.defining.hidden = display == "none" if display else None
        elif name in _META and "office:meta" in self.names and name not in self.meta:
            self.meta_key = name  # the first of each
            self.meta[name] = ""

    def end(self, tag: str) -> None:
        name = self.names.pop()
        depth = len(self.names) + 1
        if self.skip:
            if self.skip == depth:
                self.skip = 0
            return
        if not self.in_text:
            if name == "style:style":
                self.defining = None
            elif name == self.meta_key:
                self.meta_key = ""
            return
        if name in ("text:p", "text:h"):
            self.story.close_para()
            self.para_hidden = False
        elif name == "text:span":
            if self.spans:
                self.spans.pop()
        elif name in _COLLECT:
            self.story.omit_collected()
        elif name in _DRAWN:
            self.story.omit_collected()
            self._image(self.alts.pop() if self.alts else {})
        elif name in ("svg:desc", "svg:title"):
            self.alt = ""
        elif name == "text:section" and self.sections and self.sections[-1] == depth:
            self.sections.pop()
            self.story.omit_collected()
        elif name == "text:note-body":
            text = clean("".join(self.story.close_collector().pieces))
            if text and self.notes:
                self.story.known[self.notes[-1]] = text
        elif name == "text:note":
            if self.notes:
                self.story.note_ref(self.notes.pop())
        elif depth == self.in_text:
            self.in_text = 0

    def data(self, text: str) -> None:
        if self.skip:
            return
        if self.meta_key:
            self.meta[self.meta_key] = self.meta.get(self.meta_key, "") + text
        elif self.alt:
            self.alts[-1][self.alt] = self.alts[-1].get(self.alt, "") + text
        elif self.in_text:
            self._put(text)

    def _put(self, text: str) -> None:
        hidden = self.para_hidden
        for span in reversed(self.spans):  # the innermost span that says
            if span is not None:
                hidden = span
                break
        self.story.text(text, hidden=hidden)

    # -- elements ----------------------------------------------------------------------------

    def _paragraph(self, name: str, attrib: dict[str, str]) -> None:
        para = self.story.open_para()
        title, outline, hidden, para.rule = self._paragraph_style(_attr(attrib, "style-name"))
        self.para_hidden = hidden
        if name == "text:h":
            para.kind, para.level = "heading", _level(_attr(attrib, "outline-level")) or 1
        elif title:
            para.kind = "title"
        elif outline:
            para.kind, para.level = "heading", outline

    def _chain(self, family: str, name: str) -> list[_Style]:
        chain: list[_Style] = []
        while name and len(chain) < _MAX_CHAIN:
            style = self.styles.get((family, name))
            if style is None or style in chain:
                break
            chain.append(style)
            name = style.parent
        return chain

    def _paragraph_style(self, name: str) -> tuple[bool, int | None, bool, bool]:
        """(a title, its heading level, whether it hides its text, whether it is drawn as a
        line) of paragraph style NAME."""
        chain = self._chain("paragraph", name)
        title = next((s.title for s in chain if s.title or s.outline), False)
        outline = next((s.outline for s in chain if s.outline), None)
        hidden = next((s.hidden for s in chain if s.hidden is not None), False)
        return title, outline, hidden, any(s.rule for s in chain)

    def _hidden(self, family: str, attrib: dict[str, str]) -> bool | None:
        chain = self._chain(family, _attr(attrib, "style-name"))
        return next((s.hidden for s in chain if s.hidden is not None), None)

    def _image(self, alt: dict[str, str]) -> None:
        """A frame's description (else its title) as an image's alt text."""
        text = clean(alt.get("svg:desc", "")) or clean(alt.get("svg:title", ""))
        if text:
            self.story.emit(Text(text) if self.alt_text else Omitted("image", text))


def _attr(attrib: dict[str, str], name: str) -> str:
    for key, value in attrib.items():
        if key.endswith("}" + name) or key == name:
            return value
    return ""


def _level(value: str) -> int | None:
    try:
        level = int(value)
    except ValueError:
        return None
    return level if 1 <= level <= 10 else None


def _heading(attrib: dict[str, str]) -> int | None:
    """A heading style's level by its name ("Heading_20_1", "Heading 1"), if it is one."""
    for value in (_attr(attrib, "name"), _attr(attrib, "display-name")):
        if m := _HEADING.fullmatch(value):
            return int(m[1])
    return None


# An .odt or .fodt file, or a folder (text/) that holds one.
READER = FileReader("odt", SUFFIXES, read_odt)
