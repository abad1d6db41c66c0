"""A book read for the cast: each chapter's quotations and turns with the evidence around
them (tags, a speaker set up before a line, reported speech, whom a line speaks to), the names
its narration uses and the genders it gives them. `find_cast` (the package) reads a book with
it, merges the roster and decides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from audiobook.core.book import Paragraph
from audiobook.pipeline.cast.attribution import Line, Turn
from audiobook.pipeline.cast.given_names import gender_of_given
from audiobook.pipeline.cast.quotes import QuoteStyle, Segment, find_quotes
from audiobook.pipeline.cast.roster import NameParts, Roster
from audiobook.pipeline.cast.tags import (
    Tag,
    read_name,
    reported,
    subject,
    tag_after,
    tag_before,
    tokens,
    vocatives,
)


@dataclass
class ChapterRead:
    index: int
    blocks: list[int]  # block index of each paragraph
    positions: list[int]  # its place in the chapter, scene breaks counted as gaps
    texts: list[str]
    segments: list[list[Segment]]
    lines: list[Line]
    turns: list[Turn]


# The pronouns after a name that say its gender: not "him" and "her", which are as often someone
# else's (Henry kissed her; Margaret saw him).
_MALE = {"he", "his", "himself"}
_PRONOUN_VOTES = _MALE | {"she", "hers", "herself"}


def drop_common_subjects(chapter: ChapterRead, common: frozenset[str]) -> None:
    """A sentence's first word taken for a speaker set up before a line, or for one who
    reports a turn, that the book writes in lower case too ("Ignoring", "Instead", "Down") is
    not a person. (Tags keep theirs: "said Rabbit" is Rabbit.)"""

    def common_word(tag: Tag | None) -> bool:
        if tag is None or tag.kind != "name" or " " in tag.value:
            return False
        return tag.value.lower() in common and gender_of_given(tag.value) is None

    kept = []
    for turn in chapter.turns:
        if common_word(turn.setup):
            turn.setup = None
        if not turn.lines and any(common_word(t) for t in turn.tags.values()):
            continue  # a reported turn by nobody
        kept.append(turn)
    chapter.turns = kept


def common_words(texts: list[str]) -> frozenset[str]:
    """Words the book writes in lower case (three times or more): a sentence's first word
    that is one of them ("Hence Cecil", "Then Elizabeth") is not part of a name."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _LOWER.findall(text))
    return frozenset(w for w, n in counts.items() if n >= 3)


_LOWER = re.compile(r"\b[a-z][a-z'’]+\b")


def read_chapter(index: int, blocks: tuple, style: QuoteStyle) -> ChapterRead:
    block_ids, positions, texts = [], [], []
    position = 0
    for b, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            block_ids.append(b)
            positions.append(position)
            texts.append(block.text)
            position += 1
        else:
            position += 10  # a scene break ends a conversation
    segments, quotations = find_quotes(texts, style)
    lines: list[Line] = []
    turns: dict[int, Turn] = {}
    for quotation in quotations:
        first = quotation.parts[0].paragraph
        turn = turns.get(first)
        if turn is None:
            turn = turns[first] = Turn(block_ids[first], positions[first], [])
        for part in quotation.parts:
            segment = segments[part.paragraph][part.segment]
            text = texts[part.paragraph]
            line = Line(
                chapter=index,
                block=block_ids[part.paragraph],
                start=part.start,
                end=part.end,
                outer_start=segment.start,
                outer_end=segment.end,
                quotation=quotation.index,
                text=text[part.start : part.end],
            )
            lines.append(line)
            turn.lines.append(line)
            turn.addressed.extend(vocatives(line.text))
            turn.named_inside.extend(name for name, _ in _names_in(tokens(line.text)))
        turn.last = positions[quotation.parts[-1].paragraph]
    for p, segs in enumerate(segments):
        turn = turns.get(p)
        if turn is None:
            continue
        text = texts[p]
        for k, segment in enumerate(segs):
            if segment.quote is None or segment.quote in turn.tags:
                continue
            tag, upto = None, segment.start  # the narration before the tag ends there
            if k + 1 < len(segs) and segs[k + 1].quote is None:
                inner = text[segment.start : segment.end].rstrip("”\"’'»“«」 ")
                tag = tag_after(segs[k + 1].text(text), inner[-1:] not in ".!?")
                upto = segs[k + 1].start
            if tag is None and k > 0 and segs[k - 1].quote is None:
                tag, upto = tag_before(segs[k - 1].text(text)), segment.start
            if tag is not None:
                turn.tags[segment.quote] = tag
                if tag.to:
                    turn.addressed.append(tag.to)
                if tag.kind == "pronoun" and not turn.before:
                    turn.before = _named_before(upto, segs, p, texts, segments, positions)
        turn.setup = _setup(segs, text, p, texts, segments, positions)
        if turn.setup is not None and turn.setup.kind == "pronoun" and not turn.before:
            opening = next((s.start for s in segs if s.quote is not None), 0)  # "She turned."
            turn.before = _named_before(opening, segs, p, texts, segments, positions)
    for p, segs in enumerate(segments):  # speech the narrator reports takes a turn too
        if p not in turns and len(segs) == 1 and (tag := reported(texts[p])) is not None:
            turns[p] = Turn(block_ids[p], positions[p], [], positions[p], {-1: tag})
    return ChapterRead(
        index,
        block_ids,
        positions,
        texts,
        segments,
        lines,
        sorted(turns.values(), key=lambda t: t.position),
    )


