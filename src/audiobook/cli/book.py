"""chapters: what render would make of a manuscript, read without speaking a word of it."""

from __future__ import annotations

import json
from pathlib import Path

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


def chapters(
    source: SourceArg = Path("text"),
    voices: VoicesOpt = DEFAULT_VOICES,
    heading_pattern: HeadingOpt = None,
    skip: SkipOpt = None,
    target_words: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how SOURCE splits into chapters, without rendering."""
    from audiobook import engines
    from audiobook.core.config import ESTIMATED_WPM, SplitOverrides, load_cast
    from audiobook.engines.voices import describe_voice, natural_voice_hint
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
