"""Sentences of written text, and their times: what captions and the read-along EPUB are made of.

The engines report where each sentence they spoke is in the audio (audio.Speech.sentences), but
they speak the normalised text ("the third of May" for "3rd of May") and split it their own way.
Captions show the manuscript's text as written: so the written text of an utterance is split
into sentences here, and paired with the engine's spans: one to one when the counts agree, else
by position (each written sentence goes to the span its middle falls in, by characters against
time), so that every written word is in exactly one cue, in order, whatever the engine did.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A sentence ends at . ! ? or … (with closing quotes or brackets after it) before a space and
# what can start a sentence; not after a title or an initial ("Mr. Bennet", "J. Smith").
# A phoneme block ("[[ɹˈɛd]]", core/phonemes) can start a sentence of the text an engine is given.
_END = re.compile(
    r"""[.!?…]+["'\u201d\u2019)\]]*(?=\s+(?:["'\u201c\u2018(\[]?[A-Z0-9À-ÖØ-Þ]|\[\[))"""
)
_NOT_AN_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Messrs|Capt|Col|Lt|Gen|Sgt|Prof|Rev|Hon|Mme|Mlle|Gov|Sen|Jr|Sr|"
    r"vs|etc|No|Vol|ch|p|pp|e\.g|i\.e)|\b[A-Z])\.$"
)
CUE_LINE = 42  # characters a caption line holds
CUE_LINES = 2  # lines a cue holds


@dataclass(frozen=True)
class Timed:
    """A piece of written text and when it is heard, in seconds of its file's timeline."""

    text: str
    start: float
    end: float
    group: int = 0  # which written run (a paragraph, or a character's line in it) it is from
    voice: str = ""  # the character who says it (captions name them); "" for the narrator


def split_sentences(text: str) -> list[str]:
    """TEXT's sentences, as written (every character but the spaces between them kept)."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        candidate = text[start : match.end()]
        bare = candidate.rstrip("\"'\u201d\u2019)]")
        if bare.endswith(".") and _NOT_AN_END.search(bare):
            continue  # "Mr. Bennet": not an end
        sentences.append(candidate.strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def pair(written: str, spans: Sequence[tuple[float, float]]) -> list[Timed]:
    """The written sentences of WRITTEN, each with its time from SPANS (the engine's sentence
    spans, in order, in seconds). With no spans the whole text gets nothing: the caller gives the
    utterance's own span instead."""
    sentences = split_sentences(written)
    if not sentences or not spans:
        return []
    if len(sentences) == len(spans):
        return [Timed(s, a, b) for s, (a, b) in zip(sentences, spans, strict=True)]
    # By position: a sentence's middle, as a fraction of the characters, against the spans' share
    # of the speech time. Sentences that land in the same span share it (one cue), and a span no
    # sentence lands in is joined to its neighbour's cue: nothing is dropped either way.
    total_chars = sum(len(s) for s in sentences)
    durations = [max(b - a, 1e-6) for a, b in spans]
    total_time = sum(durations)
    bounds, acc = [], 0.0
    for d in durations:
        acc += d / total_time
        bounds.append(acc)
    groups: dict[int, list[str]] = {}
    seen = 0
    for s in sentences:
        middle = (seen + len(s) / 2) / total_chars
        seen += len(s)
        index = next((i for i, b in enumerate(bounds) if middle <= b), len(spans) - 1)
        groups.setdefault(index, []).append(s)
    keys = sorted(groups)
    timed = []
    for n, key in enumerate(keys):
        first = 0 if n == 0 else key
        last = (keys[n + 1] - 1) if n + 1 < len(keys) else len(spans) - 1
        timed.append(Timed(" ".join(groups[key]), spans[first][0], spans[last][1]))
    return timed


def cues(sentence: Timed) -> list[Timed]:
    """SENTENCE as captions of at most CUE_LINES lines of CUE_LINE characters: a long one is cut
    at word boundaries (at punctuation where it can be), its time shared by characters."""
    limit = CUE_LINE * CUE_LINES
    if len(sentence.text) <= limit:
        return [sentence]
    words = sentence.text.split()
    chunks: list[list[str]] = [[]]
    for word in words:
        current = chunks[-1]
        length = sum(len(w) + 1 for w in current) + len(word)
        if current and length > limit:
            # Cut after the last punctuation in the second half of the chunk, if there is one.
            cut = next(
                (i + 1 for i in range(len(current) - 1, len(current) // 2 - 1, -1)
                 if current[i][-1] in ",;:\u2014\u2013"),
                len(current),
            )  # fmt: skip
            chunks[-1], rest = current[:cut], current[cut:]
            chunks.append([*rest, word])
        else:
            current.append(word)
    texts = [" ".join(c) for c in chunks if c]
    total = sum(len(t) for t in texts)
    timed, position = [], sentence.start
    span = sentence.end - sentence.start
    for i, text in enumerate(texts):
        end = sentence.end if i == len(texts) - 1 else position + span * len(text) / total
        timed.append(Timed(text, position, end))
        position = end
    return timed


def lines(text: str) -> str:
    """TEXT wrapped into lines of at most CUE_LINE characters where words allow."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= CUE_LINE:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > CUE_LINES:  # long words: keep to two lines, the second one longer
        out = [out[0], " ".join(out[1:])]
    return "\n".join(out)


def caption_words(text: str) -> list[str]:
    """TEXT's words as captions are compared: lower case, without the punctuation around them."""
    words = (w.strip(".,;:!?\"'()[]{}\u2018\u2019\u201c\u201d\u2014\u2013-_*…").lower()
             for w in text.split())  # fmt: skip
    return [w for w in words if w]


def words_digest(texts: Iterable[str]) -> tuple[int, str]:
    """How many words TEXTS hold and a hash of them in order: what a chapter's captions must
    hold (check compares the captions' words with it)."""
    words = [w for text in texts for w in caption_words(text)]
    return len(words), hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
