"""The listener site written: the page with its player, the downloads, the podcast feed (with a
base URL), the read-along text, the cover at feed-friendly sizes and ZIPs, all in one folder any
web host serves, every link in it relative.

`site.py` gathers what the rendered book holds (SiteBook, with each chapter's listener MP3 from
listener.py and its text from text.py) and writes the site with `write_site` into an empty
folder; `checking.py` proves it. What the site holds is also said in site.json (site_json.py),
for `serve` and the check, which read a site without parsing its page.

The page is written from a Jinja2 template (templates/site.html) with autoescaping, so a title
made of markup shows as text; its player script and style (static/) are copied beside it. The
template is given exactly: book, cover, total, sources, chapters, downloads, total_download,
audio_size, feed, player_js, player_css (see `_context`).
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from audiobook.core.audio import clock
from audiobook.publish.feed import chapters_json, site_feed
from audiobook.publish.listener import file_starts, write_book_mp3
from audiobook.publish.site_json import (
    CHAPTERS_JSON,
    SITE_JSON,
    Chapter,
    Download,
    SiteInfo,
    Source,
    WholeBook,
    site_json,
)
from audiobook.publish.text import FOLDER, name_width, text_name

# Apple asks for 1400-3000 px square; the page shows a smaller one.
COVER_SIZES = {"cover.jpg": 3000, "cover-1400.jpg": 1400, "cover-600.jpg": 600}
STATIC = ("player.js", "player.css")  # the page's script and style, from the package's static/
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # ZIP entries' date: the same bytes at every publish
FEED = "feed.xml"
TYPES = {".m4b": "audio/mp4", ".mp3": "audio/mpeg"}


@dataclass(frozen=True)
class SiteChapter:
    index: int
    title: str
    name: str  # its MP3's name, in the rendered book and in the site
    audio: Path  # its listener MP3 (listener.py), placed in the site as NAME
    seconds: float  # the rendered chapter's duration
    published: datetime
    captions: tuple[Path, ...] = ()  # its WebVTT and SRT, when the book has captions
    text: bytes | None = None  # its read-along text (text.py), when the render kept a record


@dataclass(frozen=True)
class SiteBook:
    title: str
    author: str
    narrator: str
    description: str
    language: str
    year: int | None
    base_url: str | None  # absolute, ends with "/"; None: a site without a feed
    slug: str
    chapters: tuple[SiteChapter, ...]
    m4b: Path | None  # the render's M4B: its AAC is listener-sized already, so it is linked
    mp3: Path | None  # the render's book MP3, whose name and tags the listener one takes
    epub: Path | None  # the render's read-along EPUB
    captions: tuple[Path, ...]  # the whole book's WebVTT and SRT, when the render made them
    cover: bytes | None
    # A ZIP of the chapters (publish --extras): the same audio a third time, after the chapters
    # and the M4B; left out by default, so the site stays a third of the delivery files' size.
    chapters_zip: bool = False


def guid(book: SiteBook, name: str) -> str:
    """An episode's id: the book and the file's name, so a re-render keeps it (and a podcast app
    does not offer the chapter again), whatever the host."""
    return (
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'audiobook:{book.title}:{book.author}:{name}')}"
    )


def write_site(book: SiteBook, out: Path) -> SiteInfo:
    """The whole site in OUT (an empty folder); returns what site.json says of it."""
    import jinja2

    # The audio: the listener chapters, the M4B, the EPUB and the captions as they are; the
    # book MP3 joined from the listener chapters.
    for c in book.chapters:
        _place(c.audio, out / c.name)
        for vtt in (p for p in c.captions if p.suffix == ".vtt"):  # the feed's transcripts
            _place(vtt, out / vtt.name)
    for whole in (book.m4b, book.epub, *book.captions):
        if whole is not None:
            _place(whole, out / whole.name)
    if book.mp3 is not None:
        write_book_mp3([(c.title, c.audio) for c in book.chapters], book.mp3, out / book.mp3.name)
    covers = _covers(book.cover, out) if book.cover else {}
    archive = out / f"{book.slug}-chapters.zip" if book.chapters_zip else None
    if archive is not None:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:  # MP3 does not compress
            for c in book.chapters:
                _zip_entry(zf, c.audio, f"{book.slug}/{c.name}")
    caption_zip = None
    if not book.captions and any(c.captions for c in book.chapters):
        caption_zip = out / f"{book.slug}-captions.zip"
        with zipfile.ZipFile(caption_zip, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in (p for c in book.chapters for p in c.captions):
                _zip_entry(zf, path, f"{book.slug}/{path.name}")
    width = name_width([c.index for c in book.chapters])
    if any(c.text for c in book.chapters):
        (out / FOLDER).mkdir()
    for c in book.chapters:
        if c.text is not None:
            (out / text_name(c.index, width)).write_bytes(c.text)

    sources = [
        Source(p.name, TYPES[p.suffix], tuple(file_starts(out / p.name)))
        for p in (book.m4b, book.mp3)
        if p is not None
    ]
    if book.m4b is not None:
        marks = zip((c.title for c in book.chapters), sources[0].starts, strict=True)
        (out / CHAPTERS_JSON).write_bytes(chapters_json(list(marks)))
    downloads = _downloads(book, out, archive, caption_zip)
    info = SiteInfo(
        title=book.title, author=book.author, narrator=book.narrator,
        description=book.description, language=book.language, year=book.year,
        base_url=book.base_url, feed=FEED if book.base_url else None,
        published=(max(c.published for c in book.chapters) + timedelta(seconds=1)).isoformat(),
        cover={"page": "cover-600.jpg",
               "feed": "cover-1400.jpg" if "cover-1400.jpg" in covers else "cover.jpg"}
        if covers else None,
        sources=tuple(sources),
        chapters=tuple(
            Chapter(
                index=c.index, title=c.title, file=c.name, bytes=(out / c.name).stat().st_size,
                seconds=c.seconds, guid=guid(book, c.name), published=c.published.isoformat(),
                transcript=next((p.name for p in c.captions if p.suffix == ".vtt"), None),
                text=text_name(c.index, width) if c.text is not None else None,
            )
            for c in book.chapters
        ),
        whole_book=WholeBook(
            book.m4b.name, (out / book.m4b.name).stat().st_size,
            sum(c.seconds for c in book.chapters), guid(book, book.m4b.name), CHAPTERS_JSON,
        ) if book.m4b else None,
        downloads=tuple(downloads),
        total_download=sum(d.bytes for d in downloads),
        files={},
    )  # fmt: skip
    if book.base_url is not None:
        (out / FEED).write_bytes(site_feed(info, book.base_url))
    static = resources.files("audiobook.publish").joinpath("static")
    for name in STATIC:
        with resources.as_file(static.joinpath(name)) as source:
            shutil.copyfile(source, out / name)
    template = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
        resources.files("audiobook.publish")
        .joinpath("templates/site.html")
        .read_text(encoding="utf-8")
    )
    audio_bytes = (out / sources[0].src).stat().st_size if sources else None
    page = template.render(**_context(book, info, audio_bytes))
    (out / "index.html").write_text(page, encoding="utf-8")
    files = {
        p.relative_to(out).as_posix(): p.stat().st_size
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != SITE_JSON
    }
    info = replace(info, files=files)
    (out / SITE_JSON).write_bytes(site_json(info))
    return info


def _downloads(
    book: SiteBook, out: Path, archive: Path | None, caption_zip: Path | None
) -> list[Download]:
    """What a listener may keep: the whole book, the chapters, the read-along EPUB, captions."""
    offered = [
        (book.m4b, "The whole book (M4B, with chapters)"),
        (book.mp3, "The whole book (MP3, with chapters)"),
        (archive, "All chapters (ZIP of MP3s)"),
        (book.epub, "The book to read along (EPUB 3 with its audio)"),
        *((p, f"Captions of the whole book ({_caption_kind(p)})") for p in book.captions),
        (caption_zip, "Captions of every chapter (ZIP of WebVTT and SRT)"),
    ]
    downloads = [
        Download(p.name, label, (out / p.name).stat().st_size) for p, label in offered if p
    ]
    downloads += [
        Download(c.name, f"{c.index}. {c.title}", (out / c.name).stat().st_size)
        for c in book.chapters
    ]
    return downloads


def _caption_kind(path: Path) -> str:
    return "WebVTT" if path.suffix == ".vtt" else "SRT"


def _context(book: SiteBook, info: SiteInfo, audio_bytes: int | None) -> dict[str, Any]:
    """The names the page's template is given, and nothing else."""
    first = info.sources[0] if info.sources else None
    chapters = [
        {
            "index": c.index,
            "title": c.title,
            "start": first.starts[n] if first else 0.0,
            "seconds": c.seconds,
            "start_clock": clock(first.starts[n] if first else 0.0),
            "length_clock": clock(c.seconds),
            "file": c.file,
            "text": c.text,
        }
        for n, c in enumerate(info.chapters)
    ]
    return {
        "book": book,
        "cover": info.cover["page"] if info.cover else None,
        "total": clock(sum(c.seconds for c in info.chapters)),
        "sources": [{"src": s.src, "type": s.type, "starts": list(s.starts)} for s in info.sources],
        "chapters": chapters,
        "downloads": [
            {"href": d.href, "label": d.label, "size": human_size(d.bytes)} for d in info.downloads
        ],
        "total_download": human_size(info.total_download),
        "audio_size": human_size(audio_bytes) if audio_bytes is not None else None,
        "feed": info.base_url + FEED if info.base_url else None,
        "player_js": STATIC[0],
        "player_css": STATIC[1],
    }


