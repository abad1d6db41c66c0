"""Splitting decoded text into chapters: headings, tables of contents, front matter, scene breaks.

Books mark chapters in many ways, and the same marks mean other things elsewhere (a lone "I." is
a chapter in one book, a sub-part or the end of a sentence in another). So every one-line block is
first classified by the kind of heading it could be, and then one kind is chosen for the whole
book: the most explicit kind the book uses. Lesser kinds inside it stay what they are (sub-part
numerals become pauses; capitalised lines stay text).

Invariant: every word of the body is spoken, in order (as a paragraph, or as the title of its
chapter), or reported in `Split.skipped` with the reason (a table of contents, a title page, a
chapter the producer asked to skip).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from audiobook.core.book import Block, Chapter, Paragraph, SceneBreak, Skipped
from audiobook.core.config import SplitOptions
from audiobook.core.words import WORD, count_words

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
_MD_METADATA = re.compile(
    r"^#{1,6}\s*(?P<key>title|author|narrator|language|year)\s*:\s*(?P<value>.+?)\s*$", re.I
)
_NUMBERED = re.compile(r"^\s*(?P<num>[IVXLC]+)\.\s+(?P<title>[^\W\d_].*?)\s*$")
_LONE = re.compile(r"^\s*(?P<num>[IVXLC]+|\d{1,3})\.?\s*$")
_TOC_WORDS = re.compile(
    r"^\s*(Contents|CONTENTS|Table of Contents|TABLE OF CONTENTS|TABLE|Table des mati[eè]res|"
    r"TABLE DES MATI[EÈ]RES|Inhalt|INHALT|Inhaltsverzeichnis|INHALTSVERZEICHNIS|Sommaire|"
    r"SOMMAIRE|[ÍI]ndice|[ÍI]NDICE)\.?\s*$"
)
_END_WORDS = {"FIN", "THE END", "END", "ENDE", "FINIS"}
_SCENE_BREAK = re.compile(r"^\s*(?:[*#~•·◆◇❦§⁂]\s*){1,5}$|^\s*[-_=]{3,}\s*$")
_ILLUSTRATION = re.compile(r"^\[(Illustration|Image)[^\]]*\]$", re.I | re.S)
# Footnote markers ("word[1]", "word*") and emphasis marks ("_the_", "*so*") are not spoken.
_FOOTNOTE = re.compile(r"\[\d{1,3}\]|\[\*\]")
_EMPHASIS = re.compile(r"(?<!\w)[_*]+(?=\w)|(?<=[\w.,;:!?'\"»\u201d\u2019)])[_*]+(?!\w)")
_SMALL_WORDS = {
    "a", "an", "the", "of", "in", "on", "at", "to", "and", "or", "for", "with", "by", "from",
    "de", "du", "des", "la", "le", "les", "et", "à", "au", "aux", "un", "une", "en",
    "der", "die", "das", "und", "von", "im", "zu", "dem", "den",
}  # fmt: skip
# A section before the first heading of a Gutenberg text is a title page unless it has prose.
_PROSE_WORDS = 8


@dataclass
class Split:
    chapters: list[Chapter]
    skipped: list[Skipped] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # from "## Author: ..." lines
    by_length: bool = False  # no headings: cut at paragraphs into chapters of a target size


# --- reading blocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Raw:
    lines: tuple[str, ...]
    gap: int  # blank lines before this block

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class _Heading:
    kind: str  # "custom", "md", "chapter", "part", "numbered", "lone", "caps"
    title: str
    spoken: str
    number: int | None = None


def _raw_blocks(text: str) -> list[_Raw]:
    blocks: list[_Raw] = []
    lines: list[str] = []
    gap = 0
    for line in text.split("\n"):
        if line.strip():
            lines.append(line.strip())
            continue
        if lines:
            blocks.append(_Raw(tuple(lines), gap))
            lines, gap = [], 0
        gap += 1
    if lines:
        blocks.append(_Raw(tuple(lines), gap))
    return blocks


def _classify(line: str, pattern: re.Pattern[str] | None) -> _Heading | None:
    """What kind of heading LINE could be, if any."""
    if pattern is not None:
        return _Heading("custom", line, line) if pattern.fullmatch(line) else None
    if m := _MARKDOWN.match(line):
        title = m["title"]
        number = _number(title)
        return _Heading("md", title, str(number) if number is not None else title, number)
    if (m := _CHAPTER.match(line)) and len(line) <= 90:
        number = _number(m["num"])
        if number is None or (m["title"] and count_words(m["title"]) > 12):
            return None
        word = m["word"].capitalize()
        label = f"{word} {number}"
        title = _tidy_title(m["title"]) if m["title"] else None
        kind = "part" if re.fullmatch(_PART_WORDS, word, re.I) else "chapter"
        if title is None and m["num"].isdigit():
            label = f"{word} {m['num']}"  # keep "Chapter 1" exactly as written
        return _Heading(kind, title or label, f"{label}. {title}" if title else label, number)
    if m := _PROLOGUE.match(line):
        word = m["word"].capitalize()
        title = _tidy_title(m["title"]) if m["title"] else None
        return _Heading("chapter", title or word, f"{word}. {title}" if title else word)
    if (m := _NUMBERED.match(line)) and len(line) <= 80 and not line.rstrip().endswith(","):
        number = _roman(m["num"])
        title = _tidy_title(m["title"])
        return _Heading("numbered", title, title, number)
    if m := _LONE.match(line):
        number = _number(m["num"])
        if number is not None:
            return _Heading("lone", m["num"], str(number), number)
    if _is_caps_title(line):
        title = _tidy_title(line)
        return _Heading("caps", title, title)
    return None


def _may_head_a_block(heading: _Heading, line: str) -> bool:
    if heading.kind in ("custom", "md"):
        return True
    return (
        heading.kind in ("chapter", "part")
        and _CHAPTER.match(line) is not None
        and (
            _CHAPTER.match(line)["title"] is None  # type: ignore[index]
        )
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


def _tidy_title(title: str) -> str:
    """'A SCANDAL IN BOHEMIA' -> 'A Scandal in Bohemia'; titles in mixed case are kept."""
    title = _inline(title).strip()
    if any(c.islower() for c in title):
        return title
    out = []
    for i, word in enumerate(title.split()):
        lower = word.lower()
        if i and lower in _SMALL_WORDS:
            out.append(lower)
            continue
        # "L'AUBERGE" -> "L'Auberge", "ALICE'S" -> "Alice's"
        parts = re.split(r"(['\u2019])", lower)
        if len(parts) == 3 and len(parts[0]) == 1:
            out.append(parts[0].upper() + parts[1] + parts[2].capitalize())
        else:  # "RED-HEADED" -> "Red-Headed"
            out.append("-".join(part[:1].upper() + part[1:] for part in lower.split("-")))
    return " ".join(out)


def _inline(text: str) -> str:
    return _EMPHASIS.sub("", _FOOTNOTE.sub("", text))


# --- the split --------------------------------------------------------------------------------


def split_chapters(text: str, options: SplitOptions | None = None) -> Split:
    """Split one decoded text into chapters; see the module's docstring."""
    options = options or SplitOptions()
    pattern = re.compile(options.heading_pattern) if options.heading_pattern else None
    split = Split(chapters=[])
    blocks = _drop_tables_of_contents(_raw_blocks(text), pattern, split)
    headings: list[_Heading | None] = []
    for raw in blocks:
        meta = _MD_METADATA.match(raw.lines[0])
        if meta and len(raw.lines) == 1 and pattern is None:
            split.metadata.setdefault(meta["key"].lower(), meta["value"])
            headings.append(_Heading("meta", "", ""))
            continue
        heading = _classify(raw.lines[0], pattern)
        # Text may follow in the same block only under a Markdown heading or a bare "CHAPTER I":
        # otherwise "Chapter 5 of the statute says..." opening a paragraph would be a heading.
        if heading and len(raw.lines) > 1 and not _may_head_a_block(heading, raw.lines[0]):
            heading = None
        headings.append(heading)
    kinds = _chosen_kinds(headings)
    sections = _sections(blocks, headings, kinds)
    if kinds and not options.front_matter and _lone_title(sections[0][1]):
        # "THE WINTER SEASON" above "CHAPTER ONE": the book's title, not a chapter of its own.
        title = sections[0][1][0].text  # type: ignore[union-attr]
        split.metadata.setdefault("title", _tidy_title(title))
        split.skipped.append(Skipped("the book's title (said in the opening credits)", title))
        sections[0] = (None, [])
    if not kinds:
        split.chapters = _by_length(sections[0][1], options.target_words)
        split.by_length = True
    else:
        split.chapters = _chapters(sections, options, split)
    split.chapters = _apply_skips(split.chapters, options.skip, split)
    split.chapters = _split_long(split.chapters, options)
    return split


