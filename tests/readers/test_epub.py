"""The EPUB reader on EPUB 2 and 3 files built in tmp_path, and on hostile ones."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from audiobook.core.book import SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import epub, read_book, reader_for

from ..conftest import REPO, run_cli
from . import epub_builder as eb
from .epub_builder import Doc, NavEntry, build_epub

PROSE = (
    "The boats came in at dawn, their sails heavy with rain, and nobody on the quay said a word"
    " while the gulls wheeled over the harbour wall."
)


def cover_png(size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 60, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def novel(path: Path, version: int = 3, **kwargs: object) -> Path:
    """A book with the traps of real EPUBs: a title page and contents in the spine, two chapters
    in one file by anchors, a chapter over two files, a part holding chapters, notes in a
    linear="no" file, page breaks, ruby, an image, and a copyright page at the end."""
    docs = [
        Doc("title.xhtml", "<h1>The Harbour Book</h1><p>by Ann Author</p>", epub_type="titlepage"),
        Doc(
            "contents.xhtml",
            '<h2>Contents</h2><p><a href="one.xhtml">Chapter One</a></p>',
            epub_type="toc",
        ),
        Doc(
            "one.xhtml",
            f'<section id="c1"><h2>Chapter One</h2><p>{PROSE}<a epub:type="noteref" '
            'href="notes.xhtml#n1" id="r1">1</a></p><hr/><p>After the break she slept.</p>'
            '</section><section id="c2"><h2>Chapter Two</h2><p>Mara counted them twice,'
            '<span epub:type="pagebreak" id="p7" title="7"/> as her father had taught her.</p>'
            "</section>",
        ),
        Doc("part.xhtml", "<h1>Part Two: The Storm</h1>"),
        Doc(
            "three-a.xhtml",
            "<h2>Chapter Three</h2><p>By noon the sky had turned the colour of "
            "<ruby>slate<rt>s-late</rt></ruby>.</p>",
        ),
        Doc(
            "three-b.xhtml",
            '<p><img src="cover.png" alt="A map of the bay"/>The wind rose, and the old keeper '
            "climbed his stairs one more time.</p>",
        ),
        Doc(
            "notes.xhtml",
            '<aside epub:type="footnote" id="n1"><p>The quay was rebuilt in 1820.</p></aside>',
            linear=False,
        ),
        Doc(
            "rights.xhtml",
            "<p>Copyright 1901 by nobody at all, all rights reserved here.</p>",
            epub_type="copyright-page",
        ),
    ]
    nav = [
        NavEntry("Title", "title.xhtml"),
        NavEntry("Contents", "contents.xhtml"),
        NavEntry("Part One: The Quay", "one.xhtml", [
            NavEntry("Chapter One", "one.xhtml#c1"),
            NavEntry("Chapter Two", "one.xhtml#c2"),
        ]),
        NavEntry("Part Two: The Storm", "part.xhtml", [NavEntry("Chapter Three", "three-a.xhtml")]),
        NavEntry("Copyright", "rights.xhtml"),
    ]  # fmt: skip
    landmarks = [("copyright-page", "Rights", "rights.xhtml")]
    return build_epub(
        path, docs, nav, version=version, cover=cover_png(), landmarks=landmarks, **kwargs
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [2, 3])
def test_chapters_come_from_the_navigation_in_reading_order(tmp_path: Path, version: int) -> None:
    path = novel(tmp_path / "book.epub", version, narrators=("Nat Reader",), date="1901-05-02")
    assert reader_for(path) is epub.READER
    book = read_book(path)
    assert (book.title, book.author, book.narrator) == ("A Test Book", "Ann Author", "Nat Reader")
    assert (book.language, book.language_source, book.meta.year) == ("en", "metadata", 1901)
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    # A part with no text of its own is said with its first chapter, as for text.
    assert book.chapters[0].spoken_title == "Part 1. The Quay. Chapter 1"
    assert book.chapters[2].spoken_title == "Part 2. The Storm. Chapter 3"
    one, two, three = ([p.text for p in c.paragraphs] for c in book.chapters)
    assert one == [PROSE, "After the break she slept."]
    assert SceneBreak() in book.chapters[0].blocks
    assert two == ["Mara counted them twice, as her father had taught her."]
    # One chapter over two files; no ruby reading, no alt text.
    assert three == [
        "By noon the sky had turned the colour of slate.",
        "The wind rose, and the old keeper climbed his stairs one more time.",
    ]
    skipped = {s.reason: s.text for s in book.skipped}
    assert skipped["footnote"] == "The quay was rebuilt in 1820."  # in its linear="no" file
    assert skipped["copyright page"].startswith("Copyright 1901")
    assert skipped["page numbers"] == "7"
    assert skipped["image"] == "A map of the bay"
    assert any("The Harbour Book" in s.text for s in book.skipped if "title" in s.reason)
    assert book.cover is not None and book.cover_mime == "image/png"


def test_notes_and_alt_text_when_asked(tmp_path: Path) -> None:
    book = read_book(novel(tmp_path / "book.epub"), SplitOptions(notes=True, alt_text=True))
    assert book.chapters[0].paragraphs[-1].text == "The quay was rebuilt in 1820."
    assert "A map of the bay" in [p.text for p in book.chapters[2].paragraphs]


def test_book_toml_overrides_the_epub_and_a_text_folder_may_hold_one(tmp_path: Path) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    novel(folder / "book.epub")
    (folder / "book.toml").write_text('title = "My Title"\nyear = 2020\n', encoding="utf-8")
    book = read_book(folder)
    assert (book.title, book.author, book.meta.year) == ("My Title", "Ann Author", 2020)
    novel(folder / "second.epub")
    with pytest.raises(InputError, match="holds 2 EPUB files"):
        read_book(folder)


def test_without_navigation_the_headings_make_the_chapters(tmp_path: Path) -> None:
    docs = [Doc(f"c{n}.xhtml", f"<h2>Chapter {n}</h2><p>{PROSE}</p>") for n in (1, 2)]
    book = read_book(build_epub(tmp_path / "b.epub", docs, []))
    assert [c.spoken_title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (eb.not_a_zip, "not a ZIP file"),
        (eb.zip_without_container, "no META-INF/container.xml"),
        (eb.epub_with_missing_spine_item, "does not hold"),
        (eb.epub_with_entity_bomb, "declares XML entities"),
        (eb.epub_with_zip_bomb, "ZIP bomb"),
        (eb.epub_with_traversal_member, "outside the book"),
    ],
)
def test_a_hostile_epub_is_one_line_exit_2(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path / "bad.epub")
    with pytest.raises(InputError, match=message) as caught:
        read_book(path)
    assert str(caught.value).startswith(str(path))
    result = run_cli("chapters", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_epub_whose_text_is_encrypted_is_refused_not_read_as_noise(tmp_path: Path) -> None:
    encryption = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        '<enc:CipherData><enc:CipherReference URI="OEBPS/c1.xhtml"/></enc:CipherData>'
        "</enc:EncryptedData></encryption>"
    )
    docs = [Doc("c1.xhtml", f"<h2>One</h2><p>{PROSE}</p>")]
    path = build_epub(
        tmp_path / "drm.epub", docs, [NavEntry("One", "c1.xhtml")],
        extra_files={"META-INF/encryption.xml": encryption.encode()},
    )  # fmt: skip
    with pytest.raises(InputError, match=r"is DRM-protected: 'OEBPS/c1\.xhtml' is encrypted"):
        read_book(path)


def test_a_corrupt_cover_in_the_epub_is_an_error_naming_it(tmp_path: Path) -> None:
    docs = [Doc("c1.xhtml", f"<h2>One</h2><p>{PROSE}</p>")]
    path = build_epub(tmp_path / "b.epub", docs, [NavEntry("One", "c1.xhtml")], cover=b"not png")
    with pytest.raises(InputError, match=r"b\.epub!.*cover.*not an image"):
        read_book(path)


def test_the_epub3_fixture_passes_epubcheck(tmp_path: Path) -> None:
    eb.require_epubcheck()
    result = eb.run_epubcheck(novel(tmp_path / "book.epub"))
    assert result.returncode == 0, result.stdout + result.stderr


ALICE = REPO.parent / "shared" / "corpus" / "alice.epub"


@pytest.mark.skipif(not ALICE.exists(), reason="needs ../shared/corpus/alice.epub")
def test_alice_epub_splits_like_alice_txt() -> None:
    book, text = read_book(ALICE), read_book(ALICE.with_suffix(".txt"))
    assert (book.title, book.author, book.language) == (
        "Alice's Adventures in Wonderland", "Lewis Carroll", "en",
    )  # fmt: skip
    # The EPUB's typographic apostrophes are kept as its publisher set them.
    assert [c.title.replace("\u2019", "'") for c in book.chapters] == [
        c.title for c in text.chapters
    ]
    for ours, theirs in zip(book.chapters, text.chapters, strict=True):
        assert abs(ours.words - theirs.words) <= 0.02 * theirs.words
    said = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "Gutenberg" not in said and "LICENSE" not in said.upper()
    assert book.cover is not None
