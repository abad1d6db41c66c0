"""The render pipeline: manuscript -> plan -> speech -> master -> tags -> audio/ + manifest.

Each chapter is one job, a function of its own inputs: it gets a fresh engine worker (espeak-ng's
output depends on what the process spoke before, so sharing one would make a chapter's bytes depend
on its neighbours), streams its audio through a temporary file, and writes its MP3 under a
temporary name that becomes the final one only when the file is complete and tagged. A failed
chapter is recorded and the others go on. When every chapter is there, the whole-book files are
built from them.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from audiobook import __version__
from audiobook.cache import Cache, content_key
from audiobook.config import Cast, SplitOverrides, Timing, Voice, load_cast
from audiobook.engines.worker import (
    Speech,
    SpeechEngine,
    WorkerEngine,
    engine_identity,
    split_utterances,
)
from audiobook.errors import AudiobookError, InputError
from audiobook.files import (
    FolderBusy,
    atomic_write,
    exclusive,
    remove_leftovers,
    sha256,
    sha256_bytes,
)
from audiobook.mastering.ffmpeg import ffmpeg_version
from audiobook.mastering.loudness import PROFILES, Pause, master_to_mp3, stitch
from audiobook.outputs.book_mp3 import ChapterFile, build_book_files
from audiobook.outputs.m4b import load_track, save_sizes, split_adts
from audiobook.outputs.tags import BookTags, ChapterMark, Item, mp3_info, write_tags
from audiobook.readers.chapters import VOICE_SPAN, count_words
from audiobook.readers.text import Book, Chapter, Paragraph, SceneBreak, read_book
from audiobook.readers.textnorm import apply_lexicon, normalize

MANIFEST = "manifest.json"
AAC_FRAMES, AAC_SIZES = "chapter.aac", "chapter.aac.sizes"  # in a cache entry
SCHEMA = 1
COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png")

# Credits in the book's language; voices.toml [credits] can say anything else.
_CREDITS = {
    "en": ("{title}. Written by {author}. Narrated by {narrator}.", "The End."),
    "de": ("{title}. Von {author}. Gelesen von {narrator}.", "Ende."),
    "fr": ("{title}. De {author}. Lu par {narrator}.", "Fin."),
    "es": ("{title}. De {author}. Narrado por {narrator}.", "Fin."),
    "it": ("{title}. Di {author}. Letto da {narrator}.", "Fine."),
    "nl": ("{title}. Door {author}. Voorgelezen door {narrator}.", "Einde."),
}


@dataclass(frozen=True)
class Say:
    text: str
    voice: str = "narrator"


Step = Say | Pause


@dataclass(frozen=True)
class ChapterJob:
    """Everything one chapter's file depends on."""

    chapter: Chapter
    file_name: str
    voices: dict[str, Voice]  # by the name the text uses; the narrator's is "narrator"
    lexicon: dict[str, str]
    language: str
    timing: Timing
    profile: str
    book: BookTags
    item: Item
    opening: str = ""  # credits read before the chapter (the first one)
    closing: str = ""  # credits read after it (the last one)


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
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RenderSummary:
    book: Book
    out_dir: Path
    results: list[ChapterResult] = field(default_factory=list)
    book_manifest: dict | None = None  # the "book" section of the manifest
    book_files_error: str | None = None

    @property
    def failed(self) -> list[ChapterResult]:
        return [r for r in self.results if not r.ok]


# Progress events, from the chapters' threads: (event, chapter index, title, detail):
# "book" (detail: the book's words), "start" (utterances to speak; 0 when cached),
# "step" (utterances spoken), "master" (None), "done" (the ChapterResult).
Progress = Callable[[str, int, str, Any], None]
EngineFactory = Callable[[], SpeechEngine]


