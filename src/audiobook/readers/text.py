"""Reading a manuscript: files -> decoded text -> Book (metadata and chapters).

Knows nothing of audio. Decoding repairs what word processors and downloads do to text (BOMs,
UTF-16, cp1252, mojibake, line endings); Project Gutenberg's header and licence are taken off and
their Title/Author/Language lines kept as metadata; `chapters` does the splitting.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import ftfy
import ftfy.badness

from audiobook.core.book import Book, Chapter, Skipped
from audiobook.core.config import BOOK_FILE, SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book, title_from_name
from audiobook.readers.chapters import split_chapters
from audiobook.readers.sections import Split
from audiobook.readers.sniff import HEAD, READABLE, SAVE_AS, kind_of_bytes

TEXT_SUFFIXES = (".txt", ".md", ".markdown")

PG_START = re.compile(r"^\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)
PG_END = re.compile(r"^\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)
_PG_TAIL = re.compile(r"^\s*End of (the |this )?Project Gutenberg.*$", re.M | re.I)
_PG_CREDIT = re.compile(
    r"^(Produced by|E-?text prepared by|Transcribed (from|by)|This e-?(book|text) was)", re.I
)
_PG_FIELD = re.compile(r"^(Title|Author|Language):\s*(.+?)\s*$", re.M)


class TextReader:
    """Plain text and Markdown: one file, or a folder of them (one file per chapter, or not)."""

    name = "text"
    suffixes = TEXT_SUFFIXES

    def read(self, source: Path, options: SplitOptions) -> Book:
        return read_book(source, options)


def read_book(source: Path, options: SplitOptions | None = None) -> Book:
    """Read SOURCE (a text file or a folder of them) into a Book; bad input raises InputError."""
    options = options or SplitOptions()
    files = _text_files(source)
    folder = source if source.is_dir() else source.parent
    meta = load_book_meta(folder)
    found: dict[str, str] = {}
    chapters: list[Chapter] = []
    skipped: list[Skipped] = []
    for path in files:
        data = path.read_bytes()
        kind = kind_of_bytes(data[:HEAD])
        if kind is not None:
            # The text reader never speaks markup: a .txt that is RTF or HTML says so.
            raise InputError(
                f"this is {kind.lstrip('.').upper()}, not plain text",
                path=path,
                hint=f"name it *{kind} and point audiobook at it alone; it reads {READABLE}",
            )
        text = decode_text(data, path)
        text, gutenberg = strip_gutenberg(text, found, skipped)
        split = split_chapters(text, replace(options, front_matter=gutenberg))
        for key, value in split.metadata.items():
            found.setdefault(key, value)
        skipped.extend(split.skipped)
        if len(files) > 1 and split.by_length:
            # One file per chapter without headings: the file name is the title.
            name = title_from_name(path)
            many = len(split.chapters) > 1
            for i, c in enumerate(split.chapters):
                title = f"{name}, part {i + 1}" if many else name
                split.chapters[i] = replace(c, title=title, spoken_title=title)
        chapters.extend(split.chapters)
    chapters = [replace(c, index=i) for i, c in enumerate(chapters, start=1)]
    if not chapters:
        raise InputError(
            "no speakable words in the manuscript",
            path=source,
            hint="add text to it, or point audiobook at the manuscript",
        )
    return assemble_book(
        source,
        meta,
        Manuscript(
            chapters=tuple(chapters),
            skipped=tuple(skipped),
            sources=tuple(files),
            title=found.get("title", ""),
            author=found.get("author", ""),
            narrator=found.get("narrator", ""),
            language=found.get("language", ""),
        ),
    )


READER = TextReader()


def _text_files(source: Path) -> list[Path]:
    if not source.exists():
        raise InputError("no such file or folder", path=source, hint="check the path")
    if source.is_file():
        return [source]
    files = sorted(
        (p for p in source.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES),
        key=_natural_key,
    )
    if not files:
        raise InputError(
            "the folder holds no .txt or .md manuscript",
            path=source,
            hint=f"put the text in {', '.join(TEXT_SUFFIXES)} files (metadata goes in {BOOK_FILE})",
        )
    return files


def _natural_key(path: Path) -> list[object]:
    """Sort '2-x' before '10-x'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def decode_text(data: bytes, path: Path) -> str:
    """Decode a manuscript's bytes: BOMs, UTF-8, else cp1252; mojibake repaired, NFC, LF only."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", "replace")
    else:
        if b"\x00" in data:
            raise InputError(
                "this is not a text file (it holds binary data)",
                path=path,
                hint=f"audiobook reads {READABLE}: {SAVE_AS}",
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Not UTF-8: a Windows word processor's cp1252, which is latin-1 plus curly quotes.
            text = data.decode("cp1252", "replace")
    if not text.strip():
        raise InputError("the file is empty", path=path, hint="add the manuscript's text")
    # ftfy undoes mojibake such as "â€“" (an en dash decoded with the wrong code page). Its
    # badness check is one regex over the text, while fixing goes line by line (1 s for a novel):
    # fix only what needs it.
    if not text.isascii() and ftfy.badness.is_bad(text):
        text = ftfy.fix_text(text, normalization="NFC")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def split_plain_text(
    text: str, options: SplitOptions, skipped: list[Skipped], *, front_matter: bool = False
) -> tuple[Split, dict[str, str]]:
    """TEXT (a document's paragraphs with no structure of its own: a PDF without an outline, an
    RTF or DOCX without heading styles) split as a text file is: Project Gutenberg's header and
    licence taken off (listed in SKIPPED), chapters found at "Chapter 1" lines; with what the
    text says of itself (Gutenberg's Title/Author/Language lines over "## Author:" ones).
    FRONT_MATTER: the text may open with a title page even when it is not Gutenberg's."""
    found: dict[str, str] = {}
    text, gutenberg = strip_gutenberg(text, found, skipped)
    split = split_chapters(text, replace(options, front_matter=front_matter or gutenberg))
    return split, {**split.metadata, **found}


def strip_gutenberg(text: str, found: dict[str, str], skipped: list[Skipped]) -> tuple[str, bool]:
    """Take Project Gutenberg's header, credits and licence off TEXT; keep its metadata in FOUND."""
    start, end = PG_START.search(text), PG_END.search(text)
    if not start:
        return text, False
    for key, value in _PG_FIELD.findall(text[: start.start()]):
        found.setdefault(key.lower(), value)
    header = text[: start.end()]
    body = text[start.end() : end.start() if end else len(text)]
    footer = text[end.start() :] if end else ""
    if tail := _PG_TAIL.search(body):
        footer = body[tail.start() :] + footer
        body = body[: tail.start()]
    # The transcriber's credits right after the header are Gutenberg's, not the book's. (Blank
    # lines are kept as they are: their number helps to tell a heading from a list.)
    for n, block in enumerate(re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", body)):
        if n == 3:
            break
        if _PG_CREDIT.match(block.group().strip()):
            skipped.append(Skipped("Project Gutenberg credits", block.group().strip()))
            body = body[: block.start()] + body[block.end() :]
            break
    skipped.append(Skipped("Project Gutenberg header", header.strip()))
    if footer.strip():
        skipped.append(Skipped("Project Gutenberg licence", footer.strip()))
    return body, True
