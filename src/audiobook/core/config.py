"""voices.toml and text/book.toml: parsed once into typed, validated objects.

Unknown keys and out-of-range values are errors that name the file and the key. Whether a voice id
exists is checked against the engine's list by `Cast.resolve_voices`, since only the engine knows.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from audiobook.core.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

BOOK_FILE = "book.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ENGINE_NAMES = ("espeak", "piper")  # engines/__init__.py registers them
ESPEAK_RATE, ESPEAK_PITCH = 175, 50  # eSpeak NG's own


class Voice(_Strict):
    """One speaking voice: an engine, its voice id and how it speaks."""

    # Left out: a Piper voice of the book's language when one is installed, else eSpeak NG.
    engine: Literal["espeak", "piper"] | None = None
    # The narrator's may be left out: the book's language then picks it. A Piper voice may also
    # be the path of its .onnx file (relative to voices.toml).
    voice: str | None = Field(None, min_length=1, description="engine voice id: `audiobook voices`")
    # Left out: the engine's own pace (eSpeak NG 175; a Piper voice its model's).
    rate: int | None = Field(None, ge=80, le=450, description="words per minute")
    volume: float = Field(1.0, ge=0.0, le=1.0)
    pitch: int | None = Field(None, ge=0, le=99, description="eSpeak NG only")
    speaker: str | int | None = Field(None, description="a multi-speaker Piper model's speaker")


class Timing(_Strict):
    """Room tone around and between the spoken parts, in milliseconds."""

    head: int = Field(750, ge=500, le=1000)
    after_title: int = Field(1500, ge=0, le=10_000)
    paragraph: int = Field(700, ge=0, le=10_000)
    scene_break: int = Field(2000, ge=0, le=20_000)
    tail: int = Field(2500, ge=1000, le=5000)


class Output(_Strict):
    profile: Literal["acx", "listener"] = "acx"
    book_files: bool = Field(True, description="also the whole book as one .m4b and one .mp3")
    captions: bool = Field(True, description="WebVTT and SRT captions beside the audio")
    readalong: bool = Field(True, description="an EPUB 3 that highlights the text as it plays")

    @property
    def book_captions(self) -> bool:
        """The whole book's captions go with the whole book's audio."""
        return self.book_files and self.captions

    @property
    def book_readalong(self) -> bool:
        return self.book_files and self.readalong


class Credits(_Strict):
    """Opening credits at the start of the first file, closing credits at the end of the last."""

    opening: bool = True
    closing: bool = True
    # {title}, {author} and {narrator} are filled in; the defaults are in the book's language.
    opening_text: str | None = None
    closing_text: str | None = None


class Chapters(_Strict):
    """How the manuscript is split, where the automatic detection needs steering."""

    heading_pattern: str | None = Field(None, description="regex: whole lines that start chapters")
    skip: list[int | str] = Field(default_factory=list, description="chapter numbers or titles")
    target_words: int = Field(5000, ge=200, le=100_000, description="without headings")
    max_minutes: float = Field(120.0, gt=1, le=1440, description="longer chapters become parts")
    notes: bool = Field(False, description="read notes at the end of their chapter (EPUB, HTML)")
    alt_text: bool = Field(False, description="read images' alt text (EPUB, HTML)")


@dataclass(frozen=True)
class SplitOptions:
    heading_pattern: str | None = None  # a regex: whole lines that match it start chapters
    skip: tuple[str, ...] = ()  # chapter numbers or titles not to speak
    target_words: int = 5000  # without headings: chapters of about this many words
    max_minutes: float = 120.0  # longer chapters are split into parts
    rate_wpm: int = 175
    front_matter: bool = False  # the text has a title page before its first heading (Gutenberg)
    notes: bool = False  # read footnotes and endnotes at the end of their chapter (EPUB, HTML)
    alt_text: bool = False  # read images' alt text (EPUB, HTML)


@dataclass(frozen=True)
class SplitOverrides:
    """The same settings from the command line, which win over voices.toml."""

    heading_pattern: str | None = None
    skip: tuple[str, ...] = ()
    target_words: int | None = None


class Cast(_Strict):
    """Everything voices.toml says."""

    narrator: Voice = Voice()
    # Named voices for characters: "{alice: Curiouser and curiouser!}" in the text.
    characters: dict[str, Voice] = Field(default_factory=dict)
    # word -> respelling, whole words, matched without regard to case: "Hermione" = "her-my-oh-nee"
    lexicon: dict[str, str] = Field(default_factory=dict)
    timing: Timing = Timing()
    output: Output = Output()
    credits: Credits = Credits()
    chapters: Chapters = Chapters()

    def split_options(
        self, source: Path | str, overrides: SplitOverrides | None = None
    ) -> SplitOptions:
        """The chapter-splitting options; a bad heading pattern is an error naming its origin."""
        o = overrides or SplitOverrides()
        pattern = o.heading_pattern or self.chapters.heading_pattern
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                origin = "--heading-pattern" if o.heading_pattern else "chapters.heading_pattern"
                raise InputError(
                    f"{origin}: not a valid regular expression ({exc})", path=source
                ) from None
        return SplitOptions(
            heading_pattern=pattern,
            skip=tuple(o.skip) or tuple(str(s) for s in self.chapters.skip),
            target_words=o.target_words or self.chapters.target_words,
            max_minutes=self.chapters.max_minutes,
            rate_wpm=self.narrator.rate or ESPEAK_RATE,
            notes=self.chapters.notes,
            alt_text=self.chapters.alt_text,
        )

    @field_validator("characters")
    @classmethod
    def _named_characters(cls, characters: dict[str, Voice]) -> dict[str, Voice]:
        for name, voice in characters.items():
            if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
                raise ValueError(f"{name!r}: names are lower-case letters, digits, - and _")
            if voice.voice is None:
                raise ValueError(f"{name}.voice is missing")
        return characters

    def voices(self) -> dict[str, Voice]:
        """Every voice by the name the text uses; the narrator's is "narrator"."""
        return {"narrator": self.narrator, **self.characters}

    def resolve_voices(
        self, language: str, engine_voices: Sequence[EngineVoice], source: Path | str
    ) -> Cast:
        """Every voice made exact: its engine, its voice id (the narrator's picked from LANGUAGE
        if voices.toml names none: a Piper voice when one is installed, else eSpeak NG's), and
        the settings its engine takes. An unknown voice is an error with close matches; a
        setting the engine cannot honour is an error naming the key."""
        folder = Path(source).parent
        resolved = {
            key: _resolve_voice(key, voice, language, engine_voices, source, folder)
            for key, voice in self.voices().items()
        }
        narrator = resolved.pop("narrator")
        return self.model_copy(update={"narrator": narrator, "characters": resolved})


