"""`audiobook check`: read a rendered book back and prove it, file by file.

Knows nothing of how the book was made: it meets the render only in the manifest's format, and
measures the files as a distributor's checker or a listener's player would (ffmpeg decodes,
mutagen reads tags and stream headers).
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from mutagen.mp4 import MP4

from audiobook.core.errors import AudiobookError, InputError
from audiobook.core.files import sha256
from audiobook.core.manifest import MANIFEST, read_manifest
from audiobook.core.sentences import words_digest
from audiobook.formats.captions import parse
from audiobook.formats.tags import (
    ID3_VERSION,
    id3_size,
    mp3_info,
    read_id3_chapters,
    read_mp4_chapters,
    read_tags,
)
from audiobook.mastering.levels import Levels, measure_file
from audiobook.mastering.profiles import PROFILES, Profile

DURATION_TOLERANCE_S = 0.25
MARK_TOLERANCE_S = 0.05
CAPTION_SLACK_S = 0.05  # a cue may end this far past the audio's counted frames (encoder delay)
# An M4B chapter is whole AAC frames (1024 samples at 22.05 kHz: 46 ms) and carries the next
# chapter's encoder delay (another frame); an MP3 chapter is whole 26 ms frames. So a chapter's
# length in the M4B may differ from its MP3's by up to three frames' worth of either.
FRAMING_TOLERANCE_S = 0.15
NOISE_FLOOR_RANGE = (-90.0, -60.0)  # ACX: at most -60 dBFS, and not digital silence


@dataclass(frozen=True)
class Result:
    file: str
    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Limits:
    min_seconds: float = 1.0
    max_minutes: float = 120.0
    expect: dict[str, float] | None = None  # pinned durations in seconds, by file
    tolerance: float = 0.02  # relative, for pinned durations


def check_book(
    folder: Path,
    quick: bool = False,
    limits: Limits | None = None,
    measured: dict[str, Levels] | None = None,
) -> list[Result]:
    """Every check of every file the manifest lists; bad input (no manifest) raises InputError.

    MEASURED, when given, receives each chapter's levels over time from the decode the checks
    make anyway (for the report): no file is decoded twice.
    """
    limits = limits or Limits()
    manifest = read_manifest(folder)
    profile = PROFILES.get(manifest.get("profile", "acx"), PROFILES["acx"])
    results: list[Result] = []
    chapters = manifest["chapters"]
    results += _check_numbering(chapters)
    for position, chapter in enumerate(chapters, start=1):
        results += _guarded(
            chapter["file"],
            lambda c=chapter, n=position: _check_chapter(
                folder, manifest, c, n, profile, quick, limits, measured
            ),
        )
    if "book" in manifest:
        results += _guarded("book", lambda: _check_book_files(folder, manifest, quick))
    return results


def _guarded(name: str, checks: Any) -> list[Result]:
    """Run a generator of checks; an unreadable file is a failed check, not a crash."""
    out: list[Result] = []
    try:
        out.extend(checks())
    except AudiobookError as exc:
        out.append(Result(name, "readable", False, str(exc)))
    return out


def _check_numbering(chapters: list[dict[str, Any]]) -> Iterator[Result]:
    indices = [c["index"] for c in chapters]
    expected = list(range(1, len(chapters) + 1))
    yield Result(
        MANIFEST,
        "chapters",
        indices == expected and len({c["file"] for c in chapters}) == len(chapters),
        f"{len(chapters)} chapters, numbered {indices[:3]}…" if chapters else "no chapters",
    )


def _check_chapter(
    folder: Path,
    manifest: dict[str, Any],
    chapter: dict[str, Any],
    position: int,
    profile: Profile,
    quick: bool,
    limits: Limits,
    measured: dict[str, Levels] | None = None,
) -> Iterator[Result]:
    name = chapter["file"]
    path = folder / name
    if not path.is_file():
        yield Result(name, "exists", False, "the file is missing")
        return
    yield Result(name, "exists", True, f"{path.stat().st_size:,} bytes")
    total = len(manifest["chapters"])
    info = mp3_info(path)
    expected_s = chapter["duration_ms"] / 1000
    yield from _check_tags(name, path, manifest, chapter, position, total)
    for caption in chapter.get("captions", []):
        yield from _check_captions(
            folder / caption, info.seconds,
            (chapter.get("caption_words"), chapter.get("caption_words_sha256")),
        )  # fmt: skip
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
    # A chapter far shorter than its text means text was lost.
    rate = manifest.get("voice", {}).get("rate_wpm") or 175
    spoken = chapter.get("words", 0) / rate * 60
    low, high = plausible_seconds(chapter.get("words", 0), rate)
    yield Result(
        name,
        "plausible",
        low <= info.seconds <= high,
        f"{info.seconds:.1f} s for {chapter.get('words', 0)} words at {rate} wpm "
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
    yield Result(name, "sha256", digest == chapter.get("sha256"), digest[:16] + "…")
    levels = measure_file(path, profile.sample_rate, series=measured is not None)
    if measured is not None:
        measured[name] = levels
    decoded_ok = not levels.errors and abs(levels.seconds - info.seconds) <= DURATION_TOLERANCE_S
    yield Result(
        name,
        "decodes",
        decoded_ok,
        f"decoded {levels.seconds:.2f} s of {info.seconds:.2f} s"
        + (f"; ffmpeg: {levels.errors[0]}" if levels.errors else ""),
    )
    low, high = profile.rms_db - 1.0, profile.rms_db + 1.0
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


def plausible_seconds(words: int, rate_wpm: int) -> tuple[float, float]:
    """The durations a chapter of WORDS at RATE_WPM may have; shorter means text was lost."""
    spoken = words / rate_wpm * 60
    return 0.5 * spoken, 3 * spoken + 30


def _check_tags(
    name: str,
    path: Path,
    manifest: dict[str, Any],
    chapter: dict[str, Any],
    position: int,
    total: int,
) -> Iterator[Result]:
    tags = read_tags(path)
    if not tags:
        yield Result(name, "tags", False, "no ID3 tags")
        return
    wanted = {
        "version": f"2.{ID3_VERSION}",
        "TIT2": chapter["title"],
        "TALB": manifest.get("title"),
        "TPE1": manifest.get("author"),
        "TCOM": manifest.get("narrator"),
        "TCON": "Audiobook",
        # Track n/N, contiguous and in the order of the files.
        "TRCK": f"{position}/{total}",
    }
    wrong = [f"{key} is {tags.get(key)!r}, not {value!r}" for key, value in wanted.items()
             if tags.get(key) != value]  # fmt: skip
    yield Result(name, "tags", not wrong, "; ".join(wrong) or "ID3 v2.3, all fields as written")


def _check_book_files(folder: Path, manifest: dict[str, Any], quick: bool) -> Iterator[Result]:
    book = manifest["book"]
    titles = [c["title"] for c in manifest["chapters"]]
    durations = [c["duration_ms"] / 1000 for c in manifest["chapters"]]
    for key in ("mp3", "m4b"):
        name = book[key]
        path = folder / name
        if not path.is_file():
            yield Result(name, "exists", False, "the file is missing")
            continue
        marks = (
            [(m.title, m.start_ms / 1000) for m in read_id3_chapters(path)]
            if key == "mp3"
            else read_mp4_chapters(path)
        )
        recorded = book["chapters"][name]
        slack = MARK_TOLERANCE_S if key == "mp3" else FRAMING_TOLERANCE_S
        lengths = [(m["end_ms"] - m["start_ms"]) / 1000 for m in recorded]
        starts = [m["start_ms"] / 1000 for m in recorded]
        problems = []
        if [t for t, _ in marks] != titles:
            problems.append(f"chapter titles {[t for t, _ in marks][:3]}… differ from the files'")
        elif any(abs(s - e) > MARK_TOLERANCE_S for (_, s), e in zip(marks, starts, strict=True)):
            problems.append("chapter starts differ from the manifest's")
        elif any(a["end_ms"] != b["start_ms"] for a, b in itertools.pairwise(recorded)):
            problems.append("chapters are not contiguous")
        elif any(abs(a - b) > slack for a, b in zip(lengths, durations, strict=True)):
            problems.append("a chapter's length differs from its file's duration")
        elif key == "mp3" and abs(starts[-1] - sum(durations[:-1])) > MARK_TOLERANCE_S:
            problems.append("chapter starts are not the running sum of the chapter durations")
        yield Result(
            name, "chapters", not problems, "; ".join(problems) or f"{len(marks)} chapters"
        )
        if not quick:
            digest = sha256(path)
            yield Result(name, "sha256", digest == book["sha256"].get(name), digest[:16] + "…")
    m4b_starts = [m["start_ms"] / 1000 for m in book["chapters"][book["m4b"]]]
    for key in ("vtt", "srt"):
        if key in book:
            yield from _check_captions(folder / book[key], sum(durations), None)
    if "epub" in book:
        yield from _check_readalong(folder / book["epub"], len(titles))
    yield from _check_playlist(folder / book["playlist"], manifest)
    yield from _check_metadata(folder / book["metadata"], titles, m4b_starts)


def _check_captions(
    path: Path, seconds: float, words: tuple[int | None, str | None] | None
) -> Iterator[Result]:
    """A caption file: its cues in ascending order inside the audio's SECONDS, and (for a
    chapter's) every word the chapter says, in order (WORDS: their count and hash)."""
    name = path.name
    if not path.is_file():
        yield Result(name, "exists", False, "the file is missing")
        return
    try:
        cue_list = parse(path.read_text(encoding="utf-8"), path.suffix)
    except (ValueError, UnicodeDecodeError) as exc:
        yield Result(name, "captions", False, f"not valid {path.suffix[1:].upper()}: {exc}")
        return
    problems = []
    if not cue_list:
        problems.append("no cues")
    elif any(c.end <= c.start for c in cue_list):
        problems.append("a cue ends before it starts")
    elif any(b.start < a.end for a, b in itertools.pairwise(cue_list)):
        problems.append("cues overlap or are out of order")
    elif cue_list[0].start < 0 or cue_list[-1].end > seconds + CAPTION_SLACK_S:
        problems.append(f"cues run to {cue_list[-1].end:.3f} s, past the audio ({seconds:.3f} s)")
    if not problems and words is not None and words[1] is not None:
        count, digest = words_digest(c.text for c in cue_list)
        if (count, digest) != words:
            problems.append(f"the cues hold {count} words, not the chapter's {words[0]} in order")
    yield Result(
        name, "captions", not problems,
        "; ".join(problems) or f"{len(cue_list)} cues to {cue_list[-1].end:.1f} s",
    )  # fmt: skip