def plan(
    chapter: Chapter,
    timing: Timing,
    opening: str = "",
    closing: str = "",
    prepare: Callable[[str], str] = lambda text: text,
) -> list[Step]:
    """What a chapter file holds, in order: room tone, the title, then the text and its pauses.

    PREPARE turns written text into what is said (lexicon, normalisation); characters' lines
    ("{alice: ...}") become utterances in their voice.
    """
    steps: list[Step] = [Pause(timing.head)]
    if opening:
        steps += [Say(prepare(opening)), Pause(timing.scene_break)]
    if chapter.spoken_title:
        steps += [Say(prepare(chapter.spoken_title)), Pause(timing.after_title)]
    for i, block in enumerate(chapter.blocks):
        if isinstance(block, SceneBreak):
            steps[-1] = Pause(timing.scene_break)
            continue
        assert isinstance(block, Paragraph)
        if block.words:
            for voice, text in voice_runs(block.text):
                pieces = split_utterances(prepare(text))
                steps.extend(Say(piece, voice) for piece in pieces if piece.strip())
        if i < len(chapter.blocks) - 1:
            steps.append(Pause(timing.paragraph))
    if closing:
        steps += [Pause(timing.scene_break), Say(prepare(closing))]
    steps.append(Pause(timing.tail))
    return steps


def voice_runs(text: str) -> list[tuple[str, str]]:
    """[(voice name, text)] in order: the narrator's text and the characters' lines."""
    runs: list[tuple[str, str]] = []
    position = 0
    for m in VOICE_SPAN.finditer(text):
        runs.append(("narrator", text[position : m.start()]))
        runs.append((m[1], m[2]))
        position = m.end()
    runs.append(("narrator", text[position:]))
    return [(voice, part.strip()) for voice, part in runs if count_words(part)]


def chapter_steps(job: ChapterJob) -> list[Step]:
    """The job's plan with the lexicon and normalisation applied: exactly what is said."""

    def prepare(text: str) -> str:
        return normalize(apply_lexicon(text, job.lexicon), job.language)

    return plan(job.chapter, job.timing, job.opening, job.closing, prepare)


def chapter_key(job: ChapterJob, steps: list[Step], tools: dict[str, str]) -> str:
    """The hash of everything the chapter's audio depends on, and nothing else (not its tags)."""
    said: list[list[object]] = []
    for step in steps:
        if isinstance(step, Pause):
            said.append(["pause", step.ms])
        else:
            said.append(["say", step.text, job.voices[step.voice].model_dump()])
    return content_key("chapter", said, asdict(PROFILES[job.profile]), tools)


