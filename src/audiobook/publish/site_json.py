"""site.json: what a published site holds, for the programs that read a site without its page.

`publish` writes it last; `serve` reads it to make the feed of a site published without a base
URL (at the address it serves from), and `publish --check` to prove the site. It says:

    {"format": 1, "generator": "audiobook", "title": ..., "author": ..., "narrator": ...,
     "description": ..., "language": "en", "year": 2024 | null,
     "base_url": "https://host/path/" | null, "feed": "feed.xml" | null,
     "published": "2024-05-01T10:00:00+00:00",      (the feed's date: the newest episode's)
     "cover": {"page": "cover-600.jpg", "feed": "cover-1400.jpg"} | null,
     "sources": [{"src": "book.m4b", "type": "audio/mp4", "starts": [0.0, 61.2, ...]}, ...],
     "chapters": [{"index": 1, "title": ..., "file": "01-x.mp3", "bytes": ..., "seconds": ...,
                   "guid": ..., "published": ..., "transcript": "01-x.vtt" | null,
                   "text": "text/01.json" | null}, ...],
     "whole_book": {"file": "book.m4b", "bytes": ..., "seconds": ..., "guid": ...,
                    "chapters_json": "chapters.json" | null} | null,
     "downloads": [{"href": ..., "label": ..., "bytes": ...}, ...], "total_download": ...,
     "files": {"index.html": 8590, ...}}             (every file of the site but this one)

`sources` are the whole-book players' files, each with where every chapter starts in that file
as the file's own chapter marks say (an M4B's and an MP3's timelines differ by a few ms a
chapter); chapter "seconds" are the rendered chapters' durations.

A site is untrusted input to `serve` and `check`: read_site_json and read_chapters_json refuse
anything that is not what publish writes (not JSON, another shape, starts that do not ascend, a
name that is not a file of the site) with one InputError naming the file.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from audiobook.core.errors import InputError

SITE_JSON = "site.json"
CHAPTERS_JSON = "chapters.json"
FORMAT = 1
MAX_BYTES = 16 << 20  # far above a long novel's (about 100 bytes a chapter)
AUDIO_TYPES = ("audio/mp4", "audio/mpeg")


@dataclass(frozen=True)
class Source:
    src: str
    type: str
    starts: tuple[float, ...]


@dataclass(frozen=True)
class Chapter:
    index: int
    title: str
    file: str
    bytes: int
    seconds: float
    guid: str
    published: str  # ISO 8601 with its offset
    transcript: str | None
    text: str | None


@dataclass(frozen=True)
class WholeBook:
    file: str
    bytes: int
    seconds: float
    guid: str
    chapters_json: str | None


@dataclass(frozen=True)
class Download:
    href: str
    label: str
    bytes: int


@dataclass(frozen=True)
class SiteInfo:
    title: str
    author: str
    narrator: str
    description: str
    language: str
    year: int | None
    base_url: str | None
    feed: str | None
    published: str
    cover: dict[str, str] | None  # {"page": ..., "feed": ...}
    sources: tuple[Source, ...]
    chapters: tuple[Chapter, ...]
    whole_book: WholeBook | None
    downloads: tuple[Download, ...]
    total_download: int
    files: dict[str, int]


def site_json(info: SiteInfo) -> bytes:
    """INFO as site.json's bytes: the same info, the same bytes."""
    document = {"format": FORMAT, "generator": "audiobook", **asdict(info)}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def read_site_json(site: Path) -> SiteInfo | None:
    """SITE's site.json, proven to be what publish writes; None when the site has none (one
    published before there was one)."""
    path = site / SITE_JSON
    if not path.is_file():
        return None
    document = _load(path)
    try:
        info = _parse(document)
        _prove(info, site)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _tampered(path, _reason(exc)) from None
    return info


def read_chapters_json(site: Path, count: int | None = None) -> list[tuple[str, float]] | None:
    """SITE's chapters.json (Podcasting 2.0 chapters) as (title, start) pairs, proven: starts
    ascending from 0, COUNT of them when given; None when the site has none."""
    path = site / CHAPTERS_JSON
    if not path.is_file():
        return None
    document = _load(path)
    try:
        if not isinstance(document.get("version"), str):
            raise ValueError("no version")
        marks = [(_text(c["title"]), _seconds(c["startTime"])) for c in _list(document["chapters"])]
        _ascending([start for _, start in marks], "the startTimes")
        if count is not None and len(marks) != count:
            raise ValueError(f"{len(marks)} chapters for the site's {count}")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _tampered(path, _reason(exc)) from None
    return marks


