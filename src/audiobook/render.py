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
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from audiobook import __version__
from audiobook.chapters import VOICE_SPAN, count_words
from audiobook.config import Cast, SplitOverrides, Timing, Voice, load_cast
from audiobook.errors import AudiobookError, InputError
from audiobook.files import atomic_write, remove_leftovers, sha256
from audiobook.manuscript import Book, Chapter, Paragraph, SceneBreak, read_book
from audiobook.master import PROFILES, Pause, master_to_mp3, stitch
from audiobook.publish import BookFiles, ChapterFile, build_book_files
from audiobook.speech import Speech, SpeechEngine, WorkerEngine, split_utterances
from audiobook.tags import BookTags, Item, mp3_info, write_tags
from audiobook.textnorm import apply_lexicon, normalize

MANIFEST = "manifest.json"
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
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RenderSummary:
    book: Book
    out_dir: Path
    results: list[ChapterResult] = field(default_factory=list)
    book_files: BookFiles | None = None
    book_files_error: str | None = None

    @property
    def failed(self) -> list[ChapterResult]:
        return [r for r in self.results if not r.ok]


# Progress events for the CLI: (kind "start" or "done", chapter index, title, result or None).
Progress = Callable[[str, int, str, "ChapterResult | None"], None]
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


def render_chapter(job: ChapterJob, out_dir: Path, engine: SpeechEngine) -> ChapterResult:
    """Speak, master and tag one chapter into OUT_DIR/job.file_name, atomically."""
    chapter = job.chapter

    def prepare(text: str) -> str:
        return normalize(apply_lexicon(text, job.lexicon), job.language)

    def pieces() -> Iterator[Speech | Pause]:
        for step in plan(chapter, job.timing, job.opening, job.closing, prepare):
            if isinstance(step, Pause):
                yield step
            else:
                yield engine.synthesize(step.text, job.voices[step.voice])

    final = out_dir / job.file_name
    with tempfile.TemporaryDirectory(prefix="audiobook-chapter-") as work:
        stitched = stitch(pieces(), Path(work) / "chapter.raw")
        with atomic_write(final) as tmp:
            mastered = master_to_mp3(stitched, PROFILES[job.profile], tmp)
            write_tags(tmp, job.book, job.item)
            digest = sha256(tmp)
            # Players count every frame: so do the manifest and the whole-book chapter marks.
            duration_ms = round(mp3_info(tmp).seconds * 1000)
    return ChapterResult(
        index=chapter.index,
        title=chapter.title,
        file=job.file_name,
        words=chapter.words,
        duration_ms=duration_ms,
        sha256=digest,
        rms_db=mastered.levels.rms_db,
        peak_db=mastered.levels.peak_db,
        retries=getattr(engine, "retries", 0),
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
        cast = cast.resolve_voices(book.language, probe.voices(), voices_file)
    check_voice_names(book, cast)
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
    if cast.output.book_files:
        _build_book_files(summary, job_list)
    write_manifest(summary, cast)
    return summary


def _build_book_files(summary: RenderSummary, jobs: list[ChapterJob]) -> None:
    """The whole-book files, when every chapter is there (a book with a hole is no book)."""
    if summary.failed:
        summary.book_files_error = "not built: some chapters failed"
        return
    chapters = [ChapterFile(r.title, summary.out_dir / r.file) for r in summary.results]
    try:
        summary.book_files = build_book_files(
            chapters, jobs[0].book, summary.out_dir, slugify(summary.book.title)
        )
    except AudiobookError as exc:
        summary.book_files_error = str(exc)


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
            }
            for r in summary.results
            if r.ok
        ],
        "failed": [{"index": r.index, "title": r.title, "error": r.error} for r in summary.failed],
    }
    files = summary.book_files
    if files is not None:
        manifest["book"] = {
            "mp3": files.mp3.name,
            "m4b": files.m4b.name,
            "playlist": files.playlist.name,
            "metadata": files.metadata.name,
            "sha256": {p.name: sha256(p) for p in (files.mp3, files.m4b)},
            "chapters": [
                {"title": m.title, "start_ms": m.start_ms, "end_ms": m.end_ms} for m in files.marks
            ],
        }
    _remove_stale(summary)
    path = summary.out_dir / MANIFEST
    with atomic_write(path) as tmp:
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
    if summary.book_files is not None:
        keep |= {p.name for p in (summary.book_files.mp3, summary.book_files.m4b)}
        keep.add(summary.book_files.playlist.name)
    for name in old - keep:
        if "/" not in name and "\\" not in name:
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
    remove_leftovers(out_dir)


def _find_cover(source: Path) -> tuple[bytes | None, str]:
    folder = source if source.is_dir() else source.parent
    for name in COVER_NAMES:
        path = folder / name
        if path.is_file():
            return path.read_bytes(), "image/png" if name.endswith(".png") else "image/jpeg"
    return None, "image/jpeg"
