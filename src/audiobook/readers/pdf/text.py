"""A PDF's lines (layout.py) as paragraphs and footnotes.

- Paragraphs: a new one starts at a gap wider than the lines' own, at an indented first line, at
  a change of size, after a last line that stops short ending a sentence, after a line the next
  line's first word would have fit on (ragged text with neither indents nor space between
  paragraphs, as word processors set it), and around a scene break; a paragraph goes on over a
  column or page break unless one of those says so. Where the file draws a space at the end of
  each line that wraps (LibreOffice Writer does), a line without one ends its paragraph. A
  blank line's worth of extra space between paragraphs is a scene break. A heading the outline
  names (structure.py) is a paragraph of its own.
- A word hyphenated over a line break is joined ("extra-" + "ordinary" -> "extraordinary") when
  the next line goes on in lower case, unless the document writes the word with its hyphen
  elsewhere and never without ("well-" + "known" stays "well-known" if "well-known" is in it).
  A compound split at its own hyphen and written nowhere else is joined: rare, and the cost of a
  wrong guess is one odd word, while not joining would break every hyphenated word.
- Footnotes: the small lines that end a column (or the page) and start with a marker, or lines
  set as the body is, well apart below it, that start with a marker raised in the page's text;
  a small raised number in the text is the reference to the footnote of that marker on its
  page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from audiobook.readers.pdf.layout import Laid, Line
from audiobook.readers.sections import SCENE_BREAK

SMALL = 0.9  # footnotes are set at most this large
_ENDS = tuple('.!?…:;")]\u201d\u2019')  # what ends a sentence, closing quotes too
_HYPHENS = ("-", "\u2010", "\u00ad")
_QUOTE_ENDS = re.compile(r"[.!?…][\"”]$")
_WRAPS = (*_HYPHENS, "\u2013", "\u2014", "/")  # a line may wrap after these without a space
_NOTE_START = re.compile(r"^(\d{1,3}|[*†‡§¶]{1,3})[.)]?\s+\S")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class _Measures:
    """What paragraph breaks are measured against, for a whole document."""

    usual: float  # the gap between two lines of one paragraph
    justified: set[tuple[int, tuple[float, float]]]  # (page, column)s set justified
    marked: bool  # a space is drawn at the end of each line that wraps (LibreOffice's PDFs)
    body: float  # the body text's size


@dataclass
class Para:
    lines: list[Line]
    text: str = ""
    notes: tuple[str, ...] = ()  # note ids
    space_before: bool = False  # a scene break's blank space above it

    @property
    def page(self) -> int:
        return self.lines[0].page

    @property
    def size(self) -> float:
        return max(line.size for line in self.lines)


def paragraphs(
    laid: Laid, heights: dict[int, float]
) -> tuple[list[Para], dict[str, str], list[tuple[int, str]]]:
    """LAID's lines as paragraphs (footnotes taken out, hyphenated words joined), the notes by
    id, and each footnote's (page, text); HEIGHTS are the pages' by number."""
    lines, notes, footnotes = _footnotes(laid.lines, laid.body_size, heights)
    paras = _paragraphs(lines, laid.body_size)
    _join_text(paras)
    return paras, notes, footnotes


# --- footnotes ------------------------------------------------------------------------------


def _footnotes(
    lines: list[Line], body: float, heights: dict[int, float]
) -> tuple[list[Line], dict[str, str], list[tuple[int, str]]]:
    """The lines without the footnotes at the foot of each column (or of the page, under
    the columns); the notes by id; (page, text) of each."""
    notes: dict[str, str] = {}
    found: list[tuple[int, str]] = []
    kept: list[Line] = []
    groups: list[list[Line]] = []  # runs of lines of one column of one page
    for line in lines:
        if groups and (groups[-1][-1].page, groups[-1][-1].column) == (line.page, line.column):
            groups[-1].append(line)
        else:
            groups.append([line])
    for here in groups:
        page = here[0].page
        end = len(here)
        while end > 0 and here[end - 1].size <= SMALL * body:
            end -= 1
        if end == len(here):
            end = _same_size_notes(here, lines)
        block = here[end:]
        if not block or block[0].top < 0.5 * heights.get(page, 1e9) or not _note_start(block[0]):
            kept += here
            continue
        kept += here[:end]
        for marker, text in _split_notes(block):
            notes[f"p{page}-{marker}"] = text
            found.append((page, text))
    return kept, notes, found


def _same_size_notes(here: list[Line], lines: list[Line]) -> int:
    """Where the footnotes set as large as the body start in HERE (a column), else its end:
    the last line in it that starts with a marker the page's text raises as a reference,
    apart from the text above by more than two lines' space (a footnote style that sets no
    smaller size: a manuscript's)."""
    page = here[0].page
    raised = {ref for line in lines if line.page == page for ref in line.refs}
    for n in range(len(here) - 1, 0, -1):
        start = _NOTE_START.match(here[n].text)
        gap = here[n].top - here[n - 1].bottom
        if start and start[1] in raised and gap > 2 * (here[n].bottom - here[n].top):
            return n
    return len(here)


