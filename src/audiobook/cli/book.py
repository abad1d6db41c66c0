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
    from audiobook.core.config import ESTIMATED_WPM, SplitOverrides, load_cast
    from audiobook.engines import ENGINES
    from audiobook.readers import read_book

    require_explicit(voices)
    cast = load_cast(voices, ENGINES)
    overrides = SplitOverrides(heading_pattern, tuple(skip or ()), target_words)
    book = read_book(source, cast.split_options(voices, overrides))
    rate = cast.narrator.rate or ESTIMATED_WPM  # an estimate: Piper voices are near it
    if as_json:
        doc = {
            "title": book.title,
            "author": book.author,
            "language": book.language,
            "language_source": book.language_source,
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
        title=f"{book.title} by {book.author}",
        caption=f"language {book.language} ({book.language_source}), {rate} wpm, "
        f"{book.words} words, {clock(sum(c.estimated_seconds(rate) for c in book.chapters))}",
    )  # fmt: skip
    for c in book.chapters:
        first = " ".join(c.paragraphs[0].text.split()[:8]) + " …" if c.paragraphs else ""
        table.add_row(str(c.index), c.title, str(c.words), clock(c.estimated_seconds(rate)), first)
    out.print(table)
    report_skipped(book)
