"""The RTF reader on files written as Word, LibreOffice, TextEdit and WordPad write them, on
the corners of RTF (code pages, Unicode, destinations), and on hostile files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audiobook.core.book import Book, Paragraph, SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import read_book, reader_for, rtf
from audiobook.readers.rtf import parse as rtf_parse
from audiobook.readers.rtf import tokens as rtf_tokens
from audiobook.readers.rtf.parse import parse_rtf
from audiobook.readers.rtf.tokens import MAX_DEPTH

from ..conftest import run_cli
from . import manuscript as ms
from . import rtf_builder as rb
from .marks import TITLES, paragraphs
from .measure import run_measured

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FLAVOURS = {
    "word, heading styles with outline levels": lambda: rb.word_rtf("outline"),
    "LibreOffice-like, a style based on 'Heading 1'": lambda: rb.word_rtf("name"),
    "word, no heading styles": lambda: rb.word_rtf("none"),
    "TextEdit": rb.textedit_rtf,
    "WordPad": rb.wordpad_rtf,
}
WORD = set(list(FLAVOURS)[:3])  # Word's and LibreOffice's: metadata, notes, a page header


PROSE = "The boats came in at dawn, and nobody on the quay said a word to them."


def body(text: str) -> str:
    """A minimal RTF document around TEXT."""
    return "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times;}}" + text + "}"


def said_in(rtf_text: str, tmp_path: Path) -> list[str]:
    path = rb.write(tmp_path / "t.rtf", rtf_text)
    book = read_book(path)
    return [p.text for c in book.chapters for p in c.paragraphs]


def all_text(book: Book) -> str:
    said = [c.title for c in book.chapters] + [p.text for c in book.chapters for p in c.paragraphs]
    return "\n".join(said + [s.text for s in book.skipped])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_manuscript_reads_the_same_from_every_writer(tmp_path: Path, flavour: str) -> None:
    path = rb.write(tmp_path / "lighthouse.rtf", FLAVOURS[flavour]())
    book = read_book(path)
    assert [c.title for c in book.chapters] == TITLES
    for n, chapter in enumerate(book.chapters):
        assert [p.text for p in chapter.paragraphs] == paragraphs(n)
    kinds = [type(b) for b in book.chapters[0].blocks]
    assert kinds == [Paragraph, Paragraph, Paragraph, SceneBreak, Paragraph]
    assert not any(ch in all_text(book) for ch in "\\{}")
    if flavour in WORD:  # what Word's document says of itself, and what it holds besides
        assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, "en-us")
        reasons = {s.reason: s.text for s in book.skipped}
        assert reasons["footnote"] == ms.FOOTNOTE
        assert reasons["page header"] == "Running Header 1"
        assert reasons["the book's title (said in the opening credits)"] == ms.TITLE
    else:
        assert book.skipped == ()


@pytest.mark.parametrize("headings", ["outline", "none"])
def test_footnotes_are_read_at_the_end_of_their_chapter_when_asked(
    tmp_path: Path, headings: str
) -> None:
    path = rb.write(tmp_path / "lighthouse.rtf", rb.word_rtf(headings))
    book = read_book(path, SplitOptions(notes=True))
    last = book.chapters[-1].blocks
    assert isinstance(last[-2], SceneBreak) and last[-1] == Paragraph(ms.FOOTNOTE)
    assert "footnote" not in {s.reason for s in book.skipped}
    assert all(ms.FOOTNOTE not in p.text for c in book.chapters[:-1] for p in c.paragraphs)


def test_heading_levels_below_the_chapters_are_read_and_a_title_style_names_the_book(
    tmp_path: Path,
) -> None:
    styles = (
        "{\\stylesheet{Normal;}{\\s1\\outlinelevel0 heading 1;}{\\s2\\outlinelevel1 heading 2;}"
        "{\\s3 Title;}}"
    )
    text = styles + "\\pard\\s3 The Quiet Sea\\par"
    text += f"\\pard\\s1 Chapter 1\\par\\pard\\s2 A Scene\\par\\pard {PROSE}\\par"
    text += f"\\pard\\s1 Chapter 2\\par\\pard {PROSE}\\par"
    book = read_book(rb.write(tmp_path / "t.rtf", body(text)))
    assert book.title == "The Quiet Sea"
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert [p.text for p in book.chapters[0].paragraphs] == ["A Scene", PROSE]


def test_an_outline_level_on_the_paragraph_makes_a_heading_without_a_style(
    tmp_path: Path,
) -> None:
    text = "".join(
        f"\\pard\\outlinelevel0 Part {n}\\par\\pard\\outlinelevel9 {PROSE}\\par" for n in (1, 2)
    )
    book = read_book(rb.write(tmp_path / "t.rtf", body(text)))
    assert [c.title for c in book.chapters] == ["Part 1", "Part 2"]


@pytest.mark.parametrize(
    ("rtf_text", "said"),
    [
        # \uN with its fallback skipped: \uc1 (the default), \uc0, \uc2, and negative N.
        ("caf\\u233\\'e9 na\\u239?ve", "café naïve"),
        ("{\\uc0\\u8220 q\\u8221 }", "“q”"),
        ("{\\uc2\\u8364 EUx}", "€x"),
        ("big \\u-3913?\\u-10179?\\u-8704? grin", "big \uf0b7😀 grin"),
        # \'hh in the document's code page, in a font's \fcharset, two bytes of Shift-JIS.
        ("\\'93ok\\'94 \\'85", "“ok” …"),
        ("{\\fonttbl{\\f1\\fcharset204 Arial;}}{\\f1 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}", "Привет"),
        ("{\\fonttbl{\\f2\\fcharset128 MS Mincho;}}{\\f2 \\'82\\'b1\\'82\\'f1}", "こん"),
        # Control words and symbols for characters.
        ("a\\~b \\emdash  c\\-d e\\_f \\lquote x\\rquote  \\ldblquote y\\rdblquote",
         "a b \u2014 cd e-f \u2018x\u2019 \u201cy\u201d"),
        ("one\\tab two\\line three \\bullet  \\\\ \\{ \\}", "one two three • \\ { }"),
    ],
)  # fmt: skip
def test_characters_are_decoded_as_the_document_says(
    tmp_path: Path, rtf_text: str, said: str
) -> None:
    assert said_in(body(rtf_text), tmp_path) == [said]


@pytest.mark.parametrize(
    ("head", "text", "said"),
    [
        ("{\\rtf1\\ansi\\ansicpg1251\\deff0", "\\'cf\\'f0\\'e8\\'e2\\'e5\\'f2 \\'ec\\'e8\\'f0",
         "Привет мир"),
        ("{\\rtf1\\mac\\deff0", "caf\\'8e", "café"),
        ("{\\rtf1\\pc\\deff0", "caf\\'82", "café"),
    ],
)  # fmt: skip
def test_the_document_code_page_decodes_its_bytes(
    tmp_path: Path, head: str, text: str, said: str
) -> None:
    path = rb.write(tmp_path / "t.rtf", head + " " + text + "}")
    assert [p.text for c in read_book(path).chapters for p in c.paragraphs] == [said]


def test_what_is_not_text_is_left_out_and_what_is_not_spoken_is_listed(tmp_path: Path) -> None:
    text = (
        "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator Writer 7;}{\\*\\unknownthing junk}"
        "\\pard {\\pict\\pngblip " + "89abcdef" * 100_000 + "}Before "
        '{\\field{\\*\\fldinst HYPERLINK "https://example.org"}{\\fldrslt the link}} after.'
        "{\\*\\bkmkstart b1}{\\*\\bkmkend b1}{\\v secret words}\\bin4 {}}{ and binary.\\par"
        "{\\*\\atnid MQ}{\\*\\atnauthor Mara}\\chatn{\\*\\annotation{\\*\\atndate 1} Fix this.}"
        "\\pard Next paragraph{\\object\\objemb{\\*\\objdata 0102}{\\result{\\pict 00}}}.\\par"
        "\\trowd\\cellx3000\\cellx6000\\pard\\intbl Cell one\\cell Cell two\\cell\\row"
        "\\trowd\\cellx3000\\cellx6000\\pard\\intbl Cell three\\cell Cell four\\cell\\row"
        "\\pard After the table.\\par{\\footer\\pard Page footer\\par}"
        "{\\shp{\\*\\shpinst{\\sp{\\sn fFilled}{\\sv 0}}{\\shptxt A text box.}}{\\shprslt old}}"
    )
    path = rb.write(tmp_path / "t.rtf", body(text))
    book = read_book(path)
    said = [p.text for c in book.chapters for p in c.paragraphs]
    assert said == ["Before the link after. and binary.", "Next paragraph.", "After the table."]
    assert [(s.reason, s.text) for s in book.skipped] == [
        ("hidden text", "secret words"),
        ("comment", "Fix this."),
        ("table", "Cell one Cell two Cell three Cell four"),
        ("page footer", "Page footer"),
        ("text box", "A text box."),
    ]


def test_a_table_of_contents_field_is_listed_not_read(tmp_path: Path) -> None:
    toc = (
        '{\\field{\\*\\fldinst TOC \\\\o "1-3"}{\\fldrslt {\\field{\\*\\fldinst HYPERLINK '
        '\\\\l "_Toc1"}{\\fldrslt One\\tab 1}}\\par One more\\tab 2\\par}}'
    )
    styled = "{\\stylesheet{Normal;}{\\s9 toc 1;}}\\pard\\s9 Typed by hand\\tab 3\\par"
    text = styled + toc + f"\\pard\\outlinelevel0 One\\par\\pard {PROSE}\\par" * 2
    book = read_book(rb.write(tmp_path / "t.rtf", body(text)))
    assert [(s.reason, s.text) for s in book.skipped] == [
        ("table of contents", "Typed by hand 3"),
        ("table of contents", "One 1"),
        ("table of contents", "One more 2"),
    ]


def test_tracked_changes_are_read_as_accepted(tmp_path: Path) -> None:
    text = (
        "The {\\deleted\\revauthdel1 old }{\\revised\\revauth1 new }lamp{\\deleted  was} lit.\\par"
    )
    assert said_in(body(text), tmp_path) == ["The new lamp lit."]


def test_list_numbers_are_said_and_bullets_are_not(tmp_path: Path) -> None:
    text = (
        "{\\fonttbl{\\f3\\fcharset2 Symbol;}}\\pard{\\listtext\\f3 \\'b7\\tab}Milk\\par"
        "\\pard{\\listtext 2.\\tab}Eggs\\par"
    )
    assert said_in(body(text), tmp_path) == ["Milk", "2. Eggs"]


def test_an_rtf_named_txt_is_read_as_rtf_never_as_markup(tmp_path: Path) -> None:
    path = rb.write(tmp_path / "notes.txt", rb.textedit_rtf())
    assert reader_for(path) is rtf.READER
    book = read_book(path)
    assert [c.title for c in book.chapters] == TITLES
    result = run_cli("chapters", "--json", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.dumps(json.loads(result.stdout)["chapters"] + json.loads(result.stdout)["skipped"])
    for markup in ("\\\\rtf", "{\\\\", "\\\\par", "cocoa", "Helvetica"):
        assert markup not in shown
    assert not any(ch in all_text(book) for ch in "\\{}")


def test_groups_nested_to_the_cap_are_read_without_recursion(tmp_path: Path) -> None:
    depth = MAX_DEPTH - 2
    assert said_in(body("{" * depth + "deep" + "}" * depth), tmp_path) == ["deep"]


def test_a_file_cut_short_is_refused_not_read_in_part(tmp_path: Path) -> None:
    full = rb.word_rtf("outline")
    path = rb.write(tmp_path / "cut.rtf", full[: len(full) * 2 // 3])
    with pytest.raises(InputError, match="cut short"):
        read_book(path)


def test_text_that_is_not_rtf_in_an_rtf_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.rtf"
    path.write_text("Just some words, not RTF at all.\n")
    with pytest.raises(InputError, match="not an RTF file"):
        read_book(path)
    with pytest.raises(InputError, match="not an RTF file"):
        parse_rtf(b"{\\html nope}", path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{" * 100_000 + "x" + "}" * 100_000, f"nests groups more than {MAX_DEPTH} deep"),
        ("{\\pict " + "{" * 100_000 + "}" * 100_000 + "}", f"more than {MAX_DEPTH} deep"),
        ("\\pard Hello {\\i there" + "{" * 500, "cut short"),
    ],
)
def test_a_hostile_rtf_is_one_line_exit_2_quickly_and_small(
    tmp_path: Path, text: str, message: str
) -> None:
    path = rb.write(tmp_path / "hostile.rtf", "{\\rtf1\\ansi " + text + "}")
    result, seconds, megabytes = run_measured("chapters", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert seconds < 10 and megabytes < 500


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_an_rtf_saved_by_libreoffice_reads_as_the_manuscript(tmp_path: Path) -> None:
    source = tmp_path / "book.fodt"
    source.write_text(rb.manuscript_fodt(), encoding="utf-8")
    subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "rtf:Rich Text Format", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    book = read_book(tmp_path / "book.rtf")
    assert [c.title for c in book.chapters] == TITLES
    for n, chapter in enumerate(book.chapters):
        assert [p.text for p in chapter.paragraphs] == paragraphs(n)
    assert (book.title, book.author) == (ms.TITLE, ms.AUTHOR)
    assert {s.reason: s.text for s in book.skipped}["footnote"] == ms.FOOTNOTE


@pytest.mark.parametrize(
    ("module", "cap", "text", "message"),
    [
        (rtf_parse, "MAX_ITEMS", "a\\par " * 50, "more than 40 paragraphs"),
        (rtf_parse, "MAX_TEXT", "word " * 500, "more than 0 MB of text"),
        (rtf_tokens, "MAX_READ", "\\b" * 70_000, "more than 0 MB of text and formatting"),
    ],
)
def test_more_than_a_book_holds_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object, cap: str, text: str,
    message: str,
) -> None:  # fmt: skip
    monkeypatch.setattr(module, cap, 40 if cap == "MAX_ITEMS" else 1000)
    with pytest.raises(InputError, match=message):
        read_book(rb.write(tmp_path / "big.rtf", body(text)))


GUTENBERG = (
    "The Project Gutenberg eBook of The Lighthouse Keeper",
    "Title: The Lighthouse Keeper",
    "Author: Mara Quill",
    "*** START OF THE PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***",
    "CHAPTER I.",
    "The storm came in from the west before dark, and the keeper climbed the tower stairs.",
    "CHAPTER II.",
    "A ship had seen the light, and its captain wrote that the lamp had saved them all.",
    "*** END OF THE PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***",
    "Updated editions will replace the previous one.",
)


def test_a_gutenberg_text_saved_as_rtf_loses_its_header_and_licence(tmp_path: Path) -> None:
    """A word processor opening a Gutenberg .txt and saving RTF: a paragraph a line, no
    heading styles; the header and licence are taken off and their Title/Author kept, as the
    text reader does."""
    body = "".join(f"\\pard {line}\\par\n" for line in GUTENBERG)
    path = tmp_path / "keeper.rtf"
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\n" + body + "}", "ascii")
    book = read_book(path)
    spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert len(book.chapters) == 2 and "Gutenberg" not in spoken
    assert (book.title, book.author) == ("The Lighthouse Keeper", "Mara Quill")
    reasons = {s.reason for s in book.skipped}
    assert {"Project Gutenberg header", "Project Gutenberg licence"} <= reasons
