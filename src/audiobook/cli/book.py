"""chapters: what render would make of a manuscript, read without speaking a word of it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from audiobook.cli.shared import (
    DEFAULT_VOICES,
    HeadingOpt,
    JsonOpt,
    SkipOpt,
    SourceArg,
    TargetOpt,
    VoicesOpt,
    book_narrator,
    err,
    excerpt,
    out,
    report_skipped,
    require_explicit,
)
from audiobook.core.audio import clock

if TYPE_CHECKING:
    from audiobook.core.book import Book
    from audiobook.core.config import LexiconValue


def chapters(
    source: SourceArg = Path("text"),
    voices: VoicesOpt = DEFAULT_VOICES,
    heading_pattern: HeadingOpt = None,
    skip: SkipOpt = None,
    target_words: TargetOpt = None,
    as_json: JsonOpt = False,
    text: Annotated[
        Literal["written", "said"] | None,
        typer.Option(
            "--text",
            help="Print every chapter's text, a paragraph a line, as written or as it will be "
            "said (lexicon, numbers, dates, heteronyms): diff the two to see every change.",
        ),
    ] = None,
) -> None:
    """Show how SOURCE splits into chapters, without rendering."""
    from audiobook import engines
    from audiobook.core.config import ESTIMATED_WPM, SplitOverrides, load_cast
    from audiobook.engines.voices import describe_voice, natural_voice_hint, voice_language
    from audiobook.readers import read_book

    require_explicit(voices)
    cast = load_cast(voices, engines.ENGINES)
    overrides = SplitOverrides(heading_pattern, tuple(skip or ()), target_words)
    book = read_book(source, cast.split_options(voices, overrides))
    rate = cast.narrator.rate or ESTIMATED_WPM  # an estimate: the natural voices are near it
    narrator, available = book_narrator(cast.narrator, book.language, voices)
    read_by = describe_voice(narrator, available)
    hint = natural_voice_hint(cast.narrator, narrator, book.language)
    if hint:
        err.print(f"audiobook: note: {hint}", markup=False)
    if text is not None:
        _print_text(book, text, cast.lexicon, as_json, voice_language(narrator, available))
        return
    if as_json:
        doc = {
            "title": book.title,
            "author": book.author,
            "language": book.language,
            "language_source": book.language_source,
            "narrator_voice": {
                "engine": narrator.engine,
                "id": narrator.voice,
                "description": read_by,
                "hint": hint,
            },
            "chapters": [
                {
                    "index": c.index,
                    "title": c.title,
                    "words": c.words,
                    "estimated_seconds": c.estimated_seconds(rate),
                }
                for c in book.chapters
            ],
            "skipped": [
                {"reason": s.reason, "words": s.words, "text": excerpt(s.text)}
                for s in book.skipped
            ],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    table = Table(
        "#", "title", "words", "est. duration", "first words",
        title=f"{book.title} by {book.author}" if book.author else book.title,
        caption=f"language {book.language} ({book.language_source}), {rate} wpm, "
        f"{book.words} words, {clock(sum(c.estimated_seconds(rate) for c in book.chapters))}; "
        f"read by {read_by}",
    )  # fmt: skip
    for c in book.chapters:
        first = " ".join(c.paragraphs[0].text.split()[:8]) + " …" if c.paragraphs else ""
        table.add_row(str(c.index), c.title, str(c.words), clock(c.estimated_seconds(rate)), first)
    out.print(table)
    report_skipped(book)


def _print_text(
    book: Book,
    text: Literal["written", "said"],
    lexicon: dict[str, LexiconValue],
    as_json: bool,
    dialect: str | None,
) -> None:
    """Each chapter's paragraphs as written or as said (for the narrator: an entry limited to a
    character's lines shows in the render)."""
    from audiobook.pronunciation.lexicon import Lexicon
    from audiobook.pronunciation.spoken import spoken

    said = Lexicon(lexicon)

    def say(written: str) -> str:
        return (
            written if text == "written" else spoken(written, book.language, said, dialect=dialect)
        )

    if as_json:
        doc = {
            "title": book.title,
            "language": book.language,
            "text": text,
            "chapters": [
                {
                    "index": c.index,
                    "title": c.title,
                    "paragraphs": [say(p.text) for p in c.paragraphs],
                }
                for c in book.chapters
            ],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    lines: list[str] = []
    for c in book.chapters:
        lines.append(f"## {c.index} {say(c.title)}")
        lines += [" ".join(say(p.text).split()) for p in c.paragraphs]
    sys.stdout.write("\n".join(lines) + "\n")
