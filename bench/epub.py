"""Benchmark: `audiobook chapters` on a 1 MB EPUB (target: under 1 s, median of 5).

Run by hand from the repository: `.venv/bin/python bench/epub.py [runs]`. Builds, in a temporary
folder, an EPUB 3 of Pride and Prejudice (../shared/corpus: 61 chapter documents, a nav, and a
2400x2400 cover as ACX asks for, about 1 MB in all) with the tests' EPUB builder, then times the
whole command (a fresh process, imports included, as a user runs it) on it and, as references
in the same run, on the same book as plain text and a bare `python -c pass`. Prints medians.
"""

from __future__ import annotations

import html
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chapters import CORPUS, timed


def build(path: Path) -> Path:
    import numpy as np
    from PIL import Image
    from tests.readers.epub_builder import Doc, NavEntry, build_epub

    from audiobook.readers import read_book

    book = read_book(CORPUS / "pride-and-prejudice.txt")
    docs, nav = [], []
    for c in book.chapters:
        name = f"c{c.index:03d}.xhtml"
        body = "".join(f"<p>{html.escape(p.text)}</p>\n" for p in c.paragraphs)
        docs.append(Doc(name, f"<h2>{html.escape(c.spoken_title)}</h2>\n{body}", title=c.title))
        nav.append(NavEntry(c.spoken_title, name))
    # A photograph-like cover: smooth colour with fine grain, as a scan compresses.
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:2400, 0:2400]
    base = np.stack([x / 2400 * 200, y / 2400 * 160, (x + y) / 4800 * 220], axis=-1)
    pixels = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    cover = io.BytesIO()
    Image.fromarray(pixels).save(cover, "JPEG", quality=85)
    return build_epub(
        path, docs, nav, title=book.title, authors=(book.author,), cover=cover.getvalue(),
        cover_media_type="image/jpeg",
    )  # fmt: skip


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        epub = build(Path(tmp) / "pride-and-prejudice.epub")
        size = epub.stat().st_size
        chapters = [sys.executable, "-m", "audiobook", "chapters", "--json"]
        python = timed([sys.executable, "-c", "pass"], runs)
        text = timed([*chapters, str(CORPUS / "pride-and-prejudice.txt")], runs)
        seconds = timed([*chapters, str(epub)], runs)
    print(f"reference: python -c pass                      {python:6.3f} s (median of {runs})")
    print(f"reference: chapters pride-and-prejudice.txt    {text:6.3f} s")
    print(f"audiobook chapters on a {size / 2**20:.2f} MB EPUB (61 ch.)  {seconds:6.3f} s"
          f"  ({seconds / text:.2f}x the text, {seconds / python:.1f}x python)")  # fmt: skip


if __name__ == "__main__":
    main()
