"""Benchmark: three books as one catalogue on a two-worker local Dask cluster, against
`render --jobs 2` book after book, in the same run.

Run by hand: `.venv/bin/python bench/catalogue.py [--engine espeak|piper] [--rounds 1]`.
The books are ../shared/corpus's alice.txt, canterville-ghost.md and sherlock-holmes.txt, each a
book folder (text/ and voices.toml) made afresh in a temporary folder. Each way starts from an
empty cache of its own, so every chapter is spoken:

1. `audiobook render --jobs 2` in each book's folder, one book after another;
2. `audiobook catalogue ROOT --scheduler local:2` (the audio sent back to the client);
3. the same with `--shared-cache` (the workers write the audio into one folder).

Prints each way's wall time (the median over --rounds; each round starts with the next way),
the ratios of 2 and 3 to 1, and checks that all three gave the same bytes. On a 2-core machine a
cluster can only add overhead: the ratio measures what it costs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BOOKS = ("alice.txt", "canterville-ghost.md", "sherlock-holmes.txt")
AUDIOBOOK = [sys.executable, "-m", "audiobook"]


def make_books(root: Path, engine: str) -> None:
    voice = 'engine = "espeak"\nvoice = "en-us"\n' if engine == "espeak" else 'engine = "piper"\n'
    for name in BOOKS:
        folder = root / Path(name).stem
        (folder / "text").mkdir(parents=True)
        shutil.copy(CORPUS / name, folder / "text" / name)
        (folder / "voices.toml").write_text(f"[narrator]\n{voice}", encoding="utf-8")


def run(args: list[str], cwd: Path, cache: Path) -> float:
    env = {**os.environ, "AUDIOBOOK_CACHE": str(cache)}
    start = time.perf_counter()
    done = subprocess.run([*AUDIOBOOK, *args], cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return took


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob("*/audio/*"))
        if p.is_file()
    }


WAYS = ("render --jobs 2, book after book", "catalogue local:2", "catalogue local:2, shared cache")


def one_round(work: Path, engine: str, first: int) -> tuple[dict[str, float], list[dict[str, str]]]:
    times: dict[str, float] = {}
    outputs = []
    # Round n starts with way n (mod 3): on a shared, noisy machine no way always goes first.
    for way in WAYS[first:] + WAYS[:first]:
        root = work / way.replace(" ", "_").replace(",", "").replace(":", "")
        make_books(root, engine)
        cache = root / ".cache"
        if way.startswith("render"):
            times[way] = sum(
                run(["render", "--jobs", "2", "--quiet"], root / Path(b).stem, cache) for b in BOOKS
            )
        else:
            extra = []
            if "shared" in way:
                shared = root / ".shared-cache"
                shared.mkdir()
                extra = ["--shared-cache", str(shared)]
            times[way] = run(
                ["catalogue", str(root), "--scheduler", "local:2", "--quiet", *extra], root, cache
            )
        print(f"  {way}: {times[way]:.1f} s", flush=True)
        outputs.append(digests(root))
        shutil.rmtree(root)
    return times, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("espeak", "piper"), default="espeak")
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        for n in range(options.rounds):
            print(f"round {n + 1} ({options.engine}):", flush=True)
            times, outputs = one_round(Path(tmp), options.engine, n % len(WAYS))
            if not all(o == outputs[0] for o in outputs):
                sys.exit("the ways gave different files")
            for way, took in times.items():
                results.setdefault(way, []).append(took)
            print(
                "  ratios: " + ", ".join(f"{w} {times[w] / times[WAYS[0]]:.3f}" for w in WAYS[1:]),
                flush=True,
            )
    medians = {way: statistics.median(results[way]) for way in WAYS}
    reference = medians[WAYS[0]]
    print(f"\n{', '.join(BOOKS)} ({options.engine}), median of {options.rounds}:")
    print(f"  {'way':36s} {'median':>8s}     ratio   paired (median of each round's ratio)")
    for way, took in medians.items():
        rounds = zip(results[way], results[WAYS[0]], strict=True)
        paired = statistics.median(t / r for t, r in rounds)
        print(f"  {way:36s} {took:8.1f} s   {took / reference:5.3f}x   {paired:5.3f}x")
    print(f"  files identical across the ways: yes ({len(outputs[0])} files)")


if __name__ == "__main__":
    main()
