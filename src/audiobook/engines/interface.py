"""The engine interface: what every speech engine offers the rest of audiobook.

A SpeechEngine is what a chapter job talks to: text and a voice in; 16-bit mono PCM, its sample
rate and each sentence's span out (audio.Speech); the voice list; the pace a voice speaks at; and
an identity string for the cache key. A Backend is the part that runs inside a
worker process (engines/worker.py) and talks to the engine's library; an engine module (one per
engine, registered by name in engines/__init__.py) provides its Backend, its identity, what the
worker's fork server may import ahead of time, and what voices.toml may say of its voices (the
names they go by, its defaults, the settings it refuses: engines/voices.py asks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from audiobook.core.audio import Speech

if TYPE_CHECKING:
    from audiobook.core.config import Voice

# espeak reads len(text) * 10 bytes past its input, and a 27 KB text crashed it: stay far below.
# Every engine is given utterances of at most this size.
MAX_UTTERANCE_BYTES = 1500


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None
    engine: str = "espeak"
    quality: str | None = None  # Piper's: "x_low", "low", "medium", "high"
    sample_rate: int | None = None
    speakers: tuple[str, ...] = ()  # a multi-speaker model's speakers
    accent: str | None = None  # "American", "British": what a cast chooses among
    alike: tuple[str, ...] = ()  # the engine's voices that sound like this one

    @property
    def short_id(self) -> str:
        """'gmw/en-us' -> 'en-us': the form espeak-ng users type."""
        return self.id.rsplit("/", 1)[-1]


class SpeechEngine(Protocol):
    """What a chapter job speaks with (in the render's process)."""

    def synthesize(self, text: str, voice: Voice) -> Speech: ...

    def voices(self) -> list[VoiceInfo]: ...

    def pace(self, voice: Voice) -> float:
        """The words per minute VOICE speaks at (its rate, or the engine's own pace)."""
        ...

    def identity(self) -> str:
        """What the engine's audio depends on (versions, libraries): part of the cache key."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    """The engine's library, driven inside a worker process: one utterance at a time."""

    def voices(self) -> list[dict[str, Any]]: ...

    def pace(self, voice: dict[str, Any]) -> float:
        """The words per minute VOICE (a Voice as a dict) speaks at when it names no rate."""
        ...

    def save(self, text: str, voice: dict[str, Any], path: str) -> list[tuple[int, int]] | None:
        """Speak TEXT in VOICE (a Voice as a dict) into a 16-bit mono WAV file at PATH; return
        each sentence's (first, end) sample, or None where the engine does not know them."""
        ...


class EngineModule(Protocol):
    """What an engine's module (registered in engines/__init__.py) provides."""

    Backend: type[Backend]
    PRELOAD: tuple[str, ...]  # modules a worker's fork server may import before any engine starts
    TITLE: str  # its name in messages: "eSpeak NG", "Piper", "Kokoro"
    INSTALL: str  # how to install it: "pip install 'audiobook[piper]'"
    MISSING_HINT: str  # what to do when voices.toml names it and it has no voices
    REAL_TIME: float  # seconds of speech a second of one core makes, about: the fastest drafts
    WARM_UP_S: float  # at most, a voice's first use by a worker (its model, its rate's speed)

    def offer(self, language: str) -> str | None:
        """How to get a natural voice of LANGUAGE from this engine, when none is installed (what
        a book read by eSpeak NG for lack of one is told), or None."""
        ...

    def identity(self) -> str: ...

    def available(self) -> bool:
        """Whether the engine's library is installed (checked without importing it)."""
        ...

    def voice_names(self, info: VoiceInfo) -> tuple[str, ...]:
        """What voices.toml may call the voice INFO (its id, and whatever else it goes by)."""
        ...

    def voice_file(self, name: str, folder: Path) -> str | None:
        """The file NAME stands for when it names one of the engine's voices by its path
        (relative to FOLDER, voices.toml's), else None."""
        ...

    def compose(self, name: str, engine_voices: Sequence[VoiceInfo]) -> str | None:
        """NAME as a voice the engine makes of its voices (a Kokoro blend), written the one way
        it is cached under; None when NAME is not one; ValueError when it is one gone wrong."""
        ...

    def settings(
        self, voice: Voice, where: str, engine_voices: Sequence[VoiceInfo], source: Path | str
    ) -> Voice:
        """VOICE (of this engine, its voice id known) with the engine's defaults filled in; a
        setting it cannot honour is an InputError naming the key WHERE.x of SOURCE."""
        ...

    def unsayable(self, ipa: str, voice: Voice) -> str | None:
        """The first symbol of IPA (core/phonemes: espeak-ng's style) that VOICE has no
        phoneme for, or None when it can say it all."""
        ...


def split_utterances(text: str, max_bytes: int = MAX_UTTERANCE_BYTES) -> list[str]:
    """Cut TEXT into pieces of at most MAX_BYTES (UTF-8): at sentences, then clauses, then words."""
    if len(text.encode("utf-8")) <= max_bytes:
        return [text]
    for pattern in (r"(?<=[.!?…])\s+", r"(?<=[,;:\u2014\u2013])\s+", r"\s+"):
        # Never inside a phoneme block ("[[nˈuː jˈɔːɹk]]", core/phonemes): it is one word.
        parts = re.split(pattern + r"(?![^\[\]]*\]\])", text)
        if len(parts) > 1:
            break
    else:  # one enormous "word": cut it by characters, never dropping any
        cut = max_bytes // 4
        return [text[i : i + cut] for i in range(0, len(text), cut)]
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if len(candidate.encode("utf-8")) <= max_bytes:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(part.encode("utf-8")) > max_bytes:
            pieces.extend(split_utterances(part, max_bytes))
            current = ""
        else:
            current = part
    if current:
        pieces.append(current)
    return pieces
