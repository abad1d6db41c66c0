"""voices.toml and text/book.toml: parsed once into typed, validated objects.

Unknown keys and out-of-range values are errors that name the file and the key. Whether a voice id
exists is checked against the engine's list by `Cast.check_voices`, since only the engine knows it.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from audiobook.chapters import SplitOptions
from audiobook.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

BOOK_FILE = "book.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Voice(_Strict):
    """One speaking voice: an engine voice id and how it speaks."""

    voice: str = Field(min_length=1, description="engine voice id, see `audiobook voices`")
    rate: int = Field(175, ge=80, le=450, description="words per minute")
    volume: float = Field(1.0, ge=0.0, le=1.0)
    pitch: int = Field(50, ge=0, le=99)


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


@dataclass(frozen=True)
class SplitOverrides:
    """The same settings from the command line, which win over voices.toml."""

    heading_pattern: str | None = None
    skip: tuple[str, ...] = ()
    target_words: int | None = None


class Cast(_Strict):
    """Everything voices.toml says."""

    narrator: Voice = Voice(voice="en-us")
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
            rate_wpm=self.narrator.rate,
        )

    def check_voices(self, known: Iterable[str], source: Path | str) -> None:
        """Raise InputError if a voice id is not one the engine offers, with close matches."""
        known = list(known)
        if self.narrator.voice in known:
            return
        close = difflib.get_close_matches(self.narrator.voice, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError(
            f"narrator.voice: unknown voice {self.narrator.voice!r}",
            path=source,
            hint=hint + "`audiobook voices` lists the voices the engine offers",
        )


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
