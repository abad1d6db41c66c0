"""The M4B container: the chapters' AAC frames joined into one MP4 file with chapter marks.

ffmpeg's MP4 muxer spends about 7.5 µs on every AAC frame it copies (16 s for a 10-hour book,
measured), and it has to copy them all again after a one-word edit. Here the chapter jobs keep
their AAC as raw frames plus a table of frame sizes (`split_adts`), so building the book is a
file concatenation and a few numpy sums: the sample tables are written in one go and the frames
are copied by the kernel.

The layout is the one ffmpeg writes for `-f ipod` (checked box by box against it): ftyp, mdat
(chapter titles, then the audio), then moov with the audio track, a QuickTime chapter text track
(Apple's players read this one), and a Nero `chpl` list (most others read that). Tags are added
afterwards by mutagen (tags.write_mp4_tags), which appends them to moov at the end of the file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiobook.core.errors import ToolError
from audiobook.core.files import append_file

SAMPLES_PER_FRAME = 1024
# ffmpeg's AAC encoder starts every stream with one frame of encoder delay. The edit list skips the
# first chapter's; every later chapter's sits at the end of the chapter before it, so each
# chapter's audio begins exactly where the frames of the chapters before it end.
PRIMING_SAMPLES = 1024
FRAMES_PER_CHUNK = 512  # about 23 s at 22.05 kHz: the sample-to-chunk table stays tiny
_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_LANGUAGE_UND = 0x55C4  # "und", packed as ISO 639-2/T in three 5-bit letters
# The text sample description and the 'encd' (UTF-8) atom ffmpeg gives each chapter title.
_TEXT_ENTRY = bytes.fromhex(
    "000000000000" "0001"  # reserved, data reference index
    "00000001" "0000" "00000000"  # display flags, justification, background colour
    "0000000000000000"  # default text box
    "00000000" "0001" "0000" "00000000"  # style record: chars, font id, face, size, colour
    "0000000d" "66746162" "0001" "0001" "00"  # 'ftab': one font, id 1, no name
)  # fmt: skip
_TEXT_MEDIA_HEADER = bytes.fromhex(
    "000100000000000000000000000000000001000000000000000000000000000040000000"
)
_ENCD = bytes.fromhex("0000000c656e636400000100")


@dataclass(frozen=True)
class AacTrack:
    """One chapter's AAC: its raw frames in a file, and the size of each frame."""

    path: Path
    sizes: np.ndarray  # uint16, one per frame, in order
    sample_rate: int
    channels: int
    object_type: int = 2  # AAC LC

    @property
    def samples(self) -> int:
        return len(self.sizes) * SAMPLES_PER_FRAME

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate


def split_adts(adts: Path, raw: Path) -> AacTrack:
    """Strip the ADTS headers from an AAC stream: its frames go to RAW, their sizes are returned.

    Runs once per chapter (in its job), so the book is joined without looking at a header.
    """
    data = adts.read_bytes()
    if len(data) < 7 or data[0] != 0xFF or data[1] & 0xF6 != 0xF0:
        raise ToolError("not an ADTS stream", path=adts)
    object_type = (data[2] >> 6) + 1
    rate_index = (data[2] >> 2) & 0x0F
    channels = ((data[2] & 0x01) << 2) | (data[3] >> 6)
    if rate_index >= len(_RATES):
        raise ToolError("ADTS stream with an unknown sample rate", path=adts)
    starts: list[int] = []
    lengths: list[int] = []
    position = 0
    while position + 7 <= len(data):
        if data[position] != 0xFF or data[position + 1] & 0xF6 != 0xF0:
            raise ToolError(f"ADTS stream broken at byte {position}", path=adts)
        header = 7 if data[position + 1] & 0x01 else 9  # protection_absent, else a CRC follows
        length = ((data[position + 3] & 0x03) << 11) | (data[position + 4] << 3)
        length |= data[position + 5] >> 5
        if length <= header or position + length > len(data):
            raise ToolError(f"ADTS stream truncated at byte {position}", path=adts)
        starts.append(position + header)
        lengths.append(length - header)
        position += length
    view = memoryview(data)
    with raw.open("wb") as out:  # slices of the stream, not copies: memory stays at one file
        frames = zip(starts, lengths, strict=True)
        out.writelines(view[start : start + size] for start, size in frames)
    sizes = np.array(lengths, dtype=np.uint16)
    return AacTrack(raw, sizes, _RATES[rate_index], channels, object_type)


