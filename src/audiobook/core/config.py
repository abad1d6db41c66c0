"""voices.toml and text/book.toml: parsed once into typed, validated objects.

Unknown keys and out-of-range values are errors that name the file and the key. Core knows no
engine: the engines' names come from whoever loads voices.toml (load_cast), and whether a voice id
exists, and what its engine makes of its settings, is the engines' to say
(engines/voices.py: resolve_voices).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from audiobook.core.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

BOOK_FILE = "book.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The pace assumed before any engine is asked (where long chapters are cut into parts, the
# `chapters` command's estimates): eSpeak NG's own, and Piper's voices speak near it.
ESTIMATED_WPM = 175
# The validation context's key for the engines' names (engines/__init__.py: ENGINES).
ENGINES_CONTEXT = "engines"


class Voice(_Strict):
    """One speaking voice: an engine, its voice id and how it speaks."""

    # Left out: a Piper voice of the book's language when one is installed, else eSpeak NG.
    engine: str | None = None
    # The narrator's may be left out: the book's language then picks it. A Piper voice may also
    # be the path of its .onnx file (relative to voices.toml).
    voice: str | None = Field(None, min_length=1, description="engine voice id: `audiobook voices`")
    # Left out: the engine's own pace (eSpeak NG 175; a Piper voice its model's).
    rate: int | None = Field(None, ge=80, le=450, description="words per minute")
    volume: float = Field(1.0, ge=0.0, le=1.0)
    pitch: int | None = Field(None, ge=0, le=99, description="eSpeak NG only")
    speaker: str | int | None = Field(None, description="a multi-speaker Piper model's speaker")

    @field_validator("engine")
    @classmethod
    def _registered_engine(cls, engine: str | None, info: ValidationInfo) -> str | None:
        return registered_engine(engine, info)


def registered_engine(engine: str | None, info: ValidationInfo) -> str | None:
    """An engine of the registry, whose names come in the validation context (load_cast):
    refused as a Literal of them would be, with the same words."""
    known = (info.context or {}).get(ENGINES_CONTEXT)
    if engine is None or known is None or engine in known:
        return engine
    names = [repr(name) for name in sorted(known)]
    expected = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})


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
    # A book that names no narrator says nothing of one; with this, the synthetic voice that
    # reads it is credited as its narrator (in the credits, the tags and the listener files).
    name_voice: bool = False
    closing_text: str | None = None


class Chapters(_Strict):
    """How the manuscript is split, where the automatic detection needs steering."""

    heading_pattern: str | None = Field(None, description="regex: whole lines that start chapters")
    skip: list[int | str] = Field(default_factory=list, description="chapter numbers or titles")
    target_words: int = Field(5000, ge=200, le=100_000, description="without headings")
    max_minutes: float = Field(120.0, gt=1, le=1440, description="longer chapters become parts")
    notes: bool = Field(False, description="read notes at the end of their chapter")
    alt_text: bool = Field(False, description="read images' alt text")


@dataclass(frozen=True)
class SplitOptions:
    heading_pattern: str | None = None  # a regex: whole lines that match it start chapters
    skip: tuple[str, ...] = ()  # chapter numbers or titles not to speak
    target_words: int = 5000  # without headings: chapters of about this many words
    max_minutes: float = 120.0  # longer chapters are split into parts
    rate_wpm: int = ESTIMATED_WPM
    front_matter: bool = False  # the text has a title page before its first heading (Gutenberg)
    notes: bool = False  # read footnotes and endnotes at the end of their chapter (not plain text)
    alt_text: bool = False  # read images' alt text (EPUB, HTML, DOCX, ODT, MOBI, FB2)


@dataclass(frozen=True)
class SplitOverrides:
    """The same settings from the command line, which win over voices.toml."""

    heading_pattern: str | None = None
    skip: tuple[str, ...] = ()
    target_words: int | None = None


class AutoCast(_Strict):
    """voices.toml's [cast]: characters' voices found in plain prose (`audiobook cast`)."""

    # Read each quoted line in its character's voice even without a cast.toml (which, when it
    # is beside voices.toml, always does).
    auto: bool = False


class CastCharacter(_Strict):
    """A character of cast.toml: other names it goes by, its gender, and its voice."""

    aliases: list[str] = Field(default_factory=list, description="names merged into this one")
    gender: Literal["female", "male"] | None = None
    engine: str | None = None
    # A voice id of `audiobook voices`, or "narrator": the narrator's voice reads its lines.
    voice: str | None = Field(None, min_length=1)
    rate: int | None = Field(None, ge=80, le=450, description="words per minute")

    @field_validator("engine")
    @classmethod
    def _registered(cls, engine: str | None, info: ValidationInfo) -> str | None:
        return registered_engine(engine, info)


class CastLineFix(_Strict):
    """One line's speaker, set by hand: found by its chapter and its words, so that an edit
    elsewhere in the book does not move it."""

    chapter: int = Field(ge=1)
    text: str = Field(min_length=1, description="the words inside the quotation marks")
    speaker: str = Field(min_length=1, description='a character\'s name, or "narrator"')


class CastFile(_Strict):
    """What cast.toml says: the characters, and corrections to single lines."""

    # Left out: the product's own (pipeline/cast THRESHOLD, chosen on the gold novels).
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="surer lines get voices")
    characters: dict[str, CastCharacter] = Field(default_factory=dict)
    lines: list[CastLineFix] = Field(default_factory=list)


class LexiconEntry(_Strict):
    """How one word (or name, or phrase) is said: a respelling or its phonemes, for a language,
    for some voices, matched with or without regard to case."""

    say: str | None = Field(None, min_length=1, description="a respelling: her-MY-oh-nee")
    # IPA, as a dictionary writes it ("hɜːˈmaɪ.ə.ni"): every engine says these phonemes.
    ipa: str | None = Field(None, min_length=1, description="IPA: hɜːˈmaɪ.ə.ni")
    # Only in books (or voices) of this language: "en" covers en-gb and en-us.
    language: str | None = Field(None, min_length=2, description="en, en-gb, fr ...")
    # Only in these voices' lines: "narrator", or characters' names (cast.toml, or the voices of
    # [characters] here).
    voices: tuple[str, ...] | None = None
    # "US" the country, and not "us" the pronoun.
    case_sensitive: bool = False

    @field_validator("ipa", "say")
    @classmethod
    def _one_way(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.field_name == "ipa" and value is not None and info.data.get("say") is not None:
            raise PydanticCustomError("lexicon", "give `say` or `ipa`, not both")
        return value

    def model_post_init(self, context: Any) -> None:
        if self.say is None and self.ipa is None:
            raise PydanticCustomError("lexicon", "give `say` (a respelling) or `ipa` (phonemes)")


# A word's entry: a respelling ("Hermione" = "her-my-oh-nee"), an entry, or several (by language
# or voice).
LexiconValue = str | LexiconEntry | list[LexiconEntry]


class Cast(_Strict):
    """Everything voices.toml says."""

    narrator: Voice = Voice()
    # Named voices for characters: "{alice: Curiouser and curiouser!}" in the text.
    characters: dict[str, Voice] = Field(default_factory=dict)
    # word -> how it is said (pronunciation/lexicon): "Hermione" = "her-my-oh-nee", or
    # Hermione = { ipa = "hɜːˈmaɪ.ə.ni" }; whole words, without regard to case unless asked.
    lexicon: dict[str, LexiconValue] = Field(default_factory=dict)
    timing: Timing = Timing()
    output: Output = Output()
    credits: Credits = Credits()
    chapters: Chapters = Chapters()
    cast: AutoCast = AutoCast()

    @field_validator("lexicon", mode="before")
    @classmethod
    def _lexicon_entries(cls, value: Any) -> Any:
        """Each entry read on its own, so that a bad one is named with what it should be (a
        union's errors would list every alternative)."""
        if not isinstance(value, dict):
            return value
        read: dict[str, Any] = {}
        for word, said in value.items():
            if isinstance(said, str):
                read[word] = said
                continue
            entries = said if isinstance(said, list) else [said]
            if not entries or not all(isinstance(e, (dict, LexiconEntry)) for e in entries):
                raise PydanticCustomError(
                    "lexicon", "{msg}",
                    {"msg": f'{word!r}: a respelling ("her-my-oh-nee"), a table '
                     '({ ipa = "hɜːˈmaɪ.ə.ni" }) or a list of tables'},
                )  # fmt: skip
            try:
                tables = [LexiconEntry.model_validate(e) for e in entries]
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(p) for p in problem["loc"])
                where = f".{where}" if where else ""
                message = f"{word!r}{where}: {problem['msg']}"
                raise PydanticCustomError("lexicon", "{msg}", {"msg": message}) from None
            read[word] = tables if isinstance(said, list) else tables[0]
        return read

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
            rate_wpm=self.narrator.rate or ESTIMATED_WPM,
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


def load_toml(path: Path, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Read PATH into MODEL (validated with CONTEXT); any problem becomes one InputError naming
    the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=path, hint="save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", path=path) from None
    try:
        return model.model_validate(data, context=context)
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


def load_cast(path: Path, engines: Collection[str]) -> Cast:
    """Load voices.toml, its voices' engines one of ENGINES (the registry's names); a missing
    file means the defaults, so a bare manuscript still renders."""
    if not path.exists():
        return Cast()
    return load_toml(path, Cast, {ENGINES_CONTEXT: engines})


CAST_FILE = "cast.toml"  # beside voices.toml


def load_cast_file(path: Path, engines: Collection[str]) -> CastFile | None:
    """cast.toml, or None where there is none."""
    if not path.exists():
        return None
    return load_toml(path, CastFile, {ENGINES_CONTEXT: engines})


def load_book_meta(folder: Path) -> BookMeta:
    path = folder / BOOK_FILE
    return load_toml(path, BookMeta) if path.exists() else BookMeta()
