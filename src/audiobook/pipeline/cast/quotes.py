"""Finding the dialogue: which stretches of a chapter's paragraphs are quoted speech.

Every character of a paragraph is in exactly one segment, in order: narration, or a quotation
with its marks. The marks a book uses are decided once for the whole book (`QuoteStyle`), so an
apostrophe in a book quoted with double marks can never open a quote, and single marks open one
only in a book that quotes with them (British style). A quote left open at the end of a paragraph
goes on in the next one when that one opens again with the same mark (a long speech over several
paragraphs), and is closed where it stands otherwise. Dialogue introduced by a dash at the start
of a paragraph (French, Spanish, Italian, Russian...) is a quote up to a dash that opens the
narrator's incise, and again after the incise's closing dash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audiobook.pipeline.cast.words import SPEECH_VERBS

# Families of marks: (opening, closing). Single-mark families open a quote only in a book whose
# quotations use them (their closing mark is also the apostrophe).
DOUBLE = {
    "curly": ("“", "”"),
    "straight": ('"', '"'),
    "low": ("„", "“"),  # German
    "low_right": ("„", "”"),  # Polish, Hungarian, Romanian
    "guillemets": ("«", "»"),  # French, Spanish, Italian, Russian
    "guillemets_in": ("»", "«"),  # German, Danish
    "corner": ("「", "」"),  # Japanese, Chinese
    "white_corner": ("『", "』"),
}
SINGLE = {
    "curly_single": ("‘", "’"),
    "straight_single": ("'", "'"),
    "low_single": ("‚", "‘"),
}
FAMILIES = DOUBLE | SINGLE

DASHES = "—―"  # an em dash (or a horizontal bar) before a speech
DASH_LANGUAGES = {
    "fr",
    "es",
    "it",
    "ru",
    "uk",
    "pt",
    "pl",
    "bg",
    "ca",
    "cs",
    "sk",
    "sr",
    "hr",
    "ro",
}

# Words an apostrophe begins, which never open a quote: 'em, 'tis, 'twas, 'cause, 'n', 'bout...
ELISIONS = re.compile(
    r"(?:em|tis|twas|twere|twill|twould|cause|cos|bout|round|til|till|n|nuff|ere|im|er|is|"
    r"ave|e|ow|ome|un|ud|d|ll|s|t|re|ve|m|0\d|[1-9]0s|\d\d)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w")
_OPEN_BEFORE = set(" \t\n\u00a0([{—–-/") | set("“‘«»„‚「『")
_CLOSE_AFTER_PUNCT = set(".,!?;:—–-…)")


@dataclass(frozen=True)
class QuoteStyle:
    """The marks a book quotes with: the families that open a quotation at the top level."""

    families: tuple[str, ...]
    dashes: bool = False  # a paragraph opening with a dash is speech

    @property
    def openers(self) -> dict[str, str]:
        """Opening mark -> family; a mark two families share goes to the commoner (first)."""
        found: dict[str, str] = {}
        for family in self.families:
            found.setdefault(FAMILIES[family][0], family)
        return found


@dataclass(frozen=True)
class Segment:
    """A stretch of a paragraph: narration (quote None) or a quotation, marks included."""

    start: int
    end: int
    quote: int | None  # the quotation's index in the chapter; its parts share it

    def text(self, paragraph: str) -> str:
        return paragraph[self.start : self.end]


@dataclass(frozen=True)
class Part:
    """One quoted stretch: the paragraph it is in, its segment, and the words inside the marks."""

    paragraph: int
    start: int  # of the words inside the marks
    end: int
    segment: int  # its index in the paragraph's segments


@dataclass
class Quotation:
    """A quotation: one part, or several when it runs over paragraphs. A quotation interrupted
    by its tag ("...," said he, "...") is two quotations of one paragraph: the attribution gives
    them one speaker."""

    index: int
    parts: list[Part]


def detect_style(texts: Iterable[str], language: str) -> QuoteStyle:
    """The marks the book quotes with, counted where a mark could open a quotation."""
    counts = dict.fromkeys(FAMILIES, 0)
    for text in texts:
        for i, ch in enumerate(text):
            if ch not in "“\"„«»「『‘'‚":
                continue
            if not (_could_open(text, i) or (ch == "«" and _french_open(text, i))):
                continue
            after = text[i + 1 : i + 2]
            if ch == "“":
                counts["curly"] += 1
            elif ch == '"':
                counts["straight"] += 1
            elif ch == "„":
                rest = text[i + 1 : i + 400]
                low, right = rest.find("“"), rest.find("”")
                family = "low_right" if right >= 0 and (low < 0 or right < low) else "low"
                counts[family] += 1
            elif ch == "«":
                counts["guillemets"] += 1
            elif ch == "»" and after.isalpha():  # »Hallo«; not a French close before a comma
                counts["guillemets_in"] += 1
            elif ch == "「":
                counts["corner"] += 1
            elif ch == "『":
                counts["white_corner"] += 1
            elif ch == "‘" and not ELISIONS.match(text, i + 1):
                counts["curly_single"] += 1
            elif ch == "'" and not ELISIONS.match(text, i + 1):
                counts["straight_single"] += 1
            elif ch == "‚":
                counts["low_single"] += 1
    doubles = {f: counts[f] for f in DOUBLE if counts[f]}
    singles = {f: counts[f] for f in SINGLE if counts[f]}
    top = max(doubles.values(), default=0)
    # A family in use is one with at least a tenth of the commonest's openings (a book set in
    # curly marks with a few straight ones left in), and single marks only where they, not
    # double marks, are the book's quotation marks.
    families = sorted((f for f in doubles if doubles[f] * 10 >= top), key=lambda f: -doubles[f])
    single_top = max(singles.values(), default=0)
    if single_top > top:
        best = [
            f for f in sorted(singles, key=lambda f: -singles[f]) if singles[f] * 10 >= single_top
        ]
        families = best + families
    dashes = language.split("-")[0].lower() in DASH_LANGUAGES
    return QuoteStyle(tuple(families), dashes)


def _french_open(text: str, i: int) -> bool:
    """« followed by a space (French sets a no-break space inside its guillemets)."""
    before = text[i - 1] if i else " "
    return (before.isspace() or before in _OPEN_BEFORE) and text[i + 1 : i + 2].isspace()


def _could_open(text: str, i: int) -> bool:
    """A mark at I is at the start of words: after a space (or the paragraph's start) and
    before something that is not a space."""
    before = text[i - 1] if i else " "
    after = text[i + 1 : i + 2]
    if not after or after.isspace():
        return False
    return before in _OPEN_BEFORE or before.isspace()


def _closes(text: str, i: int, family: str) -> str:
    """Whether the closing mark at I ends the quotation: "yes", "no" or "maybe" (a single
    closing mark after a letter and before a lower-case word may be a plural's apostrophe)."""
    if family not in SINGLE:
        return "yes"
    before = text[i - 1] if i else " "
    after = text[i + 1 : i + 2]
    if before.isalnum() and after.isalnum():
        return "no"  # don't, o'clock
    if before.isspace():
        return "no"  # an opening elision or a stray mark, not a close
    if before in _CLOSE_AFTER_PUNCT or before in '”"»!?':
        return "yes"
    rest = text[i + 1 : i + 3]
    if rest[:1].isspace() and rest[1:2].islower():
        return "maybe"  # the Smiths' house
    return "yes"


def find_quotes(
    paragraphs: Sequence[str], style: QuoteStyle
) -> tuple[list[list[Segment]], list[Quotation]]:
    """Each paragraph's segments, and the chapter's quotations in reading order."""
    openers = style.openers
    quotations: list[Quotation] = []
    all_segments: list[list[Segment]] = []
    left_open: tuple[Quotation, str] | None = None  # a quotation open at the last paragraph's end
    for p, text in enumerate(paragraphs):
        n = len(text)
        lead = n - len(text.lstrip())
        spans: list[tuple[int, int, int, int]] = []  # a quote's start, end, and its inner words
        carried = None
        if left_open is not None and text.startswith(FAMILIES[left_open[1]][0], lead):
            carried = left_open
        left_open = None
        i = 0
        if carried is None and style.dashes and lead < n and text[lead] in DASHES:
            spans.extend(_dash_quotes(text, lead))
            i = n
        resumes = carried is not None  # the paragraph opens by going on with that speech
        while i < n:
            if resumes:
                start, family = lead, carried[1]  # type: ignore[index]
                resumes = False
            else:
                start = _next_opening(text, i, openers)
                if start < 0:
                    break
                family = openers[text[start]]
            end = _closing(text, start + 1, family, _reopens(paragraphs, p + 1, family))
            if end < 0:  # open at the paragraph's end: it may go on in the next
                if _WORD.search(text, start + 1):
                    spans.append((start, n, start + 1, len(text.rstrip())))
                    left_open = (Quotation(-1, []), family)
                break
            if _WORD.search(text, start + 1, end):  # "" around nothing is not a line
                spans.append((start, end + 1, start + 1, end))
            elif start == lead and carried is not None and not spans:
                carried = None  # the speech went on with no words: it ended before
            i = end + 1
        segments: list[Segment] = []
        position = 0
        for q, (start, end, inner_start, inner_end) in enumerate(spans):
            if start > position:
                segments.append(Segment(position, start, None))
            if q == 0 and carried is not None:
                quotation = carried[0]
            else:
                quotation = Quotation(len(quotations), [])
                quotations.append(quotation)
            segments.append(Segment(start, end, quotation.index))
            quotation.parts.append(
                Part(p, inner_start, max(inner_start, inner_end), len(segments) - 1)
            )
            position = end
        if position < n or not segments:
            segments.append(Segment(position, n, None))
        all_segments.append(segments)
        if left_open is not None:
            left_open = (quotations[segments[-1].quote or 0], left_open[1])
    return all_segments, quotations


def _closing(text: str, j: int, family: str, reopens: bool) -> int:
    """Where the quotation of FAMILY opened before J closes, or -1 if it stays open."""
    close_mark = FAMILIES[family][1]
    maybe = -1
    nested = 0  # straight marks opened inside the quotation: "limited to "little puss,""
    while True:
        j = text.find(close_mark, j)
        if j < 0:
            break
        if family == "straight":
            before, after = text[j - 1 : j], text[j + 1 : j + 2]
            if before.isspace() and after.isalnum():
                nested += 1
                j += 1
                continue
            if nested:
                nested -= 1
                j += 1
                continue
        verdict = _closes(text, j, family)
        if verdict == "yes":
            return j
        if verdict == "maybe":
            maybe = j
        j += 1
    # Left open at the paragraph's end with no quotation going on in the next: the last mark
    # that could have closed it did (the Smiths' was a close after all).
    return -1 if reopens or maybe < 0 else maybe


def _reopens(paragraphs: Sequence[str], p: int, family: str) -> bool:
    if p >= len(paragraphs):
        return False
    return paragraphs[p].lstrip().startswith(FAMILIES[family][0])


def _next_opening(text: str, i: int, openers: dict[str, str]) -> int:
    """Where the next quotation opens at or after I, or -1."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in openers:
            family = openers[ch]
            if family in ("straight",):
                return i  # a straight double mark opens wherever it is outside a quotation
            if family in SINGLE:
                if _could_open(text, i) and not ELISIONS.match(text, i + 1):
                    return i
            elif text[i + 1 : i + 2].strip() or family in ("guillemets",):
                return i
        i += 1
    return -1


def _dash_quotes(text: str, lead: int) -> list[tuple[int, int, int, int]]:
    """A paragraph of dash dialogue: speech from the opening dash, narration inside each incise
    between a later pair of dashes (`—Hola —dijo él—. ¿Vienes?`, `— Да, — сказал он, — иду.`)."""
    quotes: list[tuple[int, int, int, int]] = []
    n = len(text.rstrip())
    start = lead
    i = lead + 1
    while True:
        dash = _next_dash(text, i)
        if dash < 0:
            quotes.extend(_inverted_incises(text, start, n))
            return quotes
        quotes.extend(_inverted_incises(text, start, dash))
        back = _next_dash(text, dash + 1)
        if back < 0:
            return quotes  # the narrator's words run to the end
        start = back
        i = back + 1


# An incise set off by a comma only, its verb before its subject: "— Bonjour, dit-il. Entrez.",
# "— À ce soir, murmura Marie."
_INVERTED = re.compile(
    r",\s+(?P<verb>[^\W\d_]+)(?:-(?:t-)?(?:il|elle|ils|elles|on|je|tu|nous|vous)\b"
    r"|\s+(?=[^\W\d_]*[A-ZÀ-Ý]))[^.!?…;,—]*[.!?…;,]?"
)  # ", dit-il.", ", murmura Marie."


def _inverted_incises(text: str, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """The speech from START (its dash) to END, less the inverted incises inside it."""
    spans = []
    mark = start  # the quotation's first character (its dash, or where speech resumes)
    inner = start + 1
    for m in _INVERTED.finditer(text, start, end):
        if m["verb"].lower() not in SPEECH_VERBS:
            continue
        spans.append((mark, m.start() + 1, inner, m.start()))
        mark = inner = m.end()
    if _WORD.search(text, inner, end) or not spans:
        spans.append((mark, end, inner, end))
    return spans  # nothing said after the incise: it runs to the end as narration


def _next_dash(text: str, i: int) -> int:
    """The next dash at or after I that starts or ends an incise: a space on one side of it."""
    while True:
        found = min((j for j in (text.find(d, i) for d in DASHES) if j >= 0), default=-1)
        if found < 0:
            return -1
        before = text[found - 1 : found]
        after = text[found + 1 : found + 2]
        if before.isspace() or not after.isalnum():  # " —dijo", "él—." and "—, dit-il"
            return found
        i = found + 1