def save_sizes(track: AacTrack, path: Path) -> dict[str, int]:
    """Write TRACK's frame sizes to PATH; return what else loading it needs."""
    path.write_bytes(track.sizes.astype("<u2").tobytes())
    return {
        "sample_rate": track.sample_rate,
        "channels": track.channels,
        "object_type": track.object_type,
    }


def load_track(raw: Path, sizes: Path, info: dict[str, int]) -> AacTrack:
    """The AacTrack that split_adts made and save_sizes wrote."""
    frame_sizes = np.frombuffer(sizes.read_bytes(), dtype="<u2").astype(np.uint16)
    if int(frame_sizes.sum(dtype=np.int64)) != raw.stat().st_size:
        raise ToolError("AAC frames and their size table disagree", path=raw)
    return AacTrack(raw, frame_sizes, info["sample_rate"], info["channels"], info["object_type"])


@dataclass(frozen=True)
class Chapter:
    title: str
    aac: AacTrack


def chapter_starts(chapters: Sequence[Chapter]) -> list[int]:
    """Where each chapter begins on the book's timeline, in samples (and where the last ends)."""
    bounds = np.cumsum([0, *(c.aac.samples for c in chapters)])
    return [*map(int, bounds[:-1]), int(bounds[-1]) - PRIMING_SAMPLES]


def write_m4b(chapters: Sequence[Chapter], out: Path) -> None:
    """Write CHAPTERS' audio, one after another, as an MP4 audiobook at OUT (no tags yet)."""
    if not chapters:
        raise ToolError("an M4B needs at least one chapter", path=out)
    first = chapters[0].aac
    for chapter in chapters:
        track = chapter.aac
        if (track.sample_rate, track.channels, track.object_type) != (
            first.sample_rate, first.channels, first.object_type,
        ):  # fmt: skip
            raise ToolError("chapters' AAC streams differ in format", path=track.path)
    rate = first.sample_rate
    sizes = np.concatenate([c.aac.sizes for c in chapters]).astype(np.int64)
    bounds = chapter_starts(chapters)
    duration = bounds[-1]  # what is heard: the frames less the first chapter's encoder delay
    titles = [_text_sample(c.title) for c in chapters]
    text_bytes = sum(len(t) for t in titles)

    ftyp = _box(b"ftyp", b"M4B ", struct.pack(">I", 0x200), b"M4B M4A mp42isom")
    payload = text_bytes + int(sizes.sum())
    large = payload + 16 > 0xFFFFFFFF
    mdat_header = (
        struct.pack(">I4sQ", 1, b"mdat", payload + 16) if large
        else struct.pack(">I4s", payload + 8, b"mdat")
    )  # fmt: skip
    text_offset = len(ftyp) + len(mdat_header)
    audio_offset = text_offset + text_bytes
    chunk_offsets = audio_offset + np.concatenate([[0], np.cumsum(sizes)])[::FRAMES_PER_CHUNK]
    chunk_offsets = chunk_offsets[: -(-len(sizes) // FRAMES_PER_CHUNK)]
    text_durations = np.diff(bounds)

    audio = _audio_track(first, sizes, chunk_offsets, rate, duration)
    text = _text_track(titles, text_durations, text_offset, rate, duration)
    moov = _box(
        b"moov",
        _mvhd(rate, duration),
        audio,
        text,
        _box(b"udta", _chpl(chapters, bounds, rate)),
    )
    with out.open("wb") as sink:
        sink.write(ftyp + mdat_header + b"".join(titles))
        sink.flush()
        for chapter in chapters:
            append_file(chapter.aac.path, sink.fileno())
        sink.seek(0, os.SEEK_END)  # the frames went past Python's buffer
        sink.write(moov)


def _text_sample(title: str) -> bytes:
    encoded = title.encode("utf-8")[:0xFFFF]
    return struct.pack(">H", len(encoded)) + encoded + _ENCD


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", len(body) + 8, kind) + body


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _times(*values: int) -> tuple[int, str]:
    """Version 1 (64-bit times) only when a value needs it, as ffmpeg does."""
    return (1, "Q") if max(values) > 0xFFFFFFFF else (0, "I")


def _mvhd(timescale: int, duration: int) -> bytes:
    version, t = _times(duration)
    return _full_box(
        b"mvhd", version, 0,
        struct.pack(f">{t}{t}I{t}", 0, 0, timescale, duration),
        struct.pack(">IH10x", 0x10000, 0x100), _MATRIX, bytes(24), struct.pack(">I", 3),
    )  # fmt: skip


def _tkhd(track_id: int, flags: int, duration: int, alternate_group: int, volume: int) -> bytes:
    version, t = _times(duration)
    return _full_box(
        b"tkhd", version, flags,
        struct.pack(f">{t}{t}II{t}", 0, 0, track_id, 0, duration),
        struct.pack(">8xHHHH", 0, alternate_group, volume, 0), _MATRIX, struct.pack(">II", 0, 0),
    )  # fmt: skip


def _mdhd(timescale: int, duration: int) -> bytes:
    version, t = _times(duration)
    return _full_box(
        b"mdhd", version, 0,
        struct.pack(f">{t}{t}I{t}HH", 0, 0, timescale, duration, _LANGUAGE_UND, 0),
    )  # fmt: skip


def _edts(duration: int, media_time: int) -> bytes:
    version, t = _times(duration, media_time)
    entry = struct.pack(f">{t}{'q' if version else 'i'}hh", duration, media_time, 1, 0)
    return _box(b"edts", _full_box(b"elst", version, 0, struct.pack(">I", 1), entry))


def _hdlr(kind: bytes, name: str) -> bytes:
    return _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, kind), name.encode() + b"\0")


