"""`audiobook publish`: a rendered book folder -> a static site for listeners, at a base URL.

The book folder is read through its manifest, which must match its files (a chapter missing or
of another size is an error: render again). The site is written into a temporary folder beside
the target, proven (every link of the page resolves, every enclosure of the feed has its file's
length and duration), and only then swapped in: a failed publish leaves the previous site as it
was. Audio is hard-linked where the file system allows, so publishing a novel copies nothing.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from audiobook.core.errors import InputError, ToolError, debug_traceback, from_os_error
from audiobook.core.manifest import read_manifest
from audiobook.formats.tags import read_cover
from audiobook.outputs import audiobookshelf, book_m4b, book_mp3

if TYPE_CHECKING:
    from audiobook.publish.page import SiteBook

_MARKERS = ("index.html", "feed.xml")  # what makes a folder a site this command may replace


@dataclass(frozen=True)
class Published:
    site: Path
    url: str  # the page
    feed: str  # the feed, to subscribe to
    files: int


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


def publish(folder: Path, url: str, out: Path) -> Published:
    require()
    from audiobook.publish.page import check_site, write_site

    url = base_url(url)
    book = _site_book(folder, url)
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise InputError("the site cannot go inside the book folder", path=out,
                         hint="choose another --out")  # fmt: skip
    if out.exists() and not _is_site(out):
        raise InputError(
            "exists and is not a site audiobook published: it is not replaced",
            path=out,
            hint="choose another --out, or remove it",
        )
    work = out.with_name(f".{out.name}.publishing")
    shutil.rmtree(work, ignore_errors=True)  # what a killed publish left
    try:
        work.mkdir(parents=True)
        write_site(book, work)
        problems = check_site(work, {c.file.name: c.seconds for c in book.chapters})
        if problems:  # a bug, not bad input: the site would mislead its listeners
            raise ToolError(f"the site failed its own check: {problems[0]}", path=work)
        _swap(work, out)
    except OSError as exc:  # a full or read-only disk, a folder not ours: the old site stays
        debug_traceback(exc)
        fault = from_os_error(exc, out="--out")
        where = ""
        if isinstance(fault.path, Path) and fault.path.parent == work:  # a file of the site
            where = f" at {fault.path.name}"
        raise InputError(
            f"cannot write the site{where} ({fault.message})",
            path=out,
            hint=fault.hint,
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Published(out, url, url + "feed.xml", sum(1 for _ in out.iterdir()))


def check_published(site: Path) -> list[str]:
    """What is wrong with a published site (links that resolve to nothing, feed lengths)."""
    from audiobook.publish.page import check_site

    if not _is_site(site):
        raise InputError("not a published site", path=site, hint="run audiobook publish")
    return check_site(site)


def _is_site(folder: Path) -> bool:
    return folder.is_dir() and all((folder / name).is_file() for name in _MARKERS)


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


def _site_book(folder: Path, url: str) -> SiteBook:
    from audiobook.publish.page import SiteBook, SiteChapter

    manifest = read_manifest(folder)
    chapters = manifest.chapters
    if not chapters:
        raise InputError("the manifest lists no chapters", path=folder, hint="render again")
    for c in chapters:
        path = folder / c.file
        if not path.is_file():
            raise InputError(f"the manifest does not match its files: {c.file} is missing",
                             path=folder, hint="render again")  # fmt: skip
        if c.bytes is not None and path.stat().st_size != c.bytes:
            raise InputError(
                f"the manifest does not match its files: {c.file} is not the size it lists",
                path=folder,
                hint="render again",
            )
    files = manifest.book.files if manifest.book else {}
    m4b = folder / files[book_m4b.OUTPUT.name] if files.get(book_m4b.OUTPUT.name) else None
    mp3 = folder / files[book_mp3.OUTPUT.name] if files.get(book_mp3.OUTPUT.name) else None
    for whole in (m4b, mp3):
        if whole is not None and not whole.is_file():
            raise InputError(f"the manifest does not match its files: {whole.name} is missing",
                             path=folder, hint="render again")  # fmt: skip
    marks = manifest.book.chapters.get(m4b.name, ()) if manifest.book and m4b else ()
    starts = [m.start_ms / 1000 for m in marks] if len(marks) == len(chapters) else None
    if starts is None:
        starts, elapsed = [], 0.0
        for c in chapters:
            starts.append(elapsed)
            elapsed += c.duration_ms / 1000
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
            file=folder / c.file,
            seconds=c.duration_ms / 1000,
            start=start,
            published=datetime.fromtimestamp(oldest + n, tz=timezone.utc),
            captions=_captions(folder / c.file),
        )
        for n, (c, start) in enumerate(zip(chapters, starts, strict=True), start=1)
    )
    year = str(about.get("publishedYear") or "")
    whole_book = m4b or mp3
    return SiteBook(
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
        mp3=mp3,
        cover=cover[0] if cover else None,
    )


def _captions(chapter: Path) -> Path | None:
    vtt = chapter.with_suffix(".vtt")
    return vtt if vtt.is_file() else None


def _metadata(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
