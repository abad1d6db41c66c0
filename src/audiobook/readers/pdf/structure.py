"""A PDF's paragraphs (text.py) as the items document.py takes: headings where the outline
leads, else where the text is set clearly larger; what was taken off the pages listed once a
chapter.

- From the outline (bookmarks): each entry starts a chapter at its title as printed on its page
  (which is then not read twice), else where its destination points (the column and height),
  else at the top of its page; its depth is the heading's level. A title printed as the body
  is (a manuscript's headings, bold or not, several to a page) is found by its words on the
  entry's page, and made a paragraph of its own before the lines become paragraphs.
- Without one: paragraphs set at least HEADING times the body size, short (three lines, 25
  words) and standing alone; each size a level, the largest first; a heading set over two
  lines (each centred) is one.
- The book's title set above the first chapter is the title, said in the credits, not a part.
- Running headers and page numbers are listed once for each chapter, not once a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audiobook.readers.html_blocks import Break, Heading, Item, Omitted, Text
from audiobook.readers.pdf.layout import Laid, Removed
from audiobook.readers.pdf.text import Para, paragraphs

HEADING = 1.2  # times the body size: a heading's text is at least this large
HEADING_LINES, HEADING_WORDS = 3, 25
_KEY = re.compile(r"[\W_]+")
_TITLE_SAID = "the book's title (said in the opening credits)"
_PRINTED = "heading as printed (the outline's title is said)"


@dataclass
class Outline:
    level: int  # from 0
    title: str
    page: int  # from 1
    x: float | None  # points from the left, top
    y: float | None


@dataclass
class Built:
    items: list[Item]
    notes: dict[str, str] = field(default_factory=dict)
    headings: int = 0  # how many headings were found
    title: str = ""  # the book's, as the document declares it or as set above its chapters


def build_items(laid: Laid, heights: dict[int, float], outline: list[Outline], title: str) -> Built:
    """LAID's lines as items; headings from OUTLINE when it has two or more entries that lead
    to the text, else by size; a first heading that is the book's TITLE (or, without one,
    looks it) is not a chapter."""
    if len(outline) >= 2:
        _mark_outline(laid, outline, heights)
    paras, notes, footnotes = paragraphs(laid, heights)
    placed = _place_outline(paras, outline, heights, laid.body_size) if len(outline) >= 2 else None
    if placed is None or sum(isinstance(i, Heading) for i, _ in placed) < 2:
        placed = _headings_by_size(paras, laid.body_size)
    placed, title = _title_first(placed, title)
    items: list[Item] = []
    removed = sorted(laid.removed, key=lambda r: r.page)
    pending = sorted(footnotes, key=lambda f: f[0])
    for item, page in placed:
        if isinstance(item, Heading):
            _flush(items, removed, page - 1)
        items.append(item)
        while pending and pending[0][0] <= page:
            items.append(Omitted("footnote", pending.pop(0)[1]))
    items += [Omitted("footnote", text) for _, text in pending]
    _flush(items, removed, 10**9)
    return Built(items, notes, sum(isinstance(i, Heading) for i in items), title)


def _flush(items: list[Item], removed: list[Removed], up_to: int) -> None:
    """The headers and page numbers taken off pages up to UP_TO, one entry for each reason."""
    taken = []
    while removed and removed[0].page <= up_to:
        taken.append(removed.pop(0))
    by_reason: dict[str, list[str]] = {}
    for r in taken:
        by_reason.setdefault(r.reason, []).append(r.text)
    for reason, texts in by_reason.items():
        items.append(Omitted(reason, (" " if reason == "page number" else " / ").join(texts)))


# --- headings ---------------------------------------------------------------------------


def _heading_like(para: Para, body: float) -> bool:
    return (
        para.size >= HEADING * body
        and len(para.lines) <= HEADING_LINES
        and len(para.text.split()) <= HEADING_WORDS
    )


def _headings_by_size(paras: list[Para], body: float) -> list[tuple[Item, int]]:
    """Items with the paragraphs set clearly larger than the body as headings, by size."""
    merged: list[Para] = []
    for para in paras:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and _heading_like(prev, body)
            and _heading_like(para, body)
            and abs(prev.size - para.size) <= 0.05 * para.size
            and len(prev.lines) + len(para.lines) <= HEADING_LINES
        ):
            prev.lines += para.lines  # one heading set over two lines, each centred
            prev.text = f"{prev.text} {para.text}"
            continue
        merged.append(para)
    sizes = sorted({round(p.size) for p in merged if _heading_like(p, body)}, reverse=True)
    level = {s: min(n + 1, 6) for n, s in enumerate(sizes)}
    placed: list[tuple[Item, int]] = []
    for p in merged:
        if _heading_like(p, body):
            placed.append((Heading(level[round(p.size)], p.text), p.page))
        else:
            placed += _text(p)
    return placed


def _text(para: Para) -> list[tuple[Item, int]]:
    """The paragraph's items: its text, after a scene break when space stands for one."""
    text: list[tuple[Item, int]] = [(Text(para.text, para.notes), para.page)]
    return [(Break(), para.page), *text] if para.space_before else text


def _key(text: str) -> str:
    return _KEY.sub("", text.casefold())


