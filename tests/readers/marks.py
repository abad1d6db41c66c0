"""The shared manuscript's (manuscript.py) inline marks as parts, for the fixture builders that
write them in their own markup (RTF, FB2): `*word*` is an italic word, `[1]` the footnote's
reference; and what each paragraph is when read aloud."""

from __future__ import annotations

import re

from audiobook.readers.headings import heading_for

from . import manuscript as ms

# The chapters' titles as every reader gives them ("Chapter One: The Storm" is "The Storm").
TITLES = [heading_for(c.title).title for c in ms.CHAPTERS]
_MARK = re.compile(r"\*(\w+)\*|\[(\d+)\]")


def parts(paragraph: str) -> list[tuple[str, str]]:
    """PARAGRAPH as [("text" | "italic" | "note", text or note number)]."""
    out: list[tuple[str, str]] = []
    at = 0
    for m in _MARK.finditer(paragraph):
        if m.start() > at:
            out.append(("text", paragraph[at : m.start()]))
        out.append(("italic", m[1]) if m[1] else ("note", m[2]))
        at = m.end()
    if at < len(paragraph):
        out.append(("text", paragraph[at:]))
    return out


def spoken(paragraph: str) -> str:
    """PARAGRAPH as it is read: the italic word said plainly, the note's mark not at all."""
    return "".join(text for kind, text in parts(paragraph) if kind != "note")


def paragraphs(chapter: int) -> list[str]:
    """The spoken paragraphs of CHAPTER (0-based), without its scene break."""
    return [spoken(p) for p in ms.CHAPTERS[chapter].paragraphs if p != ms.SCENE_BREAK]
