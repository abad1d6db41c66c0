"""A PDF's pages as lines in reading order: running headers and page numbers taken out, columns
read one after the other, note markers (superscript numbers) taken out of the text.

The runs come from extract.py (characters with their box and size). A PDF says nothing of
its layout, so it is read from the places the text sits:
- a running header, footer or page number is text in the top or bottom band of a page that is
  repeated at the same place on many pages (digits aside: "The Keeper · 7"), no larger than the
  body text (so that "CHAPTER 3" at the top of each chapter's first page stays), or a bare
  number alone there;
- a column's gutter is an x-range that almost no run crosses while many runs lie on both sides
  of it, side by side; a run that crosses it (a heading over both columns) cuts the page into
  bands, read in turn, each column of a band top to bottom, left column first;
- a line is the runs of one column that share a height; a small raised number in it is a note
  reference; a space drawn at its end (LibreOffice draws one where a line wraps) is kept as a
  mark that the paragraph goes on.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

_DASHES = "\\-\u2013\u2014\u00b7\u2022"  # around a page number: "- 7 -", "· 7 ·"
PAGE_NUMBER = re.compile(
    rf"^[\s\[\({_DASHES}]*(?:page\s+|p\.\s*)?(\d{{1,5}}|[ivxlcdm]{{1,8}})"
    rf"(?:\s*(?:/|of)\s*\d{{1,5}})?[\s\]\){_DASHES}]*$",
    re.I,
)
NOTE_MARK = re.compile(r"^(?:\d{1,3}|[*†‡§¶]{1,3})$")
MARGIN = 0.15  # the share of the page, at its top and at its bottom, where page numbers sit
REPEATED = 0.3  # a header is on at least this share of the pages (and on two)


@dataclass(frozen=True, slots=True)
class Run:
    """Characters of one line, size and baseline (extract.py): points from the top left."""

    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    text: str
    rotated: bool = False


@dataclass
class Page:
    number: int  # from 1
    width: float
    height: float
    runs: list[Run]
    images: int = 0


@dataclass(slots=True)
class Line:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # its main text's, in points
    text: str
    column: tuple[float, float]  # the left and right edges of its column on the page
    first: bool = False  # the first line of its column (or band): no gap above it to measure
    refs: tuple[str, ...] = ()  # note markers in it ("1", "*")
    open_end: bool = False  # the file draws a space at its end: it wraps (LibreOffice's mark)
    alone: int = 0  # a heading the outline names (its entry's number): a paragraph of its own


@dataclass
class Removed:
    """Text not read: a running header, a page number, rotated text in a margin."""

    page: int
    reason: str
    text: str


@dataclass
class Laid:
    lines: list[Line]
    removed: list[Removed] = field(default_factory=list)
    body_size: float = 10.0


def lay_out(pages: list[Page]) -> Laid:
    """PAGES' text as lines in reading order, and what was taken out."""
    body = body_size(run for page in pages for run in page.runs)
    laid = Laid([], body_size=body)
    margins = _margin_text(pages, body)
    for page in pages:
        kept: list[Run] = []
        for i, run in enumerate(page.runs):
            reason = margins.get((page.number, i))
            if reason is None and run.rotated:
                reason = "rotated text"
            if reason is not None:
                laid.removed.append(Removed(page.number, reason, run.text.strip()))
            else:
                kept.append(run)
        laid.lines += _page_lines(page.number, kept, body)
    return laid


