"""The command line: parses arguments, calls the core, formats what comes back, sets exit codes.

Data goes to stdout (tables, or one JSON document with --json); progress and errors go to stderr.
Known errors are one line and exit 1 or 2; Ctrl-C exits 130; only a bug shows a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from audiobook import __version__
from audiobook.core.audio import clock
from audiobook.core.errors import (
    DEBUG_ENV,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AudiobookError,
    InputError,
    debug_traceback,
    from_os_error,
)

app = typer.Typer(
    help="Turn a manuscript into a mastered, tagged text-to-speech audiobook, offline.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line

F = TypeVar("F", bound=Callable[..., Any])

SourceArg = Annotated[
    Path,
    typer.Argument(help="The manuscript: a .txt/.md, .epub or .html file, or a folder of them."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
VoicesOpt = Annotated[
    Path, typer.Option("--voices", help="Voices, timing and output settings.", show_default=True)
]
HeadingOpt = Annotated[
    str | None,
    typer.Option(
        "--heading-pattern", help="Regex: whole lines that start chapters (overrides detection)."
    ),
]
SkipOpt = Annotated[
    list[str] | None,
    typer.Option("--skip", help="A chapter number or title not to speak (repeatable)."),
]
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
TargetOpt = Annotated[
    int | None,
    typer.Option("--target-words", min=200, help="Chapter size when the text has no headings."),
]


def handle_errors(command: F) -> F:
    """One place that turns known errors into one line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AudiobookError as exc:
            debug_traceback(exc)
            err.print(f"audiobook: error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:  # the disk or the file system: one line too, with what to do
            debug_traceback(exc)
            error = from_os_error(exc)
            err.print(f"audiobook: error: {error}", markup=False)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            err.print("audiobook: interrupted", markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        out.print(f"audiobook {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks with the errors (for bug reports).")
    ] = False,
) -> None:
    if debug:  # the environment, so that the render's threads and processes see it too
        os.environ[DEBUG_ENV] = "1"


@app.command()
@handle_errors
def render(
    source: SourceArg = Path("text"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where the audiobook goes.")] = Path(
        "audio"
    ),
    voices: VoicesOpt = Path("voices.toml"),
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Chapters rendered at once [default: the CPU count]."),
    ] = None,
    heading_pattern: HeadingOpt = None,
    skip: SkipOpt = None,
    target_words: TargetOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Speak and master everything again: ignore the cache.")
    ] = False,
    scheduler: SchedulerOpt = None,
    shared_cache: SharedCacheOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
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

    _require_explicit(voices, default=Path("voices.toml"))
    jobs = _jobs(jobs, scheduler, shared_cache)
    overrides = SplitOverrides(heading_pattern, tuple(skip or ()), target_words)
    with (
        RenderProgress(err, quiet) as progress,
        executors.open_workers(scheduler, jobs, shared_cache) as workers,
    ):
        summary = render_book(
            source, out_dir, voices, executor=workers.pool, studio=workers.studio,
            progress=progress.event, split=overrides, force=force, cache=_cache(shared_cache),
        )  # fmt: skip
    if not quiet:
        _report_skipped(summary.book)
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
            book = summary.book_manifest
            keys = ("m4b", "mp3", "epub", "playlist", "vtt", "srt")
            names = ", ".join(book[k] for k in keys if k in book)
            out.print(f"whole book: {names}", markup=False)
    if summary.book_files_error:
        err.print(f"audiobook: the whole-book files were {summary.book_files_error}", markup=False)
    for r in summary.failed:
        err.print(f"audiobook: chapter {r.index} ({r.title}) failed: {r.error}", markup=False)
    if summary.error:
        err.print(f"audiobook: error: {summary.error}", markup=False)
    if not summary.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command()
