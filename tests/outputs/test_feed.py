"""The podcast feed, read back the way podcast apps read it: feedparser, and plain XML parsing."""

from __future__ import annotations

import dataclasses
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import feedparser
import pytest

from audiobook.publish.feed import FeedBook, FeedChapter, chapters_json, podcast_feed

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
SITE = "https://books.example.org/harbour/"
PUBLISHED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
HOSTILE = '<b>Tom & "Jerry"</b> ]]>'

BOOK = FeedBook(
    title="The Harbour Book",
    author="Test Author",
    narrator="Test Narrator",
    description="A small book about boats.",
    language="en",
    site_url=SITE,
    feed_url=SITE + "feed.xml",
    image_url=SITE + "cover.jpg",
    year=2024,
    whole_book_url=SITE + "the-harbour-book.m4b",
    whole_book_length=9_876_543,
    whole_book_seconds=1234.56,
    whole_book_guid="harbour-book-whole",
    chapters_json_url=SITE + "the-harbour-book.chapters.json",
    published=PUBLISHED,
)
CHAPTERS = [
    FeedChapter(
        index=i,
        title=title,
        url=f"{SITE}{i:02d}.mp3",
        length=1_000_000 + i,
        seconds=seconds,
        guid=f"harbour-book-{i}",
        published=PUBLISHED - timedelta(seconds=4 - i),
        transcript_url=f"{SITE}{i:02d}.vtt" if i != 2 else None,
    )
    for i, title, seconds in [
        (1, "The Harbour", 300.4),
        (2, "The Storm", 410.5),
        (3, "The Return", 99.6),
    ]
]


def _parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _channel(data: bytes) -> ET.Element:
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    return channel


def test_channel_as_apps_read_it() -> None:
    data = podcast_feed(BOOK, CHAPTERS)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    feed = _parse(data).feed
    assert feed.title == "The Harbour Book"
    assert feed.link == SITE  # the page, not the feed's own URL
    assert feed.subtitle == "A small book about boats."  # feedparser's name for <description>
    assert feed.author == "Test Author"  # from itunes:author
    assert feed.image.href == SITE + "cover.jpg"
    assert feed.language == "en"
    assert feed.itunes_type == "serial"
    assert feed.generator == "audiobook"
    assert [tag.term for tag in feed.tags] == ["Arts", "Books"]
    assert {link.rel: link.href for link in feed.links}["self"] == SITE + "feed.xml"


def test_channel_tags_feedparser_reads_loosely() -> None:
    data = podcast_feed(BOOK, CHAPTERS)
    channel = _channel(data)
    # feedparser turns "false" into None, so read the text itself: SPECS wants true/false.
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.find("itunes:image", NS).get("href") == SITE + "cover.jpg"
    category = channel.find("itunes:category", NS)
    assert category.get("text") == "Arts"
    assert [c.get("text") for c in category.findall("itunes:category", NS)] == ["Books"]
    assert channel.findtext("lastBuildDate") == "Wed, 01 May 2024 12:00:00 +0000"
    persons = [(p.get("role"), p.text) for p in channel.findall("podcast:person", NS)]
    assert persons == [("author", "Test Author"), ("narrator", "Test Narrator")]
    expected_guid = uuid.uuid5(
        uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "books.example.org/harbour/feed.xml"
    )
    assert channel.findtext("podcast:guid", namespaces=NS) == str(expected_guid)
    assert channel.find("podcast:locked", NS) is None
    assert b'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in data


