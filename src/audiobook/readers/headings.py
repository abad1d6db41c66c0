"""What a line of a manuscript could be as a heading, and the title it gives its chapter.

Books mark chapters in many ways (Markdown, "Chapter N", "CHAPTER I. A TITLE", a numbered title, a
lone numeral, a capitalised line), and the same marks mean other things elsewhere: this module
only says what kind of heading a line could be (`classify`); chapters.py chooses, for a whole
text, which kinds are its chapters. Titles are tidied as the text prints them would be read:
"CHAPTER I. DOWN THE RABBIT-HOLE" is titled "Down the Rabbit-Hole" and said "Chapter 1. Down the
Rabbit-Hole"; footnote and emphasis marks are not spoken (`inline`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from audiobook.core.words import count_words

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_NUMBER = r"(?:\d{1,4}|[IVXLCDM]+|[ivxlcdm]+|[A-Za-z]+(?:-[A-Za-z]+)?)"
_CHAPTER_WORDS = r"chapter|chapitre|kapitel|cap[ií]tulo|capitolo|hoofdstuk|rozdzia[lł]"
_PART_WORDS = r"part|book|volume|partie|livre|teil|buch|parte|libro"
_ENDS = r"prologue|prolog|prólogo|prologo|epilogue|epilog|épilogue|epílogo|epilogo"
_CHAPTER = re.compile(
    rf"^\s*(?P<word>{_CHAPTER_WORDS}|{_PART_WORDS})\s+(?P<num>{_NUMBER})\b\.?"
    rf"(?:\s*[:.\-\u2013\u2014]?\s+(?P<title>\S.*?))?\s*$",
    re.I,
)
_PROLOGUE = re.compile(
    rf"^\s*(?P<word>{_ENDS})\b\.?(?:\s*[:.\-\u2013\u2014]?\s+(?P<title>\S.*?))?\s*$", re.I
)
_MARKDOWN = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_NUMBERED = re.compile(r"^\s*(?P<num>[IVXLC]+)\.\s+(?P<title>[^\W\d_].*?)\s*$")
_LONE = re.compile(r"^\s*(?P<num>[IVXLC]+|\d{1,3})\.?\s*$")
_END_WORDS = {"FIN", "THE END", "END", "ENDE", "FINIS"}
# Footnote markers ("word[1]", "word*") and emphasis marks ("_the_", "*so*") are not spoken.
_FOOTNOTE = re.compile(r"\[\d{1,3}\]|\[\*\]")
_EMPHASIS = re.compile(r"(?<!\w)[_*]+(?=\w)|(?<=[\w.,;:!?'\"»\u201d\u2019)])[_*]+(?!\w)")
SMALL_WORDS = {
    "a", "an", "the", "of", "in", "on", "at", "to", "and", "or", "for", "with", "by", "from",
    "de", "du", "des", "la", "le", "les", "et", "à", "au", "aux", "un", "une", "en",
    "der", "die", "das", "und", "von", "im", "zu", "dem", "den",
}  # fmt: skip


@dataclass(frozen=True)
class ChapterHeading:
    """A line as a chapter's heading: its kind, its title (tags, file names) and what is said."""

    # "custom" (the producer's pattern), "md", "chapter", "part", "numbered", "lone", "caps";
    # "known" and "holds" (a part, holding what follows) where the reader knows the structure;
    # "meta" for a Markdown metadata line (chapters.py).
    kind: str
    title: str
    spoken: str
    number: int | None = None


