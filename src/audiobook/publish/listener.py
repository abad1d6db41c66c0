"""The site's audio at the listener profile's size: each chapter MP3 at 64 kbps, and the whole
book as one MP3 of them, made by `publish` from the delivery files (192 kbps for ACX, which stay
in the book folder as they are).

A chapter is decoded and mastered again through mastering's own chain (`master_to_mp3` with the
`listener` profile: its own gain and limiter, proven on the decoded file), then given the
delivery file's ID3 tag byte for byte (titles, track, cover). Mastering is the slow part (about
a minute of CPU for an hour of audio), so each result is kept in the cache (core/cache), keyed
by all it depends on: the delivery file's bytes, the profile, ffmpeg's version, audiobook's
version and FORMAT. A second publish of an unchanged book takes every chapter from there, and
the same key gives the same bytes.

The whole-book MP3 is the listener chapters' MPEG frames joined, as outputs/book_mp3 joins the
delivery ones, with one ID3 chapter mark where each chapter's frames begin. The frames are
counted rather than the chapters' durations added up (which is what a tag or a player may say
of a file, encoder delay and padding left out or not), so each mark is exact in this file's own
timeline: the page seeks by the marks it reads back from the file (file_starts), as it does in
the M4B, whose marks run a few hundredths of a second a chapter later.
"""

from __future__ import annotations

import mmap
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from mutagen import MutagenError

from audiobook import __version__
from audiobook.core.book import ChapterMark
from audiobook.core.cache import Cache, CacheUnwritable, CorruptEntry, content_key
from audiobook.core.errors import ToolError
from audiobook.core.files import append_file, sha256
from audiobook.formats.tags import (
    BookTags,
    Item,
    id3_size,
    mp3_info,
    read_cover,
    read_id3_chapters,
    read_mp4_chapters,
    read_tags,
    write_tags,
)
from audiobook.mastering import ffmpeg
from audiobook.mastering.levels import LevelMeter
from audiobook.mastering.loudness import master_to_mp3
from audiobook.mastering.profiles import PROFILES
from audiobook.mastering.stitch import STITCH_RATE, Stitched

PROFILE = PROFILES["listener"]
FORMAT = 1  # bump when what a listener entry holds, or how it is made, changes
AUDIO = "listener.mp3"  # the entry's one file: the tagged listener chapter
SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III


@dataclass(frozen=True)
class MpegFrames:
    start: int  # the byte where the first audio frame begins
    count: int  # audio frames, SAMPLES_PER_FRAME samples each
    sample_rate: int
    kbps: frozenset[int]  # the bit rates of the frames (one, for a constant bit rate)


@dataclass(frozen=True)
class ListenerChapter:
    path: Path  # the tagged listener MP3, in the cache (or beside it, for this run only)
    seconds: float  # its duration as its own header says (mutagen)
    cached: bool  # taken from the cache rather than made now


def listener_chapters(
    delivery: Sequence[Path], cache: Cache | None = None, jobs: int | None = None
) -> list[ListenerChapter]:
    """The listener MP3 of each DELIVERY chapter MP3, from CACHE or made (JOBS at a time)."""
    cache = cache or Cache()
    version = ffmpeg.ffmpeg_version()  # also proves ffmpeg runs before any work starts
    profile = asdict(PROFILE)
    keys = [
        content_key("listener-mp3", FORMAT, __version__, profile, version, sha256(p))
        for p in delivery
    ]
    # Each chapter is an ffmpeg decode and encode: threads are enough to keep the cores busy.
    workers = max(1, min(len(delivery), jobs or os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: _chapter(cache, *job), zip(delivery, keys, strict=True)))


def _chapter(cache: Cache, delivery: Path, key: str) -> ListenerChapter:
    cached = True
    entry = _get(cache, key)
    if entry is None:
        cached = False
        try:
            with cache.put(key) as work:
                _make(delivery, work / AUDIO, work)
        except CacheUnwritable:  # the cache's disk refused it: made again, outside the cache
            with cache.put(key) as work:
                _make(delivery, work / AUDIO, work)
        entry = cache.get(key)
        if entry is None:  # put() succeeded, so the entry is there: a cache emptied meanwhile
            raise ToolError("the listener audio vanished from the cache", path=cache.root,
                            hint="publish again")  # fmt: skip
    path = entry / AUDIO
    return ListenerChapter(path, mp3_info(path).seconds, cached)


def _get(cache: Cache, key: str) -> Path | None:
    try:
        return cache.get(key, verify=[AUDIO])
    except CorruptEntry:  # damaged since: discarded, and made again
        return None


