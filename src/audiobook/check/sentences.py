"""Every sentence accounted for: each chapter's sentence record held against its audio.

The render records where every sentence it said is heard (formats/sentence_spans.py, from the
engine's own timings). Two things are proven from it:

- **Pace** (no decoding): each sentence lasts what its words take at the pace its voice really
  spoke across the book (measured here from all the records, per voice): much shorter and words
  were lost, much longer and the engine said more than it was given (a hallucination, a stuck
  engine). The band is the book's own spread around that pace, not a fixed factor. A chapter's
  speech as a whole is held to a narrower band, and the book's pace to the voice's rated one.
- **Audio** (from the decode check makes anyway: the level of each ~10 ms frame): every span
  holds speech, from its start to its end, and no speech lies outside every span. A sentence
  replaced by room tone, cut out, or cut short, speech pasted into a pause and a truncated file
  each fail, naming the sentence by its first words and where it is.

Speech is told from room tone by level alone: the master puts speech near the profile's RMS and
room tone near the noise floor, tens of dB apart, so a threshold between the two (SPEECH_BELOW_RMS
under the chapter's RMS, at least SPEECH_ABOVE_FLOOR over its floor) separates them. A span's
edges are found by any sound above room tone (SOUND_ABOVE_FLOOR): a sentence that trails off
under the speech threshold still ends where it ends.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from audiobook.formats.sentence_spans import ChapterSentences, SpokenSentence
from audiobook.outputs.interface import Result

SPEECH_BELOW_RMS = 25.0  # dB: a frame this far under the chapter's RMS is still speech
SPEECH_ABOVE_FLOOR = 15.0  # dB: and at least this far over its noise floor
SOUND_ABOVE_FLOOR = 10.0  # dB: a frame this far over the floor is not room tone
EDGE_S = 0.35  # speech starts and ends within this of its span's edges
SPOKEN_SHARE = 0.3  # at least this share of a span's frames are speech
STRAY_S = 0.2  # speech this long outside every span is speech where nothing was said
GAP_MARGIN_S = 0.04  # the edges of a pause that belong to the sentences around it
MIN_GAP_S = 0.1  # pauses shorter than this (inside their margins) are not examined
STRAY_SHARE = 0.6  # speech through this share of a short pause is speech where none was said
MIN_SPAN_S = 0.25  # shorter spans (a one-letter word) are held to their edges only
# The pace band: log(seconds / expected) of a sentence may lie this many of the book's robust
# standard deviations from its centre, the deviation being at least MIN_SPREAD; short sentences
# (a name, "Oh!") get more room: SHORT_SLACK_S either way.
PACE_DEVIATIONS = 5.0
MIN_SPREAD = 0.12
SHORT_SLACK_S = 0.8
CHAPTER_BAND = 0.2  # a chapter's speech within 20% of its words at the book's pace
RATED_BAND = 0.4  # the book's pace within 40% of the voice's rated pace (manifest rate_wpm)
MIN_PACE_WORDS = 120  # a voice with fewer words is held to the pooled pace of all voices
SHOWN = 3  # failures named in one result's detail


@dataclass(frozen=True)
class Pace:
    """How a voice spoke across the book: seconds per word, and the spread of its sentences."""

    seconds_per_word: float
    centre: float  # median log(seconds / (words * seconds_per_word)) of its sentences
    spread: float  # their robust standard deviation (1.4826 MAD), at least MIN_SPREAD
    words: int

    def band(self, words: int) -> tuple[float, float]:
        """The seconds a sentence of WORDS may last."""
        expected = words * self.seconds_per_word
        low = expected * math.exp(self.centre - PACE_DEVIATIONS * self.spread) - SHORT_SLACK_S
        high = expected * math.exp(self.centre + PACE_DEVIATIONS * self.spread) + SHORT_SLACK_S
        return max(0.0, low), high


@dataclass
class BookPaces:
    """Each voice's pace (by its description, so a voice is one voice in every chapter)."""

    by_voice: dict[str, Pace]
    pooled: Pace | None

    def of(self, voice: str) -> Pace | None:
        pace = self.by_voice.get(voice)
        return pace if pace is not None and pace.words >= MIN_PACE_WORDS else self.pooled


@dataclass(frozen=True)
class Flagged:
    """A sentence (or a stretch between two) that failed, where it is, and what is wrong."""

    start: float
    end: float
    what: str  # "missing", "cut short", ... as a reader would say it
    detail: str


@dataclass
class ChapterVerdict:
    """The sentence checks of one chapter: results for CI, flagged spans for the report."""

    results: list[Result] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)


def _pace(pairs: Sequence[tuple[int, float]]) -> Pace | None:
    """The pace of (words, seconds) sentences; None without enough to measure."""
    words = sum(w for w, _ in pairs)
    seconds = sum(s for _, s in pairs)
    if not words or seconds <= 0:
        return None
    per_word = seconds / words
    logs = [math.log(s / (w * per_word)) for w, s in pairs if w >= 4 and s > 0]
    if len(logs) < 3:
        return Pace(per_word, 0.0, 2 * MIN_SPREAD, words)
    centre = statistics.median(logs)
    spread = 1.4826 * statistics.median(abs(x - centre) for x in logs)
    return Pace(per_word, centre, max(MIN_SPREAD, spread), words)