def test_podcast_guid_matches_the_namespace_example() -> None:
    # The Podcasting 2.0 spec's own example: feed url podnews.net/rss.
    book = dataclasses.replace(BOOK, feed_url="https://podnews.net/rss/")
    channel = _channel(podcast_feed(book, CHAPTERS))
    guid = channel.findtext("podcast:guid", namespaces=NS)
    assert guid == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_episodes_in_order_then_the_whole_book() -> None:
    # Given out of order: the feed follows index, not the caller's sequence.
    shuffled = [CHAPTERS[2], CHAPTERS[0], CHAPTERS[1]]
    entries = _parse(podcast_feed(BOOK, shuffled)).entries
    assert [e.title for e in entries] == [
        "The Harbour",
        "The Storm",
        "The Return",
        "The Harbour Book",
    ]
    enclosures = [e.enclosures[0] for e in entries]
    assert [x.href for x in enclosures] == [c.url for c in CHAPTERS] + [BOOK.whole_book_url]
    assert [int(x.length) for x in enclosures] == [1_000_001, 1_000_002, 1_000_003, 9_876_543]
    assert [x.type for x in enclosures] == ["audio/mpeg"] * 3 + ["audio/x-m4a"]
    # Whole seconds, half up: 300.4 -> 300, 410.5 -> 411, 99.6 -> 100, 1234.56 -> 1235.
    assert [e.itunes_duration for e in entries] == ["300", "411", "100", "1235"]
    assert [e.itunes_episode for e in entries] == ["1", "2", "3", "4"]
    assert [e.itunes_episodetype for e in entries] == ["full"] * 3 + ["bonus"]
    assert [e.id for e in entries] == [c.guid for c in CHAPTERS] + ["harbour-book-whole"]
    assert not any(e.guidislink for e in entries)
    assert [e.published for e in entries] == [
        "Wed, 01 May 2024 11:59:57 +0000",
        "Wed, 01 May 2024 11:59:58 +0000",
        "Wed, 01 May 2024 11:59:59 +0000",
        "Wed, 01 May 2024 12:00:00 +0000",
    ]
    items = _channel(podcast_feed(BOOK, shuffled)).findall("item")
    assert [item.find("guid").get("isPermaLink") for item in items] == ["false"] * 4


def test_transcripts_and_chapters_links() -> None:
    data = podcast_feed(BOOK, CHAPTERS)
    entries = _parse(data).entries
    assert entries[0].podcast_transcript["url"] == SITE + "01.vtt"
    assert entries[0].podcast_transcript["type"] == "text/vtt"
    assert "podcast_transcript" not in entries[1]
    assert entries[3].podcast_chapters == {
        "url": BOOK.chapters_json_url,
        "type": "application/json+chapters",
    }
    # The same, read as plain XML: only the whole book carries chapters, only 1 and 3 captions.
    items = _channel(data).findall("item")
    transcripts = [item.find("podcast:transcript", NS) for item in items]
    assert [t.get("url") if t is not None else None for t in transcripts] == [
        SITE + "01.vtt",
        None,
        SITE + "03.vtt",
        None,
    ]
    chapters = [item.find("podcast:chapters", NS) for item in items]
    assert [c is not None for c in chapters] == [False, False, False, True]
    assert chapters[3].get("type") == "application/json+chapters"


def test_hostile_manuscript_text_stays_text() -> None:
    book = dataclasses.replace(
        BOOK,
        title=HOSTILE,
        author=f"{HOSTILE} & Co",
        narrator="<script>alert(1)</script>",
        description=f"{HOSTILE}\x0c with a form feed and <![CDATA[ x ]]>",
    )
    chapters = [dataclasses.replace(CHAPTERS[0], title=f"{HOSTILE}\x00"), *CHAPTERS[1:]]
    data = podcast_feed(book, chapters)
    assert b"<b>" not in data and b"<script>" not in data  # no markup got through as markup
    channel = _channel(data)  # well-formed, or this raises
    assert channel.findtext("title") == HOSTILE
    assert channel.findtext("itunes:author", namespaces=NS) == f"{HOSTILE} & Co"
    description = f"{HOSTILE} with a form feed and <![CDATA[ x ]]>"
    assert channel.findtext("description") == description
    assert channel.findall("item")[0].findtext("title") == HOSTILE
    assert channel.findall("item")[3].findtext("title") == HOSTILE
    parsed = _parse(data)
    assert parsed.feed.title == HOSTILE
    assert parsed.entries[0].title == HOSTILE
    persons = [p.text for p in channel.findall("podcast:person", NS)]
    assert persons == [f"{HOSTILE} & Co", "<script>alert(1)</script>"]


