"""manifest.json: what a render wrote, in the one format that render writes and check reads.

Render and check meet only here: render records every chapter file (duration, words, sha256,
levels, the key that says whether it is up to date) and the whole-book files; check holds the
folder to it. A render also reads the previous manifest, leniently, to reuse what is unchanged
and to remove what it no longer writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from audiobook import __version__
from audiobook.core.book import Book, ChapterMark
from audiobook.core.config import Cast
from audiobook.core.errors import InputError
from audiobook.core.files import atomic_write

MANIFEST = "manifest.json"
SCHEMA = 1
# The whole-book files a render removes when it no longer writes them (a renamed book, book
# files turned off in voices.toml).
_BOOK_FILES = ("mp3", "m4b", "playlist", "metadata", "vtt", "srt", "epub")


class ChapterRecord(Protocol):
    """What the manifest says of a rendered chapter (chapter_job.ChapterResult is one)."""

    index: int
    title: str
    file: str
    words: int
    duration_ms: int
    sha256: str
    bytes: int
    rms_db: float
    peak_db: float
    file_key: str
    captions: tuple[str, ...]  # its caption files beside it (none when turned off)
    caption_words: tuple[int, str]  # the words its captions hold, and their hash in order


class FailureRecord(Protocol):
    """What the manifest says of a chapter that failed."""

    index: int
    title: str
    error: str | None


@dataclass(frozen=True)
class BookFile:
    """A whole-book output as the manifest records it."""

    name: str  # the output's name: its key in the manifest's "book" section ("mp3", "m4b", ...)
    file: str
    sha256: str | None = None  # recorded (and checked) for the large files only
    marks: tuple[ChapterMark, ...] | None = None  # for files with chapter markers


def book_section(key: str, files: Sequence[BookFile]) -> dict[str, Any]:
    """The manifest's "book" section: each output's file, the key they were built for, the
    hashes and the chapter marks."""
    section: dict[str, Any] = {f.name: f.file for f in files}
    section["key"] = key
    section["sha256"] = {f.file: f.sha256 for f in files if f.sha256 is not None}
    section["chapters"] = {
        f.file: [_mark(m) for m in f.marks] for f in files if f.marks is not None
    }
    return section


def _mark(mark: ChapterMark) -> dict[str, object]:
    return {"title": mark.title, "start_ms": mark.start_ms, "end_ms": mark.end_ms}


def write_manifest(
    out_dir: Path,
    book: Book,
    cast: Cast,
    chapters: Sequence[ChapterRecord],
    failed: Sequence[FailureRecord],
    book_files: dict[str, Any] | None,
    narrator_wpm: float | None = None,
    stale: Sequence[str] = (),
) -> None:
    """NARRATOR_WPM: the pace the narrator's engine really speaks at (its rate, or for a Piper
    voice without one, its model's own pace as measured): what `check` expects durations of.
    STALE: files of an earlier render that this one is about to remove; listed, so that the
    next render removes any that could not be (a read-only disk) instead of forgetting them."""
    voice = cast.narrator
    manifest: dict = {
        "schema": SCHEMA,
        "title": book.title,
        "author": book.author,
        "narrator": book.narrator,
        "language": book.language,
        "voice": {
            "id": voice.voice,
            "rate_wpm": round(narrator_wpm or voice.rate or 175),
            "engine": voice.engine or "espeak",
        },
        "profile": cast.output.profile,
        "generator": f"audiobook {__version__}",
        "chapters": [
            {
                "index": r.index,
                "title": r.title,
                "file": r.file,
                "duration_ms": r.duration_ms,
                "words": r.words,
                "sha256": r.sha256,
                "bytes": r.bytes,
                "rms_db": r.rms_db,
                "peak_db": r.peak_db,
                "key": r.file_key,
                **(
                    {
                        "captions": list(r.captions),
                        "caption_words": r.caption_words[0],
                        "caption_words_sha256": r.caption_words[1],
                    }
                    if r.captions
                    else {}
                ),
            }
            for r in chapters
        ],
        "failed": [{"index": f.index, "title": f.title, "error": f.error} for f in failed],
    }
    if book_files is not None:
        manifest["book"] = book_files
    if stale:
        manifest["stale"] = sorted(stale)
    with atomic_write(out_dir / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


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


def previous_book(previous: dict[str, Any]) -> dict[str, Any] | None:
    """The earlier render's "book" section, if it has one."""
    return previous.get("book")


def listed_files(previous: dict[str, Any]) -> set[str]:
    """The chapter files and whole-book files an earlier render listed."""
    try:
        old = {c["file"] for c in previous.get("chapters", [])}
        old |= {name for c in previous.get("chapters", []) for name in c.get("captions", [])}
        if "book" in previous:
            old |= book_files(previous["book"])
        old |= {name for name in previous.get("stale", []) if isinstance(name, str)}
    except (TypeError, KeyError):
        return set()
    return old


def book_files(section: dict[str, Any] | None) -> set[str]:
    """The whole-book files a "book" section lists."""
    if section is None:
        return set()
    return {section[k] for k in _BOOK_FILES if isinstance(section.get(k), str)}


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a rendered book, validated; anything else is an InputError (exit 2)."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputError("no such folder", path=folder, hint="point check at a rendered book")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            "no manifest: nothing has been rendered here", path=path, hint="run audiobook render"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", path=path, hint="render again") from None
    try:
        assert isinstance(manifest, dict) and manifest.get("schema") == SCHEMA
        for chapter in manifest["chapters"]:
            assert isinstance(chapter["file"], str) and "/" not in chapter["file"]
            int(chapter["duration_ms"]), int(chapter["index"]), str(chapter["title"])
    except (AssertionError, KeyError, TypeError, ValueError):
        raise InputError(
            "not a manifest this version of audiobook wrote", path=path, hint="render again"
        ) from None
    return manifest
