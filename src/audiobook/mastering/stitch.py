"""Stitching a chapter: its utterances and pauses one after another, room tone under all of it.

The chapter is stitched once at the engine's sample rate (pydub brings every utterance to it),
quiet room tone is laid under the whole of it (pauses are never digital zeros), and its levels
are measured on the way, so that mastering can set one gain for the whole chapter.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH at import and warns when it is not there; ours may be the
    # bundled one, which ffmpeg.find_ffmpeg() knows about and which every ffmpeg call here uses.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
from audiobook.core.audio import Pause, Speech
from audiobook.mastering.levels import LevelMeter, Levels

STITCH_RATE = 22050  # espeak-ng's own rate: stitching there avoids resampling every utterance
ROOM_TONE_PERIOD = 1 << 20  # samples
ROOM_TONE_DB = -75.0  # RMS of the room tone before the chapter gain (ACX floor: -90 to -60 dBFS)


SPEECH_THRESHOLD = 10 ** (-50 / 20) * 32768  # a sample above -50 dBFS is speech, not silence
# In a chapter with characters' voices, every utterance (the narrator's too) is brought to one
# speech level, so that all voices are as loud as each other (their engines' levels differ by up
# to 10 dB). Chapters with one voice are left as they are. Measured on 50 ms frames: the active
# speech level (speech_level_db). The version is in the cache key of the chapters it levels.
LEVELLING = 2
SPEECH_LEVEL_DB = -20.0
_FRAME = STITCH_RATE // 20
_MAX_GAIN_DB = 15.0


def speech_level_db(samples: np.ndarray) -> float | None:
    """The level of the speech in SAMPLES (16-bit values), in dBFS, or None if it is silence."""
    count = samples.size // _FRAME
    if count == 0:
        return None
    frames = samples[: count * _FRAME].astype(np.float64).reshape(count, _FRAME) / 32768.0
    energy = np.mean(frames * frames, axis=1)
    energy = energy[energy > 1e-6]  # -60 dBFS
    if energy.size == 0:
        return None
    # The active speech level, as ITU-T P.56 defines it in spirit: the mean energy of the frames
    # within 15.9 dB of that mean, found by iterating (pauses between words do not count, so a
    # short line and a long paragraph of the same loudness measure the same).
    level = float(np.mean(energy))
    for _ in range(4):
        active = energy[energy >= level * 10 ** (-15.9 / 10)]
        level = float(np.mean(active))
    return float(10 * np.log10(level))


@dataclass(frozen=True)
class Stitched:
    """A chapter's audio before mastering: raw s16le mono at STITCH_RATE in a file."""

    path: Path
    samples: int
    levels: Levels  # RMS, peak and the quietest 0.4 s (the room tone's level), before any gain
    # For each utterance, in order: its sentences' (first, end) samples in the chapter, narrowed
    # to where there is speech (an engine that reports no sentences gives the whole utterance).
    sentences: tuple[tuple[tuple[int, int], ...], ...] = ()

    @property
    def rms_db(self) -> float:
        return self.levels.rms_db

    @property
    def seconds(self) -> float:
        return self.samples / STITCH_RATE


