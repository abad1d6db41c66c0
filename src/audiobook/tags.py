"""The one place that talks to mutagen: ID3 v2.3 tags for audiobook chapter files.

The tag fields are declared once (FRAMES): which ID3 frame carries which part of the book, in the
way audiobook players and servers read them (SPECS.md section 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    COMM,
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
    ID3NoHeaderError,
    PictureType,
)

from audiobook.errors import ToolError

ID3_VERSION = 3  # v2.4 is unread by Windows Explorer and some players; mutagen defaults to it
PADDING = 1024  # fixed, so the same tags give the same bytes


@dataclass(frozen=True)
class TrackTags:
    title: str  # the chapter's title
    album: str  # the book's title
    author: str
    narrator: str
    track: int
    total: int
    genre: str = "Audiobook"
    year: int | None = None
    language: str | None = None  # BCP 47 as in book.toml ("en", "de-AT")
    description: str | None = None
    cover: bytes | None = None
    cover_mime: str = "image/jpeg"


# field -> (ID3 frame, its text); None means the field is not written.
FRAMES = {
    "title": lambda t: TIT2(encoding=1, text=t.title),
    "album": lambda t: TALB(encoding=1, text=t.album),
    "author": lambda t: TPE1(encoding=1, text=t.author),
    "album_artist": lambda t: TPE2(encoding=1, text=t.author),
    # Audiobookshelf reads narrators from the composer field.
    "narrator": lambda t: TCOM(encoding=1, text=t.narrator),
    "track": lambda t: TRCK(encoding=1, text=f"{t.track}/{t.total}"),
    "genre": lambda t: TCON(encoding=1, text=t.genre),
    "year": lambda t: TYER(encoding=1, text=str(t.year)) if t.year else None,
    "language": lambda t: TLAN(encoding=1, text=iso639_2(t.language)) if t.language else None,
    "description": lambda t: (
        COMM(encoding=1, lang="eng", desc="", text=t.description) if t.description else None
    ),
    "cover": lambda t: (
        APIC(encoding=0, mime=t.cover_mime, type=PictureType.COVER_FRONT, desc="", data=t.cover)
        if t.cover
        else None
    ),
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


def write_tags(path: Path, tags: TrackTags) -> None:
    """Replace whatever tags PATH has with TAGS, as ID3 v2.3."""
    id3 = ID3()
    for make in FRAMES.values():
        frame = make(tags)
        if frame is not None:
            id3.add(frame)
    try:
        id3.save(path, v2_version=ID3_VERSION, padding=lambda _info: PADDING)
    except MutagenError as exc:
        raise ToolError(f"could not write tags: {exc}", path=path) from None


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
