"""The one place that talks to mutagen: ID3 v2.3 and MP4 tags, chapter frames, stream facts.

Each tag field is declared once, in FIELDS, with where it goes in ID3 and in MP4, the way
audiobook players and servers read it (SPECS.md section 3): album is the book, artist the author,
composer the narrator (Audiobookshelf reads narrators there), genre "Audiobook".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCOM,
    TCON,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TRCK,
    TYER,
    CTOCFlags,
    Frame,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.id3._tags import save_frame  # mutagen's own frame serialiser (see _ChapterOrderID3)
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp4 import MP4, MP4Cover

from audiobook.core.book import ChapterMark
from audiobook.core.errors import AudiobookError, ToolError, from_os_error

ID3_VERSION = 3  # v2.4 is unread by Windows Explorer and some players; mutagen defaults to it
PADDING = 1024  # fixed, so the same tags give the same bytes


@dataclass(frozen=True)
class BookTags:
    """What every file of the book says about the book."""

    title: str
    author: str
    narrator: str
    genre: str = "Audiobook"
    year: int | None = None
    language: str | None = None  # BCP 47 as in book.toml ("en", "de-AT")
    description: str | None = None
    cover: bytes | None = None
    cover_mime: str = "image/jpeg"


@dataclass(frozen=True)
class Item:
    """What one file is: a chapter (title, track n/N) or the whole book (its title, no track)."""

    title: str
    track: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class Field:
    id3: Callable[[BookTags, Item], Frame | None]
    mp4: tuple[str, Callable[[BookTags, Item], Any]] | None


def _text(frame: type[Frame], value: Callable[[BookTags, Item], object]) -> Callable:
    def make(book: BookTags, item: Item) -> Frame | None:
        v = value(book, item)
        return frame(encoding=1, text=str(v)) if v not in (None, "") else None

    return make


def _comment(book: BookTags, item: Item) -> Frame | None:
    return (
        COMM(encoding=1, lang="eng", desc="", text=book.description) if book.description else None
    )


def _cover(book: BookTags, item: Item) -> Frame | None:
    if not book.cover:
        return None
    return APIC(
        encoding=0, mime=book.cover_mime, type=PictureType.COVER_FRONT, desc="", data=book.cover
    )


def _mp4_cover(book: BookTags, item: Item) -> list[MP4Cover] | None:
    if not book.cover:
        return None
    kind = MP4Cover.FORMAT_PNG if book.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
    return [MP4Cover(book.cover, imageformat=kind)]


FIELDS: dict[str, Field] = {
    "title": Field(_text(TIT2, lambda b, i: i.title), ("\xa9nam", lambda b, i: i.title)),
    "album": Field(_text(TALB, lambda b, i: b.title), ("\xa9alb", lambda b, i: b.title)),
    "author": Field(_text(TPE1, lambda b, i: b.author), ("\xa9ART", lambda b, i: b.author)),
    "album_artist": Field(_text(TPE2, lambda b, i: b.author), ("aART", lambda b, i: b.author)),
    "narrator": Field(_text(TCOM, lambda b, i: b.narrator), ("\xa9wrt", lambda b, i: b.narrator)),
    "track": Field(
        _text(TRCK, lambda b, i: f"{i.track}/{i.total}" if i.track else None),
        ("trkn", lambda b, i: [(i.track, i.total)] if i.track else None),
    ),
    "genre": Field(_text(TCON, lambda b, i: b.genre), ("\xa9gen", lambda b, i: b.genre)),
    "year": Field(_text(TYER, lambda b, i: b.year), ("\xa9day", lambda b, i: b.year)),
    "language": Field(_text(TLAN, lambda b, i: iso639_2(b.language) if b.language else None), None),
    "description": Field(_comment, ("desc", lambda b, i: b.description)),
    "cover": Field(_cover, ("covr", _mp4_cover)),
}

# ISO 639-1 -> 639-2/T for the languages espeak-ng speaks best; others pass through unchanged.
_ISO639_2 = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld",
    "ru": "rus", "pl": "pol", "cs": "ces", "sv": "swe", "da": "dan", "nb": "nob", "no": "nor",
    "fi": "fin", "el": "ell", "tr": "tur", "hu": "hun", "ro": "ron", "uk": "ukr", "ja": "jpn",
    "zh": "zho", "ko": "kor", "ar": "ara", "he": "heb", "hi": "hin", "la": "lat", "eo": "epo",
}  # fmt: skip


def iso639_2(language: str) -> str:
    primary = language.split("-")[0].split("_")[0].lower()
    return _ISO639_2.get(primary, primary)


class _ChapterOrderID3(ID3):
    """ID3 that writes its CTOC and CHAP frames last and in time order.

    mutagen sorts frames by size when it saves, so CHAP frames come out in the order of their
    titles' lengths, and players that read them in file order (ffmpeg among them) list the
    chapters shuffled (SPECS.md section 4). This keeps mutagen's order for everything else.
    """

    def _write(self, config: Any) -> bytes:
        chapters = [f for f in self.values() if f.FrameID in ("CTOC", "CHAP")]
        for frame in chapters:
            del self[frame.HashKey]
        try:
            head = super()._write(config)
        finally:
            for frame in chapters:
                self.add(frame)
        chapters.sort(key=lambda f: (f.FrameID != "CTOC", getattr(f, "start_time", 0)))
        return head + b"".join(save_frame(f, config=config) for f in chapters)


def write_tags(
    path: Path, book: BookTags, item: Item, chapters: Sequence[ChapterMark] = ()
) -> None:
    """Replace PATH's tags with ID3 v2.3 ones; CHAPTERS become CHAP frames under one CTOC."""
    id3 = _ChapterOrderID3()
    for spec in FIELDS.values():
        frame = spec.id3(book, item)
        if frame is not None:
            id3.add(frame)
    if chapters:
        ids = [f"ch{n}" for n in range(1, len(chapters) + 1)]
        # One top-level, ordered table of contents: several players ignore CHAP frames without
        # it. At most 255 entries per CTOC (ID3's limit); longer books keep the first 255.
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids[:255],
                sub_frames=[TIT2(encoding=1, text=book.title)],
            )
        )
        for element_id, mark in zip(ids, chapters, strict=True):
            id3.add(
                CHAP(
                    element_id=element_id,
                    start_time=mark.start_ms,
                    end_time=mark.end_ms,
                    sub_frames=[TIT2(encoding=1, text=mark.title)],
                )
            )
    try:
        id3.save(path, v2_version=ID3_VERSION, padding=lambda _info: PADDING)
    except MutagenError as exc:
        raise _tag_error(exc, path) from None


