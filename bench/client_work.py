"""Benchmark: what a catalogue's client does per book, the speech aside (docs/CLUSTER.md).

Run by hand: `.venv/bin/python bench/client_work.py [--book pride-and-prejudice.txt] [--rounds 3]`.
On a cluster the workers speak, master and encode; the client (the machine running
`audiobook catalogue`) plans each book, then tags each chapter's MP3 and joins the whole-book
files (M4B, chaptered MP3, read-along EPUB, captions, playlist, manifest). This measures both for
one corpus book, with eSpeak NG:

1. planning: read, split and normalise the book, resolve its voices (`render.plan_book`);
2. finishing: `audiobook render` into an empty folder from a cache that already holds every
   chapter's audio, which is exactly the client's share of a render (speech is all cached).

Prints the median over --rounds of each, and the finishing time per hour of audio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
AUDIOBOOK = [sys.executable, "-m", "audiobook"]


def render(folder: Path, out: str, cache: Path) -> float:
    env = {**os.environ, "AUDIOBOOK_CACHE": str(cache)}
    start = time.perf_counter()
    done = subprocess.run(
        [*AUDIOBOOK, "render", "--jobs", "2", "--quiet", "--out", out],
        cwd=folder, env=env, capture_output=True, text=True,
    )  # fmt: skip
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"render failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return took


def plan_seconds(folder: Path) -> float:
    from audiobook.pipeline.render import plan_book

    start = time.perf_counter()
    plan_book(folder / "text", folder / "planned", folder / "voices.toml")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default="pride-and-prejudice.txt")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-client-") as tmp:
        folder, cache = Path(tmp) / "book", Path(tmp) / "cache"
        (folder / "text").mkdir(parents=True)
        shutil.copy(CORPUS / options.book, folder / "text" / options.book)
        voices = '[narrator]\nengine = "espeak"\nvoice = "en-us"\n'
        (folder / "voices.toml").write_text(voices, encoding="utf-8")
        print(f"{options.book}: speaking every chapter once, to fill the cache ...", flush=True)
        spoken = render(folder, "first", cache)
        manifest = json.loads((folder / "first" / "manifest.json").read_text(encoding="utf-8"))
        hours = sum(c["duration_ms"] for c in manifest["chapters"]) / 3_600_000
        chapters = len(manifest["chapters"])
        plans, finishes = [], []
        for n in range(options.rounds):
            plans.append(plan_seconds(folder))
            finishes.append(render(folder, f"again-{n}", cache))
            shutil.rmtree(folder / f"again-{n}")
            said = f"  round {n + 1}: plan {plans[-1]:.2f} s, finish {finishes[-1]:.1f} s"
            print(said, flush=True)
    plan, finish = statistics.median(plans), statistics.median(finishes)
    print(f"\n{options.book} (eSpeak NG): {chapters} chapters, {hours:.2f} hours of audio")
    print(f"  spoken from an empty cache (--jobs 2): {spoken:8.1f} s")
    print(f"  planning, median of {options.rounds}:           {plan:8.2f} s")
    print(f"  finishing from the cache, median:      {finish:8.1f} s  ({finish / spoken:.3f}x)")
    print(f"  finishing per hour of audio:           {finish / hours:8.1f} s")


if __name__ == "__main__":
    main()
