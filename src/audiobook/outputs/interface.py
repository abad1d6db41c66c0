"""The output interface: a file made from the whole book once every chapter is done, and proven.

Each output (registered by name in outputs/__init__.py) is handed the same BookContext (the
finished chapter files, their AAC twins, the tags and the chapter marks in both timelines) and a
temporary path beside its final name, and returns what the manifest records of it. `check` hands
it its file back with the manifest, and reports what its own check finds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Protocol

from audiobook.core.book import ChapterMark
from audiobook.core.files import sha256
from audiobook.core.manifest import BookFile, Manifest
from audiobook.core.sentences import Timed
from audiobook.formats import m4b as mp4
from audiobook.formats.tags import BookTags, mp3_info


@dataclass(frozen=True)
class ChapterFile:
    title: str
    path: Path  # the chapter's MP3
    aac: mp4.AacTrack  # its AAC twin
    sentences: tuple[Timed, ...] = ()  # what is said when, in the chapter file's timeline


@dataclass(frozen=True)
class BookContext:
    """What every whole-book output is made from."""

    chapters: tuple[ChapterFile, ...]
    tags: BookTags
    out_dir: Path
    slug: str  # the book's file names: f"{slug}.mp3"
    # Where each chapter's frames begin in the joined stream: the running sum of the chapters'
    # durations in that format (MP3 and AAC frames differ by a few ms a chapter).
    marks: tuple[ChapterMark, ...]  # of the chapter MP3s joined
    m4b_marks: tuple[ChapterMark, ...]  # of their AAC twins joined


@dataclass(frozen=True)
class Result:
    """One check of one file, as `audiobook check` reports it."""

    file: str
    check: str
    ok: bool
    detail: str


class CheckStage(IntEnum):
    """Where an output's checks come in check's results: the whole book's audio first, then the
    files timed against it, then the files that list its chapters."""

    AUDIO = 1
    TIMED = 2
    LISTING = 3


class BookOutput(Protocol):
    name: str  # its key in the manifest's "book" section
    switch: str  # the [output] setting of voices.toml that turns it on
    check_stage: CheckStage

    def file_name(self, book: BookContext) -> str: ...

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        """Write the file at TMP, which becomes its final name once every output is written."""
        ...

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        """Prove the file at PATH (it is there) against what MANIFEST says of the book; QUICK:
        without reading all of a large file (no hash, no decode)."""
        ...


def book_context(
    chapters: Sequence[ChapterFile], tags: BookTags, out_dir: Path, slug: str
) -> BookContext:
    titles = [c.title for c in chapters]
    marks = chapter_marks(titles, [mp3_info(c.path).seconds for c in chapters])
    rate = chapters[0].aac.sample_rate
    parts = [mp4.Chapter(c.title, c.aac) for c in chapters]
    bounds = [round(b * 1000 / rate) for b in mp4.chapter_starts(parts)]
    m4b_marks = [ChapterMark(t, a, b) for t, a, b in zip(titles, bounds, bounds[1:], strict=False)]
    return BookContext(tuple(chapters), tags, out_dir, slug, tuple(marks), tuple(m4b_marks))


def chapter_marks(titles: Sequence[str], seconds: Sequence[float]) -> list[ChapterMark]:
    """Contiguous marks: each chapter starts where the frames of the ones before it end."""
    marks = []
    elapsed = 0.0
    for title, length in zip(titles, seconds, strict=True):
        start = elapsed
        elapsed += length
        marks.append(ChapterMark(title, round(start * 1000), round(elapsed * 1000)))
    return marks


# A whole-book chapter mark may be this far from where the manifest puts it (ID3 CHAP frames and
# Audiobookshelf's metadata hold milliseconds; the M4B's marks are its frames').
MARK_TOLERANCE_S = 0.05


def check_marks(
    path: Path, found: Sequence[tuple[str, float]], manifest: Manifest, length_slack: float,
    running_sum: bool,
) -> Result:  # fmt: skip
    """The chapter marks FOUND in a whole-book file (title, start in seconds) against the
    chapters and the marks the manifest recorded for it: the same titles, starting where
    recorded, contiguous, each as long as its chapter's file (LENGTH_SLACK), and with
    RUNNING_SUM, starting where the chapter files before it add up to."""
    titles = [c.title for c in manifest.chapters]
    durations = [c.duration_ms / 1000 for c in manifest.chapters]
    recorded = manifest.book.chapters.get(path.name, ()) if manifest.book else ()
    lengths = [(m.end_ms - m.start_ms) / 1000 for m in recorded]
    starts = [m.start_ms / 1000 for m in recorded]
    problems = []
    if [t for t, _ in found] != titles:
        problems.append(f"chapter titles {[t for t, _ in found][:3]}… differ from the files'")
    elif len(recorded) != len(titles):
        problems.append(f"the manifest records {len(recorded)} marks for {len(titles)} chapters")
    elif any(abs(s - e) > MARK_TOLERANCE_S for (_, s), e in zip(found, starts, strict=True)):
        problems.append("chapter starts differ from the manifest's")
    elif any(a.end_ms != b.start_ms for a, b in itertools.pairwise(recorded)):
        problems.append("chapters are not contiguous")
    elif any(abs(a - b) > length_slack for a, b in zip(lengths, durations, strict=True)):
        problems.append("a chapter's length differs from its file's duration")
    elif running_sum and starts and abs(starts[-1] - sum(durations[:-1])) > MARK_TOLERANCE_S:
        problems.append("chapter starts are not the running sum of the chapter durations")
    return Result(
        path.name, "chapters", not problems, "; ".join(problems) or f"{len(found)} chapters"
    )


def check_sha256(path: Path, manifest: Manifest) -> Result:
    """The file's hash against the one the manifest recorded for it."""
    digest = sha256(path)
    recorded = manifest.book.sha256.get(path.name) if manifest.book else None
    return Result(path.name, "sha256", digest == recorded, digest[:16] + "…")
