"""Reading a manuscript: bytes -> text -> chapters of paragraphs, plus the book's metadata.

Knows nothing of audio. Every word of the body ends up in exactly one paragraph of one chapter, in
order; scene breaks are kept as markers so that the mastering stage can turn them into pauses.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import ftfy

from audiobook.config import BOOK_FILE, BookMeta, load_book_meta
from audiobook.errors import InputError

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
# With no headings at all, the text is cut at paragraph boundaries into chapters of about this size.
DEFAULT_TARGET_WORDS = 5000

_WORD = re.compile(r"\w", re.UNICODE)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_METADATA = re.compile(r"^#{1,6}\s*(title|author|narrator|language|year)\s*:\s*(.+?)\s*$", re.I)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty"
)
# "Chapter" needs its number ("Chapter 12", "CHAPTER XII.", "Chapter Twenty-One: Title");
# a prologue or epilogue may stand alone.
_CHAPTER_HEADING = re.compile(
    rf"^\s*(chapter\s+(\d+|[ivxlc]+|({_NUMBER_WORDS})(-\w+)?)\b|prologue\b|epilogue\b)"
    r"[.:]?(\s.*)?$",
    re.I,
)
_SCENE_BREAK = re.compile(r"^\s*([*#~•·◆◇❦§]\s*){1,5}$|^\s*-{3,}\s*$|^\s*_{3,}\s*$")


@dataclass(frozen=True)
class SceneBreak:
    """A scene break in the text (* * *): a longer pause, not speech."""


@dataclass(frozen=True)
class Paragraph:
    text: str

    @property
    def words(self) -> int:
        return count_words(self.text)


Block = Paragraph | SceneBreak


@dataclass(frozen=True)
class Chapter:
    index: int
    title: str
    blocks: tuple[Block, ...]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def words(self) -> int:
        return sum(p.words for p in self.paragraphs)

    def estimated_seconds(self, rate_wpm: int) -> float:
        return round(self.words / rate_wpm * 60, 1)


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    narrator: str
    language: str
    meta: BookMeta
    chapters: tuple[Chapter, ...]
    source: Path
    sources: tuple[Path, ...] = field(default=())

    @property
    def words(self) -> int:
        return sum(c.words for c in self.chapters)


def count_words(text: str) -> int:
    return sum(1 for token in text.split() if _WORD.search(token))


def read_book(source: Path) -> Book:
    """Read SOURCE (a text file or a folder of them) into a Book; bad input raises InputError."""
    files = _text_files(source)
    folder = source if source.is_dir() else source.parent
    meta = load_book_meta(folder)
    blocks: list[tuple[str, str | None]] = []  # (kind, text): "heading", "para", "break"
    found: dict[str, str] = {}
    for path in files:
        text = decode_text(path.read_bytes(), path)
        blocks.extend(_blocks(text, found))
    chapters = _chapters(blocks)
    if not chapters:
        raise InputError(
            "no speakable words in the manuscript",
            path=source,
            hint="add text to it, or point audiobook at the manuscript",
        )
    title = meta.title or found.get("title") or _title_from_name(source)
    return Book(
        title=title,
        author=meta.author or found.get("author") or "Unknown",
        narrator=meta.narrator or found.get("narrator") or "Unknown",
        language=meta.language or found.get("language") or "en",
        meta=meta,
        chapters=tuple(chapters),
        source=source,
        sources=tuple(files),
    )


def split_chapters(text: str) -> list[Chapter]:
    """The chapters of one decoded text (what read_book does for each file, without metadata)."""
    return _chapters(_blocks(text, {}))


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
            raise InputError("this is not a text file (it holds binary data)", path=path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", "replace")
    if not text.strip():
        raise InputError("the file is empty", path=path, hint="add the manuscript's text")
    # ftfy undoes mojibake such as "â€“" (an en dash decoded with the wrong code page).
    text = ftfy.fix_text(text, normalization="NFC")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _blocks(text: str, found: dict[str, str]) -> list[tuple[str, str | None]]:
    """Split text into headings, paragraphs and scene breaks; record metadata lines in FOUND."""
    out: list[tuple[str, str | None]] = []
    for raw in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in raw.split("\n") if line.strip()]
        if not lines:
            continue
        first = lines[0]
        meta = _MD_METADATA.match(first)
        if meta and len(lines) == 1:
            found.setdefault(meta.group(1).lower(), meta.group(2))
            continue
        heading = _heading(first)
        if heading is not None:
            out.append(("heading", heading))
            lines = lines[1:]
            if not lines:
                continue
        if len(lines) == 1 and _SCENE_BREAK.match(lines[0]):
            out.append(("break", None))
            continue
        out.append(("para", " ".join(lines)))
    return out


def _heading(line: str) -> str | None:
    md = _MD_HEADING.match(line)
    if md:
        return md.group(2).strip()
    if len(line) <= 80 and _CHAPTER_HEADING.match(line):
        return line.strip()
    return None


def _chapters(blocks: list[tuple[str, str | None]]) -> list[Chapter]:
    has_headings = any(kind == "heading" for kind, _ in blocks)
    if not has_headings:
        return _split_by_length(blocks, DEFAULT_TARGET_WORDS)
    sections: list[tuple[str, list[Block]]] = []
    title: str | None = None
    body: list[Block] = []
    for kind, text in blocks:
        if kind == "heading":
            sections.append((title or "Opening", body))
            title, body = text, []
        elif kind == "break":
            body.append(SceneBreak())
        else:
            body.append(Paragraph(text or ""))
    sections.append((title or "Opening", body))
    # A heading with no text of its own (a part title) is not a chapter.
    kept = [(t, b) for t, b in sections if _speakable(b)]
    return [Chapter(i, t, _trim_breaks(b)) for i, (t, b) in enumerate(kept, start=1)]


def _split_by_length(blocks: list[tuple[str, str | None]], target: int) -> list[Chapter]:
    chapters: list[list[Block]] = [[]]
    words = 0
    for kind, text in blocks:
        if words >= target and kind == "para":
            chapters.append([])
            words = 0
        if kind == "break":
            chapters[-1].append(SceneBreak())
        else:
            chapters[-1].append(Paragraph(text or ""))
            words += count_words(text or "")
    bodies = [_trim_breaks(c) for c in chapters if _speakable(c)]
    return [Chapter(i, f"Chapter {i}", b) for i, b in enumerate(bodies, start=1)]


def _speakable(blocks: list[Block]) -> bool:
    return any(isinstance(b, Paragraph) and b.words for b in blocks)


def _trim_breaks(blocks: list[Block]) -> tuple[Block, ...]:
    """A scene break at the very start or end of a chapter is just the chapter boundary."""
    start, end = 0, len(blocks)
    while start < end and isinstance(blocks[start], SceneBreak):
        start += 1
    while end > start and isinstance(blocks[end - 1], SceneBreak):
        end -= 1
    return tuple(blocks[start:end])


def _title_from_name(source: Path) -> str:
    name = source.resolve().name if source.is_dir() else source.stem
    return re.sub(r"[-_]+", " ", name).strip().title() or "Untitled"
