from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from audiobook.core.book import SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import read_book
from audiobook.readers.chapters import split_chapters
from audiobook.readers.language import detect_language
from audiobook.readers.text import decode_text

from ..conftest import REPO, write_book

SEED_STORY = REPO.parent / "shared" / "seed-story.txt"


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text)


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
    assert book.chapters[0].title == "Opening"
    assert len(book.chapters) == 2


@pytest.mark.parametrize(
    ("heading", "title", "spoken"),
    [
        ("Chapter 1", "Chapter 1", "Chapter 1"),
        ("CHAPTER I.", "Chapter 1", "Chapter 1"),
        ("Chapter One", "Chapter 1", "Chapter 1"),
        ("CHAPTER XII. Alice's Evidence", "Alice's Evidence", "Chapter 12. Alice's Evidence"),
        ("Chapter Twenty-One: The End", "The End", "Chapter 21. The End"),
        ("Prologue", "Prologue", "Prologue"),
        ("## The Storm", "The Storm", "The Storm"),
    ],
)
def test_heading_titles_and_what_is_read_aloud(heading: str, title: str, spoken: str) -> None:
    chapters = split_chapters(f"{heading}\n\nThe text of it.\n").chapters
    assert [(c.title, c.spoken_title) for c in chapters] == [(title, spoken)]


def test_text_before_the_first_heading_is_kept_and_not_titled() -> None:
    chapters = split_chapters("A foreword.\n\nChapter 1\n\nText.\n").chapters
    assert [(c.title, c.spoken_title) for c in chapters] == [
        ("Opening", ""),
        ("Chapter 1", "Chapter 1"),
    ]


def test_a_part_heading_without_text_is_said_with_the_next_chapter() -> None:
    text = "# Part One\n\n## Chapter 1\n\nText one.\n\n## Chapter 2\n\nText two.\n"
    chapters = split_chapters(text).chapters
    assert [c.title for c in chapters] == ["Chapter 1", "Chapter 2"]
    assert chapters[0].spoken_title == "Part One. Chapter 1"


def test_numbered_sub_parts_and_a_sentence_ending_in_I_do_not_start_chapters() -> None:
    text = (
        "I. A SCANDAL IN BOHEMIA\n\n\nI.\n\nShe said to me,\nI.\n\nII.\n\nMore.\n\n"
        "II. THE RED-HEADED LEAGUE\n\nText.\n"
    )
    chapters = split_chapters(text).chapters
    assert [c.title for c in chapters] == ["A Scandal in Bohemia", "The Red-Headed League"]
    assert SceneBreak() in chapters[0].blocks
    assert "She said to me, I." in [p.text for p in chapters[0].paragraphs]


def test_lone_numerals_in_order_are_chapters_when_the_book_has_nothing_else() -> None:
    chapters = split_chapters("I.\n\nEins.\n\nII.\n\nZwei.\n\nIII.\n\nDrei.\n").chapters
    assert [(c.title, c.spoken_title) for c in chapters] == [("I", "1"), ("II", "2"), ("III", "3")]


def test_capitalised_titles_with_subtitles_and_a_trap() -> None:
    text = (
        "LE HORLA\n\nIl fait beau.\n\n\nAMOUR\n\n\nTROIS PAGES DU _LIVRE D'UN CHASSEUR_\n\n"
        "Je viens de lire.\n\n«MÉLANI.»\n\nFIN\n\n\nL'AUBERGE\n\nLa neige.\n"
    )
    chapters = split_chapters(text).chapters
    assert [c.title for c in chapters] == ["Le Horla", "Amour", "L'Auberge"]
    assert chapters[1].spoken_title.lower() == "amour. trois pages du livre d'un chasseur"
    assert "«MÉLANI.»" in [p.text for p in chapters[1].paragraphs]
    assert "FIN" in [p.text for p in chapters[1].paragraphs]


def test_a_table_of_contents_is_neither_chapters_nor_spoken() -> None:
    text = (
        "Contents\n\n\n   I.  The First\n   II. The Second\n   III. The Third\n\n\n\n"
        "I. THE FIRST\n\nOne.\n\nII. THE SECOND\n\nTwo.\n\nIII. THE THIRD\n\nThree.\n"
    )
    split = split_chapters(text)
    assert [c.title for c in split.chapters] == ["The First", "The Second", "The Third"]
    assert [s.reason for s in split.skipped] == ["table of contents"]


def test_footnote_markers_and_emphasis_marks_are_not_spoken() -> None:
    chapter = split_chapters("It was _the_ woman[1] of *his* life.* Yes.\n").chapters[0]
    assert chapter.paragraphs[0].text == "It was the woman of his life. Yes."


def test_the_producer_steers_the_split() -> None:
    text = "== One ==\n\nFirst.\n\n== Two ==\n\nSecond.\n\n== Three ==\n\nThird.\n"
    split = split_chapters(text, SplitOptions(heading_pattern=r"== .* ==", skip=("2",)))
    assert [c.title for c in split.chapters] == ["== One ==", "== Three =="]
    assert [c.index for c in split.chapters] == [1, 2]
    assert split.skipped[0].reason == "chapter 2 skipped by the producer"


