"""PDFs for the PDF reader's tests, written by reportlab (BSD), not by the reader's library.

`build_pdf` sets the three-chapter manuscript (manuscript.py) as a book is set: two justified
columns a page, a running header ("The Lighthouse Keeper") and a page number on every page,
first lines indented, words hyphenated where a line would otherwise overflow, the italic word
in italics, the footnote reference a raised small "1" and the footnote at the foot of its
column; the chapter headings larger, with or without an outline (bookmarks) pointing at them.
The layout is done here, word by word (a justified line is drawn one word at a time, as TeX
does), so a test knows what it made: `Made.hyphenated` lists the words broken over lines.

`hostile` writes PDFs by hand, byte by byte, for what a reader must survive: a page tree that
claims a million pages, one whose Kids point back at itself, an outline that loops, a content
stream that inflates to a gigabyte, a broken cross-reference table.
"""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import manuscript as ms

PAGE = (250.0, 320.0)
MARGIN, GUTTER = 28.0, 14.0
BODY, LEADING, INDENT = ("Times-Roman", 10.0), 12.0, 12.0
ITALIC = "Times-Italic"
HEADING = ("Helvetica-Bold", 14.0)
TITLE = ("Helvetica-Bold", 16.0)
SMALL = ("Times-Roman", 7.5)
HEADER = ("Times-Italic", 8.0)


@dataclass
class Made:
    path: Path
    pages: int = 0
    hyphenated: list[str] = field(default_factory=list)


@dataclass
class _Word:
    text: str
    font: str = BODY[0]
    note: str = ""  # a note reference drawn raised after it