def _resolve_voice(
    key: str,
    voice: Voice,
    language: str,
    engine_voices: Sequence[EngineVoice],
    source: Path | str,
    folder: Path,
) -> Voice:
    where = "narrator" if key == "narrator" else f"characters.{key}"
    installed = {v.engine for v in engine_voices}
    if voice.engine is not None and voice.engine not in installed:
        hint = (
            "install it and a voice: pip install 'audiobook[piper]'"
            if voice.engine == "piper"
            else "check the installation"
        )
        message = f"{where}.engine: {voice.engine!r} is not installed or has no voices"
        raise InputError(message, path=source, hint=hint)
    engine, name = voice.engine, voice.voice
    if name is None:
        engine, name = _voice_for_book(language, engine, engine_voices, where, source)
    elif name.endswith(".onnx"):  # a Piper model by its path
        if engine not in (None, "piper") or "piper" not in installed:
            raise InputError(
                f"{where}.voice: {name!r} is a Piper model, and Piper is not the engine here",
                path=source,
                hint="set engine = \"piper\" and install it: pip install 'audiobook[piper]'",
            )
        model = (folder / Path(name).expanduser()).resolve()
        if not model.is_file() or not model.with_name(model.name + ".json").is_file():
            raise InputError(
                f"{where}.voice: no Piper model at {model} (it needs {model.name} and "
                f"{model.name}.json beside it)",
                path=source,
                hint="check the path, or name an installed voice from `audiobook voices`",
            )
        engine, name = "piper", str(model)
    else:
        engine = _engine_knowing(name, engine, engine_voices, where, source)
    return _engine_settings(voice.model_copy(update={"engine": engine, "voice": name}), where,
                            engine_voices, source)  # fmt: skip


