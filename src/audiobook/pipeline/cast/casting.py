"""Casting: a voice for each character, from the voices installed.

Characters with enough lines get voices of their own, of their gender, in the order they
matter (most lines first): from the engine with the most voices of the book's language (Kokoro's
28 English voices where installed), the book's accent first, never the narrator's voice or one
that sounds like it, and never two that sound alike. Minor characters share a small pool, two
voices a gender. A character whose gender is not known, and the first-person narrator ("I"),
stay in the narrator's voice: a wrong voice is audibly wrong, a narrator's never is.
Deterministic: the same characters and voices give the same cast on every machine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from audiobook.engines.interface import VoiceInfo

MIN_LINES = 5  # a character with fewer lines is a minor one
MINOR_POOL = 2  # voices a gender shared by the minor characters
_ACCENTS = {"en-gb": "British", "en-us": "American"}


@dataclass(frozen=True)
class Casting:
    """A character's voice: an engine's voice id, or None for the narrator's voice."""

    engine: str
    voice: str


def cast_voices(
    characters: Sequence[tuple[str, str | None, int]],
    narrator: tuple[str, str],
    language: str,
    engine_voices: Sequence[VoiceInfo],
    taken: set[str] | None = None,
) -> dict[str, Casting | None]:
    """CHARACTERS: (name, gender, lines), most lines first; NARRATOR: (engine, voice id);
    TAKEN: voices already given (by cast.toml), given to nobody else."""
    pool = _pool(narrator, language, engine_voices)
    chosen: dict[str, Casting | None] = {}
    taken = set(taken or ())
    minor: dict[str, list[VoiceInfo]] = {"female": [], "male": []}
    for kind in minor:  # the minor characters' voices: the last of each gender's own
        own = [v for v in pool if _gender(v) == kind]
        minor[kind] = own[-MINOR_POOL:] if len(own) > MINOR_POOL else []
    reserved = {v.id for voices in minor.values() for v in voices}
    minor_count = {"female": 0, "male": 0}
    for name, gender, lines in characters:
        if gender not in ("female", "male") or name == "I":
            chosen[name] = None
            continue
        voice = None
        if lines >= MIN_LINES:
            voice = next(
                (
                    v for v in pool
                    if _gender(v) == gender and v.id not in taken and v.id not in reserved
                    and not taken & set(v.alike)
                ),
                None,
            )  # fmt: skip
        if voice is not None:
            taken.add(voice.id)
        elif minor[gender]:
            voice = minor[gender][minor_count[gender] % len(minor[gender])]
            minor_count[gender] += 1
        chosen[name] = Casting(voice.engine, voice.id) if voice is not None else None
    return chosen


def _pool(
    narrator: tuple[str, str], language: str, engine_voices: Sequence[VoiceInfo]
) -> list[VoiceInfo]:
    """The voices characters may have: the language's voices of the engine that has most of
    them (the narrator's engine on a tie), the book's accent first, without the narrator's voice
    and those like it."""
    wanted = language.lower().replace("_", "-")
    primary = wanted.split("-")[0]

    def speaks(v: VoiceInfo) -> bool:
        return any(x.lower().replace("_", "-").split("-")[0] == primary for x in v.languages)

    by_engine: dict[str, list[VoiceInfo]] = {}
    for v in engine_voices:
        if speaks(v) and _gender(v) in ("female", "male") and not v.speakers:
            by_engine.setdefault(v.engine, []).append(v)
    if not by_engine:
        return []
    engine = max(by_engine, key=lambda e: (len(by_engine[e]), e == narrator[0]))
    narrator_ids = set(_parts(narrator[1])) if engine == narrator[0] else set()
    like_narrator = {
        a for v in by_engine[engine] if v.id in narrator_ids for a in v.alike
    } | narrator_ids
    voices = [v for v in by_engine[engine] if v.id not in like_narrator]
    accent = _ACCENTS.get(wanted)
    if accent:  # stable: the engine's own order (best first) within each accent
        voices.sort(key=lambda v: v.accent != accent)
    return voices


def _gender(voice: VoiceInfo) -> str:
    """The voice's gender as the cast names them (eSpeak NG says "Male")."""
    return (voice.gender or "").lower()


def _parts(voice: str) -> list[str]:
    """A blend's voices ("af_heart:60,bf_emma:40"), or the voice itself."""
    return [re.split(r"[:*]", part)[0].strip() for part in voice.split(",")]
