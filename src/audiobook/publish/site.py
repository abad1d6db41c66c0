"""`audiobook publish`: a rendered book folder -> a static site for listeners.

The book folder is read through its manifest, which must match its files (a chapter missing or
of another size is an error: render again). The chapters are made listener-sized (listener.py:
from the cache when the book has not changed), and the site is written into a temporary folder
beside the target, proven (checking.py), and only then swapped in: a failed publish leaves the
previous site as it was. Files that are already listener-sized (the M4B, the EPUB, captions) are
hard-linked where the file system allows, so publishing a novel copies little.

With a base URL the site has a podcast feed (feed.xml, every URL absolute under it); without
one it has none, and every link of the page is relative, so the site works from any folder or
server (`serve` makes its feed on the fly, at the address it serves from).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from audiobook.core.cache import ENV_VAR, Cache
from audiobook.core.errors import InputError, ToolError, debug_traceback, from_os_error
from audiobook.core.manifest import ChapterEntry, read_manifest
from audiobook.formats.tags import read_cover
from audiobook.outputs import audiobookshelf, book_m4b, book_mp3, captions, readalong
from audiobook.publish.site_json import SITE_JSON

if TYPE_CHECKING:
    from audiobook.publish.page import SiteBook

# What makes a folder a site this command may replace: its page, and its site.json (or, from a
# publish of before there was one, its feed).
_PAGE, _MARKERS = "index.html", (SITE_JSON, "feed.xml")
NO_FEED_NOTE = (
    "no --base-url: the site has no podcast feed; publish again with --base-url "
    "https://host/path/ to add one"
)


@dataclass(frozen=True)
class Published:
    site: Path
    url: str | None  # the page, when the site's address is known
    feed: str | None  # the feed, to subscribe to
    files: int
    bytes: int  # the whole site
    chapters: int
    transcoded: int  # listener chapters made now; the others came from the cache
    warning: str | None = None  # why the cache was left out, when it was


def require() -> None:
    """Fail at once, with what to install, when the site's libraries are missing."""
    try:
        import feedgen  # noqa: F401
        import jinja2  # noqa: F401
    except ImportError:
        raise InputError(
            "audiobook publish needs jinja2 and feedgen", hint="pip install 'audiobook[site]'"
        ) from None


