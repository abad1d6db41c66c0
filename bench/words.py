"""Benchmark: `audiobook words` on the corpus books (target: under 3 s each for Pride and
Prejudice and alice.epub), against `audiobook chapters` on the same book as the reference run.

Run by hand from the repository: `.venv/bin/python bench/words.py [runs]`. Times the whole
command (a fresh process, imports included, as a user runs it: the bytecode cached, so a first
untimed run of each command writes it where the environment said not to) and prints medians,
the ratio to `chapters`, and the top 20 words of each book (names first) with how each is said.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BOOKS = ["pride-and-prejudice.txt", "alice.epub"]
TARGET_S = 3.0
TOP = 20
# As a user runs it: bytecode written and read (a checkout's environment may forbid writing it).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args],
        check=True, capture_output=True, text=True, env=ENV,
    )  # fmt: skip


def timed(args: list[str], runs: int) -> float:
    run(args)  # untimed: the bytecode written, the files in the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for name in BOOKS:
        book = str(CORPUS / name)
        chapters = timed(["chapters", "--json", book], runs)
        words = timed(["words", "--json", book], runs)
        verdict = "ok" if words < TARGET_S else f"OVER the {TARGET_S:.0f} s target"
        print(
            f"{name:24} words {words:6.3f} s, chapters {chapters:6.3f} s "
            f"({words / chapters:.2f}x chapters; median of {runs}): {verdict}"
        )
        doc = json.loads(run(["words", "--json", "--limit", str(TOP), book]).stdout)
        for i, w in enumerate(doc["words"][:TOP], 1):
            guessed = "" if w["known"] else " (guessed)"
            print(
                f"  {i:2}. {w['word']:18} {w['kind']:9} {w['count']:4}x  {w['ipa']}{guessed}"
                f"  ch. {w['chapter']}: {w['context']}"
            )


if __name__ == "__main__":
    main()
