"""Benchmark: `audiobook check` on a rendered novel (target: --quick under 2 s for Pride and
Prejudice).

Run by hand: `.venv/bin/python bench/check.py [RENDERED_DIR] [--against SRC]`. Without a
folder, renders Pride and Prejudice from ../shared/corpus first (minutes). Times `check --quick`
and the full check in fresh processes (medians of 3 and 1), with `python -c pass` as the
reference in the same run; then the full check against `check --report` (target: at most 10%
more), alternating, medians of 2 each.

With `--against SRC` (the src/ folder of another checkout, e.g. a `git worktree` of the last
release), the full check of this checkout and that one's alternate, three runs each, and the
ratio of their medians is printed (the sentence checks' target: at most 1.2x).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(cmd, capture_output=True, env=env).returncode
        times.append(time.perf_counter() - start)
    return statistics.median(times), code


def against(check: list[str], src: str) -> None:
    """This checkout's full check and SRC's, alternating: medians of 3 and their ratio."""
    other = {**os.environ, "PYTHONPATH": src}
    ours, theirs = [], []
    for _ in range(3):
        ours.append(timed(check, 1)[0])
        theirs.append(timed(check, 1, other)[0])
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"check, this checkout:     {a:6.2f} s; {src}: {b:.2f} s; ratio {a / b:.2f}x")


def main() -> None:
    args = sys.argv[1:]
    src = None
    if "--against" in args:
        at = args.index("--against")
        src = args[at + 1]
        del args[at : at + 2]
    with tempfile.TemporaryDirectory() as tmp:
        if src is not None:
            against([sys.executable, "-m", "audiobook", "check", args[0]], src)
            return
        if args:
            folder = Path(args[0])
        else:
            folder = Path(tmp) / "audio"
            book = CORPUS / "pride-and-prejudice.txt"
            cmd = [sys.executable, "-m", "audiobook", "render", str(book), "--out", str(folder)]
            subprocess.run([*cmd, "--quiet"], check=True, stdout=subprocess.DEVNULL)
        python, _ = timed([sys.executable, "-c", "pass"], 3)
        check = [sys.executable, "-m", "audiobook", "check", str(folder)]
        quick, code_quick = timed([*check, "--quick"], 3)
        full, code_full = timed(check, 1)
        print(f"reference python -c pass: {python:6.2f} s")
        print(f"check --quick:            {quick:6.2f} s (exit {code_quick})")
        print(f"check (decodes all):      {full:6.2f} s (exit {code_full})")
        plain, reported = [full], []
        for _ in range(2):
            report = Path(tmp) / "report.html"
            reported.append(timed([*check, "--report", str(report)], 1)[0])
            if len(plain) < 2:
                plain.append(timed(check, 1)[0])
        base, extra = statistics.median(plain), statistics.median(reported)
        print(f"check --report:           {extra:6.2f} s  ({extra / base - 1:+.1%} on check's "
              f"{base:.2f} s; report {report.stat().st_size / 2**20:.1f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
