"""Chapters from sections: the shaping every reader's chapters go through.

A section is a heading (or none, for what comes before the first) and its blocks: the text
reader finds them by its headings (chapters.py), the EPUB and HTML readers by the structure they
know. Here they become chapters: headings titled and spoken the same way, a heading without text
of its own (a part) said with the next chapter, front matter without prose skipped, the
producer's skips, chapters too long for one file cut into parts, and made-up chapters for a text
without headings.

Invariant: every word of the body is spoken, in order (as a paragraph, or as the title of its
chapter), or reported in `Split.skipped` with the reason (a title page, a chapter the producer
asked to skip).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from audiobook.core.book import Block, Chapter, Paragraph, SceneBreak, Skipped
from audiobook.core.config import SplitOptions
from audiobook.core.words import WORD, count_words
from audiobook.readers.headings import ChapterHeading, heading_for, inline

SCENE_BREAK = re.compile(r"^\s*(?:[*#~•·◆◇❦§⁂]\s*){1,5}$|^\s*[-_=]{3,}\s*$")
ILLUSTRATION = re.compile(r"^\[(Illustration|Image)[^\]]*\]$", re.I | re.S)
# A section before the first heading of a Gutenberg text is a title page unless it has prose.
_PROSE_WORDS = 8


@dataclass
class Split:
    """A manuscript's chapters, what was not read and why, and what the text said of itself."""

    chapters: list[Chapter]
    skipped: list[Skipped] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # from "## Author: ..." lines
    by_length: bool = False  # no headings: cut at paragraphs into chapters of a target size


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
        (heading_for(s.heading, s.part) if s.heading else None, list(s.blocks)) for s in sections
    ]
    split.chapters = chapters_of(headed, options, split)
    split.chapters = apply_skips(split.chapters, options.skip, split)
    split.chapters = split_long(split.chapters, options)
    return split


def paragraph(text: str) -> Block | Skipped:
    """A paragraph of a structured manuscript as the text reader would take it: a scene-break
    line is a pause, an [Illustration] is not read, footnote and emphasis marks go."""
    if SCENE_BREAK.match(text):
        return SceneBreak()
    if ILLUSTRATION.match(text):
        return Skipped("illustration", text)
    return Paragraph(inline(text))


def chapters_of(
    sections: list[tuple[ChapterHeading | None, list[Block | Skipped]]],
    options: SplitOptions,
    split: Split,
) -> list[Chapter]:
    """Chapters from SECTIONS ([(heading or None, blocks)]): what is skipped listed in SPLIT, a
    heading with no text of its own said with the next chapter, and with front matter (a
    Gutenberg text, an EPUB) the sections before the first prose skipped as its title page."""
    chapters: list[Chapter] = []
    # Spoken titles of headings with no text of their own (a part title); a list, since a
    # manuscript of 100,000 bare headings made the string's growth quadratic.
    pending: list[str] = []
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
            if spoken:
                pending.append(f"{spoken}.")
            continue
        title = heading.title if heading else "Opening"
        spoken = " ".join([*pending, spoken]).strip() if pending else spoken
        pending = []
        chapters.append(Chapter(len(chapters) + 1, title, _trim_breaks(blocks), spoken))
    if pending:  # a heading with nothing after it at the very end: say it with the last chapter
        if chapters:
            last = chapters[-1]
            closing = (*last.blocks, Paragraph(" ".join(pending)))
            chapters[-1] = replace(last, blocks=closing)
        else:
            split.skipped.append(Skipped("heading without text", " ".join(pending)))
    return chapters


def _has_prose(blocks: list[Block]) -> bool:
    for b in blocks:
        if isinstance(b, Paragraph):
            tokens = [t for t in b.text.split() if WORD.search(t)]
            if len(tokens) >= _PROSE_WORDS and sum(map(len, tokens)) / len(tokens) >= 2.5:
                return True
    return False


def by_length(body: list[Block | Skipped], target: int) -> list[Chapter]:
    """A text without headings as chapters of about TARGET words, cut at paragraphs."""
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


def apply_skips(chapters: list[Chapter], skip: tuple[str, ...], split: Split) -> list[Chapter]:
    """CHAPTERS without those the producer asked to SKIP (by number or title), listed in SPLIT."""
    if not skip:
        return chapters
    wanted = {s.strip().lower() for s in skip}
    kept: list[Chapter] = []
    for c in chapters:
        if str(c.index) in wanted or c.title.lower() in wanted:
            text = " ".join(p.text for p in c.paragraphs)
            split.skipped.append(Skipped(f"chapter {c.index} skipped by the producer", text))
        else:
            kept.append(replace(c, index=len(kept) + 1))
    return kept


def split_long(chapters: list[Chapter], options: SplitOptions) -> list[Chapter]:
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
