"""DOCX in (Word, Google Docs, LibreOffice, Scrivener's export): chapters from heading styles,
the same Book as every other manuscript.

The ZIP is read through archive.Archive (every member through a cap, so a ZIP bomb is refused)
and its XML streamed through defusedxml (the package: no tree, entity declarations refused), not
through python-docx, which drops the text of tracked insertions, reads no footnotes or endnotes,
and reads the whole package with no bound. What is read, in order:

- paragraphs (their runs' text; a tab, a line break as a space; symbols; a no-break hyphen as a
  hyphen, a soft hyphen as nothing); italics are not marked (as html_blocks leaves out <em>);
  a paragraph of only "* * *", "#" or the like is a scene break, and so is an empty one drawn
  as a line (a top or bottom border, LibreOffice's "Horizontal Line");
- headings from their style (docx_styles.py): "heading 1".."heading 9", by name or through
  what a style is based on, or an outline level; a "Title" paragraph is the book's title;
- tracked changes as if accepted: insertions and moves read, deletions and moved-from text not,
  a deleted paragraph mark joins the paragraph to the next; formatting changes change nothing;
- fields as they show (their result, not their instruction); a table of contents or an index
  (a TOC/INDEX field, or the "toc 1".. styles) is not read and is listed;
- footnotes and endnotes as notes: listed as not read, read at the chapter's end with
  notes = true; the separators Word keeps as notes are not notes;
- not read, and listed with the reason: tables, comments (where they are anchored; one the text
  never anchors at the end), text boxes (their text stands outside the flow, often a pull quote
  or a caption: listed for the producer to move into the text if it belongs there), equations,
  hidden text (w:vanish, by the run or its style), and images' descriptions (read, as a
  paragraph after the one holding the image, with alt_text = true);
- a content control still showing its placeholder ("Click here to enter text.") is not read;
- headers and footers are not the text, and are not read;
- the core properties' title, author (not a program's "python-docx" or "Microsoft Office
  User") and language as the book's; its keywords are not its description.
"""

from __future__ import annotations

from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.readers.archive import Archive
from audiobook.readers.html_blocks import Omitted, Text
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.office import Story, Target, clean, stream
from audiobook.readers.office.book import office_book
from audiobook.readers.office.docx_styles import (
    ParagraphStyle,
    Parts,
    Styles,
    core_properties,
    outline_level,
    styles,
    switched_on,
)

SUFFIXES = (".docx",)
HINT = "open it in your word processor and save it again as DOCX"

GROUPS = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main": "w",
    "http://purl.oclc.org/ooxml/wordprocessingml/main": "w",  # ISO 29500 Strict
    "http://schemas.openxmlformats.org/officeDocument/2006/math": "m",
    "http://purl.oclc.org/ooxml/officeDocument/math": "m",
    "http://schemas.openxmlformats.org/markup-compatibility/2006": "mc",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing": "wp",
    "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing": "wp",
    "urn:schemas-microsoft-com:vml": "v",
}
# Subtrees never read: deleted and moved-from text (changes read as accepted), the properties a
# change replaced, the fallback of a markup-compatibility choice (the choice is read: the same
# text box twice otherwise), ruby readings, section and table settings.
_SKIP = {
    "w:del", "w:moveFrom", "w:delText", "w:delInstrText", "w:rPrChange", "w:pPrChange",
    "w:sectPrChange", "w:tblPrChange", "w:tcPrChange", "w:trPrChange", "w:tblGridChange",
    "w:tblPrExChange", "w:numberingChange", "mc:Fallback", "w:rt", "w:sectPr", "w:tblPr",
    "w:tblGrid",
}  # fmt: skip
# What is listed as not read, whole, with the reason.
_COLLECT = {"w:tbl": "table", "w:txbxContent": "text box", "m:oMathPara": "equation",
            "m:oMath": "equation"}  # fmt: skip
_FIELDS = {"TOC": "table of contents", "INDEX": "index"}
_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}
_SPACES = {"w:tab", "w:ptab", "w:br", "w:cr"}
_BORDERS = {"w:top", "w:bottom", "w:left", "w:right"}


def read_docx(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "DOCX")
    story = Story(path, HINT)
    with Archive(path, "DOCX", HINT) as archive:
        parts = Parts(archive)
        props = core_properties(archive, parts)
        look = styles(archive, parts)
        comments: dict[str, str] = {}
        # Notes and comments first: the text refers to them.
        for kind in ("comments", "footnotes", "endnotes"):
            member = parts.get(kind)
            if member is not None:
                notes = _Target(story, look, options.alt_text, comments)
                stream(archive.read(member), notes, member)
        body = _Target(story, look, options.alt_text, comments)
        stream(archive.read(parts.document), body, parts.document)
    story.finish()
    for ident, text in comments.items():
        if ident not in body.said and text:  # a comment anchored nowhere: listed at the end
            story.items.append(Omitted("comment", text))
    return office_book(source, path, story, props, options)


