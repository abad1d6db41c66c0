"""The podcast feed of a rendered audiobook, for `audiobook publish`: RSS 2.0 for any podcast app.

A listener subscribes in Apple Podcasts, Overcast, Pocket Casts, AntennaPod or any other app and
gets one episode per chapter, in order (`itunes:type` serial), plus the whole book as one more
episode. feedgen writes the XML (lxml underneath, so every string the manuscript supplies is
escaped as text), its `podcast` extension writes Apple's `itunes:` tags, and two small extensions
here add what feedgen 1.0 cannot write:

- `podcast2`: the Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0): the channel's
  `podcast:guid` and `podcast:person` credits, `podcast:transcript` on chapters with captions and
  `podcast:chapters` on the whole-book episode.
- `itunes_fix`: `itunes:explicit` as `true`/`false` (Apple's current values; feedgen only knows
  the old `yes`/`no`/`clean`), and `itunes:image` for a cover URL that does not end in `.jpg` or
  `.png` (feedgen silently drops those).

The feed is a pure function of its inputs: no clock, no version strings, so publishing the same
book twice gives the same bytes (apps and CDNs see an unchanged feed, and a test can compare).
`site_feed` makes it from a published site's site.json and a base URL: `publish --base-url`
writes it as feed.xml, and `serve` makes it on the fly, at the address it serves from, for a
site published without one.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from audiobook.publish.site_json import SiteInfo

__all__ = ["FeedBook", "FeedChapter", "chapters_json", "podcast_feed", "site_feed"]

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The namespace UUID that podcast:guid's UUIDv5 is derived with (Podcasting 2.0, `guid` tag).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
CHAPTER_TYPE = "audio/mpeg"
WHOLE_BOOK_TYPE = "audio/x-m4a"  # Apple's name for M4B/M4A; audio/mp4 is not in its list
CHAPTERS_JSON_TYPE = "application/json+chapters"
TRANSCRIPT_TYPE = "text/vtt"
CHAPTERS_JSON_VERSION = "1.2.0"

# Characters XML 1.0 cannot hold at all, not even escaped (most C0 controls, lone surrogates,
# U+FFFE/U+FFFF). lxml refuses them with a ValueError, so a stray form feed in a manuscript
# would otherwise stop the publish command.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class FeedChapter:
    """One chapter's episode: its MP3 as published and the facts the feed states about it."""

    index: int  # 1..N
    title: str
    url: str  # absolute URL of the chapter MP3
    length: int  # exact byte size of the file
    seconds: float  # duration
    guid: str  # stable id, given by the caller
    published: datetime  # timezone-aware
    transcript_url: str | None = None  # a WebVTT file's absolute URL, when captions exist


@dataclass(frozen=True)
class FeedBook:
    """The show: the book's metadata, its public URLs and the whole-book M4B episode."""

    title: str
    author: str
    narrator: str
    description: str
    language: str  # BCP 47, e.g. "en", "de-AT"
    site_url: str  # the page, absolute, ends with "/"
    feed_url: str  # absolute URL of feed.xml
    image_url: str | None  # absolute URL of a square JPEG/PNG, 1400-3000 px
    year: int | None
    whole_book_url: str | None  # the M4B's absolute URL
    whole_book_length: int  # its bytes
    whole_book_seconds: float
    whole_book_guid: str
    chapters_json_url: str | None  # absolute URL of a Podcasting 2.0 chapters JSON for the M4B
    published: datetime


