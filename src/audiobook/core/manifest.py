"""manifest.json: what a render wrote, in the one format that render writes and check reads.

Render and check meet only here: render records every chapter file (duration, words, sha256,
levels, the key that says whether it is up to date) and the whole-book files; check, publish and
the report read the folder through the same model (`read_manifest`). A render also reads the
previous manifest, leniently, to reuse what is unchanged and to remove what it no longer writes.

The models are the file's layout, key for key and in order: a render's manifest.json is
`Manifest.model_dump()` as JSON. Fields that this version always writes but that check has always
done without (an older render's manifest) are optional, with the value check assumed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
)

from audiobook import __version__
from audiobook.core.book import Book, ChapterMark
from audiobook.core.config import Cast
from audiobook.core.errors import InputError
from audiobook.core.files import atomic_write

MANIFEST = "manifest.json"
SCHEMA = 1
DEFAULT_WPM = 175  # the pace assumed of a voice that names none (eSpeak NG's own default)
# The keys of the "book" section that are not an output's file: no output may be named so.
SECTION_KEYS = ("key", "sha256", "chapters")


class ChapterRecord(Protocol):
    """What the manifest says of a rendered chapter (pipeline/events.ChapterResult is one)."""

    @property
    def index(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def words(self) -> int: ...
    @property
    def duration_ms(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def bytes(self) -> int: ...
    @property
    def rms_db(self) -> float: ...
    @property
    def peak_db(self) -> float: ...
    @property
    def file_key(self) -> str: ...
    @property
    def captions(self) -> tuple[str, ...]:
        """Its caption files beside it (none when turned off)."""
        ...

    @property
    def caption_words(self) -> tuple[int, str]:
        """The words its captions hold, and their hash in order."""
        ...

    @property
    def sentences(self) -> tuple[str, str]:
        """Its sentence record beside it (formats/sentence_spans.py) and the record's sha256."""
        ...

    @property
    def lines(self) -> Sequence[Any]:
        """Its quoted lines and who reads them (CastLine), when the render has a cast."""
        ...

    @property
    def cast(self) -> Sequence[tuple[str, str, int]]:
        """The characters who read lines: (name, "engine voice", lines)."""
        ...


class FailureRecord(Protocol):
    """What the manifest says of a chapter that failed."""

    @property
    def index(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class BookFile:
    """A whole-book output as the manifest records it."""

    name: str  # the output's name: its key in the manifest's "book" section ("mp3", "m4b", ...)
    file: str
    sha256: str | None = None  # recorded (and checked) for the large files only
    marks: tuple[ChapterMark, ...] | None = None  # for files with chapter markers


class _Part(BaseModel):
    """A part of manifest.json. Keys this version does not know are left aside, not refused:
    the contract lets the format grow."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class VoiceEntry(_Part):
    id: str | None = None
    rate_wpm: int | None = None
    engine: str | None = None


class CastEntry(_Part):
    """A character who reads lines of the chapter: its voice ("engine voice") and how many."""

    name: str
    voice: str
    lines: int


class LineEntry(_Part):
    """A quoted line: who says it (null: the narrator), the voice that reads it, how that was
    decided, and the speaker its own tag names, if it has one."""

    text: str
    speaker: str | None = None
    voice: str = "narrator"
    how: str = ""
    confidence: float = 0.0
    tagged: str | None = None


class ChapterEntry(_Part):
    index: int
    title: str
    file: str
    duration_ms: int
    words: int = 0
    sha256: str | None = None
    bytes: int | None = None
    rms_db: float | None = None
    peak_db: float | None = None
    key: str | None = None
    captions: tuple[str, ...] = ()
    caption_words: int | None = None
    caption_words_sha256: str | None = None
    # Every sentence said and when: its record beside it (an older render has none).
    sentences: str | None = None
    sentences_sha256: str | None = None
    # The cast (when characters' lines are voiced): who read lines, and every quoted line.
    cast: tuple[CastEntry, ...] | None = None
    lines: tuple[LineEntry, ...] | None = None

    @field_validator("file", "sentences")
    @classmethod
    def _in_the_folder(cls, file: str | None) -> str | None:
        if file is not None and ("/" in file or "\\" in file or file in ("", ".", "..")):
            raise ValueError("a chapter file is a name in the book's folder")
        return file

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        entry: dict[str, Any] = handler(self)
        if not self.captions:  # a chapter without captions has none of their keys
            for name in ("captions", "caption_words", "caption_words_sha256"):
                del entry[name]
        if self.sentences is None:
            del entry["sentences"], entry["sentences_sha256"]
        if self.lines is None:  # a render without a cast has none of its keys
            del entry["cast"], entry["lines"]
        return entry


class Failure(_Part):
    index: int
    title: str
    error: str | None = None


class BookSection(_Part):
    """The "book" section: each output's file under the output's name, then the key the files
    were built for, the hashes of the large ones and the chapter marks of those with marks.

    The outputs' names are not known here (core knows no outputs): every key but SECTION_KEYS
    is an output's file, whatever outputs the render had."""

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, str] = Field(init=False)

    key: str
    sha256: dict[str, str]
    chapters: dict[str, tuple[ChapterMark, ...]]

    @property
    def files(self) -> dict[str, str]:
        """Each output's file, by the output's name, in the order they were written."""
        return dict(self.model_extra or {})

    def only(self, outputs: Collection[str]) -> BookSection:
        """This section with the files of OUTPUTS (names) alone, and their hashes and marks."""
        files = {name: file for name, file in self.files.items() if name in outputs}
        kept = set(files.values())
        return BookSection(
            key=self.key,
            sha256={file: digest for file, digest in self.sha256.items() if file in kept},
            chapters={file: marks for file, marks in self.chapters.items() if file in kept},
            **files,
        )

    @model_serializer(mode="plain")
    def _as_written(self) -> dict[str, Any]:
        return {
            **self.files,
            "key": self.key,
            "sha256": dict(self.sha256),
            "chapters": {name: [_mark(m) for m in marks] for name, marks in self.chapters.items()},
        }