def book_paces(records: Iterable[ChapterSentences]) -> BookPaces:
    """Each voice's pace across every chapter's record."""
    by_voice: dict[str, list[tuple[int, float]]] = {}
    for record in records:
        for sentence in spoken_runs(record):
            if sentence.words and sentence.seconds > 0:
                pairs = by_voice.setdefault(record.described(sentence), [])
                pairs.append((sentence.words, sentence.seconds))
    paces = {voice: p for voice, pairs in by_voice.items() if (p := _pace(pairs)) is not None}
    pooled = _pace([pair for pairs in by_voice.values() for pair in pairs])
    return BookPaces(paces, pooled)


def first_words(text: str, count: int = 6) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def _named(sentence: SpokenSentence) -> str:
    return f"{first_words(sentence.text)!r} at {_clock(sentence.start)}"


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _result(file: str, check: str, flagged: list[Flagged], passed: str) -> Result:
    if not flagged:
        return Result(file, check, True, passed)
    shown = "; ".join(f.detail for f in flagged[:SHOWN])
    more = f" (and {len(flagged) - SHOWN} more)" if len(flagged) > SHOWN else ""
    return Result(file, check, False, shown + more)


def spoken_runs(record: ChapterSentences) -> list[SpokenSentence]:
    """The record's written runs (a paragraph, or a character's line in it), each as one span:
    its sentences' words and times together. The pace is held run by run, not sentence by
    sentence: where an engine splits an utterance into other sentences than the written ones
    ("Oh! my dear Lizzy!" is one written sentence and two spoken), the written ones share its
    spans by position (core/sentences.pair), and a short one may be given a neighbour's time."""
    runs: list[SpokenSentence] = []
    for sentence in record.sentences:
        last = runs[-1] if runs else None
        if last is not None and (last.group, last.voice) == (sentence.group, sentence.voice):
            runs[-1] = replace(last, text=f"{last.text} {sentence.text}", end=sentence.end)
        else:
            runs.append(sentence)
    return runs


def pace_checks(file: str, record: ChapterSentences, paces: BookPaces) -> ChapterVerdict:
    """Each sentence's span against its words at its voice's pace, and the chapter's speech as a
    whole (no decoding: the record alone)."""
    verdict = ChapterVerdict()
    flagged: list[Flagged] = []
    expected_total = spoken_total = 0.0
    runs = spoken_runs(record)
    for sentence in runs:
        pace = paces.of(record.described(sentence))
        if pace is None or not sentence.words:
            continue
        expected_total += sentence.words * pace.seconds_per_word
        spoken_total += sentence.seconds
        low, high = pace.band(sentence.words)
        if sentence.seconds < low:
            what = "too short for its words"
        elif sentence.seconds > high:
            what = "too long for its words (the engine said more than the text?)"
        else:
            continue
        detail = (
            f"{_named(sentence)}: {what}: {sentence.seconds:.1f} s for {sentence.words} words "
            f"(this voice: {low:.1f} to {high:.1f} s)"
        )
        flagged.append(Flagged(sentence.start, sentence.end, what.split(" (")[0], detail))
    count = len(record.sentences)
    passed = f"{count} sentences, each paragraph as long as its words at its voice's pace"
    verdict.results.append(_result(file, "pace", flagged, passed))
    verdict.flagged += flagged
    if expected_total > 0:  # the chapter as a whole: a narrower band than any one paragraph's
        ratio = spoken_total / expected_total
        # A short chapter's few paragraphs average out less: each may add SHORT_SLACK_S.
        band = CHAPTER_BAND + SHORT_SLACK_S * math.sqrt(len(runs)) / expected_total
        verdict.results.append(
            Result(
                file,
                "plausible",
                abs(ratio - 1) <= band,
                f"{spoken_total:.0f} s of speech in {count} sentences, {ratio:.0%} of what their "
                f"words take at the book's pace ({expected_total:.0f} s; allowed "
                f"{1 - band:.0%} to {1 + band:.0%})",
            )
        )
    return verdict


def rated_pace_check(file: str, paces: BookPaces, narrator: str, rate_wpm: float) -> Result:
    """The narrator's pace across the book against the pace its voice is rated at: a book
    spoken far faster than its voice speaks lost words everywhere (no chapter stands out)."""
    pace = paces.of(narrator)
    if pace is None:
        return Result(file, "book pace", True, "no sentences to measure")
    wpm = 60 / pace.seconds_per_word
    ok = abs(wpm / rate_wpm - 1) <= RATED_BAND
    return Result(
        file,
        "book pace",
        ok,
        f"the narrator spoke {wpm:.0f} words a minute in its sentences; its voice is rated at "
        f"{rate_wpm:.0f} (allowed {1 - RATED_BAND:.0%} to {1 + RATED_BAND:.0%} of that)",
    )


