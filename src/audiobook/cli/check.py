"""check: a rendered book proven, for a producer or CI; and the files it writes on request."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from audiobook.cli.shared import JsonOpt, err, out
from audiobook.core.errors import EXIT_FAILED, InputError, debug_traceback, from_os_error


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
    allow_draft: Annotated[
        bool, typer.Option("--allow-draft", help="Pass a draft render (render --draft).")
    ] = False,
    listen: Annotated[
        bool,
        typer.Option(
            "--listen",
            help="Also hear the audio with an offline speech recogniser and compare its words "
            "with the text (the listen extra).",
        ),
    ] = False,
    listen_sample: Annotated[
        float | None,
        typer.Option(
            "--listen-sample",
            min=1.0,
            metavar="SECONDS",
            help="Listen to about this many seconds of each chapter, spread through it "
            "(implies --listen).",
        ),
    ] = None,
    max_wer: Annotated[
        str,
        typer.Option(
            "--max-wer", metavar="PCT", help="A chapter heard with more word errors fails."
        ),
    ] = "35%",
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Listening workers [default: the CPU count]."),
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
        tolerance=_percent(tolerance, "--tolerance", "2%"),
        allow_draft=allow_draft,
    )
    listening = listen or listen_sample is not None
    if listening:
        from audiobook.check import listen as listens

        wer_limit = _percent(max_wer, "--max-wer", "35%")
        listens.require()  # the extra installed: said before the book is read (exit 2)
    measured: dict | None = None
    if report is not None:
        from audiobook.check import report as reports

        reports.require()
        measured = {}
    flagged: dict = {}  # the sentences that failed, by chapter: shaded in the report
    results = checks.check_book(
        folder, quick=quick, limits=limits, measured=measured, flagged=flagged
    )
    unheard: dict = {}
    if listening:
        from audiobook.core.manifest import read_manifest

        heard = listens.listen_book(
            folder,
            read_manifest(folder),
            sample_seconds=listen_sample,
            jobs=jobs or os.cpu_count() or 1,
            max_wer=wer_limit,
            progress=_heard_line,
        )
        results += heard.results
        unheard = heard.unheard_passages()
    if report is not None:
        page = reports.report_html(
            folder, results, measured or {}, flagged=flagged, unheard=unheard
        )
        _write_target(report, "--report", page)
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


def _heard_line(chapter: Any) -> None:
    """A chapter heard (check --listen), on stderr: listening a novel takes minutes."""
    what = f"WER {chapter.wer:.1%}" if chapter.listened else chapter.note
    err.print(f"heard {chapter.file}: {what}", markup=False)


def _percent(text: str, option: str, example: str) -> float:
    """A share written as 2% or 2 (a percentage) or 0.02 (a fraction)."""
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise InputError(f"{option} {text!r} is not a percentage", hint=f"e.g. {example}") from None
    if value < 0 or value != value:  # negative, or not a number
        raise InputError(f"{option} {text!r} is not a percentage", hint=f"e.g. {example}")
    return value / 100 if text.strip().endswith("%") or value >= 1 else value
