"""The listener site: a page with the cover, a player and the downloads, the podcast feed, the
cover at feed-friendly sizes and a ZIP of the chapters, all in one folder any web host serves.

`publish.py` gathers what the rendered book holds (SiteBook) and writes the site with
`write_site` into an empty folder; `check_site` proves a site: every link of the page resolves to
a file in it, and every enclosure of the feed has its file's exact length and duration.

The page is written from a Jinja2 template (templates/site.html) with autoescaping, so a title
made of markup shows as text; it works without JavaScript (players and downloads are plain
elements), and a few lines of script make the chapter list seek the whole-book player and a link
such as index.html#chapter-3 start there.
"""

from __future__ import annotations

import html.parser
import io
import os
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

from audiobook.core.audio import clock
from audiobook.publish.feed import FeedBook, FeedChapter, chapters_json, podcast_feed

# Apple asks for 1400-3000 px square; the page shows a smaller one.
COVER_SIZES = {"cover.jpg": 3000, "cover-1400.jpg": 1400, "cover-600.jpg": 600}
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


@dataclass(frozen=True)
class SiteChapter:
    index: int
    title: str
    file: Path  # the chapter MP3 in the rendered book
    seconds: float
    start: float  # where it starts in the whole-book player, in seconds
    published: datetime
    captions: Path | None = None  # its WebVTT file, when the book has captions


@dataclass(frozen=True)
class SiteBook:
    title: str
    author: str
    narrator: str
    description: str
    language: str
    year: int | None
    base_url: str  # absolute, ends with "/"
    slug: str
    chapters: tuple[SiteChapter, ...]
    m4b: Path | None  # the whole book, when the render made the book files
    mp3: Path | None
    cover: bytes | None


def guid(book: SiteBook, name: str) -> str:
    """An episode's id: the book and the file's name, so a re-render keeps it (and a podcast app
    does not offer the chapter again), whatever the host."""
    return (
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'audiobook:{book.title}:{book.author}:{name}')}"
    )


def write_site(book: SiteBook, out: Path) -> None:
    """The whole site in OUT (an empty folder)."""
    import jinja2

    files: list[tuple[str, Path]] = [(c.file.name, c.file) for c in book.chapters]
    files += [(c.captions.name, c.captions) for c in book.chapters if c.captions]
    files += [(p.name, p) for p in (book.m4b, book.mp3) if p is not None]
    for name, source in files:
        _place(source, out / name)
    covers = _covers(book.cover, out) if book.cover else {}
    archive = out / f"{book.slug}-chapters.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:  # MP3 does not compress
        for c in book.chapters:
            zf.write(c.file, f"{book.slug}/{c.file.name}")
    if book.m4b is not None:
        marks = [(c.title, c.start) for c in book.chapters]
        (out / "chapters.json").write_bytes(chapters_json(marks))
    (out / "feed.xml").write_bytes(podcast_feed(*_feed(book, covers)))
    downloads = [
        (c.file.name, f"{c.index}. {c.title}", _size(out / c.file.name)) for c in book.chapters
    ]
    whole = [
        (p.name, label, _size(out / p.name))
        for p, label in ((book.m4b, "The whole book (M4B, with chapters)"),
                         (book.mp3, "The whole book (MP3, with chapters)"))
        if p is not None
    ]  # fmt: skip
    whole.append((archive.name, "All chapters (ZIP of MP3s)", _size(archive)))
    template = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
        resources.files("audiobook.publish")
        .joinpath("templates/site.html")
        .read_text(encoding="utf-8")
    )
    page = template.render(
        book=book,
        cover="cover-600.jpg" if covers else None,
        total=clock(sum(c.seconds for c in book.chapters)),
        chapters=[(c, clock(c.start), clock(c.seconds)) for c in book.chapters],
        downloads=downloads,
        whole=whole,
    )
    (out / "index.html").write_text(page, encoding="utf-8")


def _feed(book: SiteBook, covers: dict[str, Path]) -> tuple[FeedBook, list[FeedChapter]]:
    url = book.base_url
    chapters = [
        FeedChapter(
            index=c.index,
            title=c.title,
            url=url + c.file.name,
            length=c.file.stat().st_size,
            seconds=c.seconds,
            guid=guid(book, c.file.name),
            published=c.published,
            transcript_url=url + c.captions.name if c.captions else None,
        )
        for c in book.chapters
    ]
    image = "cover-1400.jpg" if "cover-1400.jpg" in covers else "cover.jpg"
    feed = FeedBook(
        title=book.title,
        author=book.author,
        narrator=book.narrator,
        description=book.description,
        language=book.language,
        site_url=url,
        feed_url=url + "feed.xml",
        image_url=url + image if covers else None,
        year=book.year,
        whole_book_url=url + book.m4b.name if book.m4b else None,
        whole_book_length=book.m4b.stat().st_size if book.m4b else 0,
        whole_book_seconds=sum(c.seconds for c in book.chapters),
        whole_book_guid=guid(book, book.m4b.name if book.m4b else "whole book"),
        chapters_json_url=url + "chapters.json" if book.m4b else None,
        published=max(c.published for c in book.chapters) + timedelta(seconds=1),
    )
    return feed, chapters


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


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


# --- checking a site -------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)


def check_site(site: Path, durations: dict[str, float] | None = None) -> list[str]:
    """What is wrong with SITE: links that resolve to no file, enclosures whose length is not
    their file's, durations off by more than a second from DURATIONS (by file). [] when none."""
    problems = []
    index = site / "index.html"
    if not index.is_file():
        return [f"{index}: missing"]
    parser = _Links()
    parser.feed(index.read_text(encoding="utf-8"))
    for link in parser.links:
        target = link.split("#", 1)[0].split("?", 1)[0]
        if not target or "://" in target or target.startswith(("mailto:", "data:")):
            continue
        if not (site / target).is_file():
            problems.append(f"index.html links to {link!r}, which the site does not hold")
    try:
        channel = ElementTree.parse(site / "feed.xml").getroot().find("channel")
    except (OSError, ElementTree.ParseError) as exc:
        return [*problems, f"feed.xml: unreadable ({exc})"]
    for item in channel.findall("item") if channel is not None else []:
        enclosure = item.find("enclosure")
        if enclosure is None:
            problems.append(f"feed.xml: {item.findtext('title')!r} has no enclosure")
            continue
        name = enclosure.get("url", "").rsplit("/", 1)[-1]
        path = site / name
        if not path.is_file():
            problems.append(f"feed.xml: {name} is not in the site")
        elif int(enclosure.get("length", "-1")) != path.stat().st_size:
            problems.append(f"feed.xml: {name}'s length is not its file's")
        duration = item.findtext(f"{ITUNES}duration")
        known = durations.get(name) if durations else None
        if known is not None and duration is not None and abs(float(duration) - known) > 1.0:
            problems.append(f"feed.xml: {name}'s duration {duration} s is not its file's")
    return problems
