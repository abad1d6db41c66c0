"""publish and serve: the listener site read back the way its readers read it.

The audio by mutagen and by ffmpeg (its decoder, its volumedetect, its reading of chapter marks),
the feed by feedparser, the captions by webvtt-py, the sentence records and the site's JSON as
plain JSON, the page by html.parser and a real browser, the served site over real sockets.
"""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import httpx
import pytest
import webvtt
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from typer.testing import CliRunner

from audiobook import cli
from audiobook.mastering import ffmpeg

from . import debian
from .conftest import SMALL_META, first_answer, run_cli, write_book

pytestmark = pytest.mark.slow

BASE = "https://example.org/harbour/"
NOTE = (
    "audiobook: note: no --base-url: the site has no podcast feed; publish again with "
    "--base-url https://host/path/ to add one"
)


def publish(
    folder: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("publish", "audio", "--base-url", BASE, "--out", "site", *extra, cwd=folder,
                   env=env)  # fmt: skip


def published(rendered: Path, folder: Path, *args: str) -> Path:
    """The session's rendered book published (ARGS: publish's options) in FOLDER; FOLDER."""
    shutil.copytree(rendered / "audio", folder / "audio")
    result = run_cli("publish", "audio", "--out", "site", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def site(rendered_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Published with --base-url and --extras (the book MP3 and the ZIP too); the project folder
    (audio/ and site/)."""
    folder = tmp_path_factory.mktemp("published")
    return published(rendered_book, folder, "--base-url", BASE, "--extras")


@pytest.fixture(scope="module")
def bare(rendered_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Published without a base URL."""
    return published(rendered_book, tmp_path_factory.mktemp("bare"))


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "audio" / "manifest.json").read_text(encoding="utf-8"))


def site_json(folder: Path) -> dict:
    return json.loads((folder / "site" / "site.json").read_text(encoding="utf-8"))


def book_data(folder: Path) -> dict:
    """The data the page's player is given (its JSON script)."""
    page = (folder / "site" / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="book-data">(.*?)</script>', page, re.S)
    assert found, "the page has no book data"
    return json.loads(found[1])


# --- reading audio with ffmpeg --------------------------------------------------------------


def ffmpeg_log(*args: str) -> str:
    done = subprocess.run([ffmpeg.find_ffmpeg(), "-hide_banner", "-nostdin", *args],
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return done.stdout + done.stderr


def ffmpeg_seconds(path: Path) -> float:
    """How long ffmpeg's decoder says PATH plays (samples decoded at 44.1 kHz)."""
    done = subprocess.run(
        [ffmpeg.find_ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
         "-ar", "44100", "-f", "s16le", "-"], capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    return len(done.stdout) / 2 / 44100


def ffmpeg_levels(path: Path) -> tuple[float, float]:
    """(mean, max) volume in dBFS by ffmpeg's volumedetect."""
    log = ffmpeg_log("-i", str(path), "-map", "0:a:0", "-af", "volumedetect", "-f", "null", "-")
    mean = re.findall(r"mean_volume: (-?[\d.]+) dB", log)[-1]
    peak = re.findall(r"max_volume: (-?[\d.]+) dB", log)[-1]
    return float(mean), float(peak)


def ffmpeg_chapter_starts(path: Path) -> list[float]:
    """The chapter marks of PATH as ffmpeg's demuxer reads them, in seconds."""
    log = ffmpeg_log("-i", str(path), "-f", "ffmetadata", "-")
    marks = re.findall(r"\[CHAPTER\]\s*TIMEBASE=(\d+)/(\d+)\s*START=(\d+)", log)
    return [int(start) * int(num) / int(den) for num, den, start in marks]


# --- the listener audio ---------------------------------------------------------------------


def test_the_chapters_are_listener_sized_tagged_and_as_long_as_the_rendered_ones(
    site: Path,
) -> None:
    for chapter in manifest_of(site)["chapters"]:
        listener, delivery = site / "site" / chapter["file"], site / "audio" / chapter["file"]
        info = MP3(listener).info
        assert info.bitrate == 64000 and info.sample_rate == 44100 and info.channels == 1
        assert MP3(delivery).info.bitrate == 192000  # the delivery file stays as it was
        assert listener.stat().st_size < delivery.stat().st_size * 0.36
        rendered = chapter["duration_ms"] / 1000
        assert abs(info.length - rendered) < 0.1
        assert abs(ffmpeg_seconds(listener) - ffmpeg_seconds(delivery)) < 0.1
        # The listener profile's levels (RMS -19 dBFS, peak at most -1), heard by ffmpeg.
        mean, peak = ffmpeg_levels(listener)
        assert abs(mean - -19.0) <= 1.0 and peak <= -1.0, (mean, peak)
        # Every frame of the delivery file's tag, the same.
        kept, given = ID3(delivery, translate=False), ID3(listener, translate=False)
        assert sorted(kept.keys()) == sorted(given.keys()) and kept.version == given.version
        assert all(repr(kept[key]) == repr(given[key]) for key in kept)


def test_the_sources_are_the_whole_book_files_with_the_marks_they_hold(site: Path) -> None:
    manifest, info, data = manifest_of(site), site_json(site), book_data(site)
    titles = [c["title"] for c in manifest["chapters"]]
    m4b, mp3 = (site / "site" / s["src"] for s in info["sources"])
    assert [s["type"] for s in info["sources"]] == ["audio/mp4", "audio/mpeg"]
    assert m4b.suffix == ".m4b" and mp3.suffix == ".mp3"
    assert data["sources"] == info["sources"]  # the page seeks where site.json says
    # The M4B as rendered (its AAC is listener-sized already), its marks as mutagen reads them.
    assert m4b.read_bytes() == (site / "audio" / m4b.name).read_bytes()
    chapters = MP4(m4b).chapters
    assert [c.title for c in chapters] == titles
    assert info["sources"][0]["starts"] == pytest.approx([c.start for c in chapters], abs=1e-3)
    # The book MP3 at 64 kbps, tagged as the rendered one, its ID3 chapters and ffmpeg's reading
    # of them the starts given; chapter 2 starts where chapter 1's file ends, to the frame.
    assert MP3(mp3).info.bitrate == 64000
    tag = ID3(mp3)
    starts = [tag[f"CHAP:ch{n}"].start_time / 1000 for n in range(1, len(titles) + 1)]
    assert [str(tag[f"CHAP:ch{n}"].sub_frames["TIT2"]) for n in range(1, 4)] == titles
    assert info["sources"][1]["starts"] == starts
    assert ffmpeg_chapter_starts(mp3) == pytest.approx(starts, abs=1e-3)
    assert abs(starts[1] - MP3(site / "site" / manifest["chapters"][0]["file"]).info.length) < 1e-3
    delivery = ID3(site / "audio" / mp3.name, translate=False)
    assert _frames(ID3(mp3, translate=False)) == _frames(delivery)  # but for the marks
    # Each chapter's start on the page is its start in the first source, never the two mixed.
    assert [c["start"] for c in data["chapters"]] == info["sources"][0]["starts"]
    assert abs(MP3(mp3).info.length - sum(MP3(site / "site" / c["file"]).info.length
                                          for c in manifest["chapters"])) < 1e-3  # fmt: skip


def _frames(tag: ID3) -> dict[str, str]:
    return {key: repr(frame) for key, frame in tag.items() if not key.startswith(("CHAP", "CTOC"))}


def test_the_zip_holds_the_listener_chapters_and_the_page_says_the_sizes(site: Path) -> None:
    import zipfile

    info = site_json(site)
    names = [c["file"] for c in manifest_of(site)["chapters"]]
    archive = next((site / "site").glob("*-chapters.zip"))
    with zipfile.ZipFile(archive) as zf:
        assert [Path(n).name for n in zf.namelist()] == names
        for name in names:
            assert zf.read(f"the-harbour-book/{name}") == (site / "site" / name).read_bytes()
    hrefs = [d["href"] for d in info["downloads"]]
    assert hrefs[:4] == [
        "the-harbour-book.m4b", "the-harbour-book.mp3", archive.name, "the-harbour-book.epub",
    ]  # fmt: skip
    assert {"the-harbour-book.vtt", "the-harbour-book.srt"} <= set(hrefs)
    assert hrefs[-3:] == names
    sizes = [(site / "site" / href).stat().st_size for href in hrefs]
    assert [d["bytes"] for d in info["downloads"]] == sizes
    assert info["total_download"] == sum(sizes)
    page = (site / "site" / "index.html").read_text(encoding="utf-8")
    total = f"{sum(sizes) / 1e6:.1f} MB"
    assert f"({total} in all)" in page


def test_a_book_without_whole_book_files_plays_its_chapters_and_zips_their_captions(
    rendered_book: Path, tmp_path: Path
) -> None:
    import zipfile

    shutil.copytree(rendered_book / "audio", tmp_path / "audio")
    manifest = manifest_of(tmp_path)
    for name, file in manifest.pop("book").items():  # as a render with book_files = false
        if name not in ("key", "sha256", "chapters"):
            (tmp_path / "audio" / file).unlink()
    (tmp_path / "audio" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = publish(tmp_path)
    assert result.returncode == 0, result.stderr
    info, data = site_json(tmp_path), book_data(tmp_path)
    assert info["sources"] == data["sources"] == [] and info["whole_book"] is None
    assert [c["start"] for c in data["chapters"]] == [0, 0, 0]  # each in its own file
    assert not (tmp_path / "site" / "chapters.json").exists()
    names = [c["file"] for c in manifest["chapters"]]
    captions = [n for c in manifest["chapters"] for n in c["captions"]]
    hrefs = [d["href"] for d in info["downloads"]]
    assert hrefs == ["01-the-harbour-captions.zip", *names]  # no ZIP of them unless --extras
    with zipfile.ZipFile(tmp_path / "site" / "01-the-harbour-captions.zip") as zf:
        assert [Path(n).name for n in zf.namelist()] == captions
        for name in captions:
            assert zf.read(f"01-the-harbour/{name}") == (tmp_path / "audio" / name).read_bytes()
    feed = feedparser.parse(str(tmp_path / "site" / "feed.xml"))
    assert not feed.bozo and [e.enclosures[0].href for e in feed.entries] == [
        BASE + n for n in names
    ]
    assert run_cli("publish", "--check", "--out", "site", cwd=tmp_path).returncode == 0


# --- the text, read along -------------------------------------------------------------------


def test_each_chapters_text_is_its_sentence_record_by_paragraph(site: Path) -> None:
    info = site_json(site)
    seen: set[str] = set()
    for chapter, entry in zip(manifest_of(site)["chapters"], info["chapters"], strict=True):
        assert entry["text"] == f"text/{chapter['index']:02d}.json"
        text = json.loads((site / "site" / entry["text"]).read_text(encoding="utf-8"))
        record = json.loads((site / "audio" / chapter["sentences"]).read_text(encoding="utf-8"))[
            "sentences"
        ]
        assert text["index"] == chapter["index"] and text["title"] == chapter["title"]
        said = [s for paragraph in text["paragraphs"] for s in paragraph]
        assert [(s["text"], s["start"], s["end"]) for s in said] == [
            (r["text"], r["start"], r["end"]) for r in record
        ]
        assert [len(p) for p in text["paragraphs"]] == [
            sum(1 for r in record if r["group"] == g)
            for g in dict.fromkeys(r["group"] for r in record)
        ]
        assert [s["id"] for s in said] == [
            f"c{chapter['index']}-s{n}" for n in range(1, len(said) + 1)
        ]
        assert all(s["voice"] == "" for s in said)  # the narrator's
        assert not seen & {s["id"] for s in said}
        seen |= {s["id"] for s in said}
        starts = [s["start"] for s in said]
        assert starts == sorted(starts) and said[-1]["end"] <= chapter["duration_ms"] / 1000


def test_without_a_record_the_text_is_the_captions_and_without_those_there_is_none(
    rendered_book: Path, tmp_path: Path
) -> None:
    shutil.copytree(rendered_book / "audio", tmp_path / "audio")
    manifest = manifest_of(tmp_path)
    for chapter in manifest["chapters"]:  # as a render of before there were records
        (tmp_path / "audio" / chapter.pop("sentences")).unlink()
        del chapter["sentences_sha256"]
    last = manifest["chapters"][-1]
    for name in last.pop("captions"):
        (tmp_path / "audio" / name).unlink()
    del last["caption_words"], last["caption_words_sha256"]
    (tmp_path / "audio" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run_cli("publish", "audio", "--out", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    info = site_json(tmp_path)
    first = manifest["chapters"][0]
    text = json.loads((tmp_path / "site" / "text" / "01.json").read_text(encoding="utf-8"))
    assert len(text["paragraphs"]) == 1  # the captions know no paragraphs
    cues = webvtt.read(str(tmp_path / "audio" / first["captions"][0]))
    assert [s["text"] for s in text["paragraphs"][0]] == [c.text.replace("\n", " ") for c in cues]
    assert [s["start"] for s in text["paragraphs"][0]] == [_seconds(c.start) for c in cues]
    assert [s["end"] for s in text["paragraphs"][0]] == [_seconds(c.end) for c in cues]
    assert info["chapters"][-1]["text"] is None
    assert not (tmp_path / "site" / "text" / "03.json").exists()
    assert book_data(tmp_path)["chapters"][-1]["text"] is None
    assert run_cli("publish", "--check", "--out", "site", cwd=tmp_path).returncode == 0


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)


# --- without a base URL, and served ---------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src") and v]


def test_without_a_base_url_there_is_no_feed_and_every_link_is_relative(
    rendered_book: Path, tmp_path: Path
) -> None:
    shutil.copytree(rendered_book / "audio", tmp_path / "audio")
    result = run_cli("publish", "audio", "--out", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == NOTE
    assert "feed:" not in result.stdout and "page: site/index.html" in result.stdout
    assert not (tmp_path / "site" / "feed.xml").exists()
    info = site_json(tmp_path)
    assert info["feed"] is None and info["base_url"] is None
    parser = _Links()
    parser.feed((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    assert parser.links
    for link in (link for link in parser.links if not link.startswith("data:")):
        parts = urlsplit(link)
        assert not parts.scheme and not parts.netloc and not link.startswith("/"), link
        assert (tmp_path / "site" / parts.path).is_file() or not parts.path, link
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "--base-url" in page  # the podcast section says how to add the feed
    moved = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(tmp_path / "site", moved)  # it works from any folder
    check = run_cli("publish", "--check", "--out", str(moved), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serving() -> Iterator[Callable[[Path], str]]:
    """Serves a site with the real command (in a child process) until the test ends."""
    servers: list[subprocess.Popen[str]] = []

    def start(site: Path) -> str:
        port = free_port()
        cmd = [sys.executable, "-m", "audiobook", "serve", str(site), "--port", str(port)]
        server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        servers.append(server)
        url = f"http://127.0.0.1:{port}/"
        assert first_answer(url, server).status_code == 200
        return url

    yield start
    for server in servers:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=20)
        assert server.returncode == 0, stderr  # Ctrl-C is serve's normal end
        assert "Traceback" not in stderr


def podcast_urls(xml: bytes) -> list[str]:
    """podcast:transcript and podcast:chapters URLs (feedparser does not read that namespace)."""
    root = ElementTree.fromstring(xml)
    ns = "{https://podcastindex.org/namespace/1.0}"
    return [e.get("url", "") for e in root.iter() if e.tag in (ns + "transcript", ns + "chapters")]


def test_serve_gives_a_site_without_a_feed_its_feed_at_its_own_address(
    bare: Path, serving: Callable[[Path], str]
) -> None:
    url = serving(bare / "site")
    answer = httpx.get(url + "feed.xml", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/rss+xml"
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.bozo_exception
    chapters = manifest_of(bare)["chapters"]
    assert len(feed.entries) == len(chapters) + 1  # the chapters, then the whole book
    assert feed.feed.link == url
    enclosures = [(e.href, int(e.length)) for entry in feed.entries for e in entry.enclosures]
    assert [href for href, _ in enclosures[:-1]] == [url + c["file"] for c in chapters]
    with httpx.Client(timeout=30) as http:
        for href, length in enclosures:
            assert href.startswith(url)
            whole = http.get(href)
            assert whole.status_code == 200 and len(whole.content) == length, href
            part = http.get(href, headers={"Range": "bytes=0-99"})
            assert part.status_code == 206 and part.content == whole.content[:100]
        for other in podcast_urls(answer.content):
            assert other.startswith(url) and http.get(other).status_code == 200, other
    # Asked at another of its addresses, the feed is based there.
    other = httpx.get(url.replace("127.0.0.1", "localhost") + "feed.xml", timeout=30)
    assert "http://localhost:" in other.text and "127.0.0.1" not in other.text


def test_with_a_base_url_the_feed_has_an_episode_a_chapter_that_resolves_when_served(
    site: Path, serving: Callable[[Path], str]
) -> None:
    manifest = manifest_of(site)
    feed = feedparser.parse(str(site / "site" / "feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "The Harbour Book" and feed.feed.itunes_type == "serial"
    chapters = manifest["chapters"]
    episodes = [e for e in feed.entries if e.enclosures[0].href.endswith(".mp3")]
    assert [e.title for e in episodes] == [c["title"] for c in chapters]
    for entry, chapter in zip(episodes, chapters, strict=True):
        enclosure = entry.enclosures[0]
        assert enclosure.href == BASE + chapter["file"]
        listener = site / "site" / chapter["file"]
        assert int(enclosure.length) == listener.stat().st_size  # the listener file's
        assert MP3(listener).info.bitrate == 64000
        assert abs(int(entry.itunes_duration) - chapter["duration_ms"] / 1000) <= 1
    whole = [e for e in feed.entries if e.enclosures[0].href.endswith(".m4b")]
    assert len(whole) == 1 and len(feed.entries) == len(chapters) + 1
    marks = json.loads((site / "site" / "chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in marks["chapters"]] == [c["title"] for c in chapters]
    starts = [c["startTime"] for c in marks["chapters"]]
    assert starts == site_json(site)["sources"][0]["starts"]  # the M4B's own marks
    check = run_cli("publish", "--check", "--out", "site", cwd=site)
    assert check.returncode == 0 and "ok" in check.stdout, check.stdout + check.stderr
    # Served, every URL of the feed (moved from its base to the server's) is there.
    url = serving(site / "site")
    xml = (site / "site" / "feed.xml").read_bytes()
    hrefs = [(e.href, int(e.length)) for entry in feed.entries for e in entry.enclosures]
    with httpx.Client(timeout=30) as http:
        for href, length in hrefs:
            answer = http.get(url + href.removeprefix(BASE))
            assert answer.status_code == 200 and len(answer.content) == length, href
        for other in podcast_urls(xml):
            assert http.get(url + other.removeprefix(BASE)).status_code == 200, other
        assert http.get(url + "feed.xml").content == xml  # the site's own, not one made up


def test_the_page_plays_and_seeks_in_a_browser_and_ranges_work(
    site: Path, serving: Callable[[Path], str]
) -> None:
    served = serving(site / "site")
    chapter = manifest_of(site)["chapters"][1]
    data = (site / "site" / chapter["file"]).read_bytes()
    answer = httpx.get(served + chapter["file"], headers={"Range": "bytes=100-199"}, timeout=10)
    assert answer.status_code == 206 and answer.content == data[100:200]
    assert answer.headers["content-type"].startswith("audio/mpeg")
    browser = debian.chromium()
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required", "--hide-scrollbars"]  # fmt: skip
    # Opening the page at chapter 2 is what a click on it in the list does (its link).
    dom = subprocess.run(
        [*argv, "--virtual-time-budget=15000", "--dump-dom", served + "index.html#chapter-2"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr
    page = _Dom()
    page.feed(dom.stdout)
    items, player = page.items, page.player
    assert len(items) == len(manifest_of(site)["chapters"])
    assert player is not None and int(player.get("data-ready-state", "0")) >= 1  # it loaded
    start = float(items[1].get("data-start", "nan"))
    assert abs(float(player.get("data-current-time", "nan")) - start) < 0.5  # and it seeked
    assert "playing" in items[1].get("class", "")


class _Dom(html.parser.HTMLParser):
    """The chapter items and the whole-book player in the browser's DOM, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, str]] = []
        self.player: dict[str, str] | None = None
        self._in_list = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "ol" and "chapters" in a.get("class", "").split():
            self._in_list = True
        elif tag == "li" and self._in_list:
            self.items.append(a)
        elif tag == "audio" and a.get("id") == "book":
            self.player = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self._in_list = False


# --- publishing again, and the site's size --------------------------------------------------


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_a_second_publish_is_byte_identical_and_transcodes_nothing(
    rendered_book: Path, tmp_path: Path
) -> None:
    shutil.copytree(rendered_book / "audio", tmp_path / "audio")
    env = {"AUDIOBOOK_CACHE": str(tmp_path / "cache")}  # a cache of its own: nothing made yet
    first = publish(tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "audio: 3 chapters at 64 kbps (3 made, 0 from the cache)" in first.stdout
    before = snapshot(tmp_path / "site")
    entries = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("listener.mp3")}
    assert len(entries) == 3
    second = publish(tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert "audio: 3 chapters at 64 kbps (0 made, 3 from the cache)" in second.stdout
    assert snapshot(tmp_path / "site") == before
    assert {p: p.stat().st_mtime_ns for p in entries} == entries  # not written again


def _before(site: Path) -> int:
    """What the site weighed before the listener files: the rendered chapters, M4B and book MP3
    linked as they are, and a ZIP of the delivery chapters."""
    audio, manifest = site / "audio", manifest_of(site)
    chapters = sum((audio / c["file"]).stat().st_size for c in manifest["chapters"])
    book = manifest["book"]
    return 2 * chapters + sum((audio / book[k]).stat().st_size for k in ("mp3", "m4b"))


def test_by_default_the_site_is_a_third_of_what_it_was(bare: Path) -> None:
    """No book MP3 and no ZIP unless asked (--extras): the chapters at 64 kbps, the M4B the page
    plays, the read-along EPUB and the captions."""
    out = bare / "site"
    assert site_json(bare)["sources"][0]["src"].endswith(".m4b")
    assert [s["type"] for s in site_json(bare)["sources"]] == ["audio/mp4"]
    assert not list(out.glob("*-chapters.zip")) and not list(out.glob("the-harbour-book.mp3"))
    now = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert now <= _before(bare) / 3, (now, _before(bare))


def test_the_site_is_about_half_of_what_it_was_and_its_audio_a_third(site: Path) -> None:
    """What the site weighed before the listener files (the rendered files linked as they are,
    and a ZIP of the delivery chapters) against what it weighs now."""
    audio, out = site / "audio", site / "site"
    manifest = manifest_of(site)
    chapters = sum((audio / c["file"]).stat().st_size for c in manifest["chapters"])
    book = manifest["book"]
    before = 2 * chapters + sum((audio / book[k]).stat().st_size for k in ("mp3", "m4b"))
    now = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert now < 0.55 * before, (now, before)
    listener = sum((out / c["file"]).stat().st_size for c in manifest["chapters"])
    assert listener < 0.36 * chapters
    assert (out / book["mp3"]).stat().st_size < 0.36 * (audio / book["mp3"]).stat().st_size


# --- bad input ------------------------------------------------------------------------------


def test_a_book_that_changed_keeps_its_other_episodes_and_markup_stays_text(
    tmp_path: Path,
) -> None:
    from PIL import Image

    write_book(tmp_path, meta=SMALL_META.replace(
        'title = "The Harbour Book"', 'title = "<b>Tom & \\"Jerry\\"</b> ]]>"'))  # fmt: skip
    Image.new("RGB", (700, 700), (120, 40, 40)).save(tmp_path / "text" / "cover.png")
    assert run_cli("render", cwd=tmp_path).returncode == 0
    assert publish(tmp_path).returncode == 0
    before = _items(tmp_path / "site" / "feed.xml")
    # The cover is in the listener files' tags, as in the rendered ones.
    first = manifest_of(tmp_path)["chapters"][0]["file"]
    cover = ID3(tmp_path / "audio" / first).getall("APIC")
    assert cover and ID3(tmp_path / "site" / first).getall("APIC") == cover
    assert (tmp_path / "site" / "cover-600.jpg").is_file()
    text = (tmp_path / "text" / "book.md").read_text(encoding="utf-8")
    (tmp_path / "text" / "book.md").write_text(text.replace("ran to meet it", "ran out to meet it"))
    assert run_cli("render", cwd=tmp_path).returncode == 0
    assert publish(tmp_path).returncode == 0
    after = _items(tmp_path / "site" / "feed.xml")
    assert list(before) == list(after)  # the same GUIDs, in the same order
    changed = [guid for guid in before if before[guid] != after[guid]]
    files = [ElementTree.fromstring(after[g]).find("enclosure").get("url") for g in changed]
    # The third chapter's episode changed, and so did the whole book's file; nothing else.
    assert sorted(f.rsplit("/", 1)[1] for f in files) == ["03-the-return.mp3", "b-tom-jerry-b.m4b"]
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<b>Tom" not in page and "&lt;b&gt;Tom &amp; &#34;Jerry&#34;&lt;/b&gt;" in page
    feed = feedparser.parse(str(tmp_path / "site" / "feed.xml"))
    assert not feed.bozo and feed.feed.title == '<b>Tom & "Jerry"</b> ]]>'
    info = site_json(tmp_path)
    assert info["title"] == '<b>Tom & "Jerry"</b> ]]>'  # plain text in JSON, for textContent


def _items(feed: Path) -> dict[str, bytes]:
    channel = ElementTree.parse(feed).getroot().find("channel")
    assert channel is not None
    return {i.findtext("guid") or "": ElementTree.tostring(i) for i in channel.findall("item")}


def _record(folder: Path) -> Path:
    return folder / "audio" / manifest_of(folder)["chapters"][0]["sentences"]


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda d: (d / "audio" / "manifest.json").unlink(), (), "no manifest"),
        (None, ("--base-url", "ftp://example.org/"), "is not an absolute http(s) URL"),
        (None, ("--base-url", "example.org/book"), "is not an absolute http(s) URL"),
        (lambda d: (d / "audio" / "01-the-harbour.mp3").write_bytes(b"x"), (), "not the size"),
        (lambda d: _record(d).write_text("{}", "utf-8"), (), "is not the record it lists"),
        (lambda d: _record(d).unlink(), (), "01-the-harbour.sentences.json is missing"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_the_site_stays(
    site: Path, tmp_path: Path, setup, args: tuple[str, ...], message: str
) -> None:
    shutil.copytree(site / "audio", tmp_path / "audio")
    shutil.copytree(site / "site", tmp_path / "site")
    before = snapshot(tmp_path / "site")
    if setup is not None:
        setup(tmp_path)
    cmd = ["publish", "audio", "--out", "site", *(args or ("--base-url", BASE))]
    result = run_cli(*cmd, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(tmp_path / "site") == before


def _edit(name: str, change: Callable[[dict], object]) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        document = json.loads((site / name).read_text(encoding="utf-8"))
        change(document)
        (site / name).write_text(json.dumps(document), encoding="utf-8")

    return edit


def _starts(document: dict) -> None:
    document["sources"][0]["starts"].reverse()


TAMPERED = {
    "chapters.json not JSON": ("chapters.json", lambda s: (s / "chapters.json").write_text("{")),
    "chapters.json a list": ("chapters.json", lambda s: (s / "chapters.json").write_text("[]")),
    "chapters.json out of order": (
        "chapters.json", _edit("chapters.json", lambda d: d["chapters"].reverse())
    ),
    "chapters.json without a chapter": (
        "chapters.json", _edit("chapters.json", lambda d: d["chapters"].pop())
    ),
    "site.json not JSON": ("site.json", lambda s: (s / "site.json").write_bytes(b"\xff\x00")),
    "site.json of another shape": (
        "site.json", _edit("site.json", lambda d: d.update(chapters={"1": "x"}))
    ),
    "site.json starts out of order": ("site.json", _edit("site.json", _starts)),
    "site.json naming a file the site lacks": (
        "site.json", _edit("site.json", lambda d: d["chapters"][0].update(file="missing.mp3"))
    ),
    "site.json naming a file outside the site": (
        "site.json",
        _edit("site.json", lambda d: d["sources"][0].update(src="../audio/manifest.json")),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_site_is_one_line_exit_2_for_check_and_serve(
    site: Path, tmp_path: Path, case: str
) -> None:
    name, tamper = TAMPERED[case]
    shutil.copytree(site / "site", tmp_path / "site")
    tamper(tmp_path / "site")
    # publish --check in this process (through the CLI's one error handler), serve as a user
    # runs it: a server that started after all would be stopped by the timeout.
    checked = CliRunner().invoke(cli.app, ["publish", "--check", "--out", str(tmp_path / "site")])
    served = subprocess.run(
        [sys.executable, "-m", "audiobook", "serve", "site", "--port", str(free_port())],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    for code, stderr in ((checked.exit_code, checked.stderr), (served.returncode, served.stderr)):
        assert code == 2, stderr
        assert "Traceback" not in stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert f"site/{name}: not as audiobook publish wrote it" in stderr, stderr


# --- faults while making the listener audio -------------------------------------------------

LISTENER_FAULTS = {
    # ffmpeg killed under the listener encode: nothing is written, the previous site stays.
    "ffmpeg-killed": (
        dict(at=("audiobook.mastering.ffmpeg:run_logged",), fault="killed",
             within="audiobook.publish.listener:_make"),
        1, "ffmpeg was killed by SIGKILL",
    ),
    # The cache's disk full: the listener audio is made outside it, with one warning.
    "cache-full": (
        dict(at=("audiobook.publish.listener:_make",), calls=("open",), under="cache"),
        0, "audiobook: warning: ",
    ),
    # The site's disk full under the book MP3: one line, and the previous site stays.
    "book-mp3": (
        dict(at=("audiobook.publish.listener:write_book_mp3",)),
        2, "cannot write the site at the-harbour-book.mp3 (no space left on device)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LISTENER_FAULTS))
def test_a_fault_while_making_the_listener_audio_is_one_line_and_the_site_stays(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    from .test_write_sites import Case, Injector

    where, code, says = LISTENER_FAULTS[name]
    shutil.copytree(site / "audio", tmp_path / "audio")
    shutil.copytree(site / "site", tmp_path / "site")
    before = snapshot(tmp_path / "site")
    killer = tmp_path / "killer"  # an ffmpeg that is killed by SIGKILL as soon as it starts
    killer.write_text("#!/bin/sh\nkill -KILL $$\n")
    killer.chmod(0o755)
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))  # empty: the audio is made
    monkeypatch.chdir(tmp_path)
    injector = Injector(Case(**where), {"cache": tmp_path / "cache"}, killer)
    injector.install(monkeypatch)
    args = ["publish", "audio", "--base-url", BASE, "--out", "site", "--extras"]  # as `site`
    injector.active = True
    try:
        faulty = CliRunner().invoke(cli.app, args)
    finally:
        injector.active = False
    assert injector.fired == set(where["at"]), "the fault did not happen where it was meant to"
    assert faulty.exit_code == code, faulty.stdout + faulty.stderr
    assert "Traceback" not in faulty.stderr and says in faulty.stderr, faulty.stderr
    assert len(faulty.stderr.strip().splitlines()) == 1, faulty.stderr
    assert snapshot(tmp_path / "site") == before  # as it was (or, made anyway, the same)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    again = CliRunner().invoke(cli.app, args)  # the fault gone
    assert again.exit_code == 0, again.stderr
    assert snapshot(tmp_path / "site") == before
