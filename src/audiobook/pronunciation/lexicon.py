"""The producer's lexicon (voices.toml's [lexicon]): how a word, name or phrase is said, applied
to the text before anything else, so that it always wins over normalisation and heteronyms.

An entry is a respelling ("Hermione" = "her-my-oh-nee") or phonemes
(`Hermione = { ipa = "hɜːˈmaɪ.ə.ni" }`, said by every engine: core/phonemes), for every book or
one language (`language = "en"` covers en-gb), for every voice or some (`voices = ["narrator"]`,
or characters' names), matched as a whole word without regard to case, or with it
(`US = { say = "United States", case_sensitive = true }` leaves "us" alone). A word may have a
list of entries: the first that applies wins.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from audiobook.core.config import LexiconEntry, LexiconValue
from audiobook.core.phonemes import block, normalise_ipa, outside_blocks

# Entries matched as written, entries matched whatever the case (by their lower case), and the
# pattern that finds them all.
_Table = tuple[dict[str, LexiconEntry], dict[str, LexiconEntry], "re.Pattern[str] | None"]


def entries_of(value: LexiconValue) -> list[LexiconEntry]:
    """A word's entries, in order (a respelling is an entry with `say`)."""
    if isinstance(value, str):
        return [LexiconEntry(say=value)]
    return list(value) if isinstance(value, list) else [value]


def language_matches(wanted: str | None, language: str) -> bool:
    """Whether an entry for WANTED ("en", "en-gb") applies in LANGUAGE ("en-GB")."""
    if wanted is None:
        return True
    wanted, language = wanted.lower().replace("_", "-"), language.lower().replace("_", "-")
    return language == wanted or language.startswith(wanted + "-")


def said_as(entry: LexiconEntry) -> str:
    """What an entry puts in the text: its respelling, or its IPA as a phoneme block."""
    if entry.ipa is not None:
        return block(normalise_ipa(entry.ipa))
    assert entry.say is not None
    return entry.say


@dataclass(frozen=True)
class Lexicon:
    """voices.toml's lexicon, ready to apply to a voice's text in a language."""

    entries: Mapping[str, LexiconValue] = field(default_factory=dict)
    # The tables by (language, voice names): a handful a render.
    _tables: dict[tuple[str, frozenset[str]], _Table] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __bool__(self) -> bool:
        return bool(self.entries)

    def entry_for(
        self, word: str, language: str, names: Collection[str] = ("narrator",)
    ) -> LexiconEntry | None:
        """The entry that says WORD (as written) in LANGUAGE for a voice called by NAMES."""
        exact, folded, _ = self._table(language, frozenset(n.lower() for n in names))
        return exact.get(word) or folded.get(word.lower())

    def apply(self, text: str, language: str, names: Collection[str] = ("narrator",)) -> str:
        """TEXT with the entries that apply to it replaced by how they are said; NAMES are the
        voice's names (its key in voices.toml, the character's name)."""
        if not self.entries:
            return text
        exact, folded, pattern = self._table(language, frozenset(n.lower() for n in names))
        if pattern is None:
            return text

        def say(m: re.Match[str]) -> str:
            word = m.group(0)
            entry = exact.get(word) or folded.get(word.lower())
            return m.group(0) if entry is None else said_as(entry)

        return outside_blocks(text, lambda piece: pattern.sub(say, piece))

    def _table(self, language: str, names: frozenset[str]) -> _Table:
        if (language, names) not in self._tables:
            self._tables[language, names] = self._make_table(language, names)
        return self._tables[language, names]

    def _make_table(self, language: str, names: frozenset[str]) -> _Table:
        exact: dict[str, LexiconEntry] = {}
        folded: dict[str, LexiconEntry] = {}
        for word, value in self.entries.items():
            for entry in entries_of(value):
                if not language_matches(entry.language, language):
                    continue
                if entry.voices is not None and not names & {v.lower() for v in entry.voices}:
                    continue
                if entry.case_sensitive:
                    exact.setdefault(word, entry)
                else:
                    folded.setdefault(word.lower(), entry)
                break
        words = sorted({*exact, *folded}, key=len, reverse=True)  # "New York" before "New"
        if not words:
            return exact, folded, None
        # Case-sensitive words are matched as written, the others whatever their case.
        alternatives = [re.escape(w) if w in exact else f"(?i:{re.escape(w)})" for w in words]
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
        return exact, folded, pattern