def run_chapter(
    job: ChapterJob,
    out_dir: Path,
    cache: Cache,
    tools: dict[str, str],
    engine_factory: EngineFactory = WorkerEngine,
    force: bool = False,
    progress: Progress | None = None,
    stopping: Callable[[], bool] = lambda: False,
    previous: dict[str, Any] | None = None,
) -> ChapterResult:
    """One chapter, start to finish: a pure function of the job (and the tools' versions).

    The mastered audio comes from the cache when it is there (and not --force), else it is
    spoken, mastered and put in the cache; then the chapter file is tagged and moved into place.
    Module-level and made of plain data, so any concurrent.futures executor can run it.
    """
    steps = chapter_steps(job)
    key = chapter_key(job, steps, tools)
    # The file's own key: its audio and its tags. When the last render wrote this very file and
    # it is still there, nothing needs doing at all.
    file_key = content_key("file", key, _tags_of(job.book), asdict(job.item))
    final = out_dir / job.file_name
    unchanged = previous and not force and previous.get("key") == file_key and final.exists()
    if unchanged and final.stat().st_size == previous.get("bytes") and cache.get(key):
        return ChapterResult(
                index=job.chapter.index, title=job.chapter.title, file=job.file_name,
                words=job.chapter.words, duration_ms=previous["duration_ms"],
                sha256=previous["sha256"], rms_db=previous.get("rms_db", 0.0),
                peak_db=previous.get("peak_db", 0.0), cached=True, key=key, file_key=file_key,
                bytes=previous["bytes"],
            )  # fmt: skip
    entry = None if force else cache.get(key)
    cached = entry is not None
    retries = 0
    index, title = job.chapter.index, job.chapter.title
    said = [s for s in steps if isinstance(s, Say)]
    if progress:
        progress("start", index, title, 0 if entry else len(said))
    if entry is None:
        with contextlib.closing(engine_factory()) as engine, cache.put(key) as work:

            def speech() -> Iterator[Speech | Pause]:
                done = 0
                for step in steps:
                    if stopping():  # the render is being interrupted: leave no entry
                        raise Interrupted
                    if isinstance(step, Pause):
                        yield step
                        continue
                    yield engine.synthesize(step.text, job.voices[step.voice])
                    done += 1
                    if progress:
                        progress("step", index, title, done)
                if progress:
                    progress("master", index, title, None)

            stitched = stitch(speech(), work / "chapter.raw")
            adts = work / "chapter.adts"
            mastered = master_to_mp3(stitched, PROFILES[job.profile], work / "chapter.mp3", adts)
            stitched.path.unlink()
            # The M4B is joined from raw AAC frames and their sizes (m4b.py): split them here,
            # in the chapter's own job, once.
            aac = split_adts(adts, work / AAC_FRAMES)
            adts.unlink()
            meta = {
                "rms_db": mastered.levels.rms_db,
                "peak_db": mastered.levels.peak_db,
                "aac": save_sizes(aac, work / AAC_SIZES),
            }
            (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            retries = getattr(engine, "retries", 0)
        entry = cache.get(key)
        assert entry is not None
    levels = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    with atomic_write(final) as tmp:
        shutil.copyfile(entry / "chapter.mp3", tmp)
        write_tags(tmp, job.book, job.item)
        digest = sha256(tmp)
        # Players count every frame: so do the manifest and the whole-book chapter marks.
        duration_ms = round(mp3_info(tmp).seconds * 1000)
    return ChapterResult(
        index=job.chapter.index,
        title=job.chapter.title,
        file=job.file_name,
        words=job.chapter.words,
        duration_ms=duration_ms,
        sha256=digest,
        rms_db=levels["rms_db"],
        peak_db=levels["peak_db"],
        retries=retries,
        cached=cached,
        key=key,
        file_key=file_key,
        bytes=final.stat().st_size,
    )


def _tags_of(book: BookTags) -> dict[str, Any]:
    tags = asdict(replace(book, cover=None))
    tags["cover"] = sha256_bytes(book.cover) if book.cover else None
    return tags


def render_book(
    source: Path,
    out_dir: Path,
    voices_file: Path,
    jobs: int = 1,
    progress: Progress | None = None,
    engine_factory: EngineFactory = WorkerEngine,
    split: SplitOverrides | None = None,
    cache: Cache | None = None,
    force: bool = False,
    executor: Executor | None = None,
) -> RenderSummary:
    """Render SOURCE into OUT_DIR; bad input raises InputError before anything is written.

    Chapters run as independent jobs on EXECUTOR (by default JOBS threads: the work itself
    happens in engine and ffmpeg processes, so threads keep every core busy).
    """
    cast = load_cast(voices_file)
    book = read_book(source, cast.split_options(voices_file, split))
    with contextlib.closing(engine_factory()) as probe:
        cast = cast.resolve_voices(book.language, probe.voices(), voices_file)
    check_voice_names(book, cast)
    _check_out_dir(out_dir)
    with _exclusive(out_dir):
        remove_leftovers(out_dir)  # of a render that was killed: only now is none running
        return _render(book, cast, source, out_dir, jobs, progress, engine_factory, cache, force,
                       executor)  # fmt: skip


def _render(
    book: Book,
    cast: Cast,
    source: Path,
    out_dir: Path,
    jobs: int,
    progress: Progress | None,
    engine_factory: EngineFactory,
    cache: Cache | None,
    force: bool,
    executor: Executor | None,
) -> RenderSummary:
    cache = cache or Cache()
    cache.remove_stale_work()
    tools = tool_versions(engine_factory)
    job_list = make_jobs(book, cast, source)
    summary = RenderSummary(book=book, out_dir=out_dir)
    own_executor = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(1, jobs))
    stop = threading.Event()
    try:
        if progress:
            progress("book", 0, book.title, sum(job.chapter.words for job in job_list))
        before = _previous_chapters(out_dir)
        futures = {
            pool.submit(
                run_chapter, job, out_dir, cache, tools, engine_factory, force, progress,
                stop.is_set, before.get(job.file_name),
            ): job
            # Longest first: the last chapters to start are then short ones, and the cores
            # finish together instead of one of them speaking a long chapter alone at the end.
            for job in sorted(job_list, key=lambda job: -job.chapter.words)
        }  # fmt: skip
        results = []
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except AudiobookError as exc:
                result = ChapterResult(
                    job.chapter.index, job.chapter.title, job.file_name, job.chapter.words,
                    error=str(exc),
                )  # fmt: skip
            results.append(result)
            if progress:
                progress("done", job.chapter.index, job.chapter.title, result)
        summary.results = sorted(results, key=lambda r: r.index)
    except BaseException:
        # Ctrl-C or a bug: queued chapters are not started, running ones stop at their next
        # utterance (or with their processes, which got the same signal); what they leave are
        # temporary files, which go.
        stop.set()
        if own_executor:
            pool.shutdown(wait=True, cancel_futures=True)
        remove_leftovers(out_dir)
        raise
    if own_executor:
        pool.shutdown(wait=True)
    if cast.output.book_files:
        _build_book_files(summary, job_list, cache, force)
    write_manifest(summary, cast)
    return summary