def _make(delivery: Path, out: Path, work: Path) -> None:
    """DELIVERY decoded, mastered at the listener profile and tagged as it is, at OUT.

    Decoded at the stitching rate, which every chapter was stitched at before its delivery
    encode (nothing above it was ever there), into the raw file master_to_mp3 masters, its
    levels measured as stitch measures a chapter's.
    """
    raw, untagged = work / "decoded.raw", work / "untagged.mp3"
    # ffmpeg writes the file itself (a pipe through Python held it up by a third), which is
    # then measured in blocks, never held whole.
    ffmpeg.run(["-i", str(delivery), "-map", "0:a:0", "-ac", "1", "-ar", str(STITCH_RATE),
                "-f", "s16le", "-y", str(raw)])  # fmt: skip
    meter = LevelMeter(STITCH_RATE)
    pcm = np.memmap(raw, dtype="<i2", mode="r") if raw.stat().st_size >= 2 else np.zeros(0)
    samples = int(pcm.size)
    if samples == 0:
        raise ToolError("no audio in the chapter file", path=delivery, hint="render again")
    block = STITCH_RATE * 60  # a minute at a time
    for first in range(0, samples, block):
        meter.feed(pcm[first : first + block] / 32768.0)
    del pcm  # the map closed before the file is removed
    master_to_mp3(Stitched(raw, samples, meter.result()), PROFILE, untagged)
    raw.unlink()
    # The delivery file's tag as it is (the encoder wrote none): every field and the cover.
    tag = id3_size(delivery)
    with out.open("wb") as sink:
        with delivery.open("rb") as source:
            sink.write(source.read(tag))
        with untagged.open("rb") as source:
            shutil.copyfileobj(source, sink, 1 << 20)
    untagged.unlink()


# --- the whole book as one MP3 ---------------------------------------------------------------


def write_book_mp3(
    chapters: Sequence[tuple[str, Path]], delivery_book: Path, out: Path
) -> list[ChapterMark]:
    """The listener CHAPTERS (title, MP3) joined at OUT, tagged as DELIVERY_BOOK (the render's
    book MP3) is but for its chapter marks, which are this file's own; returns those marks."""
    tags, item = book_tags(delivery_book)
    frames = [mpeg_frames(path) for _, path in chapters]
    rates = {f.sample_rate for f in frames}
    if len(rates) != 1:
        raise ToolError("the listener chapters differ in sample rate", path=chapters[0][1])
    (rate,) = rates
    marks, elapsed = [], 0
    for (title, _), f in zip(chapters, frames, strict=True):
        start = elapsed
        elapsed += f.count * SAMPLES_PER_FRAME
        marks.append(ChapterMark(title, round(start * 1000 / rate), round(elapsed * 1000 / rate)))
    # The tag first, into an empty file, then the frames after it: mutagen would otherwise move
    # the whole book to make room for its tag.
    out.write_bytes(b"")
    write_tags(out, tags, item, marks)
    with out.open("r+b") as sink:  # not "ab": sendfile() refuses files opened to append
        sink.seek(0, os.SEEK_END)
        for (_, path), f in zip(chapters, frames, strict=True):
            append_file(path, sink.fileno(), f.start)
    return marks


def book_tags(path: Path) -> tuple[BookTags, Item]:
    """What the tag of the render's book MP3 says, as write_tags takes it."""
    said = read_tags(path)
    cover = read_cover(path)
    year = said.get("TYER", "")
    return (
        BookTags(
            title=said.get("TALB", ""),
            author=said.get("TPE1", ""),
            narrator=said.get("TCOM", ""),
            genre=said.get("TCON", "Audiobook"),
            year=int(year) if year.isdigit() else None,
            language=said.get("TLAN") or None,
            description=said.get("COMM::eng") or None,
            cover=cover[0] if cover else None,
            cover_mime=cover[1] if cover else "image/jpeg",
        ),
        Item(said.get("TIT2", "")),
    )


def mpeg_frames(path: Path) -> MpegFrames:
    """The MPEG-1 Layer III frames of PATH, an MP3 that master_to_mp3 made and the tag copy
    kept: the ID3 tag and the LAME "Info" frame are skipped (mid-stream, an Info frame would be
    heard as 26 ms of silence); anything else is a ToolError."""
    bitrates = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
    rates = (44100, 48000, 32000)
    first = id3_size(path)
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        position, count, rate, start, kbps = first, 0, 0, first, set()
        while position + 4 <= len(data):
            a, b, c = data[position], data[position + 1], data[position + 2]
            # MPEG-1 Layer III: sync, version 1, layer 3; a valid bit rate and sample rate.
            if a != 0xFF or b & 0xFE != 0xFA or not 0 < c >> 4 < 15 or (c >> 2) & 3 == 3:
                raise ToolError(f"not an MPEG-1 Layer III frame at byte {position}", path=path)
            rate = rates[(c >> 2) & 3]
            length = 144 * bitrates[c >> 4] * 1000 // rate + ((c >> 1) & 1)
            if position == first and data.find(b"Info", position, position + 64) != -1:
                start = position + length  # the LAME header frame, which holds no audio
            else:
                count += 1
                kbps.add(bitrates[c >> 4])
            position += length
    if count == 0:
        raise ToolError("no MPEG audio frames", path=path)
    return MpegFrames(start, count, rate, frozenset(kbps))


# --- what a file says of its chapters --------------------------------------------------------


def file_starts(path: Path) -> list[float]:
    """Where each chapter starts in PATH (an M4B or an MP3 with ID3 chapters), in seconds, as
    the file itself says: never the chapters' durations added up (each format's timeline
    differs from that by a few ms a chapter)."""
    if path.suffix.lower() in (".m4b", ".m4a", ".mp4"):
        return [round(start, 3) for _, start in read_mp4_chapters(path)]
    try:
        return [mark.start_ms / 1000 for mark in read_id3_chapters(path)]
    except (ValueError, KeyError):  # no tag or chapter table, or one naming a frame it lacks
        return []
    except MutagenError as exc:
        raise ToolError(f"not a readable MP3: {exc}", path=path) from None
