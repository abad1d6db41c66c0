"""The FB2 reader on FictionBook files built in tmp_path (plain and zipped, English and Russian
in windows-1251), and on hostile ones."""

# ruff: noqa: RUF001 - Russian prose is made of Cyrillic letters, not look-alikes
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.core.book import Paragraph, SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import fb2, read_book, reader_for
from audiobook.readers.fb2 import parse as fb2_parse
from audiobook.readers.fb2.parse import MAX_DEPTH

from ..conftest import run_cli
from . import fb2_builder as fb
from . import manuscript as ms
from .marks import TITLES, paragraphs
from .measure import run_measured

PROSE = "The boats came in at dawn, and nobody on the quay said a word to them."


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def said(book_path: Path, **options: bool) -> list[str]:
    book = read_book(book_path, SplitOptions(notes=options.get("notes", False)))
    return [p.text for c in book.chapters for p in c.paragraphs]


@pytest.mark.parametrize("zipped", [False, True])
def test_the_manuscript_reads_as_in_every_format(tmp_path: Path, zipped: bool) -> None:
    data = fb.lighthouse_fb2()
    if zipped:
        path = fb.zipped(tmp_path / "lighthouse.fb2.zip", {"lighthouse.fb2": data})
    else:
        path = write(tmp_path / "lighthouse.fb2", data)
    assert reader_for(path) is fb2.READER
    book = read_book(path)
    assert [c.title for c in book.chapters] == TITLES
    for n, chapter in enumerate(book.chapters):
        assert [p.text for p in chapter.paragraphs] == paragraphs(n)
    kinds = [type(b) for b in book.chapters[0].blocks]
    assert kinds == [Paragraph, Paragraph, Paragraph, SceneBreak, Paragraph]
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, "en")
    assert book.meta.year == 2024
    assert book.meta.description == "A keeper, a storm, and a letter."
    assert book.cover is not None and book.cover_mime in ("image/png", "image/jpeg")
    skipped = {s.reason: s.text for s in book.skipped}
    assert skipped["footnote"] == ms.FOOTNOTE
    assert skipped["the book's title (said in the opening credits)"] == f"{ms.AUTHOR}. {ms.TITLE}"


def test_notes_are_read_at_the_end_of_their_chapter_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path / "lighthouse.fb2", fb.lighthouse_fb2(cover=False))
    book = read_book(path, SplitOptions(notes=True))
    last = book.chapters[-1].blocks
    assert isinstance(last[-2], SceneBreak) and last[-1] == Paragraph(ms.FOOTNOTE)
    assert "footnote" not in {s.reason for s in book.skipped}


def test_a_link_to_a_note_without_its_type_is_still_a_note_and_its_mark_is_not_said(
    tmp_path: Path,
) -> None:
    body = fb.section(
        "One", f'{PROSE[:-1]} <a l:href="#n7">[7]</a>. See <a l:href="#map">the map</a>.'
    ) + fb.section("Two", PROSE, attrs=' id="map"')
    notes = (
        '<section id="n7"><title><p>7</p></title><p>A note <emphasis>here</emphasis>.</p></section>'
    )
    path = write(tmp_path / "t.fb2", fb.body_fb2(body, notes))
    assert said(path)[0] == f"{PROSE} See the map."
    assert said(path, notes=True)[1] == "A note here."


def test_parts_holding_chapters_are_said_with_their_first_chapter(tmp_path: Path) -> None:
    path = write(tmp_path / "parts.fb2", fb.lighthouse_fb2(cover=False, in_parts=True))
    book = read_book(path)
    assert [c.title for c in book.chapters] == TITLES
    assert book.chapters[0].spoken_title.startswith("Part 1.")
    assert book.chapters[2].spoken_title.startswith("Part 2.")


def test_one_top_section_holding_the_chapters_is_not_the_only_chapter(tmp_path: Path) -> None:
    inner = "".join(fb.section(f"Chapter {n}", PROSE) for n in (1, 2, 3))
    path = write(
        tmp_path / "t.fb2", fb.body_fb2(f"<section><title><p>Book</p></title>{inner}</section>")
    )
    assert [c.title for c in read_book(path).chapters] == ["Chapter 1", "Chapter 2", "Chapter 3"]


def _nested(outer: list[str], inner: list[str]) -> bytes:
    sections = "".join(
        f"<section><title><p>{o}</p></title>"
        + "".join(fb.section(i, PROSE) for i in inner)
        + "</section>"
        for o in outer
    )
    return fb.body_fb2(sections)


@pytest.mark.parametrize(
    ("outer", "inner", "titles"),
    [
        # Parts by their name, or holding chapters by theirs: the chapters are the inner ones.
        (["Part One", "Part Two"], ["1", "2"], ["1", "2", "1", "2"]),
        (["The Beginning", "The End"], ["Chapter 1", "Chapter 2"], ["Chapter 1", "Chapter 2"] * 2),
        # Chapters holding a few numbered scenes, or titled ones: the chapters are the outer.
        (["Chapter 1", "Chapter 2"], ["1", "2"], ["Chapter 1", "Chapter 2"]),
        (["Chapter 1", "Chapter 2"], ["Dawn", "Dusk"], ["Chapter 1", "Chapter 2"]),
        (["Morning", "Evening"], ["* * *", "* * *"], ["Morning", "Evening"]),
    ],
)
def test_the_chapters_are_at_the_depth_the_titles_say(
    tmp_path: Path, outer: list[str], inner: list[str], titles: list[str]
) -> None:
    book = read_book(write(tmp_path / "t.fb2", _nested(outer, inner)))
    assert [c.title for c in book.chapters] == titles