@dataclass(frozen=True)
class Frames:
    """Which ~10 ms frames of a chapter hold speech, and which hold any sound above room tone
    (a sentence trailing off, a breath: where a sentence's edges are)."""

    speech: np.ndarray  # bool, one per frame
    frame_s: float
    sound: np.ndarray | None = None  # bool, one per frame; None: the speech frames

    @classmethod
    def of(cls, frames_db: np.ndarray, frame_s: float, rms_db: float, floor_db: float) -> Frames:
        threshold = max(rms_db - SPEECH_BELOW_RMS, floor_db + SPEECH_ABOVE_FLOOR)
        return cls(frames_db > threshold, frame_s, frames_db > floor_db + SOUND_ABOVE_FLOOR)

    @property
    def seconds(self) -> float:
        return len(self.speech) * self.frame_s

    def index(self, seconds: float) -> int:
        return min(len(self.speech), max(0, round(seconds / self.frame_s)))

    def window(self, start: float, end: float) -> np.ndarray:
        return self.speech[self.index(start) : self.index(end)]

    def sound_window(self, start: float, end: float) -> np.ndarray:
        sound = self.speech if self.sound is None else self.sound
        return sound[self.index(start) : self.index(end)]


def audio_checks(file: str, record: ChapterSentences, frames: Frames) -> ChapterVerdict:
    """Every span holds speech from its start to its end; no speech outside every span."""
    verdict = ChapterVerdict()
    spoken: list[Flagged] = []
    stray: list[Flagged] = []
    sentences = [s for s in record.sentences if s.end > s.start]
    length = frames.seconds
    for sentence in sentences:
        flag = _sentence_flag(sentence, frames, length)
        if flag is not None:
            spoken.append(flag)
    # The pauses: before the first sentence, between each two, after the last.
    edges = [0.0] + [t for s in sentences for t in (s.start, s.end)] + [length]
    for n in range(0, len(edges), 2):
        start, end = edges[n] + GAP_MARGIN_S, edges[n + 1] - GAP_MARGIN_S
        if end - start < MIN_GAP_S:
            continue
        # A pause between two sentences of one utterance lasts a quarter of a second: speech
        # through most of it is as wrong as STRAY_S of speech in a longer one. Speech is counted
        # frame by frame (a word has its own short silences).
        window = frames.window(start, end)
        found = np.flatnonzero(window)
        seconds = found.size * frames.frame_s
        if seconds < min(STRAY_S, STRAY_SHARE * (end - start)):
            continue
        at = (frames.index(start) + found[0]) * frames.frame_s
        before = sentences[n // 2 - 1] if n // 2 >= 1 else None
        after = sentences[n // 2] if n // 2 < len(sentences) else None
        where = (
            f"between {first_words(before.text, 4)!r} and {first_words(after.text, 4)!r}"
            if before and after
            else f"after {first_words(before.text, 4)!r}"
            if before
            else f"before {first_words(after.text, 4)!r}"
            if after
            else "in a chapter that says nothing"
        )
        detail = f"speech where nothing was said: {seconds:.1f} s at {_clock(at)}, {where}"
        stray.append(Flagged(at, at + seconds, "speech where nothing was said", detail))
    count = len(sentences)
    verdict.results.append(
        _result(file, "sentences", spoken, f"{count} sentences, each spoken where recorded")
    )
    verdict.results.append(
        _result(file, "stray speech", stray, "no speech outside the recorded sentences")
    )
    verdict.flagged += spoken + stray
    return verdict


def _sentence_flag(sentence: SpokenSentence, frames: Frames, length: float) -> Flagged | None:
    """What is wrong with SENTENCE's span in the audio, if anything."""
    a, b = sentence.start, sentence.end

    def flag(what: str, detail: str) -> Flagged:
        return Flagged(a, b, what, f"{_named(sentence)}: {what}: {detail}")

    if a >= length - 0.05:
        return flag("missing", f"the file ends at {_clock(length)}, before it")
    window = frames.window(a, b)
    found = np.flatnonzero(window)
    span = b - a
    if not found.size or (span >= MIN_SPAN_S and found.size / window.size < SPOKEN_SHARE):
        share = found.size / window.size if window.size else 0.0
        return flag("missing", f"room tone where it is said ({share:.0%} of {span:.1f} s speech)")
    # The edges by sound, not speech: a sentence may trail off under the speech threshold.
    heard = np.flatnonzero(frames.sound_window(a, b))
    first, last = heard[0] * frames.frame_s, (heard[-1] + 1) * frames.frame_s
    if b > length + 0.05:
        return flag("cut short", f"the file ends at {_clock(length)}, {b - length:.1f} s before it")
    if span - last > EDGE_S:
        return flag("cut short", f"speech stops {span - last:.1f} s before its end")
    if first > EDGE_S:
        return flag("starts late", f"no speech for its first {first:.1f} s")
    return None