def _dinf() -> bytes:
    url = _full_box(b"url ", 0, 1)  # flag 1: the media is in this file
    return _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), url))


def _chunk_tables(sample_count: int, chunk_offsets: np.ndarray) -> bytes:
    """stsc and stco/co64: chunks of FRAMES_PER_CHUNK samples, the last one shorter."""
    chunks = len(chunk_offsets)
    entries = [(1, min(FRAMES_PER_CHUNK, sample_count))]
    last = sample_count - (chunks - 1) * FRAMES_PER_CHUNK
    if chunks > 1 and last != FRAMES_PER_CHUNK:
        entries.append((chunks, last))
    stsc = _full_box(
        b"stsc", 0, 0, struct.pack(">I", len(entries)),
        *(struct.pack(">III", first, count, 1) for first, count in entries),
    )  # fmt: skip
    kind, width = (b"co64", ">u8") if int(chunk_offsets[-1]) > 0xFFFFFFFF else (b"stco", ">u4")
    offsets = chunk_offsets.astype(width).tobytes()
    return stsc + _full_box(kind, 0, 0, struct.pack(">I", chunks), offsets)


def _audio_track(
    first: AacTrack, sizes: np.ndarray, chunk_offsets: np.ndarray, rate: int, duration: int
) -> bytes:
    frames = len(sizes)
    seconds = frames * SAMPLES_PER_FRAME / rate
    average = round(int(sizes.sum()) * 8 / seconds)
    # The highest bit rate over any one second (about rate/1024 frames), as the esds states it.
    window = max(1, round(rate / SAMPLES_PER_FRAME))
    window = min(window, frames)
    sums = np.convolve(sizes, np.ones(window, dtype=np.int64), mode="valid")
    peak = round(int(sums.max()) * 8 * rate / (SAMPLES_PER_FRAME * window))
    esds = _full_box(b"esds", 0, 0, _es_descriptor(first, int(sizes.max()), peak, average))
    mp4a = _box(
        b"mp4a",
        struct.pack(">6xH8xHHHHI", 1, first.channels, 16, 0, 0, rate << 16 if rate < 65536 else 0),
        esds,
    )  # fmt: skip
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), mp4a),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, frames, SAMPLES_PER_FRAME)),
        _chunk_tables(frames, chunk_offsets),
        _full_box(b"stsz", 0, 0, struct.pack(">II", 0, frames), sizes.astype(">u4").tobytes()),
        # AAC needs the frame before a seek point to decode it: a 'roll' group of distance -1.
        _full_box(b"sgpd", 1, 0, b"roll", struct.pack(">IIh", 2, 1, -1)),
        _full_box(b"sbgp", 0, 0, b"roll", struct.pack(">III", 1, frames, 1)),
    )
    minf = _box(b"minf", _full_box(b"smhd", 0, 0, bytes(4)), _dinf(), stbl)
    media = _mdhd(rate, frames * SAMPLES_PER_FRAME)
    mdia = _box(b"mdia", media, _hdlr(b"soun", "SoundHandler"), minf)
    tref = _box(b"tref", _box(b"chap", struct.pack(">I", 2)))
    return _box(
        b"trak", _tkhd(1, 3, duration, 1, 0x100), _edts(duration, PRIMING_SAMPLES), tref, mdia
    )