def _named_before(
    upto: int,
    segs: list[Segment],
    p: int,
    texts: list[str],
    segments: list[list[Segment]],
    positions: list[int],
) -> list[str]:
    """The names the narration says before a pronoun (a tag's or a setup's, the narration before
    it ending at UPTO in paragraph P), in order: the paragraph before when it is narration, then
    this one's up to UPTO. The last of its gender is whom "she said" most likely means."""
    found: list[str] = []
    if p and positions[p - 1] == positions[p] - 1 and all(s.quote is None for s in segments[p - 1]):
        found.extend(name for name, _ in _all_names(tokens(texts[p - 1])))
    for segment in segs:
        if segment.quote is None and segment.start < upto:
            narration = texts[p][segment.start : min(segment.end, upto)]
            found.extend(name for name, _ in _all_names(tokens(narration)))
    return found


def _all_names(words: list[str]):
    """(name, index after it) for each name in WORDS, a sentence's first word too."""
    i = 0
    while i < len(words):
        if words[i][:1].isupper():
            named = read_name(words, i)
            if named:
                yield named
                i = named[1]
                continue
        i += 1


def _setup(
    segs: list[Segment],
    text: str,
    p: int,
    texts: list[str],
    segments: list[list[Segment]],
    positions: list[int],
) -> Tag | None:
    """A speaker set up just before the line: this paragraph's narration before its first
    quotation, or the previous paragraph when that one is narration only."""
    if segs and segs[0].quote is None and len(segs) > 1:
        before = segs[0].text(text)
        if before.strip():
            found = subject(before)
            return replace(found, to="here") if found is not None else None
    if p and all(s.quote is None for s in segments[p - 1]) and positions[p - 1] == positions[p] - 1:
        return subject(texts[p - 1])
    return None


def _narration(chapter: ChapterRead):
    for p, segs in enumerate(chapter.segments):
        text = chapter.texts[p]
        for segment in segs:
            if segment.quote is None:
                yield p, segment.text(text)


def _names_in(words: list[str]):
    """(name, index after it) for each name in a narration's words: titled names anywhere, other
    capitalised words only inside a sentence (a sentence's first word may be any word)."""
    i = 0
    while i < len(words):
        word = words[i]
        if word[:1].isupper():
            named = read_name(words, i)
            if named:
                starts_sentence = i == 0 or words[i - 1] in {".", "!", "?", "“", '"', "‘"}
                if not starts_sentence or NameParts.of(named[0]).title:
                    yield named
                i = named[1]
                continue
        i += 1


def gender_votes(chapters: list[ChapterRead], roster: Roster) -> None:
    """Names the narration uses join the roster (as people who may speak: the scene's
    participants); a name followed in its sentence by he/his or she/her is a vote for that
    gender."""
    seen: Counter[str] = Counter()
    narrations = [tokens(n) for chapter in chapters for _, n in _narration(chapter)]
    for words in narrations:
        for name, _ in _names_in(words):
            seen[name] += 1
    for name, count in seen.items():
        parts = NameParts.of(name)
        # Seen twice, or titled, or a full name with a known given name even once ("Adela
        # Quested" joins Adela and Miss Quested).
        full = parts.surname and parts.given and gender_of_given(parts.given)
        if count >= 2 or parts.title or full:
            roster.add(name, 0)
    for words in narrations:
        for name, end in _names_in(words):
            if not roster.knows(name):
                continue
            for w in words[end : end + 12]:
                if w in ".!?;":
                    break
                low = w.lower()
                if low in _PRONOUN_VOTES:
                    roster.vote(name, "male" if low in _MALE else "female")
                    break


def mentions(chapter: ChapterRead, roster: Roster) -> list[list[str]]:
    """For each paragraph position, the characters its narration names."""
    by_position: list[list[str]] = [
        [] for _ in range((chapter.positions[-1] + 1) if chapter.positions else 0)
    ]
    for p, narration in _narration(chapter):
        for name, _ in _all_names(tokens(narration)):
            if roster.knows(name):
                by_position[chapter.positions[p]].append(roster.canonical(name))
    return by_position