def _load(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _tampered(path, "too large")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"unreadable ({(exc.strerror or str(exc)).lower()})", path=path,
                         hint="publish again") from None  # fmt: skip
    except (ValueError, UnicodeDecodeError) as exc:
        raise _tampered(path, f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _tampered(path, "not a JSON object")
    return document


def _tampered(path: Path, reason: str) -> InputError:
    return InputError(
        f"not as audiobook publish wrote it ({reason})", path=path, hint="publish the site again"
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _parse(d: dict[str, Any]) -> SiteInfo:
    if d.get("format") != FORMAT:
        raise ValueError(f"format {d.get('format')!r}")
    chapters = tuple(
        Chapter(
            index=_int(c["index"]), title=_text(c["title"]), file=_name(c["file"]),
            bytes=_int(c["bytes"]), seconds=_seconds(c["seconds"]), guid=_text(c["guid"]),
            published=_date(c["published"]), transcript=_optional_name(c["transcript"]),
            text=_optional_name(c["text"]),
        )
        for c in _list(d["chapters"])
    )  # fmt: skip
    if not chapters or [c.index for c in chapters] != list(range(1, len(chapters) + 1)):
        raise ValueError("the chapters are not numbered 1..N")
    sources = tuple(
        Source(_name(s["src"]), _choice(s["type"], AUDIO_TYPES), tuple(map(_seconds, s["starts"])))
        for s in _list(d["sources"])
    )
    for source in sources:
        if len(source.starts) != len(chapters):
            raise ValueError(f"{source.src}: {len(source.starts)} starts for {len(chapters)} "
                             "chapters")  # fmt: skip
        _ascending(list(source.starts), f"{source.src}'s starts")
    whole = d["whole_book"]
    cover = d["cover"]
    if cover is not None and not (isinstance(cover, dict) and set(cover) == {"page", "feed"}):
        raise ValueError("cover")
    files = d["files"]
    if not isinstance(files, dict):
        raise ValueError("files")
    year = d["year"]
    base_url = d["base_url"]
    return SiteInfo(
        title=_text(d["title"]), author=_text(d["author"]), narrator=_text(d["narrator"]),
        description=_text(d["description"]), language=_text(d["language"]),
        year=None if year is None else _int(year),
        base_url=None if base_url is None else _text(base_url),
        feed=_optional_name(d["feed"]), published=_date(d["published"]),
        cover=None if cover is None else {k: _name(v) for k, v in cover.items()},
        sources=sources, chapters=chapters,
        whole_book=None if whole is None else WholeBook(
            _name(whole["file"]), _int(whole["bytes"]), _seconds(whole["seconds"]),
            _text(whole["guid"]), _optional_name(whole["chapters_json"]),
        ),
        downloads=tuple(
            Download(_name(x["href"]), _text(x["label"]), _int(x["bytes"]))
            for x in _list(d["downloads"])
        ),
        total_download=_int(d["total_download"]),
        files={_name(k): _int(v) for k, v in files.items()},
    )  # fmt: skip


def _prove(info: SiteInfo, site: Path) -> None:
    """Every name INFO gives is a file of SITE (and never a way out of it)."""
    root = site.resolve()
    names = [c.file for c in info.chapters]
    names += [n for c in info.chapters for n in (c.transcript, c.text) if n is not None]
    names += [s.src for s in info.sources] + [x.href for x in info.downloads] + list(info.files)
    names += list(info.cover.values()) if info.cover else []
    if info.whole_book is not None:
        names += [info.whole_book.file, *filter(None, [info.whole_book.chapters_json])]
    if info.feed is not None:
        names.append(info.feed)
    for name in names:
        path = (site / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise ValueError(f"it names {name!r}, which is not a file of the site")


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"a list expected, not {type(value).__name__}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a string expected, not {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"a count expected, not {value!r}")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"seconds expected, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"seconds expected, not {value!r}")
    return float(value)


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{value!r} is not one of {choices}")
    return str(value)


def _date(value: Any) -> str:
    when = datetime.fromisoformat(_text(value))
    if when.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return str(value)


def _name(value: Any) -> str:
    """A file's name in the site: relative, forward slashes, nothing hidden, no way up."""
    name = _text(value)
    parts = PurePosixPath(name).parts
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or any(p.startswith(".") for p in parts)
        or PurePosixPath(name).as_posix() != name
    ):
        raise ValueError(f"{name!r} is not a file's name in the site")
    return name


def _optional_name(value: Any) -> str | None:
    return None if value is None else _name(value)


def _ascending(starts: list[float], what: str) -> None:
    if starts and starts[0] != 0:
        raise ValueError(f"{what} do not start at 0")
    if any(b <= a for a, b in itertools.pairwise(starts)):
        raise ValueError(f"{what} do not ascend")