class _Field:
    """A complex field (w:fldChar begin .. separate .. end): its instruction, then its result."""

    __slots__ = ("instruction", "reason", "result")

    def __init__(self) -> None:
        self.instruction: list[str] = []
        self.result = False
        self.reason: str | None = None


class _Target(Target):
    """A WordprocessingML part (the document, its notes, its comments) read into the Story."""

    def __init__(
        self, story: Story, look: Styles, alt_text: bool, comments: dict[str, str]
    ) -> None:
        super().__init__(story, GROUPS)
        self.look, self.alt_text, self.comments = look, alt_text, comments
        self.said: set[str] = set()  # comments listed where they are anchored
        self.skip = 0  # the depth of the subtree not read; 0 while reading
        self.in_text = self.in_instruction = False
        self.fields: list[_Field] = []
        self.para_hidden = self.run_hidden = False
        self.mark = False  # the rest of this run is a note's own mark ("*"), not text
        self.held: object = None  # the paragraph whose end mark was deleted
        self.placeholders: list[bool] = []  # for each open w:sdt: it shows its placeholder
        self.saved: list[tuple[bool, bool, bool]] = []  # the run's state around a text box
        self.key = ""  # the note or comment being read
        self.borders: set[str] = set()  # the sides of the paragraph's border being read
        self._starts = {
            "w:p": self._paragraph, "w:pStyle": self._style, "w:outlineLvl": self._outline,
            "w:r": self._run, "w:rStyle": self._run_style, "w:vanish": self._vanish,
            "w:fldChar": self._field, "w:sym": self._symbol,
            "w:footnoteReference": self._note_ref, "w:endnoteReference": self._note_ref,
            "w:commentReference": self._comment, "w:commentRangeStart": self._comment,
            "wp:docPr": self._image, "v:imagedata": self._image, "w:sdt": self._sdt,
            "w:showingPlcHdr": self._placeholder, "w:sdtContent": self._sdt_content,
            "w:altChunk": self._alt_chunk, "w:footnote": self._note, "w:endnote": self._note,
            "w:comment": self._comment_body,
        }  # fmt: skip

    # -- the parser target -------------------------------------------------------------------

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = self.enter(tag)
        if self.skip:
            return
        if name in _SKIP:
            if name in ("w:del", "w:moveFrom") and self.names[-3:-1] == ["w:pPr", "w:rPr"]:
                self.held = self.story.para()  # its end mark is deleted: joined to the next
            self.skip = len(self.names)
        elif name in ("w:t", "m:t"):
            self.in_text = True
        elif name == "w:instrText":
            self.in_instruction = True
        elif name in _SPACES:
            if self.names[-2] == "w:r":  # not a tab stop in the paragraph's properties
                self._put(" ")
        elif name == "w:noBreakHyphen":
            self._put("-")
        elif name in _BORDERS and self.names[-3:-1] == ["w:pPr", "w:pBdr"]:
            if _val(attrib) not in ("", "nil", "none"):
                self.borders.add(name)
        elif name in _COLLECT:
            if name == "w:txbxContent":
                self.saved.append((self.para_hidden, self.run_hidden, self.mark))
            self.story.open_collector(_COLLECT[name])
        elif (handler := self._starts.get(name)) is not None:
            handler(attrib)

    def end(self, tag: str) -> None:
        name = self.names.pop()
        if self.skip:
            if self.skip == len(self.names) + 1:
                self.skip = 0
            return
        if name in ("w:t", "m:t"):
            self.in_text = False
        elif name == "w:instrText":
            self.in_instruction = False
        elif name == "w:p":
            if self.held is not None and self.held is self.story.para():
                self.held = None
                self.story.hold_para()
            else:
                self.story.close_para()
        elif name == "w:r":
            self.mark = False
        elif name == "w:pBdr" and self.names[-1:] == ["w:pPr"] and (para := self.story.para()):
            para.rule = bool(self.borders & {"w:top", "w:bottom"}) and not self.borders & {
                "w:left",
                "w:right",
            }  # a line over or under it, not a box
            self.borders = set()
        elif name in _COLLECT:
            self.story.omit_collected()
            if name == "w:txbxContent" and self.saved:
                self.para_hidden, self.run_hidden, self.mark = self.saved.pop()
        elif name == "w:sdt" and self.placeholders:
            self.placeholders.pop()
        elif name in ("w:footnote", "w:endnote", "w:comment"):
            text = clean("".join(self.story.close_collector().pieces))
            if name == "w:comment":
                self.comments[self.key] = text
            elif text:
                self.story.known[self.key] = text

    def data(self, text: str) -> None:
        if self.skip:
            return
        if self.in_instruction:
            if self.fields:
                self.fields[-1].instruction.append(text)
        elif self.in_text:
            self._put(text)

    def _put(self, text: str) -> None:
        """Text of the runs as it shows: not a note's mark, not a field's instruction."""
        if self.mark:
            return
        reason = None
        for field in self.fields:
            if not field.result:
                return
            reason = reason or field.reason
        para = self.story.para()
        if reason and para is not None:
            para.reason = para.reason or reason
        self.story.text(text, hidden=self.run_hidden)

    # -- elements ----------------------------------------------------------------------------

    def _paragraph(self, attrib: dict[str, str]) -> None:
        self.story.open_para()
        self._apply(self.look.paragraph(None))

    def _apply(self, style: ParagraphStyle) -> None:
        para = self.story.para()
        if para is not None:
            para.kind, para.level, para.reason = style.kind, style.level, style.reason
            para.rule = style.rule
        self.para_hidden = style.hidden

    def _style(self, attrib: dict[str, str]) -> None:
        if self.names[-2] == "w:pPr":
            self._apply(self.look.paragraph(_val(attrib)))

    def _outline(self, attrib: dict[str, str]) -> None:
        para = self.story.para()
        level = outline_level(_val(attrib))
        if self.names[-2] != "w:pPr" or para is None or level is None or para.kind == "title":
            return
        para.kind, para.level = ("heading", level + 1) if 0 <= level <= 8 else ("text", 0)

    def _run(self, attrib: dict[str, str]) -> None:
        self.run_hidden, self.mark = self.para_hidden, False

    def _run_style(self, attrib: dict[str, str]) -> None:
        if self.names[-3:-1] == ["w:r", "w:rPr"]:
            hidden = self.look.hidden(_val(attrib))
            self.run_hidden = self.run_hidden if hidden is None else hidden

    def _vanish(self, attrib: dict[str, str]) -> None:
        if self.names[-3:-1] == ["w:r", "w:rPr"]:
            self.run_hidden = switched_on(_val(attrib))

    def _field(self, attrib: dict[str, str]) -> None:
        kind = _attr(attrib, "fldCharType")
        if kind == "begin":
            self.fields.append(_Field())
        elif kind == "separate" and self.fields:
            field = self.fields[-1]
            field.result = True
            words = "".join(field.instruction).split()
            field.reason = _FIELDS.get(words[0].upper()) if words else None
        elif kind == "end" and self.fields:
            self.fields.pop()

    def _symbol(self, attrib: dict[str, str]) -> None:
        try:
            code = int(_attr(attrib, "char"), 16)
        except ValueError:
            return
        if 0x20 <= code < 0xE000:  # a private-use code is a glyph of a symbol font
            self._put(chr(code))

    def _note_ref(self, attrib: dict[str, str]) -> None:
        kind = self.names[-1].removeprefix("w:").removesuffix("Reference")
        if self.mark or any(not f.result for f in self.fields):
            return
        self.story.note_ref(f"{kind}-{_attr(attrib, 'id')}")
        self.mark = switched_on(_attr(attrib, "customMarkFollows") or "0")

    def _comment(self, attrib: dict[str, str]) -> None:
        ident = _attr(attrib, "id")
        if ident not in self.said:
            self.said.add(ident)
            if text := self.comments.get(ident):
                self.story.emit(Omitted("comment", text))

    def _image(self, attrib: dict[str, str]) -> None:
        # A drawing's description; a VML picture's (an older file's) title.
        alt = clean(_attr(attrib, "descr" if self.names[-1] == "wp:docPr" else "title"))
        if alt:
            self.story.emit(Text(alt) if self.alt_text else Omitted("image", alt))

    def _sdt(self, attrib: dict[str, str]) -> None:
        self.placeholders.append(False)

    def _placeholder(self, attrib: dict[str, str]) -> None:
        if self.placeholders:
            self.placeholders[-1] = switched_on(_val(attrib))

    def _sdt_content(self, attrib: dict[str, str]) -> None:
        if self.placeholders and self.placeholders[-1]:
            self.skip = len(self.names)

    def _alt_chunk(self, attrib: dict[str, str]) -> None:
        # Another file's text (HTML, RTF) imported where it stands; Word merges it on saving.
        self.story.emit(Omitted("embedded document (not read)", _attr(attrib, "id") or "?"))

    def _note(self, attrib: dict[str, str]) -> None:
        if _attr(attrib, "type") in _SEPARATORS:
            self.skip = len(self.names)
            return
        self.key = f"{self.names[-1].removeprefix('w:')}-{_attr(attrib, 'id')}"
        self.story.open_collector("footnote")

    def _comment_body(self, attrib: dict[str, str]) -> None:
        self.key = _attr(attrib, "id")
        self.story.open_collector("comment")


def _attr(attrib: dict[str, str], name: str) -> str:
    for key, value in attrib.items():
        if key.endswith("}" + name) or key == name:
            return value
    return ""


def _val(attrib: dict[str, str]) -> str:
    return _attr(attrib, "val")


# A .docx file, or a folder (text/) that holds one.
READER = FileReader("docx", SUFFIXES, read_docx)
