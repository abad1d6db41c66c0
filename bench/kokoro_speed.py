"""Benchmark: Kokoro's speed and memory inside the render, against Kokoro's own API.

Targets (the Kokoro issue): one worker at least 0.9 of the library's own speed with one ONNX
Runtime thread on the same text; two workers at least 1.8x one on two cores; the peak memory of a
render's process tree on a chapter under 2.5 GB.

Run by hand, on a quiet machine: `.venv/bin/python bench/kokoro_speed.py [--words N] [--runs R]`.
Pride and Prejudice chapter 3 (../shared/corpus), its first N words (default: all of it, 1,700):

1. one worker (WorkerEngine("kokoro"): the render's own path, utterance by utterance, the
   worker's start and the model's load included) against kokoro-onnx's own API in this process
   (`Kokoro.from_session` on a session with one intra- and one inter-op thread, the load
   included, `create(text, "af_heart", lang="en-us")` on the same text in one call, which
   batches it 510 phonemes at a time): the ratio of their wall times (and of their real-time
   factors, since the two make different amounts of audio: their pauses differ);
2. the same text twice, by one worker, then by two workers side by side: the throughput ratio;
3. `audiobook render` of that chapter alone in a fresh process (--jobs 1, a cold cache), the
   resident memory of its whole process tree sampled from /proc (bench/memory.py): the peak.

Medians of R runs (default 3). Heavy imports live inside the functions: engine workers import
the main script again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.engines.interface import split_utterances
from audiobook.engines.worker import WorkerEngine

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
VOICE = "af_heart"


def chapter_paragraphs(words: int | None) -> list[str]:
    """Chapter 3's paragraphs, cut after WORDS words (at a paragraph's end)."""
    from audiobook.readers import read_book

    book = read_book(CORPUS / "pride-and-prejudice.txt")
    paragraphs, count = [], 0
    for p in book.chapters[2].paragraphs:
        paragraphs.append(p.text)
        count += len(p.text.split())
        if words and count >= words:
            break
    return paragraphs


def engine_worker(paragraphs: list[str]) -> tuple[float, float]:
    """(seconds of speech, wall seconds) for one Kokoro worker speaking PARAGRAPHS."""
    from audiobook.core.config import Voice

    voice = Voice(engine="kokoro", voice=VOICE)
    utterances = [u for p in paragraphs for u in split_utterances(p)]
    start = time.perf_counter()
    with contextlib.closing(WorkerEngine("kokoro")) as engine:
        speech = sum(engine.synthesize(u, voice).seconds for u in utterances)
    return speech, time.perf_counter() - start


def library(paragraphs: list[str], voices_npz: Path) -> tuple[float, float]:
    """The same with kokoro-onnx's own API, one thread, in this process, the load included."""
    import onnxruntime
    from kokoro_onnx import Kokoro

    from audiobook.engines.kokoro_model import model_path

    start = time.perf_counter()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(model_path()), options, providers=["CPUExecutionProvider"]
    )
    kokoro = Kokoro.from_session(session, str(voices_npz))
    audio, rate = kokoro.create("\n\n".join(paragraphs), VOICE, lang="en-us")
    return audio.size / rate, time.perf_counter() - start


def voices_archive(folder: Path) -> Path:
    """An .npz of the shipped voice, which kokoro-onnx's API wants."""
    import numpy as np

    from audiobook.engines.kokoro_voices import voice_by_id

    found = voice_by_id(VOICE)
    assert found is not None
    path = folder / "voices.npz"
    np.savez(path, **{VOICE: np.fromfile(found.file, dtype="<f4").reshape(510, 1, 256)})
    return path


def peak_memory(paragraphs: list[str], work: Path) -> tuple[float, int]:
    """(wall seconds, peak bytes of the process tree) of `audiobook render` of PARAGRAPHS."""
    from bench.memory import tree_rss

    source = work / "chapter.md"
    source.write_text("# Chapter 3\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    voices = work / "voices.toml"
    voices.write_text(f'[narrator]\nengine = "kokoro"\nvoice = "{VOICE}"\n', encoding="utf-8")
    env = {**os.environ, "AUDIOBOOK_CACHE": str(work / "cache")}
    command = [sys.executable, "-m", "audiobook", "render", str(source), "--voices", str(voices),
               "--out", str(work / "out"), "--jobs", "1", "--quiet", "--force"]  # fmt: skip
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"render failed: {process.returncode}")
    return time.perf_counter() - start, peak


def main() -> None:
    from concurrent.futures import ThreadPoolExecutor

    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=0, help="the chapter's first N words")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    paragraphs = chapter_paragraphs(args.words or None)
    words = sum(len(p.split()) for p in paragraphs)
    with tempfile.TemporaryDirectory() as tmp:
        npz = voices_archive(Path(tmp))
        engine_worker(paragraphs[:1])  # the model assembled, the disk cache warm
        ours = [engine_worker(paragraphs) for _ in range(args.runs)]
        lib = [library(paragraphs, npz) for _ in range(args.runs)]
    ours_wall = statistics.median(w for _, w in ours)
    lib_wall = statistics.median(w for _, w in lib)
    ours_rtf, lib_rtf = ours[0][0] / ours_wall, lib[0][0] / lib_wall
    print(f"Kokoro {VOICE} on P&P chapter 3 ({words} words), one worker, one thread, "
          f"medians of {args.runs}:")  # fmt: skip
    print(f"  engine:             {ours_wall:6.1f} s wall, {ours[0][0]:6.1f} s of speech, "
          f"{ours_rtf:4.2f}x real time")  # fmt: skip
    print(f"  kokoro-onnx's API:  {lib_wall:6.1f} s wall, {lib[0][0]:6.1f} s of speech, "
          f"{lib_rtf:4.2f}x real time")  # fmt: skip
    print(f"  the engine's speed against the API's: {lib_wall / ours_wall:.2f} (wall, same text),"
          f" {ours_rtf / lib_rtf:.2f} (real-time factor)")  # fmt: skip
    one, two = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        engine_worker(paragraphs + paragraphs)
        one.append(time.perf_counter() - start)
        start = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(engine_worker, (paragraphs, paragraphs)))
        two.append(time.perf_counter() - start)
    print(
        f"the text twice: one worker {statistics.median(one):.1f} s, two workers "
        f"{statistics.median(two):.1f} s: {statistics.median(one) / statistics.median(two):.2f}x"
    )
    with tempfile.TemporaryDirectory() as tmp:
        wall, peak = peak_memory(paragraphs, Path(tmp))
    print(f"render of the chapter, --jobs 1, cold cache: {wall:.1f} s wall, peak memory of the "
          f"process tree {peak / 2**20:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
