"""The render pipeline: manuscript -> plan -> speech -> master -> tags -> audio/ + manifest.

Each chapter is one job, a function of its own inputs: it gets a fresh engine worker (espeak-ng's
output depends on what the process spoke before, so sharing one would make a chapter's bytes depend
on its neighbours), writes its file under a temporary name and moves it into place only when it is
complete and tagged. A failed chapter is recorded and the others go on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from audiobook import __version__
from audiobook.config import Cast, SplitOverrides, Timing, Voice, load_cast
from audiobook.errors import AudiobookError, InputError
from audiobook.manuscript import Book, Chapter, Paragraph, SceneBreak, read_book
from audiobook.master import PROFILES, Pause, master_to_mp3, stitch
from audiobook.speech import SpeechEngine, WorkerEngine, split_utterances
from audiobook.tags import TrackTags, write_tags

MANIFEST = "manifest.json"
SCHEMA = 1
COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png")


@dataclass(frozen=True)
class Say:
    text: str


Step = Say | Pause


@dataclass(frozen=True)
class ChapterJob:
    chapter: Chapter
    file_name: str
    voice: Voice
    timing: Timing
    profile: str
    tags: TrackTags


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
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RenderSummary:
    book: Book
    out_dir: Path
    results: list[ChapterResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ChapterResult]:
        return [r for r in self.results if not r.ok]


# Progress events for the CLI: ("start", result-less index, title) and ("done", ChapterResult).
Progress = Callable[[str, int, str, "ChapterResult | None"], None]
EngineFactory = Callable[[], SpeechEngine]


def plan(chapter: Chapter, timing: Timing) -> list[Step]:
    """What a chapter file holds, in order: room tone, the title, then the text and its pauses."""
    steps: list[Step] = [Pause(timing.head)]
    if chapter.spoken_title:
        steps += [Say(chapter.spoken_title), Pause(timing.after_title)]
    for i, block in enumerate(chapter.blocks):
        if isinstance(block, SceneBreak):
            steps[-1] = Pause(timing.scene_break)
            continue
        assert isinstance(block, Paragraph)
        if block.words:
            steps.extend(Say(piece) for piece in split_utterances(block.text))
        if i < len(chapter.blocks) - 1:
            steps.append(Pause(timing.paragraph))
    steps.append(Pause(timing.tail))
    return steps


def render_chapter(job: ChapterJob, out_dir: Path, engine: SpeechEngine) -> ChapterResult:
    """Speak, master and tag one chapter into OUT_DIR/job.file_name, atomically."""
    chapter = job.chapter
    pieces = [
        step if isinstance(step, Pause) else engine.synthesize(step.text, job.voice)
        for step in plan(chapter, job.timing)
    ]
    samples = stitch(pieces)
    final = out_dir / job.file_name
    with _atomic(final) as tmp:
        mastered = master_to_mp3(samples, PROFILES[job.profile], tmp)
        write_tags(tmp, job.tags)
        digest = _sha256(tmp)
    return ChapterResult(
        index=chapter.index,
        title=chapter.title,
        file=job.file_name,
        words=chapter.words,
        duration_ms=mastered.duration_ms,
        sha256=digest,
        rms_db=mastered.levels.rms_db,
        peak_db=mastered.levels.peak_db,
    )


def render_book(
    source: Path,
    out_dir: Path,
    voices_file: Path,
    jobs: int = 1,
    progress: Progress | None = None,
    engine_factory: EngineFactory = WorkerEngine,
    split: SplitOverrides | None = None,
) -> RenderSummary:
    """Render SOURCE into OUT_DIR; bad input raises InputError before anything is written."""
    cast = load_cast(voices_file)
    book = read_book(source, cast.split_options(voices_file, split))
    with contextlib.closing(engine_factory()) as probe:
        cast.check_voices(_voice_names(probe), voices_file)
    _prepare_out_dir(out_dir)
    job_list = make_jobs(book, cast, source)
    summary = RenderSummary(book=book, out_dir=out_dir)

    def run(job: ChapterJob) -> ChapterResult:
        if progress:
            progress("start", job.chapter.index, job.chapter.title, None)
        try:
            with contextlib.closing(engine_factory()) as engine:
                result = render_chapter(job, out_dir, engine)
        except AudiobookError as exc:
            result = ChapterResult(
                job.chapter.index, job.chapter.title, job.file_name, job.chapter.words,
                error=str(exc),
            )  # fmt: skip
        if progress:
            progress("done", job.chapter.index, job.chapter.title, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        # Threads suffice: the work happens in the engine worker and ffmpeg processes.
        summary.results = sorted(pool.map(run, job_list), key=lambda r: r.index)
    write_manifest(summary, cast)
    return summary


def make_jobs(book: Book, cast: Cast, source: Path) -> list[ChapterJob]:
    total = len(book.chapters)
    width = max(2, len(str(total)))
    cover, mime = _find_cover(source)
    return [
        ChapterJob(
            chapter=chapter,
            file_name=f"{chapter.index:0{width}d}-{slugify(chapter.title)}.mp3",
            voice=cast.narrator,
            timing=cast.timing,
            profile=cast.output.profile,
            tags=TrackTags(
                title=chapter.title,
                album=book.title,
                author=book.author,
                narrator=book.narrator,
                track=chapter.index,
                total=total,
                genre=book.meta.genre,
                year=book.meta.year,
                language=book.language,
                description=book.meta.description,
                cover=cover,
                cover_mime=mime,
            ),
        )
        for chapter in book.chapters
    ]


def slugify(title: str, limit: int = 48) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "chapter"


def write_manifest(summary: RenderSummary, cast: Cast) -> None:
    book = summary.book
    manifest = {
        "schema": SCHEMA,
        "title": book.title,
        "author": book.author,
        "narrator": book.narrator,
        "language": book.language,
        "voice": {"id": cast.narrator.voice, "rate_wpm": cast.narrator.rate},
        "profile": cast.output.profile,
        "generator": f"audiobook {__version__}",
        "chapters": [
            {
                "index": r.index,
                "title": r.title,
                "file": r.file,
                "duration_ms": r.duration_ms,
                "words": r.words,
                "sha256": r.sha256,
            }
            for r in summary.results
            if r.ok
        ],
        "failed": [{"index": r.index, "title": r.title, "error": r.error} for r in summary.failed],
    }
    _remove_stale(summary)
    path = summary.out_dir / MANIFEST
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no manifest: nothing has been rendered here", path=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the manifest is not valid JSON ({exc})", path=path) from None


def _remove_stale(summary: RenderSummary) -> None:
    """Chapter files an earlier render listed that this book no longer has (chapters removed)."""
    try:
        previous = json.loads((summary.out_dir / MANIFEST).read_text(encoding="utf-8"))
        old = {c["file"] for c in previous.get("chapters", [])}
    except (OSError, ValueError, TypeError, KeyError):
        return
    keep = {r.file for r in summary.results}
    for name in old - keep:
        if "/" not in name and name.endswith(".mp3"):
            (summary.out_dir / name).unlink(missing_ok=True)


def _prepare_out_dir(out_dir: Path) -> None:
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
    for leftover in out_dir.glob(".*.tmp"):  # from a render that was killed
        leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def _atomic(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside FINAL; move it into place only if the block succeeds."""
    tmp = final.with_name(f".{final.name}.tmp")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _voice_names(engine: SpeechEngine) -> set[str]:
    names: set[str] = set()
    for v in engine.voices():
        names.update({v.id, v.short_id, v.name})
    return names


def _find_cover(source: Path) -> tuple[bytes | None, str]:
    folder = source if source.is_dir() else source.parent
    for name in COVER_NAMES:
        path = folder / name
        if path.is_file():
            return path.read_bytes(), "image/png" if name.endswith(".png") else "image/jpeg"
    return None, "image/jpeg"
