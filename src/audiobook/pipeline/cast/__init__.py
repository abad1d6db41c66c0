"""The cast: who says each quoted line of a book, found in the plain prose.

A stage between the text and the plan. `find_cast(book)` reads every chapter once for the
names its tags and lines use (the roster), merges them into characters, then decides each
line's speaker with the evidence kept (`attribution`). Quotations are found by `quotes`, tags
read by `tags`. Nothing is downloaded and nothing is random: the same book gives the same cast.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from audiobook.core.book import Book, Paragraph
from audiobook.core.words import count_words
from audiobook.engines.interface import VoiceInfo
from audiobook.pipeline.cast.attribution import NARRATOR_I, Line, Turn, decide
from audiobook.pipeline.cast.casting import Casting, cast_voices
from audiobook.pipeline.cast.given_names import gender_of_given
from audiobook.pipeline.cast.quotes import QuoteStyle, Segment, detect_style, find_quotes
from audiobook.pipeline.cast.roster import Character, NameParts, Roster
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

__all__ = ["NARRATOR_I", "BookCast", "CastCharacter", "Line", "find_cast"]

# A line at or above this confidence (its rule's precision at its strength, measured on the 28
# gold novels) is read by its character; below it, by the narrator. 0.8 gives precision 0.915
# at coverage 0.496 there; 0.74 would reach 0.90 at 0.534: the margin is for unseen books
# (docs/CAST.md).
THRESHOLD = 0.8


@dataclass
class CastCharacter:
    name: str
    aliases: list[str]
    gender: str | None
    lines: int  # quoted parts given to it at or above the threshold
    words: int
    voice: Casting | None = None  # None: the narrator's voice reads its lines


@dataclass
class BookCast:
    style: QuoteStyle
    roster: Roster
    lines: list[Line]  # every quoted part, in reading order
    threshold: float = THRESHOLD
    characters: list[CastCharacter] = field(default_factory=list)  # most lines first
    # cast.toml's genders and aliases by character, over what was found
    overrides: tuple[dict[str, str], dict[str, list[str]]] = field(default=({}, {}))

    def __post_init__(self) -> None:
        if not self.characters:
            self.recount()

    def speaker(self, line: Line) -> str | None:
        """Who says LINE, when that is sure enough (the threshold); else None."""
        if line.speaker is None or line.confidence < self.threshold:
            return None
        return line.speaker

    def voiced(self, line: Line) -> str | None:
        """The character whose voice reads LINE, or None for the narrator's."""
        speaker = self.speaker(line)
        character = self.by_name.get(speaker or "")
        return speaker if character is not None and character.voice is not None else None

    def knows(self, name: str) -> bool:
        """NAME is one the book uses for a person (a speaker, or a name in the narration)."""
        return self.roster.knows(name) or any(
            name == c.name or name in c.aliases for c in self.characters
        )

    @property
    def by_name(self) -> dict[str, CastCharacter]:
        return {c.name: c for c in self.characters}

    def recount(
        self,
        genders: dict[str, str] | None = None,
        aliases: dict[str, list[str]] | None = None,
    ) -> None:
        """The characters from the lines: each speaker sure enough, with its lines and words
        (GENDERS and ALIASES: what cast.toml says of them, kept for the next count)."""
        if genders is not None or aliases is not None:
            self.overrides = (genders or {}, aliases or {})
        genders, aliases = self.overrides
        counted: Counter[str] = Counter()
        words: Counter[str] = Counter()
        for line in self.lines:
            if (speaker := self.speaker(line)) is not None:
                counted[speaker] += 1
                words[speaker] += count_words(line.text)
        known = self.roster.characters()
        for name in aliases or {}:
            counted.setdefault(name, 0)
        characters = []
        for name in sorted(counted, key=lambda n: (-counted[n], n)):
            found = known.get(name, Character(name))
            names = sorted({*found.aliases, *(aliases or {}).get(name, [])} - {name})
            gender = (
                (genders or {}).get(name)
                or found.gender
                or self.roster.genders.get(name)
                or self.roster.gender_of(name)
            )
            characters.append(CastCharacter(name, names, gender, counted[name], words[name]))
        self.characters = characters

    def choose_voices(
        self,
        narrator: tuple[str, str],
        language: str,
        engine_voices: Sequence[VoiceInfo],
        chosen: dict[str, Casting | None] | None = None,
    ) -> None:
        """A voice for each character from ENGINE_VOICES (casting.cast_voices); CHOSEN: the
        voices cast.toml sets, which are kept (and not given to anyone else)."""
        chosen = dict(chosen or {})
        rest = [(c.name, c.gender, c.lines) for c in self.characters if c.name not in chosen]
        taken = {v.voice for v in chosen.values() if v is not None}
        chosen.update(cast_voices(rest, narrator, language, engine_voices, taken))
        for character in self.characters:
            character.voice = chosen.get(character.name)

    def spans(self, chapter: int) -> dict[int, list[tuple[int, int, str]]]:
        """The chapter's lines read by characters' voices: block -> [(start, end, name)], each
        the quotation with its marks, in order."""
        found: dict[int, list[tuple[int, int, str]]] = {}
        for line in self.lines:
            if line.chapter == chapter and (who := self.voiced(line)) is not None:
                found.setdefault(line.block, []).append((line.outer_start, line.outer_end, who))
        return found

    def to_json(self) -> dict[str, Any]:
        """The `audiobook cast --json` document (CONTRACT.md)."""
        return {
            "characters": [
                {
                    "name": c.name, "aliases": c.aliases, "gender": c.gender, "lines": c.lines,
                    "words": c.words,
                    "voice": {"engine": c.voice.engine, "id": c.voice.voice, "speaker": None}
                    if c.voice else None,
                }
                for c in self.characters
            ],
            "lines": [
                {
                    "chapter": line.chapter, "text": line.text, "speaker": self.speaker(line),
                    "how": line.how, "confidence": line.confidence,
                }
                for line in self.lines
            ],
        }  # fmt: skip


