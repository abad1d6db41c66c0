from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.errors import InputError
from audiobook.manuscript import (
    DEFAULT_TARGET_WORDS,
    SceneBreak,
    decode_text,
    read_book,
    split_chapters,
)

from .conftest import REPO, write_book

SEED_STORY = REPO.parent / "shared" / "seed-story.txt"


def words_of(text: str) -> list[str]:
    return [w for w in text.split() if re.search(r"\w", w)]


def test_markdown_headings_become_chapters_with_their_titles(tmp_path: Path) -> None:
    book = read_book(write_book(tmp_path))
    assert [c.title for c in book.chapters] == ["The Harbour", "The Storm", "The Return"]
    assert [len(c.paragraphs) for c in book.chapters] == [2, 2, 1]
    assert book.title == "The Harbour Book"
    assert (book.author, book.narrator, book.language) == ("Test Author", "Test Narrator", "en")


def test_scene_break_is_a_marker_not_text(tmp_path: Path) -> None:
    storm = read_book(write_book(tmp_path)).chapters[1]
    assert isinstance(storm.blocks[1], SceneBreak)
    assert all("*" not in p.text for p in storm.paragraphs)


@pytest.mark.parametrize(
    "heading",
    ["Chapter 1", "CHAPTER I.", "Chapter One", "CHAPTER XII. Alice's Evidence", "## The Storm"],
)
def test_chapter_heading_styles(tmp_path: Path, heading: str) -> None:
    source = tmp_path / "book.txt"
    source.write_text(f"Foreword words here.\n\n{heading}\n\nThe text of it.\n", encoding="utf-8")
    book = read_book(source)
    assert [c.title for c in book.chapters] == ["Opening", heading.lstrip("# ")]


def test_hard_wrapped_lines_join_into_one_paragraph(tmp_path: Path) -> None:
    source = tmp_path / "book.txt"
    source.write_text("Chapter 1\r\n\r\nOne line\r\nand the next.\r\n\r\nA new one.\r\n")
    chapter = read_book(source).chapters[0]
    assert [p.text for p in chapter.paragraphs] == ["One line and the next.", "A new one."]


def test_mojibake_is_repaired_when_read() -> None:
    text = decode_text("worth it â€“ the sacrifices".encode(), Path("x.txt"))
    assert text == "worth it \u2013 the sacrifices"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
def test_encodings_are_detected(encoding: str, prefix: bytes) -> None:
    data = prefix + "Caf\u00e9 \u2013 d\u00e9j\u00e0 vu".encode(encoding)
    assert decode_text(data, Path("x.txt")) == "Caf\u00e9 \u2013 d\u00e9j\u00e0 vu"


def test_folder_is_read_in_natural_order(tmp_path: Path) -> None:
    for n in (10, 2, 1):
        (tmp_path / f"{n}-part.md").write_text(f"# Part {n}\n\nText {n}.\n", encoding="utf-8")
    assert [c.title for c in read_book(tmp_path).chapters] == ["Part 1", "Part 2", "Part 10"]


def test_markdown_metadata_lines_are_not_chapters(tmp_path: Path) -> None:
    source = tmp_path / "ghost.md"
    source.write_text("# Title: The Ghost\n\n## Author: O. W.\n\n## I\n\nText.\n", encoding="utf-8")
    book = read_book(source)
    assert [c.title for c in book.chapters] == ["I"]
    assert (book.title, book.author) == ("The Ghost", "O. W.")


def test_text_without_headings_is_split_by_length(tmp_path: Path) -> None:
    paragraph = " ".join(["word"] * 1000)
    (tmp_path / "plain.txt").write_text("\n\n".join([paragraph] * 12), encoding="utf-8")
    book = read_book(tmp_path / "plain.txt")
    assert [c.title for c in book.chapters][:2] == ["Chapter 1", "Chapter 2"]
    assert all(c.words <= DEFAULT_TARGET_WORDS + 1000 for c in book.chapters)
    assert sum(c.words for c in book.chapters) == 12_000


@pytest.mark.skipif(not SEED_STORY.exists(), reason="needs ../shared/seed-story.txt")
def test_sample_book_keeps_the_story_word_for_word() -> None:
    book = read_book(REPO / "text")
    assert len(book.chapters) >= 3
    spoken = [w for c in book.chapters for p in c.paragraphs for w in words_of(p.text)]
    story = decode_text(SEED_STORY.read_bytes(), SEED_STORY)
    assert spoken == words_of(story)
    # The file keeps the user's bytes; the en dash is repaired when it is read.
    assert "worth it \u00e2\u20ac\u201c the" in (REPO / "text" / "the-dancer.md").read_text()
    texts = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "worth it \u2013 the sacrifices" in texts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"... --- !!!\n\n???\n", "no speakable words"),
    ],
)
def test_bad_manuscripts_are_input_errors_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "book.txt"
    source.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read_book(source)
    assert str(source) in str(caught.value)


def test_folder_without_text_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match=r"no \.txt or \.md"):
        read_book(tmp_path)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzAEIOU'", min_size=1, max_size=8).filter(
    lambda w: re.search(r"\w", w) is not None
)
_paragraph = st.lists(_word, min_size=1, max_size=30).map(" ".join)
_block = st.one_of(
    _paragraph,
    _paragraph,
    _paragraph,
    st.just("* * *"),
    st.integers(1, 40).map(lambda n: f"# Part {n}"),
    st.integers(1, 40).map(lambda n: f"Chapter {n}"),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_block, min_size=1, max_size=40))
def test_splitting_loses_duplicates_and_reorders_nothing(blocks: list[str]) -> None:
    body = [b for b in blocks if not b.startswith(("#", "Chapter", "*"))]
    chapters = split_chapters("\n\n".join(blocks))
    spoken = [w for c in chapters for p in c.paragraphs for w in words_of(p.text)]
    assert spoken == words_of("\n".join(body))
