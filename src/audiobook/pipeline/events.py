"""What the pipeline tells whoever watches it: progress events, and what a chapter job gave.

Plain frozen dataclasses, sent from the chapters' threads (on a cluster, from the client's event
loop: a worker sends its chapter's events pickled, through Dask's event topics, in
executors/cluster.py) to the command line's progress bars (cli/progress.py) and a catalogue's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CastLine:
    """A quoted line of a chapter and who reads it, as the cast decided (for the manifest and
    `check`; what is spoken is in the plan's steps)."""

    block: int
    text: str  # the words inside the marks
    speaker: str | None  # a character, or None: the narrator's line
    voice: str  # the voice that reads it: "engine voice" ("kokoro bf_emma"), or "narrator"
    how: str
    confidence: float
    tagged: str | None = None  # the character its own tag names ("said Jane")


@dataclass(frozen=True)
class ChapterResult:
    index: int
    title: str
    file: str
    words: int
    duration_ms: int = 0
    sha256: str = ""
    rms_db: float = 0.0
    peak_db: float = 0.0
    retries: int = 0
    cached: bool = False  # the audio came from the cache
    key: str = ""  # the cache key of its audio
    file_key: str = ""  # the key of the file: its audio and its tags
    bytes: int = 0
    captions: tuple[str, ...] = ()  # its caption files (NN-title.vtt, .srt)
    caption_words: tuple[int, str] = (0, "")  # what they must hold: words and their hash
    sentences: tuple[str, str] = ("", "")  # its sentence record (NN-title.sentences.json), sha256
    error: str | None = None
    # The cast: each quoted line with who reads it; each run read by a character (run, name),
    # for the book's captions; each voice that read lines (name, "engine voice", lines).
    lines: tuple[CastLine, ...] = ()
    speakers: tuple[tuple[int, str], ...] = ()
    cast: tuple[tuple[str, str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class BookPlanned:
    """A book's chapters are queued: WORDS to say in all."""

    title: str
    words: int


@dataclass(frozen=True)
class ChapterEvent:
    """Something that happened to the chapter INDEX (TITLE)."""

    index: int
    title: str


@dataclass(frozen=True)
class ChapterStarted(ChapterEvent):
    """The chapter's audio begins to be made (on a cluster: a worker took it), UTTERANCES to
    say; 0: its audio is the cache's."""

    utterances: int


@dataclass(frozen=True)
class ChapterStep(ChapterEvent):
    """DONE of its utterances are spoken."""

    done: int


@dataclass(frozen=True)
class ChapterMastering(ChapterEvent):
    """All is spoken: the chapter is being mastered and encoded."""


@dataclass(frozen=True)
class ChapterDone(ChapterEvent):
    """The chapter job is over: RESULT says how (ok, or its error)."""

    result: ChapterResult


@dataclass(frozen=True)
class ChapterWarning(ChapterEvent):
    """Something went wrong that the chapter got over (a damaged cache entry made again, a cache
    that cannot be written): said, not failed."""

    message: str


@dataclass(frozen=True)
class NarratorChosen:
    """Who reads the book: VOICE described ("Kokoro af_heart (en-us, American, female)"); HINT,
    when eSpeak NG reads it for lack of a natural voice of its language, says how to get one;
    DRAFT, when the fastest engine stands in for every voice (render --draft)."""

    voice: str
    hint: str | None = None
    draft: bool = False


ProgressEvent = (
    NarratorChosen
    | BookPlanned
    | ChapterStarted
    | ChapterStep
    | ChapterMastering
    | ChapterDone
    | ChapterWarning
)
Progress = Callable[[ProgressEvent], None]
