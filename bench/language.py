"""Benchmark: language detection (readers/language.py) on the corpus books, against the old
stop-word counter (audiobook.readers.text.detect_language) as the reference.

Run by hand: `.venv/bin/python bench/language.py [runs]`. The sample is what the reader hands
the detector: the first 40,000 characters of the book's spoken text (../shared/corpus, read with
read_book, so without Project Gutenberg's header and licence). In one run:
1. the first call's cost, each in a fresh process: importing the detector's module (not yet
   py3langid), importing py3langid, the first detect_language (the model's load), and the
   process's peak resident memory;
2. one call on each book's sample, the model loaded, for the new detector and the reference,
   with the language each detects.
Prints medians of RUNS (5 unless told).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BOOKS = [
    "pride-and-prejudice.txt",
    "alice.txt",
    "sherlock-holmes.txt",
    "canterville-ghost.md",
    "de-die-verwandlung.txt",
    "fr-le-horla.txt",
]
SAMPLE_CHARS = 40_000

# Run in a fresh process: what a `audiobook render` of a book with no declared language pays.
FIRST_CALL = """
import json, resource, sys, time
sample = sys.stdin.read()
start = time.perf_counter()
from audiobook.readers.language import detect_language
imported = time.perf_counter()
import py3langid.langid  # what the first call imports (numpy with it, if not yet imported)
library = time.perf_counter()
language = detect_language(sample)
called = time.perf_counter()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps([imported - start, library - imported, called - library, peak_mb, language]))
"""


def median_time(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from audiobook.readers import read_book
    from audiobook.readers import text as text_reader
    from audiobook.readers.language import detect_language

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    samples = {}
    for name in BOOKS:
        book = read_book(CORPUS / name)
        spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
        samples[name] = spoken[:SAMPLE_CHARS]

    first = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", FIRST_CALL],
                input=samples["pride-and-prejudice.txt"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    imported, library, loaded, peak = (statistics.median(r[i] for r in first) for i in range(4))
    print(f"first call, fresh process (median of {runs}), detected {first[0][4]}:")
    print(f"  import audiobook.readers.language  {imported * 1000:7.0f} ms (package only)")
    print(f"  import py3langid (and numpy)       {library * 1000:7.0f} ms")
    print(f"  first detect_language (model load) {loaded * 1000:7.0f} ms")
    print(f"  peak resident memory               {peak:7.0f} MB")

    old = getattr(text_reader, "detect_language", None)
    if old is detect_language:
        old = None  # text.py now uses the new detector: there is no reference left
    detect_language(samples[BOOKS[0]])  # the model loaded
    print(f"\none call on a {SAMPLE_CHARS:,}-character sample (median of {runs}):")
    print(f"  {'book':26} {'py3langid':>16}  {'stop words (reference)':>24}")
    for name, sample in samples.items():
        new = detect_language(sample)
        new_s = median_time(lambda s=sample: detect_language(s), runs)
        row = f"  {name:26} {new or '-':>4} {new_s * 1000:8.2f} ms"
        if old is not None:
            ref = old(sample)
            old_s = median_time(lambda s=sample: old(s), runs)
            row += f"  {ref or '-':>10} {old_s * 1000:8.2f} ms"
        print(row)


if __name__ == "__main__":
    main()