def _check_readalong(path: Path, chapters: int) -> Iterator[Result]:
    """The read-along EPUB: an overlay for every chapter, each of its clips pointing at a
    sentence that is in the chapter's document and inside the audio it names."""
    name = path.name
    if not path.is_file():
        yield Result(name, "exists", False, "the file is missing")
        return
    try:
        problems, clips, overlays = _readalong_problems(path)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
        yield Result(name, "read-along", False, f"not a read-along EPUB: {exc}")
        return
    if overlays != chapters:
        problems.insert(0, f"{overlays} overlays for {chapters} chapters")
    yield Result(
        name, "read-along", not problems,
        "; ".join(problems[:3]) or f"{overlays} overlays, {clips} clips",
    )  # fmt: skip


def _readalong_problems(path: Path) -> tuple[list[str], int, int]:
    from defusedxml import ElementTree as SafeTree

    smil_ns, opf_ns = "{http://www.w3.org/ns/SMIL}", "{http://www.idpf.org/2007/opf}"
    problems: list[str] = []
    clips = 0
    with zipfile.ZipFile(path) as z:
        package = SafeTree.fromstring(z.read("EPUB/package.opf"))
        items = {i.get("id"): i for i in package.iter(f"{opf_ns}item")}
        overlays = [i for i in items.values() if i.get("media-overlay")]
        durations: dict[str, float] = {}
        for doc in overlays:
            smil_name = "EPUB/" + items[doc.get("media-overlay")].get("href")
            text = z.read("EPUB/" + doc.get("href")).decode("utf-8")
            ids = set(re.findall(r'\sid="([^"]+)"', text))
            for par in SafeTree.fromstring(z.read(smil_name)).iter(f"{smil_ns}par"):
                clips += 1
                target = par.find(f"{smil_ns}text").get("src").partition("#")[2]
                audio = par.find(f"{smil_ns}audio")
                src = "EPUB/" + audio.get("src")
                if src not in durations:
                    with z.open(src) as audio_file:  # stored, so seeking in it is cheap
                        durations[src] = MP4(audio_file).info.length
                begin, end = _clock(audio.get("clipBegin")), _clock(audio.get("clipEnd"))
                if target not in ids:
                    problems.append(f"{smil_name}: #{target} is not in {doc.get('href')}")
                if not 0 <= begin < end <= durations[src] + CAPTION_SLACK_S:
                    problems.append(
                        f"{smil_name}: clip {begin:.3f}-{end:.3f} s is outside {src} "
                        f"({durations[src]:.3f} s)"
                    )
    return problems, clips, len(overlays)


