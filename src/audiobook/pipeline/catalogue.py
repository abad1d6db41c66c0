"""A catalogue: every book under a folder, or listed in a catalogue file, rendered in one queue.

Each book is a folder laid out as `render` expects (its manuscript in `text/` or beside
`voices.toml`, `book.toml` with the manuscript), and its files land in its own output folder
(`audio/` in the book's folder) exactly as `render` would write them there. All the books'
chapters go into one queue, longest first, so the workers stay busy across books; books are
planned as the queue needs them (a window of them at a time, so a large catalogue starts at once),
and a book is finished (whole-book files, manifest) as soon as its own last chapter is done. A
book whose input is bad is reported and left out; the others are rendered.

A catalogue file (catalogue.toml, or any TOML file given as ROOT) lists the books, with paths
relative to it:

    [[book]]
    folder = "alice"                  # a book folder as above

    [[book]]
    source = "ghost/canterville.md"   # or each path given
    voices = "ghost/voices.toml"
    out = "rendered/ghost"
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from audiobook import engines
from audiobook.core.cache import Cache
from audiobook.core.errors import AudiobookError, InputError, debug_traceback
from audiobook.pipeline.chapter_audio import EngineFactory, Studio
from audiobook.pipeline.events import Progress
from audiobook.pipeline.render import BookRun, RenderSummary, lock_out_dir, plan_book, render_books

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CATALOGUE_FILE = "catalogue.toml"
VOICES_FILE, TEXT_FOLDER, OUT_FOLDER = "voices.toml", "text", "audio"


@dataclass(frozen=True)
class Entry:
    """One book of the catalogue: where its manuscript, its voices and its output are."""

    name: str
    source: Path
    voices: Path
    out: Path


@dataclass
class Outcome:
    """What became of one book: its render's summary, or why it was not rendered."""

    entry: Entry
    summary: RenderSummary | None = None
    error: str | None = None  # bad input, or its folder busy: nothing of it was rendered

    @property
    def ok(self) -> bool:
        return self.error is None and self.summary is not None and self.summary.ok


class _Book(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str | None = None
    source: str | None = None
    voices: str | None = None
    out: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> _Book:
        if (self.folder is None) == (self.source is None):
            raise ValueError("give either folder, or source (with voices and out)")
        return self


class _Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    book: list[_Book] = Field(min_length=1)


def find_books(root: Path) -> list[Entry]:
    """The books of ROOT: a catalogue file, a folder holding one, or a folder of book folders."""
    if root.is_file():
        return _read_catalogue(root)
    if not root.is_dir():
        raise InputError("no such folder or catalogue file", path=root)
    if (root / CATALOGUE_FILE).is_file():
        return _read_catalogue(root / CATALOGUE_FILE)
    books = [_book_folder(d, d.name) for d in sorted(root.iterdir()) if _is_book(d)]
    if not books:
        raise InputError(
            "no books here",
            path=root,
            hint=f"give a folder of book folders (each with {TEXT_FOLDER}/ or {VOICES_FILE}), "
            f"or a {CATALOGUE_FILE} that lists them",
        )
    return books


def _is_book(folder: Path) -> bool:
    return (
        folder.is_dir()
        and not folder.name.startswith(".")
        and ((folder / TEXT_FOLDER).is_dir() or (folder / VOICES_FILE).is_file())
    )


def _book_folder(folder: Path, name: str) -> Entry:
    text = folder / TEXT_FOLDER
    return Entry(name, text if text.is_dir() else folder, folder / VOICES_FILE, folder / OUT_FOLDER)


def _read_catalogue(path: Path) -> list[Entry]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        listed = _Catalogue.model_validate(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the catalogue ({exc})", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", path=path) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise InputError(
            f"{where}: {first['msg']}", path=path, hint="see `audiobook catalogue --help`"
        ) from None
    base = path.parent
    entries = []
    for n, book in enumerate(listed.book, 1):
        if book.folder is not None:
            folder = base / book.folder
            entry = _book_folder(folder, book.name or folder.name)
            if book.voices or book.out:
                entry = Entry(
                    entry.name, entry.source,
                    base / book.voices if book.voices else entry.voices,
                    base / book.out if book.out else entry.out,
                )  # fmt: skip
        else:
            assert book.source is not None
            if book.out is None:
                raise InputError(f"book {n} ({book.source}) says no out folder", path=path)
            source = base / book.source
            voices = base / (book.voices or str(Path(book.source).parent / VOICES_FILE))
            entry = Entry(book.name or Path(book.source).stem, source, voices, base / book.out)
        entries.append(entry)
    _no_shared_outputs(entries, path)
    return entries


def _no_shared_outputs(entries: Sequence[Entry], where: Path) -> None:
    seen: dict[Path, str] = {}
    for entry in entries:
        out = entry.out.resolve()
        if out in seen:
            raise InputError(
                f"the books {seen[out]!r} and {entry.name!r} would both be written to {entry.out}",
                path=where,
                hint="give each book its own out folder",
            )
        seen[out] = entry.name


def render_catalogue(
    entries: Sequence[Entry],
    executor: Executor,
    studio: Studio,
    cache: Cache,
    *,
    progress_for: Callable[[Entry], Progress | None] = lambda entry: None,
    finished: Callable[[Outcome], None] | None = None,
    engine_factory: EngineFactory = engines.create,
    force: bool = False,
    slots: int | None = None,
) -> list[Outcome]:
    """Every book of ENTRIES, their chapters in one queue on EXECUTOR with STUDIO
    (render.render_books). Books are planned as the queue needs them (SLOTS: how many chapters
    EXECUTOR runs at once), and each output folder is held from then until its book is done; a
    book with bad input, or whose folder another render holds, is an Outcome with its error."""
    outcomes = {entry: Outcome(entry) for entry in entries}
    entry_of: dict[int, Entry] = {}
    locks: dict[int, contextlib.ExitStack] = {}

    def failed(entry: Entry, exc: AudiobookError) -> None:
        debug_traceback(exc)
        outcomes[entry].error = str(exc)
        if finished:
            finished(outcomes[entry])

    def planned() -> Iterator[BookRun]:
        for entry in entries:
            try:
                if not entry.voices.is_file():
                    raise InputError(
                        "file not found", path=entry.voices, hint="every book needs its voices.toml"
                    )
                run = plan_book(
                    entry.source, entry.out, entry.voices, engine_factory=engine_factory,
                    force=force, progress=progress_for(entry),
                )  # fmt: skip
                lock = contextlib.ExitStack()
                lock.enter_context(lock_out_dir(run.out_dir))  # another render writing there?
            except AudiobookError as exc:
                failed(entry, exc)
                continue
            entry_of[id(run)], locks[id(run)] = entry, lock
            yield run

    def book_done(run: BookRun, summary: RenderSummary) -> None:
        locks.pop(id(run)).close()
        outcome = outcomes[entry_of[id(run)]]
        outcome.summary = summary
        if finished:
            finished(outcome)

    try:
        render_books(planned(), executor, studio, cache, finished=book_done, slots=slots)
    finally:
        for lock in locks.values():  # books not finished: interrupted
            lock.close()
    return [outcomes[entry] for entry in entries]
