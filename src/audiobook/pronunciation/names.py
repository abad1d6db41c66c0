"""A book's names, from one pass over its text: every word counted (lower case, capitalised,
foreign), each capitalised word looked at in its sentence, and the runs of them; then the rules
that make a name (words.py lists them with the other words to hear; its docstring gives the
rules, measured on Pride and Prejudice and Alice's Adventures in Wonderland).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from audiobook.core.sentences import split_sentences

_PHRASE_MIN = 2  # a run of capitalised words is one name when it comes this often...
_PHRASE_SHARE = 0.5  # ...and this share of one of its words' occurrences is inside it
_ABSORBED = 2 / 3  # a word this much inside a name of several words is listed only there
_PHRASE_LONGEST = 4

_MONTHS_AND_DAYS = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    """.split()  # noqa: SIM905
)
# Capitalised words that are never a name on their own (inside a run a month may be: "March
# Hare").
_NEVER = _MONTHS_AND_DAYS | frozenset(
    """
    i o oh ah alas ay aye eh ha hm hum pooh pray god heaven heavens dieu gott dios dio
    """.split()  # noqa: SIM905
)
# Titles before a name: not a name there ("Lady Catherine"), a name where they stand alone
# ("the Duchess", "the Queen").
_TITLES = frozenset(
    """
    mr mrs ms miss mister missus dr doctor sir madam madame mme mlle mademoiselle monsieur lady
    lord colonel col captain capt major general gen lieutenant lt sergeant sgt professor prof
    reverend rev aunt uncle cousin count countess baron baroness duke duchess prince princess
    king queen master mistress saint st dame father mother brother sister judge governor
    admiral herr frau fräulein signor signora señor señora don doña
    """.split()  # noqa: SIM905
)
# Where every noun is capitalised, a name is a word that seldom follows an article or another
# determiner, one word at most before it ("der Vater", "die alte Frau"; "Gregor", "Grete").
DETERMINERS = {
    "de": re.compile(
        r"\b(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines|kein|keine|keinen|"
        r"keinem|keiner|mein|meine|meinen|meinem|meiner|dein|deine|sein|seine|seinen|seinem|"
        r"seiner|ihr|ihre|ihren|ihrem|ihrer|unser|unsere|euer|eure|dieser|diese|dieses|diesen|"
        r"diesem|jener|jene|jedes|jeder|jede|jeden|jedem|welche|welcher|zum|zur|im|am|vom|beim|"
        r"ins|ans|aufs|zu|nach|mit|von|vor|aus|um|ohne|für|bei|seit|in|an|auf|über|unter|"
        r"hinter|neben|zwischen|gegen|durch|viel|viele|vielen|wenig|etwas|alle|allen|aller|"
        r"alles|solche|solchen|manche|einige|einigen|zwei|drei|vier|fünf|sechs|sieben|acht|"
        r"neun|zehn|halb)\s+(?:\w+\s+)?$",
        re.IGNORECASE,
    ),
}
_DETERMINED = 4  # a name follows one in fewer than one occurrence in this many
# Words that bind to the capitalised name after them, in English books ("de Bourgh").
_PARTICLES = frozenset("de du des da di del della van von der den le la".split())  # noqa: SIM905
# Where a sentence's words start again: an opening quotation mark or bracket just before a
# word, or a colon.
_OPENERS = "\"'\u201c\u2018([\u00ab"
TOKEN = re.compile("[^\\W\\d_]+(?:['\u2019-][^\\W\\d_]+)*")
# A word that may be capitalised (its first letter no ASCII lower case: the rest is checked).
_CAPITALISED = re.compile("(?<![\\w'\u2019-])[^\\W\\d_a-z][^\\W\\d_]*(?:['\u2019-][^\\W\\d_]+)*")
_BEFORE = re.compile(r"(?<!\w)(\w+) $")  # the word just before, one space away
_AFTER = re.compile(r"([^\w]*)(\w+)")  # what follows a word, and the next word
_LETTER = re.compile(r"[^\W\d_]")
_CONTRACTED = re.compile("['\u2019](?:s|ll|ve|d|re)$")
# What breaks a run of capitalised words into names: a title before a name is no part of it, nor
# is the pronoun I or an interjection ("March" may be: the March Hare).
_NOT_IN_NAMES = _TITLES | (_NEVER - _MONTHS_AND_DAYS)