def write_mp4_tags(path: Path, book: BookTags, item: Item) -> None:
    """Tag an M4B with mutagen; the chapters ffmpeg wrote stay as they are."""
    try:
        mp4 = MP4(path)
        mp4.clear()  # also drops ffmpeg's encoder string, so nothing varies between ffmpegs
        for spec in FIELDS.values():
            if spec.mp4 is not None:
                key, value = spec.mp4
                v = value(book, item)
                if v not in (None, ""):
                    mp4[key] = v if isinstance(v, list) else [str(v)]
        mp4["stik"] = [2]  # media kind: audiobook
        mp4.save(padding=lambda _info: PADDING)
    except MutagenError as exc:
        raise _tag_error(exc, path) from None


def _tag_error(exc: MutagenError, path: Path) -> AudiobookError:
    """Mutagen's error as the one users see: a fault of the disk (full, read-only) as such,
    naming the file (from_os_error), anything else as a failure to write the tags."""
    cause = exc.__context__
    if isinstance(cause, OSError):
        if cause.filename is None:  # a write to the open file: it is PATH
            cause = OSError(cause.errno, cause.strerror, str(path))
        return from_os_error(cause)
    return ToolError(f"could not write tags: {exc}", path=path)


def read_tags(path: Path) -> dict[str, str]:
    """The text frames of PATH as {frame id: text}, plus the ID3 version; {} if it has none."""
    try:
        id3 = ID3(path, translate=False)  # the frames as stored, not upgraded to v2.4
    except ID3NoHeaderError:
        return {}
    except MutagenError as exc:
        raise ToolError(f"could not read tags: {exc}", path=path) from None
    out = {"version": f"2.{id3.version[1]}"}
    for key, frame in id3.items():
        if hasattr(frame, "text"):
            out[key] = "; ".join(str(x) for x in frame.text)
    return out


def read_cover(path: Path) -> tuple[bytes, str] | None:
    """The front cover PATH's ID3 tag holds, as (image bytes, MIME type), if it has one."""
    try:
        pictures = ID3(path, translate=False).getall("APIC")
    except ID3NoHeaderError:
        return None
    except MutagenError as exc:
        raise ToolError(f"could not read tags: {exc}", path=path) from None
    return (pictures[0].data, pictures[0].mime) if pictures else None


def read_id3_chapters(path: Path) -> list[ChapterMark]:
    """The CHAP frames of PATH in the order its CTOC lists them."""
    id3 = ID3(path, translate=False)
    chaps = {f.element_id: f for f in id3.getall("CHAP")}
    (toc,) = id3.getall("CTOC")
    return [
        ChapterMark(str(chaps[i].sub_frames["TIT2"]), chaps[i].start_time, chaps[i].end_time)
        for i in toc.child_element_ids
    ]


@dataclass(frozen=True)
class StreamInfo:
    seconds: float  # every frame's duration, as players count it
    sample_rate: int
    channels: int
    bitrate: int
    cbr: bool


def mp3_info(path: Path) -> StreamInfo:
    try:
        info = MP3(path).info
    except MutagenError as exc:
        raise ToolError(f"not a readable MP3: {exc}", path=path) from None
    if info is None:  # mutagen types it optional; a file it opened as MP3 has one
        raise ToolError("not a readable MP3: no MPEG stream", path=path)
    return StreamInfo(
        seconds=info.length,
        sample_rate=info.sample_rate,
        channels=info.channels,
        bitrate=info.bitrate,
        cbr=info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN),
    )


def id3_size(path: Path) -> int:
    """Bytes the ID3v2 tag takes at the start of PATH (0 without one)."""
    try:
        return ID3(path).size
    except ID3NoHeaderError:
        return 0
    except MutagenError as exc:
        raise ToolError(f"could not read tags: {exc}", path=path) from None


def read_mp4_chapters(path: Path) -> list[tuple[str, float]]:
    """(title, start in seconds) of each chapter of an M4B."""
    try:
        chapters = MP4(path).chapters
    except MutagenError as exc:
        raise ToolError(f"not a readable M4B: {exc}", path=path) from None
    return [(c.title, c.start) for c in chapters or []]