class Manifest(_Part):
    # "schema" is a name BaseModel has taken: the field is schema_, written and read as "schema".
    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, serialize_by_alias=True
    )
    schema_: Literal[1] = Field(alias="schema")
    title: str | None = None
    author: str | None = None
    narrator: str | None = None
    language: str | None = None
    voice: VoiceEntry = VoiceEntry()
    profile: str = "acx"
    generator: str | None = None
    chapters: tuple[ChapterEntry, ...]
    failed: tuple[Failure, ...] = ()
    book: BookSection | None = None
    stale: tuple[str, ...] = ()
    # A draft (render --draft: the fastest engine for every voice), which check refuses unless
    # told to allow it. Written only when true.
    draft: bool = False

    @property
    def rate_wpm(self) -> int:
        """The narrator's pace, what chapter durations are expected at."""
        return self.voice.rate_wpm or DEFAULT_WPM

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        manifest: dict[str, Any] = handler(self)
        if self.book is None:  # no whole-book files: no section
            del manifest["book"]
        if not self.stale:
            del manifest["stale"]
        if not self.draft:
            del manifest["draft"]
        return manifest


def _mark(mark: ChapterMark) -> dict[str, object]:
    return {"title": mark.title, "start_ms": mark.start_ms, "end_ms": mark.end_ms}


def book_section(key: str, files: Sequence[BookFile]) -> BookSection:
    """The manifest's "book" section of FILES, built for KEY."""
    return BookSection(
        key=key,
        sha256={f.file: f.sha256 for f in files if f.sha256 is not None},
        chapters={f.file: f.marks for f in files if f.marks is not None},
        **{f.name: f.file for f in files},
    )