def test_a_russian_book_in_windows_1251_is_decoded_as_declared(tmp_path: Path) -> None:
    path = write(tmp_path / "mayak.fb2", fb.russian_fb2())
    book = read_book(path)
    assert book.language == "ru" and book.author == "Мара Квилл"
    assert book.title == "Смотритель маяка"
    assert [c.title for c in book.chapters] == fb.RUSSIAN_TITLES
    assert said(path) == [t for t in fb.RUSSIAN_TEXT for _ in (0, 1)]


def test_a_multi_byte_encoding_expat_cannot_decode_is_decoded_by_python(tmp_path: Path) -> None:
    path = write(tmp_path / "gbk.fb2", fb.russian_fb2("gbk"))
    assert [c.title for c in read_book(path).chapters] == fb.RUSSIAN_TITLES


def test_verse_epigraphs_tables_images_and_html_entities(tmp_path: Path) -> None:
    body = (
        "<section><title><p>One</p></title>"
        "<epigraph><p>Light is light.</p><text-author>A. Keeper</text-author></epigraph>"
        f"<p>{PROSE}&nbsp;&mdash;&nbsp;yes.</p>"
        "<poem><title><p>Song</p></title><stanza><v>The lamp, the lamp,</v><v>it burns.</v>"
        "</stanza></poem><table><tr><td>Cell</td><td>two</td></tr></table>"
        '<image l:href="#pic" alt="A map of the bay"/><empty-line/>'
        f"<p>{PROSE}</p></section>" + fb.section("Two", PROSE)
    )
    path = write(tmp_path / "t.fb2", fb.body_fb2(body))
    book = read_book(path)
    assert [p.text for p in book.chapters[0].paragraphs] == [
        "Light is light.", "A. Keeper", f"{PROSE} \u2014 yes.", "Song",
        "The lamp, the lamp,", "it burns.", PROSE,
    ]  # fmt: skip
    assert isinstance(book.chapters[0].blocks[-2], SceneBreak)
    skipped = [(s.reason, s.text) for s in book.skipped]
    assert ("table", "Cell two") in skipped and ("image", "A map of the bay") in skipped
    with_alt = read_book(path, SplitOptions(alt_text=True))
    assert "A map of the bay" in [p.text for p in with_alt.chapters[0].paragraphs]


def test_empty_lines_between_most_paragraphs_are_layout_not_scene_breaks(tmp_path: Path) -> None:
    text = "<empty-line/>".join(f"<p>{PROSE}</p>" for _ in range(4))
    body = f"<section><title><p>One</p></title>{text}</section>" + fb.section("Two", PROSE)
    book = read_book(write(tmp_path / "t.fb2", fb.body_fb2(body)))
    assert all(isinstance(b, Paragraph) for b in book.chapters[0].blocks)


def test_a_folder_holding_one_zipped_fb2_is_read(tmp_path: Path) -> None:
    fb.zipped(tmp_path / "book.fb2.zip", {"book.fb2": fb.lighthouse_fb2(cover=False)})
    assert [c.title for c in read_book(tmp_path).chapters] == TITLES


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: write(p / "laughs.fb2", fb.billion_laughs()), "declares XML entities"),
        (lambda p: write(p / "text.fb2", b"Just words, not XML.\n"), "not well-formed XML"),
        (lambda p: write(p / "cut.fb2", fb.lighthouse_fb2(cover=False)[:1500]), "not well-formed"),
        (lambda p: write(p / "other.fb2", b'<?xml version="1.0"?><book><p>x</p></book>'),
         "not a FictionBook"),
        (lambda p: write(p / "deep.fb2", fb.deep_fb2()), f"more than {MAX_DEPTH} deep"),
        (lambda p: fb.zip_bomb(p / "bomb.fb2.zip"), "ZIP bomb"),
        (lambda p: write(p / "notzip.fb2.zip", b"PK\x03\x04 garbage"), "not a ZIP file"),
        (lambda p: fb.zipped(p / "empty.fb2.zip", {"readme.txt": b"hi"}), "holds 0 .fb2 books"),
        (lambda p: fb.zipped(p / "two.fb2.zip", {"a.fb2": b"<a/>", "b.fb2": b"<b/>"}),
         "holds 2 .fb2 books"),
    ],
)  # fmt: skip
def test_a_hostile_fb2_is_one_line_exit_2_quickly_and_small(
    tmp_path: Path, make, message: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError, match=message) as caught:
        read_book(path)
    assert str(caught.value).startswith(str(path))
    result, seconds, megabytes = run_measured("chapters", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert seconds < 10 and megabytes < 500


def test_chapters_json_through_the_cli(tmp_path: Path) -> None:
    path = fb.zipped(tmp_path / "lighthouse.fb2.zip", {"lighthouse.fb2": fb.lighthouse_fb2()})
    result = run_cli("chapters", "--json", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert [c["title"] for c in shown["chapters"]] == TITLES
    assert (shown["title"], shown["author"], shown["language"]) == (ms.TITLE, ms.AUTHOR, "en")
    assert "<" not in result.stdout


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        ("MAX_ITEMS", "more than 40 paragraphs"),
        ("MAX_TEXT", "more than 0 MB of text"),
        ("MAX_ELEMENTS", "more than 40 elements"),
    ],
)
def test_more_than_a_book_holds_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: str, message: str
) -> None:
    monkeypatch.setattr(fb2_parse, cap, 1000 if cap == "MAX_TEXT" else 40)
    path = write(tmp_path / "big.fb2", fb.body_fb2(fb.section("One", *[PROSE] * 200)))
    with pytest.raises(InputError, match=message):
        read_book(path)
