"""The words heard against the words written: normalised alike, aligned, counted (`check --listen`).

Both sides are made the words a listener hears before they are compared: the text as the engine
was given it (pronunciation/normalise: "Chapter XII" is "Chapter 12", "£5" is "five pounds"), then
lower case, no punctuation or apostrophes ("Bennet's" and "Bennets" alike), hyphens and slashes
as spaces, numerals as words ("1847" and "one thousand eight hundred and forty-seven" alike),
accents off, "Mr." as "mister". The recogniser's transcript goes through the same steps.

The alignment is rapidfuzz's Levenshtein over the two word lists (C, bit-parallel), window by
window (check/listen.py hands over 30 s at a time), so a two-hour chapter is a few hundred small
alignments, never one 20,000 x 20,000 matrix. Each stretch where the two differ is then aligned
again by a small dynamic programme that knows what Levenshtein does not: a word written as one
and heard as two or the other way round ("to-day" / "today", "any one" / "anyone") and a spelling
of the same sound ("honour" / "honor", "Bennet" / "Bennett") are heard words, not errors.

Word error rate = (substitutions + deletions + insertions) / words written, as usual. Each token
knows the written word it comes from, so an unheard word is named as the text has it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from num2words import num2words

from audiobook.pronunciation.normalise import normalize

# Two spellings of one sound count as the word heard when both are this long and this alike
# (rapidfuzz's Indel similarity: "honour"/"honor" 0.91, "realise"/"realize" 0.86, "their"/"there"
# 0.8); shorter words must match exactly ("the"/"they" are two words).
NEAR_LENGTH = 5
NEAR_SIMILARITY = 0.8
# A stretch where the two sides differ is aligned again cell by cell only up to this size; a
# larger one (a lost page heard as noise) keeps Levenshtein's own alignment.
REGION_CELLS = 250_000

# One spelling for words written several ways (both sides go through it).
_CANON = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint", "ok": "okay"}
_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Token:
    """One word of the text as compared (KEY), from written word WORD of sentence SENTENCE."""

    key: str
    sentence: int
    word: int


def spoken_keys(word: str, language: str = "en") -> list[str]:
    """One written or heard word (already through normalise) as the keys it is compared by."""
    text = unicodedata.normalize("NFKC", word).lower()
    text = _APOSTROPHES.sub("", text)
    text = text.replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000
    text = _NUMBER.sub(lambda m: f" {_number(m[0], language)} ", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [_CANON.get(key, key) for key in _WORD.findall(text)]


def _number(digits: str, language: str) -> str:
    try:
        return str(num2words(float(digits) if "." in digits else int(digits), lang=language))
    except (NotImplementedError, OverflowError, ValueError):
        return digits


def heard_keys(text: str, language: str = "en") -> list[str]:
    """A transcript as the keys it is compared by."""
    said = normalize(text, language).split()
    return [key for word in said for key in spoken_keys(word, language)]


def written_tokens(sentences: Sequence[tuple[int, str]], language: str = "en") -> list[Token]:
    """SENTENCES (each its number and its text as written) as the tokens compared, each knowing
    its sentence and written word.

    normalise changes a few words ("XII" -> "12", "£5" -> "five pounds"); the written and the
    normalised words are aligned so that each normalised word is traced to the written one(s) it
    came from."""
    from rapidfuzz.distance import Levenshtein

    tokens: list[Token] = []
    for s, text in sentences:
        written = text.split()
        said = normalize(text, language).split()
        origin = [0] * len(said)
        for i1, i2, j1, j2, same in _blocks(
            Levenshtein.opcodes([w.lower() for w in written], [w.lower() for w in said])
        ):
            for j in range(j1, j2):
                if same:
                    origin[j] = i1 + (j - j1)
                elif i2 > i1:  # words normalise rewrote: shared out over the written ones
                    origin[j] = i1 + (j - j1) * (i2 - i1) // (j2 - j1)
                else:  # words it added: from the written word before them
                    origin[j] = max(i1 - 1, 0)
        for j, word in enumerate(said):
            tokens += [Token(key, s, origin[j]) for key in spoken_keys(word, language)]
    return tokens


def written_word(text: str, index: int) -> str:
    """Word INDEX of TEXT as written, without the punctuation around it."""
    words = text.split()
    if not 0 <= index < len(words):
        return ""
    word = words[index]
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start])[0] in "PS":  # punctuation, symbols
        start += 1
    while end > start and unicodedata.category(word[end - 1])[0] in "PS":
        end -= 1
    return word[start:end]


@dataclass
class Alignment:
    """Written tokens against heard words: the counts, which written tokens were not heard, and
    the heard words that the text does not have where they were heard."""

    words: int = 0
    heard: int = 0  # written tokens heard (the same word, a spelling of it, or a compound)
    substituted: int = 0
    deleted: int = 0
    inserted: int = 0
    unheard: list[Token] = field(default_factory=list)
    instead: list[str] = field(default_factory=list)  # heard words standing for none written
    # Each sentence's errors (its unheard tokens, and words heard in their place or after them),
    # and its tokens compared.
    lost: dict[int, int] = field(default_factory=dict)
    said: dict[int, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.substituted + self.deleted + self.inserted

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else 0.0

    def add(self, other: Alignment) -> None:
        self.words += other.words
        self.heard += other.heard
        self.substituted += other.substituted
        self.deleted += other.deleted
        self.inserted += other.inserted
        self.unheard += other.unheard
        self.instead += other.instead
        for sentence, count in other.lost.items():
            self.lost[sentence] = self.lost.get(sentence, 0) + count
        for sentence, count in other.said.items():
            self.said[sentence] = self.said.get(sentence, 0) + count


def align(
    written: Sequence[Token], heard: Sequence[str], first: int = 0, open_end: bool = False
) -> Alignment:
    """WRITTEN against HEARD (one window's tokens and transcript keys); FIRST is the window's
    first sentence, which words heard before any written one are counted against.

    OPEN_END: the audio heard stops somewhere in WRITTEN's last words (a sample cut inside a
    paragraph), so the written words after the last one heard are not counted at all."""
    steps = _steps([t.key for t in written], heard)
    if open_end:
        while steps and steps[-1][0] == "del":
            steps.pop()
    result = Alignment()
    i = j = 0
    for kind, di, dj in steps:
        anchor = written[min(i, len(written) - 1)].sentence if written else first
        result.words += di
        for token in written[i : i + di]:
            result.said[token.sentence] = result.said.get(token.sentence, 0) + 1
        if kind == "ok":
            result.heard += di
        elif kind == "sub":
            result.substituted += 1
            result.unheard.append(written[i])
            result.instead.append(heard[j])
            result.lost[anchor] = result.lost.get(anchor, 0) + 1
        elif kind == "del":
            result.deleted += 1
            result.unheard.append(written[i])
            result.lost[anchor] = result.lost.get(anchor, 0) + 1
        else:  # a word heard where none was written: the sentence it follows (or starts)
            result.inserted += 1
            result.instead.append(heard[j])
            at = written[i - 1].sentence if i > 0 else anchor
            result.lost[at] = result.lost.get(at, 0) + 1
        i, j = i + di, j + dj
    return result


def _steps(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[str, int, int]]:
    """REF to HYP as steps (kind, written words, heard words): Levenshtein's alignment, each
    stretch where they differ aligned again by _cheapest."""
    from rapidfuzz.distance import Levenshtein

    steps: list[tuple[str, int, int]] = []
    for i1, i2, j1, j2, same in _blocks(Levenshtein.opcodes(list(ref), list(hyp))):
        if same:
            steps += [("ok", 1, 1)] * (i2 - i1)
            continue
        n, m = i2 - i1, j2 - j1
        if n * m > REGION_CELLS:  # a page lost or heard as noise: no finer alignment needed
            both = min(n, m)
            steps += [("sub", 1, 1)] * both + [("del", 1, 0)] * (n - both)
            steps += [("ins", 0, 1)] * (m - both)
        else:
            steps += _cheapest(list(ref[i1:i2]), list(hyp[j1:j2]))
    return steps


def _blocks(ops: Iterable[Any]) -> Iterator[tuple[int, int, int, int, bool]]:
    """Levenshtein's opcodes as alternating blocks: equal, or differing (its consecutive
    replacements, deletions and insertions merged into one)."""
    pending: list[int] | None = None
    for op in ops:
        if op.tag != "equal":
            if pending is None:
                pending = [op.src_start, op.src_end, op.dest_start, op.dest_end]
            else:
                pending[1], pending[3] = op.src_end, op.dest_end
            continue
        if pending is not None:
            yield pending[0], pending[1], pending[2], pending[3], False
            pending = None
        yield op.src_start, op.src_end, op.dest_start, op.dest_end, True
    if pending is not None:
        yield pending[0], pending[1], pending[2], pending[3], False


def _cheapest(ref: list[str], hyp: list[str]) -> list[tuple[str, int, int]]:
    """The cheapest steps from REF to HYP: ("ok", written words, heard words) costs nothing (the
    same word, a spelling of it, two words as one), "sub", "del" and "ins" one each."""
    n, m = len(ref), len(hyp)
    big = n + m + 1
    cost = [[big] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[str, int, int]]] = [[("", 0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here >= big:
                continue
            moves: list[tuple[int, str, int, int]] = []
            if i < n and j < m:
                moves.append((0 if _same(ref[i], hyp[j]) else 1, "", 1, 1))
            if i < n:
                moves.append((1, "del", 1, 0))
            if j < m:
                moves.append((1, "ins", 0, 1))
            if i + 1 < n and j < m and ref[i] + ref[i + 1] == hyp[j]:
                moves.append((0, "ok", 2, 1))
            if i < n and j + 1 < m and ref[i] == hyp[j] + hyp[j + 1]:
                moves.append((0, "ok", 1, 2))
            for step, kind, di, dj in moves:
                if not kind:
                    kind = "ok" if step == 0 else "sub"
                if here + step <= cost[i + di][j + dj]:  # ties: gaps as late as can be
                    cost[i + di][j + dj] = here + step
                    back[i + di][j + dj] = (kind, di, dj)
    steps: list[tuple[str, int, int]] = []
    i, j = n, m
    while i or j:
        kind, di, dj = back[i][j]
        steps.append((kind, di, dj))
        i, j = i - di, j - dj
    steps.reverse()
    # A compound ("ok" over two written words) counts both as heard: ("ok", 2, 1) is 2 heard.
    return steps


def _same(a: str, b: str) -> bool:
    """Two keys that sound alike: equal, or long spellings of one word."""
    if a == b:
        return True
    if min(len(a), len(b)) < NEAR_LENGTH:
        return False
    from rapidfuzz.distance import Indel

    return Indel.normalized_similarity(a, b) >= NEAR_SIMILARITY