def _place_outline(
    paras: list[Para], outline: list[Outline], heights: dict[int, float], body: float
) -> list[tuple[Item, int]] | None:
    """Items with a heading where each outline entry leads: to its title as printed on its
    page (which then is not read twice), else to its position, else to the top of its page. A
    heading printed where an entry of another wording leads is listed, not read."""
    starts: dict[int, list[tuple[Outline, int, bool]]] = {}  # paragraph -> (entry, how many
    # paragraphs from there are its printed heading, whether they say what the entry says)
    for entry in outline:
        where = _target(paras, entry, heights, body)
        if where is not None:
            starts.setdefault(where[0], []).append((entry, *where[1:]))
    if not starts:
        return None
    placed: list[tuple[Item, int]] = []
    skip_to = 0
    for i, para in enumerate(paras):
        for entry, printed, same in starts.get(i, []):
            placed.append((Heading(min(entry.level + 1, 6), entry.title.strip()), para.page))
            if printed and not same and i >= skip_to:
                said = " ".join(p.text for p in paras[i : i + printed])
                placed.append((Omitted(_PRINTED, said), para.page))
            skip_to = max(skip_to, i + printed)
        if i >= skip_to:
            placed += _text(para)
    return placed


def _mark_outline(laid: Laid, outline: list[Outline], heights: dict[int, float]) -> None:
    """Marks the lines (one to three, in a row) on each entry's page that say its title, the
    ones nearest below where it points, when they are set as the body is: each such heading is
    then a paragraph of its own, with nothing else to tell it from the text around it. (A
    larger heading is one by its size, and may say more than the entry: "Chapter Two:" over
    "The Light".)"""
    by_page: dict[int, list[int]] = {}
    for n, line in enumerate(laid.lines):
        if abs(line.size - laid.body_size) < 0.5:
            by_page.setdefault(line.page, []).append(n)
    for number, entry in enumerate(outline, start=1):
        key = _key(entry.title)
        top = heights[entry.page] - entry.y if entry.y is not None and entry.page in heights else 0
        found: list[tuple[bool, int, int]] = []  # (above where it points, first, last line)
        # On its page, else at the top of the next (it points at the foot of the one before).
        here = by_page.get(entry.page, []) + by_page.get(entry.page + 1, [])[:HEADING_LINES]
        for k, first in enumerate(here if key else []):
            joined = ""
            for off, last in enumerate(here[k : k + HEADING_LINES]):
                if last != first + off:  # lines in a row, none of another size between
                    break
                joined += _key(laid.lines[last].text)
                if joined == key:
                    found.append((laid.lines[first].top < top - 2, first, last))
                if not key.startswith(joined):
                    break
        free = [f for f in found if not any(laid.lines[i].alone for i in range(f[1], f[2] + 1))]
        if free:
            _, first, last = min(free)  # the first at or below its destination, else the first
            for i in range(first, last + 1):
                laid.lines[i].alone = number


def _target(
    paras: list[Para], entry: Outline, heights: dict[int, float], body: float
) -> tuple[int, int, bool] | None:
    """(index of the paragraph the entry leads to, how many paragraphs from there are the
    heading printed there, whether they say the entry's title)."""
    on_page = [i for i, p in enumerate(paras) if p.page == entry.page]
    key = _key(entry.title)
    after = [i for i, p in enumerate(paras) if p.page == entry.page + 1][:1]
    for i in on_page + after:  # on its page, or first on the next (see _mark_outline)
        joined = ""
        for n in range(i, min(i + 3, len(paras))):
            joined += _key(paras[n].text)
            if joined == key:
                return i, n - i + 1, True
            if not key.startswith(joined):
                break
    found = on_page[:1]
    if entry.y is not None and entry.page in heights:
        top = heights[entry.page] - entry.y  # the destination's y counts from the bottom
        found = [
            i
            for i in on_page
            if paras[i].lines[0].top >= top - 2
            and (entry.x is None or paras[i].lines[0].column[0] - 2 <= entry.x)
            and (entry.x is None or entry.x <= paras[i].lines[0].column[1])
        ][:1]
    found = found or [i for i, p in enumerate(paras) if p.page > entry.page][:1]
    if not found:
        return None
    i = found[0]
    printed = 0
    while (
        printed < 2
        and i + printed < len(paras)
        and _heading_like(paras[i + printed], body)
        and abs(paras[i + printed].size - paras[i].size) <= 0.05 * paras[i].size
    ):
        printed += 1
    return i, printed, False


def _title_first(placed: list[tuple[Item, int]], title: str) -> tuple[list[tuple[Item, int]], str]:
    """The book's title set as a heading above the first chapter is the title, not a chapter
    (nor a part): the heading that says TITLE, or without one, a first heading larger than all
    the others with no text under it. Returns the items and the title."""
    headings = [n for n, (item, _) in enumerate(placed) if isinstance(item, Heading)]
    if len(headings) < 2 or any(isinstance(i, Text) for i, _ in placed[: headings[1]]):
        return placed, title
    first = placed[headings[0]][0]
    assert isinstance(first, Heading)
    if title:
        found = _key(first.text) == _key(title)
    else:
        levels = [h.level for h, _ in placed[headings[1] :] if isinstance(h, Heading)]
        found = first.level < min(levels)
    if not found:
        return placed, title
    out = list(placed)
    out[headings[0]] = (Omitted(_TITLE_SAID, first.text), placed[headings[0]][1])
    return out, title or first.text