def _names(v: EngineVoice) -> tuple[str, ...]:
    """What a voice may be called in voices.toml: eSpeak NG's id ("gmw/en-us"), its short form
    ("en-us"), its name or a language ("en-gb"); a Piper voice's id ("en_US-joe-medium")."""
    if v.engine == "espeak":
        return (v.id, v.short_id, v.name, *v.languages)
    return (v.id,)


def _engine_knowing(
    name: str,
    engine: str | None,
    engine_voices: Sequence[EngineVoice],
    where: str,
    source: Path | str,
) -> str:
    """The engine that has the voice NAME (eSpeak NG first, as before Piper came)."""
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
    engine_voices: Sequence[EngineVoice],
    where: str,
    source: Path | str,
) -> tuple[str, str]:
    """The engine and voice for a book in LANGUAGE: Piper's best voice of it when installed
    (unless voices.toml names the engine), else eSpeak NG's. Engines list their voices best
    first, so the first that matches is the one."""
    for candidate in ("piper", "espeak") if engine is None else (engine,):
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


def _engine_settings(
    voice: Voice, where: str, engine_voices: Sequence[EngineVoice], source: Path | str
) -> Voice:
    """VOICE with its engine's defaults filled in; a setting the engine has not is an error."""
    if voice.engine == "espeak":
        if voice.speaker is not None:
            raise InputError(
                f"{where}.speaker: eSpeak NG voices have no speakers",
                path=source,
                hint="remove the key, or choose a multi-speaker Piper voice",
            )
        return voice.model_copy(
            update={
                "rate": voice.rate or ESPEAK_RATE,
                "pitch": ESPEAK_PITCH if voice.pitch is None else voice.pitch,
            }
        )
    if voice.pitch is not None:
        raise InputError(
            f"{where}.pitch: Piper voices have no pitch setting",
            path=source,
            hint='remove the key, or choose an eSpeak NG voice (engine = "espeak")',
        )
    info = next((v for v in engine_voices if (v.engine, v.id) == ("piper", voice.voice)), None)
    speakers = info.speakers if info is not None else ()
    if voice.speaker is not None and info is not None:
        if not speakers:
            raise InputError(
                f"{where}.speaker: the Piper voice {voice.voice} has only one speaker",
                path=source,
                hint="remove the key",
            )
        if voice.speaker not in speakers and not (
            isinstance(voice.speaker, int) and 0 <= voice.speaker < len(speakers)
        ):
            raise InputError(
                f"{where}.speaker: the Piper voice {voice.voice} has no speaker {voice.speaker!r}",
                path=source,
                hint=f"choose one of {', '.join(speakers[:10])}",
            )
    return voice


class EngineVoice(Protocol):
    id: str
    name: str
    languages: tuple[str, ...]
    engine: str
    quality: str | None
    speakers: tuple[str, ...]

    @property
    def short_id(self) -> str: ...


def voice_for_language(language: str, voices: Sequence[EngineVoice]) -> str | None:
    """The engine voice for a BCP 47 LANGUAGE: an exact match first, then its main language."""
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


class BookMeta(_Strict):
    """What text/book.toml says about the book."""

    title: str | None = None
    subtitle: str | None = None
    author: str | None = None
    narrator: str | None = None
    language: str | None = Field(None, min_length=2, max_length=12, description="e.g. en, en-GB")
    year: int | None = Field(None, ge=0, le=9999)
    description: str | None = None
    genre: str = "Audiobook"


Model = TypeVar("Model", bound=BaseModel)


def load_toml(path: Path, model: type[Model]) -> Model:
    """Read PATH into MODEL; any problem becomes one InputError naming the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=path, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", path=path) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(_describe(exc), path=path) from None


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif "input" in first and not isinstance(first["input"], dict):
        message += f" (got {first['input']!r})"
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return f"{key}: {message}{more}"


def load_cast(path: Path) -> Cast:
    """Load voices.toml; a missing file means the defaults, so a bare manuscript still renders."""
    if not path.exists():
        return Cast()
    return load_toml(path, Cast)


def load_book_meta(folder: Path) -> BookMeta:
    path = folder / BOOK_FILE
    return load_toml(path, BookMeta) if path.exists() else BookMeta()
