"""Small books and readings for the cast's tests: paragraphs in, quotations and narration out."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from audiobook.core.book import Book, Chapter, Paragraph, SceneBreak
from audiobook.core.config import BookMeta
from audiobook.pipeline.cast.quotes import Quotation, QuoteStyle, Segment, detect_style, find_quotes

SCENE_BREAK = "* * *"


def make_book(*chapters: list[str], language: str = "en") -> Book:
    """A Book of CHAPTERS, each a list of paragraphs (SCENE_BREAK for a scene break), as a reader
    would give it."""
    built = tuple(
        Chapter(
            index,
            f"Chapter {index + 1}",
            tuple(SceneBreak() if text == SCENE_BREAK else Paragraph(text) for text in paragraphs),
        )
        for index, paragraphs in enumerate(chapters)
    )
    return Book(
        title="A Test Book",
        author="Test Author",
        narrator="Test Narrator",
        language=language,
        language_source="book.toml",
        meta=BookMeta(),
        chapters=built,
        source=Path("book.txt"),
    )


def read(
    paragraphs: list[str], language: str = "en", style: QuoteStyle | None = None
) -> tuple[list[list[Segment]], list[Quotation]]:
    """PARAGRAPHS read as one chapter of a book in LANGUAGE (its style detected from them)."""
    return find_quotes(paragraphs, style or detect_style(paragraphs, language))


def quoted(
    paragraphs: list[str], language: str = "en", style: QuoteStyle | None = None
) -> list[list[str]]:
    """Each quotation's parts: the words between the marks, without the spaces beside them."""
    _, quotations = read(paragraphs, language, style)
    return [
        [paragraphs[part.paragraph][part.start : part.end].strip() for part in quotation.parts]
        for quotation in quotations
    ]


def is_narration(text: str, segments: list[Segment], fragment: str) -> bool:
    """FRAGMENT of TEXT lies wholly inside one narration segment."""
    start = text.index(fragment)
    end = start + len(fragment)
    return any(s.quote is None and s.start <= start and end <= s.end for s in segments)


def assert_covers(text: str, segments: list[Segment]) -> None:
    """Every character of TEXT is in exactly one segment, in order."""
    assert segments, text
    assert segments[0].start == 0, (text, segments)
    assert segments[-1].end == len(text), (text, segments)
    for before, after in pairwise(segments):
        assert before.end == after.start, (text, segments)
    assert all(s.start < s.end for s in segments) or text == "", (text, segments)
    assert "".join(s.text(text) for s in segments) == text


def assert_parts_inside(segments: list[list[Segment]], quotations: list[Quotation]) -> None:
    """Each quotation part is the inside of its own segment, which belongs to that quotation."""
    for index, quotation in enumerate(quotations):
        assert quotation.index == index
        assert quotation.parts
        for part in quotation.parts:
            segment = segments[part.paragraph][part.segment]
            assert segment.quote == quotation.index, (segment, quotation)
            assert segment.start <= part.start <= part.end <= segment.end, (segment, part)
    for paragraph, segs in enumerate(segments):
        for k, segment in enumerate(segs):
            if segment.quote is not None:
                parts = quotations[segment.quote].parts
                assert any(p.paragraph == paragraph and p.segment == k for p in parts)