class _Setter:
    """Lays words into columns on pages, drawing as it goes."""

    def __init__(self, canvas: Canvas, columns: int, header: str) -> None:
        self.c, self.columns, self.header = canvas, columns, header
        self.width = (PAGE[0] - 2 * MARGIN - GUTTER * (columns - 1)) / columns
        self.page = 0
        self.column = 0
        self.y = 0.0
        self.bottom = MARGIN
        self.hyphenated: list[str] = []
        self.notes: list[str] = []  # footnotes to set at the foot of the current column
        self._new_page()

    def _new_page(self) -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        self.column = 0
        if self.header:
            self.c.setFont(*HEADER)
            self.c.drawCentredString(PAGE[0] / 2, PAGE[1] - MARGIN + 12, self.header)
        self.c.setFont(*BODY)
        self.c.drawCentredString(PAGE[0] / 2, MARGIN - 18, str(self.page))
        self._top()

    def _top(self) -> None:
        self.y = PAGE[1] - MARGIN - BODY[1]
        self.bottom = MARGIN

    @property
    def x(self) -> float:
        return MARGIN + self.column * (self.width + GUTTER)

    def next_column(self) -> None:
        if self.column + 1 < self.columns:
            self.column += 1
            self._top()
        else:
            self._new_page()

    def new_page(self) -> None:
        if self.y < PAGE[1] - MARGIN - BODY[1] or self.column:
            self._new_page()

    def room(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.next_column()

    def skip(self, height: float) -> None:
        self.y -= height

    def heading(self, text: str, font: tuple[str, float], key: str | None) -> None:
        lines = _wrap([_Word(w, font[0]) for w in text.split()], self.width, font[1], False)[0]
        self.skip(font[1] * 0.6)
        self.room(font[1] * 1.2 * len(lines) + 3 * LEADING)  # never alone at a column's foot
        if key is not None:
            self.c.bookmarkHorizontalAbsolute(key, top=self.y + font[1], left=self.x)
        for line in lines:
            self.c.setFont(*font)
            self.c.drawString(self.x, self.y, " ".join(w.text for w in line))
            self.y -= font[1] * 1.2
        self.skip(font[1] * 0.4)

    def centred(self, text: str) -> None:
        self.room(3 * LEADING)
        self.skip(LEADING)
        self.c.setFont(*BODY)
        self.c.drawCentredString(self.x + self.width / 2, self.y, text)
        self.y -= 2 * LEADING

    def paragraph(self, words: list[_Word], indent: bool) -> None:
        lines, broken = _wrap(words, self.width, BODY[1], True, INDENT if indent else 0.0)
        self.hyphenated += broken
        for n, line in enumerate(lines):
            self.room(LEADING)
            start = INDENT if indent and n == 0 else 0.0
            self._draw(line, self.x + start, self.width - start, last=n == len(lines) - 1)
            self.y -= LEADING

    def _draw(self, line: list[_Word], x: float, width: float, last: bool) -> None:
        size = BODY[1]
        widths = [stringWidth(w.text, w.font, size) for w in line]
        space = stringWidth(" ", BODY[0], size)
        gap = space if last or len(line) == 1 else (width - sum(widths)) / (len(line) - 1)
        for word, w in zip(line, widths, strict=True):
            self.c.setFont(word.font, size)
            self.c.drawString(x, self.y, word.text)
            if word.note:
                self.c.setFont(BODY[0], 6.0)
                self.c.drawString(x + w + 0.5, self.y + 4.0, word.note)
                self._footnote(word.note)
            x += w + gap

    def _footnote(self, marker: str) -> None:
        """The footnote at the foot of this column; the column's text stops above it."""
        words = [_Word(w, SMALL[0]) for w in f"{marker} {ms.FOOTNOTE}".split()]
        lines = _wrap(words, self.width, SMALL[1], False)[0]
        top = MARGIN + len(lines) * SMALL[1] * 1.2 + 4
        self.c.line(self.x, top, self.x + 40, top)
        y = top - SMALL[1] - 2
        for line in lines:
            self.c.setFont(*SMALL)
            self.c.drawString(self.x, y, " ".join(w.text for w in line))
            y -= SMALL[1] * 1.2
        self.bottom = top + 4


def _wrap(
    words: list[_Word], width: float, size: float, hyphenate: bool, indent: float = 0.0
) -> tuple[list[list[_Word]], list[str]]:
    """Greedy lines of WORDS; a long word that does not fit is hyphenated where its first part
    (three letters or more) fits, leaving three or more for the next line."""
    lines: list[list[_Word]] = [[]]
    broken: list[str] = []
    used = indent
    space = stringWidth(" ", BODY[0], size)
    queue = list(words)
    while queue:
        word = queue.pop(0)
        w = stringWidth(word.text, word.font, size)
        need = w + (space if lines[-1] else 0.0)
        if used + need <= width or not lines[-1]:
            lines[-1].append(word)
            used += need
            continue
        queue.insert(0, word)
        if hyphenate and re.fullmatch(r"[a-z]{7,}", word.text):
            for k in range(len(word.text) - 3, 2, -1):
                head = word.text[:k] + "-"
                if used + space + stringWidth(head, word.font, size) <= width:
                    lines[-1].append(_Word(head, word.font))
                    queue[0] = _Word(word.text[k:], word.font, word.note)
                    broken.append(word.text)
                    break
        lines.append([])
        used = 0.0
    return [line for line in lines if line], broken


def _words(paragraph: str) -> list[_Word]:
    out: list[_Word] = []
    for token in paragraph.split():
        note = "1" if token.endswith("[1]") else ""
        token = token.replace("[1]", "")
        italic = re.fullmatch(r"\*(\w+)\*(\W*)", token)
        if italic:
            out.append(_Word(italic[1], ITALIC))
            if italic[2]:
                out[-1] = _Word(italic[1] + italic[2], ITALIC)
        else:
            out.append(_Word(token, BODY[0], note))
    return out


def build_pdf(
    path: Path,
    *,
    outline: bool = True,
    columns: int = 2,
    title_line: bool = True,
    chapters: tuple[ms.Chapter, ...] = ms.CHAPTERS,
    header: str = ms.TITLE,
    heading_size: float = HEADING[1],
    outline_titles: tuple[str, ...] | None = None,
    metadata: bool = True,
) -> Made:
    """The manuscript as a typeset PDF at PATH; see the module's docstring."""
    canvas = Canvas(str(path), pagesize=PAGE, lang=ms.LANGUAGE, invariant=1)
    if metadata:
        canvas.setTitle(ms.TITLE)
        canvas.setAuthor(ms.AUTHOR)
    setter = _Setter(canvas, columns, header)
    if title_line:
        setter.heading(ms.TITLE, TITLE, None)
    for n, chapter in enumerate(chapters):
        if n == len(chapters) - 1 and n:
            setter.new_page()  # the last chapter on a page of its own, the others run on
        key = f"ch{n}"
        setter.heading(chapter.title, (HEADING[0], heading_size), key if outline else None)
        if outline:
            entry = outline_titles[n] if outline_titles else chapter.title
            canvas.addOutlineEntry(entry, key, level=0)
        indent = False
        for paragraph in chapter.paragraphs:
            if paragraph == ms.SCENE_BREAK:
                setter.centred(paragraph)
                indent = False
                continue
            setter.paragraph(_words(paragraph), indent)
            indent = True
    canvas.save()
    return Made(path, setter.page, setter.hyphenated)


def build_pdf_book(folder: Path) -> Path:
    """The cross-format test's builder: two columns, an outline."""
    return build_pdf(folder / "book.pdf").path


def build_plain_pdf(path: Path, *, space_after: float = 0.0, wrap_spaces: bool = True) -> Path:
    """The manuscript as Writer exports it: one ragged-right column, no indents, SPACE_AFTER
    each paragraph, title and headings bold but of the body's size, chapters running on, an
    outline, the footnote body-sized; WRAP_SPACES: a space drawn where a line wraps."""
    c = Canvas(str(path), pagesize=(300.0, 300.0), lang=ms.LANGUAGE, invariant=1)
    c.setTitle(ms.TITLE)
    c.setAuthor(ms.AUTHOR)
    y = 300.0 - MARGIN - BODY[1]

    def draw(text: str, font: str = BODY[0], note: str = "", x: float = MARGIN) -> None:
        nonlocal y
        if y < MARGIN + 4 * LEADING:  # room for the footnote
            c.showPage()
            y = 300.0 - MARGIN - BODY[1]
        if text in {chapter.title for chapter in ms.CHAPTERS}:  # the outline leads here
            c.bookmarkHorizontalAbsolute(text, top=y + BODY[1], left=MARGIN)
            c.addOutlineEntry(text, text, level=0)
        c.setFont(font, BODY[1])
        c.drawString(x, y, text)
        if note:
            c.setFont(BODY[0], 6.0)
            c.drawString(x + stringWidth(text.rstrip(), font, BODY[1]) + 0.5, y + 4.0, note)
            c.setFont(*BODY)
            c.drawString(MARGIN, MARGIN, f"{note} {ms.FOOTNOTE}")
        y -= LEADING

    draw(ms.TITLE, "Times-Bold")
    for chapter in ms.CHAPTERS:
        draw(chapter.title, "Times-Bold")
        for paragraph in chapter.paragraphs:
            lines = _wrap(_words(paragraph), 300.0 - 2 * MARGIN, BODY[1], False)[0]
            for k, line in enumerate(lines):
                text, end = " ".join(w.text for w in line), " " * wrap_spaces * (k < len(lines) - 1)
                x = (300.0 - stringWidth(text, *BODY)) / 2 if text == ms.SCENE_BREAK else MARGIN
                draw(text + end, note=line[-1].note, x=x)
            y -= space_after
    c.save()
    return path


def build_scanned(path: Path, pages: int = 2) -> Path:
    """Pages that are only images, as a scanner makes them: no text layer at all."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (200, 260), 255)
    for y in range(20, 240, 12):  # grey bars where lines of text would be
        image.paste(90, (20, y, 180, y + 6))
    canvas = Canvas(str(path), pagesize=PAGE, invariant=1)
    for _ in range(pages):
        canvas.drawImage(ImageReader(image), 0, 0, width=PAGE[0], height=PAGE[1])
        canvas.showPage()
    canvas.save()
    return path


# --- hostile files, by hand -----------------------------------------------------------------


def _pdf(objects: list[bytes], root: int = 1, xref: bool = True) -> bytes:
    """A PDF of OBJECTS (numbered from 1) with a correct cross-reference table, or none."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    else:
        out += b"xref\n0 9\nthis is not a cross-reference table\n"
    size = len(objects) + 1
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, start)
    return bytes(out)


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _content(text: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"


@functools.cache
def _inflating(chunks: int, chunk: bytes = b" " * (1 << 24)) -> bytes:
    """A zlib stream of CHUNKS copies of CHUNK, made fast: after a full flush the compressor
    starts afresh, so each further copy compresses to the same bytes, written again."""
    packer = zlib.compressobj(9)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    check = 1
    for _ in range(chunks):
        check = zlib.adler32(chunk, check)
    # The empty last block, and the checksum of all that it inflates to.
    return first + again * (chunks - 1) + b"\x03\x00" + check.to_bytes(4, "big")


def hostile(kind: str) -> bytes:
    """The bytes of a hostile PDF: "million-pages", "kids-loop", "outline-loop", "bomb",
    "broken-xref", "million-objects"."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R "
    page += b"/Resources << /Font << /F1 5 0 R >> >> >>"
    text = _content(b"BT /F1 12 Tf 20 250 Td (Some words on a page of text here) Tj ET")
    if kind == "million-pages":
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>"
        return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", pages, page, text, _FONT])
    if kind == "kids-loop":
        pages = b"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>"
        return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", pages, page, text, _FONT])
    if kind == "outline-loop":
        catalog = b"<< /Type /Catalog /Pages 2 0 R /Outlines 6 0 R >>"
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        outlines = b"<< /Type /Outlines /First 7 0 R /Last 7 0 R /Count 2 >>"
        first = b"<< /Title (One) /Parent 6 0 R /Next 8 0 R /First 7 0 R /Dest [3 0 R /Fit] >>"
        second = b"<< /Title (Two) /Parent 6 0 R /Next 7 0 R /Prev 7 0 R /Dest [3 0 R /Fit] >>"
        return _pdf([catalog, pages, page, text, _FONT, outlines, first, second])
    if kind == "bomb":
        data = _inflating(64)  # 1 GB of spaces in a content stream: a megabyte on disk
        bomb = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data)
        bomb += data + b"\nendstream"
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", pages, page, bomb, _FONT])
    if kind == "broken-xref":
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>", pages, page, text, _FONT]
        return _pdf(objects, xref=False)[:-200]  # and cut short
    if kind == "million-objects":
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>", pages, page, text, _FONT]
        objects += [b"[%d 0 R]" % (n + 1) for n in range(6, 1_000_006)]
        return _pdf(objects, xref=False)
    if kind == "deep-arrays":
        deep = b"[" * 100_000 + b"]" * 100_000
        catalog = b"<< /Type /Catalog /Pages 2 0 R /Deep " + deep + b" >>"
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        return _pdf([catalog, pages, page, text, _FONT])
    if kind == "xobject-loop":
        # A form that draws itself: a content stream without end.
        looped = page.replace(
            b"/Font << /F1 5 0 R >>", b"/Font << /F1 5 0 R >> /XObject << /X 6 0 R >>"
        )
        form = b"<< /Type /XObject /Subtype /Form /BBox [0 0 300 300] "
        form += b"/Resources << /XObject << /X 6 0 R >> >> /Length 6 >>\nstream\n/X Do\nendstream"
        pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        draw = _content(b"BT /F1 12 Tf 20 250 Td (Some words on a page) Tj ET /X Do")
        return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", pages, looped, draw, _FONT, form])
    raise ValueError(kind)
