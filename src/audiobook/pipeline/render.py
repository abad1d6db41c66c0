"""The render: books' chapter jobs on an executor, then each book's whole-book files and manifest.

Orchestration only. Each chapter is one job (chapter_job.py), a function of its own inputs, run on
whatever executor the caller hands in, its audio made by whatever Studio it is given (here, or on
a cluster: executors/); a failed chapter is recorded and the others go on. When every chapter of
a book is there, the whole-book job (book_job.py) joins them. The manifest (manifest.py) records
what was written, and files an earlier render left that this one did not write go. A catalogue
is several books in one queue: `plan_book` each, then `render_books` them together.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audiobook import engines, outputs
from audiobook.core import manifest
from audiobook.core.book import Book
from audiobook.core.cache import Cache
from audiobook.core.config import Cast, SplitOverrides, load_cast
from audiobook.core.errors import AudiobookError, InputError, debug_traceback, from_os_error
from audiobook.core.files import FolderBusy, exclusive, remove_leftovers
from audiobook.engines.voices import (
    describe_voice,
    draft_cast,
    fastest_engine,
    natural_voice_hint,
    resolve_voices,
    voice_language,
)
from audiobook.pipeline.book_job import build_book
from audiobook.pipeline.cast.voices import cast_book, cast_file_path, character_voices
from audiobook.pipeline.chapter_audio import EngineFactory, LocalStudio, Studio
from audiobook.pipeline.chapter_job import ChapterRequest, run_chapter, tool_versions
from audiobook.pipeline.events import (
    BookPlanned,
    ChapterDone,
    ChapterResult,
    NarratorChosen,
    Progress,
)
from audiobook.pipeline.plan import ChapterJob, check_lexicon, check_voice_names, make_jobs
from audiobook.readers import read_book

# A catalogue's queue holds the chapters of enough books for this many per slot (and at least
# LOOKAHEAD_MIN): the last of them are started longest first, so the cores finish together, and
# only a window of books, not all of them, is planned and in memory at a time.
LOOKAHEAD_PER_SLOT, LOOKAHEAD_MIN = 8, 64


@dataclass
class RenderSummary:
    book: Book
    out_dir: Path
    results: list[ChapterResult] = field(default_factory=list)
    book_section: manifest.BookSection | None = None  # the whole-book files, when made
    book_files_error: str | None = None
    # The manifest could not be written, or a file it no longer lists not removed (a full or
    # read-only disk, the folder gone): the chapters' results still stand, and are reported.
    error: str | None = None

    @property
    def failed(self) -> list[ChapterResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not (self.failed or self.error or self.book_files_error)

    @property
    def book_manifest(self) -> dict[str, Any] | None:
        """The "book" section as manifest.json holds it (the JSON summary shows it)."""
        return None if self.book_section is None else self.book_section.model_dump()


@dataclass
class BookRun:
    """A book read, its voices resolved and its chapters planned: all its input proven, nothing
    written yet (plan_book)."""

    book: Book
    cast: Cast
    out_dir: Path
    jobs: list[ChapterJob]
    tools: dict[str, str]
    narrator_wpm: float
    force: bool = False
    progress: Progress | None = None
    previous: dict = field(default_factory=dict)  # the manifest the last render left
    draft: bool = False  # every voice spoken by the fastest engine (render --draft)
    narrator: NarratorChosen | None = None  # who reads it, told when its chapters are queued


def plan_book(
    source: Path,
    out_dir: Path,
    voices_file: Path,
    *,
    engine_factory: EngineFactory = engines.create,
    split: SplitOverrides | None = None,
    force: bool = False,
    progress: Progress | None = None,
    draft: bool = False,
) -> BookRun:
    """SOURCE read and planned for OUT_DIR with the voices of VOICES_FILE (DRAFT: each spoken by
    the fastest installed engine instead); bad input raises InputError before anything is
    written."""
    written = load_cast(voices_file, engines.ENGINES)
    book = read_book(source, written.split_options(voices_file, split))
    with contextlib.closing(engine_factory()) as probe:
        available = probe.voices()
        cast = resolve_voices(written, book.language, available, voices_file)
        hint = natural_voice_hint(written.narrator, cast.narrator, book.language)
        if draft:
            cast, hint = draft_cast(cast, book.language, available, voices_file), None
        tools = tool_versions(probe.identity())
        narrator_wpm = probe.pace(cast.narrator)
        found, voices = None, None
        if written.cast.auto or cast_file_path(voices_file).exists():
            if draft:  # the characters too are spoken by the fastest engine
                fastest = fastest_engine(available)
                available = [v for v in available if v.engine == fastest]
            found = cast_book(book, cast.narrator, voices_file, available, engines.ENGINES, draft)
            voices = character_voices(found, narrator_wpm, book.language, available, voices_file)
    check_voice_names(book, cast)
    check_lexicon(cast, book.language, voices_file, voices)
    _check_out_dir(out_dir)
    narrator = NarratorChosen(describe_voice(cast.narrator, available), hint, draft)
    if not book.narrator and cast.credits.name_voice:
        # "Kokoro af_heart (en-us, ...)" -> "Kokoro af heart": said and tagged as a name.
        credited = narrator.voice.split(" (", 1)[0].replace("_", " ")
        book = replace(book, narrator=credited)
    spoken_in = {
        key: language
        for key, voice in {**cast.voices(), **(voices or {})}.items()
        if (language := voice_language(voice, available))
    }
    jobs = make_jobs(book, cast, found, voices, spoken_in)
    return BookRun(
        book, cast, out_dir, jobs, tools, narrator_wpm, force, progress, draft=draft,
        narrator=narrator,
    )  # fmt: skip


def render_book(
    source: Path,
    out_dir: Path,
    voices_file: Path,
    *,
    executor: Executor,
    studio: Studio | None = None,
    progress: Progress | None = None,
    engine_factory: EngineFactory = engines.create,
    split: SplitOverrides | None = None,
    cache: Cache | None = None,
    force: bool = False,
    draft: bool = False,
) -> RenderSummary:
    """Render SOURCE into OUT_DIR, its chapters as jobs on EXECUTOR, their audio made by STUDIO
    (default: this machine's engines; DRAFT: the fastest of them for every voice); bad input
    raises InputError before anything is written."""
    run = plan_book(
        source, out_dir, voices_file, engine_factory=engine_factory, split=split, force=force,
        progress=progress, draft=draft,
    )  # fmt: skip
    with lock_out_dir(out_dir):
        studio = studio or LocalStudio(engine_factory)
        return render_books([run], executor, studio, cache or Cache())[0]


def render_books(
    runs: Iterable[BookRun],
    executor: Executor,
    studio: Studio,
    cache: Cache,
    finished: Callable[[BookRun, RenderSummary], None] | None = None,
    slots: int | None = None,
) -> list[RenderSummary]:
    """Every chapter of RUNS on EXECUTOR, in the order of _ChapterQueue; each book's
    whole-book files and manifest as soon as its last chapter is done (then FINISHED is told),
    while the others' chapters go on. The caller holds each output folder (lock_out_dir).

    With SLOTS (how many chapters EXECUTOR runs at once), at most that many are handed to it at
    a time, and RUNS, which may be a generator planning books as it goes, is read only as far
    as the queue needs: a catalogue of a thousand books starts at once, holds a window of them,
    and finishes them all along, not all at the end. Without, every chapter is queued at once.
    """
    queue = _ChapterQueue(runs, studio, cache, slots)
    summaries: dict[int, RenderSummary] = {}

    def done(run: BookRun, results: list[ChapterResult]) -> None:
        summary = _finish_book(run, results, cache)
        summaries[id(run)] = summary
        if finished:
            finished(run, summary)

    _run_chapters(queue, executor, studio, cache, done)
    return [summaries[id(run)] for run in queue.opened]


class _ChapterQueue:
    """The chapters of the books opened so far, to start in this order: book by book (each
    book's longest chapter first), and once every book is open, all that remain longest first,
    whatever their book, so that the cores finish together instead of one of them speaking a
    long chapter alone at the end. Book by book until then, so that books finish all along
    (their whole-book files made while the others' chapters go on), and not all at the end, as
    a short chapter would if the longest of a window that new books keep filling always went
    first. Books are opened as the queue runs low."""

    def __init__(
        self, runs: Iterable[BookRun], studio: Studio, cache: Cache, slots: int | None
    ) -> None:
        self.runs = iter(runs)
        self.studio = studio
        self.cache = cache
        self.slots = slots
        self.lookahead = None if slots is None else max(LOOKAHEAD_PER_SLOT * slots, LOOKAHEAD_MIN)
        self.opened: list[BookRun] = []
        self.more = True
        # (book's number, -words, arrival): the book's number is 0 for all once all are open.
        self._heap: list[tuple[int, int, int, BookRun, ChapterJob]] = []
        self._checked: list[dict[str, str]] = []
        self._count = itertools.count()

    def take(self, running: int) -> Iterator[tuple[BookRun, ChapterJob]]:
        """The chapters to start now, RUNNING being under way."""
        while self.slots is None or running < self.slots:
            while self.more and (self.lookahead is None or len(self._heap) < self.lookahead):
                self._open_next()
            if not self._heap:
                return
            *_, run, job = heapq.heappop(self._heap)
            running += 1
            yield run, job

    def _open_next(self) -> None:
        run = next(self.runs, None)
        if run is None:
            self.more = False
            # Each entry's first field (its order) set to 0, the rest as they were: mypy cannot
            # type a star-unpacked tuple back into the heap's entry type.
            self._heap = [(0, *rest) for _, *rest in self._heap]  # type: ignore[misc]
            heapq.heapify(self._heap)  # the rest, longest first
            return
        if run.tools not in self._checked:  # a cluster's workers: before this book's first job
            self.studio.check([run.tools])
            self._checked.append(run.tools)
        remove_leftovers(run.out_dir)  # of a render that was killed: only now is none running
        run.previous = manifest.read_previous(run.out_dir)
        if not self.opened:
            self.cache.remove_stale_work()
        self.opened.append(run)
        if run.progress:
            if run.narrator is not None:
                run.progress(run.narrator)
            run.progress(BookPlanned(run.book.title, sum(job.chapter.words for job in run.jobs)))
        number = len(self.opened)
        for job in run.jobs:
            entry = (number, -job.chapter.words, next(self._count), run, job)
            heapq.heappush(self._heap, entry)


def _run_chapters(
    queue: _ChapterQueue,
    executor: Executor,
    studio: Studio,
    cache: Cache,
    done: Callable[[BookRun, list[ChapterResult]], None],
) -> None:
    """Every chapter job of QUEUE on EXECUTOR; each book's results, in book order, to DONE once
    all of them are in; failures recorded as such."""
    stop = threading.Event()
    futures: dict[Future[ChapterResult], tuple[BookRun, ChapterJob]] = {}
    results: dict[int, list[ChapterResult]] = {}
    try:
        while True:
            for run, job in queue.take(len(futures)):
                before = manifest.previous_chapters(run.previous).get(job.file_name)
                request = ChapterRequest(
                    job, run.out_dir, cache, run.tools, studio, run.force, run.progress,
                    stop.is_set, before,
                )  # fmt: skip
                future = executor.submit(run_chapter, request)
                futures[future] = (run, job)
            if not futures:
                return
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                run, job = futures.pop(future)
                result = _result(future, job)
                mine = results.setdefault(id(run), [])
                mine.append(result)
                if run.progress:
                    run.progress(ChapterDone(job.chapter.index, job.chapter.title, result))
                if len(mine) == len(run.jobs):
                    done(run, sorted(results.pop(id(run)), key=lambda r: r.index))
    except BaseException:
        # Ctrl-C or a bug: queued chapters are not started, running ones stop at their next
        # utterance (or with their processes, which got the same signal); what they leave are
        # temporary files, which go.
        stop.set()
        for future in futures:
            future.cancel()
        wait(futures)
        for run in queue.opened:
            remove_leftovers(run.out_dir)
        raise


def _result(future: Future[ChapterResult], job: ChapterJob) -> ChapterResult:
    try:
        return future.result()
    except (AudiobookError, OSError) as exc:
        # A fault of this chapter (the engine, a full disk): recorded, the others go on.
        debug_traceback(exc)
        error = from_os_error(exc) if isinstance(exc, OSError) else exc
        return ChapterResult(
            job.chapter.index, job.chapter.title, job.file_name, job.chapter.words,
            error=str(error),
        )  # fmt: skip


def _finish_book(run: BookRun, results: list[ChapterResult], cache: Cache) -> RenderSummary:
    """The whole-book files from RUN's chapters, then its manifest, then the files it no longer
    lists."""
    summary = RenderSummary(book=run.book, out_dir=run.out_dir, results=results)
    made = build_book(
        results, run.book, run.jobs[0].book, outputs.enabled(run.cast.output), run.out_dir, cache,
        manifest.previous_book(run.previous), run.force,
    )  # fmt: skip
    summary.book_section, summary.book_files_error = made.section, made.error
    stale = _stale(summary, run.previous)
    try:
        # The manifest first, then the files it no longer lists (which it names as stale, for
        # the next render to remove if this one cannot): whatever fails, every file that the
        # folder's manifest lists is there as it says.
        manifest.write_manifest(
            run.out_dir, run.book, run.cast, [r for r in results if r.ok], summary.failed,
            summary.book_section, run.narrator_wpm, stale, draft=run.draft,
        )  # fmt: skip
        for name in stale:
            (run.out_dir / name).unlink(missing_ok=True)
    except OSError as exc:  # a full or read-only disk, the folder gone: said, not raised
        debug_traceback(exc)
        summary.error = str(from_os_error(exc))
    return summary


def _stale(summary: RenderSummary, previous: dict) -> list[str]:
    """Files an earlier render listed that this one did not write (chapters removed, renamed)."""
    keep = {r.file for r in summary.results} | manifest.book_files(summary.book_section)
    keep |= {name for r in summary.results for name in r.captions}
    keep |= {r.sentences[0] for r in summary.results if r.sentences[0]}
    listed = manifest.listed_files(previous) - keep
    plain = (name for name in listed if "/" not in name and "\\" not in name)
    return sorted(name for name in plain if os.path.lexists(summary.out_dir / name))


@contextlib.contextmanager
def lock_out_dir(out_dir: Path) -> Iterator[None]:
    """One render at a time in a folder: a second one would delete the first one's temporary
    files and join its half-written chapters into the book files."""
    try:
        with exclusive(out_dir):
            yield
    except FolderBusy:
        raise InputError(
            "another render is writing to this folder",
            path=out_dir,
            hint="wait for it to finish, or render to another folder with --out",
        ) from None


def _check_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write-test.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write to the output folder ({exc.strerror})",
            path=out_dir,
            hint="choose another with --out, or fix its permissions",
        ) from None