def _split_notes(block: list[Line]) -> list[tuple[str, str]]:
    """The footnotes in BLOCK, each (marker, text): a new one at each line that starts with a
    marker, as a raised number (in refs) or as text ("1 The lamp...")."""
    out: list[tuple[str, list[str]]] = []
    for line in block:
        if _note_start(line):
            start = _NOTE_START.match(line.text)
            marker = line.refs[0] if line.refs or start is None else start[1]
            text = line.text if line.refs or start is None else line.text[len(marker) :]
            out.append((marker, [text.lstrip(".) ")]))
        elif out:
            out[-1][1].append(line.text)
    return [(marker, " ".join(parts)) for marker, parts in out]


def _note_start(line: Line) -> bool:
    return bool(_NOTE_START.match(line.text)) or (bool(line.refs) and line.x0 <= line.column[0] + 1)


# --- paragraphs -----------------------------------------------------------------------------


def _paragraphs(lines: list[Line], body: float) -> list[Para]:
    gaps = [
        b.top - a.bottom
        for a, b in pairwise(lines)
        if not b.first
        and a.page == b.page
        and abs(a.size - body) < 0.5
        and abs(b.size - body) < 0.5
    ]
    measures = _Measures(_line_gap(gaps, body), _justified(lines), _marks_wraps(lines, body), body)
    paras: list[Para] = []
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i else None
        if prev is None or _breaks(prev, line, measures):
            paras.append(Para([line]))
            # A blank line's worth of extra space between two paragraphs of the body, in a
            # column: a scene break set as space (as LibreOffice draws a rule, which has no text).
            paras[-1].space_before = (
                prev is not None
                and not line.first
                and prev.page == line.page
                and abs(prev.size - body) < 0.5
                and abs(line.size - body) < 0.5
                and line.top - prev.bottom - measures.usual > 1.5 * body
            )
        else:
            paras[-1].lines.append(line)
    return paras


def _line_gap(gaps: list[float], body: float) -> float:
    """The space between two lines of one paragraph: the smallest gaps, up to the first jump
    of a third of an em. (Not the median: in dialogue most paragraphs are one line long, and
    most gaps are then between paragraphs.)"""
    usual = None
    for gap in sorted(g for g in gaps if g > -0.5 * body):
        if usual is not None and gap - usual > 0.3 * body:
            break
        usual = gap
    return usual if usual is not None else 0.2 * body


def _justified(lines: list[Line]) -> set[tuple[int, tuple[float, float]]]:
    """The (page, column)s whose lines mostly reach the column's right edge."""
    full: Counter[tuple[int, tuple[float, float]]] = Counter()
    total: Counter[tuple[int, tuple[float, float]]] = Counter()
    for line in lines:
        key = (line.page, line.column)
        total[key] += 1
        full[key] += line.x1 >= line.column[1] - 1.5
    return {key for key, n in total.items() if n >= 3 and full[key] >= 0.5 * n}


def _marks_wraps(lines: list[Line], body: float) -> bool:
    """Whether the file draws a space at the end of the lines that wrap (LibreOffice does): it
    does at most of the lines that a line in lower case follows in the body (surely one
    paragraph), twice or more."""
    wraps = [
        a.open_end
        for a, b in pairwise(lines)
        if abs(a.size - body) < 0.5
        and abs(b.size - body) < 0.5
        and b.text[:1].islower()
        and not a.text.endswith(_WRAPS)
    ]
    return sum(wraps) >= 2 and sum(wraps) >= 0.8 * len(wraps)


