"""render, catalogue and clean: making books, and emptying the cache of chapters they fill."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from audiobook.cli.shared import (
    DEFAULT_VOICES,
    HeadingOpt,
    JsonOpt,
    SkipOpt,
    SourceArg,
    TargetOpt,
    VoicesOpt,
    err,
    out,
    report_skipped,
    require_explicit,
)
from audiobook.core.audio import clock
from audiobook.core.errors import EXIT_FAILED, InputError

SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Make the audio on a Dask cluster: its scheduler's address (tcp://HOST:8786), or "
        "local:N for N worker processes here.",
    ),
]
SharedCacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--shared-cache",
        help="With --scheduler: a cache folder every worker sees at the same path (NFS, a "
        "mounted bucket); workers write the audio there instead of sending it back.",
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Speak and master everything again: ignore the cache.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]
DraftOpt = Annotated[
    bool,
    typer.Option(
        "--draft",
        help="Speak every voice with the fastest installed engine, to check a split or a cast: "
        "the same files, marked as a draft (check refuses it unless --allow-draft).",
    ),
]


def render(
    source: SourceArg = Path("text"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where the audiobook goes.")] = Path(
        "audio"
    ),
    voices: VoicesOpt = DEFAULT_VOICES,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Chapters rendered at once [default: the CPU count]."),
    ] = None,
    heading_pattern: HeadingOpt = None,
    skip: SkipOpt = None,
    target_words: TargetOpt = None,
    force: ForceOpt = False,
    draft: DraftOpt = False,
    scheduler: SchedulerOpt = None,
    shared_cache: SharedCacheOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Render SOURCE into one mastered, tagged MP3 per chapter, the whole book, and a manifest.

    Chapters already rendered with the same text and settings come from the cache
    ($AUDIOBOOK_CACHE, else ~/.cache/audiobook; `audiobook clean` empties it).
    """
    from audiobook.cli.progress import RenderProgress
    from audiobook.core.config import SplitOverrides
    from audiobook.pipeline import executors
    from audiobook.pipeline.render import render_book

    require_explicit(voices)
    jobs = _jobs(jobs, scheduler, shared_cache)
    overrides = SplitOverrides(heading_pattern, tuple(skip or ()), target_words)
    with (
        RenderProgress(err, quiet) as progress,
        executors.open_workers(scheduler, jobs, shared_cache) as workers,
    ):
        summary = render_book(
            source, out_dir, voices, executor=workers.pool, studio=workers.studio,
            progress=progress.event, split=overrides, force=force, cache=_cache(shared_cache),
            draft=draft,
        )  # fmt: skip
    if not quiet:
        report_skipped(summary.book)
    if as_json:
        print(json.dumps(_summary_json(summary), indent=2, ensure_ascii=False))
    else:
        table = Table("#", "chapter", "duration", "file", "", title=f"{summary.book.title}")
        for r in summary.results:
            shown = clock(r.duration_ms / 1000) if r.ok else "[red]failed[/red]"
            note = "cached" if r.cached else (f"{r.retries} retries" if r.retries else "")
            table.add_row(str(r.index), r.title, shown, str(out_dir / r.file), note)
        out.print(table)
        if summary.book_manifest:
            names = ", ".join(book_files(summary.book_manifest))
            out.print(f"whole book: {names}", markup=False)
    if summary.book_files_error:
        err.print(f"audiobook: the whole-book files were {summary.book_files_error}", markup=False)
    for r in summary.failed:
        err.print(f"audiobook: chapter {r.index} ({r.title}) failed: {r.error}", markup=False)
    if summary.error:
        err.print(f"audiobook: error: {summary.error}", markup=False)
    if not summary.ok:
        raise typer.Exit(EXIT_FAILED)


def book_files(book_manifest: dict[str, Any]) -> list[str]:
    """The whole-book files a render wrote: each registered output's file that its manifest's
    "book" section names, in the registry's order (an output turned off has no entry)."""
    from audiobook.outputs import OUTPUTS

    return [book_manifest[o.name] for o in OUTPUTS if o.name in book_manifest]


