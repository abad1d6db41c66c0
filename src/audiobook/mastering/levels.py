"""Measuring audio the way the delivery spec does: RMS, sample peak and noise floor, in dBFS.

Shared by mastering (to set the level) and check (to prove it). Files are decoded by ffmpeg and
measured as a stream, so a two-hour chapter never sits in memory whole.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from audiobook.mastering import ffmpeg

SILENCE_DB = -150.0  # what a run of exact zeros measures as, instead of minus infinity
NOISE_WINDOW_S = 0.4  # ACX: lowest RMS over 0.4 s windows, moved 0.1 s at a time
NOISE_HOP_S = 0.1
SERIES_MIN_S = 0.5  # short enough that a paragraph's pause shows as a dip
SERIES_POINTS = 1500  # per plot: a two-hour chapter is then drawn at about 5 s a point


def to_db(amplitude: float) -> float:
    return 20 * math.log10(amplitude) if amplitude > 0 else SILENCE_DB


@dataclass(frozen=True)
class Levels:
    rms_db: float
    peak_db: float
    noise_floor_db: float
    seconds: float
    errors: tuple[str, ...] = ()  # what the decoder reported about damaged data
    # Over time, for plots (check --report): RMS in dBFS of each SERIES_STEP_S window, and where
    # the sample peak and the quietest 0.4 s window (the noise floor) are, in seconds.
    series_db: tuple[float, ...] = ()
    series_step_s: float = 0.0
    peak_s: float = 0.0
    floor_s: float = 0.0
    # With frames: the mean square of each FRAME_S frame in dBFS, for check's sentence checks
    # (where speech is and is not); FRAME_S is about 10 ms.
    frames_db: np.ndarray | None = field(default=None, compare=False, repr=False)
    frame_s: float = 0.0


class LevelMeter:
    """Feeds on float samples in [-1, 1] at SAMPLE_RATE, chunk by chunk."""

    def __init__(self, sample_rate: int, frames: bool = False):
        self.sample_rate = sample_rate
        self.hop = round(sample_rate * NOISE_HOP_S)
        self.hops_per_window = round(NOISE_WINDOW_S / NOISE_HOP_S)
        # Each hop cut into frames of about 10 ms (a whole number of samples each), measured in
        # the same pass: the hop's energy is their sum.
        self.frames_per_hop = max(d for d in range(1, 11) if self.hop % d == 0) if frames else 1
        self._frames = frames
        self._frame_energy: list[np.ndarray] = []
        self._pending = np.zeros(0, dtype=np.float64)
        self._hop_energy: list[np.ndarray] = []  # sum of squares of each 0.1 s hop
        self._total_energy = 0.0
        self._count = 0
        self._peak = 0.0
        self._peak_at = 0  # the sample where the peak is

    def feed(self, samples: np.ndarray) -> None:
        x = samples.astype(np.float64, copy=False)
        if x.size == 0:
            return
        # einsum, not np.dot: dot goes to OpenBLAS, whose threads then spin on the other cores
        # after every call (5 s of CPU a 6-chapter render, taken from ffmpeg; measured).
        self._total_energy += float(np.einsum("i,i->", x, x))
        magnitude = np.abs(x)
        where = int(np.argmax(magnitude))
        if magnitude[where] > self._peak:
            self._peak, self._peak_at = float(magnitude[where]), self._count + where
        self._count += x.size
        x = np.concatenate([self._pending, x]) if self._pending.size else x
        whole = (x.size // self.hop) * self.hop
        if whole and self._frames:
            blocks3 = x[:whole].reshape(-1, self.frames_per_hop, self.hop // self.frames_per_hop)
            frame_energy = np.einsum("ijk,ijk->ij", blocks3, blocks3)
            self._frame_energy.append(frame_energy.reshape(-1).astype(np.float32))
            self._hop_energy.append(frame_energy.sum(axis=1))
        elif whole:
            blocks = x[:whole].reshape(-1, self.hop)
            self._hop_energy.append(np.einsum("ij,ij->i", blocks, blocks))
        self._pending = x[whole:].copy()

    def result(self, series: bool = False) -> Levels:
        """The levels; with SERIES, also the RMS over time (at most SERIES_POINTS windows)."""
        rms = math.sqrt(self._total_energy / self._count) if self._count else 0.0
        hops = np.concatenate(self._hop_energy) if self._hop_energy else np.zeros(0)
        n = self.hops_per_window
        floor_at = 0
        if hops.size >= n:
            window_energy = np.convolve(hops, np.ones(n), mode="valid")
            floor_at = int(np.argmin(window_energy))
            floor = math.sqrt(float(window_energy[floor_at]) / (n * self.hop))
        else:  # shorter than one window: the whole thing is the window
            floor = rms
        levels = Levels(
            rms_db=round(to_db(rms), 2),
            peak_db=round(to_db(self._peak), 2),
            noise_floor_db=round(to_db(floor), 2),
            seconds=self._count / self.sample_rate,
        )
        if self._frames:
            size = self.hop // self.frames_per_hop
            energy = np.concatenate(self._frame_energy) if self._frame_energy else np.zeros(0)
            frames_db = 10 * np.log10(np.maximum(energy / size, 1e-15, dtype=np.float32))
            levels = replace(levels, frames_db=frames_db, frame_s=size / self.sample_rate)
        if not series or not hops.size:
            return levels
        # Windows of whole hops: at least SERIES_MIN_S, and no more than SERIES_POINTS of them.
        per = max(round(SERIES_MIN_S / NOISE_HOP_S), math.ceil(hops.size / SERIES_POINTS))
        usable = (
            hops[: hops.size // per * per].reshape(-1, per).sum(axis=1)
            if hops.size >= per
            else hops[:0]
        )
        series_db = tuple(round(to_db(math.sqrt(e / (per * self.hop))), 1) for e in usable.tolist())
        return replace(
            levels,
            series_db=series_db,
            series_step_s=per * NOISE_HOP_S,
            peak_s=round(self._peak_at / self.sample_rate, 2),
            floor_s=round(floor_at * self.hop / self.sample_rate, 2),
        )


def measure_file(
    path: Path, sample_rate: int = 44100, series: bool = False, frames: bool = False
) -> Levels:
    """Decode PATH with ffmpeg and measure it (with SERIES, over time too, and with FRAMES, each
    10 ms frame, from the same decode); raises ToolError if it does not decode."""
    reader = ffmpeg.Reader(
        ["-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    )
    levels = measure_f32_stream(reader.chunks(1 << 20), sample_rate, series, frames)
    return replace(levels, errors=tuple(reader.errors))


def measure_f32_stream(
    chunks: Iterable[bytes], sample_rate: int, series: bool = False, frames: bool = False
) -> Levels:
    """Levels of a stream of little-endian float32 samples, cut anywhere."""
    meter = LevelMeter(sample_rate, frames)
    leftover = b""
    for chunk in chunks:
        data = leftover + chunk
        usable = len(data) - len(data) % 4
        meter.feed(np.frombuffer(data[:usable], dtype="<f4"))
        leftover = data[usable:]
    return meter.result(series)