def _clock(value: str | None) -> float:
    """A SMIL clock value ("0:01:02.345", "62.345s") in seconds."""
    if value is None:
        raise ValueError("a clip without its times")
    if value.endswith("s") and ":" not in value:
        return float(value[:-1])
    seconds = 0.0
    for part in value.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _check_playlist(path: Path, manifest: dict[str, Any]) -> Iterator[Result]:
    if not path.is_file():
        yield Result(path.name, "exists", False, "the file is missing")
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = list(zip(lines[1::2], lines[2::2], strict=False))
    wanted = [
        (f"#EXTINF:{round(c['duration_ms'] / 1000)},{c['title']}", c["file"])
        for c in manifest["chapters"]
    ]
    ok = lines[:1] == ["#EXTM3U"] and entries == wanted
    yield Result(
        path.name, "playlist", ok, f"{len(entries)} entries" if ok else "differs from the manifest"
    )


def _check_metadata(path: Path, titles: list[str], starts: list[float]) -> Iterator[Result]:
    if not path.is_file():
        yield Result(path.name, "exists", False, "the file is missing")
        return
    try:
        chapters = json.loads(path.read_text(encoding="utf-8"))["chapters"]
        marks = [(c["title"], float(c["start"])) for c in chapters]
    except (ValueError, KeyError, TypeError) as exc:
        yield Result(path.name, "metadata", False, f"unreadable: {exc}")
        return
    ok = [t for t, _ in marks] == titles and all(
        abs(s - e) <= MARK_TOLERANCE_S for (_, s), e in zip(marks, starts, strict=False)
    )
    yield Result(
        path.name, "metadata", ok, f"{len(marks)} chapters" if ok else "differs from the manifest"
    )


