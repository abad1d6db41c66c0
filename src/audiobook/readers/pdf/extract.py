"""The PDF's text as runs of characters with their place and size: the child process's side.

Run as its own interpreter (`python -I extract.py FILE MAX_PAGES MAX_CHARS MEMORY`) by
pdf.py, under memory (it sets RLIMIT_AS to MEMORY bytes itself, where the system has it) and
time limits: PDFium is C, so a hostile file (a stream that inflates to
gigabytes, a structure that makes it recurse or crash) can only be bounded from outside. It
imports nothing of audiobook, so that it starts in a twentieth of a second.

It prints JSON lines: first the document (page count, Info metadata, language, outline), then
one line per page, then "end"; or an "error" line. A page is its size and its runs: characters
in the order PDFium gives them (the content stream's, with PDFium's word spaces), cut wherever
the line, the size or the baseline changes or a wide gap opens (a column's gutter), each
`[left, top, right, bottom, size, rotated, text]` in points from the page's top left; a run's
text ends in a space where the file itself draws one at the line's end. The
layout (columns, lines, paragraphs) is layout.py's, in the parent.
"""

from __future__ import annotations

import ctypes
import json
import math
import sys
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw

MAX_OUTLINE = 5000  # bookmarks read: a book has tens, a reference work a few thousand
MAX_DEPTH = 6
PAGE_CHARS = 100_000  # a dense page holds 5,000; more is not a page of a book
GAP = 1.5  # ems between two characters of a line that make them two runs (a gutter)
HYPHEN_MARK = "\ufffe"  # PDFium's mark for a hyphen it found at a line's end


def emit(kind: str, **fields: Any) -> None:
    # ASCII (non-ASCII escaped), whatever the locale's encoding of stdout is.
    sys.stdout.write(json.dumps({"kind": kind, **fields}) + "\n")
    sys.stdout.flush()


def main(path: str, max_pages: int, max_chars: int) -> int:
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        code = {
            raw.FPDF_ERR_PASSWORD: "password",
            raw.FPDF_ERR_SECURITY: "security",
            raw.FPDF_ERR_FILE: "file",
        }.get(getattr(exc, "err_code", None), "format")
        emit("error", code=code, detail=str(exc))
        return 0
    pages = len(doc)
    if pages > max_pages:
        emit("error", code="pages", detail=str(pages))
        return 0
    try:
        outline = _outline(doc)
    except Loop:
        emit("error", code="outline-loop", detail="")
        return 0
    emit(
        "doc",
        pages=pages,
        title=_meta(doc, "Title"),
        author=_meta(doc, "Author"),
        subject=_meta(doc, "Subject"),
        language=_language(doc),
        outline=outline,
    )
    total = 0
    for index in range(pages):
        try:
            page = doc[index]
        except pdfium.PdfiumError:
            emit("error", code="page", detail=str(index + 1))
            return 0
        width, height = page.get_size()
        textpage = page.get_textpage()
        count = raw.FPDFText_CountChars(textpage.raw)
        if count > PAGE_CHARS:
            emit("error", code="page-chars", detail=str(index + 1))
            return 0
        total += count
        if total > max_chars:
            emit("error", code="chars", detail=str(max_chars))
            return 0
        runs = _runs(textpage, count, height)
        images = _images(page) if count < 20 else 0
        emit("page", w=round(width, 1), h=round(height, 1), runs=runs, images=images)
        textpage.close()
        page.close()
    emit("end")
    return 0


def _meta(doc: pdfium.PdfDocument, key: str) -> str:
    size = raw.FPDF_GetMetaText(doc.raw, key.encode("ascii"), None, 0)
    if size <= 2 or size > 1 << 16:
        return ""
    buf = ctypes.create_string_buffer(size)
    raw.FPDF_GetMetaText(doc.raw, key.encode("ascii"), buf, size)
    return buf.raw[: size - 2].decode("utf-16-le", "replace").strip()


def _language(doc: pdfium.PdfDocument) -> str:
    size = raw.FPDFCatalog_GetLanguage(doc.raw, None, 0)
    if size <= 2 or size > 256:
        return ""
    buf = ctypes.create_string_buffer(size)
    raw.FPDFCatalog_GetLanguage(doc.raw, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)), size)
    return buf.raw[: size - 2].decode("utf-16-le", "replace").strip()


class Loop(Exception):
    """The outline leads back to a bookmark already read."""


def _outline(doc: pdfium.PdfDocument) -> list[list[Any]]:
    """[[level, title, page index, x or None, y or None]]: the bookmarks that lead to a page,
    in order, MAX_DEPTH levels deep and MAX_OUTLINE of them at most. PDFium leaves loops to
    the caller: a bookmark met twice raises Loop."""
    entries: list[list[Any]] = []
    seen: set[int] = set()

    def walk(parent: Any, level: int) -> None:
        mark = raw.FPDFBookmark_GetFirstChild(doc.raw, parent)
        while mark and len(entries) < MAX_OUTLINE:
            address = ctypes.addressof(mark.contents)
            if address in seen:
                raise Loop
            seen.add(address)
            entry = _entry(doc, pdfium.PdfBookmark(mark, doc, level))
            if entry is not None:
                entries.append(entry)
            if level + 1 < MAX_DEPTH:
                walk(mark, level + 1)
            mark = raw.FPDFBookmark_GetNextSibling(doc.raw, mark)

    walk(None, 0)
    return entries


