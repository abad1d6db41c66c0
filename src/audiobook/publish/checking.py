"""The check of a published site: what `publish` proves before it swaps a site in, and what
`publish --check` reports of one.

A site is held to what its site.json says: every link of the page resolves to a file of the
site; every file is the size listed; each whole-book file's chapter marks, read back from the
file, are the starts the page seeks to; chapters.json's are the M4B's; each listener chapter is
64 kbps and within 0.1 s of the rendered chapter's duration; each chapter's text parses, and its
sentences' times ascend within the chapter; the total download size the page shows is the sum
of the files; and the feed, when there is one, gives every enclosure its file's exact length.

site.json and chapters.json are untrusted input here: a file that is not as publish writes it is
an InputError naming it (site_json.py), not a list of problems. A site published before there
was a site.json is held to its links and its feed only.
"""

from __future__ import annotations

import html.parser
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

from audiobook.core.errors import AudiobookError
from audiobook.formats.tags import mp3_info
from audiobook.publish.listener import PROFILE, file_starts, mpeg_frames
from audiobook.publish.page import FEED, human_size
from audiobook.publish.site_json import SiteInfo, read_chapters_json, read_site_json
from audiobook.publish.text import check_text

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
DURATION_SLACK_S = 0.1  # a listener chapter's duration against the rendered chapter's
MARK_SLACK_S = 0.0015  # marks are whole milliseconds; site.json's starts are rounded to them


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)


def check_site(site: Path, durations: dict[str, float] | None = None) -> list[str]:
    """What is wrong with SITE ([] when nothing is). DURATIONS: the rendered chapters' by file
    name, for a site without a site.json (publish knows them; site.json says them)."""
    info = read_site_json(site)  # an InputError when it is not as publish wrote it
    problems = _links(site)
    if info is None:
        return problems + _feed(site, None, durations or {})
    read_chapters_json(site, len(info.chapters))  # likewise
    problems += _files(site, info)
    if info.feed is not None:
        problems += _feed(site, info, {c.file: c.seconds for c in info.chapters})
    elif (site / FEED).exists():
        problems.append(f"{FEED} is there, but site.json says the site has no feed")
    problems += _marks(site, info)
    problems += _chapters(site, info)
    problems += _downloads(site, info)
    return problems


def _links(site: Path) -> list[str]:
    index = site / "index.html"
    if not index.is_file():
        return [f"{index}: missing"]
    parser = _Links()
    parser.feed(index.read_text(encoding="utf-8"))
    problems = []
    root = site.resolve()
    for link in parser.links:
        target = unquote(link.split("#", 1)[0].split("?", 1)[0])
        if not target or "://" in target or target.startswith(("mailto:", "data:")):
            continue
        path = (site / target).resolve()
        if target.startswith("/") or not path.is_relative_to(root) or not path.is_file():
            problems.append(f"index.html links to {link!r}, which the site does not hold")
    return problems


def _files(site: Path, info: SiteInfo) -> list[str]:
    problems = []
    for name, size in info.files.items():
        if (site / name).stat().st_size != size:
            problems.append(f"{name} is not the size site.json lists")
    return problems


def _marks(site: Path, info: SiteInfo) -> list[str]:
    """Each whole-book file's marks, read back, against the starts the page seeks to."""
    problems = []
    for source in info.sources:
        try:
            found = file_starts(site / source.src)
        except AudiobookError as exc:
            problems.append(f"{source.src}: {exc.message}")
            continue
        if len(found) != len(source.starts) or any(
            abs(a - b) > MARK_SLACK_S for a, b in zip(found, source.starts, strict=True)
        ):
            problems.append(f"{source.src}'s chapter marks are not the starts site.json gives")
    marks = read_chapters_json(site)
    if marks is not None and info.sources:
        if [t for t, _ in marks] != [c.title for c in info.chapters]:
            problems.append("chapters.json's titles are not the chapters'")
        elif any(abs(s - b) > MARK_SLACK_S for (_, s), b in zip(marks, info.sources[0].starts,
                                                                  strict=True)):  # fmt: skip
            problems.append(f"chapters.json's starts are not {info.sources[0].src}'s marks")
    return problems


def _chapters(site: Path, info: SiteInfo) -> list[str]:
    """Each listener chapter: its bit rate, its duration against the render's, its text."""
    problems = []
    ids: set[str] = set()
    for c in info.chapters:
        try:
            stream = mp3_info(site / c.file)
            kbps = mpeg_frames(site / c.file).kbps  # each frame's, not an average of its bytes
        except AudiobookError as exc:
            problems.append(f"{c.file}: {exc.message}")
            continue
        if kbps != {PROFILE.bitrate_kbps}:
            problems.append(f"{c.file} is {'/'.join(map(str, sorted(kbps)))} kbps, not the "
                            f"listener profile's {PROFILE.bitrate_kbps}")  # fmt: skip
        if abs(stream.seconds - c.seconds) > DURATION_SLACK_S:
            problems.append(f"{c.file} lasts {stream.seconds:.2f} s, the rendered chapter "
                            f"{c.seconds:.2f} s")  # fmt: skip
        if c.text is not None:
            problems += check_text(site / c.text, c.index, stream.seconds, ids)
    return problems


def _downloads(site: Path, info: SiteInfo) -> list[str]:
    problems = []
    sizes = [(site / d.href).stat().st_size for d in info.downloads]
    if any(d.bytes != size for d, size in zip(info.downloads, sizes, strict=True)):
        problems.append("a download is not the size site.json lists")
    if sum(sizes) != info.total_download:
        problems.append("the total download size is not the sum of the downloads")
    shown = human_size(info.total_download)
    if shown not in (site / "index.html").read_text(encoding="utf-8"):
        problems.append(f"index.html does not say the total download size ({shown})")
    return problems


def _feed(site: Path, info: SiteInfo | None, durations: dict[str, float]) -> list[str]:
    """Every enclosure of the feed a file of the site, of its exact length and duration."""
    try:
        channel = ElementTree.parse(site / FEED).getroot().find("channel")
    except (OSError, ElementTree.ParseError) as exc:
        return [f"{FEED}: unreadable ({exc})"]
    if info is not None and info.whole_book is not None:
        durations = {**durations, info.whole_book.file: info.whole_book.seconds}
    problems = []
    for item in channel.findall("item") if channel is not None else []:
        enclosure = item.find("enclosure")
        if enclosure is None:
            problems.append(f"{FEED}: {item.findtext('title')!r} has no enclosure")
            continue
        url = enclosure.get("url", "")
        base = info.base_url if info is not None and info.base_url else ""
        relative = url[len(base) :] if base and url.startswith(base) else url.rsplit("/", 1)[-1]
        name = unquote(relative)
        path = site / name
        if not path.is_file():
            problems.append(f"{FEED}: {name} is not in the site")
        elif int(enclosure.get("length", "-1")) != path.stat().st_size:
            problems.append(f"{FEED}: {name}'s length is not its file's")
        duration = item.findtext(f"{ITUNES}duration")
        known = durations.get(name)
        if known is not None and duration is not None and abs(float(duration) - known) > 1.0:
            problems.append(f"{FEED}: {name}'s duration {duration} s is not its file's")
    return problems
