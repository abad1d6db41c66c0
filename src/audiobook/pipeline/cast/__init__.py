"""The cast: who says each quoted line of a book, found in the plain prose.

A stage between the text and the plan. `find_cast(book)` reads every chapter once (`reading`:
quotations by `quotes`, tags by `tags` with the words of `words`) for the names its tags and
lines use (the roster), merges them into characters (`roster`), links the descriptions its
tags use to the characters they stand for (`epithets`), then decides each line's speaker with
the evidence kept (`attribution`, over the chain of turns of `chain`) and how sure that is
(`confidence`). `BookCast` is the result, with a voice for each character (`casting`).
Nothing is downloaded and nothing is random: the same book gives the same cast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from audiobook.core.book import Book
from audiobook.core.words import count_words
from audiobook.engines.interface import VoiceInfo
from audiobook.pipeline.cast.attribution import NARRATOR_I, Line, decide
from audiobook.pipeline.cast.casting import Casting, cast_voices
from audiobook.pipeline.cast.epithets import link_epithets
from audiobook.pipeline.cast.quotes import detect_style
from audiobook.pipeline.cast.reading import (
    common_words,
    drop_common_subjects,
    gender_votes,
    mentions,
    read_chapter,
)
from audiobook.pipeline.cast.roster import Character, Roster

__all__ = ["NARRATOR_I", "BookCast", "CastCharacter", "Line", "find_cast"]

# A line at or above this confidence (its rule's precision at its strength, measured on the 28
# gold novels) is read by its character; below it, by the narrator. 0.7 gives precision 0.907
# at coverage 0.616 there; 0.68 would reach 0.90 at 0.634: the margin is for unseen books
# (docs/CAST.md).
THRESHOLD = 0.7


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
    roster: Roster
    lines: list[Line]  # every quoted part, in reading order
    threshold: float = THRESHOLD
    characters: list[CastCharacter] = field(default_factory=list)  # most lines first
    # cast.toml's genders and aliases by character, over what was found
    overrides: tuple[dict[str, str], dict[str, list[str]]] = field(default=({}, {}))
    by_name: dict[str, CastCharacter] = field(default_factory=dict, init=False, repr=False)

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
        self.by_name = {c.name: c for c in characters}

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


def find_cast(book: Book, threshold: float = THRESHOLD) -> BookCast:
    """BOOK's quoted lines, each with who says it, how that was decided and how sure it is."""
    texts = [p.text for c in book.chapters for p in c.paragraphs]
    style = detect_style(texts, book.language)
    roster = Roster(common_words(texts))
    chapters = [read_chapter(chapter.index, chapter.blocks, style) for chapter in book.chapters]

    for chapter in chapters:
        for turn in chapter.turns:
            for tag in [*turn.tags.values(), turn.setup]:
                if tag is not None and tag.kind == "name":
                    roster.add(tag.value)
    gender_votes(chapters, roster)
    roster.merge()
    for chapter in chapters:  # a line speaks to a known person, not to "Certainly" or "Hem"
        for turn in chapter.turns:
            turn.addressed = [roster.canonical(n) for n in turn.addressed if roster.knows(n)]
            turn.named_inside = [roster.canonical(n) for n in turn.named_inside if roster.knows(n)]
            turn.before = [roster.canonical(n) for n in turn.before if roster.knows(n)]
    named = [mentions(chapter, roster) for chapter in chapters]
    said_i = sum(
        1
        for c in chapters
        for t in c.turns
        for tag in t.tags.values()
        if tag.kind == "first_person"
    )
    for chapter in chapters:  # "Ignoring the question, she said": a word, not a person
        drop_common_subjects(chapter, roster.common)
    link_epithets([c.turns for c in chapters], roster)  # "said the beadle": Mr. Bumble
    decide([c.turns for c in chapters], roster, named, first_person=said_i >= 3)
    lines = [line for chapter in chapters for line in chapter.lines]
    return BookCast(roster=roster, lines=lines, threshold=threshold)
