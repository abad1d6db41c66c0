"""One manuscript in every format we read: the same three chapters and the same words.

Each builder writes tests/readers/manuscript.py's book with a writer that is not our reader
(text, HTML, RTF and FB2 by hand, EPUB by epub_builder, MOBI and AZW3 by mobi_builder, DOCX by
python-docx, ODT by odfpy, PDF by reportlab); `chapters --json` (a separate process, as a user
runs it) gives the titles, and a word-level diff of what will be spoken against the manuscript
shows that nothing is lost or added. A render of each format then passes `check` (slow tier).
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from audiobook.core.book import Book, SceneBreak
from audiobook.readers import read_book
from audiobook.readers.headings import heading_for

from ..conftest import SMALL_VOICES, run_cli
from . import manuscript as ms
from .epub_builder import Doc, NavEntry, build_epub
from .fb2_builder import build_fb2_book, build_fb2_zip_book
from .mobi_builder import build_mobi_book
from .office_builder import docx_manuscript, odt_manuscript
from .pdf_builder import build_pdf_book
from .rtf_builder import build_plain_rtf_book, build_rtf_book

Builder = Callable[[Path], Path]  # writes the manuscript in a folder, returns its file
WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
# The formats that know a footnote for one: it is listed as not read (notes = false).
NOTES = {"html", "epub", "docx", "odt", "rtf", "rtf-plain", "fb2", "fb2-zip", "mobi", "azw3", "pdf"}


def _html_paragraphs(paragraphs: tuple[str, ...]) -> str:
    out = []
    for p in paragraphs:
        if p == ms.SCENE_BREAK:
            out.append("<hr/>")
            continue
        text = html.escape(p, quote=False)
        text = re.sub(r"\*(\w+)\*", r"<em>\1</em>", text)
        text = text.replace("[1]", '<a href="#fn1" epub:type="noteref">1</a>')
        out.append(f"<p>{text}</p>")
    return "".join(out)


_FOOTNOTE_HTML = f'<aside id="fn1" epub:type="footnote"><p>{ms.FOOTNOTE}</p></aside>'


def build_text(folder: Path) -> Path:
    """Plain text: the headings found as the text reader finds "Chapter One: ..." lines."""
    path = folder / "book.txt"
    path.write_text(
        re.sub(
            r"\*(\w+)\*", r"_\1_", ms.markdown().replace("# The Lighthouse Keeper\n", "")
        ).replace("## ", ""),
        encoding="utf-8",
    )
    (folder / "book.toml").write_text(
        f'title = "{ms.TITLE}"\nauthor = "{ms.AUTHOR}"\nlanguage = "{ms.LANGUAGE}"\n',
        encoding="utf-8",
    )
    return path


def build_html(folder: Path) -> Path:
    body = "".join(
        f"<h2>{html.escape(c.title)}</h2>{_html_paragraphs(c.paragraphs)}" for c in ms.CHAPTERS
    )
    path = folder / "book.html"
    path.write_text(
        f'<!DOCTYPE html><html lang="{ms.LANGUAGE}" xmlns:epub="http://www.idpf.org/2007/ops">'
        f'<head><title>{ms.TITLE}</title><meta name="author" content="{ms.AUTHOR}"/></head>'
        f"<body><h1>{ms.TITLE}</h1>{body}{_FOOTNOTE_HTML}</body></html>",
        encoding="utf-8",
    )
    return path


def build_epub_book(folder: Path) -> Path:
    docs = [
        Doc(
            f"ch{n}.xhtml",
            f"<h1>{html.escape(c.title)}</h1>{_html_paragraphs(c.paragraphs)}"
            + (_FOOTNOTE_HTML if "[1]" in "".join(c.paragraphs) else ""),
            title=c.title,
        )
        for n, c in enumerate(ms.CHAPTERS, start=1)
    ]
    nav = [NavEntry(c.title, f"ch{n}.xhtml") for n, c in enumerate(ms.CHAPTERS, start=1)]
    return build_epub(
        folder / "book.epub", docs, nav, title=ms.TITLE, authors=(ms.AUTHOR,), date=None
    )


BUILDERS: dict[str, Builder] = {
    "text": build_text,
    "html": build_html,
    "epub": build_epub_book,
    "mobi": build_mobi_book,
    "pdf": build_pdf_book,
    "docx": lambda folder: docx_manuscript(folder / "book.docx"),
    "odt": lambda folder: odt_manuscript(folder / "book.odt"),
    "rtf": build_rtf_book,
    "rtf-plain": build_plain_rtf_book,
    "fb2": build_fb2_book,
    "fb2-zip": build_fb2_zip_book,
    "azw3": lambda folder: build_mobi_book(folder, "kf8"),
}
# As `chapters` shows them: "Chapter One: The Storm" is titled "The Storm" (and said whole).
TITLES = [heading_for(c.title).title for c in ms.CHAPTERS]
# How many words a format may differ by (the word-level diff's changed words): PDF's layout
# is recovered, not read.
TOLERANCE = {"pdf": 5}


def _spoken_words(book: Book) -> list[str]:
    return [
        w.replace("\u2019", "'")
        for c in book.chapters
        for p in c.paragraphs
        for w in WORD.findall(p.text.replace("_", ""))
    ]


def _expected_words() -> list[str]:
    text = " ".join(p for c in ms.CHAPTERS for p in c.paragraphs if p != ms.SCENE_BREAK)
    return [w.replace("\u2019", "'") for w in WORD.findall(text.replace("[1]", ""))]


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_every_format_gives_the_same_chapters_and_words(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    path = BUILDERS[kind](folder)
    shown = run_cli("chapters", str(path), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)
    assert [c["title"] for c in listed["chapters"]] == TITLES
    assert (listed["title"], listed["author"], listed["language"]) == (
        ms.TITLE, ms.AUTHOR, ms.LANGUAGE
    )  # fmt: skip

    book = read_book(path)
    got, wanted = _spoken_words(book), _expected_words()
    changed = sum(
        max(i2 - i1, j2 - j1)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wanted, got).get_opcodes()
        if op != "equal"
    )
    assert changed <= TOLERANCE.get(kind, 0), difflib.unified_diff(wanted, got, lineterm="")
    breaks = [b for c in book.chapters for b in c.blocks if isinstance(b, SceneBreak)]
    assert len(breaks) == 1
    assert ms.FOOTNOTE not in " ".join(p.text for c in book.chapters for p in c.paragraphs)
    if kind in NOTES:
        assert ms.FOOTNOTE in " ".join(s.text for s in book.skipped)


# Rendered: each reader once (text, HTML and EPUB renders are tested on their own).
RENDERED = ("azw3", "docx", "fb2", "mobi", "odt", "pdf", "rtf")


@pytest.mark.slow
@pytest.mark.parametrize("kind", RENDERED)
def test_a_render_of_every_format_passes_check(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    BUILDERS[kind](folder)
    (tmp_path / "voices.toml").write_text(SMALL_VOICES, encoding="utf-8")
    rendered = run_cli("render", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    checked = run_cli("check", "audio", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in manifest["chapters"]] == TITLES