class Interrupted(Exception):
    """A chapter stopped because the render is being interrupted."""


def tool_versions(engine_factory: EngineFactory = WorkerEngine) -> dict[str, str]:
    """What, besides the text and the settings, a chapter's bytes depend on."""
    name = getattr(engine_factory, "__qualname__", repr(engine_factory))
    engine = (
        engine_identity()
        if engine_factory is WorkerEngine
        else f"{engine_factory.__module__}.{name}"  # another engine: never the same audio
    )
    return {"audiobook": __version__, "engine": engine, "ffmpeg": ffmpeg_version()}


def _build_book_files(
    summary: RenderSummary, jobs: list[ChapterJob], cache: Cache, force: bool
) -> None:
    """The whole-book files, when every chapter is there (a book with a hole is no book).

    Nothing is rebuilt when the chapters and tags are those the previous render joined.
    """
    if summary.failed:
        summary.book_files_error = "not built: some chapters failed"
        return
    book_tags = jobs[0].book
    key = content_key(
        "book", [r.key for r in summary.results], [r.title for r in summary.results],
        _tags_of(book_tags), slugify(summary.book.title),
    )  # fmt: skip
    previous = _previous_book(summary.out_dir)
    if (
        not force
        and previous
        and previous.get("key") == key
        and _unchanged(summary.out_dir, previous)
    ):
        summary.book_manifest = previous
        return
    chapters = []
    for r in summary.results:
        entry = cache.get(r.key)
        if entry is None:  # the cache was emptied under us: this render cannot join the book
            summary.book_files_error = "not built: the cache lost a chapter; render again"
            return
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        aac = load_track(entry / AAC_FRAMES, entry / AAC_SIZES, meta["aac"])
        chapters.append(ChapterFile(r.title, summary.out_dir / r.file, aac))
    try:
        files = build_book_files(chapters, book_tags, summary.out_dir, slugify(summary.book.title))
    except AudiobookError as exc:
        summary.book_files_error = str(exc)
        return
    summary.book_manifest = {
        "mp3": files.mp3.name,
        "m4b": files.m4b.name,
        "playlist": files.playlist.name,
        "metadata": files.metadata.name,
        "key": key,
        "sha256": files.sha256,
        "chapters": {
            files.mp3.name: [_mark(m) for m in files.marks],
            files.m4b.name: [_mark(m) for m in files.m4b_marks],
        },
    }


def _mark(mark: ChapterMark) -> dict[str, object]:
    return {"title": mark.title, "start_ms": mark.start_ms, "end_ms": mark.end_ms}


