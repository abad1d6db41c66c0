"""`audiobook check`: read a rendered book back and prove it, file by file.

Knows nothing of how the book was made: it meets the render only in the manifest (read through
its model, core/manifest.py), and measures the files as a distributor's checker or a listener's
player would (ffmpeg decodes, mutagen reads tags and stream headers). The chapter files are
checked here; each whole-book file by the output that wrote it (outputs/: its `check`), so that
a new output brings its own check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from audiobook import outputs
from audiobook.check.results import junit_xml, load_expect, pinned_durations, results_json
from audiobook.check.sentences import (
    BookPaces,
    Flagged,
    Frames,
    audio_checks,
    book_paces,
    pace_checks,
    rated_pace_check,
)
from audiobook.core.errors import AudiobookError
from audiobook.core.files import sha256
from audiobook.core.manifest import MANIFEST, ChapterEntry, Manifest, read_manifest
from audiobook.formats.sentence_spans import ChapterSentences, read_sentences
from audiobook.formats.tags import ID3_VERSION, id3_size, mp3_info, read_tags
from audiobook.mastering.levels import Levels, measure_file
from audiobook.mastering.profiles import PROFILES, Profile
from audiobook.outputs.book_m4b import FRAMING_TOLERANCE_S
from audiobook.outputs.captions import CAPTION_SLACK_S, check_captions
from audiobook.outputs.interface import MARK_TOLERANCE_S, Result

# `audiobook check` as the CLI finds it: the checks and their limits, check's tolerances (here,
# wherever the check that applies them lives) and the results as CI reads them.
__all__ = [
    "CAPTION_SLACK_S",
    "DURATION_TOLERANCE_S",
    "FRAMING_TOLERANCE_S",
    "MARK_TOLERANCE_S",
    "NOISE_FLOOR_RANGE",
    "Limits",
    "Result",
    "check_book",
    "junit_xml",
    "load_expect",
    "pinned_durations",
    "plausible_seconds",
    "results_json",
]

DURATION_TOLERANCE_S = 0.25
NOISE_FLOOR_RANGE = (-90.0, -60.0)  # ACX: at most -60 dBFS, and not digital silence
# A chapter's RMS may land this far from its profile's target (ACX allows -23 to -18 dBFS).
RMS_TOLERANCE_DB = 1.0


@dataclass(frozen=True)
class Limits:
    min_seconds: float = 1.0
    max_minutes: float = 120.0
    expect: dict[str, float] | None = None  # pinned durations in seconds, by file
    tolerance: float = 0.02  # relative, for pinned durations
    allow_draft: bool = False  # a draft render (render --draft) passes


@dataclass
class Sentences:
    """The book's sentence records, what they say of each voice's pace, and (for the report)
    the spans that failed, by chapter file."""

    records: dict[str, ChapterSentences]
    paces: BookPaces
    flagged: dict[str, list[Flagged]]


def check_book(
    folder: Path,
    quick: bool = False,
    limits: Limits | None = None,
    measured: dict[str, Levels] | None = None,
    flagged: dict[str, list[Flagged]] | None = None,
) -> list[Result]:
    """Every check of every file the manifest lists; bad input (no manifest) raises InputError.

    MEASURED, when given, receives each chapter's levels over time from the decode the checks
    make anyway (for the report): no file is decoded twice. FLAGGED receives the sentences that
    failed, by chapter (for the report too).
    """
    limits = limits or Limits()
    manifest = read_manifest(folder)
    profile = PROFILES.get(manifest.profile, PROFILES["acx"])
    results: list[Result] = []
    chapters = manifest.chapters
    results += _check_numbering(chapters)
    sentences = _read_records(folder, manifest, results, flagged)
    if manifest.draft:  # spoken by the fastest engine: for checking a split, not for delivery
        detail = (
            "a draft render (allowed by --allow-draft)"
            if limits.allow_draft
            else "a draft render (render --draft): render it again without --draft to deliver "
            "it, or pass --allow-draft"
        )
        results.append(Result(MANIFEST, "not a draft", limits.allow_draft, detail))
    for position, chapter in enumerate(chapters, start=1):
        checks = partial(
            _check_chapter, folder, manifest, chapter, position, profile, quick, limits, measured,
            sentences,
        )  # fmt: skip
        results += _guarded(chapter.file, checks)
    if manifest.book is not None:
        results += _guarded("book", lambda: _check_book_files(folder, manifest, quick))
    return results


def _read_records(
    folder: Path,
    manifest: Manifest,
    results: list[Result],
    flagged: dict[str, list[Flagged]] | None,
) -> Sentences:
    """Each chapter's sentence record, its hash checked, and the voices' paces from all of
    them; what cannot be read is a failed check (appended to RESULTS), the rest still used."""
    records: dict[str, ChapterSentences] = {}
    for chapter in manifest.chapters:
        if chapter.sentences is None:
            continue
        path = folder / chapter.sentences
        if not path.is_file():
            results.append(_missing(path))
            continue
        digest = sha256(path)
        if digest != chapter.sentences_sha256:
            results.append(
                Result(path.name, "sha256", False, f"{digest[:16]}…: not the record rendered")
            )
            continue
        try:
            records[chapter.file] = read_sentences(path)
        except AudiobookError as exc:
            results.append(Result(path.name, "readable", False, str(exc)))
    paces = book_paces(records.values())
    if not records and manifest.chapters and all(c.sentences is None for c in manifest.chapters):
        detail = (
            "not recorded by the version that rendered this book: checked by duration only; "
            "render it again to check every sentence"
        )
        results.append(Result(MANIFEST, "sentences", True, detail))
    elif records:
        narrator = next(iter(records.values())).voices.get("narrator", "narrator")
        results.append(rated_pace_check(MANIFEST, paces, narrator, manifest.rate_wpm))
    return Sentences(records, paces, flagged if flagged is not None else {})


def _guarded(name: str, checks: Callable[[], Iterable[Result]]) -> list[Result]:
    """Run a generator of checks; an unreadable file is a failed check, not a crash."""
    out: list[Result] = []
    try:
        out.extend(checks())
    except AudiobookError as exc:
        out.append(Result(name, "readable", False, str(exc)))
    return out


def _check_numbering(chapters: tuple[ChapterEntry, ...]) -> Iterator[Result]:
    indices = [c.index for c in chapters]
    expected = list(range(1, len(chapters) + 1))
    yield Result(
        MANIFEST,
        "chapters",
        indices == expected and len({c.file for c in chapters}) == len(chapters),
        f"{len(chapters)} chapters, numbered {indices[:3]}…" if chapters else "no chapters",
    )


def _check_chapter(
    folder: Path,
    manifest: Manifest,
    chapter: ChapterEntry,
    position: int,
    profile: Profile,
    quick: bool,
    limits: Limits,
    measured: dict[str, Levels] | None,
    sentences: Sentences,
) -> Iterator[Result]:
    name = chapter.file
    record = sentences.records.get(name)
    path = folder / name
    if not path.is_file():
        yield _missing(path)
        return
    yield Result(name, "exists", True, f"{path.stat().st_size:,} bytes")
    if chapter.lines is not None:
        yield _check_cast(chapter)
    total = len(manifest.chapters)
    info = mp3_info(path)
    expected_s = chapter.duration_ms / 1000
    yield from _check_tags(name, path, manifest, chapter, position, total)
    words = (chapter.caption_words, chapter.caption_words_sha256)
    for caption in chapter.captions:
        caption_path = folder / caption
        if not caption_path.is_file():
            yield _missing(caption_path)
        else:
            yield check_captions(caption_path, info.seconds, words)
    yield Result(
        name,
        "format",
        (info.sample_rate, info.channels, info.bitrate, info.cbr)
        == (profile.sample_rate, profile.channels, profile.bitrate_kbps * 1000, True),
        f"{info.sample_rate} Hz, {info.channels} ch, {info.bitrate // 1000} kbps "
        f"{'CBR' if info.cbr else 'VBR'} (profile {profile.name}: {profile.sample_rate} Hz, "
        f"{profile.channels} ch, {profile.bitrate_kbps} kbps CBR)",
    )
    yield _within(name, "duration", info.seconds, expected_s, DURATION_TOLERANCE_S)
    yield Result(
        name,
        "bounds",
        limits.min_seconds <= info.seconds <= limits.max_minutes * 60,
        f"{info.seconds:.1f} s (allowed {limits.min_seconds:g} s to {limits.max_minutes:g} min)",
    )
    if record is not None:
        # Each paragraph, and the chapter, as long as its words at the book's pace.
        paced = pace_checks(name, record, sentences.paces)
        yield from paced.results
        sentences.flagged.setdefault(name, []).extend(paced.flagged)
        ends = max((s.end for s in record.sentences), default=0.0)
        yield Result(
            name,
            "covers its sentences",
            ends <= info.seconds + DURATION_TOLERANCE_S,
            f"{info.seconds:.1f} s; its last sentence ends at {ends:.1f} s",
        )
    else:
        # A chapter far shorter than its text means text was lost.
        rate = manifest.rate_wpm
        spoken = chapter.words / rate * 60
        low, high = plausible_seconds(chapter.words, rate)
        yield Result(
            name,
            "plausible",
            low <= info.seconds <= high,
            f"{info.seconds:.1f} s for {chapter.words} words at {rate} wpm "
            f"(about {spoken:.0f} s of speech)",
        )
    # Bytes against duration: CBR makes a cut-off file show without decoding it.
    audio_bytes = path.stat().st_size - id3_size(path)
    expected_bytes = info.bitrate / 8 * info.seconds
    yield Result(
        name,
        "size",
        abs(audio_bytes - expected_bytes) <= 0.01 * expected_bytes + 2048,
        f"{audio_bytes:,} bytes of audio for {info.seconds:.1f} s at {info.bitrate // 1000} kbps "
        f"(expected about {expected_bytes:,.0f})",
    )
    if limits.expect is not None:
        pinned = limits.expect.get(name)
        if pinned is None:
            yield Result(name, "expected duration", False, "not in the pinned durations")
        else:
            drift = abs(info.seconds - pinned) / pinned if pinned else float("inf")
            yield Result(
                name,
                "expected duration",
                drift <= limits.tolerance,
                f"{info.seconds:.2f} s, pinned {pinned:.2f} s ({drift:.1%} off, "
                f"{limits.tolerance:.1%} allowed)",
            )
    if quick:
        return
    digest = sha256(path)
    yield Result(name, "sha256", digest == chapter.sha256, digest[:16] + "…")
    levels = measure_file(
        path, profile.sample_rate, series=measured is not None, frames=record is not None
    )
    if measured is not None:
        measured[name] = replace(levels, frames_db=None)  # the report needs no frames
    if record is not None and levels.frames_db is not None:
        frames = Frames.of(levels.frames_db, levels.frame_s, levels.rms_db, levels.noise_floor_db)
        heard = audio_checks(name, record, frames)
        yield from heard.results
        sentences.flagged.setdefault(name, []).extend(heard.flagged)
    decoded_ok = not levels.errors and abs(levels.seconds - info.seconds) <= DURATION_TOLERANCE_S
    yield Result(
        name,
        "decodes",
        decoded_ok,
        f"decoded {levels.seconds:.2f} s of {info.seconds:.2f} s"
        + (f"; ffmpeg: {levels.errors[0]}" if levels.errors else ""),
    )
    low, high = profile.rms_db - RMS_TOLERANCE_DB, profile.rms_db + RMS_TOLERANCE_DB
    yield Result(
        name,
        "rms",
        low <= levels.rms_db <= high,
        f"{levels.rms_db:.2f} dBFS (allowed {low:g} to {high:g})",
    )
    yield Result(
        name,
        "peak",
        levels.peak_db <= profile.max_peak_db,
        f"{levels.peak_db:.2f} dBFS (at most {profile.max_peak_db:g})",
    )
    floor_low, floor_high = NOISE_FLOOR_RANGE
    yield Result(
        name,
        "noise floor",
        floor_low < levels.noise_floor_db <= floor_high,
        f"{levels.noise_floor_db:.2f} dBFS (allowed above {floor_low:g}, at most {floor_high:g})",
    )


def _check_cast(chapter: ChapterEntry) -> Result:
    """The chapter's dialogue: the share read in characters' voices, and no line voiced by a
    character other than the one its own tag names ("said Jane" in anyone else's voice)."""
    lines = chapter.lines or ()
    voiced = [line for line in lines if line.voice != "narrator"]
    against = [
        line for line in voiced if line.tagged and line.speaker and line.tagged != line.speaker
    ]
    if against:
        line = against[0]
        more = f" (and {len(against) - 1} more)" if len(against) > 1 else ""
        detail = (
            f"{_first_words(line.text)!r} is read by {line.speaker} ({line.voice}) though its "
            f"tag names {line.tagged}{more}"
        )
        return Result(chapter.file, "cast", False, detail)
    share = f"{len(voiced) / len(lines):.0%}" if lines else "0%"
    who = ", ".join(f"{c.name} {c.lines}" for c in chapter.cast or ())
    detail = f"{len(lines)} quoted lines, {len(voiced)} ({share}) in characters' voices"
    return Result(chapter.file, "cast", True, detail + (f": {who}" if who else ""))


def _first_words(text: str, count: int = 6) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def plausible_seconds(words: float, rate_wpm: float) -> tuple[float, float]:
    """The durations a chapter of WORDS at RATE_WPM may have; shorter means text was lost."""
    spoken = words / rate_wpm * 60
    return 0.5 * spoken, 3 * spoken + 30


def _check_tags(
    name: str,
    path: Path,
    manifest: Manifest,
    chapter: ChapterEntry,
    position: int,
    total: int,
) -> Iterator[Result]:
    tags = read_tags(path)
    if not tags:
        yield Result(name, "tags", False, "no ID3 tags")
        return
    wanted = {
        "version": f"2.{ID3_VERSION}",
        "TIT2": chapter.title,
        "TALB": manifest.title,
        "TPE1": manifest.author,
        "TCOM": manifest.narrator,
        "TCON": "Audiobook",
        # Track n/N, contiguous and in the order of the files.
        "TRCK": f"{position}/{total}",
    }
    wrong = [f"{key} is {tags.get(key)!r}, not {value!r}" for key, value in wanted.items()
             if tags.get(key) != value]  # fmt: skip
    yield Result(name, "tags", not wrong, "; ".join(wrong) or "ID3 v2.3, all fields as written")


def _check_book_files(folder: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
    """Each whole-book file the manifest lists, proven by the output that wrote it: the book's
    audio first, then what is timed against it, then what lists its chapters (CheckStage), in
    the registry's order within each. A file the manifest lists under a name no registered output
    has (a newer version's output) is left alone, as an unknown key is."""
    files = manifest.book.files if manifest.book else {}
    for output in sorted(outputs.OUTPUTS, key=lambda o: o.check_stage):
        if output.name not in files:
            continue
        path = folder / files[output.name]
        if not path.is_file():
            yield _missing(path)
            continue
        yield from output.check(path, manifest, quick)


def _missing(path: Path) -> Result:
    return Result(path.name, "exists", False, "the file is missing")


def _within(name: str, check: str, value: float, expected: float, tolerance: float) -> Result:
    return Result(
        name,
        check,
        abs(value - expected) <= tolerance,
        f"{value:.2f} s, manifest {expected:.2f} s (+/- {tolerance:g} s)",
    )
