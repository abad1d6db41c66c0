"""Splitting a decoded text into chapters: headings, tables of contents, front matter, scene breaks.

Books mark chapters in many ways, and the same marks mean other things elsewhere (a lone "I." is
a chapter in one book, a sub-part or the end of a sentence in another). So every one-line block is
first classified by the kind of heading it could be (headings.py), and then one kind is chosen
for the whole book: the most explicit kind the book uses. Lesser kinds inside it stay what they
are (sub-part numerals become pauses; capitalised lines stay text). The sections found become
chapters as every reader's do (sections.py).

Invariant: every word of the body is spoken, in order (as a paragraph, or as the title of its
chapter), or reported in `Split.skipped` with the reason (a table of contents, a title page, a
chapter the producer asked to skip).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from audiobook.core.book import Block, Paragraph, SceneBreak, Skipped
from audiobook.core.config import SplitOptions
from audiobook.core.words import WORD, count_words
from audiobook.readers.headings import (
    SMALL_WORDS,
    ChapterHeading,
    classify,
    inline,
    may_head_a_block,
    tidy_title,
)
from audiobook.readers.sections import (
    ILLUSTRATION,
    SCENE_BREAK,
    Split,
    apply_skips,
    by_length,
    chapters_of,
    split_long,
)

_MD_METADATA = re.compile(
    r"^#{1,6}\s*(?P<key>title|author|narrator|language|year)\s*:\s*(?P<value>.+?)\s*$", re.I
)
_TOC_WORDS = re.compile(
    r"^\s*(Contents|CONTENTS|Table of Contents|TABLE OF CONTENTS|TABLE|Table des mati[eè]res|"
    r"TABLE DES MATI[EÈ]RES|Inhalt|INHALT|Inhaltsverzeichnis|INHALTSVERZEICHNIS|Sommaire|"
    r"SOMMAIRE|[ÍI]ndice|[ÍI]NDICE)\.?\s*$"
)


@dataclass(frozen=True)
class _Raw:
    lines: tuple[str, ...]
    gap: int  # blank lines before this block

    @property
    def text(self) -> str:
        return " ".join(self.lines)


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


def split_chapters(text: str, options: SplitOptions | None = None) -> Split:
    """Split one decoded text into chapters; see the module's docstring."""
    options = options or SplitOptions()
    pattern = re.compile(options.heading_pattern) if options.heading_pattern else None
    split = Split(chapters=[])
    blocks = _drop_tables_of_contents(_raw_blocks(text), pattern, split)
    headings: list[ChapterHeading | None] = []
    for raw in blocks:
        meta = _MD_METADATA.match(raw.lines[0])
        if meta and len(raw.lines) == 1 and pattern is None:
            split.metadata.setdefault(meta["key"].lower(), meta["value"])
            headings.append(ChapterHeading("meta", "", ""))
            continue
        heading = classify(raw.lines[0], pattern)
        # Text may follow in the same block only under a Markdown heading or a bare "CHAPTER I":
        # otherwise "Chapter 5 of the statute says..." opening a paragraph would be a heading.
        if heading and len(raw.lines) > 1 and not may_head_a_block(heading, raw.lines[0]):
            heading = None
        headings.append(heading)
    kinds = _chosen_kinds(headings)
    sections = _sections(blocks, headings, kinds)
    if kinds and not options.front_matter and _lone_title(sections[0][1]):
        # "THE WINTER SEASON" above "CHAPTER ONE": the book's title, not a chapter of its own.
        # _lone_title holds: its first block is a paragraph (SceneBreak has no text).
        title = sections[0][1][0].text  # type: ignore[union-attr]
        split.metadata.setdefault("title", tidy_title(title))
        split.skipped.append(Skipped("the book's title (said in the opening credits)", title))
        sections[0] = (None, [])
    if not kinds:
        split.chapters = by_length(sections[0][1], options.target_words)
        split.by_length = True
    else:
        split.chapters = chapters_of(sections, options, split)
    split.chapters = apply_skips(split.chapters, options.skip, split)
    split.chapters = split_long(split.chapters, options)
    return split


def _lone_title(body: list[Block | Skipped]) -> bool:
    """Whether the text before the first heading is one short line in title case or capitals."""
    if len(body) != 1 or not isinstance(body[0], Paragraph):
        return False
    text = body[0].text
    words = [w for w in text.split() if WORD.search(w)]
    if not 1 <= len(words) <= 10 or len(text) > 80 or text.rstrip()[-1] in ".!?,;:":
        return False
    heading = classify(text, None)
    if heading is not None and heading.kind != "caps":
        return False  # "Chapter 1", "I.": a heading of a kind the book does not use, not a title
    # Every significant word starts with a capital letter ("'Tis" by its T; "1984" has none).
    initials = [
        next((ch for ch in w if ch.isalpha()), "") for w in words if w.lower() not in SMALL_WORDS
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
        if len(raw.lines) >= 3 and all(classify(line, pattern) for line in raw.lines):
            split.skipped.append(Skipped("table of contents", "\n".join(raw.lines)))
            i += 1
            continue
        kept.append(raw)
        i += 1
    return kept


def _toc_entry(raw: _Raw) -> bool:
    return all(
        (len(line) <= 80 and count_words(line) <= 12 and not re.search(r"[.!?]\s*[\"”»]?$", line))
        or classify(line, None) is not None
        for line in raw.lines
    )


def _chosen_kinds(headings: list[ChapterHeading | None]) -> set[str]:
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
    blocks: list[_Raw], headings: list[ChapterHeading | None], kinds: set[str]
) -> list[tuple[ChapterHeading | None, list[Block | Skipped]]]:
    """[(heading or None for the text before the first one, its blocks)]."""
    sections: list[tuple[ChapterHeading | None, list[Block | Skipped]]] = [(None, [])]
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
                sections[-1][1].append(Paragraph(inline(" ".join(raw.lines[1:]))))
            continue
        if heading is not None and heading.kind == "lone" and kinds & {"numbered", "chapter"}:
            body.append(SceneBreak())  # a numbered sub-part inside a chapter
        elif len(raw.lines) == 1 and SCENE_BREAK.match(raw.lines[0]):
            body.append(SceneBreak())
        elif ILLUSTRATION.match(raw.text):
            body.append(Skipped("illustration", raw.text))
        else:
            body.append(Paragraph(inline(raw.text)))
    return sections
