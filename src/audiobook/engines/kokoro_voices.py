"""Kokoro's voices: where they are found, what each is (language, gender, accent, which voices
sound alike), and what voices.toml may say of them. Light: the render process lists and resolves
voices here without loading the model (engines/kokoro_model.py) or importing numpy.

- The voices ship with audiobook (engines/kokoro_data: 41 style vectors from kokoro-js 1.2.1,
  Apache-2.0, NOTICE beside them), each checked against SHA256SUMS before a render uses it; a
  `voices-v1.0.bin` (Kokoro's own archive of voices) in a voices folder adds whatever it has.
  Nothing is downloaded at run time.
- A blend of voices is a voice too: "af_heart:60,bf_emma:40" is the weighted mean of the two
  style vectors (SPECS.md section 12: a 50/50 blend still scores 4.66).
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiobook.core.errors import InputError
from audiobook.core.files import sha256
from audiobook.engines.kokoro_model import (
    INSTALL,
    model_installed,
    model_path,
)
from audiobook.engines.piper_voices import voices_folders

if TYPE_CHECKING:
    from audiobook.core.config import Voice
    from audiobook.engines.interface import VoiceInfo

VOICE_ARCHIVE = "voices-v1.0.bin"  # Kokoro's own voices (an .npz), in a voices folder
DATA = Path(__file__).with_name("kokoro_data")
VOICE_ROWS, VOICE_WIDTH = 510, 256  # a voice: one style vector per input length (510, 1, 256)
VOICE_BYTES = VOICE_ROWS * VOICE_WIDTH * 4  # little-endian float32
# Rates every voice can reach within the model's speed range (0.5-2.0 times its own pace, which is
# 150-200 words a minute by voice: SPECS.md section 12).
RATE_RANGE = (100, 300)
SAMPLE_RATE = 24000

# A voice's id begins with its language and gender: "af_heart" is American English, female.
# The language as BCP 47, the language eSpeak NG phonemises it as, and the accent a cast shows.
LANGUAGES: dict[str, tuple[str, str, str | None]] = {
    "a": ("en-us", "en-us", "American"),
    "b": ("en-gb", "en-gb", "British"),
    "e": ("es", "es", None),
    "f": ("fr-fr", "fr-fr", None),
    "h": ("hi", "hi", None),
    "i": ("it", "it", None),
    "p": ("pt-br", "pt-br", "Brazilian"),
}
GENDERS = {"f": "female", "m": "male"}
# Best first within a language: the first is the default narrator of a book in it (through this
# engine, bench/voice_quality_kokoro.py, P&P chapter 3: af_heart 2.7% WER / Distill-MOS 4.68 on
# the first 90 s, bf_emma 2.5% / 4.68, am_onyx 2.9% / 4.76; ef_dora 1.2% / 4.50 where eSpeak NG
# gets 36% / 2.36).
PREFERRED = ("af_heart", "bf_emma", "am_onyx", "ef_dora", "ff_siwis", "if_sara", "pf_dora")
# Measured weak on a 168-word passage (Distill-MOS below 4.4: af_bella 3.80, af_nicole 4.18, at
# 113 words a minute, bf_alice 4.28; the other 25 voices 4.41-4.75): listed last.
WEAK = ("af_bella", "af_nicole", "bf_alice")
# Pairs that sound alike, so that a cast does not give them to two characters who talk to each
# other: measured by bench/voice_similarity.py (timbre, the mean MFCCs of voiced frames, and the
# median pitch, each standardised over the 28 English voices, at a distance of 0.53 or less of
# the 378 pairs' 0.46-2.9; a voice against itself, first half to second, 0.07-0.35). Not
# bm_daniel and bm_lewis, once suspected: lewis speaks 6 semitones lower.
ALIKE: tuple[tuple[str, str], ...] = (
    ("af_kore", "af_nova"),  # 0.46
    ("af_heart", "bf_lily"),  # 0.47
    ("af_bella", "af_heart"),  # 0.50
)
_BLEND_PART = re.compile(r"^\s*([a-z]{2}_[a-z0-9]+)\s*(?::\s*(\d+(?:\.\d+)?)\s*)?$")


@dataclass(frozen=True)
class KokoroVoice:
    id: str  # "af_heart"
    language: str  # BCP 47: "en-us"
    espeak: str  # what eSpeak NG phonemises it as: "en-us"
    gender: str | None
    accent: str | None
    file: Path  # a shipped .bin, or a voices archive
    member: str | None = None  # its name in the archive
    sha256: str | None = None  # of a shipped voice, as published


def describe(voice_id: str) -> tuple[str, str, str | None, str | None] | None:
    """(language, eSpeak NG language, gender, accent) of a voice by its id, or None when its
    prefix names no language Kokoro is run for here."""
    if len(voice_id) < 3 or voice_id[2] != "_" or voice_id[0] not in LANGUAGES:
        return None
    language, espeak, accent = LANGUAGES[voice_id[0]]
    return language, espeak, GENDERS.get(voice_id[1]), accent


@lru_cache(maxsize=1)
def _shipped() -> tuple[KokoroVoice, ...]:
    found = []
    try:
        lines = (DATA / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    except OSError:
        return ()
    for line in lines:
        digest, _, name = line.strip().partition("  ")
        described = describe(name.removesuffix(".bin"))
        if described is None:
            continue
        language, espeak, gender, accent = described
        found.append(
            KokoroVoice(
                name.removesuffix(".bin"), language, espeak, gender, accent,
                DATA / "voices" / name, sha256=digest,
            )
        )  # fmt: skip
    return tuple(found)


def _archived() -> Iterator[KokoroVoice]:
    for folder in voices_folders():
        archive = folder / VOICE_ARCHIVE
        if not archive.is_file():
            continue
        try:
            with zipfile.ZipFile(archive) as z:
                members = sorted(n for n in z.namelist() if n.endswith(".npy"))
        except (OSError, zipfile.BadZipFile):
            continue
        for member in members:
            described = describe(member.removesuffix(".npy"))
            if described is not None:
                language, espeak, gender, accent = described
                yield KokoroVoice(
                    member.removesuffix(".npy"), language, espeak, gender, accent, archive, member
                )


def find_voices() -> list[KokoroVoice]:
    """Every Kokoro voice at hand, best first within a language: the shipped ones, then those of
    a voices archive in a voices folder (the first found of an id wins)."""
    found: dict[str, KokoroVoice] = {}
    for voice in [*_shipped(), *_archived()]:
        found.setdefault(voice.id, voice)
    return sorted(found.values(), key=_rank)


def _rank(voice: KokoroVoice) -> tuple[str, int, str]:
    """By language, then best first: the preferred voice, the others, the weak ones."""
    if voice.id in PREFERRED:
        return voice.language, PREFERRED.index(voice.id) - len(PREFERRED), voice.id
    return voice.language, (1 if voice.id in WEAK else 0), voice.id


def voice_by_id(voice_id: str) -> KokoroVoice | None:
    return next((v for v in find_voices() if v.id == voice_id), None)


def list_voices() -> list[dict[str, Any]]:
    """The voices as a Backend lists them; light, so the render lists them without a worker."""
    if not model_installed():
        return []
    return [
        {
            "id": v.id, "name": v.id, "languages": [v.language], "gender": v.gender,
            "accent": v.accent, "quality": None, "sample_rate": SAMPLE_RATE, "speakers": [],
            "alike": alike(v.id),
        }
        for v in find_voices()
    ]  # fmt: skip


def alike(voice_id: str) -> list[str]:
    """The voices that sound like VOICE_ID (ALIKE)."""
    return sorted({b for a, b in ALIKE if a == voice_id} | {a for a, b in ALIKE if b == voice_id})


# --- voices, checked ------------------------------------------------------------------------


def check_voice(voice: KokoroVoice) -> None:
    """An InputError naming the file when VOICE's data is not a Kokoro voice (a shipped one that
    is not the published bytes; a member of an archive of the wrong size)."""
    hint = "install audiobook again (a voice shipped with it is damaged)"
    if voice.member is None:
        try:
            ok = voice.file.stat().st_size == VOICE_BYTES and sha256(voice.file) == (voice.sha256)
        except OSError:
            ok = False
        if not ok:
            raise InputError(f"the Kokoro voice {voice.id} is damaged", path=voice.file, hint=hint)
        return
    try:
        with zipfile.ZipFile(voice.file) as z:
            info = z.getinfo(voice.member)
            with z.open(info) as f:
                header = f.read(128).decode("latin-1")
        ok = "<f4" in header and f"({VOICE_ROWS}, 1, {VOICE_WIDTH})" in header
        ok = ok and VOICE_BYTES < info.file_size <= VOICE_BYTES + 256
    except (OSError, KeyError, zipfile.BadZipFile):
        ok = False
    if not ok:
        raise InputError(
            f"the Kokoro voice {voice.id} in this archive is damaged",
            path=voice.file,
            hint=f"download {VOICE_ARCHIVE} again, or remove it",
        )


def parse_blend(name: str) -> list[tuple[str, float]] | None:
    """NAME as a blend, "af_heart:60,bf_emma:40" (weights optional: equal), or None when it is
    not one (a single voice's id)."""
    if "," not in name and ":" not in name:
        return None
    parts = []
    for piece in name.split(","):
        match = _BLEND_PART.match(piece)
        if match is None:
            raise ValueError(f"{piece.strip()!r} is not VOICE or VOICE:WEIGHT")
        parts.append((match.group(1), float(match.group(2) or 1)))
    if sum(w for _, w in parts) <= 0:
        raise ValueError("the weights add up to nothing")
    return parts


def blend_name(parts: Sequence[tuple[str, float]]) -> str:
    """The one way a blend is written (so its cache key does not depend on spacing)."""
    return ",".join(f"{voice}:{weight:g}" for voice, weight in parts)


def components(name: str) -> list[tuple[KokoroVoice, float]]:
    """The voices (and weights) a voice name stands for; ValueError names what is unknown."""
    parts = parse_blend(name) or [(name, 1.0)]
    found = []
    for voice_id, weight in parts:
        voice = voice_by_id(voice_id)
        if voice is None:
            raise ValueError(f"unknown Kokoro voice {voice_id!r}")
        found.append((voice, weight))
    return found


# --- what voices.toml may say (engines/voices.py asks) ---------------------------------------


def voice_names(info: VoiceInfo) -> tuple[str, ...]:
    """What a voice may be called in voices.toml: its id ("af_heart")."""
    return (info.id,)


def voice_file(name: str, folder: Path) -> str | None:
    """Never: a Kokoro voice is called by its id (a model or an archive goes in a voices
    folder)."""
    return None


def offer(language: str) -> str | None:
    """How to get a Kokoro voice of LANGUAGE, when Kokoro has one and is not installed."""

    primary = language.lower().replace("_", "-").split("-")[0]
    if not any(lang.split("-")[0] == primary for lang, _, _ in LANGUAGES.values()):
        return None
    if importlib.util.find_spec("kokoro_onnx") is None or not model_installed():
        return f"install Kokoro: {INSTALL}"
    return None


def compose(name: str, engine_voices: Sequence[VoiceInfo]) -> str | None:
    """NAME as a blend of Kokoro voices, written the one way, or None when it is not a blend;
    ValueError when a part of it is not a voice."""
    parts = parse_blend(name)
    if parts is None:
        return None
    known = {v.id for v in engine_voices if v.engine == "kokoro"}
    for voice_id, _ in parts:
        if voice_id not in known:
            close = difflib.get_close_matches(voice_id, sorted(known), n=3, cutoff=0.5)
            also = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(f"the blend's voice {voice_id!r} is not a Kokoro voice{also}")
    return blend_name(parts)


def settings(
    voice: Voice, where: str, engine_voices: Sequence[VoiceInfo], source: Path | str
) -> Voice:
    """VOICE as it is, its model and voice data checked: a Kokoro voice speaks at its own pace
    unless given a rate (within RATE_RANGE). Refused: a pitch, a speaker."""
    for key, value in (("pitch", voice.pitch), ("speaker", voice.speaker)):
        if value is not None:
            raise InputError(
                f"{where}.{key}: Kokoro voices have no {key} setting",
                path=source,
                hint='remove the key (a blend, "af_heart:60,bf_emma:40", makes a new voice)',
            )
    low, high = RATE_RANGE
    if voice.rate is not None and not low <= voice.rate <= high:
        raise InputError(
            f"{where}.rate: Kokoro voices speak at {low}-{high} words a minute, not {voice.rate}",
            path=source,
            hint="choose a rate in that range, or leave it out for the voice's own pace",
        )
    try:
        voices = components(voice.voice or "")
    except ValueError as exc:
        raise InputError(f"{where}.voice: {exc}", path=source) from None
    for kokoro_voice, _ in voices:
        check_voice(kokoro_voice)
    model_path()  # assembled (and checked) now, in the render's process: an error is one line
    return voice


def unsayable(ipa: str, voice: Voice) -> str | None:
    """The first symbol of IPA that Kokoro's vocabulary lacks (kokoro-onnx's config.json, read
    without importing the library): what the model would silently leave out."""
    spec = importlib.util.find_spec("kokoro_onnx")
    if spec is None or spec.origin is None:
        return None
    config = Path(spec.origin).with_name("config.json")
    vocab = json.loads(config.read_text(encoding="utf-8")).get("vocab", {})
    return next((c for c in ipa if c not in vocab and c != " "), None)