def base_url(text: str) -> str:
    """TEXT as the site's base URL (absolute http or https, ending with "/")."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InputError(
            f"--base-url {text!r} is not an absolute http(s) URL",
            hint="give the address the site will be served at, e.g. https://example.org/book/",
        )
    return text.strip() if text.strip().endswith("/") else text.strip() + "/"


def publish(
    folder: Path, url: str | None, out: Path, cache: Cache | None = None, extras: bool = False
) -> Published:
    """The site of the rendered book in FOLDER at OUT; URL: where it will be served (None: no
    feed, and a site that works from anywhere); EXTRAS: the whole book as one MP3 too, and a ZIP
    of the chapters (each the book's audio once more: the site about twice the size)."""
    require()
    from audiobook.publish.checking import check_site
    from audiobook.publish.page import write_site

    url = base_url(url) if url is not None else None
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise InputError("the site cannot go inside the book folder", path=out,
                         hint="choose another --out")  # fmt: skip
    if out.exists() and not _is_site(out):
        raise InputError(
            "exists and is not a site audiobook published: it is not replaced",
            path=out,
            hint="choose another --out, or remove it",
        )
    cache = cache or Cache()
    try:
        book, transcoded = _site_book(folder, url, cache, extras)
    except OSError as exc:  # the cache's disk, and the temporary folder beside it, refused
        debug_traceback(exc)
        fault = from_os_error(exc)
        raise InputError(
            f"cannot make the listener audio ({fault.message})",
            path=fault.path,
            hint=f"free some space there, or set {ENV_VAR} to a folder on another disk",
        ) from None
    work = out.with_name(f".{out.name}.publishing")
    shutil.rmtree(work, ignore_errors=True)  # what a killed publish left
    try:
        work.mkdir(parents=True)
        write_site(book, work)
        problems = check_site(work)
        if problems:  # a bug, not bad input: the site would mislead its listeners
            raise ToolError(f"the site failed its own check: {problems[0]}", path=work)
        _swap(work, out)
    except OSError as exc:  # a full or read-only disk, a folder not ours: the old site stays
        debug_traceback(exc)
        fault = from_os_error(exc, out="--out")
        where = ""
        if isinstance(fault.path, Path) and work in fault.path.parents:  # a file of the site
            where = f" at {fault.path.relative_to(work).as_posix()}"
        raise InputError(
            f"cannot write the site{where} ({fault.message})",
            path=out,
            hint=fault.hint,
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    files = [p for p in out.rglob("*") if p.is_file()]
    return Published(
        site=out,
        url=url,
        feed=url + "feed.xml" if url else None,
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        chapters=len(book.chapters),
        transcoded=transcoded,
        warning=cache.take_warning(),
    )


def check_published(site: Path) -> list[str]:
    """What is wrong with a published site (links that resolve to nothing, feed lengths, ...);
    a site.json or chapters.json that is not as publish wrote it is an InputError."""
    from audiobook.publish.checking import check_site

    if not _is_site(site):
        raise InputError("not a published site", path=site, hint="run audiobook publish")
    return check_site(site)


def _is_site(folder: Path) -> bool:
    return (folder / _PAGE).is_file() and any((folder / name).is_file() for name in _MARKERS)


def _swap(new: Path, out: Path) -> None:
    """NEW in OUT's place; the old site is moved aside first and removed after."""
    if not out.exists():
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    out.rename(old)
    try:
        new.rename(out)
    except OSError:
        old.rename(out)  # the previous site back in its place, as if nothing had been tried
        raise
    shutil.rmtree(old, ignore_errors=True)


def _site_book(
    folder: Path, url: str | None, cache: Cache, extras: bool = False
) -> tuple[SiteBook, int]:
    """What the site is made of, and how many listener chapters were made (not cached)."""
    from audiobook.publish.listener import listener_chapters
    from audiobook.publish.page import SiteBook, SiteChapter
    from audiobook.publish.text import chapter_text

    manifest = read_manifest(folder)
    chapters = manifest.chapters
    if not chapters:
        raise InputError("the manifest lists no chapters", path=folder, hint="render again")
    for c in chapters:
        path = folder / c.file
        if not path.is_file():
            raise _mismatch(folder, f"{c.file} is missing")
        if c.bytes is not None and path.stat().st_size != c.bytes:
            raise _mismatch(folder, f"{c.file} is not the size it lists")
    files = manifest.book.files if manifest.book else {}
    book_file = {
        name: folder / files[name]
        for name in (book_m4b.OUTPUT.name, book_mp3.OUTPUT.name, readalong.OUTPUT.name,
                     captions.VTT.name, captions.SRT.name)
        if files.get(name)
    }  # fmt: skip
    for whole in book_file.values():
        if not whole.is_file():
            raise _mismatch(folder, f"{whole.name} is missing")
    texts = [chapter_text(folder, c) for c in chapters]  # bad records: before any work
    listener = listener_chapters([folder / c.file for c in chapters], cache)
    metadata = files.get(audiobookshelf.OUTPUT.name)
    about = _metadata(folder / metadata) if metadata else {}
    cover = read_cover(folder / chapters[0].file)
    # Episode dates: apps that list by date must list the chapters in order, and a chapter that a
    # re-render changed must not move the others. So chapter i is dated i seconds after the
    # oldest chapter file, which a re-render of some chapters does not touch.
    oldest = min(int((folder / c.file).stat().st_mtime) for c in chapters)
    site_chapters = tuple(
        SiteChapter(
            index=c.index,
            title=c.title,
            name=c.file,
            audio=audio.path,
            seconds=c.duration_ms / 1000,
            published=datetime.fromtimestamp(oldest + n, tz=timezone.utc),
            captions=_captions(folder, c),
            text=text,
        )
        for n, (c, audio, text) in enumerate(zip(chapters, listener, texts, strict=True), start=1)
    )
    year = str(about.get("publishedYear") or "")
    m4b, mp3 = book_file.get(book_m4b.OUTPUT.name), book_file.get(book_mp3.OUTPUT.name)
    whole_book = m4b or mp3
    book = SiteBook(
        title=manifest.title or folder.name,
        author=manifest.author or "",
        narrator=manifest.narrator or "",
        description=str(about.get("description") or ""),
        language=manifest.language or "en",
        year=int(year) if year.isdigit() else None,
        base_url=url,
        slug=whole_book.stem if whole_book else Path(chapters[0].file).stem,
        chapters=site_chapters,
        m4b=m4b,
        # The book MP3 is the player's where AAC cannot play; without it the page plays the
        # chapters' MP3s in turn, so it is made only when asked, or when there is no M4B.
        mp3=mp3 if extras or m4b is None else None,
        epub=book_file.get(readalong.OUTPUT.name),
        captions=tuple(
            book_file[n] for n in (captions.VTT.name, captions.SRT.name) if n in book_file
        ),
        cover=cover[0] if cover else None,
        chapters_zip=extras,
    )
    return book, sum(not a.cached for a in listener)


def _mismatch(folder: Path, what: str) -> InputError:
    return InputError(f"the manifest does not match its files: {what}", path=folder,
                      hint="render again")  # fmt: skip


def _captions(folder: Path, chapter: ChapterEntry) -> tuple[Path, ...]:
    """The chapter's caption files that are there (the manifest's, else a .vtt beside it)."""
    names = chapter.captions or (str(Path(chapter.file).with_suffix(".vtt")),)
    return tuple(folder / n for n in names if (folder / n).is_file())


def _metadata(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
