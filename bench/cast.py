"""Benchmark: the full cast (who says each quoted line) against the PDNC gold, and its speed.

Run by hand from the repository: `.venv/bin/python bench/cast.py [--books A B] [--jobs 2]
[--rounds 3] [--no-timing] [--no-thresholds] [--gold DIR] [--out DIR]`: 1.5 minutes on 2 cores.

1. `audiobook cast GOLD/NAME.txt --json --threshold 0` for each novel of the gold folder
   (default ../shared/dialogue/pdnc), as a user runs it (a fresh process in an empty folder, so
   no voices.toml is read), --jobs at a time: every line with the speaker it was given, however
   sure. OUT/NAME.json keeps what the product says at its own threshold (speakers below it null;
   a failed run's stderr goes to OUT/NAME.stderr, and is reported). Scored with the gold
   folder's ../score.py: per novel, the gold quotes, found, coverage, precision and wall
   seconds; the totals as score.py gives them.
2. Thresholds: each line's speaker set to null (the narrator reads it) when its "confidence" is
   below T; coverage and precision at a few T, and the highest coverage with precision >= 0.95
   and >= 0.90 (T in steps of 0.01). Then, per "how" (the rule that decided a line): the gold
   quotes matched to lines of that rule, and the precision among them. Both re-use score.py's
   matching and its one-to-one mapping of names (made once per book, over all its lines).
3. Timing: `audiobook chapters` and `audiobook cast` on Pride and Prejudice, alternately, --rounds
   each; the medians and the ratio cast/chapters (the target: at most 2).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import io
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from types import ModuleType
from typing import Any

from audiobook.pipeline.cast import THRESHOLD  # the product's own

GOLD = Path(__file__).resolve().parents[2] / "shared" / "dialogue" / "pdnc"
AUDIOBOOK = [sys.executable, "-m", "audiobook"]
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)

Line = dict[str, Any]


def run(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds and result of `audiobook ARGS` in an empty folder."""
    with tempfile.TemporaryDirectory(prefix="bench-cast-cwd-") as cwd:
        start = time.perf_counter()
        done = subprocess.run([*AUDIOBOOK, *args], cwd=cwd, capture_output=True, text=True)
        return time.perf_counter() - start, done


def cast_all(gold: Path, names: list[str], out: Path, jobs: int) -> dict[str, tuple[float, int]]:
    """Runs the cast on each book, JOBS at a time: {name: (seconds, exit code)}."""
    results: dict[str, tuple[float, int]] = {}
    with ThreadPoolExecutor(jobs) as pool:
        futures = {
            pool.submit(run, ["cast", str(gold / f"{n}.txt"), "--json", "--threshold", "0"]): n
            for n in names
        }
        for future in as_completed(futures):
            name = futures[future]
            seconds, done = future.result()
            if done.returncode == 0:
                (out / f"{name}.json").write_text(done.stdout, encoding="utf-8")
            else:
                (out / f"{name}.stderr").write_text(done.stderr, encoding="utf-8")
                print(f"  FAILED {name} (exit {done.returncode}): {done.stderr.strip()[-300:]}")
            results[name] = (seconds, done.returncode)
            print(f"  {name}: {seconds:.1f} s", flush=True)
    return results


def matches(scorer: ModuleType, excerpt: str, quotes: list[dict], lines: list[Line]) -> list:
    """score_book's matching: (gold speaker, index of the line covering the quote, or None)."""
    indexed = [{"text": ln.get("text"), "speaker": i} for i, ln in enumerate(lines)]
    pred = sorted(scorer.spans(excerpt, indexed))  # the index in place of the speaker
    starts = [p[0] for p in pred]
    pairs = []
    for g in quotes:
        best, overlap = None, 0
        k = bisect.bisect_right(starts, g["end"])
        for s, e, i in pred[max(0, k - 8) : k]:
            o = min(e, g["end"]) - max(s, g["start"])
            if o > overlap:
                best, overlap = i, o
        found = best is not None and overlap >= (g["end"] - g["start"]) / 2
        pairs.append((g["speaker_id"], best if found else None))
    return pairs


def judge(pairs: list, speakers: list[str | None]) -> list[tuple[int, bool]]:
    """score_book's mapping of names: (line index, right?) for each quote given a character."""
    attributed = [(gs, speakers[i], i) for gs, i in pairs if i is not None and speakers[i]]
    mapping: dict[str, Any] = {}
    used_g, used_p = set(), set()
    for (gs, ps), _ in Counter((gs, ps) for gs, ps, _ in attributed).most_common():
        if gs in used_g or ps in used_p or gs is None:
            continue
        mapping[ps] = gs
        used_g.add(gs)
        used_p.add(ps)
    return [(i, mapping.get(ps) == gs) for gs, ps, i in attributed]


