"""A chapter's audio: its steps spoken, stitched, mastered and encoded into a cache entry's files.

The heavy half of the chapter job, and the only half that may run elsewhere. What it needs
travels in an AudioRequest: the steps to say (text and pauses, lexicon already applied), the
voices, the mastering profile and the tool versions the key was made with; nothing of the book's
tags or cover, nothing of the output folder. A Studio is where requests are made into entries:
LocalStudio here, in this machine's engine and ffmpeg processes; a cluster's in executors/.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from audiobook import engines
from audiobook.core.audio import Pause, Speech
from audiobook.core.cache import Cache
from audiobook.core.config import Voice
from audiobook.core.sentences import Timed, pair
from audiobook.engines.interface import SpeechEngine
from audiobook.formats.captions import TIMINGS, save_timings
from audiobook.formats.m4b import save_sizes, split_adts
from audiobook.mastering.loudness import master_to_mp3
from audiobook.mastering.profiles import PROFILES
from audiobook.mastering.stitch import STITCH_RATE, stitch
from audiobook.pipeline.events import ChapterMastering, ChapterStarted, ChapterStep, Progress
from audiobook.pipeline.plan import Say, Step

AAC_FRAMES, AAC_SIZES = "chapter.aac", "chapter.aac.sizes"  # in a cache entry
ENTRY_FILES = ("chapter.mp3", AAC_FRAMES, AAC_SIZES, "meta.json", TIMINGS)
# The mastered audio lags the stitched by the limiter's lookahead (alimiter's attack, 5 ms, as
# its latency is not compensated): sentence times in the chapter's file are this much later.
MASTER_DELAY_S = 0.005

EngineFactory = Callable[[], SpeechEngine]


class Interrupted(Exception):
    """A chapter stopped because the render is being interrupted."""


@dataclass(frozen=True)
class AudioRequest:
    """Everything a chapter's audio depends on, and what it is called: plain data, so it pickles
    to a worker on another machine."""

    key: str  # the cache entry it becomes (chapter_job.chapter_key)
    steps: tuple[Step, ...]
    voices: dict[str, Voice]
    profile: str
    tools: dict[str, str]  # the versions the key was made with: a worker's must be the same
    index: int  # the chapter's, for progress and errors
    title: str
    words: int  # how much there is to say: the longest are made first

    @property
    def utterances(self) -> int:
        return sum(isinstance(s, Say) for s in self.steps)


class Studio(Protocol):
    """Where requests become cache entries: this machine (LocalStudio) or a cluster."""

    def check(self, tools: Sequence[dict[str, str]]) -> None:
        """Raise SetupError unless audio can be made here with the versions TOOLS (a run's
        tool_versions, one per book): before any chapter starts."""
        ...

    def make(
        self, request: AudioRequest, cache: Cache, progress: Progress | None,
        stopping: Callable[[], bool],
    ) -> int:  # fmt: skip
        """Make the entry REQUEST.key in CACHE; return the engine's retries. Raises Interrupted
        when STOPPING turns true, the engine's and ffmpeg's errors as they are."""
        ...


class LocalStudio:
    """Requests made on this machine: a fresh engine per chapter (espeak-ng's output depends on
    what the process spoke before), the entry built in the cache's temporary folder."""

    def __init__(self, engine_factory: EngineFactory = engines.create) -> None:
        self.engine_factory = engine_factory

    def check(self, tools: Sequence[dict[str, str]]) -> None:
        """Nothing to do: the versions are this machine's own (render's probe found them)."""

    def make(
        self, request: AudioRequest, cache: Cache, progress: Progress | None,
        stopping: Callable[[], bool],
    ) -> int:  # fmt: skip
        with cache.put(request.key) as work:
            return make_entry_files(request, work, self.engine_factory, progress, stopping)


def make_entry_files(
    request: AudioRequest,
    folder: Path,
    engine_factory: EngineFactory,
    progress: Progress | None,
    stopping: Callable[[], bool],
) -> int:
    """Speak, stitch, master and encode REQUEST into FOLDER (ENTRY_FILES, meta.json last);
    return the engine's retries. The audio is streamed through a temporary file: a chapter of
    any length costs the same memory."""
    steps = request.steps
    index, title = request.index, request.title
    if progress:  # now, not when it was queued: on a cluster, when a worker takes it
        progress(ChapterStarted(index, title, request.utterances))
    with contextlib.closing(engine_factory()) as engine:

        def speech() -> Iterator[Speech | Pause]:
            done = 0
            for step in steps:
                if stopping():  # the render is being interrupted: leave no entry
                    raise Interrupted
                if isinstance(step, Pause):
                    yield step
                    continue
                yield engine.synthesize(step.text, request.voices[step.voice])
                done += 1
                if progress:
                    progress(ChapterStep(index, title, done))
            if progress:
                progress(ChapterMastering(index, title))

        voices = {s.voice for s in steps if isinstance(s, Say)}
        stitched = stitch(speech(), folder / "chapter.raw", level=len(voices) > 1)
        sentences = chapter_sentences(list(steps), stitched.sentences, STITCH_RATE)
        save_timings(sentences, folder / TIMINGS)
        adts = folder / "chapter.adts"
        mastered = master_to_mp3(stitched, PROFILES[request.profile], folder / "chapter.mp3", adts)
        stitched.path.unlink()
        # The M4B is joined from raw AAC frames and their sizes (m4b.py): split them here, in
        # the chapter's own job, once.
        aac = split_adts(adts, folder / AAC_FRAMES)
        adts.unlink()
        meta = {
            "rms_db": mastered.levels.rms_db,
            "peak_db": mastered.levels.peak_db,
            "aac": save_sizes(aac, folder / AAC_SIZES),
        }
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        return int(getattr(engine, "retries", 0))


def chapter_sentences(
    steps: list[Step], stitched: tuple[tuple[tuple[int, int], ...], ...], rate: int
) -> list[Timed]:
    """Each written sentence of the chapter and when it is heard in the chapter's file: the
    utterances' sentence spans (STITCHED, in samples at RATE, one tuple per Say in order) paired
    with the text as written, a run of utterances (one paragraph, one voice) at a time."""
    said = [s for s in steps if isinstance(s, Say)]
    timed: list[Timed] = []
    n = 0
    while n < len(said):
        run = said[n].run
        spans: list[tuple[float, float]] = []
        while n < len(said) and said[n].run == run:
            delay = MASTER_DELAY_S
            spans += [(a / rate + delay, b / rate + delay) for a, b in stitched[n]]
            written = said[n].written
            n += 1
        paired = pair(written, [s for s in spans if s[1] > s[0]] or spans)
        timed += [replace(t, group=run) for t in paired]
    return timed