def _breaks(a: Line, b: Line, measures: _Measures) -> bool:
    """Whether line B starts a paragraph after line A."""
    if a.alone or b.alone:  # a heading the outline names: its lines, and only they
        return a.alone != b.alone
    size = min(a.size, b.size)
    if abs(a.size - b.size) > 0.1 * size or SCENE_BREAK.match(a.text) or SCENE_BREAK.match(b.text):
        return True
    # Where the file marks the lines that wrap, a line without the mark ends its paragraph:
    # unless it ends in a hyphen or a dash (a line may wrap there without a space), or comes
    # so near the column's edge that the space would not fit (a space is a quarter of an em,
    # a third in wide fonts): then it is not drawn.
    if measures.marked and not a.open_end and not a.text.endswith(_WRAPS):
        short = a.x1 < a.column[1] - 0.35 * a.size
        # At the edge: one speech closed at its end and another opened: dialogue.
        if short or (_QUOTE_ENDS.search(a.text) and b.text[:1] in '"“'):
            return True
    indent = b.x0 > b.column[0] + 0.8 * b.size and b.x0 > a.x0 + 0.8 * b.size
    if b.page != a.page or b.first:
        indent = b.x0 > b.column[0] + 0.8 * b.size
    # A last line that stops short and ends a sentence ends its paragraph: in justified text
    # two ems short is enough; in ragged text, a third of the column (no word is that long).
    width = a.column[1] - a.column[0]
    room = 2 * a.size if (a.page, a.column) in measures.justified else max(2 * a.size, 0.3 * width)
    if a.x1 < a.column[1] - room and a.text.endswith(_ENDS):
        return True
    # In the body (a heading's lines are set as it pleases), unless the file says A wraps.
    wraps = measures.marked and a.open_end
    if not wraps and abs(a.size - measures.body) < 0.5 and _next_word_fits(a, b):
        return True
    if b.page != a.page or b.first:
        return indent
    return indent or b.top - a.bottom > measures.usual + 0.4 * size


def _next_word_fits(a: Line, b: Line) -> bool:
    """Whether B's first word would have fit at the end of A: then A did not wrap, it ended
    its paragraph (ragged-right text with neither indents nor space between paragraphs).
    B's width per character (spaces and narrow letters in it) stands for the word's, with a
    third more and an em to spare: a word of wide letters is wider (a justified line's
    stretched spaces only make it seem longer), and a wrong break is worse than a missed one."""
    words = b.text.split()
    if not words or a.text.endswith(_WRAPS) or b.x1 - b.x0 <= 0:
        return False
    per_char = (b.x1 - b.x0) / len(b.text)
    need = 1.3 * (len(words[0]) + 1) * per_char + b.size  # the word and a space
    return a.column[1] - a.x1 > need


def _join_text(paras: list[Para]) -> None:
    """Each paragraph's text from its lines, hyphenated words joined, and its note ids."""
    inline: Counter[str] = Counter()
    for para in paras:
        for line in para.lines:
            inline.update(w.lower() for w in _WORD.findall(line.text.rstrip("-")))
    for para in paras:
        text = ""
        for line in para.lines:
            text = _join(text, line.text, inline) if text else line.text
        para.text = text
        para.notes = tuple(f"p{line.page}-{ref}" for line in para.lines for ref in line.refs)


def _join(text: str, nxt: str, inline: Counter[str]) -> str:
    """TEXT (a paragraph so far) and its next line NXT as one."""
    if text.endswith("\u00ad"):  # a soft hyphen: there only to break the line
        return text[:-1] + nxt
    if text.endswith(_HYPHENS) and len(text) > 1 and not text[-2].isspace():
        head = re.search(r"[^\W\d_]+$", text[:-1])
        tail = re.match(r"[^\W\d_]+", nxt)
        if head and tail and tail[0][0].islower():
            if inline[f"{head[0]}-{tail[0]}".lower()] and not inline[(head[0] + tail[0]).lower()]:
                return text[:-1] + "-" + nxt  # written with its hyphen elsewhere
            return text[:-1] + nxt
        return text + nxt  # "Jean-" + "Paul", "1914-" + "18": the hyphen is the word's
    if text.endswith(("\u2014", "\u2013")) and not text[:-1].endswith(" "):  # em, en dash
        return text + nxt  # an unspaced dash: the line broke after it
    return f"{text} {nxt}"


# --- headings -------------------------------------------------------------------------------
