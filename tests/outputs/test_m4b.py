"""The M4B writer, read back by ffmpeg and mutagen, against ffmpeg's own AAC streams."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp4 import MP4

from audiobook.core.errors import ToolError
from audiobook.formats import m4b
from audiobook.mastering import ffmpeg

RATE = 22050


def adts(path: Path, frequency: int, seconds: float) -> Path:
    ffmpeg.run([
        "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate={RATE}:duration={seconds}",
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k", "-f", "adts", "-y", str(path),
    ])  # fmt: skip
    return path


def decode(*args: str) -> np.ndarray:
    return np.frombuffer(ffmpeg.run([*args, "-f", "s16le", "-"]), dtype="<i2")


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, list[m4b.Chapter], list[Path]]:
    streams = [adts(tmp_path / "a.adts", 440, 3.3), adts(tmp_path / "b.adts", 660, 2.1)]
    streams.append(adts(tmp_path / "c.adts", 880, 1.0))
    titles = ["One", "Zwei: Straße", "Trois — « fin »"]
    chapters = [
        m4b.Chapter(title, m4b.split_adts(s, s.with_suffix(".raw")))
        for title, s in zip(titles, streams, strict=True)
    ]
    out = tmp_path / "book.m4b"
    m4b.write_m4b(chapters, out)
    return out, chapters, streams


def test_the_book_decodes_to_its_chapters_samples(book) -> None:
    out, chapters, streams = book
    joined = decode("-f", "aac", "-i", "concat:" + "|".join(str(s) for s in streams))
    ours = decode("-i", str(out))
    # The edit list skips the first chapter's encoder delay, and nothing else.
    assert len(ours) == sum(c.aac.samples for c in chapters) - m4b.PRIMING_SAMPLES
    assert np.array_equal(ours, joined[m4b.PRIMING_SAMPLES :])
    assert chapters[0].aac.sample_rate == RATE and chapters[0].aac.channels == 1


def test_ffmpeg_and_mutagen_read_the_chapters(book) -> None:
    out, chapters, _ = book
    starts = m4b.chapter_starts(chapters)
    listed = ffmpeg.run(["-i", str(out), "-f", "ffmetadata", "-"]).decode()
    assert f"TIMEBASE=1/{RATE}" in listed
    for title, start, end in zip([c.title for c in chapters], starts, starts[1:], strict=False):
        assert f"START={start}\nEND={end}\ntitle={title}" in listed
    read = MP4(out).chapters  # Nero's chpl
    assert [c.title for c in read] == [c.title for c in chapters]
    assert [c.start for c in read] == pytest.approx([s / RATE for s in starts[:-1]], abs=1e-6)
    assert MP4(out).info.sample_rate == RATE


def test_split_adts_keeps_every_frame(tmp_path: Path) -> None:
    stream = adts(tmp_path / "a.adts", 440, 2.0)
    track = m4b.split_adts(stream, tmp_path / "a.raw")
    data = stream.read_bytes()
    assert len(data) - (tmp_path / "a.raw").stat().st_size == 7 * len(track.sizes)
    m4b.save_sizes(track, tmp_path / "a.sizes")
    info = {"sample_rate": RATE, "channels": 1, "object_type": 2}
    loaded = m4b.load_track(tmp_path / "a.raw", tmp_path / "a.sizes", info)
    assert np.array_equal(loaded.sizes, track.sizes)


def test_what_is_not_adts_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "x.adts"
    bogus.write_bytes(b"ID3\x03" + bytes(100))
    with pytest.raises(ToolError, match="not an ADTS stream"):
        m4b.split_adts(bogus, tmp_path / "x.raw")
    stream = adts(tmp_path / "a.adts", 440, 1.0)
    cut = tmp_path / "cut.adts"
    cut.write_bytes(stream.read_bytes()[:-5])
    with pytest.raises(ToolError, match="truncated"):
        m4b.split_adts(cut, tmp_path / "cut.raw")


def test_past_4_gib_offsets_and_durations_take_64_bits() -> None:
    offsets = np.array([100, 2**32 + 5], dtype=np.int64)
    tables = m4b._chunk_tables(m4b.FRAMES_PER_CHUNK + 3, offsets)
    co64 = tables.index(b"co64")
    assert struct.unpack(">2Q", tables[co64 + 12 : co64 + 28]) == (100, 2**32 + 5)
    stsc = tables.index(b"stsc")
    entries = struct.unpack(">I6I", tables[stsc + 8 : stsc + 36])
    assert entries == (2, 1, m4b.FRAMES_PER_CHUNK, 1, 2, 3, 1)
    header = m4b._mvhd(RATE, 2**33)
    assert header[8] == 1 and struct.unpack(">Q", header[32:40])[0] == 2**33