def _es_descriptor(track: AacTrack, buffer_size: int, peak: int, average: int) -> bytes:
    """MPEG-4 ES descriptor: AAC audio, its AudioSpecificConfig, as ffmpeg's encoder writes it."""
    rate_index = _RATES.index(track.sample_rate)
    config = (track.object_type << 11) | (rate_index << 7) | (track.channels << 3)
    # Then the sync extension that says "no SBR": without it, decoders may guess at SBR for
    # rates this low and play the book at the wrong speed.
    specific = struct.pack(">H", config) + bytes.fromhex("56e500")
    decoder = struct.pack(">BB", 0x40, 0x15) + buffer_size.to_bytes(3, "big")
    decoder += struct.pack(">II", peak, average) + _descriptor(0x05, specific)
    sync_layer = _descriptor(0x06, b"\x02")  # predefined: MP4 files
    return _descriptor(0x03, struct.pack(">HB", 1, 0) + _descriptor(0x04, decoder) + sync_layer)


def _descriptor(tag: int, body: bytes) -> bytes:
    return bytes([tag, len(body)]) + body  # every body here is under 128 bytes


def _text_track(
    titles: list[bytes], durations: np.ndarray, offset: int, rate: int, duration: int
) -> bytes:
    count = len(titles)
    stts = _full_box(
        b"stts", 0, 0, struct.pack(">I", count),
        *(struct.pack(">II", 1, int(d)) for d in durations),
    )  # fmt: skip
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), _box(b"text", _TEXT_ENTRY)),
        stts,
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
        _full_box(b"stsz", 0, 0, struct.pack(f">II{count}I", 0, count, *map(len, titles))),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, offset)),
    )
    gmhd = _box(
        b"gmhd",
        _full_box(b"gmin", 0, 0, struct.pack(">HHHHhH", 0x40, 0x8000, 0x8000, 0x8000, 0, 0)),
        _box(b"text", _TEXT_MEDIA_HEADER),
    )
    minf = _box(b"minf", gmhd, _dinf(), stbl)
    mdia = _box(b"mdia", _mdhd(rate, duration), _hdlr(b"text", "SubtitleHandler"), minf)
    # Flags 2: part of the presentation but not enabled, so players do not show it as subtitles.
    return _box(b"trak", _tkhd(2, 2, duration, 0, 0), _edts(duration, 0), mdia)


def _chpl(chapters: Sequence[Chapter], bounds: list[int], rate: int) -> bytes:
    """Nero's chapter list: start times in 100 ns units, titles of up to 255 bytes, 255 at most."""
    entries = []
    for chapter, start in list(zip(chapters, bounds, strict=False))[:255]:
        title = chapter.title.encode("utf-8")[:255].decode("utf-8", "ignore").encode("utf-8")
        entries.append(struct.pack(">QB", start * 10_000_000 // rate, len(title)) + title)
    return _full_box(b"chpl", 1, 0, struct.pack(">IB", 0, len(entries)), *entries)