class _Podcast2Extension(BaseExtension):
    """Channel-level Podcasting 2.0 tags: podcast:guid and podcast:person."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._persons: list[tuple[str, str, str]] = []  # (name, group, role)

    def guid(self, value: str) -> None:
        self._guid = value

    def person(self, name: str, group: str, role: str) -> None:
        self._persons.append((name, group, role))

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: Any) -> Any:  # lxml elements; lxml ships no type hints
        channel = rss_feed[0]
        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self._guid
        for name, group, role in self._persons:
            person = xml_elem(f"{{{PODCAST_NS}}}person", channel, group=group, role=role)
            person.text = name
        # podcast:locked is left out on purpose: it is a claim about who may import the show
        # elsewhere, and it needs an owner e-mail the book does not have.
        return rss_feed


class _Podcast2EntryExtension(BaseEntryExtension):
    """Item-level Podcasting 2.0 tags: podcast:transcript and podcast:chapters."""

    def __init__(self) -> None:
        self._transcript: str | None = None
        self._chapters: str | None = None

    def transcript(self, url: str) -> None:
        self._transcript = url

    def chapters(self, url: str) -> None:
        self._chapters = url

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: Any) -> Any:
        if self._transcript:
            # rel="captions": a VTT file carries timings, so apps may show it as live captions.
            xml_elem(
                f"{{{PODCAST_NS}}}transcript",
                item,
                url=self._transcript,
                type=TRANSCRIPT_TYPE,
                rel="captions",
            )
        if self._chapters:
            xml_elem(f"{{{PODCAST_NS}}}chapters", item, url=self._chapters, type=CHAPTERS_JSON_TYPE)
        return item


class _ItunesFixExtension(BaseExtension):
    """The itunes: channel tags feedgen's podcast extension writes wrongly or not at all."""

    def __init__(self) -> None:
        self._explicit: bool | None = None
        self._image: str | None = None

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def image(self, url: str) -> None:
        self._image = url

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, rss_feed: Any) -> Any:  # lxml elements; lxml ships no type hints
        channel = rss_feed[0]
        if self._image:
            xml_elem(f"{{{ITUNES_NS}}}image", channel, href=self._image)
        if self._explicit is not None:
            # Apple's current spec: "true" or "false"; it still reads "yes"/"no", but
            # validators flag them and SPECS §5 asks for true/false.
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = str(self._explicit).lower()
        return rss_feed


