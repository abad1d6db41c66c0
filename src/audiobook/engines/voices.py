"""Each voice of voices.toml made exact: its engine, its voice id, the settings its engine takes.

voices.toml may leave the narrator's engine and voice out (the book's language then picks them),
call a voice by any name its engine knows it by, or name a voice by its file. What is
engine-specific is the engine module's to say (engines/interface.py: EngineModule): the names its
voices go by, which names are its voice files, its defaults and the settings it refuses. This
module only asks the engines, in the registry's order, so that an engine is one module and one
line in ENGINES.

Light, as all of engines/ (worker processes import it): the Cast and its Voices are handed in and
changed through their own methods, never by importing pydantic.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from audiobook.core.errors import InputError
from audiobook.engines import DEFAULT_ENGINE, ENGINES, engine_module
from audiobook.engines.interface import VoiceInfo

if TYPE_CHECKING:
    from audiobook.core.config import Cast, Voice


def resolve_voices(
    cast: Cast, language: str, engine_voices: Sequence[VoiceInfo], source: Path | str
) -> Cast:
    """CAST with every voice made exact (resolve_voice), the narrator's picked from LANGUAGE if
    voices.toml (SOURCE) names none."""
    resolved = {
        key: resolve_voice(voice, _where(key), language, engine_voices, source)
        for key, voice in cast.voices().items()
    }
    narrator = resolved.pop("narrator")
    return cast.model_copy(update={"narrator": narrator, "characters": resolved})


def resolve_voice(
    voice: Voice, where: str, language: str, engine_voices: Sequence[VoiceInfo], source: Path | str
) -> Voice:
    """VOICE (set at the key WHERE of SOURCE) made exact: its engine, its voice id (picked from
    LANGUAGE if it names none: the first engine of the registry with a voice of it), and the
    settings its engine takes. An unknown voice is an error with close matches; a setting the
    engine cannot honour is an error naming the key."""
    installed = {v.engine for v in engine_voices}
    if voice.engine is not None and voice.engine not in installed:
        raise InputError(
            f"{where}.engine: {voice.engine!r} is not installed or has no voices",
            path=source,
            hint=engine_module(voice.engine).MISSING_HINT,
        )
    engine, name = voice.engine, voice.voice
    if name is None:
        engine, name = _voice_for_book(language, engine, engine_voices, where, source)
    elif (owned := _voice_file(name, Path(source).parent)) is not None:
        owner, name = owned
        if engine not in (None, owner) or owner not in installed:
            module = engine_module(owner)
            raise InputError(
                f"{where}.voice: {voice.voice!r} is a {module.TITLE} model, and {module.TITLE} "
                "is not the engine here",
                path=source,
                hint=f'set engine = "{owner}" and install it: {module.INSTALL}',
            )
        engine = owner
    elif (composed := _composed(name, engine, installed, engine_voices, where, source)) is not None:
        engine, name = composed
    else:
        engine = _engine_knowing(name, engine, engine_voices, where, source)
    chosen = voice.model_copy(update={"engine": engine, "voice": name})
    return engine_module(engine).settings(chosen, where, engine_voices, source)


def voice_for_language(language: str, voices: Sequence[VoiceInfo]) -> str | None:
    """The voice for a BCP 47 LANGUAGE among VOICES (one engine's, best first): an exact match
    first, then its main language."""
    wanted = language.lower().replace("_", "-")
    primary = wanted.split("-")[0]
    # Where the language's code is not eSpeak's name for its voice: Mandarin, Norwegian Bokmål.
    preferred = {"en": "en-us", "zh": "cmn", "no": "nb"}.get(wanted, wanted)
    for test in (
        lambda v: v.short_id.lower() == preferred,
        lambda v: preferred in [x.lower() for x in v.languages],
        lambda v: wanted in [x.lower() for x in v.languages],
        lambda v: v.short_id.lower() == primary,
        lambda v: any(x.lower().split("-")[0] == primary for x in v.languages),
    ):
        for v in voices:
            if test(v):
                return v.short_id
    return None


def _where(key: str) -> str:
    """The voice's key in voices.toml, for messages."""
    return "narrator" if key == "narrator" else f"characters.{key}"


def _names(v: VoiceInfo) -> tuple[str, ...]:
    return engine_module(v.engine).voice_names(v)


def _voice_file(name: str, folder: Path) -> tuple[str, str] | None:
    """The engine whose voice file NAME is, and the file (any registered engine: one not
    installed is then said to be needed), or None."""
    for engine in ENGINES:
        path = engine_module(engine).voice_file(name, folder)
        if path is not None:
            return engine, path
    return None


def _composed(
    name: str,
    engine: str | None,
    installed: set[str],
    engine_voices: Sequence[VoiceInfo],
    where: str,
    source: Path | str,
) -> tuple[str, str] | None:
    """The engine that makes the voice NAME of its own (a Kokoro blend), and NAME written its
    way, or None when no installed engine reads NAME as one."""
    for candidate in ENGINES if engine is None else (engine,):
        if candidate not in installed:
            continue
        try:
            made = engine_module(candidate).compose(name, engine_voices)
        except ValueError as exc:
            raise InputError(
                f"{where}.voice: {exc}", path=source, hint="`audiobook voices` lists the voices"
            ) from None
        if made is not None:
            return candidate, made
    return None


def _engine_knowing(
    name: str,
    engine: str | None,
    engine_voices: Sequence[VoiceInfo],
    where: str,
    source: Path | str,
) -> str:
    """The engine that has the voice NAME (ENGINE_VOICES' order: eSpeak NG first, as before
    Piper came)."""
    candidates = [v for v in engine_voices if engine is None or v.engine == engine]
    for v in candidates:
        if name in _names(v):
            return v.engine
    known = sorted({n for v in candidates for n in _names(v)})
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    which = f"the {engine} engine's" if engine else "the engines'"
    raise InputError(
        f"{where}.voice: unknown voice {name!r}",
        path=source,
        hint=hint + f"`audiobook voices` lists {which} voices",
    )


def _voice_for_book(
    language: str,
    engine: str | None,
    engine_voices: Sequence[VoiceInfo],
    where: str,
    source: Path | str,
) -> tuple[str, str]:
    """The engine and voice for a book in LANGUAGE: the best voice of it of the first engine in
    the registry's order that has one (Piper's when installed, else eSpeak NG's), unless
    voices.toml names the engine. Engines list their voices best first, so the first that
    matches is the one."""
    for candidate in ENGINES if engine is None else (engine,):
        voices = [v for v in engine_voices if v.engine == candidate]
        picked = voice_for_language(language, voices)
        if picked is not None:
            return candidate, picked
    named = f" in the {engine} engine" if engine else ""
    raise InputError(
        f"{where}.voice: no voice for the language {language!r}{named}",
        path=source,
        hint="name one from `audiobook voices` in voices.toml",
    )


def describe_voice(voice: Voice, engine_voices: Sequence[VoiceInfo]) -> str:
    """VOICE as a listener would have it named: "Kokoro af_heart (en-us, American, female)"."""
    engine = voice.engine or DEFAULT_ENGINE
    title = engine_module(engine).TITLE
    info = next(
        (v for v in engine_voices if v.engine == engine and voice.voice in (v.id, v.short_id)),
        None,
    )
    if info is None:  # a blend, or a model named by its path
        return f"{title} {voice.voice}"
    about = [", ".join(info.languages), info.accent, info.gender]
    return f"{title} {voice.voice} ({', '.join(a for a in about if a)})"


def natural_voice_hint(written: Voice, chosen: Voice, language: str) -> str | None:
    """When the book's LANGUAGE picked eSpeak NG for the narrator (voices.toml named no voice,
    WRITTEN) for lack of a natural voice of it: the one line that says how to get one."""
    if written.voice is not None or written.engine is not None:
        return None  # the producer chose it
    if (chosen.engine or DEFAULT_ENGINE) != DEFAULT_ENGINE:
        return None
    offers = [
        offer
        for name in ENGINES
        if name != DEFAULT_ENGINE and (offer := engine_module(name).offer(language)) is not None
    ]
    if not offers:
        return None
    return (
        f"no natural voice for the language {language!r} is installed, so eSpeak NG reads the "
        f"book: to hear a natural one, {'; or '.join(offers)}"
    )


def fastest_engine(engine_voices: Sequence[VoiceInfo]) -> str:
    """The installed engine that speaks fastest (what a draft render uses)."""
    installed = {v.engine for v in engine_voices}
    return max(
        (name for name in ENGINES if name in installed),
        key=lambda name: engine_module(name).REAL_TIME,
        default=DEFAULT_ENGINE,
    )


def draft_cast(
    cast: Cast, language: str, engine_voices: Sequence[VoiceInfo], source: Path | str
) -> Cast:
    """CAST (resolved) with every voice spoken by the fastest installed engine: a voice of the
    same language, at the same rate where that engine can keep it, for checking a split or a
    cast before the real render."""
    engine = fastest_engine(engine_voices)
    own = [v for v in engine_voices if v.engine == engine]
    resolved = {}
    for key, voice in cast.voices().items():
        if voice.engine == engine:
            resolved[key] = voice
            continue
        spoken = voice_language(voice, engine_voices) or language
        picked = voice_for_language(spoken, own) or voice_for_language(language, own)
        draft = voice.model_copy(
            update={"engine": engine, "voice": picked, "speaker": None, "pitch": None}
        )
        resolved[key] = engine_module(engine).settings(draft, _where(key), engine_voices, source)
    narrator = resolved.pop("narrator")
    return cast.model_copy(update={"narrator": narrator, "characters": resolved})


def voice_language(voice: Voice, engine_voices: Sequence[VoiceInfo]) -> str | None:
    """The language VOICE speaks (a blend: its first voice's)."""
    name = (voice.voice or "").split(",")[0].split(":")[0]
    for v in engine_voices:
        if v.engine == voice.engine and name in (v.id, v.short_id) and v.languages:
            return v.languages[0]
    return None