def stitch(pieces: Iterable[Speech | Pause], path: Path, level: bool = False) -> Stitched:
    """Write speech and pauses one after another to PATH, room tone under all of it.

    Streamed: one piece is in memory at a time (the chapter goes to disk), so a two-hour chapter
    costs no more memory than a short one. pydub brings every utterance to STITCH_RATE.
    """
    position = 0
    meter = LevelMeter(STITCH_RATE)
    timings: list[tuple[tuple[int, int], ...]] = []
    with path.open("wb") as out:
        for piece in pieces:
            if isinstance(piece, Pause):
                segment = AudioSegment.silent(duration=piece.ms, frame_rate=STITCH_RATE)
            else:
                segment = AudioSegment(
                    data=piece.pcm, sample_width=2, frame_rate=piece.sample_rate, channels=1
                )
                if piece.sample_rate != STITCH_RATE:  # other engines (sapi5, nsss) use other rates
                    segment = segment.set_frame_rate(STITCH_RATE)
            samples = np.frombuffer(segment.raw_data, dtype="<i2")
            if isinstance(piece, Speech):
                if level:  # LEVEL: the chapter has several voices
                    samples = _levelled(samples, SPEECH_LEVEL_DB)
                timings.append(_speech_spans(piece, samples, position))
            mixed = _add_room_tone(samples, position)
            out.write(mixed.astype("<i2").tobytes())
            mixed *= 1 / 32768.0
            meter.feed(mixed)
            position += mixed.size
    return Stitched(path=path, samples=position, levels=meter.result(), sentences=tuple(timings))


def _levelled(samples: np.ndarray, target_db: float) -> np.ndarray:
    """An utterance at the speech level TARGET_DB (silence as it is). Clipped to 16 bits;
    mastering's limiter sees the peaks."""
    level = speech_level_db(samples)
    if level is None:
        return samples
    gain_db = max(-_MAX_GAIN_DB, min(_MAX_GAIN_DB, target_db - level))
    scaled = np.rint(samples.astype(np.float64) * 10 ** (gain_db / 20))
    return np.clip(scaled, -32768, 32767).astype("<i2")


def _speech_spans(speech: Speech, samples: np.ndarray, offset: int) -> tuple[tuple[int, int], ...]:
    """SPEECH's sentences in the chapter's samples (it starts at OFFSET), each narrowed to the
    samples louder than silence: a caption starts when its words are heard."""
    scale = STITCH_RATE / speech.sample_rate
    spans = speech.sentences or ((0, len(speech.pcm) // 2),)
    out = []
    for first, end in spans:
        a = min(samples.size, round(first * scale))
        b = min(samples.size, round(end * scale))
        loud = np.flatnonzero(np.abs(samples[a:b].astype(np.int32)) > SPEECH_THRESHOLD)
        if loud.size:
            a, b = a + int(loud[0]), a + int(loud[-1]) + 1
        else:
            b = a
        out.append((offset + a, offset + b))
    return tuple(out)


def room_tone(count: int, start: int = 0) -> np.ndarray:
    """Quiet noise at ROOM_TONE_DB, the same for the same sample positions on every machine.

    A counter-based hash (murmur3's finaliser) instead of a random generator: reproducible
    across numpy and Python versions, so the same input renders to the same bytes. The noise
    repeats every ROOM_TONE_PERIOD samples (47 s, far longer than any pause), so it is computed
    once and then only sliced.
    """
    table = _room_tone_table()
    first = start % ROOM_TONE_PERIOD
    if first + count <= ROOM_TONE_PERIOD:  # nearly always: a slice, not a copy
        return table[first : first + count]
    return np.take(table, np.arange(first, first + count), mode="wrap")


@functools.lru_cache(maxsize=1)
def _room_tone_table() -> np.ndarray:
    x = np.arange(ROOM_TONE_PERIOD, dtype=np.uint64)
    x = (x * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
    for shift, mult in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
        x ^= x >> np.uint64(shift)
        x = (x * np.uint64(mult)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    uniform = x.astype(np.float64) / 2.0**31 - 1.0  # [-1, 1), RMS 1/sqrt(3)
    table = uniform * (10 ** (ROOM_TONE_DB / 20) * np.sqrt(3.0) * 32768.0)
    table.flags.writeable = False  # room_tone() hands out slices of it
    return table


def _add_room_tone(samples: np.ndarray, start: int) -> np.ndarray:
    """SAMPLES plus room tone, rounded and clipped to 16-bit values (held as float64)."""
    mixed = samples.astype(np.float64)
    mixed += room_tone(samples.size, start)
    np.rint(mixed, out=mixed)
    return np.clip(mixed, -32768, 32767, out=mixed)
