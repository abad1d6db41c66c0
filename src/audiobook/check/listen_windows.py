"""What a chapter is heard in (check --listen): windows of whole written runs, or a sample of them.

A window is the audio of consecutive written runs (paragraphs, credits, a character's line) up to
WINDOW_S (Whisper hears 30 s at a time), padded into the pauses around it, with the numbers of
the sentences said in it: its words are compared with those sentences only. Windows end between
paragraphs, never between sentences: a paragraph is one utterance of the engine, placed exactly
by the render, while the sentence times inside it are the engine's own (eSpeak NG's were up to
5 s off in The Canterville Ghost). A sample (`--listen-sample N`) is whole paragraphs at places
spread through the chapter adding up to about N seconds (the first sentences of a paragraph too
long for its share, the window open at its end).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from audiobook.formats.sentence_spans import SpokenSentence

WINDOW_S = 28.0  # paragraphs heard together span at most this (Whisper hears 30 s at a time)
RUN_S = 120.0  # a longer paragraph is cut between sentences (an alignment stays small)
PAD_S = 0.3  # audio kept around a window's sentences, at most half the pause to the next
SAMPLE_WINDOW_S = 25.0  # a sample is heard in windows of about this (Whisper pads to 30 s)
OPEN_FACTOR = 1.5  # a paragraph this much longer than a sample window is sampled in part
OPEN_MARGIN_S = 5.0  # sentences starting this soon after an open window's end are compared too


@dataclass(frozen=True)
class Window:
    """Sentences heard together: the audio from START to END (seconds of the chapter's file)."""

    start: float
    end: float
    sentences: tuple[int, ...]  # their numbers in the chapter's record
    # The audio stops inside the last sentences (a sample of a long paragraph): it is cut at a
    # pause near END, and the written words after the last one heard are not compared.
    open_end: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start


def runs(sentences: Sequence[SpokenSentence]) -> list[range]:
    """SENTENCES as their written runs (paragraphs, credits, a character's line): each a range
    of sentence numbers, a run longer than RUN_S split between sentences."""
    out: list[range] = []
    first = 0
    for i in range(1, len(sentences) + 1):
        if i == len(sentences) or sentences[i].group != sentences[first].group:
            out += split_run(sentences, first, i)
            first = i
    return out


def split_run(sentences: Sequence[SpokenSentence], first: int, end: int) -> list[range]:
    out: list[range] = []
    while first < end:
        last = first + 1
        while last < end and sentences[last].end - sentences[first].start <= RUN_S:
            last += 1
        out.append(range(first, last))
        first = last
    return out


def full_windows(sentences: Sequence[SpokenSentence], duration: float) -> tuple[Window, ...]:
    """All of SENTENCES in windows of whole runs (paragraphs), consecutive ones together while
    they span at most WINDOW_S; a longer run is a window of its own (heard in pieces)."""
    windows: list[Window] = []
    group: list[range] = []
    for run in runs(sentences):
        if group and sentences[run[-1]].end - sentences[group[0][0]].start > WINDOW_S:
            windows.append(window_of(sentences, range(group[0][0], group[-1][-1] + 1), duration))
            group = []
        group.append(run)
    if group:
        windows.append(window_of(sentences, range(group[0][0], group[-1][-1] + 1), duration))
    return tuple(windows)


def sample_windows(
    sentences: Sequence[SpokenSentence], duration: float, seconds: float
) -> tuple[Window, ...]:
    """About SECONDS of SENTENCES, heard at places spread evenly through the chapter (in windows
    of about SAMPLE_WINDOW_S): at each, the whole runs (paragraphs) from the one that starts
    nearest, as many as bring the window closest to its share of what is left to hear; or, when
    that paragraph alone is much longer, its first sentences, the window open at its end (it
    stops at a pause in the speech, and the words after the last one heard are not compared).
    All of the chapter when it says no more than SECONDS."""
    if not sentences:
        return ()
    span_start, span_end = sentences[0].start, sentences[-1].end
    if span_end - span_start <= seconds:
        return full_windows(sentences, duration)
    count = max(1, math.ceil(seconds / SAMPLE_WINDOW_S))
    each = seconds / count
    chapter_runs = runs(sentences)
    windows: list[Window] = []
    taken = 0  # the first run a later window may take
    for k in range(count):
        at = span_start + (span_end - span_start - each) * (k / (count - 1) if count > 1 else 0.5)
        if taken >= len(chapter_runs):
            break
        first = min(
            range(taken, len(chapter_runs)),
            key=lambda r: abs(sentences[chapter_runs[r][0]].start - at),
        )
        # This window's share: what is left of SECONDS over the windows left (whole paragraphs
        # make some windows longer and some shorter than their share; the sum stays near).
        share = (seconds - sum(w.seconds for w in windows)) / (count - k)
        begin = sentences[chapter_runs[first][0]].start
        last = first
        if sentences[chapter_runs[first][-1]].end - begin > OPEN_FACTOR * share:
            windows.append(_openwindow_of(sentences, chapter_runs[first], share, duration))
        else:
            while last + 1 < len(chapter_runs):
                span = sentences[chapter_runs[last][-1]].end - begin
                longer = sentences[chapter_runs[last + 1][-1]].end - begin
                if span >= share or longer - share >= share - span:  # no closer with the next
                    break
                last += 1
            whole = range(chapter_runs[first][0], chapter_runs[last][-1] + 1)
            windows.append(window_of(sentences, whole, duration))
        taken = last + 1
    return tuple(windows)


def window_of(sentences: Sequence[SpokenSentence], run: range, duration: float) -> Window:
    """The window of the sentences RUN: their span, padded by up to PAD_S into the pauses around
    it (at most half of each, so that no word of a neighbour is heard)."""
    first, last = sentences[run[0]], sentences[run[-1]]
    before = sentences[run[0] - 1].end if run[0] > 0 else 0.0
    after = sentences[run[-1] + 1].start if run[-1] + 1 < len(sentences) else duration
    start = first.start - min(PAD_S, max(0.0, (first.start - before) / 2))
    end = last.end + min(PAD_S, max(0.0, (after - last.end) / 2))
    return Window(max(start, 0.0), max(end, start), tuple(run))


def _openwindow_of(
    sentences: Sequence[SpokenSentence], run: range, seconds: float, duration: float
) -> Window:
    """About SECONDS from the start of the long run RUN, open at its end: the sentences that
    start before it ends (and OPEN_MARGIN_S after: an engine's times inside a paragraph are
    its own, not always exact) are what it is compared with."""
    whole = window_of(sentences, run, duration)
    end = min(whole.start + seconds, whole.end)
    said = tuple(i for i in run if sentences[i].start < end + OPEN_MARGIN_S)
    return Window(whole.start, end, said or (run[0],), open_end=True)