@dataclass(frozen=True)
class Where:
    """Where a word first comes: its paragraph (spaces made single) and its span there."""

    order: int  # the paragraph's place in the book
    chapter: int  # the chapter's place in book.chapters
    text: str
    start: int
    end: int

    @property
    def key(self) -> tuple[int, int]:
        return self.order, self.start

    @property
    def written(self) -> str:
        return self.text[self.start : self.end]


@dataclass(frozen=True)
class _Run:
    """Capitalised words in a row, nothing but a space between them: (key, start, end) each."""

    words: tuple[tuple[str, int, int], ...]
    at_start: bool  # its first word starts a sentence
    order: int
    chapter: int
    text: str


@dataclass
class Tally:
    """What one pass over the book finds, by lower-case key."""

    capitals: Counter[str] = field(default_factory=Counter)  # capitalised, anywhere
    middle: Counter[str] = field(default_factory=Counter)  # inside a sentence, alone
    titled: Counter[str] = field(default_factory=Counter)  # a title before a name
    # In a language that capitalises its nouns: after an article or a determiner ("der Vater")
    determined: Counter[str] = field(default_factory=Counter)
    lower: Counter[str] = field(default_factory=Counter)  # in lower case
    first_capital: dict[str, Where] = field(default_factory=dict)
    first_lower: dict[str, Where] = field(default_factory=dict)
    runs: list[_Run] = field(default_factory=list)
    foreign: Counter[str] = field(default_factory=Counter)
    first_foreign: dict[str, Where] = field(default_factory=dict)


def tally(
    paragraphs: list[tuple[int, str]],
    english: bool,
    foreign: Callable[[str], bool] | None,
    places: bool = False,
    nouns: re.Pattern[str] | None = None,
) -> Tally:
    """One pass over the book: every word in lower case counted (and where each first comes,
    with PLACES), every capitalised word looked at in its sentence, the runs of them, the foreign
    words.

    A word's key is its lower case, a possessive's 's taken off; a word in capitals ("DRINK ME")
    or a single letter is neither capitalised nor lower case. In English a particle and the
    capitalised word after it are one ("de Bourgh"). A novel has 120,000 words, one in eight
    capitalised: the lower-case ones are counted by the C code of re and Counter, and only the
    capitalised ones go through Python, as tuples and locals.
    """
    t = Tally()
    lower, runs = t.lower, t.runs
    capitals, middle, titled, first_capital = t.capitals, t.middle, t.titled, t.first_capital
    for order, (ci, text) in enumerate(paragraphs):
        if places:
            for m in TOKEN.finditer(text):
                word = m.group()
                if word.islower():
                    lower[word] += 1
                    if word not in t.first_lower:
                        t.first_lower[word] = Where(order, ci, text, m.start(), m.end())
        else:
            lower.update(filter(str.islower, TOKEN.findall(text)))
        if foreign is not None and not text.isascii():
            for m in TOKEN.finditer(text):
                if foreign(m.group()):
                    key = possessive(m.group()).lower()
                    t.foreign[key] += 1
                    if key not in t.first_foreign:
                        t.first_foreign[key] = Where(order, ci, text, m.start(), m.end())
        starts = [0]  # where each sentence begins
        at = 0
        for sentence in split_sentences(text):
            at = text.find(sentence, at)
            starts.append(at)
            at += len(sentence)
        s = 0  # the sentence the word is in
        run: list[tuple[str, int, int]] = []
        run_at_start = False
        run_end = -1
        for m in _CAPITALISED.finditer(text):
            word, start, end = m.group(), m.start(), m.end()
            if not _capital(word):  # "I", "A", "DRINK", "I'm"
                continue
            while s + 1 < len(starts) and starts[s + 1] <= start:
                s += 1
            before = _BEFORE.search(text, max(starts[s], start - 16), start)
            particle = before.group(1) if before else None
            if english and particle in _PARTICLES and before is not None:
                start = before.start(1)  # "de Bourgh"
                word = text[start:end]
            g = start
            while g > starts[s] and not text[g - 1].isalnum():
                g -= 1
            gap = text[g:start]
            first = _LETTER.search(text, starts[s], start) is None  # first in its sentence
            at_start = first or gap[-1:] in _OPENERS or gap[-2:] == ": "
            word = possessive(word)
            key = word.lower()
            capitals[key] += 1
            if key not in first_capital:
                first_capital[key] = Where(order, ci, text, start, start + len(word))
            if key in _TITLES:
                after = _AFTER.match(text, end)
                if after and after.group(1) in (" ", ". ") and _name_starts(after.group(2)):
                    titled[key] += 1  # "Mr. Bennet", "Lady Catherine", "Miss de Bourgh"
                    at_start = True
            if not at_start:
                middle[key] += 1
            if nouns is not None and nouns.search(text, max(starts[s], start - 40), start):
                t.determined[key] += 1
            if run and not (start == run_end + 1 and text[run_end] == " "):
                if len(run) > 1:
                    runs.append(_Run(tuple(run), run_at_start, order, ci, text))
                run = []
            if not run:
                run_at_start = at_start
            run.append((key, start, start + len(word)))
            run_end = end
        if len(run) > 1:
            runs.append(_Run(tuple(run), run_at_start, order, ci, text))
    return t


