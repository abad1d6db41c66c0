"""The whole book for listeners: one MP3 and one M4B with chapter markers, a playlist, and the
metadata.json that audiobook servers read.

Built from the finished chapter files, never by speaking again: the MP3 is the chapter MP3s joined
by stream copy (no re-encoding, nothing held in memory), and the M4B is that MP3 decoded and
encoded once to AAC by one streaming ffmpeg. Chapter marks sit where each chapter's frames begin
in the joined stream: the running sum of the chapter files' durations.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook import ffmpeg
from audiobook.files import atomic_write
from audiobook.tags import BookTags, ChapterMark, Item, mp3_info, write_mp4_tags, write_tags

AAC_BITRATE = "64k"  # speech in mono: transparent enough at 64 kbps, a tenth of the MP3 set's size


@dataclass(frozen=True)
class ChapterFile:
    title: str
    path: Path


@dataclass(frozen=True)
class BookFiles:
    mp3: Path
    m4b: Path
    playlist: Path
    metadata: Path
    marks: tuple[ChapterMark, ...]


def chapter_marks(chapters: Sequence[ChapterFile]) -> list[ChapterMark]:
    """Contiguous marks: each chapter starts where the frames of the ones before it end."""
    marks = []
    elapsed = 0.0
    for chapter in chapters:
        start = elapsed
        elapsed += mp3_info(chapter.path).seconds
        marks.append(ChapterMark(chapter.title, round(start * 1000), round(elapsed * 1000)))
    return marks


def build_book_files(
    chapters: Sequence[ChapterFile],
    book: BookTags,
    out_dir: Path,
    slug: str,
) -> BookFiles:
    marks = chapter_marks(chapters)
    mp3 = out_dir / f"{slug}.mp3"
    m4b = out_dir / f"{slug}.m4b"
    with tempfile.TemporaryDirectory(prefix="audiobook-book-") as work:
        listing = Path(work) / "chapters.txt"
        listing.write_text(
            "".join(f"file '{_concat_quote(c.path.resolve())}'\n" for c in chapters),
            encoding="utf-8",
        )
        with atomic_write(mp3) as tmp_mp3:
            _join_mp3(listing, tmp_mp3)
            write_tags(tmp_mp3, book, Item(book.title), marks)
            with atomic_write(m4b) as tmp_m4b:
                metadata = Path(work) / "chapters.ffmeta"
                metadata.write_text(ffmetadata(marks), encoding="utf-8")
                _encode_m4b(tmp_mp3, metadata, tmp_m4b)
                write_mp4_tags(tmp_m4b, book, Item(book.title))
    playlist = out_dir / f"{slug}.m3u8"
    with atomic_write(playlist) as tmp:
        tmp.write_text(m3u8(chapters, marks), encoding="utf-8")
    meta = out_dir / "metadata.json"
    with atomic_write(meta) as tmp:
        tmp.write_text(audiobookshelf_metadata(book, marks), encoding="utf-8")
    return BookFiles(mp3, m4b, playlist, meta, tuple(marks))


def _concat_quote(path: Path) -> str:
    return str(path).replace("'", "'\\''")


def _join_mp3(listing: Path, out: Path) -> None:
    ffmpeg.run(
        [
            "-f", "concat", "-safe", "0", "-i", str(listing),
            "-map", "0:a", "-c", "copy",
            "-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "1",
            "-fflags", "+bitexact", "-f", "mp3", "-y", str(out),
        ]
    )  # fmt: skip


def _encode_m4b(mp3: Path, metadata: Path, out: Path) -> None:
    # -aac_coder fast: ffmpeg's default coder is about five times slower (SPECS.md section 8)
    # for no difference in speech at this bitrate (bench/encoders.py measures both).
    ffmpeg.run(
        [
            "-i", str(mp3), "-i", str(metadata),
            "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
            "-c:a", "aac", "-aac_coder", "fast", "-b:a", AAC_BITRATE,
            "-fflags", "+bitexact", "-flags:a", "+bitexact",
            "-f", "ipod", "-y", str(out),
        ]
    )  # fmt: skip


def ffmetadata(marks: Sequence[ChapterMark]) -> str:
    """ffmpeg's FFMETADATA1 with one [CHAPTER] per mark, times in milliseconds."""
    lines = [";FFMETADATA1"]
    for mark in marks:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={mark.start_ms}",
            f"END={mark.end_ms}",
            f"title={_ffmeta_escape(mark.title)}",
        ]
    return "\n".join(lines) + "\n"


def _ffmeta_escape(value: str) -> str:
    for char in ("\\", "=", ";", "#", "\n"):
        value = value.replace(char, "\\" + char)
    return value


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