def test_a_chapter_over_the_time_limit_is_split_into_parts() -> None:
    paragraph = " ".join(["word"] * 100)
    text = "Chapter 7\n\n" + "\n\n".join([paragraph] * 30)
    options = SplitOptions(max_minutes=10, rate_wpm=150)  # 1,500 words a part
    chapters = split_chapters(text, options).chapters
    assert [c.title for c in chapters] == ["Chapter 7, part 1", "Chapter 7, part 2"]
    assert [c.words for c in chapters] == [1500, 1500]


def test_one_file_per_chapter_without_headings(tmp_path: Path) -> None:
    (tmp_path / "01-the-harbour.txt").write_text("The boats came in.", encoding="utf-8")
    (tmp_path / "02-the-storm.txt").write_text("The wind rose.", encoding="utf-8")
    assert [c.title for c in read_book(tmp_path).chapters] == ["The Harbour", "The Storm"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in "
         "seinem Bett zu einem ungeheueren Ungeziefer verwandelt. Er lag auf dem Rücken und "
         "sah, wenn er den Kopf ein wenig hob, seinen Bauch.", "de"),
        ("Quelle journée admirable! J'ai passé toute la matinée étendu sur l'herbe, devant ma "
         "maison, sous l'énorme platane qui la couvre, l'abrite et l'ombrage tout entière. "
         "J'aime ce pays, et j'aime y vivre parce que j'y ai mes racines.", "fr"),
    ],
)  # fmt: skip
def test_language_is_detected_from_the_text(text: str, language: str) -> None:
    assert detect_language(text) == language


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
    book = read_book(tmp_path / "plain.txt", SplitOptions(target_words=3000))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2", "Chapter 3", "Chapter 4"]
    assert [c.words for c in book.chapters] == [3000] * 4


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
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"no \.txt or \.md"):
        read_book(tmp_path)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz'", min_size=1, max_size=8).filter(
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


@settings(max_examples=300, deadline=None)
@given(st.lists(_block, min_size=1, max_size=40), st.sampled_from(["\n\n", "\n\n\n", "\r\n\r\n"]))
def test_every_word_is_spoken_once_in_order(blocks: list[str], joiner: str) -> None:
    """Words of the titles read aloud and of the paragraphs, in order, are the text's words."""
    split = split_chapters(joiner.join(blocks))
    assume(split.chapters)  # nothing but headings: read_book's "no speakable words" error
    spoken = [
        w
        for c in split.chapters
        # Without headings the titles are made up ("Chapter 2"), not the text's words.
        for w in (words_of(c.spoken_title) if not split.by_length else [])
        + [x for p in c.paragraphs for x in words_of(p.text)]
    ]
    assert spoken == words_of(" ".join(b for b in blocks if b != "* * *"))
    assert not split.skipped


FIXTURES = REPO / "tests" / "fixtures" / "corpus"
CORPUS = REPO.parent / "shared" / "corpus"
# (file, chapters, first title, language, a title that must not be a chapter)
BOOKS = [
    ("pride-and-prejudice.txt", 61, "Chapter 1", "en", None),
    ("alice.txt", 12, "Down the Rabbit-Hole", "en", None),
    ("sherlock-holmes.txt", 12, "A Scandal in Bohemia", "en", "Contents"),
    ("de-die-verwandlung.txt", 3, "I", "de", "Die Verwandlung"),
    ("fr-le-horla.txt", 14, "Le Horla", "fr", "Table"),
    ("canterville-ghost.md", 7, "I", "en", "Author: Oscar Wilde"),
]


def check_book(
    path: Path, count: int, first: str, language: str, not_a_chapter: str | None
) -> None:
    book = read_book(path)
    titles = [c.title for c in book.chapters]
    assert len(titles) == count, titles
    assert titles[0] == first
    assert book.language == language
    assert not_a_chapter not in titles
    spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "Gutenberg" not in spoken and "GUTENBERG" not in spoken
    assert "TABLE LE HORLA" not in spoken
    assert "A Scandal in Bohemia II." not in spoken  # the contents are not read aloud


@pytest.mark.parametrize(("name", "count", "first", "language", "not_a_chapter"), BOOKS)
def test_corpus_excerpts_split_like_the_books(
    name: str, count: int, first: str, language: str, not_a_chapter: str | None
) -> None:
    check_book(FIXTURES / name, count, first, language, not_a_chapter)


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/corpus")
@pytest.mark.parametrize(("name", "count", "first", "language", "not_a_chapter"), BOOKS)
def test_whole_corpus_books(
    name: str, count: int, first: str, language: str, not_a_chapter: str | None
) -> None:
    check_book(CORPUS / name, count, first, language, not_a_chapter)


@pytest.mark.parametrize(
    ("first", "title"),
    [
        ("THE WINTER SEASON", "The Winter Season"),
        ("The Winter of the Wolves", "The Winter of the Wolves"),
        ("'Tis Winter", "'Tis Winter"),
        ("'a", None),  # a word, not a title
        ("The snow fell all night.", None),  # a sentence
        ("Chapter 1", None),  # a heading of a kind the book does not use
    ],
)
def test_a_lone_title_line_above_the_first_chapter_is_the_title(first: str, title: str) -> None:
    split = split_chapters(f"{first}\n\nCHAPTER ONE\n\nIt was cold.\n\nCHAPTER TWO\n\nIt snowed.\n")
    assert split.metadata.get("title") == title
    spoken = [p.text for c in split.chapters for p in c.paragraphs]
    assert (first in spoken) == (title is None and "Chapter" not in first)