def _capital(word: str) -> bool:
    """Capitalised: not in lower case, not in capitals, not a single letter, not "I'm"."""
    return (
        len(word) > 1
        and word[0].isupper()
        and not word.isupper()
        and not (word[0] == "I" and word[1] in "'\u2019")
    )


def _name_starts(word: str) -> bool:
    """WORD starts a name: capitalised, or a particle ("de Bourgh")."""
    return _capital(word) or word in _PARTICLES


def possessive(word: str) -> str:
    """WORD without a possessive's 's or a contraction ("Bingley's" -> "Bingley", "Dinah'll"
    -> "Dinah")."""
    m = _CONTRACTED.search(word)
    return word[: m.start()] if m and m.start() > 1 else word


def find_names(t: Tally) -> tuple[dict[str, int], list[tuple[int, Where]], set[str]]:
    """The names (key -> how often heard), the names of several words (how often, where first),
    and the names heard mostly inside those, not to be listed alone."""
    names = {
        key: count
        for key, count in t.capitals.items()
        if key not in _NEVER
        and t.middle[key] > t.lower[key] + t.titled[key]
        and t.determined[key] * _DETERMINED <= t.capitals[key]
    }
    # "the Bennets", "the Phillipses": one name, written as it mostly is.
    for key in sorted(names, key=len, reverse=True):
        for ending in ("es", "s"):
            base = key[: -len(ending)]
            if key.endswith(ending) and base in names and key in names:
                keep, fold = (base, key) if names[base] >= names[key] else (key, base)
                names[keep] += names.pop(fold)
    counts: Counter[tuple[str, ...]] = Counter()
    first: dict[tuple[str, ...], Where] = {}
    for run in t.runs:
        pieces: list[list[tuple[str, int, int]]] = [[]]
        for i, word in enumerate(run.words):
            key = word[0]
            if key in _NOT_IN_NAMES or (i == 0 and run.at_start and key not in names):
                pieces.append([])  # "But Darcy", "Lady Catherine", "Oh Lizzy"
            else:
                pieces[-1].append(word)
        for piece in pieces:
            for length in range(2, min(len(piece), _PHRASE_LONGEST) + 1):
                for i in range(len(piece) - length + 1):
                    words = piece[i : i + length]
                    phrase = tuple(key for key, _, _ in words)
                    counts[phrase] += 1
                    if phrase not in first:
                        start, end = words[0][1], words[-1][2]
                        first[phrase] = Where(run.order, run.chapter, run.text, start, end)
    phrases: dict[tuple[str, ...], int] = {}
    absorbed: set[str] = set()
    for phrase, count in sorted(counts.items(), key=lambda pc: (-len(pc[0]), -pc[1])):
        if count < _PHRASE_MIN:
            continue
        if any(_inside(phrase, longer) and 2 * counts[longer] >= count for longer in phrases):
            continue  # a part of a longer name, said mostly inside it
        if any(count >= _PHRASE_SHARE * t.capitals[key] for key in phrase):
            phrases[phrase] = count
            # Not listed alone: a word heard mostly here ("Hare"), not one with a life of its
            # own ("Rabbit": the White Rabbit as often as the Rabbit).
            absorbed.update(key for key in phrase if count >= _ABSORBED * t.capitals[key])
    return names, [(count, first[phrase]) for phrase, count in phrases.items()], absorbed


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))
