"""What several commands share: the two consoles, the options they have in common, and the
checks and messages that go with those options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from audiobook.core.errors import InputError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line

SourceArg = Annotated[
    Path,
    typer.Argument(
        help=(
            "The manuscript: a .txt/.md, .epub, .html, .docx, .odt, .rtf, .pdf, .fb2 or "
            ".mobi/.azw3 file, or a folder that holds one."
        )
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
VoicesOpt = Annotated[
    Path, typer.Option("--voices", help="Voices, timing and output settings.", show_default=True)
]
DEFAULT_VOICES = Path("voices.toml")
HeadingOpt = Annotated[
    str | None,
    typer.Option(
        "--heading-pattern", help="Regex: whole lines that start chapters (overrides detection)."
    ),
]
SkipOpt = Annotated[
    list[str] | None,
    typer.Option("--skip", help="A chapter number or title not to speak (repeatable)."),
]
TargetOpt = Annotated[
    int | None,
    typer.Option("--target-words", min=200, help="Chapter size when the text has no headings."),
]


def require_explicit(path: Path, default: Path = DEFAULT_VOICES) -> None:
    """A missing default voices.toml means defaults; a missing file the user named is an error."""
    if path != default and not path.exists():
        raise InputError("file not found", path=path, hint="check the --voices path")


def report_skipped(book: Any) -> None:
    """Say which text is not spoken, and why: nothing is dropped silently."""
    for s in book.skipped:
        err.print(f"not spoken: {s.reason} ({s.words} words): {excerpt(s.text)}", markup=False)


def excerpt(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def book_narrator(written: Any, language: str, voices: Path) -> tuple[Any, list[Any]]:
    """Who reads a book of LANGUAGE (voices.toml's narrator WRITTEN, made exact) and the voices
    it was chosen among. No model is loaded and no word spoken: first the voices listed without
    starting a worker, eSpeak NG's only when none of those is the narrator."""
    import contextlib

    from audiobook.engines.dispatch import EngineDispatch
    from audiobook.engines.voices import resolve_voice

    with contextlib.closing(EngineDispatch()) as engine:
        available = engine.voices(light=True)
        try:
            return resolve_voice(written, "narrator", language, available, voices), available
        except InputError:
            available = engine.voices()
            return resolve_voice(written, "narrator", language, available, voices), available
