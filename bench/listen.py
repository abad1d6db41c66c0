"""Benchmark: `check --listen` on a rendered book: each chapter's word error rate, how much audio
was heard, and how fast, on this machine.

Run by hand (the `listen` extra installed):

    .venv/bin/python bench/listen.py RENDERED_DIR [--listen-sample SECONDS] [--jobs N]
        [--json FILE]

Prints per chapter its WER, the words compared, the seconds of audio heard, the recogniser's
seconds (in its worker) and its real-time factor (recogniser seconds per second of audio: lower
is faster); then the book's WER (all its errors over all its words), the spread of the chapters'
WERs (median, 90th percentile, worst) and of its paragraphs of PARAGRAPH words or more (99th
percentile, worst), the audio heard, the wall time of the whole listening
(the pool's start and the model's loading included) and the wall real-time factor on JOBS
workers. --json writes the same figures for later comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

PARAGRAPH = 15  # paragraphs of at least this many words are summed up on their own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--listen-sample", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from audiobook.check.listen import listen_book, require
    from audiobook.core.manifest import read_manifest

    require()
    manifest = read_manifest(args.folder)
    started = time.perf_counter()
    listened = listen_book(
        args.folder,
        manifest,
        sample_seconds=args.listen_sample,
        jobs=args.jobs,
        max_wer=1.0,
    )
    wall = time.perf_counter() - started
    print(f"{'chapter':<32} {'WER %':>6} {'words':>6} {'audio s':>8} {'asr s':>7} {'RTF':>6}")
    rates, words, errors, audio, taken = [], 0, 0, 0.0, 0.0
    for c in listened.chapters:
        if not c.listened:
            print(f"{c.file:<32} {c.note}")
            continue
        rtf = c.seconds_taken / c.seconds_listened if c.seconds_listened else 0.0
        print(
            f"{c.file:<32} {100 * c.wer:>6.1f} {c.words:>6} {c.seconds_listened:>8.1f} "
            f"{c.seconds_taken:>7.1f} {rtf:>6.3f}"
        )
        rates.append(c.wer)
        words, errors = words + c.words, errors + c.errors
        audio, taken = audio + c.seconds_listened, taken + c.seconds_taken
    for r in listened.results:
        if r.file == "manifest.json":
            print(r.detail)
    if not rates:
        return
    rates.sort()
    p90 = rates[min(len(rates) - 1, round(0.9 * (len(rates) - 1)))]
    summary = {
        "folder": str(args.folder),
        "engine": manifest.voice.engine,
        "voice": manifest.voice.id,
        "sample_seconds": args.listen_sample,
        "jobs": args.jobs,
        "chapters": len(rates),
        "book_wer": errors / words if words else 0.0,
        "median_wer": statistics.median(rates),
        "p90_wer": p90,
        "worst_wer": rates[-1],
        "words": words,
        "audio_s": audio,
        "recogniser_s": taken,
        "wall_s": wall,
        "rtf_per_worker": taken / audio if audio else 0.0,
        "rtf_wall": wall / audio if audio else 0.0,
        "per_chapter": [_chapter(c) for c in listened.chapters if c.listened],
    }
    print(
        f"book: WER {100 * summary['book_wer']:.1f}% over {words:,} words; chapters' WER median "
        f"{100 * summary['median_wer']:.1f}%, p90 {100 * p90:.1f}%, worst {100 * rates[-1]:.1f}%"
    )
    long = sorted(p.wer for c in listened.chapters for p in c.paragraphs if p.words >= PARAGRAPH)
    if long:
        summary["paragraph_wer"] = {
            "count": len(long),
            "p99": long[min(len(long) - 1, round(0.99 * (len(long) - 1)))],
            "worst": long[-1],
        }
        print(
            f"paragraphs of {PARAGRAPH}+ words: {len(long)}, WER p99 "
            f"{100 * summary['paragraph_wer']['p99']:.1f}%, worst {100 * long[-1]:.1f}%"
        )
    print(
        f"audio heard {audio:,.0f} s in {wall:,.1f} s wall on {args.jobs} workers: RTF "
        f"{summary['rtf_wall']:.3f} wall ({audio / wall:.0f}x real time), "
        f"{summary['rtf_per_worker']:.3f} per worker"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def _chapter(c: Any) -> dict[str, Any]:
    return {
        "file": c.file,
        "wer": c.wer,
        "words": c.words,
        "audio_s": c.seconds_listened,
        "recogniser_s": c.seconds_taken,
        "unheard": [u.word for u in c.unheard],
        "paragraphs": [[p.words, p.lost] for p in c.paragraphs],
    }


if __name__ == "__main__":
    main()