@dataclass
class _Chapter:
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


def find_cast(book: Book, threshold: float = THRESHOLD) -> BookCast:
    texts = [p.text for c in book.chapters for p in c.paragraphs]
    style = detect_style(texts, book.language)
    roster = Roster(_common_words(texts))
    chapters = [_read_chapter(chapter.index, chapter.blocks, style) for chapter in book.chapters]

    for chapter in chapters:
        for turn in chapter.turns:
            for tag in [*turn.tags.values(), turn.setup]:
                if tag is not None and tag.kind == "name":
                    roster.add(tag.value)
    _gender_votes(chapters, roster)
    roster.merge()
    for chapter in chapters:  # a line speaks to a known person, not to "Certainly" or "Hem"
        for turn in chapter.turns:
            turn.addressed = [roster.canonical(n) for n in turn.addressed if roster.knows(n)]
            turn.named_inside = [roster.canonical(n) for n in turn.named_inside if roster.knows(n)]
    mentions = [_mentions(chapter, roster) for chapter in chapters]
    said_i = sum(
        1
        for c in chapters
        for t in c.turns
        for tag in t.tags.values()
        if tag.kind == "first_person"
    )
    for chapter in chapters:  # "Ignoring the question, she said": a word, not a person
        _drop_common_subjects(chapter, roster.common)
    decide([c.turns for c in chapters], roster, mentions, first_person=said_i >= 3)
    lines = [line for chapter in chapters for line in chapter.lines]
    return BookCast(style=style, roster=roster, lines=lines, threshold=threshold)


def _drop_common_subjects(chapter: _Chapter, common: frozenset[str]) -> None:
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


def _common_words(texts: list[str]) -> frozenset[str]:
    """Words the book writes in lower case (three times or more): a sentence's first word
    that is one of them ("Hence Cecil", "Then Elizabeth") is not part of a name."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _LOWER.findall(text))
    return frozenset(w for w, n in counts.items() if n >= 3)


_LOWER = re.compile(r"\b[a-z][a-z'’]+\b")


def _read_chapter(index: int, blocks: tuple, style: QuoteStyle) -> _Chapter:
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
            tag = None
            if k + 1 < len(segs) and segs[k + 1].quote is None:
                inner = text[segment.start : segment.end].rstrip("”\"’'»“«」 ")
                tag = tag_after(segs[k + 1].text(text), inner[-1:] not in ".!?")
            if tag is None and k > 0 and segs[k - 1].quote is None:
                tag = tag_before(segs[k - 1].text(text))
            if tag is not None:
                turn.tags[segment.quote] = tag
                if tag.to:
                    turn.addressed.append(tag.to)
        turn.setup = _setup(segs, text, p, texts, segments, positions)
    for p, segs in enumerate(segments):  # speech the narrator reports takes a turn too
        if p not in turns and len(segs) == 1 and (tag := reported(texts[p])) is not None:
            turns[p] = Turn(block_ids[p], positions[p], [], positions[p], {-1: tag})
    return _Chapter(
        index,
        block_ids,
        positions,
        texts,
        segments,
        lines,
        sorted(turns.values(), key=lambda t: t.position),
    )


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


def _narration(chapter: _Chapter):
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


def _gender_votes(chapters: list[_Chapter], roster: Roster) -> None:
    """Names the narration uses join the roster (as people who may speak: the scene's
    participants); a name followed in its sentence by he/his or she/her is a vote for that
    gender."""
    seen: Counter[str] = Counter()
    narrations = [tokens(n) for chapter in chapters for _, n in _narration(chapter)]
    for words in narrations:
        for name, _ in _names_in(words):
            seen[name] += 1
    for name, count in seen.items():
        if count >= 2 or NameParts.of(name).title:
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


def _mentions(chapter: _Chapter, roster: Roster) -> list[list[str]]:
    """For each paragraph position, the characters its narration names."""
    by_position: list[list[str]] = [
        [] for _ in range((chapter.positions[-1] + 1) if chapter.positions else 0)
    ]
    for p, narration in _narration(chapter):
        words = tokens(narration)
        i = 0
        while i < len(words):
            if words[i][:1].isupper():
                named = read_name(words, i)
                if named:
                    if roster.knows(named[0]):
                        by_position[chapter.positions[p]].append(roster.canonical(named[0]))
                    i = named[1]
                    continue
            i += 1
    return by_position