def _zip_entry(zf: zipfile.ZipFile, source: Path, name: str) -> None:
    """SOURCE into ZF as NAME, streamed, dated ZIP_TIME (not the file's time: a file made again
    with the same bytes must give the same ZIP)."""
    entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    entry.compress_type = zf.compression
    entry.external_attr = 0o644 << 16
    entry.file_size = source.stat().st_size
    with source.open("rb") as reader, zf.open(entry, "w") as writer:
        while block := reader.read(1 << 20):  # into the ZIP that write_site opened
            writer.write(block)


def _place(source: Path, target: Path) -> None:
    """SOURCE's bytes at TARGET: a hard link where the file system allows it (no copy of a
    gigabyte of audio), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _covers(data: bytes, out: Path) -> dict[str, Path]:
    """The cover as square JPEGs of the sizes feeds and pages want (never enlarged)."""
    from PIL import Image

    opened = Image.open(io.BytesIO(data))
    opened.load()
    image = opened.convert("RGB")
    made = {}
    for name, side in COVER_SIZES.items():
        if name != "cover.jpg" and image.width <= side:
            continue  # the original is already that small
        copy = (
            image if image.width <= side else image.resize((side, side), Image.Resampling.LANCZOS)
        )
        copy.save(out / name, "JPEG", quality=88)
        made[name] = out / name
    if "cover-600.jpg" not in made:
        made["cover-600.jpg"] = out / "cover.jpg"
        shutil.copyfile(out / "cover.jpg", out / "cover-600.jpg")
    return made


def human_size(size: float) -> str:
    """A size as people read it: "812 bytes", "3.4 MB" (powers of 1000, as disks are sold)."""
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size):,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return ""
