"""The cast for a render: found in the book, reviewed by cast.toml, and given voices.

`cast_book` is what `audiobook cast` and `render` share: the book's lines and speakers
(find_cast), cast.toml's corrections and voices over them (review), a voice chosen for every
other character (casting). `character_voices` turns the cast into voices.toml's own kind of
voices, each made exact by its engine, at the narrator's pace unless cast.toml sets one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from audiobook.core.config import CAST_FILE, CastFile, Voice, load_cast_file
from audiobook.engines.interface import VoiceInfo
from audiobook.engines.voices import resolve_voice
from audiobook.pipeline.cast import BookCast, find_cast
from audiobook.pipeline.cast.casting import Casting
from audiobook.pipeline.cast.review import NARRATOR, apply_cast_file

if TYPE_CHECKING:
    from audiobook.core.book import Book

KEY_PREFIX = "cast-"  # the voices' names in a chapter's plan: cast-mrs-bennet


def cast_file_path(voices_file: Path) -> Path:
    return voices_file.parent / CAST_FILE


def cast_book(
    book: Book,
    narrator: Voice,
    voices_file: Path,
    engine_voices: Sequence[VoiceInfo],
    engines: Collection[str],
    draft: bool = False,
    threshold: float | None = None,
) -> BookCast:
    """BOOK's cast: found, reviewed by the cast.toml beside VOICES_FILE if there is one, and
    a voice for each character (the narrator's voice: None). DRAFT: cast.toml's voices are
    left aside, the characters cast again among ENGINE_VOICES (the fastest engine's).
    THRESHOLD: the confidence from which a line is given its character, over cast.toml's."""
    sheet_path = cast_file_path(voices_file)
    sheet = load_cast_file(sheet_path, engines)
    found = find_cast(book)
    chosen: dict[str, Casting | None] = {}
    if sheet is not None:
        apply_cast_file(found, sheet, sheet_path)
        chosen = _sheet_voices(sheet, sheet_path, book.language, engine_voices, draft)
    if threshold is not None:  # the command line's, over cast.toml's
        found.threshold = threshold
        found.recount()
    found.choose_voices(
        (narrator.engine or "", narrator.voice or ""), book.language, engine_voices, chosen
    )
    return found


def _sheet_voices(
    sheet: CastFile,
    path: Path,
    language: str,
    engine_voices: Sequence[VoiceInfo],
    draft: bool = False,
) -> dict[str, Casting | None]:
    """The voices cast.toml sets, each checked against the installed voices (DRAFT: only who
    the narrator reads)."""
    chosen: dict[str, Casting | None] = {}
    for name, character in sheet.characters.items():
        if character.voice is None or (draft and character.voice != NARRATOR):
            continue
        if character.voice == NARRATOR:
            chosen[name] = None
            continue
        written = Voice(engine=character.engine, voice=character.voice, rate=character.rate)
        voice = resolve_voice(written, f'characters."{name}"', language, engine_voices, path)
        chosen[name] = Casting(voice.engine or "", voice.voice or "")
    return chosen


def character_voices(
    found: BookCast,
    narrator_wpm: float,
    language: str,
    engine_voices: Sequence[VoiceInfo],
    voices_file: Path,
    rates: dict[str, int] | None = None,
) -> dict[str, Voice]:
    """The characters' voices for the plan, by their keys (voice_key): at the narrator's pace
    (NARRATOR_WPM) unless cast.toml sets a rate (RATES)."""
    voices: dict[str, Voice] = {}
    for character in found.characters:
        if character.voice is None:
            continue
        rate = (rates or {}).get(character.name) or round(narrator_wpm)
        written = Voice(
            engine=character.voice.engine,
            voice=character.voice.voice,
            rate=min(max(rate, 100), 300),
        )
        where = f'characters."{character.name}"'
        voices[voice_key(character.name)] = resolve_voice(
            written, where, language, engine_voices, cast_file_path(voices_file)
        )
    return voices


def voice_key(name: str) -> str:
    """A character's voice name in the plan: lower-case letters, digits and dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    digest = sum(ord(ch) * (i + 1) for i, ch in enumerate(name)) % 10_000
    return f"{KEY_PREFIX}{slug or 'character'}-{digest:04d}"