def _previous_chapters(out_dir: Path) -> dict[str, dict[str, Any]]:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {c["file"]: c for c in manifest["chapters"] if isinstance(c, dict)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _previous_book(out_dir: Path) -> dict | None:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return manifest.get("book")
    except (OSError, ValueError, AttributeError):
        return None


def _unchanged(out_dir: Path, book: dict) -> bool:
    try:
        files = [book["playlist"], book["metadata"], *book["sha256"]]
        if not all((out_dir / name).is_file() for name in files):
            return False
        return all(sha256(out_dir / name) == digest for name, digest in book["sha256"].items())
    except (KeyError, TypeError):
        return False


def check_voice_names(book: Book, cast: Cast) -> None:
    """Every "{name: ...}" in the text names a voice of voices.toml: a typo is not read aloud."""
    for chapter in book.chapters:
        for paragraph in chapter.paragraphs:
            for m in VOICE_SPAN.finditer(paragraph.text):
                if m[1] not in cast.voices():
                    known = ", ".join(sorted(cast.characters)) or "none"
                    raise InputError(
                        f"chapter {chapter.index} ({chapter.title}) gives a line to the voice "
                        f"{m[1]!r}, which voices.toml does not define (characters: {known})",
                        path=book.source,
                        hint=f"add [characters.{m[1]}] to voices.toml, or fix the name",
                    )


def make_jobs(book: Book, cast: Cast, source: Path) -> list[ChapterJob]:
    total = len(book.chapters)
    width = max(2, len(str(total)))
    cover, mime = _find_cover(source)
    tags = BookTags(
        title=book.title,
        author=book.author,
        narrator=book.narrator,
        genre=book.meta.genre,
        year=book.meta.year,
        language=book.language,
        description=book.meta.description,
        cover=cover,
        cover_mime=mime,
    )
    opening, closing = credits(book, cast)
    return [
        ChapterJob(
            chapter=chapter,
            file_name=f"{chapter.index:0{width}d}-{slugify(chapter.title)}.mp3",
            voices=cast.voices(),
            lexicon=cast.lexicon,
            language=book.language,
            timing=cast.timing,
            profile=cast.output.profile,
            book=tags,
            item=Item(chapter.title, chapter.index, total),
            opening=opening if chapter.index == 1 else "",
            closing=closing if chapter.index == total else "",
        )
        for chapter in book.chapters
    ]


def credits(book: Book, cast: Cast) -> tuple[str, str]:
    """The opening and closing credits to read, or "" where voices.toml turns them off."""
    language = book.language.split("-")[0].lower()
    opening_text, closing_text = _CREDITS.get(language, _CREDITS["en"])
    fields = {"title": book.title, "author": book.author, "narrator": book.narrator}
    opening = (cast.credits.opening_text or opening_text).format(**fields)
    closing = (cast.credits.closing_text or closing_text).format(**fields)
    return (
        opening if cast.credits.opening else "",
        closing if cast.credits.closing else "",
    )


def slugify(title: str, limit: int = 48) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "chapter"


def write_manifest(summary: RenderSummary, cast: Cast) -> None:
    book = summary.book
    manifest: dict = {
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
                "bytes": r.bytes,
                "rms_db": r.rms_db,
                "peak_db": r.peak_db,
                "key": r.file_key,
            }
            for r in summary.results
            if r.ok
        ],
        "failed": [{"index": r.index, "title": r.title, "error": r.error} for r in summary.failed],
    }
    if summary.book_manifest is not None:
        manifest["book"] = summary.book_manifest
    _remove_stale(summary)
    path = summary.out_dir / MANIFEST
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _remove_stale(summary: RenderSummary) -> None:
    """Files an earlier render listed that this one did not write (chapters removed, renamed)."""
    try:
        previous = json.loads((summary.out_dir / MANIFEST).read_text(encoding="utf-8"))
        old = {c["file"] for c in previous.get("chapters", [])}
        old |= (
            {previous["book"][k] for k in ("mp3", "m4b", "playlist")}
            if "book" in previous
            else set()
        )
    except (OSError, ValueError, TypeError, KeyError):
        return
    keep = {r.file for r in summary.results}
    if summary.book_manifest is not None:
        keep |= {summary.book_manifest[k] for k in ("mp3", "m4b", "playlist")}
    for name in old - keep:
        if "/" not in name and "\\" not in name:
            (summary.out_dir / name).unlink(missing_ok=True)


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


def _find_cover(source: Path) -> tuple[bytes | None, str]:
    folder = source if source.is_dir() else source.parent
    for name in COVER_NAMES:
        path = folder / name
        if path.is_file():
            return path.read_bytes(), "image/png" if name.endswith(".png") else "image/jpeg"
    return None, "image/jpeg"