def classify(line: str, pattern: re.Pattern[str] | None) -> ChapterHeading | None:
    """What kind of heading LINE could be, if any."""
    if pattern is not None:
        return ChapterHeading("custom", line, line) if pattern.fullmatch(line) else None
    if m := _MARKDOWN.match(line):
        title = m["title"]
        number = _number(title)
        return ChapterHeading("md", title, str(number) if number is not None else title, number)
    if (m := _CHAPTER.match(line)) and len(line) <= 90:
        number = _number(m["num"])
        if number is None or (m["title"] and count_words(m["title"]) > 12):
            return None
        word = m["word"].capitalize()
        label = f"{word} {number}"
        title = tidy_title(m["title"]) if m["title"] else None
        kind = "part" if re.fullmatch(_PART_WORDS, word, re.I) else "chapter"
        if title is None and m["num"].isdigit():
            label = f"{word} {m['num']}"  # keep "Chapter 1" exactly as written
        return ChapterHeading(kind, title or label, f"{label}. {title}" if title else label, number)
    if m := _PROLOGUE.match(line):
        word = m["word"].capitalize()
        title = tidy_title(m["title"]) if m["title"] else None
        return ChapterHeading("chapter", title or word, f"{word}. {title}" if title else word)
    if (m := _NUMBERED.match(line)) and len(line) <= 80 and not line.rstrip().endswith(","):
        number = _roman(m["num"])
        title = tidy_title(m["title"])
        return ChapterHeading("numbered", title, title, number)
    if m := _LONE.match(line):
        number = _number(m["num"])
        if number is not None:
            return ChapterHeading("lone", m["num"], str(number), number)
    if _is_caps_title(line):
        title = tidy_title(line)
        return ChapterHeading("caps", title, title)
    return None


def may_head_a_block(heading: ChapterHeading, line: str) -> bool:
    """Whether text may follow HEADING (LINE) in the same block: only under a Markdown heading,
    the producer's pattern, or a bare "CHAPTER I"."""
    if heading.kind in ("custom", "md"):
        return True
    return (
        heading.kind in ("chapter", "part")
        and (match := _CHAPTER.match(line)) is not None
        and match["title"] is None
    )


def _is_caps_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 2 or any(c.islower() for c in letters) or len(line) > 70:
        return False
    if line.strip().upper() in _END_WORDS or line.rstrip()[-1] in ".!?;:,»«\"\u201d\u201c'\u2019)":
        return False
    return re.fullmatch(r"[\w\s'\u2019,&/\-]+", line.strip()) is not None


def _number(token: str) -> int | None:
    token = token.strip().rstrip(".")
    if token.isdigit():
        return int(token)
    if re.fullmatch(r"[IVXLCDM]+|[ivxlcdm]+", token):
        return _roman(token)
    words = token.lower().split("-")
    if len(words) == 1 and words[0] in _NUMBER_WORDS:
        return _NUMBER_WORDS[words[0]]
    if len(words) == 2 and words[0] in _TENS and words[1] in _NUMBER_WORDS:
        return _TENS[words[0]] + _NUMBER_WORDS[words[1]]
    if len(words) == 1 and words[0] in _TENS:
        return _TENS[words[0]]
    return None


def _roman(token: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    digits = [values[c] for c in token.lower()]
    for i, v in enumerate(digits):
        total += -v if i + 1 < len(digits) and digits[i + 1] > v else v
    return total


def tidy_title(title: str) -> str:
    """'A SCANDAL IN BOHEMIA' -> 'A Scandal in Bohemia'; titles in mixed case are kept."""
    title = inline(title).strip()
    if any(c.islower() for c in title):
        return title
    out = []
    for i, word in enumerate(title.split()):
        lower = word.lower()
        if i and lower in SMALL_WORDS:
            out.append(lower)
            continue
        # "L'AUBERGE" -> "L'Auberge", "ALICE'S" -> "Alice's"
        parts = re.split(r"(['\u2019])", lower)
        if len(parts) == 3 and len(parts[0]) == 1:
            out.append(parts[0].upper() + parts[1] + parts[2].capitalize())
        else:  # "RED-HEADED" -> "Red-Headed"
            out.append("-".join(part[:1].upper() + part[1:] for part in lower.split("-")))
    return " ".join(out)


def inline(text: str) -> str:
    """TEXT without footnote markers and emphasis marks, which are not spoken."""
    return _EMPHASIS.sub("", _FOOTNOTE.sub("", text))


def heading_for(text: str, part: bool = False) -> ChapterHeading:
    """The heading of a section whose structure a reader knows (an EPUB's navigation label, an
    HTML heading), titled as the text reader would title it; PART: it holds what follows."""
    heading = classify(text, None)
    if heading is None or heading.kind == "md":
        title = tidy_title(text)
        heading = ChapterHeading("known", title, title)
    return replace(heading, kind="holds") if part else heading