def podcast_feed(book: FeedBook, chapters: Sequence[FeedChapter]) -> bytes:
    """RSS 2.0 with Apple's itunes: tags and the Podcasting 2.0 namespace, UTF-8 bytes.

    Episodes are the chapters in `index` order (which must run 1..N), then the whole book when
    `book.whole_book_url` is set. Most apps other than Apple's order episodes by pubDate, so the
    caller should date chapter 1 < chapter 2 < ... <= book.published (a second apart is enough);
    equal dates leave the order to each app.

    Raises ValueError for a gap or repeat in the indices, a repeated GUID, a URL that is not
    absolute http(s), or a date without a timezone.
    """
    ordered = sorted(chapters, key=lambda chapter: chapter.index)
    if [chapter.index for chapter in ordered] != list(range(1, len(ordered) + 1)):
        raise ValueError(f"chapter indices must run 1..N: {[c.index for c in ordered]}")
    guids = [chapter.guid for chapter in ordered]
    if book.whole_book_url is not None:
        guids.append(book.whole_book_guid)
    if len(set(guids)) != len(guids) or not all(guids):
        # A repeated GUID makes apps merge two episodes into one (or drop one).
        raise ValueError("every episode needs its own non-empty GUID")
    _check_url("site_url", book.site_url)
    _check_url("feed_url", book.feed_url)
    _check_date("book.published", book.published)

    title = _line(book.title)
    author = _line(book.author)
    narrator = _line(book.narrator)

    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcast2", _Podcast2Extension, _Podcast2EntryExtension)
    # No entry half: feedgen skips an extension without one when it adds an item.
    fg.register_extension("itunes_fix", _ItunesFixExtension, None)

    fg.title(title)
    # feedgen makes the *last* link given the RSS <link>, whatever its rel: self first, page last.
    fg.link(href=book.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=book.site_url, rel="alternate")
    fg.description(
        _text(book.description).strip() or _fallback_description(title, author, narrator)
    )
    fg.language(book.language)
    # feedgen's defaults are "python-feedgen" and now(): both would change the bytes between runs.
    fg.generator("audiobook")
    fg.lastBuildDate(book.published)
    fg.pubDate(book.published)
    if author:
        fg.podcast.itunes_author(author)
    fg.podcast.itunes_category({"cat": "Arts", "sub": "Books"})
    fg.podcast.itunes_type("serial")
    fg.itunes_fix.explicit(False)
    if book.image_url is not None:
        _check_url("image_url", book.image_url)
        # <image> too: apps without itunes: support, and feedparser's feed.image, read that one.
        fg.image(book.image_url, title=title, link=book.site_url)
        fg.podcast.itunes_image(book.image_url)
        if fg.podcast.itunes_image() != book.image_url:  # feedgen ignored it (not .jpg/.png)
            fg.itunes_fix.image(book.image_url)

    fg.podcast2.guid(str(uuid.uuid5(PODCAST_GUID_NAMESPACE, _guid_seed(book.feed_url))))
    if author:
        fg.podcast2.person(author, "writing", "author")
    if narrator:
        fg.podcast2.person(narrator, "cast", "narrator")

    for chapter in ordered:
        _check_url(f"chapter {chapter.index} url", chapter.url)
        _check_date(f"chapter {chapter.index} published", chapter.published)
        entry = _add_episode(
            fg,
            title=_line(chapter.title) or f"{title} {chapter.index}",
            url=chapter.url,
            length=chapter.length,
            mime=CHAPTER_TYPE,
            seconds=chapter.seconds,
            guid=chapter.guid,
            published=chapter.published,
            episode=chapter.index,
            episode_type="full",
        )
        if chapter.transcript_url is not None:
            _check_url(f"chapter {chapter.index} transcript_url", chapter.transcript_url)
            entry.podcast2.transcript(chapter.transcript_url)

    # The whole book goes last, as a "bonus" episode numbered N+1, not as a season 2:
    # - Apple orders a serial show by itunes:episode, oldest first, and puts the newest season
    #   on top: a season 2 would greet a new listener with the 10-hour file instead of chapter 1,
    #   and split a one-book show into a season picker. "bonus" keeps one list, labels the item
    #   as extra material, and N+1 sorts it after the last chapter.
    # - Overcast, Pocket Casts and AntennaPod order by pubDate (serial: oldest first) and mostly
    #   ignore episodeType; the whole book's date is book.published, the feed's own date, so a
    #   caller that dates it no earlier than the chapters keeps it after chapter N there too (and
    #   it is last in the document, which is what apps fall back on for equal dates).
    if book.whole_book_url is not None:
        _check_url("whole_book_url", book.whole_book_url)
        entry = _add_episode(
            fg,
            title=title,
            url=book.whole_book_url,
            length=book.whole_book_length,
            mime=WHOLE_BOOK_TYPE,
            seconds=book.whole_book_seconds,
            guid=book.whole_book_guid,
            published=book.published,
            episode=len(ordered) + 1,
            episode_type="bonus",
        )
        if book.chapters_json_url is not None:
            _check_url("chapters_json_url", book.chapters_json_url)
            entry.podcast2.chapters(book.chapters_json_url)

    result: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return result


def site_feed(site: SiteInfo, base_url: str) -> bytes:
    """The feed of the published SITE served at BASE_URL (absolute, ending with "/"): one
    episode a chapter (its listener MP3), then the whole book (the M4B), every URL under
    BASE_URL, so every enclosure resolves wherever the site is served."""

    def url(name: str) -> str:
        return base_url + quote(name)

    chapters = [
        FeedChapter(
            index=c.index,
            title=c.title,
            url=url(c.file),
            length=c.bytes,
            seconds=c.seconds,
            guid=c.guid,
            published=datetime.fromisoformat(c.published),
            transcript_url=url(c.transcript) if c.transcript else None,
        )
        for c in site.chapters
    ]
    whole = site.whole_book
    book = FeedBook(
        title=site.title,
        author=site.author,
        narrator=site.narrator,
        description=site.description,
        language=site.language,
        site_url=base_url,
        feed_url=url("feed.xml"),
        image_url=url(site.cover["feed"]) if site.cover else None,
        year=site.year,
        whole_book_url=url(whole.file) if whole else None,
        whole_book_length=whole.bytes if whole else 0,
        whole_book_seconds=whole.seconds if whole else 0.0,
        whole_book_guid=whole.guid if whole else "",
        chapters_json_url=url(whole.chapters_json) if whole and whole.chapters_json else None,
        published=datetime.fromisoformat(site.published),
    )
    return podcast_feed(book, chapters)


