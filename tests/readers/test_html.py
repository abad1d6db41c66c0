"""The HTML reader, and the markup reading it shares with the EPUB reader."""

from __future__ import annotations

from pathlib import Path

from audiobook.core.book import SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.readers import html as html_reader
from audiobook.readers import read_book, reader_for
from audiobook.readers.html_blocks import Anchor, Break, Heading, Omitted, Text, parse_html

BOOK = """<!DOCTYPE html>
<html lang="en-GB"><head><title>The Lighthouse</title>
<meta name="author" content="Mara Quay"><style>p { color: red }</style></head>
<body>
<h1>The Lighthouse</h1>
<p>by Mara Quay</p>
<h2>Chapter 1. The Harbour</h2>
<p>The boats came in at <em>dawn</em>, their sails heavy with rain.<a epub:type="noteref"
   href="#n1">1</a> Nobody on the quay said a word.</p>
<hr/>
<p>Mara counted them twice,<span role="doc-pagebreak" id="p2" title="2"></span> as her father
had taught her.</p>
<aside epub:type="footnote" id="n1"><p>The quay was rebuilt in 1820.</p></aside>
<h2>Chapter 2. The Storm</h2>
<p>By noon the sky had turned the colour of <ruby>slate<rt>s-late</rt></ruby>.</p>
<p><img src="map.png" alt="A map of the bay"/>The wind rose.</p>
<script>document.write("not the book")</script>
</body></html>
"""


def test_markup_becomes_headings_paragraphs_breaks_and_what_is_not_read() -> None:
    parsed = parse_html(BOOK)
    assert (parsed.title, parsed.language, parsed.meta["author"]) == (
        "The Lighthouse", "en-GB", "Mara Quay",
    )  # fmt: skip
    texts = [i.text for i in parsed.items if isinstance(i, Text)]
    assert texts[1] == (
        "The boats came in at dawn, their sails heavy with rain. Nobody on the quay said a word."
    )
    assert texts[2] == "Mara counted them twice, as her father had taught her."  # no page number
    assert texts[3] == "By noon the sky had turned the colour of slate."  # no ruby reading
    assert texts[4] == "The wind rose."
    assert not any("not the book" in t for t in texts)
    assert [i for i in parsed.items if isinstance(i, Heading)][1] == Heading(
        2, "Chapter 1. The Harbour"
    )
    assert Break() in parsed.items
    omitted = {(i.reason, i.text) for i in parsed.items if isinstance(i, Omitted)}
    assert omitted == {
        ("footnote", "The quay was rebuilt in 1820."),
        ("image", "A map of the bay"),
        ("page number", "2"),
    }
    assert parsed.notes == {"n1": "The quay was rebuilt in 1820."}
    assert Anchor("n1", omitted=True) in parsed.items and Anchor("p2", omitted=True) in parsed.items


def test_an_html_file_is_a_book_with_its_headings_as_chapters(tmp_path: Path) -> None:
    path = tmp_path / "lighthouse.html"
    path.write_text(BOOK, encoding="utf-8")
    assert reader_for(path) is html_reader.READER
    book = read_book(path)
    assert (book.title, book.author, book.language) == ("The Lighthouse", "Mara Quay", "en-gb")
    assert [c.title for c in book.chapters] == ["The Harbour", "The Storm"]
    assert [c.spoken_title for c in book.chapters] == [
        "Chapter 1. The Harbour", "Chapter 2. The Storm",
    ]  # fmt: skip
    assert SceneBreak() in book.chapters[0].blocks
    reasons = {s.reason for s in book.skipped}
    assert {"title page", "footnote", "image"} <= reasons  # and nothing else is dropped
    said = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "1820" not in said and "map" not in said


def test_notes_and_alt_text_are_read_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "lighthouse.xhtml"
    path.write_text(BOOK, encoding="utf-8")
    book = read_book(path, SplitOptions(notes=True, alt_text=True))
    first, second = book.chapters
    assert first.paragraphs[-1].text == "The quay was rebuilt in 1820."  # at the chapter's end
    assert "A map of the bay" in [p.text for p in second.paragraphs]
    assert not {"footnote", "image"} & {s.reason for s in book.skipped}


def test_a_folder_with_one_html_file_is_read_by_the_html_reader(tmp_path: Path) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    (folder / "book.xhtml").write_text(BOOK, encoding="utf-8")
    (folder / "book.toml").write_text('title = "Lamp"\nauthor = "B"\n', encoding="utf-8")
    book = read_book(folder)
    assert (book.title, book.author) == ("Lamp", "B")  # book.toml over the file's own
    assert len(book.chapters) == 2


def test_a_part_heading_above_the_chapters_is_said_with_the_next_chapter(tmp_path: Path) -> None:
    """An <h1> part above <h2> chapters is said with the chapter after it; the book's title,
    an <h1> too, is not a part (the opening credits say it)."""
    prose = "<p>Words enough of a chapter to be prose and not a title page at all.</p>"
    page = tmp_path / "book.html"
    page.write_text(
        "<html><head><title>The Book</title></head><body><h1>The Book</h1>"
        f"<h1>Part One</h1><h2>The First</h2>{prose}<h2>The Second</h2>{prose}"
        f"<h1>Part Two</h1><h2>The Third</h2>{prose}</body></html>",
        encoding="utf-8",
    )
    book = read_book(page)
    assert [c.title for c in book.chapters] == ["The First", "The Second", "The Third"]
    spoken = [c.spoken_title for c in book.chapters]
    assert spoken == ["Part 1. The First", "The Second", "Part 2. The Third"]
    assert "The Book" not in " ".join(spoken)
