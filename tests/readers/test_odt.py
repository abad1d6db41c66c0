"""The ODT reader: the manuscript as odfpy writes it, what LibreOffice writes (tracked changes,
comments, tables, frames, indexes), the flat .fodt, and hostile files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.core.book import Book, SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import office, read_book, reader_for
from audiobook.readers.headings import heading_for
from audiobook.readers.office import odt as odt_reader

from ..conftest import run_cli
from . import manuscript as ms
from .office_builder import (
    CORPUS,
    SOFFICE,
    converted,
    docx_manuscript,
    measured,
    odt_manuscript,
    odt_package,
    odt_xml,
    zip_bomb,
)

PROSE = "The keeper climbed the stairs and lit the lamp before the storm came in."
TITLES = [heading_for(c.title).title for c in ms.CHAPTERS]


def h(text: str, level: int = 1) -> str:
    return f'<text:h text:outline-level="{level}">{text}</text:h>'


def p(text: str, style: str = "") -> str:
    styled = f' text:style-name="{style}"' if style else ""
    return f"<text:p{styled}>{text}</text:p>"


def chapters(*extra: str) -> str:
    """Two chapters of prose, then EXTRA in the second."""
    return h("Chapter 1") + p(PROSE) + h("Chapter 2") + p(PROSE) + "".join(extra)


def said(book: Book) -> str:
    return " ".join(p.text for c in book.chapters for p in c.paragraphs)


def skipped(book: Book) -> set[tuple[str, str]]:
    return {(s.reason, s.text) for s in book.skipped}


def test_the_manuscript_by_odfpy_reads_as_written(tmp_path: Path) -> None:
    path = odt_manuscript(tmp_path / "book.odt")
    assert reader_for(path) is odt_reader.READER
    book = read_book(path)
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, ms.LANGUAGE)
    assert [c.title for c in book.chapters] == TITLES
    for got, chapter in zip(book.chapters, ms.CHAPTERS, strict=True):
        wanted = [t.replace("*", "").replace("[1]", "") for t in chapter.paragraphs]
        assert [p.text for p in got.paragraphs] == [t for t in wanted if t.strip()]
    assert [type(b) for b in book.chapters[0].blocks].count(SceneBreak) == 1
    assert ms.FOOTNOTE not in said(book) and " 1 " not in said(book)  # nor its citation
    assert ("footnote", ms.FOOTNOTE) in skipped(book)
    assert ("the book's title (said in the opening credits)", ms.TITLE) in skipped(book)
    read = read_book(path, SplitOptions(notes=True))
    assert read.chapters[-1].paragraphs[-1].text == ms.FOOTNOTE


def test_chapters_json_as_a_user_runs_it(tmp_path: Path) -> None:
    path = odt_manuscript(tmp_path / "book.odt")
    shown = run_cli("chapters", str(path), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)
    assert [c["title"] for c in listed["chapters"]] == TITLES
    assert (listed["title"], listed["author"], listed["language"]) == (
        ms.TITLE, ms.AUTHOR, ms.LANGUAGE,
    )  # fmt: skip
    assert {"reason": "footnote", "words": 8, "text": ms.FOOTNOTE} in listed["skipped"]


def test_tracked_changes_read_as_accepted(tmp_path: Path) -> None:
    changes = (
        '<text:tracked-changes><text:changed-region xml:id="ct1" text:id="ct1"><text:deletion>'
        "<office:change-info><dc:creator>Ed</dc:creator><dc:date>2024-01-01</dc:date>"
        "</office:change-info>" + p("A deleted sentence.") + "</text:deletion>"
        '</text:changed-region><text:changed-region xml:id="ct2" text:id="ct2"><text:insertion>'
        "<office:change-info><dc:creator>Ed</dc:creator></office:change-info></text:insertion>"
        "</text:changed-region></text:tracked-changes>"
    )
    edited = p(
        'Kept<text:change text:change-id="ct1"/> and <text:change-start text:change-id="ct2"/>'
        'added<text:change-end text:change-id="ct2"/> words.'
    )
    book = read_book(odt_package(tmp_path / "book.odt", changes + chapters(edited)))
    assert [p.text for p in book.chapters[1].paragraphs] == [PROSE, "Kept and added words."]
    assert "deleted" not in said(book) and "Ed" not in said(book)
    assert not any("deleted" in s.text for s in book.skipped)  # not even as front matter


def test_a_comment_and_a_table_are_listed_and_not_spoken(tmp_path: Path) -> None:
    table = (
        '<table:table table:name="Tides"><table:table-column/><table:table-row><table:table-cell>'
        + p("High tide")
        + "</table:table-cell><table:table-cell>"
        + p("6:40")
        + "</table:table-cell></table:table-row></table:table>"
    )
    commented = p(
        '<office:annotation office:name="c1"><dc:creator>Ed</dc:creator><dc:date>2024-01-01'
        "</dc:date>" + p("Cut this line?") + "</office:annotation>The lamp was lit."
        '<office:annotation-end office:name="c1"/>'
    )
    book = read_book(odt_package(tmp_path / "book.odt", chapters(table, commented)))
    assert [p.text for p in book.chapters[1].paragraphs] == [PROSE, "The lamp was lit."]
    assert {("table", "High tide 6:40"), ("comment", "Cut this line?")} <= skipped(book)
    for words in ("tide", "6:40", "Cut this", "Ed"):
        assert words not in said(book)


def test_spans_spaces_lists_frames_indexes_and_hidden_text(tmp_path: Path) -> None:
    automatic = (
        '<style:style style:name="T1" style:family="text">'
        '<style:text-properties text:display="none"/></style:style>'
    )
    spaced = p(
        'One<text:s text:c="3"/>two<text:tab/>three<text:line-break/>four'
        '<text:soft-page-break/> five<text:span text:style-name="T1"> hidden</text:span>.'
    )
    listed = (
        "<text:list><text:list-item><text:number>1.</text:number>"
        + p("A list item.")
        + "</text:list-item><text:list-item>"
        + p("Another.")
        + "</text:list-item></text:list>"
    )
    framed = p(
        'The map.<draw:frame draw:name="Map"><draw:image/><svg:title>Map</svg:title>'
        "<svg:desc>A chart of the bay</svg:desc></draw:frame>"
        '<draw:frame draw:name="Box"><draw:text-box>' + p("A pull quote.") + "</draw:text-box>"
        "</draw:frame>"
    )
    index = (
        "<text:table-of-content><text:table-of-content-source><text:index-title-template>"
        "Contents</text:index-title-template></text:table-of-content-source><text:index-body>"
        + p("Chapter 1 1")
        + "</text:index-body></text:table-of-content>"
    )
    hidden = (
        '<text:section text:name="S" text:display="none">'
        + p("A hidden section.")
        + "</text:section>"
        + p('<text:hidden-text text:is-hidden="true" text:string-value="a hidden field"/>Shown.')
    )
    body = index + chapters(spaced, listed, framed, hidden)
    path = odt_package(tmp_path / "book.odt", body, automatic=automatic)
    book = read_book(path)
    assert [p.text for p in book.chapters[1].paragraphs] == [
        PROSE, "One two three four five.", "A list item.", "Another.", "The map.", "Shown.",
    ]  # fmt: skip
    assert {
        ("hidden text", "hidden"),
        ("image", "A chart of the bay"),
        ("text box", "A pull quote."),
        ("table of contents", "Chapter 1 1"),
        ("hidden text", "A hidden section."),
        ("hidden text", "a hidden field"),
    } <= skipped(book)
    assert "RUNNING HEADER" not in said(book)  # in styles.xml's master page
    with_alt = read_book(path, SplitOptions(alt_text=True))
    assert "A chart of the bay" in [p.text for p in with_alt.chapters[1].paragraphs]


def test_title_style_through_parents_and_heading_styles_on_paragraphs(tmp_path: Path) -> None:
    automatic = (
        '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Mine"/>'
        '<style:style style:name="P2" style:family="paragraph" '
        'style:parent-style-name="Heading_20_1"/>'
    )
    styles = (
        '<style:style style:name="Title" style:family="paragraph"/>'
        '<style:style style:name="Mine" style:family="paragraph" style:parent-style-name="Title"/>'
        '<style:style style:name="Heading_20_1" style:family="paragraph" '
        'style:default-outline-level="1"/>'
        # A loop of parents, as a damaged file may have: cut, not followed for ever.
        '<style:style style:name="L1" style:family="paragraph" style:parent-style-name="L2"/>'
        '<style:style style:name="L2" style:family="paragraph" style:parent-style-name="L1"/>'
    )
    body = (
        p("The Tide Tables", "P1") + p("Chapter 1", "P2") + p(PROSE, "L1")
        + p("Chapter 2", "P2") + p(PROSE)
    )  # fmt: skip
    book = read_book(odt_package(tmp_path / "b.odt", body, automatic=automatic, styles=styles))
    assert book.title == "The Tide Tables" and book.author == "Ana Brook"  # initial creator
    assert book.language == "en-gb"
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


def test_a_flat_fodt_reads_as_the_odt_does(tmp_path: Path) -> None:
    meta = "<dc:title>The Tide Tables</dc:title><dc:creator>Ana Brook</dc:creator>"
    path = tmp_path / "book.fodt"
    path.write_text(odt_xml(chapters(p("The end.")), meta_=meta), encoding="utf-8")
    assert reader_for(path) is odt_reader.READER
    book = read_book(path)
    assert (book.title, book.author) == ("The Tide Tables", "Ana Brook")
    assert [p.text for p in book.chapters[1].paragraphs] == [PROSE, "The end."]


def test_a_horizontal_line_is_a_scene_break(tmp_path: Path) -> None:
    styles = (
        '<style:style style:name="Horizontal_20_Line" style:display-name="Horizontal Line" '
        'style:family="paragraph"/>'
    )
    automatic = (
        '<style:style style:name="P1" style:family="paragraph"><style:paragraph-properties '
        'fo:border-bottom="0.5pt solid #000000"/></style:style>'
    )
    body = chapters(p("", "Horizontal_20_Line"), p(PROSE), p("", "P1"), p(PROSE))
    path = odt_package(tmp_path / "b.odt", body, styles=styles, automatic=automatic)
    blocks = read_book(path).chapters[1].blocks
    assert [type(b).__name__ for b in blocks] == [
        "Paragraph", "SceneBreak", "Paragraph", "SceneBreak", "Paragraph",
    ]  # fmt: skip


def test_caps_on_paragraphs_and_elements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = odt_package(tmp_path / "book.odt", chapters(*[p("Word.")] * 300))
    monkeypatch.setattr(office, "MAX_PARAGRAPHS", 200)
    with pytest.raises(InputError, match="more than 200 paragraphs"):
        read_book(path)
    monkeypatch.setattr(office, "MAX_ELEMENTS", 100)
    with pytest.raises(InputError, match="more than 100 XML elements"):
        read_book(path)


def test_a_password_protected_odt_says_so(tmp_path: Path) -> None:
    path = odt_package(tmp_path / "secret.odt", "", content="\x8f\x02 ciphertext", encrypted=True)
    with pytest.raises(InputError, match="password-protected"):
        read_book(path)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_odt_saved_by_libreoffice(tmp_path: Path) -> None:
    """The manuscript as LibreOffice saves a DOCX again as ODT, and a corpus book opened as
    text and saved as ODT: its chapter count."""
    saved = converted(docx_manuscript(tmp_path / "book.docx"), "odt", tmp_path)
    book = read_book(saved)
    assert [c.title for c in book.chapters] == TITLES
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, ms.LANGUAGE)
    assert ("footnote", ms.FOOTNOTE) in skipped(book)
    assert [type(b) for b in book.chapters[0].blocks].count(SceneBreak) == 1
    if (CORPUS / "pride-and-prejudice.txt").exists():
        pride = read_book(converted(CORPUS / "pride-and-prejudice.txt", "odt", tmp_path))
        assert len(pride.chapters) == 61


# --- hostile files -------------------------------------------------------------------------------

_TEXT = 'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'


def _content(inner: str) -> str:
    return (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        f" {_TEXT}><office:body><office:text>{inner}</office:text></office:body>"
        "</office:document-content>"
    )


def _hostile(kind: str, path: Path) -> Path:
    if kind == "zip bomb":
        mimetype = {"mimetype": b"application/vnd.oasis.opendocument.text"}
        return zip_bomb(path, "content.xml", 2 << 30, mimetype)
    if kind == "neither zip nor xml":
        path.write_bytes(b"\x00\x01 this is no archive " * 1000)
        return path
    if kind == "not xml":
        return odt_package(path, "", content="<office:document-content>{{{\x00")
    if kind == "a spreadsheet":
        content = _content("").replace("office:text>", "office:spreadsheet>")
        return odt_package(path, "", content=content)
    if kind == "entities":
        laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)
        )
        return odt_package(path, "", content=laughs + "]>" + _content("<text:p>&j;</text:p>"))
    if kind == "entities in a flat odt":
        laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)
        )
        path.write_text(laughs + "]>" + _content("<text:p>&j;</text:p>"), encoding="utf-8")
        return path
    if kind == "nested 100,000 deep":
        deep = "<text:section>" * 100_000 + "</text:section>" * 100_000
        return odt_package(path, "", content=_content(deep))
    if kind == "a million paragraphs":
        return odt_package(path, "", content=_content("<text:p>a</text:p>" * 1_000_000))
    raise AssertionError(kind)


HOSTILE = [
    "zip bomb", "neither zip nor xml", "not xml", "a spreadsheet", "entities",
    "entities in a flat odt", "nested 100,000 deep",
    pytest.param("a million paragraphs", marks=pytest.mark.slow),
]  # fmt: skip


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_odt_ends_in_one_line_quickly_and_small(tmp_path: Path, kind: str) -> None:
    path = _hostile(kind, tmp_path / "book.odt")
    run = measured(path, tmp_path)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "book.odt" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.seconds < 10 and run.peak_mb < 500, (run.seconds, run.peak_mb)
