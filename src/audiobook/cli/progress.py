"""Where a render or a catalogue is, on stderr: bars on a terminal, plain lines for CI logs.

A render shows a bar for the book (by words, with ETA) and one for each running chapter (by
utterances). A catalogue shows one bar for the whole catalogue and one for each book, both by
words; its plain lines name the book. Each kind of event (pipeline/events.py) is matched
by its type. Events come from the chapters' threads (and, on a cluster,
from the client's event loop); rich's Progress is thread-safe, and the counts here are locked.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console

from audiobook.core.audio import clock
from audiobook.pipeline.events import (
    BookPlanned,
    ChapterDone,
    ChapterMastering,
    ChapterStarted,
    ChapterStep,
    ChapterWarning,
    NarratorChosen,
    Progress,
    ProgressEvent,
)


class RenderProgress:
    def __init__(
        self, console: Console, quiet: bool = False, catalogue: bool = False, books: int = 0
    ) -> None:
        self.console = console
        self.quiet = quiet
        self.catalogue = catalogue
        self.bar: Any = None
        self.books: dict[str, Any] = {}  # a bar per book being rendered (the catalogue's, by name)
        self.chapters: dict[tuple[str, int], Any] = {}
        self.total: Any = None  # the catalogue's bar
        # The catalogue's BOOKS are planned as its queue needs them: until all are, its total is
        # the words of those planned so far, and as many more per book still to come.
        self.expected_books = books
        self._done_books = self._planned_words = 0
        self._left: dict[str, int] = {}  # words still to come, per book being rendered
        self._lock = threading.Lock()

    def __enter__(self) -> RenderProgress:
        if self.console.is_terminal and not self.quiet:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.__enter__()
            if self.catalogue:
                self.total = self.bar.add_task("[bold]catalogue", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def for_book(self, name: str) -> Progress:
        """The progress callable of the catalogue's book NAME."""
        return lambda event: self.book_event(name, event)

    def event(self, event: ProgressEvent) -> None:
        """A render's event (pipeline/events.py)."""
        self.book_event("", event)

    def say(self, line: str) -> None:
        self.console.print(line, markup=False)

    def book_event(self, book: str, event: ProgressEvent) -> None:
        where = f"{book}: " if book else ""
        if isinstance(event, NarratorChosen):
            if not self.quiet:
                draft = " (a draft: check refuses it unless --allow-draft)" if event.draft else ""
                self.say(f"{where}read by {event.voice}{draft}")
            if event.hint:  # not progress: said even with --quiet
                self.say(f"audiobook: note: {where}{event.hint}")
            return
        if isinstance(event, ChapterWarning):  # not progress: said even with --quiet
            self.say(
                f"audiobook: warning: {where}chapter {event.index} ({event.title}): {event.message}"
            )
            return
        if self.quiet:
            return
        if self.bar is not None:
            with self._lock:
                self._bar_event(book, event)
            return
        match event:
            case ChapterStarted(index=index, title=title, utterances=0):
                self.say(f"{where}chapter {index}: {title} (from the cache)")
            case ChapterStarted(index=index, title=title, utterances=utterances):
                self.say(f"{where}chapter {index}: {title} ({utterances} utterances)")
            case ChapterDone(index=index, result=result) if result.ok:
                self.say(
                    f"{where}chapter {index} done: {clock(result.duration_ms / 1000)} of audio"
                )
            case ChapterDone(index=index, result=result):
                self.say(f"{where}chapter {index} failed: {result.error}")

    def _bar_event(self, book: str, event: ProgressEvent) -> None:
        match event:
            case BookPlanned(title=title, words=words):
                self.books[book] = self.bar.add_task(f"[bold]{book or title}", total=max(words, 1))
                self._left[book] = words
                if self.total is not None:
                    planned = self._done_books + len(self.books)  # a done book's bar has gone
                    self._planned_words += max(words, 1)
                    to_come = max(self.expected_books - planned, 0)
                    estimate = self._planned_words * (1 + to_come / planned)
                    self.bar.update(self.total, total=round(estimate))
                    self._describe_total()
            case ChapterStarted(index=index, title=title, utterances=utterances) if (
                not self.catalogue  # a catalogue shows books, not chapters
            ):
                task = self.chapters.get((book, index))
                description = f"  {index}. {title}"
                if task is None:
                    task = self.bar.add_task(description, total=max(utterances, 1))
                    self.chapters[(book, index)] = task
                else:  # started again (on a cluster, by another worker: the first one died)
                    self.bar.reset(task, total=max(utterances, 1), description=description)
            case ChapterStep(index=index, done=done) if (book, index) in self.chapters:
                self.bar.update(self.chapters[(book, index)], completed=done)
            case ChapterMastering(index=index, title=title) if (book, index) in self.chapters:
                self.bar.update(
                    self.chapters[(book, index)], description=f"  {index}. {title}: mastering"
                )
            case ChapterDone(index=index, result=result):
                self._chapter_done(book, index, result.words)

    def _chapter_done(self, book: str, index: int, words: int) -> None:
        task = self.chapters.pop((book, index), None)
        if task is not None:
            self.bar.remove_task(task)
        if book in self.books:
            self.bar.advance(self.books[book], words)
            self._left[book] -= words
            if self.catalogue and self._left[book] <= 0:  # its last chapter: the bar goes
                self.bar.remove_task(self.books.pop(book))
                self._done_books += 1
                self._describe_total()
        if self.total is not None:
            self.bar.advance(self.total, words)

    def _describe_total(self) -> None:
        if self.total is not None and self.expected_books:
            done, books = self._done_books, self.expected_books
            self.bar.update(self.total, description=f"[bold]catalogue: {done} of {books} books")
