"""The DOCX reader: the manuscript as python-docx writes it, what Word writes that python-docx
cannot (notes, comments, tracked changes, fields, text boxes), and hostile files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from audiobook.core.book import Book, SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import office, read_book, reader_for
from audiobook.readers.headings import heading_for
from audiobook.readers.office import docx as docx_reader

from ..conftest import run_cli
from . import manuscript as ms
from .office_builder import (
    CORPUS,
    SOFFICE,
    STYLES,
    chapter,
    comments_part,
    converted,
    core,
    docx_manuscript,
    docx_package,
    measured,
    notes_part,
    odt_manuscript,
    p,
    r,
    zip_bomb,
)

PROSE = "The keeper climbed the stairs and lit the lamp before the storm came in."
TITLES = [heading_for(c.title).title for c in ms.CHAPTERS]


def said(book: Book) -> str:
    return " ".join(p.text for c in book.chapters for p in c.paragraphs)


def skipped(book: Book) -> set[tuple[str, str]]:
    return {(s.reason, s.text) for s in book.skipped}


def test_the_manuscript_by_python_docx_reads_as_written(tmp_path: Path) -> None:
    path = docx_manuscript(tmp_path / "book.docx")
    assert reader_for(path) is docx_reader.READER
    book = read_book(path)
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, ms.LANGUAGE)
    assert [c.title for c in book.chapters] == TITLES
    for got, chapter_ in zip(book.chapters, ms.CHAPTERS, strict=True):
        wanted = [t.replace("*", "").replace("[1]", "") for t in chapter_.paragraphs]
        assert [p.text for p in got.paragraphs] == [t for t in wanted if t.strip()]
    assert got.spoken_title == "Chapter 3. The Morning"
    assert [type(b) for b in book.chapters[0].blocks].count(SceneBreak) == 1
    assert ms.FOOTNOTE not in said(book)
    assert ("footnote", ms.FOOTNOTE) in skipped(book)
    assert ("the book's title (said in the opening credits)", ms.TITLE) in skipped(book)


def test_the_footnote_is_read_at_its_chapters_end_when_asked(tmp_path: Path) -> None:
    path = docx_manuscript(tmp_path / "book.docx")
    book = read_book(path, SplitOptions(notes=True))
    last = book.chapters[-1]
    assert last.paragraphs[-1].text == ms.FOOTNOTE and isinstance(last.blocks[-2], SceneBreak)
    assert ms.FOOTNOTE not in {s.text for s in book.skipped}


def test_chapters_json_as_a_user_runs_it(tmp_path: Path) -> None:
    path = docx_manuscript(tmp_path / "book.docx")
    shown = run_cli("chapters", str(path), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)
    assert [c["title"] for c in listed["chapters"]] == TITLES
    assert (listed["title"], listed["author"], listed["language"]) == (
        ms.TITLE, ms.AUTHOR, ms.LANGUAGE,
    )  # fmt: skip
    assert {"reason": "footnote", "words": 8, "text": ms.FOOTNOTE} in listed["skipped"]


def test_tracked_changes_read_as_accepted(tmp_path: Path) -> None:
    by = 'w:id="{}" w:author="Ed" w:date="2024-01-01T00:00:00Z"'
    changes = (
        f"<w:p><w:ins {by.format(1)}>{r('An inserted paragraph is read.')}</w:ins></w:p>"
        f"<w:p><w:del {by.format(2)}><w:r><w:delText>A deleted paragraph.</w:delText></w:r>"
        f"</w:del></w:p>"
        f"<w:p>{r('Kept')}<w:del {by.format(3)}><w:r><w:delText> struck</w:delText></w:r>"
        f"</w:del><w:ins {by.format(4)}>{r(' and added')}</w:ins>{r(' words.')}</w:p>"
        f"<w:p><w:moveFrom {by.format(5)}>{r('Moved away.')}</w:moveFrom></w:p>"
        f"<w:p><w:moveTo {by.format(6)}>{r('Moved here.')}</w:moveTo></w:p>"
        # An end mark deleted: the two paragraphs are one once accepted.
        f"<w:p><w:pPr><w:rPr><w:del {by.format(7)}/></w:rPr></w:pPr>{r('Joined')}</w:p>"
        f"{p('to the next.')}"
        f"<w:p><w:pPr><w:rPr><w:ins {by.format(8)}/></w:rPr></w:pPr>{r('Apart.')}</w:p>"
    )
    body = chapter("Chapter 1", PROSE) + chapter("Chapter 2", PROSE) + changes
    book = read_book(docx_package(tmp_path / "book.docx", body))
    paragraphs = [p.text for p in book.chapters[1].paragraphs]
    assert paragraphs[1:] == [
        "An inserted paragraph is read.",
        "Kept and added words.",
        "Moved here.",
        "Joined to the next.",
        "Apart.",
    ]
    assert "deleted" not in said(book) and "struck" not in said(book)
    assert "Moved away" not in said(book)


def test_a_comment_and_a_table_are_listed_and_not_spoken(tmp_path: Path) -> None:
    table = (
        "<w:tbl><w:tblPr/><w:tr><w:tc>"
        + p("High tide")
        + "</w:tc><w:tc>"
        + p("6:40")
        + "</w:tc></w:tr></w:tbl>"
    )
    commented = (
        f'<w:p><w:commentRangeStart w:id="1"/>{r(PROSE)}<w:commentRangeEnd w:id="1"/>'
        f'<w:r><w:commentReference w:id="1"/></w:r></w:p>'
    )
    body = chapter("Chapter 1", PROSE) + table + chapter("Chapter 2") + commented
    parts = {"comments": comments_part({1: "Cut this line?", 2: "A comment anchored nowhere."})}
    book = read_book(docx_package(tmp_path / "book.docx", body, parts=parts))
    assert [p.text for p in book.chapters[1].paragraphs] == [PROSE]
    assert {
        ("table", "High tide 6:40"),
        ("comment", "Cut this line?"),
        ("comment", "A comment anchored nowhere."),
    } <= skipped(book)
    for words in ("tide", "6:40", "Cut this", "anchored"):
        assert words not in said(book)


def test_fields_show_their_result_and_a_table_of_contents_is_listed(tmp_path: Path) -> None:
    def field(instruction: str, result: str) -> str:
        return (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f"{r(result)}"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    toc = (
        '<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/>'
        '</w:r><w:r><w:instrText> TOC \\o "1-3" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{r('Chapter 1')}<w:r><w:tab/></w:r>{r('1')}</w:p>"
        f"<w:p>{r('Chapter 2')}<w:r><w:tab/></w:r>{r('2')}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    linked = p(
        inner=r("See ") + field('HYPERLINK "https://example.org"', "the harbour site") + r(".")
    )
    body = toc + chapter("Chapter 1", PROSE) + chapter("Chapter 2", PROSE) + linked
    book = read_book(docx_package(tmp_path / "book.docx", body))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert book.chapters[1].paragraphs[-1].text == "See the harbour site."
    assert "HYPERLINK" not in said(book) and "example.org" not in said(book)
    contents = {("table of contents", "Chapter 1 1"), ("table of contents", "Chapter 2 2")}
    assert contents <= skipped(book)  # the first by its style, the second by the TOC field


def test_hidden_text_is_not_spoken_and_is_listed(tmp_path: Path) -> None:
    inner = (
        r("Seen ")
        + r("unseen ", "<w:vanish/>")
        + r("styled away ", '<w:rStyle w:val="HiddenChar"/>')
    )
    body = chapter("Chapter 1", PROSE) + chapter("Chapter 2") + p(inner=inner + r("words."))
    body += p("A paragraph in a hidden style.", "Secret")
    book = read_book(docx_package(tmp_path / "book.docx", body))
    assert book.chapters[1].paragraphs[0].text == "Seen words."
    assert "hidden style" not in said(book)
    assert ("hidden text", "unseen styled away") in skipped(book)
    assert ("hidden text", "A paragraph in a hidden style.") in skipped(book)


def test_headings_from_styles_based_on_a_heading_and_from_outline_levels(tmp_path: Path) -> None:
    styles = STYLES.replace(
        "</w:styles>",
        '<w:style w:type="paragraph" w:styleId="Chap"><w:name w:val="Chapter Title"/>'
        '<w:basedOn w:val="Heading1"/></w:style>'
        # A loop of basedOn, as a damaged file may have: cut, not followed for ever.
        '<w:style w:type="paragraph" w:styleId="A"><w:name w:val="A"/><w:basedOn w:val="B"/>'
        '</w:style><w:style w:type="paragraph" w:styleId="B"><w:name w:val="B"/>'
        '<w:basedOn w:val="A"/></w:style></w:styles>',
    )
    outlined = f'<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr>{r("Chapter 3")}</w:p>'
    body = (
        p("Chapter 1", "Chap") + p(PROSE, "A")
        + p("Chapter 2", "Chap") + p(PROSE)
        + outlined + p(PROSE)
        + p("A subheading", "Heading2") + p(PROSE)
    )  # fmt: skip
    book = read_book(docx_package(tmp_path / "book.docx", body, styles=styles))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    assert [p.text for p in book.chapters[2].paragraphs] == [PROSE, "A subheading", PROSE]


def test_runs_text_boxes_images_and_placeholders(tmp_path: Path) -> None:
    runs = (
        r("Tab")
        + "<w:r><w:tab/><w:t>and</w:t><w:br/><w:t>break, no</w:t><w:noBreakHyphen/>"
        + '<w:t>break, soft</w:t><w:softHyphen/><w:t>ly </w:t><w:sym w:font="Symbol" '
        + 'w:char="2014"/><w:sym w:font="Wingdings" w:char="F04A"/><w:t> done.</w:t></w:r>'
    )
    box = (
        '<w:p>{}<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<wp:docPr id="1" name="Box"/><a:graphic><a:graphicData><wps:wsp><wps:txbx>'
        "<w:txbxContent>{}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
        "<w:txbxContent>{}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    ).format(r(PROSE), p("A pull quote."), p("A pull quote."))
    image = (
        f'<w:p>{r("The map. ")}<w:r><w:drawing><wp:inline><wp:docPr id="2" name="Map" '
        'descr="A chart of the bay"/></wp:inline></w:drawing></w:r></w:p>'
    )
    placeholder = (
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
        f"{p('Click here to enter text.')}</w:sdtContent></w:sdt>"
        f"<w:sdt><w:sdtPr/><w:sdtContent>{p('A filled-in control.')}</w:sdtContent></w:sdt>"
    )
    body = chapter("Chapter 1", PROSE) + chapter("Chapter 2") + p(inner=runs) + box + image
    body += placeholder
    path = docx_package(tmp_path / "book.docx", body)
    book = read_book(path)
    assert [p.text for p in book.chapters[1].paragraphs] == [
        "Tab and break, no-break, softly \u2014 done.",
        PROSE,
        "The map.",
        "A filled-in control.",
    ]
    assert ("text box", "A pull quote.") in skipped(book)
    assert [s.text for s in book.skipped].count("A pull quote.") == 1  # not its fallback too
    assert ("image", "A chart of the bay") in skipped(book)
    assert "Click here" not in said(book)
    with_alt = read_book(path, SplitOptions(alt_text=True))
    assert "A chart of the bay" in [p.text for p in with_alt.chapters[1].paragraphs]


def test_footnotes_and_endnotes_are_notes_apart(tmp_path: Path) -> None:
    body = (
        chapter("Chapter 1", PROSE)
        + chapter("Chapter 2")
        + p(
            inner=r("A footnote")
            + '<w:r><w:footnoteReference w:id="1"/></w:r>'
            + r(" and an endnote")
            + '<w:r><w:endnoteReference w:id="1"/></w:r>'
            + r(" with a mark")
            + '<w:r><w:footnoteReference w:customMarkFollows="1" w:id="2"/><w:t>*</w:t></w:r>'
            + r(".")
        )
    )
    parts = {
        "footnotes": notes_part("footnote", {1: "The first footnote.", 2: "The starred one."}),
        "endnotes": notes_part("endnote", {1: "The first endnote."}),
    }
    path = docx_package(tmp_path / "book.docx", body, parts=parts)
    book = read_book(path)
    assert book.chapters[1].paragraphs[0].text == "A footnote and an endnote with a mark."
    notes = {("footnote", t) for t in ("The first footnote.", "The starred one.")}
    assert notes | {("footnote", "The first endnote.")} <= skipped(book)
    read = read_book(path, SplitOptions(notes=True))
    assert [p.text for p in read.chapters[1].paragraphs][1:] == [
        "The first footnote.", "The first endnote.", "The starred one.",
    ]  # fmt: skip


def test_core_properties_and_no_author_written_in_by_a_program(tmp_path: Path) -> None:
    body = chapter("Chapter 1", PROSE) + chapter("Chapter 2", PROSE)
    named = docx_package(
        tmp_path / "a.docx", body, properties=core("The Tide Tables", "Ana Brook", "en-GB")
    )
    book = read_book(named)
    assert (book.title, book.author, book.language) == ("The Tide Tables", "Ana Brook", "en-gb")
    assert "not" not in (book.meta.description or "")
    anonymous = docx_package(tmp_path / "b.docx", body, properties=core("", "python-docx"))
    book = read_book(anonymous)
    assert book.author != "python-docx" and book.title == "B"  # the file's name


def test_parts_over_chapters_and_a_line_as_a_scene_break(tmp_path: Path) -> None:
    line = '<w:p><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="6"/></w:pBdr></w:pPr></w:p>'
    box = (
        '<w:p><w:pPr><w:pBdr><w:top w:val="single"/><w:left w:val="single"/>'
        '<w:bottom w:val="single"/><w:right w:val="single"/></w:pBdr></w:pPr></w:p>'
    )
    body = (
        p("Part One", "Heading1") + chapter("Chapter 1", PROSE, PROSE)
        + chapter("Chapter 2", PROSE) + line + p(PROSE) + box + p(PROSE)
        + p("Part Two", "Heading1") + chapter("Chapter 3", PROSE)
    )  # fmt: skip
    book = read_book(docx_package(tmp_path / "book.docx", body))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    assert book.chapters[2].spoken_title == "Part 2. Chapter 3"
    # The line is a scene break; a box drawn round nothing is not.
    kinds = [type(b).__name__ for b in book.chapters[1].blocks]
    assert kinds == ["Paragraph", "SceneBreak", "Paragraph", "Paragraph"]


def test_a_language_the_text_is_not_in_is_not_the_books(tmp_path: Path) -> None:
    # LibreOffice writes its own locale as dc:language, whatever the text is in.
    french = (
        "Le gardien monta l'escalier de la tour et alluma la lampe avant que la tempête "
        "n'arrive de l'ouest, pendant que sa fille fermait les volets de la cuisine."
    )
    body = chapter("Chapitre 1", french, french) + chapter("Chapitre 2", french)
    path = docx_package(tmp_path / "a.docx", body, properties=core("Le Phare", "", "en-US"))
    assert read_book(path).language == "fr"
    path = docx_package(tmp_path / "b.docx", body, properties=core("Le Phare", "", "fr-CA"))
    assert read_book(path).language == "fr-ca"


def test_without_heading_styles_chapters_are_found_in_the_text(tmp_path: Path) -> None:
    # Typed in the body style, as many manuscripts are.
    typed = "".join(p(f"Chapter {n}") + p(PROSE) + p(PROSE) for n in (1, 2, 3))
    book = read_book(docx_package(tmp_path / "typed.docx", typed))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    # A .txt opened and saved by a word processor: a paragraph a line, blank lines empty.
    lines = ["CHAPTER I. The Harbour", "", *PROSE.split(" the "), "", "CHAPTER II. The Storm", ""]
    lines += ["The wind rose", "and the sea with it.", ""]
    saved = "".join(p(line) if line else "<w:p/>" for line in lines)
    book = read_book(docx_package(tmp_path / "saved.docx", saved))
    assert [c.title for c in book.chapters] == ["The Harbour", "The Storm"]
    assert [p.text for p in book.chapters[1].paragraphs] == ["The wind rose and the sea with it."]


def test_caps_on_paragraphs_and_elements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = docx_package(tmp_path / "book.docx", chapter("Chapter 1", *["Word."] * 300))
    monkeypatch.setattr(office, "MAX_PARAGRAPHS", 200)
    with pytest.raises(InputError, match="more than 200 paragraphs"):
        read_book(path)
    monkeypatch.setattr(office, "MAX_ELEMENTS", 100)
    with pytest.raises(InputError, match="more than 100 XML elements"):
        read_book(path)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_docx_saved_by_libreoffice(tmp_path: Path) -> None:
    """The manuscript as LibreOffice saves an ODT again as DOCX (its own styles, footnote and
    metadata), and a corpus book opened as text and saved as DOCX: its chapter count."""
    saved = converted(odt_manuscript(tmp_path / "book.odt"), "docx", tmp_path)
    book = read_book(saved)
    assert [c.title for c in book.chapters] == TITLES
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, ms.LANGUAGE)
    assert ("footnote", ms.FOOTNOTE) in skipped(book)
    assert [type(b) for b in book.chapters[0].blocks].count(SceneBreak) == 1
    if (CORPUS / "alice.txt").exists():
        alice = read_book(converted(CORPUS / "alice.txt", "docx", tmp_path))
        assert len(alice.chapters) == 12 and alice.chapters[-1].title == "Alice's Evidence"


# --- hostile files -------------------------------------------------------------------------------

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _document(inner: str) -> str:
    return f"<w:document {_W}><w:body>{inner}</w:body></w:document>"


def _hostile(kind: str, path: Path) -> Path:
    if kind == "zip bomb":
        return zip_bomb(path, "word/document.xml", 2 << 30, {"[Content_Types].xml": b"<Types/>"})
    if kind == "not a zip":
        path.write_bytes(b"\x00\x01 this is no archive " * 1000)
        return path
    if kind == "not xml":
        return docx_package(path, "", document="\x00<w:document><w:body>{{{")
    if kind == "no document.xml":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("word/styles.xml", STYLES)
        return path
    if kind == "entities":
        laughs = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)
        )
        return docx_package(path, "", document=laughs + "]>" + _document(p("&j;")))
    if kind == "nested 100,000 deep":
        deep = "<w:sdt><w:sdtContent>" * 100_000 + "</w:sdtContent></w:sdt>" * 100_000
        return docx_package(path, "", document=_document(deep))
    if kind == "a million paragraphs":
        body = "<p><r><t>a</t></r></p>" * 1_000_000  # the default namespace: 23 MB
        xml = f'<document xmlns="{_W[9:-1]}"><body>{body}</body></document>'
        return docx_package(path, "", document=xml)
    raise AssertionError(kind)


HOSTILE = [
    "zip bomb", "not a zip", "not xml", "no document.xml", "entities", "nested 100,000 deep",
    pytest.param("a million paragraphs", marks=pytest.mark.slow),
]  # fmt: skip


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_docx_ends_in_one_line_quickly_and_small(tmp_path: Path, kind: str) -> None:
    path = _hostile(kind, tmp_path / "book.docx")
    run = measured(path, tmp_path)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "book.docx" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.seconds < 10 and run.peak_mb < 500, (run.seconds, run.peak_mb)