def cut(lines: list[Line], threshold: float) -> list[Line]:
    """LINES with the speakers of confidence below THRESHOLD set to null (missing: kept)."""
    return [
        ln
        if ln.get("confidence") is None or ln["confidence"] >= threshold
        else {**ln, "speaker": None}
        for ln in lines
    ]


def row(label: str, r: Counter | dict, seconds: float, status: str = "") -> str:
    g, a = r["gold"] or 1, r["attributed"]
    precision = r["right"] / a if a else 0
    return (
        f"{label[:32]:32s} {r['gold']:6d} {r['found'] / g:7.1%} {a / g:9.1%}"
        f" {precision:10.1%} {seconds:8.1f}{status}"
    )


def anomalies(scorer: ModuleType, excerpt: str, data: dict) -> list[str]:
    lines, names = data.get("lines", []), {c.get("name") for c in data.get("characters", [])}
    texts = [ln.get("text") or "" for ln in lines]
    long = [ln for ln, t in zip(lines, texts, strict=True) if len(scorer.compact(t)[0]) >= 2]
    conf = [ln.get("confidence") for ln in lines]
    empty = sum(not t.strip() for t in texts)
    counts = {
        "empty text": empty,
        "text under 2 letters (not scored)": len(lines) - len(long) - empty,
        "text not found in the book": len(long) - len(scorer.spans(excerpt, long)),
        "no confidence": sum(c is None for c in conf),
        "confidence outside 0..1": sum(c is not None and not 0 <= c <= 1 for c in conf),
        "no how": sum(not ln.get("how") for ln in lines),
        "speaker not in characters": sum(
            ln.get("speaker") is not None and ln["speaker"] not in names for ln in lines
        ),
    }
    return [f"{n} {what}" for what, n in counts.items() if n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--books", nargs="+", metavar="NAME")
    parser.add_argument("--out", type=Path, help="where to keep the JSON (default: a temp folder)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timing-book", type=Path, default=GOLD / "PrideAndPrejudice.txt")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--no-thresholds", action="store_true")
    options = parser.parse_args()
    gold: Path = options.gold.resolve()
    if not (gold.parent / "score.py").is_file() or not gold.is_dir():
        print(f"no gold folder {gold} with a score.py beside it", file=sys.stderr)
        sys.exit(2)
    sys.path.insert(0, str(gold.parent))
    import score as scorer

    names = options.books or sorted(p.stem for p in gold.glob("*.txt"))
    if missing := [n for n in names if not (gold / f"{n}.txt").is_file()]:
        sys.exit(f"not in {gold}: {', '.join(missing)}")
    with contextlib.ExitStack() as stack:
        out = options.out or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        out.mkdir(parents=True, exist_ok=True)
        print(f"audiobook cast on {len(names)} novels, {options.jobs} at a time -> {out}")
        runs = cast_all(gold, names, out, options.jobs)
        books = {}  # name: (excerpt, gold quotes, every line with its speaker, however sure)
        for name in names:
            pf = out / f"{name}.json"
            data = json.loads(pf.read_text(encoding="utf-8")) if pf.exists() else {}
            if data:  # what the product gives: the speakers at its own threshold
                product = {**data, "lines": cut(data.get("lines", []), THRESHOLD)}
                pf.write_text(json.dumps(product, ensure_ascii=False), encoding="utf-8")
            quotes = json.loads((gold / f"{name}.gold.json").read_text(encoding="utf-8"))
            books[name] = (
                (gold / f"{name}.txt").read_text(encoding="utf-8"),
                quotes["quotes"],
                data.get("lines", []),
            )
            if problems := anomalies(scorer, books[name][0], data):
                print(f"  {name}: {'; '.join(problems)}")
        if not options.books:  # the whole folder: the totals exactly as score.py prints them
            with contextlib.redirect_stdout(io.StringIO()):
                totals = scorer.score(gold, out)
            print(f"score.py: {json.dumps(totals)}")  # the per-novel table below: the same

        print(f"\nat the product's threshold, {THRESHOLD}:")
        print(f"{'novel':32s}   gold   found  coverage  precision  seconds")
        tot: Counter = Counter()
        for name, (excerpt, quotes, lines) in books.items():
            r = scorer.score_book(excerpt, quotes, cut(lines, THRESHOLD))
            tot.update(r)
            seconds, code = runs[name]
            print(row(name, r, seconds, "" if code == 0 else f"  FAILED (exit {code})"))
        print(row("total", tot, sum(s for s, _ in runs.values())))
        seconds = statistics.median(s for s, _ in runs.values())
        failed = sum(c != 0 for _, c in runs.values())
        print(f"median seconds per novel {seconds:.1f}; failed runs: {failed}")
        if not options.no_thresholds:
            thresholds(scorer, books)
    if not options.no_timing:
        timing(options.timing_book, options.rounds)


def thresholds(scorer: ModuleType, books: dict[str, tuple]) -> None:
    pairs = {n: matches(scorer, *b) for n, b in books.items()}
    gold = sum(len(q) for _, q, _ in books.values()) or 1

    def fast(t: float) -> tuple[int, int]:
        """(quotes given a character, right) at T, from the matching made once."""
        judged = [
            ok
            for n, (_, _, ls) in books.items()
            for _, ok in judge(pairs[n], [ln.get("speaker") for ln in cut(ls, t)])
        ]
        return len(judged), sum(judged)

    print("\nthreshold (speakers dropped below it), score_book over all books:")
    for t in (0.0, *THRESHOLDS):
        tot: Counter = Counter()
        for excerpt, quotes, lines in books.values():
            tot.update(scorer.score_book(excerpt, quotes, cut(lines, t)))
        a, hits = tot["attributed"], tot["right"]
        differs = "" if fast(t) == (a, hits) else "  (the bench's matching differs!)"
        label = f"{t:.2f}"
        print(f"  {label:>8s}  coverage {a / gold:6.1%}  precision {hits / (a or 1):6.1%}{differs}")
    kept = [
        ln.get("confidence", 1) for _, _, ls in books.values() for ln in ls if ln.get("speaker")
    ]
    print(f"  lowest confidence of a line given a character: {min(kept, default=math.nan):.3f}")
    curve = []  # (threshold, coverage, precision)
    for t in (n / 100 for n in range(101)):
        a, hits = fast(t)
        curve.append((t, a / gold, hits / a if a else 0.0))
    for floor in (0.95, 0.90):
        ok = [c for c in curve if c[2] >= floor]
        if ok:
            t, cov, prec = max(ok, key=lambda c: (c[1], -c[0]))
            print(
                f"  precision >= {floor:.0%}: coverage {cov:.1%} from threshold {t:.2f}"
                f" (precision {prec:.1%})"
            )
        else:
            print(f"  precision >= {floor:.0%}: never reached")

    matched, given, right = Counter(), Counter(), Counter()
    for n, (_, _, lines) in books.items():
        matched.update(lines[i].get("how") for _, i in pairs[n] if i is not None)
        for i, ok in judge(pairs[n], [ln.get("speaker") for ln in lines]):
            given[lines[i].get("how")] += 1
            right[lines[i].get("how")] += ok
    print(
        f"\n{'how':12s} {'matched':>8s} {'given':>7s} {'right':>7s} {'precision':>10s}"
        f" {'median conf':>12s}"
    )
    conf: dict[str, list[float]] = {}
    for _, _, lines in books.values():
        for ln in lines:
            if ln.get("confidence") is not None:
                conf.setdefault(ln.get("how"), []).append(ln["confidence"])
    for how, m in matched.most_common():
        g, precision = given[how], right[how] / given[how] if given[how] else 0
        print(
            f"{how or '(none)':12s} {m:8d} {g:7d} {right[how]:7d} {precision:10.1%}"
            f" {statistics.median(conf.get(how) or [math.nan]):12.3f}"
        )


def timing(book: Path, rounds: int) -> None:
    times: dict[str, list[float]] = {"chapters": [], "cast": []}
    print(f"\ntiming on {book.name}, {rounds} rounds (chapters and cast alternately):")
    for n in range(rounds):
        order = ["chapters", "cast"] if n % 2 == 0 else ["cast", "chapters"]
        for command in order:
            seconds, done = run([command, str(book), "--json"])
            if done.returncode != 0:
                sys.exit(f"{command} failed ({done.returncode}):\n{done.stderr[-2000:]}")
            times[command].append(seconds)
            print(f"  {command:8s} {seconds:6.2f} s", flush=True)
    chapters, cast = (statistics.median(times[c]) for c in ("chapters", "cast"))
    verdict = "ok" if cast <= 2 * chapters else "over the target of 2"
    print(
        f"median chapters {chapters:.2f} s, cast {cast:.2f} s:"
        f" cast/chapters {cast / chapters:.2f}x ({verdict})"
    )


if __name__ == "__main__":
    main()
