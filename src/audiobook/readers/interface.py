"""The reader interface: a manuscript of one file type in, the same Book out.

Every reader hands on a Book (audiobook/book.py) whose chapters hold every word of the body, in
order, and whose `skipped` names everything it does not read, with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from audiobook.book import Book
from audiobook.config import SplitOptions


@runtime_checkable
class Reader(Protocol):
    name: str
    suffixes: tuple[str, ...]  # the file types it reads, lower case with the dot: (".txt", ...)

    def read(self, source: Path, options: SplitOptions) -> Book:
        """SOURCE (a file, or a folder of such files) as a Book; bad input raises InputError."""
        ...
