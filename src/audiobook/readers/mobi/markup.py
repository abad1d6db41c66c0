"""A Kindle book's markup made readable by html_blocks: where its links go, which of them are note
references, and which pages are tables of contents.

MOBI markup has no ids: a link says `<a filepos=0000123>` (MOBI 7), or
`href="kindle:pos:fid:0001:off:0000000000"` (KF8), a byte position in the book. Here the book's
bytes are edited before they are parsed: an anchor (`<a id="mobi-pos-123">`) where a navigation
entry or a table of contents points, a note reference marked as one (a link whose text is a
marker such as "1" or "*", inside a sentence, pointing forward) and the block it points to
wrapped as a footnote, the marker linking a note back to its reference taken out, and a page
that is mostly links (MOBI 7 pages end at `<mbp:pagebreak/>`; a KF8 page is a file) marked as a
table of contents. All of that is then what html_blocks already understands (DPUB-ARIA roles).
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from audiobook.readers.html_blocks import Anchor, Item, parse_html

ANCHOR = "mobi-pos-"
_A = re.compile(rb"<a\b[^>]*>", re.I)
_FILEPOS = re.compile(rb"\bfilepos\s*=\s*[\"']?(\d{1,10})", re.I)
_CLOSE_A = re.compile(rb"</a\s*>", re.I)
_TAG = re.compile(rb"<[^>]*>")
_BLOCK_NAMES = rb"p|div|blockquote|li|dd|dt|td|th|tr|table|aside|section|h[1-6]|body"
_BLOCK = re.compile(rb"<(/?)(" + _BLOCK_NAMES + rb"|mbp:pagebreak)\b[^>]*>", re.I)
_PAGEBREAK = re.compile(rb"<mbp:pagebreak\b[^>]*>(?:\s*</mbp:pagebreak\s*>)?", re.I)
_BODY = re.compile(rb"<body\b[^>]*>", re.I)
_MARKER = re.compile(r"^[\[(]?(?:\d{1,3}|[*†‡§¶]{1,3}|[a-z])[\])]?\.?$")
_LETTERS = re.compile(r"\w{2,}")
_NOTE_CHARS = 3000  # longer than any note: a "note" this long is a chapter a link points to
_TOC_WORDS = 15  # words per link at most on a table of contents page


@dataclass(frozen=True)
class Link:
    part: int
    start: int  # the <a ...> tag, as offsets in its part
    open_end: int
    end: int  # after its </a>
    target: int  # a position in the book
    text: str

    @property
    def marker(self) -> bool:
        return bool(_MARKER.match(self.text))


@dataclass
class _Edits:
    """Insertions and replacements in one part, applied together: (start, end, order, text).
    At one place, ORDER puts closing tags (0) before opening ones (1), anchors (2) and
    replacements (3)."""

    edits: list[tuple[int, int, int, bytes]]

    def apply(self, data: bytes) -> bytes:
        out, at = [], 0
        for start, end, _, text in sorted(self.edits, key=lambda e: (e[0], e[2])):
            if start < at:
                continue  # overlaps an earlier edit: the first one stands
            out += [data[at:start], text]
            at = end
        out.append(data[at:])
        return b"".join(out)


Resolve = Callable[[bytes], int | None]  # an <a ...> tag -> the book position it links to


def filepos_target(tag: bytes) -> int | None:
    """Where a MOBI 7 link (<a filepos=...>) points."""
    m = _FILEPOS.search(tag)
    return int(m.group(1)) if m else None


class Markup:
    """The book whose files are PARTS ((position of its first byte, bytes)) in ENCODING, its
    links found by RESOLVE."""

    def __init__(self, parts: list[tuple[int, bytes]], resolve: Resolve, encoding: str) -> None:
        self.parts, self.encoding = parts, encoding
        self.bases = [base for base, _ in parts]
        self.edits = [_Edits([]) for _ in parts]
        self.links = [k for n, (_, data) in enumerate(parts) for k in self._links(n, data, resolve)]
        self._keys = [(k.part, k.start) for k in self.links]  # in order: found part by part

    def items(
        self, targets: dict[int, str], alt_text: bool
    ) -> tuple[list[Item], dict[str, str], list[tuple[int, str]]]:
        """The book's items, with an Anchor named ANCHOR + position at each of TARGETS (where
        the navigation points: position -> label) and at each place a table of contents in its
        text points; its notes; and the entries of those tables of contents ((position, label)).
        A navigation entry that points to a note (calibre lists them) has no anchor."""
        toc, in_toc = self._tables_of_contents()
        chapters = {**{t: label for t, label in toc}, **targets}
        in_notes = self._notes(in_toc, chapters)
        chapters = {t: label for t, label in chapters.items() if t not in in_notes}
        for target in chapters:
            n = bisect.bisect_right(self.bases, target) - 1
            if n >= 0:
                at = _outside_tag(self.parts[n][1], target - self.bases[n])
                self.edits[n].edits.append((at, at, 2, f'<a id="{ANCHOR}{target}"></a>'.encode()))
        items: list[Item] = []
        notes: dict[str, str] = {}
        for (_, data), edit in zip(self.parts, self.edits, strict=True):
            parsed = parse_html(edit.apply(data).decode(self.encoding, "replace"), alt_text)
            items += parsed.items
            notes.update(parsed.notes)
        return items, notes, toc

    def _tables_of_contents(self) -> tuple[list[tuple[int, str]], set[Link]]:
        """Pages that are mostly links, marked as not read: their entries, and their links."""
        toc: list[tuple[int, str]] = []
        in_toc: set[Link] = set()
        for n, start, end in (page for k in range(len(self.parts)) for page in self._pages(k)):
            inside = self._between(n, start, end)
            counted = [k for k in inside if not (k.marker and k.target < self._at(k))]
            words = len(self._visible(self.parts[n][1][start:end]).split())
            if len(counted) >= 3 and words <= _TOC_WORDS * len(counted):
                self.edits[n].edits += [
                    (start, start, 1, b'<div role="doc-toc">'),
                    (end, end, 0, b"</div>"),
                ]
                toc += [(k.target, k.text) for k in counted]
                in_toc.update(inside)
        return toc, in_toc

    def _notes(self, in_toc: set[Link], chapters: dict[int, str]) -> set[int]:
        """Note references marked as such, and the notes they point to wrapped as footnotes:
        the notes' positions."""
        found: set[int] = set()
        starts = sorted(t for t, label in chapters.items() if not _MARKER.match(label))
        for link in self.links:
            if link in in_toc or not link.marker or link.target <= self._at(link):
                continue
            ident = f"mobi-note-{link.target}".encode()
            if link.target not in found:  # a second reference to a note already wrapped
                note = self._note_block(link.target)
                if note is None or not self._in_sentence(link):
                    continue
                n, start, end = note
                first = bisect.bisect_left(starts, self.bases[n] + start)
                if first < len(starts) and starts[first] < self.bases[n] + end:
                    continue  # a chapter starts there: not a note
                found.add(link.target)
                self.edits[n].edits += [
                    (start, start, 1, b'<aside role="doc-footnote" id="' + ident + b'">'),
                    (end, end, 0, b"</aside>"),
                ]
                for back in self._between(n, start, end):  # the note's link back
                    if back.marker:
                        self.edits[n].edits.append((back.start, back.end, 3, b""))
            self.edits[link.part].edits.append(
                (link.start, link.open_end, 3, b'<a role="doc-noteref" href="#' + ident + b'">')
            )
        return found

    def _between(self, part: int, start: int, end: int) -> list[Link]:
        """The links that begin in PART between START and END."""
        lo = bisect.bisect_left(self._keys, (part, start))
        hi = bisect.bisect_left(self._keys, (part, end))
        return self.links[lo:hi]

    def _at(self, link: Link) -> int:
        return self.bases[link.part] + link.start

    def _links(self, part: int, data: bytes, resolve: Resolve) -> list[Link]:
        found = []
        for m in _A.finditer(data):
            target = resolve(m.group())
            if target is None:
                continue
            close = _CLOSE_A.search(data, m.end(), m.end() + 4096)
            text = self._visible(data[m.end() : close.start()] if close else b"")
            end = close.end() if close else m.end()
            found.append(Link(part, m.start(), m.end(), end, target, text))
        return found

    def _pages(self, part: int) -> list[tuple[int, int, int]]:
        """A part's pages as (part, start, end): between MOBI 7 page breaks, or a KF8 body."""
        data = self.parts[part][1]
        breaks = list(_PAGEBREAK.finditer(data))
        if breaks:
            cuts = [0, *(b.end() for b in breaks)]
            ends = [*(b.start() for b in breaks), len(data)]
            return [(part, s, e) for s, e in zip(cuts, ends, strict=True) if s < e]
        body = _BODY.search(data)
        start = body.end() if body else 0
        end = data.rfind(b"</body")
        return [(part, start, end if end >= start else len(data))]

    def _note_block(self, target: int) -> tuple[int, int, int] | None:
        """The block element a note reference points to, as (part, start, end), or None."""
        n = bisect.bisect_right(self.bases, target) - 1
        if n < 0:
            return None
        data = self.parts[n][1]
        at = _outside_tag(data, target - self.bases[n])
        following = next((m for m in _BLOCK.finditer(data, at) if not m.group(1)), None)
        if following is None or self._visible(data[at : following.start()]):
            return None  # the target is inside running text, not at a note's start
        name = following.group(2).lower()
        if name in (b"body", b"td", b"tr", b"table", b"mbp:pagebreak"):
            return None
        tags = re.compile(rb"<(/?)" + re.escape(name) + rb"\b[^>]*?(/?)>", re.I)
        depth = 0
        for m in tags.finditer(data, following.start()):
            if m.group(2):
                continue  # <p/>: opens and closes at once
            depth += -1 if m.group(1) else 1
            if depth == 0:
                if len(self._visible(data[following.start() : m.end()])) > _NOTE_CHARS:
                    return None
                return n, following.start(), m.end()
        return None

    def _in_sentence(self, link: Link) -> bool:
        """Whether LINK stands in running text (a note reference), not alone (a list)."""
        data = self.parts[link.part][1]
        lo, hi = max(0, link.start - 2000), link.end + 2000
        blocks = list(_BLOCK.finditer(data, lo, hi))
        start = max((m.end() for m in blocks if m.end() <= link.start), default=lo)
        end = min((m.start() for m in blocks if m.start() >= link.end), default=hi)
        around = self._visible(data[start : link.start]) + " " + self._visible(data[link.end : end])
        return bool(_LETTERS.search(around))

    def _visible(self, markup: bytes) -> str:
        text = _TAG.sub(b" ", markup).decode(self.encoding, "replace")
        return " ".join(html.unescape(text).split())


def anchor_positions(items: list[Item]) -> dict[int, int]:
    """Book position -> the index of its Anchor in ITEMS."""
    found: dict[int, int] = {}
    for n, item in enumerate(items):
        if isinstance(item, Anchor) and item.id.startswith(ANCHOR):
            found.setdefault(int(item.id.removeprefix(ANCHOR)), n)
    return found


def _outside_tag(data: bytes, at: int) -> int:
    """AT, or the start of the tag it falls inside."""
    at = max(0, min(at, len(data)))
    opened = data.rfind(b"<", 0, at)
    return opened if opened > data.rfind(b">", 0, at) else at
