"""Benchmark: peak memory of a whole render (target: Pride and Prejudice under 400 MB, and
doubling one chapter's length raises the peak by less than 20%).

Run by hand: `.venv/bin/python bench/memory.py [--jobs N]`. Renders the book from
../shared/corpus with `audiobook render` in a fresh process, sampling the resident memory of the
whole process tree (the CLI, its engine workers and ffmpegs) from /proc every 50 ms; then the same
book with its longest chapter written out twice. Prints wall times, peaks and their ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident bytes of ROOT and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(statm.split()[1]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def render(
    source: Path, out: Path, jobs: int, *extra: str, env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Wall time and peak RSS of the process tree of one `audiobook render`."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "audiobook", "render", str(source), "--out", str(out), *extra]
    proc = subprocess.Popen(
        [*cmd, "--jobs", str(jobs)], stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"render failed with exit code {proc.returncode}")
    return time.perf_counter() - start, peak


def doubled_longest_chapter(book: Path, folder: Path) -> tuple[Path, int]:
    text = book.read_text(encoding="utf-8-sig")
    parts = re.split(r"(?m)^(?=Chapter \d+\s*$)", text)
    longest = max(range(1, len(parts) - 1), key=lambda i: len(parts[i]))
    heading, _, body = parts[longest].partition("\n")
    parts[longest] = f"{heading}\n{body}\n{body}"
    out = folder / book.name
    out.write_text("".join(parts), encoding="utf-8")
    return out, longest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--book", default="pride-and-prejudice.txt")
    args = parser.parse_args()
    book = CORPUS / args.book
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Each render with an empty cache of its own: both do all the work.
        wall, peak = render(book, folder / "a", args.jobs, env={"AUDIOBOOK_CACHE": tmp + "/c1"})
        print(f"{book.name}: {wall:.1f} s wall, peak RSS of the tree {peak / 2**20:.0f} MB")
        doubled, index = doubled_longest_chapter(book, folder)
        wall2, peak2 = render(
            doubled, folder / "b", args.jobs, env={"AUDIOBOOK_CACHE": tmp + "/c2"}
        )
        print(f"  with chapter {index} doubled: {wall2:.1f} s wall, peak {peak2 / 2**20:.0f} MB")
        print(f"  peak ratio doubled/plain: {peak2 / peak:.2f}")


if __name__ == "__main__":
    main()
