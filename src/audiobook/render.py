"""The render: a book's chapter jobs on an executor, then the whole-book files and the manifest.

Orchestration only. Each chapter is one job (chapter_job.py), a function of its own inputs, run on
whatever executor the caller hands in; a failed chapter is recorded and the others go on. When
every chapter is there, the whole-book job (book_job.py) joins them. The manifest (manifest.py)
records what was written, and files an earlier render left that this one did not write go.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path

from audiobook import engines, manifest, outputs
from audiobook.book import Book
from audiobook.book_job import build_book
from audiobook.cache import Cache
from audiobook.chapter_job import (
    ChapterResult,
    EngineFactory,
    Progress,
    run_chapter,
    tool_versions,
)
from audiobook.config import SplitOverrides, load_cast
from audiobook.errors import AudiobookError, InputError, debug_traceback, from_os_error
from audiobook.files import FolderBusy, exclusive, remove_leftovers
from audiobook.plan import ChapterJob, check_voice_names, make_jobs
from audiobook.readers import read_book


@dataclass
class RenderSummary:
    book: Book
    out_dir: Path
    results: list[ChapterResult] = field(default_factory=list)
    book_manifest: dict | None = None  # the "book" section of the manifest
    book_files_error: str | None = None
    # The manifest could not be written, or a file it no longer lists not removed (a full or
    # read-only disk, the folder gone): the chapters' results still stand, and are reported.
    error: str | None = None

    @property
    def failed(self) -> list[ChapterResult]:
        return [r for r in self.results if not r.ok]


def render_book(
    source: Path,
    out_dir: Path,
    voices_file: Path,
    *,
    executor: Executor,
    progress: Progress | None = None,
    engine_factory: EngineFactory = engines.create,
    split: SplitOverrides | None = None,
    cache: Cache | None = None,
    force: bool = False,
) -> RenderSummary:
    """Render SOURCE into OUT_DIR, its chapters as jobs on EXECUTOR; bad input raises InputError
    before anything is written."""
    cast = load_cast(voices_file)
    book = read_book(source, cast.split_options(voices_file, split))
    with contextlib.closing(engine_factory()) as probe:
        cast = cast.resolve_voices(book.language, probe.voices(), voices_file)
        tools = tool_versions(probe.identity())
        narrator_wpm = probe.pace(cast.narrator)
    check_voice_names(book, cast)
    _check_out_dir(out_dir)
    with _exclusive(out_dir):
        remove_leftovers(out_dir)  # of a render that was killed: only now is none running
        cache = cache or Cache()
        cache.remove_stale_work()
        summary = RenderSummary(book=book, out_dir=out_dir)
        previous = manifest.read_previous(out_dir)
        jobs = make_jobs(book, cast)
        summary.results = _run_chapters(
            jobs, executor, out_dir, cache, tools, engine_factory, force, progress, previous
        )
        made = build_book(
            summary.results, book, jobs[0].book, outputs.enabled(cast.output), out_dir, cache,
            manifest.previous_book(previous), force,
        )  # fmt: skip
        summary.book_manifest, summary.book_files_error = made.section, made.error
        stale = _stale(summary, previous)
        try:
            # The manifest first, then the files it no longer lists (which it names as stale,
            # for the next render to remove if this one cannot): whatever fails, every file
            # that the folder's manifest lists is there as it says.
            manifest.write_manifest(
                out_dir, book, cast, [r for r in summary.results if r.ok], summary.failed,
                summary.book_manifest, narrator_wpm, stale,
            )  # fmt: skip
            for name in stale:
                (out_dir / name).unlink(missing_ok=True)
        except OSError as exc:  # a full or read-only disk, the folder gone: said, not raised
            debug_traceback(exc)
            summary.error = str(from_os_error(exc))
        return summary


def _run_chapters(
    jobs: list[ChapterJob],
    executor: Executor,
    out_dir: Path,
    cache: Cache,
    tools: dict[str, str],
    engine_factory: EngineFactory,
    force: bool,
    progress: Progress | None,
    previous: dict,
) -> list[ChapterResult]:
    """Every chapter job on EXECUTOR; the results in book order, failures recorded as such."""
    stop = threading.Event()
    before = manifest.previous_chapters(previous)
    if progress:
        progress("book", 0, jobs[0].book.title, sum(job.chapter.words for job in jobs))
    futures = {
        executor.submit(
            run_chapter, job, out_dir, cache, tools, engine_factory, force, progress,
            stop.is_set, before.get(job.file_name),
        ): job
        # Longest first: the last chapters to start are then short ones, and the cores
        # finish together instead of one of them speaking a long chapter alone at the end.
        for job in sorted(jobs, key=lambda job: -job.chapter.words)
    }  # fmt: skip
    results = []
    try:
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except (AudiobookError, OSError) as exc:
                # A fault of this chapter (the engine, a full disk): recorded, the others go on.
                debug_traceback(exc)
                error = from_os_error(exc) if isinstance(exc, OSError) else exc
                result = ChapterResult(
                    job.chapter.index, job.chapter.title, job.file_name, job.chapter.words,
                    error=str(error),
                )  # fmt: skip
            results.append(result)
            if progress:
                progress("done", job.chapter.index, job.chapter.title, result)
    except BaseException:
        # Ctrl-C or a bug: queued chapters are not started, running ones stop at their next
        # utterance (or with their processes, which got the same signal); what they leave are
        # temporary files, which go.
        stop.set()
        for future in futures:
            future.cancel()
        wait(futures)
        remove_leftovers(out_dir)
        raise
    return sorted(results, key=lambda r: r.index)


def _stale(summary: RenderSummary, previous: dict) -> list[str]:
    """Files an earlier render listed that this one did not write (chapters removed, renamed)."""
    keep = {r.file for r in summary.results} | manifest.book_files(summary.book_manifest)
    keep |= {name for r in summary.results for name in r.captions}
    listed = manifest.listed_files(previous) - keep
    plain = (name for name in listed if "/" not in name and "\\" not in name)
    return sorted(name for name in plain if os.path.lexists(summary.out_dir / name))


@contextlib.contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
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