@dataclass(frozen=True)
class Section:
    """A part of a manuscript whose structure the reader knows (an EPUB's navigation, HTML
    headings): its heading as written, or None for what comes before the first one."""

    heading: str | None
    blocks: tuple[Block | Skipped, ...]
    part: bool = False  # it holds the sections after it (a part): never front matter


def split_sections(sections: list[Section], options: SplitOptions | None = None) -> Split:
    """Chapters from known sections, made as split_chapters makes them from text: headings
    titled and spoken the same way ("CHAPTER I. Down the Rabbit-Hole" is read "Chapter 1. Down
    the Rabbit-Hole"), a heading without text of its own said with the next chapter, front
    matter without prose skipped, the producer's skips, long chapters cut into parts."""
    options = options or SplitOptions()
    split = Split(chapters=[])
    headed = [
        (_heading_for(s.heading, s.part) if s.heading else None, list(s.blocks)) for s in sections
    ]
    split.chapters = _chapters(headed, options, split)
    split.chapters = _apply_skips(split.chapters, options.skip, split)
    split.chapters = _split_long(split.chapters, options)
    return split


def paragraph(text: str) -> Block | Skipped:
    """A paragraph of a structured manuscript as the text reader would take it: a scene-break
    line is a pause, an [Illustration] is not read, footnote and emphasis marks go."""
    if _SCENE_BREAK.match(text):
        return SceneBreak()
    if _ILLUSTRATION.match(text):
        return Skipped("illustration", text)
    return Paragraph(_inline(text))