def chapters_json(titles_and_starts: Sequence[tuple[str, float]]) -> bytes:
    """Podcasting 2.0 chapters JSON: {"version": "1.2.0", "chapters": [{"startTime", "title"}]}.

    Start times are seconds rounded to milliseconds; they must be finite, non-negative and
    strictly ascending after rounding (ValueError otherwise: players assume the order, and two
    marks at one instant make a chapter nobody can select). Keys keep the spec's order, the
    output is UTF-8 with a final newline, and the same input always gives the same bytes.
    """
    chapters: list[dict[str, object]] = []
    previous: float | None = None
    for title, start in titles_and_starts:
        seconds = float(start)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"chapter start must be a finite number of seconds >= 0: {start!r}")
        seconds = round(seconds, 3)
        if previous is not None and seconds <= previous:
            raise ValueError(f"chapter starts must ascend: {seconds} after {previous} ({title!r})")
        previous = seconds
        chapters.append({"startTime": seconds, "title": _line(title)})
    document = {"version": CHAPTERS_JSON_VERSION, "chapters": chapters}
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _add_episode(
    fg: FeedGenerator,
    *,
    title: str,
    url: str,
    length: int,
    mime: str,
    seconds: float,
    guid: str,
    published: datetime,
    episode: int,
    episode_type: str,
) -> Any:
    """One <item>, appended (feedgen's add_entry prepends by default, reversing the episodes)."""
    if length < 0:
        raise ValueError(f"negative enclosure length for {title!r}: {length}")
    entry = fg.add_entry(order="append")
    entry.title(title)
    entry.guid(guid, permalink=False)  # written as isPermaLink="false": an id, not a page
    entry.enclosure(url, str(length), mime)
    entry.pubDate(published)
    # Whole seconds, Apple's recommended form (feedgen rejects a decimal point anyway), rounded
    # half up: round() would send 60.5 to 60 but 61.5 to 62.
    entry.podcast.itunes_duration(str(max(0, math.floor(seconds + 0.5))))
    entry.podcast.itunes_episode(episode)
    entry.podcast.itunes_episode_type(episode_type)
    return entry


def _fallback_description(title: str, author: str, narrator: str) -> str:
    """RSS and Apple require a channel description: "<title> by <author>, read by <narrator>"."""
    text = title
    if author:
        text += f" by {author}"
    if narrator:
        text += f", read by {narrator}"
    return text


def _text(value: str) -> str:
    """Manuscript text as XML can hold it; lxml escapes <, & and the rest when it serialises."""
    return _NOT_XML.sub("", value)


def _line(value: str) -> str:
    """A one-line field (title, name): XML-safe, with newlines and runs of spaces made single."""
    return " ".join(_text(value).split())


def _guid_seed(feed_url: str) -> str:
    """The podcast:guid seed: the feed URL with its scheme and trailing slashes stripped off."""
    return _SCHEME.sub("", feed_url).rstrip("/")


def _check_url(name: str, url: str) -> None:
    # Podcast apps resolve nothing against the feed's address: a relative URL is a dead episode.
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL: {url!r}")


def _check_date(name: str, when: datetime) -> None:
    # RFC 822 dates need an offset; a naive datetime would silently mean the server's local time.
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: {when!r}")