def pinned_durations(folder: Path) -> dict[str, float]:
    """The durations of a reviewed render, to pin with `check --expect`."""
    return {
        c["file"]: mp3_info(folder / c["file"]).seconds for c in read_manifest(folder)["chapters"]
    }


def load_expect(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data["durations"].items()}
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"not a durations file ({exc})", path=path, hint="write one with --save-expect"
        ) from None


def junit_xml(results: list[Result]) -> str:
    """JUnit XML: one test case per file and check, for CI systems to display."""
    failures = sum(not r.ok for r in results)
    suite = ElementTree.Element(
        "testsuite", name="audiobook check", tests=str(len(results)), failures=str(failures)
    )
    for r in results:
        case = ElementTree.SubElement(suite, "testcase", classname=r.file, name=r.check)
        if not r.ok:
            ElementTree.SubElement(case, "failure", message=r.detail).text = r.detail
        else:
            ElementTree.SubElement(case, "system-out").text = r.detail
    root = ElementTree.Element("testsuites", tests=str(len(results)), failures=str(failures))
    root.append(suite)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def results_json(results: list[Result]) -> dict[str, Any]:
    return {"ok": all(r.ok for r in results), "checks": [asdict(r) for r in results]}


def _within(name: str, check: str, value: float, expected: float, tolerance: float) -> Result:
    return Result(
        name,
        check,
        abs(value - expected) <= tolerance,
        f"{value:.2f} s, manifest {expected:.2f} s (+/- {tolerance:g} s)",
    )
