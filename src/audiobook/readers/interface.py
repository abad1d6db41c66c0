"""The reader interface: a manuscript of one file type in, the same Book out.

Every reader hands on a Book (audiobook/book.py) whose chapters hold every word of the body, in
order, and whose `skipped` names everything it does not read, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from audiobook.core.book import Book
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError


@runtime_checkable
class Reader(Protocol):
    # Read-only: a reader's class attributes (suffixes a tuple of its own length) satisfy them.
    @property
    def name(self) -> str: ...

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The file types it reads, lower case with the dot: (".txt", ...)."""
        ...

    def read(self, source: Path, options: SplitOptions) -> Book:
        """SOURCE (a file, or a folder of such files) as a Book; bad input raises InputError."""
        ...


@dataclass(frozen=True)
class FileReader:
    """A reader that is one function of its source: a file of its types, or a folder (text/)
    that holds one (every format but plain text, whose folders hold many files)."""

    name: str
    suffixes: tuple[str, ...]
    read_source: Callable[[Path, SplitOptions], Book]

    def read(self, source: Path, options: SplitOptions) -> Book:
        return self.read_source(source, options)


def one_file(source: Path, suffixes: tuple[str, ...], kind: str) -> Path:
    """The manuscript a single-file reader reads: SOURCE itself, or the one file of its kind in
    the folder SOURCE (text/); none or several is an error naming the folder."""
    if not source.is_dir():
        if not source.exists():
            raise InputError("no such file or folder", path=source, hint="check the path")
        return source
    found = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
    if len(found) != 1:
        raise InputError(
            f"the folder holds {len(found)} {kind} files",
            path=source,
            hint=f"keep one book in a folder, or name the {kind} file to read",
        )
    return found[0]
