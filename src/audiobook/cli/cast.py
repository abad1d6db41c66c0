"""cast: who says each quoted line of a manuscript, and the voices that will read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from audiobook.cli.shared import (
    DEFAULT_VOICES,
    JsonOpt,
    SourceArg,
    VoicesOpt,
    book_narrator,
    err,
    out,
    require_explicit,
)
from audiobook.core.errors import from_os_error

ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold", min=0.0, max=1.0,
        help="Give a line its character from this confidence up (default: cast.toml's, or 0.8).",
    ),
]  # fmt: skip
WriteOpt = Annotated[
    bool, typer.Option("--write", help="Write cast.toml beside voices.toml, for review and edits.")
]


def cast(
    source: SourceArg = Path("text"),
    voices: VoicesOpt = DEFAULT_VOICES,
    as_json: JsonOpt = False,
    write: WriteOpt = False,
    threshold: ThresholdOpt = None,
) -> None:
    """Find every quoted line in SOURCE, who says it, and the voices of the cast."""
    from audiobook import engines
    from audiobook.core.config import load_cast, load_cast_file
    from audiobook.core.files import atomic_write
    from audiobook.pipeline.cast.review import cast_file_text
    from audiobook.pipeline.cast.voices import cast_book, cast_file_path
    from audiobook.readers import read_book

    require_explicit(voices)
    written = load_cast(voices, engines.ENGINES)
    book = read_book(source, written.split_options(voices))
    narrator, available = book_narrator(written.narrator, book.language, voices)
    found = cast_book(book, narrator, voices, available, engines.ENGINES, threshold=threshold)
    if write:
        path = cast_file_path(voices)
        sheet = load_cast_file(path, engines.ENGINES)
        text = cast_file_text(found, book.title, sheet.lines if sheet else [])
        try:
            with atomic_write(path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        except OSError as exc:  # cast.toml goes beside voices.toml: --voices says where
            raise from_os_error(exc, out="or point --voices at a folder that can take it") from exc
        err.print(f"audiobook: wrote {path}: `audiobook render` reads it from now on", markup=False)
    if as_json:
        print(json.dumps(found.to_json(), indent=1, ensure_ascii=False))
        return
    spoken = sum(1 for line in found.lines if found.voiced(line))
    share = f"{spoken / len(found.lines):.0%}" if found.lines else "0%"
    table = Table(
        "character", "aliases", "gender", "lines", "words", "voice",
        title=f"The cast of {book.title}",
        caption=f"{len(found.lines)} quoted lines; {spoken} ({share}) read by characters' voices, "
        f"the rest by the narrator ({narrator.voice})",
    )  # fmt: skip
    for c in found.characters:
        voice = f"{c.voice.engine} {c.voice.voice}" if c.voice else "narrator"
        row = (c.name, ", ".join(c.aliases), c.gender or "?", str(c.lines), str(c.words), voice)
        table.add_row(*row)
    out.print(table)
    if not found.lines:
        err.print("audiobook: no quoted lines found: the narrator reads everything", markup=False)