def catalogue(
    root: Annotated[
        Path,
        typer.Argument(help="A folder of book folders, or a catalogue file (catalogue.toml)."),
    ],
    scheduler: SchedulerOpt = None,
    shared_cache: SharedCacheOpt = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Without --scheduler: chapters at once here."),
    ] = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Render every book of ROOT: all their chapters in one queue, each book into its own folder.

    A book folder holds its manuscript (in text/, or beside voices.toml) and voices.toml; its
    files go to audio/ inside it, as `render` writes them. A catalogue file lists books with
    [[book]] folder = "..." (or source, voices and out). Exit 1 names the books that failed;
    the others are complete.
    """
    from audiobook.cli.progress import RenderProgress
    from audiobook.core.cache import Cache
    from audiobook.pipeline import catalogue as catalogues
    from audiobook.pipeline import executors

    entries = catalogues.find_books(root)
    jobs = _jobs(jobs, scheduler, shared_cache)
    cache = _cache(shared_cache) or Cache()
    with (
        RenderProgress(err, quiet, catalogue=True, books=len(entries)) as progress,
        executors.open_workers(scheduler, jobs, shared_cache) as workers,
    ):
        if not quiet:
            progress.say(f"{len(entries)} books, made on {workers.where}")

        def finished(outcome: Any) -> None:
            if not quiet:
                state = "done" if outcome.ok else "failed"
                progress.say(f"{outcome.entry.name}: {state}")

        outcomes = catalogues.render_catalogue(
            entries, workers.pool, workers.studio, cache, finished=finished, force=force,
            progress_for=lambda entry: progress.for_book(entry.name), slots=workers.slots,
        )  # fmt: skip
    if as_json:
        doc = {
            "ok": all(o.ok for o in outcomes),
            "books": [
                {
                    "name": o.entry.name, "source": str(o.entry.source), "out": str(o.entry.out),
                    "ok": o.ok, "error": o.error,
                    "render": _summary_json(o.summary) if o.summary else None,
                }
                for o in outcomes
            ],
        }  # fmt: skip
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        table = Table("book", "chapters", "duration", "out", "", title=f"catalogue {root}")
        for o in outcomes:
            s = o.summary
            done = [r for r in s.results if r.ok] if s else []
            chapters_done = f"{len(done)}/{len(s.results)}" if s else "-"
            took = clock(sum(r.duration_ms for r in done) / 1000) if s else "-"
            state = "ok" if o.ok else "[red]failed[/red]"
            table.add_row(o.entry.name, chapters_done, took, str(o.entry.out), state)
        out.print(table)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        err.print(f"audiobook: {o.entry.name}: failed: {_why(o)}", markup=False)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _why(outcome: Any) -> str:
    """One line: why a catalogue's book failed."""
    if outcome.error:
        return str(outcome.error)
    s = outcome.summary
    parts = [f"chapter {r.index} ({r.title}): {r.error}" for r in s.failed]
    if s.book_files_error:
        parts.append(f"the whole-book files were {s.book_files_error}")
    if s.error:
        parts.append(s.error)
    return "; ".join(parts)


def clean() -> None:
    """Empty the cache of rendered chapters ($AUDIOBOOK_CACHE, else ~/.cache/audiobook)."""
    from audiobook.core.cache import Cache

    cache = Cache()
    entries, size = cache.clean()
    err.print(f"removed {entries} chapters ({size / 2**20:.1f} MB) from {cache.root}", markup=False)


def _jobs(jobs: int | None, scheduler: str | None, shared_cache: Path | None) -> int:
    """Chapters at once on this machine; with a cluster, its workers decide."""
    if scheduler is not None and jobs is not None:
        raise InputError(
            "--jobs is for this machine; with --scheduler, the cluster's workers set how many "
            "chapters are made at once",
            hint="leave out --jobs, or use --scheduler local:N",
        )
    if shared_cache is not None and scheduler is None:
        raise InputError("--shared-cache is for a cluster", hint="add --scheduler, or leave it out")
    return jobs or os.cpu_count() or 1


def _cache(shared_cache: Path | None) -> Any:
    """The cache of the run: the folder every worker shares, or the user's."""
    from audiobook.core.cache import Cache

    if shared_cache is None:
        return None
    if not shared_cache.is_dir():
        raise InputError(
            "the shared cache folder does not exist", path=shared_cache,
            hint="mount it (the same path on every worker), or create it",
        )  # fmt: skip
    return Cache(shared_cache.resolve())


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "ok": summary.ok,
        "error": summary.error,
        "book_files_error": summary.book_files_error,
        "title": summary.book.title,
        "out": str(summary.out_dir),
        "book": summary.book_manifest,
        "chapters": [
            {
                "index": r.index,
                "title": r.title,
                "file": r.file,
                "ok": r.ok,
                "duration_ms": r.duration_ms,
                "words": r.words,
                "sha256": r.sha256,
                "rms_db": r.rms_db,
                "peak_db": r.peak_db,
                "cached": r.cached,
                "retries": r.retries,
                "error": r.error,
            }
            for r in summary.results
        ],
    }
