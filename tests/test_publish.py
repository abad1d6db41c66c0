"""publish and serve: the listener site, its feed read by feedparser, its page in a real browser."""

from __future__ import annotations

import html.parser
import json
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import httpx
import pytest

from . import debian
from .conftest import SMALL_META, first_answer, run_cli, write_book

pytestmark = pytest.mark.slow

BASE = "https://example.org/harbour/"


def publish(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("publish", "audio", "--base-url", BASE, "--out", "site", *extra, cwd=folder)


@pytest.fixture(scope="module")
def site(rendered_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("published")
    shutil.copytree(rendered_book / "audio", folder / "audio")
    result = publish(folder)
    assert result.returncode == 0, result.stderr
    assert f"feed: {BASE}feed.xml" in result.stdout
    return folder


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "audio" / "manifest.json").read_text(encoding="utf-8"))


def test_the_feed_has_one_episode_a_chapter_with_exact_lengths(site: Path) -> None:
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
        assert int(enclosure.length) == (site / "site" / chapter["file"]).stat().st_size
        assert abs(int(entry.itunes_duration) - chapter["duration_ms"] / 1000) <= 1
    whole = [e for e in feed.entries if e.enclosures[0].href.endswith(".m4b")]
    assert len(whole) == 1 and len(feed.entries) == len(chapters) + 1
    marks = json.loads((site / "site" / "chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in marks["chapters"]] == [c["title"] for c in chapters]
    starts = [c["startTime"] for c in marks["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0
    check = run_cli("publish", "--check", "--out", "site", cwd=site)
    assert check.returncode == 0 and "ok" in check.stdout, check.stdout + check.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "audiobook", "serve", str(site / "site"), "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert first_answer(url, server).status_code == 200
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=20)
        assert server.returncode == 0, stderr  # Ctrl-C is serve's normal end
        assert "Traceback" not in stderr


def test_the_page_plays_and_seeks_in_a_browser_and_ranges_work(site: Path, served: str) -> None:
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
    shots = site / "screenshots"
    shots.mkdir(exist_ok=True)
    for name, size in (("phone", "390,844"), ("desktop", "1280,900")):
        shot = subprocess.run(
            [*argv, f"--window-size={size}", f"--screenshot={shots / name}.png", served],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert shot.returncode == 0 and (shots / f"{name}.png").stat().st_size > 5000
    print(f"screenshots: {shots}")


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


def test_a_second_publish_after_one_chapter_changed_keeps_the_other_items(tmp_path: Path) -> None:
    write_book(tmp_path, meta=SMALL_META.replace(
        'title = "The Harbour Book"', 'title = "<b>Tom & \\"Jerry\\"</b> ]]>"'))  # fmt: skip
    assert run_cli("render", cwd=tmp_path).returncode == 0
    assert publish(tmp_path).returncode == 0
    before = _items(tmp_path / "site" / "feed.xml")
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


def _items(feed: Path) -> dict[str, bytes]:
    channel = ElementTree.parse(feed).getroot().find("channel")
    assert channel is not None
    return {i.findtext("guid") or "": ElementTree.tostring(i) for i in channel.findall("item")}


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda d: (d / "audio" / "manifest.json").unlink(), (), "no manifest"),
        (None, ("--base-url", "ftp://example.org/"), "is not an absolute http(s) URL"),
        (None, ("--base-url", "example.org/book"), "is not an absolute http(s) URL"),
        (lambda d: (d / "audio" / "01-the-harbour.mp3").write_bytes(b"x"), (), "not the size"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_the_site_stays(
    site: Path, tmp_path: Path, setup, args: tuple[str, ...], message: str
) -> None:
    shutil.copytree(site / "audio", tmp_path / "audio")
    shutil.copytree(site / "site", tmp_path / "site")
    before = sorted((p.name, p.stat().st_size) for p in (tmp_path / "site").iterdir())
    if setup is not None:
        setup(tmp_path)
    cmd = ["publish", "audio", "--out", "site", *(args or ("--base-url", BASE))]
    result = run_cli(*cmd, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted((p.name, p.stat().st_size) for p in (tmp_path / "site").iterdir()) == before