def _heading_for(text: str, part: bool = False) -> _Heading:
    heading = _classify(text, None)
    if heading is None or heading.kind == "md":
        title = _tidy_title(text)
        heading = _Heading("known", title, title)
    return replace(heading, kind="holds") if part else heading


def _lone_title(body: list[Block | Skipped]) -> bool:
    """Whether the text before the first heading is one short line in title case or capitals."""
    if len(body) != 1 or not isinstance(body[0], Paragraph):
        return False
    text = body[0].text
    words = [w for w in text.split() if WORD.search(w)]
    if not 1 <= len(words) <= 10 or len(text) > 80 or text.rstrip()[-1] in ".!?,;:":
        return False
    heading = _classify(text, None)
    if heading is not None and heading.kind != "caps":
        return False  # "Chapter 1", "I.": a heading of a kind the book does not use, not a title
    # Every significant word starts with a capital letter ("'Tis" by its T; "1984" has none).
    initials = [
        next((ch for ch in w if ch.isalpha()), "") for w in words if w.lower() not in _SMALL_WORDS
    ]
    return any(initials) and all(ch.isupper() for ch in initials if ch)


def _drop_tables_of_contents(
    blocks: list[_Raw], pattern: re.Pattern[str] | None, split: Split
) -> list[_Raw]:
    """A 'Contents' line and the list after it, or a block that is nothing but headings."""
    kept: list[_Raw] = []
    i = 0
    while i < len(blocks):
        raw = blocks[i]
        if len(raw.lines) == 1 and _TOC_WORDS.match(raw.lines[0]):
            j = i + 1
            # Entries follow closely; a wider gap or a line of prose ends the table.
            while j < len(blocks) and _toc_entry(blocks[j]) and (j == i + 1 or blocks[j].gap <= 1):
                j += 1
            if j > i + 1:
                text = "\n".join(line for b in blocks[i:j] for line in b.lines)
                split.skipped.append(Skipped("table of contents", text))
                i = j
                continue
        if len(raw.lines) >= 3 and all(_classify(line, pattern) for line in raw.lines):
            split.skipped.append(Skipped("table of contents", "\n".join(raw.lines)))
            i += 1
            continue
        kept.append(raw)
        i += 1
    return kept


