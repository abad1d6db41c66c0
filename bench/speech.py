"""Benchmark: synthesis against espeak-ng itself (targets: the full-size texts within 3% of the
command line's duration; throughput, one worker, at least 80% of `espeak-ng -w`'s).

Run by hand: `.venv/bin/python bench/speech.py`. In one run:
1. a chapter of one 100,000-character paragraph and a chapter of 1,000 short paragraphs, spoken
   by the engine (WorkerEngine: pyttsx3 in its worker process, utterance by utterance) and by
   the reference (tests/espeak_reference.py: the espeak-ng command line, or the same library
   called the way it calls it); their durations compared;
2. throughput on a real chapter (Pride and Prejudice, chapter 3, ../shared/corpus): seconds of
   speech per second of wall time, one worker, against the reference on the same text; the median
   of 3 runs each, worker start-up included.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.espeak_reference import reference_seconds, speak_to_wav
from tests.test_speech import prose

from audiobook.config import Voice
from audiobook.manuscript import read_book
from audiobook.speech import WorkerEngine, split_utterances

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
VOICE = Voice(voice="en-us", rate=175)


def speak(texts: list[str]) -> tuple[float, float]:
    """(seconds of speech, seconds of wall time) for one worker speaking TEXTS."""
    start = time.perf_counter()
    with contextlib.closing(WorkerEngine()) as engine:
        speech = sum(engine.synthesize(t, VOICE).seconds for t in texts)
    return speech, time.perf_counter() - start


def reference(text: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        source, wav = Path(tmp) / "chapter.txt", Path(tmp) / "chapter.wav"
        source.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        speak_to_wav(source, "en-us", VOICE.rate, wav)
        wall = time.perf_counter() - start
    return reference_seconds(text, "en-us", VOICE.rate), wall


def main() -> None:
    long = prose(100_000, seed=1)
    ours, _ = speak(split_utterances(long))
    ref = reference_seconds(long, "en-us", VOICE.rate)
    print(f"one 100,000-character paragraph: {ours:8.1f} s, espeak-ng {ref:8.1f} s, "
          f"{(ours - ref) / ref:+.2%}")  # fmt: skip
    paragraphs = [prose(120, seed=n) for n in range(1000)]
    ours, _ = speak(paragraphs)
    # The render's own pauses go between paragraphs: compare the speech, one paragraph a line.
    ref = reference_seconds("\n".join(paragraphs), "en-us", VOICE.rate)
    print(f"1,000 short paragraphs:          {ours:8.1f} s, espeak-ng {ref:8.1f} s, "
          f"{(ours - ref) / ref:+.2%}")  # fmt: skip

    chapter = read_book(CORPUS / "pride-and-prejudice.txt").chapters[2]
    text = "\n\n".join(p.text for p in chapter.paragraphs)
    utterances = [u for p in chapter.paragraphs for u in split_utterances(p.text)]
    ours_runs = [speak(utterances) for _ in range(3)]
    ref_runs = [reference(text) for _ in range(3)]
    ours_rate = statistics.median(s / w for s, w in ours_runs)
    ref_rate = statistics.median(s / w for s, w in ref_runs)
    print(f"throughput on {chapter.title} ({chapter.words} words, {len(utterances)} utterances):")
    print(f"  engine, one worker: {ours_rate:6.0f} s of speech per s")
    print(f"  espeak-ng -w:       {ref_rate:6.0f} s of speech per s")
    print(f"  ratio:              {ours_rate / ref_rate:6.0%}")


if __name__ == "__main__":
    main()