@handle_errors
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
    force: Annotated[
        bool, typer.Option("--force", help="Speak and master everything again: ignore the cache.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
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


@app.command()
@handle_errors
def chapters(
    source: SourceArg = Path("text"),
    voices: VoicesOpt = Path("voices.toml"),
    heading_pattern: HeadingOpt = None,
    skip: SkipOpt = None,
    target_words: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how SOURCE splits into chapters, without rendering."""
    from audiobook.core.config import ESTIMATED_WPM, SplitOverrides, load_cast
    from audiobook.engines import ENGINES
    from audiobook.readers import read_book

    _require_explicit(voices, default=Path("voices.toml"))
    cast = load_cast(voices, ENGINES)
    overrides = SplitOverrides(heading_pattern, tuple(skip or ()), target_words)
    book = read_book(source, cast.split_options(voices, overrides))
    rate = cast.narrator.rate or ESTIMATED_WPM  # an estimate: Piper voices are near it
    if as_json:
        doc = {
            "title": book.title,
            "author": book.author,
            "language": book.language,
            "language_source": book.language_source,
            "chapters": [
                {
                    "index": c.index,
                    "title": c.title,
                    "words": c.words,
                    "estimated_seconds": c.estimated_seconds(rate),
                }
                for c in book.chapters
            ],
            "skipped": [
                {"reason": s.reason, "words": s.words, "text": _excerpt(s.text)}
                for s in book.skipped
            ],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    table = Table(
        "#", "title", "words", "est. duration", "first words",
        title=f"{book.title} by {book.author}",
        caption=f"language {book.language} ({book.language_source}), {rate} wpm, "
        f"{book.words} words, {clock(sum(c.estimated_seconds(rate) for c in book.chapters))}",
    )  # fmt: skip
    for c in book.chapters:
        first = " ".join(c.paragraphs[0].text.split()[:8]) + " …" if c.paragraphs else ""
        table.add_row(str(c.index), c.title, str(c.words), clock(c.estimated_seconds(rate)), first)
    out.print(table)
    _report_skipped(book)


def _check_target(path: Path, option: str) -> None:
    """A file that OPTION asks to write must be able to go where it says: a missing folder is a
    usage error (exit 2), not a failed check (exit 1), which is what CI would take it for."""
    if path.is_dir():
        raise InputError(f"{option}: this is a folder", path=path, hint="give another path")
    if not path.parent.is_dir():
        raise InputError(
            f"{option}: the folder {path.parent} does not exist",
            path=path,
            hint="create it, or give another path",
        )


def _write_target(path: Path, option: str, text: str) -> None:
    """TEXT written to PATH (atomically) for OPTION; a disk's refusal is exit 2, naming it."""
    from audiobook.core.files import atomic_write

    try:
        with atomic_write(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        debug_traceback(exc)
        error = from_os_error(exc, out=f"give {option} another path")
        hint = error.hint if exc.errno != errno.ENOENT else f"give {option} another path"
        raise InputError(f"{option}: {error.message}", path=error.path, hint=hint) from None


def _report_skipped(book: Any) -> None:
    """Say which text is not spoken, and why: nothing is dropped silently."""
    for s in book.skipped:
        err.print(f"not spoken: {s.reason} ({s.words} words): {_excerpt(s.text)}", markup=False)


def _excerpt(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@app.command()
@handle_errors
def voices(as_json: JsonOpt = False) -> None:
    """List the voices of every installed engine (use an id or name in voices.toml)."""
    from audiobook import engines

    with contextlib.closing(engines.create()) as engine:
        found = engine.voices()
    if as_json:
        doc = [
            {
                "id": v.id, "name": v.name, "languages": list(v.languages), "gender": v.gender,
                "engine": v.engine, "quality": v.quality, "sample_rate": v.sample_rate,
                "speakers": list(v.speakers),
            }
            for v in found
        ]  # fmt: skip
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    table = Table("engine", "id", "name", "languages", "quality", "Hz", "gender")
    for v in found:
        table.add_row(
            v.engine, v.id, v.name, ", ".join(v.languages), v.quality or "",
            str(v.sample_rate or ""), v.gender or "",
        )  # fmt: skip
    out.print(table)


@app.command()
@handle_errors
def check(
    folder: Annotated[Path, typer.Argument(help="A rendered book (with manifest.json).")] = Path(
        "audio"
    ),
    quick: Annotated[
        bool, typer.Option("--quick", help="Tags, sizes and durations only: no decoding.")
    ] = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write the results as JUnit XML here.")
    ] = None,
    expect: Annotated[
        Path | None,
        typer.Option("--expect", help="Pinned durations (from --save-expect) to hold the book to."),
    ] = None,
    tolerance: Annotated[
        str, typer.Option("--tolerance", help="How far a pinned duration may drift, e.g. 2%.")
    ] = "2%",
    save_expect: Annotated[
        Path | None,
        typer.Option("--save-expect", help="Write this render's durations, to pin them."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write a self-contained HTML report with plots here."),
    ] = None,
    min_seconds: Annotated[float, typer.Option(help="Shortest chapter allowed.")] = 1.0,
    max_minutes: Annotated[float, typer.Option(help="Longest chapter allowed.")] = 120.0,
    as_json: JsonOpt = False,
) -> None:
    """Verify a rendered book: files, durations, levels, format, tags; exit 1 on a failure."""
    from audiobook.check import book as checks

    targets = {"--junit": junit, "--report": report, "--save-expect": save_expect}
    for option, target in targets.items():
        if target is not None:
            _check_target(target, option)  # before the book is read, not after
    limits = checks.Limits(
        min_seconds=min_seconds,
        max_minutes=max_minutes,
        expect=checks.load_expect(expect) if expect else None,
        tolerance=_percent(tolerance),
    )
    measured: dict | None = None
    if report is not None:
        from audiobook.check import report as reports

        reports.require()
        measured = {}
    results = checks.check_book(folder, quick=quick, limits=limits, measured=measured)
    if report is not None:
        _write_target(report, "--report", reports.report_html(folder, results, measured or {}))
    if save_expect is not None:
        doc = {"durations": checks.pinned_durations(folder)}
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        _write_target(save_expect, "--save-expect", text)
    if junit is not None:
        _write_target(junit, "--junit", checks.junit_xml(results))
    failed = [r for r in results if not r.ok]
    if as_json:
        print(json.dumps(checks.results_json(results), indent=2, ensure_ascii=False))
    else:
        files = len({r.file for r in results})
        if failed:
            table = Table("file", "check", "detail", title="failed checks")
            for r in failed:
                table.add_row(r.file, r.check, r.detail)
            out.print(table)
        out.print(
            f"{len(results)} checks of {files} files: {len(results) - len(failed)} passed, "
            f"{len(failed)} failed",
            markup=False,
        )
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _percent(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise InputError(f"--tolerance {text!r} is not a percentage", hint="e.g. 2%") from None
    return value / 100 if text.strip().endswith("%") or value >= 1 else value


@app.command()
@handle_errors
def publish(
    folder: Annotated[Path, typer.Argument(help="A rendered book (with manifest.json).")] = Path(
        "audio"
    ),
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where the site will be served: https://host/path/."),
    ] = None,
    site: Annotated[Path, typer.Option("--out", help="Where the site goes.")] = Path("site"),
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check the site at --out: links, feed lengths.")
    ] = False,
) -> None:
    """Make a static site for listeners: a page with a player and downloads, and a podcast feed."""
    from audiobook.publish import site as publishing

    if check_only:
        problems = publishing.check_published(site)
        for problem in problems:
            err.print(f"audiobook: {site}: {problem}", markup=False)
        out.print(f"{site}: {'ok' if not problems else f'{len(problems)} problems'}", markup=False)
        if problems:
            raise typer.Exit(EXIT_FAILED)
        return
    if base_url is None:
        raise InputError("--base-url is required", hint="e.g. --base-url https://example.org/book/")
    done = publishing.publish(folder, base_url, site)
    out.print(f"site: {done.site} ({done.files} files)", markup=False)
    out.print(f"page: {done.url}", markup=False)
    out.print(f"feed: {done.feed}", markup=False)


@app.command()
@handle_errors
def serve(
    site: Annotated[Path, typer.Argument(help="A published site (audiobook publish).")] = Path(
        "site"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port.")] = 8000,
    host: Annotated[
        str, typer.Option("--host", help="127.0.0.1 for this machine; 0.0.0.0 for the network.")
    ] = "127.0.0.1",
) -> None:
    """Serve a published site (with range requests, as players need) until Ctrl-C."""
    from audiobook.publish import serve as serving

    serving.require()
    serving.serve(site, host=host, port=port, say=lambda line: err.print(line, markup=False))


@app.command()
@handle_errors
def say(
    text: Annotated[str, typer.Argument(help="What to say: a word, a name, a sentence.")],
    voice: Annotated[
        str, typer.Option("--voice", help="A voice of voices.toml, or an engine voice id.")
    ] = "narrator",
    output: Annotated[
        Path, typer.Option("-o", "--output", help="A .wav (as spoken) or .mp3 (mastered) file.")
    ] = Path("say.wav"),
    language: Annotated[str, typer.Option(help="For numbers and abbreviations.")] = "en",
    voices: VoicesOpt = Path("voices.toml"),
) -> None:
    """Speak TEXT with a voice, the lexicon and normalisation applied: to try a voice or a word."""
    import tempfile
    import wave

    from audiobook import engines
    from audiobook.core.audio import Pause
    from audiobook.core.config import Voice, load_cast
    from audiobook.core.files import atomic_write
    from audiobook.engines.voices import resolve_voice, resolve_voices
    from audiobook.mastering.loudness import master_to_mp3
    from audiobook.mastering.profiles import PROFILES
    from audiobook.mastering.stitch import stitch
    from audiobook.readers.textnorm import apply_lexicon, normalize

    _require_explicit(voices, default=Path("voices.toml"))
    written = load_cast(voices, engines.ENGINES)
    if output.suffix.lower() not in (".wav", ".mp3"):
        raise InputError("the output must be a .wav or .mp3 file", path=output)
    with contextlib.closing(engines.create()) as engine:
        available = engine.voices()
        cast = resolve_voices(written, language, available, voices)
        chosen = cast.voices().get(voice)
        if chosen is None:  # an engine's voice id: the narrator's rate and volume, its engine
            loose = Voice(voice=voice, rate=written.narrator.rate, volume=written.narrator.volume)
            chosen = resolve_voice(loose, "narrator", language, available, "--voice")
        spoken = normalize(apply_lexicon(text, cast.lexicon), language)
        speech = engine.synthesize(spoken, chosen)
        pace = engine.pace(chosen)
    with atomic_write(output) as tmp:
        if output.suffix.lower() == ".wav":
            with wave.open(str(tmp), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(speech.sample_rate)
                wav.writeframes(speech.pcm)
        else:
            with tempfile.TemporaryDirectory() as work:
                stitched = stitch([Pause(500), speech, Pause(1000)], Path(work) / "say.raw")
                master_to_mp3(stitched, PROFILES[cast.output.profile], tmp)
    err.print(
        f"said {spoken!r} with {chosen.engine} {chosen.voice} at {pace:.0f} wpm: {output}",
        markup=False,
    )


@app.command()
@handle_errors
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


def _require_explicit(path: Path, default: Path) -> None:
    """A missing default voices.toml means defaults; a missing file the user named is an error."""
    if path != default and not path.exists():
        raise InputError("file not found", path=path, hint="check the --voices path")


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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command body (e.g. during imports)
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["EXIT_OK", "app", "main"]