def test_same_inputs_same_bytes() -> None:
    first = podcast_feed(BOOK, CHAPTERS)
    assert podcast_feed(BOOK, list(reversed(CHAPTERS))) == first
    assert podcast_feed(dataclasses.replace(BOOK), [dataclasses.replace(c) for c in CHAPTERS]) == (
        first
    )
    # Nothing from the clock or the library's name: feedgen's defaults would put both in.
    assert b"feedgen" not in first
    assert b"<lastBuildDate>Wed, 01 May 2024 12:00:00 +0000</lastBuildDate>" in first


def test_empty_description_falls_back_to_the_credits() -> None:
    channel = _channel(podcast_feed(dataclasses.replace(BOOK, description="  \n"), CHAPTERS))
    assert channel.findtext("description") == (
        "The Harbour Book by Test Author, read by Test Narrator"
    )


def test_without_whole_book_or_cover() -> None:
    book = dataclasses.replace(BOOK, whole_book_url=None, chapters_json_url=None, image_url=None)
    data = podcast_feed(book, CHAPTERS)
    entries = _parse(data).entries
    assert [e.itunes_episode for e in entries] == ["1", "2", "3"]
    channel = _channel(data)
    assert channel.find("itunes:image", NS) is None
    assert channel.find("image") is None
    assert not any(item.find("podcast:chapters", NS) is not None for item in channel.iter("item"))


def test_cover_url_feedgen_would_drop_is_kept() -> None:
    # feedgen's itunes_image() silently ignores URLs not ending in .jpg/.png.
    book = dataclasses.replace(BOOK, image_url=SITE + "cover.jpeg")
    channel = _channel(podcast_feed(book, CHAPTERS))
    assert [i.get("href") for i in channel.findall("itunes:image", NS)] == [SITE + "cover.jpeg"]


@pytest.mark.parametrize(
    ("book", "chapters", "message"),
    [
        (BOOK, [CHAPTERS[0], CHAPTERS[2]], "indices"),
        (BOOK, [CHAPTERS[0], CHAPTERS[0]], "indices"),
        (BOOK, [CHAPTERS[0], dataclasses.replace(CHAPTERS[1], guid="harbour-book-1")], "GUID"),
        (dataclasses.replace(BOOK, whole_book_guid="harbour-book-3"), CHAPTERS, "GUID"),
        (BOOK, [dataclasses.replace(CHAPTERS[0], url="01.mp3")], "absolute"),
        (dataclasses.replace(BOOK, site_url="/harbour/"), CHAPTERS, "absolute"),
        (BOOK, [dataclasses.replace(CHAPTERS[0], published=datetime(2024, 5, 1))], "timezone"),
        (dataclasses.replace(BOOK, published=datetime(2024, 5, 1)), CHAPTERS, "timezone"),
    ],
)
def test_rejects_inputs_apps_would_choke_on(
    book: FeedBook, chapters: list[FeedChapter], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        podcast_feed(book, chapters)


def test_chapters_json_round_trips() -> None:
    marks = [("Opening", 0), ("The Storm", 300.4004), (HOSTILE, 711.0), ("Zürich", 7200.12345)]
    data = chapters_json(marks)
    document = json.loads(data)
    assert list(document) == ["version", "chapters"]
    assert document["version"] == "1.2.0"
    assert document["chapters"] == [
        {"startTime": 0, "title": "Opening"},
        {"startTime": 300.4, "title": "The Storm"},
        {"startTime": 711, "title": HOSTILE},
        {"startTime": 7200.123, "title": "Zürich"},
    ]
    assert all(list(c) == ["startTime", "title"] for c in document["chapters"])
    assert "Zürich".encode() in data  # UTF-8, not \u escapes
    assert chapters_json(marks) == data
    assert json.loads(chapters_json([])) == {"version": "1.2.0", "chapters": []}


@pytest.mark.parametrize(
    "marks",
    [
        [("One", 10.0), ("Two", 5.0)],
        [("One", 0.0), ("Two", 0.0)],
        [("One", 1.0001), ("Two", 1.0004)],  # equal once rounded to milliseconds
        [("One", -1.0)],
        [("One", float("nan"))],
    ],
)
def test_chapters_json_rejects_starts_that_do_not_ascend(marks: list[tuple[str, float]]) -> None:
    with pytest.raises(ValueError):
        chapters_json(marks)
