"""Benchmark: encoder settings, speed against quality, on real speech.

Run by hand: `.venv/bin/python bench/encoders.py`. Speaks three chapters of Pride and Prejudice
(../shared/corpus) with the real engine, masters the audio once to PCM, then encodes it with each
setting, timing ffmpeg (median of 3) and comparing the decoded result with the PCM it came from:
SNR, and the log-spectral distance over 20 ms frames, which follows what a listener hears more
closely than SNR does. Prints a table; the settings the render uses are marked with *.

Heavy imports live inside main(): the engine's worker imports the main script again.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from audiobook.engines.worker import WorkerEngine
from audiobook.mastering import ffmpeg

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RATE = 44100

MP3 = [(f"libmp3lame q{q}", ["-c:a", "libmp3lame", "-b:a", "192k", "-compression_level", str(q)])
       for q in (0, 2, 5, 7, 9)]  # fmt: skip
AAC = [
    ("aac twoloop 64k", ["-c:a", "aac", "-b:a", "64k"]),
    ("aac fast 64k", ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k"]),
    # The M4B's: at espeak's own rate (the timing includes resampling the 44.1 kHz master down).
    ("aac fast 64k 22k", ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k", "-ar", "22050"]),
]
USED = {"libmp3lame q7", "aac fast 64k 22k"}


def decode(path: Path) -> np.ndarray:
    raw = ffmpeg.run(["-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"])
    return np.frombuffer(raw, dtype="<f4").astype(np.float64)


def compare(reference: np.ndarray, decoded: np.ndarray) -> tuple[float, float]:
    # AAC's decoder keeps its priming samples: find the lag that lines the two up best.
    best_lag, best = 0, -np.inf
    for lag in range(0, 2200, 1):
        n = min(reference.size, decoded.size - lag, 44100 * 5)
        score = float(np.dot(reference[:n], decoded[lag : lag + n]))
        if score > best:
            best_lag, best = lag, score
    d = decoded[best_lag:]
    n = min(reference.size, d.size)
    ref, out = reference[:n], d[:n]
    snr = 10 * np.log10(np.sum(ref**2) / max(np.sum((ref - out) ** 2), 1e-20))
    frame = int(0.02 * RATE)
    frames = n // frame
    spec_ref = np.abs(np.fft.rfft(ref[: frames * frame].reshape(frames, frame), axis=1)) + 1e-9
    spec_out = np.abs(np.fft.rfft(out[: frames * frame].reshape(frames, frame), axis=1)) + 1e-9
    loud = 20 * np.log10(spec_ref.max(axis=1)) > -60  # speech frames, not room tone
    lsd = np.sqrt(np.mean((20 * np.log10(spec_ref / spec_out)) ** 2, axis=1))[loud].mean()
    return snr, float(lsd)


def main() -> None:
    from audiobook.core.audio import Pause
    from audiobook.core.config import Cast
    from audiobook.mastering.profiles import PROFILES
    from audiobook.mastering.stitch import stitch
    from audiobook.pipeline.plan import plan
    from audiobook.readers import read_book

    book = read_book(CORPUS / "pride-and-prejudice.txt")
    cast = Cast()
    with tempfile.TemporaryDirectory() as tmp, contextlib.closing(WorkerEngine()) as engine:
        work = Path(tmp)
        steps = [s for c in book.chapters[:3] for s in plan(c, cast.timing)]
        pieces = [s if isinstance(s, Pause) else engine.synthesize(s.text, cast.narrator)
                  for s in steps]  # fmt: skip
        stitched = stitch(pieces, work / "speech.raw")
        mastered = work / "mastered.wav"
        profile = PROFILES["acx"]
        limit = 10 ** (profile.ceiling_db / 20)
        chain = f"volume=2dB,alimiter=limit={limit:.5f}:level=disabled,aresample={RATE}"
        ffmpeg.run(["-f", "s16le", "-ar", "22050", "-ac", "1", "-i", str(stitched.path),
                    "-af", chain, "-c:a", "pcm_f32le", str(mastered)])  # fmt: skip
        reference = decode(mastered)
        minutes = reference.size / RATE / 60
        print(f"{minutes:.1f} minutes of speech; times are medians of 3 (lower is better)")
        print(f"{'setting':20} {'seconds':>8} {'x real time':>12} {'SNR dB':>8} {'LSD dB':>8}")
        for name, args in MP3 + AAC:
            out = work / ("out.m4a" if "aac" in name else "out.mp3")
            times = []
            for _ in range(3):
                start = time.perf_counter()
                ffmpeg.run(["-i", str(mastered), *args, "-y", str(out)])
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            snr, lsd = compare(reference, decode(out))
            mark = "*" if name in USED else " "
            speed = minutes * 60 / seconds
            print(f"{mark}{name:19} {seconds:8.2f} {speed:12.0f} {snr:8.1f} {lsd:8.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