def body_size(runs: Iterable[Run]) -> float:
    """The size most of the text is set in (by characters), to half a point."""
    sizes: Counter[float] = Counter()
    for run in runs:
        sizes[round(run.size * 2) / 2] += len(run.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


# --- running headers, footers and page numbers ----------------------------------------------


def _margin_text(pages: list[Page], body: float) -> dict[tuple[int, int], str]:
    """(page, run index) -> why it is not read, for the runs of the top and bottom bands."""
    found: dict[tuple[int, int], str] = {}
    seen: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    for page in pages:
        bands = _bands(page.runs)
        if len(bands) < 2:
            continue
        for where, band in (("top", bands[0]), ("bottom", bands[-1])):
            for i in band:
                run = page.runs[i]
                y = run.top if where == "top" else run.bottom
                inside = (
                    y < MARGIN * page.height if where == "top" else y > (1 - MARGIN) * page.height
                )
                if PAGE_NUMBER.match(run.text) and inside:
                    found[page.number, i] = "page number"
                elif run.size <= body * 1.05 and not run.rotated:
                    key = re.sub(r"\d+", "#", " ".join(run.text.lower().split()))
                    seen[where, key].append((page.number, i, y / page.height))
    need = max(2, math.ceil(REPEATED * len(pages)))
    for (where, _key), places in seen.items():
        middle = sorted(y for _, _, y in places)[len(places) // 2]
        near = [(n, i) for n, i, y in places if abs(y - middle) <= 0.02]
        if len({n for n, _ in near}) >= need:
            for place in near:
                found[place] = "page header" if where == "top" else "page footer"
    return found


def _bands(runs: list[Run]) -> list[list[int]]:
    """The page's runs (indices) in horizontal bands, top to bottom: runs that share a height."""
    order = sorted(range(len(runs)), key=lambda i: runs[i].top)
    bands: list[list[int]] = []
    bottom = -math.inf
    for i in order:
        run = runs[i]
        if bands and run.top < bottom - 0.5 * (run.bottom - run.top):
            bands[-1].append(i)
            bottom = max(bottom, run.bottom)
        else:
            bands.append([i])
            bottom = run.bottom
    return bands


# --- columns and lines ----------------------------------------------------------------------


def _page_lines(number: int, runs: list[Run], body: float) -> list[Line]:
    if not runs:
        return []
    left, right = min(r.x0 for r in runs), max(r.x1 for r in runs)
    gutters = _gutters(runs, left, right, body)
    edges = [left, *(x for g in gutters for x in g), right]
    columns = [(edges[2 * k], edges[2 * k + 1]) for k in range(len(gutters) + 1)]
    spanning: list[Run] = []
    placed: list[list[Run]] = [[] for _ in columns]
    for run in runs:
        if any(run.x0 < g0 and run.x1 > g1 for g0, g1 in gutters):
            spanning.append(run)
        else:
            middle = (run.x0 + run.x1) / 2
            k = next((k for k, (g0, _) in enumerate(gutters) if middle < g0), len(gutters))
            placed[k].append(run)
    # Each column's own edges, from what is in it (a heading over both spans the page's).
    bounds = [
        (min(r.x0 for r in col), max(r.x1 for r in col)) if col else columns[k]
        for k, col in enumerate(placed)
    ]
    spanning.sort(key=lambda r: r.top)
    cuts = [r.top for r in spanning]
    lines: list[Line] = []
    for band in range(len(spanning) + 1):
        above = cuts[band] if band < len(cuts) else math.inf
        below = cuts[band - 1] if band else -math.inf
        for k, col in enumerate(placed):
            runs_here = [r for r in col if below <= r.top < above]
            lines += _lines(number, runs_here, bounds[k])
        if band < len(spanning):
            lines += _lines(number, [spanning[band]], (left, right))
    return lines


def _gutters(runs: list[Run], left: float, right: float, body: float) -> list[tuple[float, float]]:
    """The x-ranges between columns: few runs cross them, many lie on each side, side by side."""
    if len(runs) < 6 or right - left < 10 * body:
        return []
    width = int(right - left) + 1
    delta = [0] * (width + 1)
    for r in runs:
        delta[max(0, int(r.x0 - left))] += 1
        delta[min(width, int(r.x1 - left) + 1)] -= 1
    cover, total = [], 0
    for d in delta[:width]:
        total += d
        cover.append(total)
    busy = sorted(cover)[int(0.75 * (width - 1))]
    low = max(1, busy // 4)
    gutters: list[tuple[float, float]] = []
    x = 0
    while x < width:
        if cover[x] > low:
            x += 1
            continue
        start = x
        while x < width and cover[x] <= low:
            x += 1
        # Only its emptiest part: a short column beside it may be as thin as LOW.
        least = min(cover[start:x])
        inner = [i for i in range(start, x) if cover[i] == least]
        g0, g1 = left + inner[0], left + inner[-1]
        if g1 - g0 >= max(4.0, 0.6 * body) and _side_by_side(runs, g0, g1):
            gutters.append((g0, g1))
    return gutters


def _side_by_side(runs: list[Run], g0: float, g1: float) -> bool:
    """Whether runs lie left and right of the gap (three or more on one side) over the same
    heights."""
    lefts = [r for r in runs if r.x1 <= g0 + 1]
    rights = [r for r in runs if r.x0 >= g1 - 1]
    # One line beside a column is enough (the last line of a chapter, at the top of the right
    # column): single-column text leaves no gap inside its width for it to stand beyond.
    if min(len(lefts), len(rights)) < 1 or max(len(lefts), len(rights)) < 3:
        return False
    top = max(min(r.top for r in lefts), min(r.top for r in rights))
    bottom = min(max(r.bottom for r in lefts), max(r.bottom for r in rights))
    shorter = min(
        max(r.bottom for r in lefts) - min(r.top for r in lefts),
        max(r.bottom for r in rights) - min(r.top for r in rights),
    )
    return bottom - top >= 0.3 * shorter


def _lines(number: int, runs: list[Run], column: tuple[float, float]) -> list[Line]:
    """Runs of one column (or one band across the page) as lines, top to bottom."""
    rows: list[list[Run]] = []
    top = bottom = 0.0
    for run in sorted(runs, key=lambda r: (r.top, r.x0)):
        height = run.bottom - run.top
        overlap = min(bottom, run.bottom) - max(top, run.top)
        if rows and overlap >= 0.5 * min(height, bottom - top):
            rows[-1].append(run)
            top, bottom = min(top, run.top), max(bottom, run.bottom)
        else:
            rows.append([run])
            top, bottom = run.top, run.bottom
    return [_line(number, row, column, n == 0) for n, row in enumerate(rows)]


def _line(number: int, row: list[Run], column: tuple[float, float], first: bool) -> Line:
    row.sort(key=lambda r: r.x0)
    main = max(row, key=lambda r: len(r.text.strip()))
    size = main.size
    refs: list[str] = []
    parts: list[str] = []
    last: Run | None = None
    for run in row:
        text = run.text.strip()
        if (
            run is not main
            and run.size < 0.85 * size
            and NOTE_MARK.match(text)
            and run.bottom < main.bottom - 0.15 * size
        ):
            refs.append(text)  # a raised small number: a note reference, not a word
            continue
        if parts and last is not None and run.x0 - last.x1 > 0.15 * size:
            parts.append(" ")
        parts.append(text)
        last = run
    text = " ".join("".join(parts).split())
    return Line(
        page=number,
        x0=row[0].x0,
        top=min(r.top for r in row),
        x1=row[-1].x1,
        bottom=max(r.bottom for r in row),
        size=size,
        text=text,
        column=column,
        first=first,
        refs=tuple(refs),
        open_end=last is not None and last.text.endswith(" ") and not last.text.isspace(),
    )