def _toc_entry(raw: _Raw) -> bool:
    return all(
        (len(line) <= 80 and count_words(line) <= 12 and not re.search(r"[.!?]\s*[\"”»]?$", line))
        or _classify(line, None) is not None
        for line in raw.lines
    )


def _chosen_kinds(headings: list[_Heading | None]) -> set[str]:
    counts: dict[str, int] = {}
    for h in headings:
        if h is not None:
            counts[h.kind] = counts.get(h.kind, 0) + 1
    if counts.get("custom"):
        return {"custom"}
    if counts.get("md"):
        return {"md"}
    if counts.get("chapter"):
        return {"chapter", "part"}
    if counts.get("numbered", 0) >= 2:
        return {"numbered"}
    lone = [h.number for h in headings if h is not None and h.kind == "lone"]
    if len(lone) >= 2 and lone == list(range(1, len(lone) + 1)):
        return {"lone"}  # I., II., III. in order: chapters, not stray numerals
    if counts.get("caps", 0) >= 3:
        return {"caps"}
    if counts.get("part"):
        return {"part"}
    return set()


def _sections(
    blocks: list[_Raw], headings: list[_Heading | None], kinds: set[str]
) -> list[tuple[_Heading | None, list[Block | Skipped]]]:
    """[(heading or None for the text before the first one, its blocks)]."""
    sections: list[tuple[_Heading | None, list[Block | Skipped]]] = [(None, [])]
    for i, (raw, heading) in enumerate(zip(blocks, headings, strict=True)):
        body = sections[-1][1]
        if heading is not None and heading.kind == "meta":
            continue
        if heading is not None and heading.kind in kinds:
            previous = sections[-1][0]
            if kinds == {"caps"} and previous is not None and not body and i > 0:
                # A second capitalised line right under a title is its subtitle.
                merged = f"{previous.spoken}. {heading.title}"
                sections[-1] = (replace(previous, spoken=merged), body)
                continue
            sections.append((heading, []))
            if len(raw.lines) > 1:  # text right under the heading line
                sections[-1][1].append(Paragraph(_inline(" ".join(raw.lines[1:]))))
            continue
        if heading is not None and heading.kind == "lone" and kinds & {"numbered", "chapter"}:
            body.append(SceneBreak())  # a numbered sub-part inside a chapter
        elif len(raw.lines) == 1 and _SCENE_BREAK.match(raw.lines[0]):
            body.append(SceneBreak())
        elif _ILLUSTRATION.match(raw.text):
            body.append(Skipped("illustration", raw.text))
        else:
            body.append(Paragraph(_inline(raw.text)))
    return sections


