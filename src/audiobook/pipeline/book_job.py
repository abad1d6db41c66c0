"""The whole-book job: once every chapter is there, the outputs made from all of them.

Built from the finished chapter files and the AAC twins their jobs left in the cache, never by
speaking or encoding again; skipped when the chapters and tags are those the previous render
joined and its files are still there, unchanged. A book with a hole is no book: when a chapter
failed, no whole-book file is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook.core.book import Book
from audiobook.core.cache import Cache, content_key
from audiobook.core.errors import AudiobookError, debug_traceback, from_os_error
from audiobook.core.files import sha256
from audiobook.core.manifest import BookSection, book_section
from audiobook.formats.tags import BookTags
from audiobook.outputs import write_book_files
from audiobook.outputs.interface import BookOutput, ChapterFile, book_context
from audiobook.pipeline.chapter_job import entry_aac, entry_timings, named_speakers
from audiobook.pipeline.events import ChapterResult
from audiobook.pipeline.plan import slugify, tags_key


@dataclass(frozen=True)
class BookResult:
    section: BookSection | None = None  # the manifest's "book" section, when there is one
    error: str | None = None  # why the whole-book files were not built


def build_book(
    results: Sequence[ChapterResult],
    book: Book,
    tags: BookTags,
    outputs: Sequence[BookOutput],
    out_dir: Path,
    cache: Cache,
    previous: BookSection | None,
    force: bool = False,
) -> BookResult:
    """The whole-book OUTPUTS from the chapters' RESULTS (in book order), unless unchanged."""
    if not outputs:
        return BookResult()
    if any(not r.ok for r in results):
        return BookResult(error="not built: some chapters failed")
    key = content_key(
        "book", [r.key for r in results], [r.title for r in results], tags_key(tags),
        slugify(book.title),
    )  # fmt: skip
    if not force and previous is not None and previous.key == key:
        # What the previous render wrote of these outputs; an output since turned off is not
        # listed again, so that its file goes as no longer written.
        kept = previous.only([o.name for o in outputs])
        if _unchanged(out_dir, kept, outputs):
            return BookResult(kept)
    chapters = []
    for r in results:
        entry = cache.get(r.key)
        if entry is None:  # the cache was emptied under us: this render cannot join the book
            return BookResult(error="not built: the cache lost a chapter; render again")
        chapters.append(
            ChapterFile(
                r.title,
                out_dir / r.file,
                entry_aac(entry),
                named_speakers(entry_timings(entry), dict(r.speakers)),
            )
        )
    try:
        context = book_context(chapters, tags, out_dir, slugify(book.title))
        written = write_book_files(context, outputs)
    except AudiobookError as exc:
        return BookResult(error=str(exc))
    except OSError as exc:  # a full disk, a folder gone: the chapters stay, the book is not built
        debug_traceback(exc)
        return BookResult(error=f"not built: {from_os_error(exc)}")
    return BookResult(book_section(key, written))


def _unchanged(out_dir: Path, previous: BookSection, outputs: Sequence[BookOutput]) -> bool:
    """Whether every output's file is there as the previous render wrote it."""
    if any(o.name not in previous.files for o in outputs):
        return False
    files = [previous.files[o.name] for o in outputs]
    if not all((out_dir / name).is_file() for name in [*files, *previous.sha256]):
        return False
    return all(sha256(out_dir / name) == digest for name, digest in previous.sha256.items())