def write_manifest(
    out_dir: Path,
    book: Book,
    cast: Cast,
    chapters: Sequence[ChapterRecord],
    failed: Sequence[FailureRecord],
    book_files: BookSection | None,
    narrator_wpm: float | None = None,
    stale: Sequence[str] = (),
    draft: bool = False,
) -> None:
    """NARRATOR_WPM: the pace the narrator's engine really speaks at (its rate, or for a Piper
    voice without one, its model's own pace as measured): what `check` expects durations of.
    STALE: files of an earlier render that this one is about to remove; listed, so that the
    next render removes any that could not be (a read-only disk) instead of forgetting them."""
    voice = cast.narrator
    manifest = Manifest(
        schema_=SCHEMA,
        title=book.title,
        author=book.author or None,
        narrator=book.narrator or None,
        language=book.language,
        voice=VoiceEntry(
            id=voice.voice,
            rate_wpm=round(narrator_wpm or voice.rate or DEFAULT_WPM),
            engine=voice.engine or "espeak",
        ),
        profile=cast.output.profile,
        generator=f"audiobook {__version__}",
        chapters=tuple(_chapter_entry(r) for r in chapters),
        failed=tuple(Failure(index=f.index, title=f.title, error=f.error) for f in failed),
        book=book_files,
        stale=tuple(sorted(stale)),
        draft=draft,
    )
    text = json.dumps(manifest.model_dump(), indent=2, ensure_ascii=False) + "\n"
    with atomic_write(out_dir / MANIFEST) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _chapter_entry(r: ChapterRecord) -> ChapterEntry:
    captions: dict[str, Any] = {}
    if r.captions:
        captions = {
            "captions": r.captions,
            "caption_words": r.caption_words[0],
            "caption_words_sha256": r.caption_words[1],
        }
    cast: dict[str, Any] = {}
    if r.lines:
        cast = {
            "cast": tuple(CastEntry(name=n, voice=v, lines=k) for n, v, k in r.cast),
            "lines": tuple(
                LineEntry(text=line.text, speaker=line.speaker, voice=line.voice, how=line.how,
                          confidence=line.confidence, tagged=line.tagged)
                for line in r.lines
            ),
        }  # fmt: skip
    record, record_sha = r.sentences
    return ChapterEntry(
        index=r.index, title=r.title, file=r.file, duration_ms=r.duration_ms, words=r.words,
        sha256=r.sha256, bytes=r.bytes, rms_db=r.rms_db, peak_db=r.peak_db, key=r.file_key,
        **captions, sentences=record or None, sentences_sha256=record_sha or None, **cast,
    )  # fmt: skip


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a rendered book, validated; anything else is an InputError (exit 2)."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputError("no such folder", path=folder, hint="point check at a rendered book")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "no manifest: nothing has been rendered here", path=path, hint="run audiobook render"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", path=path, hint="render again") from None
    try:
        return Manifest.model_validate(document)
    except ValidationError:
        raise InputError(
            "not a manifest this version of audiobook wrote", path=path, hint="render again"
        ) from None


# The lenient read: the previous render's manifest as far as it can be read. A render uses it
# to reuse what is unchanged (anything unreadable is not reused) and to remove what it no longer
# writes (whatever names it lists, however old the manifest).


def read_previous(out_dir: Path) -> dict[str, Any]:
    """The manifest an earlier render left, or {} when there is none or it is unreadable."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def previous_chapters(previous: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The earlier render's chapter entries, by file name."""
    try:
        return {c["file"]: c for c in previous["chapters"] if isinstance(c, dict)}
    except (KeyError, TypeError):
        return {}


def previous_book(previous: dict[str, Any]) -> BookSection | None:
    """The earlier render's "book" section, if it has one that reads as such."""
    try:
        return BookSection.model_validate(previous.get("book"))
    except ValidationError:
        return None


def listed_files(previous: dict[str, Any]) -> set[str]:
    """The chapter files and whole-book files an earlier render listed."""
    try:
        old = {c["file"] for c in previous.get("chapters", [])}
        old |= {name for c in previous.get("chapters", []) for name in c.get("captions", [])}
        old |= {c["sentences"] for c in previous.get("chapters", []) if c.get("sentences")}
        if isinstance(previous.get("book"), dict):
            old |= _section_files(previous["book"])
        old |= {name for name in previous.get("stale", []) if isinstance(name, str)}
    except (TypeError, KeyError, AttributeError):
        return set()
    return old


def _section_files(section: dict[str, Any]) -> set[str]:
    """The whole-book files a "book" section, read as it is, lists: its string values but the
    key (the hashes and marks are keyed by the same names)."""
    return {v for k, v in section.items() if k not in SECTION_KEYS and isinstance(v, str)}


def book_files(section: BookSection | None) -> set[str]:
    """The whole-book files a "book" section lists."""
    return set() if section is None else set(section.files.values())
