"""The whole book for listeners: one MP3 and one M4B with chapter markers, a playlist, and the
metadata.json that audiobook servers read.

Built from the finished chapters, never by speaking or encoding again: the MP3 joins the chapter
MP3s and the M4B joins the chapters' AAC twins (encoded in the chapters' own jobs, written by
m4b.py), both by copying frames: nothing is held in memory and a one-word edit re-encodes one
chapter only. Chapter marks sit where each chapter's frames begin in the joined stream: the running
sum of the chapters' durations in that format (MP3 and AAC frames differ by a few ms a chapter).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audiobook.errors import ToolError
from audiobook.files import append_file, atomic_write, sha256
from audiobook.outputs import m4b as mp4
from audiobook.outputs.tags import BookTags, ChapterMark, Item, mp3_info, write_mp4_tags, write_tags


@dataclass(frozen=True)
class ChapterFile:
    title: str
    path: Path  # the chapter's MP3
    aac: mp4.AacTrack  # its AAC twin


@dataclass(frozen=True)
class BookFiles:
    mp3: Path
    m4b: Path
    playlist: Path
    metadata: Path
    marks: tuple[ChapterMark, ...]  # of the MP3
    m4b_marks: tuple[ChapterMark, ...]
    sha256: dict[str, str]  # by file name: the MP3's and the M4B's


def chapter_marks(titles: Sequence[str], seconds: Sequence[float]) -> list[ChapterMark]:
    """Contiguous marks: each chapter starts where the frames of the ones before it end."""
    marks = []
    elapsed = 0.0
    for title, length in zip(titles, seconds, strict=True):
        start = elapsed
        elapsed += length
        marks.append(ChapterMark(title, round(start * 1000), round(elapsed * 1000)))
    return marks


def build_book_files(
    chapters: Sequence[ChapterFile],
    book: BookTags,
    out_dir: Path,
    slug: str,
) -> BookFiles:
    titles = [c.title for c in chapters]
    marks = chapter_marks(titles, [mp3_info(c.path).seconds for c in chapters])
    parts = [mp4.Chapter(c.title, c.aac) for c in chapters]
    rate = chapters[0].aac.sample_rate
    bounds = [round(b * 1000 / rate) for b in mp4.chapter_starts(parts)]
    m4b_marks = [ChapterMark(t, a, b) for t, a, b in zip(titles, bounds, bounds[1:], strict=False)]
    mp3 = out_dir / f"{slug}.mp3"
    m4b = out_dir / f"{slug}.m4b"

    def write_mp3(tmp: Path) -> str:
        # The tag first (into an empty file), then the chapters' frames after it: mutagen
        # would otherwise move the whole book to make room for its tag.
        write_tags(tmp, book, Item(book.title), marks)
        _append_mp3_frames([c.path for c in chapters], tmp)
        return sha256(tmp)

    def write_book_m4b(tmp: Path) -> str:
        mp4.write_m4b(parts, tmp)
        write_mp4_tags(tmp, book, Item(book.title))
        return sha256(tmp)

    # Both at once, each hashed as soon as it is written: copying and hashing happen in the
    # kernel and in hashlib, which let go of the GIL. Neither file replaces the old one unless
    # both were written.
    with (
        atomic_write(mp3) as tmp_mp3,
        atomic_write(m4b) as tmp_m4b,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        written = [pool.submit(write_mp3, tmp_mp3), pool.submit(write_book_m4b, tmp_m4b)]
        digests = {mp3.name: written[0].result(), m4b.name: written[1].result()}
    playlist = out_dir / f"{slug}.m3u8"
    with atomic_write(playlist) as tmp:
        tmp.write_text(m3u8(chapters, marks), encoding="utf-8")
    meta = out_dir / "metadata.json"
    with atomic_write(meta) as tmp:
        tmp.write_text(audiobookshelf_metadata(book, m4b_marks), encoding="utf-8")
    return BookFiles(mp3, m4b, playlist, meta, tuple(marks), tuple(m4b_marks), digests)


def _append_mp3_frames(chapters: Sequence[Path], out: Path) -> None:
    """Append the MPEG frames of each chapter file to OUT, byte for byte.

    MP3 frames stand alone, so joining them needs no ffmpeg (whose concat demuxer spent 14 s
    on a 10-hour book, against 0.5 s for this). Each file's ID3 tag and its LAME "Info" frame
    are left out: mid-stream, an Info frame would be heard as 26 ms of silence.
    """
    with out.open("r+b") as sink:  # not "ab": sendfile() refuses files opened to append
        sink.seek(0, os.SEEK_END)
        for path in chapters:
            append_file(path, sink.fileno(), _first_audio_frame(path))


def _first_audio_frame(path: Path) -> int:
    with path.open("rb") as fh:
        head = fh.read(10)
        offset = 0
        if head[:3] == b"ID3":  # ID3v2: a 10-byte header and a syncsafe size
            size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
            offset = 10 + size + (10 if head[5] & 0x10 else 0)
        fh.seek(offset)
        frame = fh.read(200)
    if len(frame) < 4 or frame[0] != 0xFF or frame[1] & 0xE0 != 0xE0:
        raise ToolError("no MPEG frame where the audio should start", path=path)
    if b"Xing" in frame[:64] or b"Info" in frame[:64]:
        bitrate, rate, padding = _frame_header(frame)
        offset += 144 * bitrate // rate + padding
    return offset


def _frame_header(frame: bytes) -> tuple[int, int, int]:
    """(bit rate, sample rate, padding) of an MPEG-1 Layer III frame header."""
    bitrates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    rates = [44100, 48000, 32000]
    return bitrates[frame[2] >> 4] * 1000, rates[(frame[2] >> 2) & 3], (frame[2] >> 1) & 1


def m3u8(chapters: Sequence[ChapterFile], marks: Sequence[ChapterMark]) -> str:
    """An extended M3U playlist of the chapter files, UTF-8 without BOM."""
    lines = ["#EXTM3U"]
    for chapter, mark in zip(chapters, marks, strict=True):
        seconds = round((mark.end_ms - mark.start_ms) / 1000)
        lines += [f"#EXTINF:{seconds},{chapter.title}", chapter.path.name]
    return "\n".join(lines) + "\n"


def audiobookshelf_metadata(book: BookTags, marks: Sequence[ChapterMark]) -> str:
    """metadata.json as Audiobookshelf reads it: chapters in seconds from the book's start."""
    doc = {
        "title": book.title,
        "authors": [book.author],
        "narrators": [book.narrator],
        "genres": [book.genre],
        "publishedYear": str(book.year) if book.year else None,
        "description": book.description,
        "language": book.language,
        "chapters": [
            {"id": n, "start": m.start_ms / 1000, "end": m.end_ms / 1000, "title": m.title}
            for n, m in enumerate(marks)
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