def _entry(doc: pdfium.PdfDocument, mark: pdfium.PdfBookmark) -> list[Any] | None:
    dest = mark.get_dest()
    if dest is None:
        action = raw.FPDFBookmark_GetAction(mark.raw)
        if action and raw.FPDFAction_GetType(action) == raw.PDFACTION_GOTO:
            found = raw.FPDFAction_GetDest(doc.raw, action)
            dest = pdfium.PdfDest(found, pdf=doc) if found else None
    if dest is None or (index := dest.get_index()) is None:
        return None
    has_x, has_y, has_zoom = raw.FPDF_BOOL(), raw.FPDF_BOOL(), raw.FPDF_BOOL()
    x, y, zoom = raw.FS_FLOAT(), raw.FS_FLOAT(), raw.FS_FLOAT()
    raw.FPDFDest_GetLocationInPage(dest.raw, has_x, has_y, has_zoom, x, y, zoom)
    return [
        mark.level,
        mark.get_title()[:500],
        index,
        round(x.value, 1) if has_x.value else None,
        round(y.value, 1) if has_y.value else None,
    ]


def _runs(textpage: pdfium.PdfTextPage, count: int, height: float) -> list[list[Any]]:
    text = textpage.get_text_range() if count else ""
    if len(text) != count:  # characters beyond UTF-16's first plane: one at a time
        text = "".join(_char(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
    box, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    loose, tp, at = raw.FPDFText_GetLooseCharBox, textpage.raw, ctypes.byref(box)
    runs: list[list[Any]] = []
    run: list[Any] | None = None  # left, bottom, right, top as PDFium gives them
    chars: list[str] = []
    glyph = -1.0
    size = em = 1.0
    rotated = False
    prev_right = prev_bottom = 0.0

    def close() -> None:
        nonlocal run
        said = "".join(chars).replace(HYPHEN_MARK, "-")
        if run is not None and said.strip():
            left, bottom, right, top = run[:4]
            place = [round(v, 1) for v in (left, height - top, right, height - bottom, run[4])]
            runs.append([*place, run[5], said])
        run = None
        chars.clear()

    # This loop is the reader's hot spot (a novel has a million characters): one call to
    # PDFium per character, and as little Python as will do.
    for i, char in enumerate(text):
        if char == " ":
            if run is not None:
                chars.append(char)  # its box says nothing of where the next word starts
            continue
        if char == "\r" or char == "\n":
            # A space the file draws at a line's end says the line wraps within its paragraph
            # (LibreOffice draws one): it stays in the run. One PDFium makes up goes.
            if chars and chars[-1] == " " and raw.FPDFText_IsGenerated(tp, i - 1):
                chars.pop()
            close()
            continue
        loose(tp, i, at)
        left, right, bottom = box.left, box.right, box.bottom
        if box.top - bottom != glyph:
            # The size only changes where the box's height does: ask PDFium only then.
            glyph = box.top - bottom
            raw.FPDFText_GetMatrix(tp, i, ctypes.byref(matrix))
            scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c)) or 1.0
            size = raw.FPDFText_GetFontSize(tp, i) * scale
            em = max(size, 1.0)
            rotated = abs(matrix.b) > 1e-3 or abs(matrix.c) > 1e-3
        if run is not None and (
            abs(size - run[4]) > 0.05 * em
            or abs(bottom - prev_bottom) > 0.3 * em
            or left - prev_right > GAP * em
            or left < prev_right - em  # back to the left: another line
        ):
            close()
        if run is None:
            run = [left, bottom, right, box.top, size, rotated]
        else:
            if left < run[0]:
                run[0] = left
            if bottom < run[1]:
                run[1] = bottom
            if right > run[2]:
                run[2] = right
            if box.top > run[3]:
                run[3] = box.top
        chars.append(char)
        prev_right, prev_bottom = right, bottom
    close()
    return runs


def _char(code: int) -> str:
    """The character of a code point, a lone surrogate or nothing as the replacement mark."""
    return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"


def _images(page: pdfium.PdfPage) -> int:
    """Image objects on a page with (almost) no text: a scan's page is one."""
    found = 0
    for i in range(min(raw.FPDFPage_CountObjects(page.raw), 200)):
        obj = raw.FPDFPage_GetObject(page.raw, i)
        found += raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_IMAGE
    return found


def limit_memory(limit: int) -> None:
    """No more than LIMIT bytes of address space, and a minute of CPU, for this process."""
    try:
        import resource
    except ImportError:  # Windows: the parent's timeouts still hold
        return
    for which, value in ((resource.RLIMIT_AS, limit), (resource.RLIMIT_CPU, 120)):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))


if __name__ == "__main__":
    limit_memory(int(sys.argv[4]))
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
