"""Benchmark: `audiobook chapters` on the corpus books (target: Pride and Prejudice under 1 s).

Run by hand from the repository: `.venv/bin/python bench/chapters.py [runs]`. Times the whole
command (a fresh process, imports included, as a user runs it) and, as a reference in the same
run, a bare `python -c pass`, so the figures can be compared on a noisy machine. Prints medians.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BOOKS = ["pride-and-prejudice.txt", "sherlock-holmes.txt", "alice.txt", "fr-le-horla.txt"]


def timed(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    python = timed([sys.executable, "-c", "pass"], runs)
    print(f"reference: python -c pass          {python:6.3f} s (median of {runs})")
    for name in BOOKS:
        book = CORPUS / name
        seconds = timed([sys.executable, "-m", "audiobook", "chapters", "--json", str(book)], runs)
        print(f"audiobook chapters {name:24} {seconds:6.3f} s  ({seconds / python:.1f}x python)")


if __name__ == "__main__":
    main()
