"""Benchmark: a whole novel, against the plain chain a producer would script by hand.

Run by hand: `.venv/bin/python bench/render.py [--book pride-and-prejudice.txt] [--jobs 2]`.
In one run, on the same chapters (from ../shared/corpus) at the same voice and rate:

1. the plain chain of SPECS.md section 8, one chapter after another: espeak-ng -w (or, where the
   command line is not installed, the same library called the way it calls it), then ffmpeg with
   a limiter to a 44.1 kHz CBR 192 kbps MP3 (ffmpeg's default settings); then one M4B of the same
   audio (AAC 64 kbps, fast coder);
2. `audiobook render` from an empty cache;
3. the same render after one word of one chapter changed;
and prints wall times, their ratios, and the peak memory of the render's process tree.

With `--engine piper` the book is rendered with the Piper voice en_US-joe-medium instead (no plain
chain: synthesis is then most of the time), and the real-time factor (hours of audio made per
hour of wall time) is printed beside the wall time and the peak memory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.espeak_reference import speak_to_wav

from audiobook.mastering import ffmpeg
from audiobook.readers import read_book
from bench.memory import render as memory_render

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
VOICE, RATE = "en-us", 175


def plain_chain(chapters: list[str], work: Path) -> float:
    start = time.perf_counter()
    wavs = []
    for n, text in enumerate(chapters, start=1):
        source = work / f"{n:02d}.txt"
        source.write_text(text, encoding="utf-8")
        wav = work / f"{n:02d}.wav"
        speak_to_wav(source, VOICE, RATE, wav)
        ffmpeg.run(["-i", str(wav), "-af", "alimiter=limit=0.668:level=disabled",
                    "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "192k", "-y",
                    str(work / f"{n:02d}.mp3")])  # fmt: skip
        wavs.append(wav)
    listing = work / "wavs.txt"
    listing.write_text("".join(f"file '{w}'\n" for w in wavs), encoding="utf-8")
    ffmpeg.run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c:a", "aac",
                "-aac_coder", "fast", "-b:a", "64k", "-y", str(work / "book.m4b")])  # fmt: skip
    return time.perf_counter() - start


def render(source: Path, out: Path, cache: Path, jobs: int, voices: Path) -> tuple[float, int]:
    extra = ("--voices", str(voices), "--quiet")
    return memory_render(source, out, jobs, *extra, env={"AUDIOBOOK_CACHE": str(cache)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", default="pride-and-prejudice.txt")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engine", choices=("espeak", "piper"), default="espeak")
    args = parser.parse_args()
    book_path = CORPUS / args.book
    if args.engine == "piper":
        piper_render(book_path, args.jobs)
        return
    book = read_book(book_path)
    chapters = [
        "\n\n".join([c.spoken_title, *(p.text for p in c.paragraphs)]) for c in book.chapters
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        voices = work / "voices.toml"
        voices.write_text(f'[narrator]\nvoice = "{VOICE}"\nrate = {RATE}\n', encoding="utf-8")
        (work / "chain").mkdir()
        chain = plain_chain(chapters, work / "chain")
        print(f"{book_path.name}: {len(chapters)} chapters, {book.words:,} words")
        print(f"plain chain (espeak-ng, ffmpeg per chapter, then M4B): {chain:7.1f} s")
        full, peak = render(book_path, work / "out", work / "cache", args.jobs, voices)
        print(f"audiobook render --jobs {args.jobs}, empty cache:       {full:7.1f} s"
              f"  ratio {full / chain:.2f}  peak RSS {peak / 2**20:.0f} MB")  # fmt: skip
        edited = work / book_path.name
        text = book_path.read_text(encoding="utf-8-sig")
        middle = text.index("Chapter 30")
        word = text.index(" dinner", middle)
        edited.write_text(text[:word] + " supper" + text[word + 7 :], encoding="utf-8")
        again, _ = render(edited, work / "out", work / "cache", args.jobs, voices)
        print(f"one word changed in chapter 30:                       {again:7.1f} s"
              f"  {again / full:.1%} of the full render")  # fmt: skip


def piper_render(book_path: Path, jobs: int) -> None:
    import json

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        voices = work / "voices.toml"
        voices.write_text('[narrator]\nengine = "piper"\nvoice = "en_US-joe-medium"\n')
        full, peak = render(book_path, work / "out", work / "cache", jobs, voices)
        manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
        audio = sum(c["duration_ms"] for c in manifest["chapters"]) / 1000
        words = sum(c["words"] for c in manifest["chapters"])
        print(
            f"{book_path.name}: {len(manifest['chapters'])} chapters, {words:,} words, "
            f"{audio / 3600:.2f} h of audio at {manifest['voice']['rate_wpm']} wpm (Piper)"
        )
        print(f"audiobook render --jobs {jobs}, empty cache: {full:7.1f} s "
              f"({full / 60:.1f} min), real-time factor {audio / full:.1f}x, "
              f"peak RSS of the process tree {peak / 2**20:.0f} MB")  # fmt: skip
        sizes = {
            p.suffix: p.stat().st_size / 2**20
            for p in (work / "out").iterdir()
            if p.suffix in (".m4b", ".mp3", ".epub") and not p.name[:2].isdigit()
        }
        print("whole-book files: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(sizes.items())))


if __name__ == "__main__":
    main()