def _chapters(
    sections: list[tuple[_Heading | None, list[Block | Skipped]]],
    options: SplitOptions,
    split: Split,
) -> list[Chapter]:
    chapters: list[Chapter] = []
    pending = ""  # spoken titles of headings with no text of their own (a part title)
    seen_prose = False
    for heading, body in sections:
        for item in body:
            if isinstance(item, Skipped):
                split.skipped.append(item)
        blocks = [b for b in body if not isinstance(b, Skipped)]
        text = " ".join(b.text for b in blocks if isinstance(b, Paragraph))
        spoken = heading.spoken if heading else ""
        holds = heading is not None and heading.kind == "holds"  # a part: said with the next
        if options.front_matter and not seen_prose and not _has_prose(blocks) and not holds:
            if text or heading:
                split.skipped.append(Skipped("title page", f"{spoken}\n{text}".strip()))
            continue
        seen_prose = True
        if not count_words(text):
            pending = f"{pending} {spoken}.".strip() if spoken else pending
            continue
        title = heading.title if heading else "Opening"
        spoken = f"{pending} {spoken}".strip() if pending else spoken
        pending = ""
        chapters.append(Chapter(len(chapters) + 1, title, _trim_breaks(blocks), spoken))
    if pending:  # a heading with nothing after it at the very end: say it with the last chapter
        if chapters:
            last = chapters[-1]
            closing = (*last.blocks, Paragraph(pending))
            chapters[-1] = replace(last, blocks=closing)
        else:
            split.skipped.append(Skipped("heading without text", pending))
    return chapters


def _has_prose(blocks: list[Block]) -> bool:
    for b in blocks:
        if isinstance(b, Paragraph):
            tokens = [t for t in b.text.split() if WORD.search(t)]
            if len(tokens) >= _PROSE_WORDS and sum(map(len, tokens)) / len(tokens) >= 2.5:
                return True
    return False


def _by_length(body: list[Block | Skipped], target: int) -> list[Chapter]:
    chunks: list[list[Block]] = [[]]
    words = 0
    for block in body:
        if isinstance(block, Skipped):
            continue
        if words >= target and isinstance(block, Paragraph):
            chunks.append([])
            words = 0
        chunks[-1].append(block)
        if isinstance(block, Paragraph):
            words += block.words
    chunks = [c for c in chunks if any(isinstance(b, Paragraph) and b.words for b in c)]
    # Made-up titles are read aloud only where they help to find one's way: with several parts.
    return [
        Chapter(i, f"Chapter {i}", _trim_breaks(c), f"Chapter {i}" if len(chunks) > 1 else "")
        for i, c in enumerate(chunks, start=1)
    ]


def _apply_skips(chapters: list[Chapter], skip: tuple[str, ...], split: Split) -> list[Chapter]:
    if not skip:
        return chapters
    wanted = {s.strip().lower() for s in skip}
    kept = []
    for c in chapters:
        if str(c.index) in wanted or c.title.lower() in wanted:
            text = " ".join(p.text for p in c.paragraphs)
            split.skipped.append(Skipped(f"chapter {c.index} skipped by the producer", text))
        else:
            kept.append(replace(c, index=len(kept) + 1))
    return kept


def _split_long(chapters: list[Chapter], options: SplitOptions) -> list[Chapter]:
    """Chapters longer than max_minutes at the narrator's rate become parts, at paragraphs."""
    limit = int(options.max_minutes * options.rate_wpm)
    out: list[Chapter] = []
    for chapter in chapters:
        if chapter.words <= limit:
            out.append(replace(chapter, index=len(out) + 1))
            continue
        parts: list[list[Block]] = [[]]
        words = 0
        for block in chapter.blocks:
            size = block.words if isinstance(block, Paragraph) else 0
            if words and words + size > limit:
                parts.append([])
                words = 0
            parts[-1].append(block)
            words += size
        for n, part in enumerate(parts, start=1):
            title = f"{chapter.title}, part {n}"
            spoken = f"{chapter.spoken_title or chapter.title}, part {n}"
            out.append(Chapter(len(out) + 1, title, _trim_breaks(part), spoken))
    return out


def _trim_breaks(blocks: list[Block]) -> tuple[Block, ...]:
    """A scene break at the very start or end of a chapter is just the chapter boundary."""
    start, end = 0, len(blocks)
    while start < end and isinstance(blocks[start], SceneBreak):
        start += 1
    while end > start and isinstance(blocks[end - 1], SceneBreak):
        end -= 1
    return tuple(blocks[start:end])
