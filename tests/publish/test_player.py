"""The listener page as an audiobook player, in a real Chromium (issue #30).

A published book is served by `audiobook serve` and driven as a listener would: a chapter
tapped in the list plays from its mark in the file the browser chose, the speed is set and
kept, the skips move by 15 and 30 s, a reload offers the saved position, the Text view
highlights the sentence the captions say is being read, only one element ever plays, and the
page without JavaScript still plays the book and offers every file. axe-core audits it.

Every wait is for a condition, bounded only so that a broken page fails instead of hanging.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import webvtt

from ..conftest import run_cli, write_book
from .conftest import (
    LONG_CHAPTERS,
    MARKUP_CHAPTER,
    MARKUP_TITLE,
    chapter_marks,
    publish_copy,
    serving,
)

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WAIT_MS = 60_000  # a bound on a wait for a condition (a busy machine is waited for), not a measure

# Every seek the element makes: where it went (the playback position as the seek begins, which
# is what a seek's precision is measured on), and where it was when the seek completed (read by
# a handler that a busy machine may run late, while the book plays on: printed, not asserted).
RECORD_SEEKS = """
window.__seeks = [];
window.__landed = [];
document.addEventListener("seeking", (e) => window.__seeks.push(e.target.currentTime), true);
document.addEventListener("seeked", (e) => window.__landed.push(e.target.currentTime), true);
"""
AUDIO = "document.getElementById('book')"


@pytest.fixture(scope="module")
def small_site(rendered_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_copy(rendered_book, tmp_path_factory.mktemp("player-small"))


@pytest.fixture(scope="module")
def small_url(small_site: Path) -> Iterator[str]:
    with serving(small_site) as url:
        yield url


@pytest.fixture(scope="module")
def long_site(long_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_copy(long_book, tmp_path_factory.mktemp("player-long"))


@pytest.fixture(scope="module")
def long_url(long_site: Path) -> Iterator[str]:
    with serving(long_site) as url:
        yield url


@pytest.fixture(scope="module")
def chapters_only_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small book rendered without the whole-book files (no M4B, no book MP3), published."""
    book = tmp_path_factory.mktemp("chapters-only")
    write_book(book)
    with (book / "voices.toml").open("a", encoding="utf-8") as voices:
        voices.write("\n[output]\nbook_files = false\n")
    result = run_cli("render", "--jobs", "2", cwd=book)
    assert result.returncode == 0, result.stderr
    with serving(publish_copy(book, tmp_path_factory.mktemp("chapters-only-site"))) as url:
        yield url


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile per test (its own storage), closed after it."""
    made: list[Any] = []

    def new(**options: Any) -> Any:
        ctx = browser.new_context(**{"viewport": PHONE, **options})
        made.append(ctx)
        return ctx

    yield new
    for ctx in made:
        ctx.close()


def open_page(ctx: Any, url: str, fake_clock: bool = False) -> Any:
    """URL in a new page of CTX, once its script has run and the audio knows its file; with
    FAKE_CLOCK, the page's timers and Date are Playwright's, for the test to move on."""
    page = ctx.new_page()
    if fake_clock:
        page.clock.install()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.add_init_script(RECORD_SEEKS)
    page.goto(url)
    ready(page)
    return page


def wait(page: Any, condition: str) -> None:
    """Until CONDITION (a script expression) holds in PAGE; asked every tenth of a second, so a
    page in a tab behind another is asked as often."""
    page.wait_for_function(condition, timeout=WAIT_MS, polling=100)


def ready(page: Any) -> None:
    wait(page, f"document.body.dataset.ready === '1' && {AUDIO}.readyState >= 1")


def state(page: Any) -> dict[str, Any]:
    return page.evaluate(
        f"""(() => {{ const a = {AUDIO}; return {{
            time: a.currentTime, paused: a.paused, src: a.currentSrc, rate: a.playbackRate,
            seeks: window.__seeks, landed: window.__landed, ...document.body.dataset }}; }})()"""
    )


def book_data(page: Any) -> dict[str, Any]:
    return page.evaluate("JSON.parse(document.getElementById('book-data').textContent)")


def played_file(site: Path, page: Any) -> Path:
    """The file the browser chose to play, in the site."""
    return site / unquote(urlsplit(state(page)["src"]).path.rsplit("/", 1)[-1])


def playing_count(*pages: Any) -> int:
    return sum(
        page.evaluate(
            "[...document.querySelectorAll('audio, video')].filter(m => !m.paused).length"
        )
        for page in pages
    )


def wait_playing_at(page: Any, chapter: int, seeks_before: int) -> float:
    """Wait until CHAPTER plays after a new seek; where that seek went."""
    wait(
        page,
        f"""{AUDIO}.paused === false && document.body.dataset.chapter === '{chapter}'
            && window.__landed.length > {seeks_before}""",
    )
    return state(page)["seeks"][-1]


def clock(seconds: float) -> str:
    """The page's clock: whole seconds, "0:40" or "1:02:03"."""
    s = math.floor(seconds)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


def test_a_tapped_chapter_plays_at_its_mark_and_speed_skips_and_resume_work(
    small_site: Path, small_url: str, context: Any
) -> None:
    page = open_page(context(), small_url)
    data = book_data(page)
    # Chapter 3, tapped in the list: the book plays from chapter 3's mark in the file it plays.
    page.click("#chapter-3 a.seek")
    landed = wait_playing_at(page, 3, 0)
    file = played_file(small_site, page)
    marks = chapter_marks(file)
    assert len(marks) == len(data["chapters"]) == 3, file
    error = abs(landed - marks[2])
    heard = state(page)["time"] - marks[2]
    print(
        f"chapter 3 in {file.name}: seeked to {error:.3f} s from its mark, heard at +{heard:.2f} s"
    )
    assert error < 0.5
    assert -0.05 < heard < 5  # playing, in chapter 3
    # The page's marks for that file are the file's own (not the other file's timeline).
    source = next(s for s in data["sources"] if s["src"] == file.name)
    assert source["starts"] == pytest.approx(marks, abs=0.002)
    assert state(page)["source"] == file.name
    current = page.locator("ol.chapters li.playing")
    assert current.count() == 1 and current.get_attribute("id") == "chapter-3"
    assert current.get_attribute("aria-current") == "true"
    assert "The Return" in page.locator("#now-chapter").text_content()

    # Speed: 1.5x from the menu, 1.75x and back with > and <.
    page.select_option("#speed", "1.5")
    assert state(page)["rate"] == 1.5
    page.evaluate("document.activeElement.blur()")  # the keys are the page's, not the menu's
    page.keyboard.press(">")
    assert state(page)["rate"] == 1.75
    page.keyboard.press("<")
    assert state(page)["rate"] == 1.5
    print(f"speed: playbackRate {state(page)['rate']}")

    # Space pauses; skip back 15 s (the button, then J) and forward 30 s (L), paused, so exact.
    page.keyboard.press(" ")
    wait(page, f"{AUDIO}.paused")
    start = marks[2] + 10.5
    seek_to(page, start)
    for press, expected in (("#back", start - 15), ("j", start - 30), ("l", start)):
        count = len(state(page)["landed"])
        if press.startswith("#"):
            page.click(press)
        else:
            page.evaluate("document.activeElement.blur()")
            page.keyboard.press(press)
        wait(page, f"window.__landed.length > {count}")
        moved = state(page)["time"]
        print(f"skip {press}: {moved:.3f} s, expected {expected:.3f} s")
        assert moved == pytest.approx(expected, abs=0.05)

    # Paused in chapter 3 and reloaded: the saved position is offered, and resumes there.
    place = marks[2] + 4.5
    seek_to(page, place)
    page.reload()
    ready(page)
    offer = page.locator("#resume")
    offer.wait_for(state="visible", timeout=WAIT_MS)
    expected_text = f"Resume at {clock(place)}, chapter 3 (The Return)"
    assert page.locator("#resume-text").text_content() == expected_text
    print(f"offered: {expected_text!r}")
    assert state(page)["rate"] == 1.5 and page.locator("#speed").input_value() == "1.5"  # kept
    page.click("#resume-go")
    landed = wait_playing_at(page, 3, 0)
    print(f"resumed at {abs(landed - place):.3f} s from the saved position")
    assert landed == pytest.approx(place, abs=0.25)
    assert offer.is_hidden()

    # A second playback: another chapter while one plays, then the page in a second tab.
    assert page.locator("audio, video").count() == 1
    count = len(state(page)["landed"])
    page.click("#chapter-2 a.seek")
    wait_playing_at(page, 2, count)
    assert playing_count(page) == 1
    second = open_page(page.context, small_url)
    second.click("#play")
    wait(second, f"!{AUDIO}.paused")
    wait(page, f"{AUDIO}.paused")  # the first tab gave way
    assert playing_count(page, second) == 1
    print("playing elements after a second playback: 1")
    assert page.errors == [] and second.errors == []


def seek_to(page: Any, seconds: float) -> None:
    """The element at SECONDS of its file (set as a test sets it, not as a listener)."""
    count = len(state(page)["landed"])
    page.evaluate(f"{AUDIO}.currentTime = {seconds}")
    wait(page, f"window.__landed.length > {count}")


def test_the_sleep_timer_stops_at_the_chapter_end_or_after_its_minutes(
    small_site: Path, small_url: str, context: Any
) -> None:
    page = open_page(context(), small_url, fake_clock=True)
    marks = chapter_marks(played_file(small_site, page))
    # "End of chapter", set in chapter 1; moved to a second and a half before chapter 2 ends,
    # the timer follows, and the book stops at chapter 3's start.
    page.select_option("#sleep", "chapter")
    assert page.locator("#sleep-left").text_content() == "Stops at the end of chapter 1"
    seek_to(page, marks[2] - 1.5)
    assert page.locator("#sleep-left").text_content() == "Stops at the end of chapter 2"
    page.focus("#play")
    page.keyboard.press("Enter")  # the play button, by keyboard
    wait(page, f"{AUDIO}.paused && document.body.dataset.chapter === '3'")
    wait(page, f"Math.abs({AUDIO}.currentTime - {marks[2]}) < 0.05")
    stopped = state(page)["time"] - marks[2]
    print(f"sleep at the end of chapter 2: paused at chapter 3's start {stopped:+.3f} s")
    assert page.locator("#sleep").input_value() == ""
    # 15 minutes of listening: the page's clock is moved on (the audio's own is not).
    page.select_option("#sleep", "15")
    page.click("#play")
    wait(page, f"!{AUDIO}.paused")
    page.clock.fast_forward("14:50")
    wait(page, "document.getElementById('sleep-left').textContent.startsWith('Stops in 0:')")
    assert not state(page)["paused"]
    page.clock.fast_forward("00:20")
    wait(page, f"{AUDIO}.paused")
    print(f"sleep after 15 minutes: {page.locator('#sleep-left').text_content()!r}")
    assert page.errors == []


def test_with_no_whole_book_file_the_chapters_play_in_turn(
    chapters_only_url: str, context: Any
) -> None:
    page = open_page(context(), chapters_only_url)
    data = book_data(page)
    assert data["sources"] == [] and page.locator("audio").count() == 1
    first, second, third = data["chapters"]
    page.click("#chapter-2 a.seek")
    landed = wait_playing_at(page, 2, 0)
    assert state(page)["source"] == second["file"] and landed == pytest.approx(0, abs=0.05)
    # The end of chapter 2's file goes on with chapter 3's, from its start.
    seek_to(page, second["seconds"] - 1.0)
    wait(page, f"document.body.dataset.chapter === '3' && !{AUDIO}.paused")
    assert state(page)["source"] == third["file"]
    # Back 15 s from early in chapter 3 lands in chapter 2, as in one file.
    page.click("#play")
    wait(page, f"{AUDIO}.paused")
    seek_to(page, 2.0)
    count = len(state(page)["landed"])
    page.click("#back")
    wait(page, f"document.body.dataset.chapter === '2' && window.__landed.length > {count}")
    moved = state(page)["time"]
    print(f"chapters in turn: back 15 s from chapter 3 at 0:02 -> chapter 2 at {moved:.2f} s")
    assert moved == pytest.approx(second["seconds"] - 13.0, abs=0.1)
    # The position offered on return counts the chapters before it.
    page.reload()
    ready(page)
    page.locator("#resume").wait_for(state="visible", timeout=WAIT_MS)
    at = first["seconds"] + moved
    assert page.locator("#resume-text").text_content() == (
        f"Resume at {clock(at)}, chapter 2 ({second['title']})"
    )
    page.click("#resume-go")
    landed = wait_playing_at(page, 2, 0)
    assert landed == pytest.approx(moved, abs=0.1) and state(page)["source"] == second["file"]
    assert page.errors == []


# The handlers the page gives the Media Session, kept where the test can call them as a phone's
# lock screen would (a headless browser has no lock screen to press).
CAPTURE_ACTIONS = """
window.__actions = {};
const register = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
navigator.mediaSession.setActionHandler = (name, handler) => {
  window.__actions[name] = handler;
  register(name, handler);
};
"""


def test_the_lock_screen_shows_the_chapter_and_its_buttons_work(
    small_site: Path, small_url: str, context: Any
) -> None:
    ctx = context()
    ctx.add_init_script(CAPTURE_ACTIONS)
    page = open_page(ctx, small_url)
    marks = chapter_marks(played_file(small_site, page))
    actions = page.evaluate("Object.keys(window.__actions).sort()")
    assert actions == sorted(
        ["play", "pause", "seekbackward", "seekforward", "seekto", "previoustrack", "nexttrack"]
    )

    def press(action: str, details: str = "{}") -> None:
        count = len(state(page)["landed"])
        page.evaluate(f"window.__actions.{action}({details})")
        wait(page, f"window.__landed.length > {count}")

    press("nexttrack")
    assert state(page)["chapter"] == "2" and state(page)["time"] == pytest.approx(marks[1])
    press("seekbackward")
    assert state(page)["time"] == pytest.approx(marks[1] - 15)
    press("seekforward")
    assert state(page)["time"] == pytest.approx(marks[1] + 15)
    press("seekto", "{seekTime: 5}")
    assert state(page)["chapter"] == "1" and state(page)["time"] == pytest.approx(5)
    press("previoustrack")  # 5 s into chapter 1: its start
    assert state(page)["time"] == 0
    title = page.evaluate("navigator.mediaSession.metadata.title")
    assert title == book_data(page)["chapters"][0]["title"]
    page.evaluate("window.__actions.play()")
    wait(page, f"!{AUDIO}.paused")
    page.evaluate("window.__actions.pause()")
    wait(page, f"{AUDIO}.paused")
    print(f"lock screen: {', '.join(actions)} work; it shows {title!r}")
    assert page.errors == []


def caption_times(text: str) -> list[tuple[float, float]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [(seconds(c.start), seconds(c.end)) for c in webvtt.from_buffer(io.StringIO(text))]


def test_the_text_view_highlights_the_sentence_the_captions_time(
    small_site: Path, small_url: str, context: Any
) -> None:
    page = context().new_page()
    texts: list[str] = []
    page.on("request", lambda r: texts.append(urlsplit(r.url).path) if "/text/" in r.url else None)
    page.add_init_script(RECORD_SEEKS)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(small_url)
    ready(page)
    data = book_data(page)
    assert texts == []  # no text fetched until the Text view is opened
    page.click("#tab-text")
    marks = chapter_marks(played_file(small_site, page))
    http = httpx.Client(base_url=small_url, timeout=30, trust_env=False)
    for n, chapter in enumerate(data["chapters"]):
        # A cue in the middle of the chapter's captions, from the site's .vtt.
        cues = caption_times(http.get(chapter["file"].replace(".mp3", ".vtt")).text)
        start, end = cues[len(cues) // 2]
        local = (start + end) / 2
        text = http.get(chapter["text"]).json()
        sentences = [s for paragraph in text["paragraphs"] for s in paragraph]
        expected = [s["id"] for s in sentences if s["start"] - 0.001 <= start <= s["end"] + 0.001]
        assert len(expected) == 1, (chapter["title"], start, sentences)
        seek_to(page, marks[n] + local)
        wait(
            page,
            f"document.body.dataset.textChapter === '{chapter['index']}'"
            " && !!document.querySelector('#text-body .s.current')",
        )
        shown = page.evaluate(
            "[...document.querySelectorAll('#text-body .current')].map(s => s.id)"
        )
        print(
            f"chapter {chapter['index']} at {local:.2f} s (cue {start:.3f}-{end:.3f}): "
            f"highlighted {shown}, caption's sentence {expected[0]}"
        )
        assert shown == expected and state(page)["sentence"] == expected[0]
        # Kept in view: scrolled to (smoothly, so waited for), on a phone's screen.
        wait(
            page,
            """(() => { const r = document.querySelector('#text-body .current')
                .getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()""",
        )
    # Each chapter's text was fetched when it was shown, once.
    assert sorted(texts) == sorted(urlsplit(small_url + c["text"]).path for c in data["chapters"])

    # Tapping a sentence plays from it.
    last = data["chapters"][-1]
    first = http.get(last["text"]).json()["paragraphs"][-1][0]
    count = len(state(page)["landed"])
    page.click(f"[id='{first['id']}']")
    landed = wait_playing_at(page, last["index"], count)
    print(f"tapped {first['id']}: seeked to {abs(landed - marks[-1] - first['start']):.3f} s off")
    assert landed == pytest.approx(marks[-1] + first["start"], abs=0.1)
    wait(page, f"document.body.dataset.sentence === '{first['id']}'")
    http.close()
    assert page.errors == []


def test_the_last_of_22_chapters_plays_at_the_mark_of_the_file_it_plays(
    long_site: Path, long_book: Path, long_url: str, context: Any
) -> None:
    manifest = json.loads((long_site.parent / "audio" / "manifest.json").read_text("utf-8"))
    summed = sum(c["duration_ms"] for c in manifest["chapters"][:-1]) / 1000
    for drop in (False, True):  # as the browser chooses, then as one that cannot play AAC
        ctx = context(viewport=DESKTOP)
        if drop:  # no AAC: the page (published without --extras: no book MP3) plays chapters
            ctx.add_init_script(_NO_AAC)
            ctx.route("**/", _without_m4b)
        page = open_page(ctx, long_url)
        page.click(f"#chapter-{LONG_CHAPTERS} a.seek")
        landed = wait_playing_at(page, LONG_CHAPTERS, 0)
        file = played_file(long_site, page)
        if drop:
            assert file.name == manifest["chapters"][-1]["file"]  # the chapter's own MP3
            print(f"chapter {LONG_CHAPTERS} without AAC: its own MP3, at {landed:.3f} s in it")
            assert landed < 0.2
        else:
            marks = chapter_marks(file)
            assert len(marks) == LONG_CHAPTERS and file.suffix == ".m4b"
            error = abs(landed - marks[-1])
            print(
                f"chapter {LONG_CHAPTERS} in {file.name}: seeked to {error:.3f} s from its mark "
                f"(which is {marks[-1] - summed:+.3f} s from the MP3s' summed durations); "
                f"at {state(page)['landed'][-1] - marks[-1]:+.3f} s when the seek completed"
            )
            assert error < 0.2
        # The lock screen's: the chapter, the book, its author and cover (Media Session).
        shown = page.evaluate(
            """(({title, artist, album, artwork}) => ({title, artist, album,
                art: artwork.map(a => a.src)}))(navigator.mediaSession.metadata)"""
        )
        assert shown["title"] == f"Part {LONG_CHAPTERS}" and shown["album"] == "The Ferry Bells"
        assert shown["artist"] == "Test Author"
        assert [a.rsplit("/", 1)[-1] for a in shown["art"]] == ["cover-600.jpg"]
        assert page.errors == []


# A browser without AAC, as the page's script asks it (canPlayType).
_NO_AAC = """
const canPlay = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mp4|aac|m4a/.test(type) ? "" : canPlay.call(this, type);
};
"""


def _without_m4b(route: Any) -> None:
    page = route.fetch().text()
    page = re.sub(r'\s*<source [^>]*type="audio/mp4"[^>]*>', "", page)
    route.fulfill(body=page, headers={"content-type": "text/html; charset=utf-8"})


def test_titles_with_markup_stay_text(long_url: str, context: Any) -> None:
    page = open_page(context(viewport=DESKTOP), long_url)
    item = page.locator(f"#chapter-{MARKUP_CHAPTER} .title")
    assert item.text_content() == MARKUP_TITLE
    assert page.locator("ol.chapters b, #now b, #text-body b").count() == 0
    page.focus(f"#chapter-{MARKUP_CHAPTER} a.seek")
    page.keyboard.press("Enter")  # the chapter, chosen by keyboard
    page.keyboard.press("k")  # and paused, by its key
    wait(page, f"{AUDIO}.paused && document.body.dataset.chapter === '{MARKUP_CHAPTER}'")
    assert MARKUP_TITLE in page.locator("#now-chapter").text_content()
    page.keyboard.press("t")  # the Text view, by its key
    wait(page, f"document.body.dataset.textChapter === '{MARKUP_CHAPTER}'")
    assert MARKUP_TITLE in page.locator("#text-body h2").text_content()
    spoken = page.evaluate(
        "[...document.querySelectorAll('#text-body .s')].map(s => s.textContent)"
    )
    assert MARKUP_TITLE in spoken  # the sentence that says the title, as text
    page.focus("#tab-text")
    page.keyboard.press("ArrowLeft")  # the tabs, by their arrow keys
    wait(page, "document.body.dataset.view === 'chapters'")
    assert page.locator("#chapters").is_visible() and page.locator("#text").is_hidden()
    assert (
        page.locator("ol.chapters b, #now b, #text-body b, script:not([src]):not([id])").count()
        == 0
    )
    assert page.errors == []


def test_the_first_phone_screen_screenshots_and_the_accessibility_audit(
    long_url: str, context: Any, axe_js: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.getbasetemp() / "artifacts"
    shots.mkdir(exist_ok=True)
    serious: list[str] = []
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(context(viewport=viewport), long_url)
        wait(page, "[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=shots / f"site-{name}.png")
        print(f"screenshot: {shots / f'site-{name}.png'}")
        if name == "phone":
            # The first screen: the cover, the title, the player and the chapter list.
            first_screen = [
                "img.cover", "h1", "#book", "#now", "#controls .buttons", "#speed", "#sleep",
                "#tab-chapters", "#chapter-1", "#chapter-2", "#chapter-3",
            ]  # fmt: skip
            for selector in first_screen:
                box = page.locator(selector).bounding_box()
                assert box is not None and box["height"] > 0, selector
                assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (
                    selector, box,
                )  # fmt: skip
            seen = page.evaluate(
                "[...document.querySelectorAll('ol.chapters li')]"
                ".filter(li => li.getBoundingClientRect().bottom <= innerHeight).length"
            )
            print(f"phone first screen: cover, title, player and {seen} chapters")
        for view in ("chapters", "text"):
            if view == "text":
                page.click("#tab-text")
                wait(page, "document.body.dataset.textChapter === '1'")
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            page.add_script_tag(path=str(axe_js))
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            found = [(v["impact"], v["id"], len(v["nodes"])) for v in result["violations"]]
            print(f"axe {result['testEngine']['version']}, {name}, {view}: {found or 'none'}")
            serious += [
                f"{name}/{view}: {v['id']} ({v['impact']}): {v['help']}: "
                f"{[n['target'] for n in v['nodes']][:3]}"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
        assert page.errors == []
    assert serious == []


def test_without_javascript_the_page_plays_the_book_and_offers_every_file(
    small_site: Path, small_url: str, context: Any
) -> None:
    page = context(java_script_enabled=False).new_page()
    page.goto(small_url)
    audio = page.locator("audio")
    assert audio.count() == 1 and audio.get_attribute("controls") is not None
    assert page.locator("#controls").is_hidden() and page.locator("#tabs").is_hidden()
    assert page.evaluate("document.body.dataset.ready") is None  # the page's script did not run
    # The element's own play button (its left end) plays the book. The page has no script to
    # wait with, so the test asks again each tenth of a second.
    until(page, f"{AUDIO}.readyState >= 1")
    audio.click(position={"x": 24, "y": 24})
    until(page, f"{AUDIO}.currentTime > 0.3 && !{AUDIO}.paused")
    print(f"without JavaScript: plays {page.evaluate(f'{AUDIO}.currentSrc')}")
    # Every file a listener may want is a download link, with its size beside it.
    links = page.evaluate(
        """[...document.querySelectorAll('a[download]')].map(a => [a.getAttribute('href'),
           a.parentElement.querySelector('.size')?.textContent || ''])"""
    )
    linked = {href for href, _ in links}
    # The chapters, the M4B, the book MP3, the ZIPs and the EPUB, and captions of some kind.
    wanted = {p.name for p in small_site.iterdir() if p.suffix in (".mp3", ".m4b", ".zip", ".epub")}
    assert wanted <= linked, wanted - linked
    assert [h for h in linked if h.endswith((".vtt", ".srt")) or "caption" in h], linked
    assert all((small_site / href).is_file() for href in linked), linked
    assert all(re.fullmatch(r"[\d.,]+ (bytes|kB|MB|GB)", size) for _, size in links), links


def until(page: Any, condition: str, timeout_ms: int = WAIT_MS) -> None:
    for _ in range(timeout_ms // 100):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {condition}")


def test_opened_from_a_folder_of_files_the_page_still_plays(small_site: Path, context: Any) -> None:
    """Relative links only: the published folder opened as files, with no server, still plays."""
    page_text = (small_site / "index.html").read_text("utf-8")
    links = re.findall(r'(?:href|src)="([^"]+)"', page_text)
    assert not [link for link in links if link.startswith("/") or link.startswith("//")]
    assert not [link for link in links if "://" in link and not link.endswith("feed.xml")]
    page = open_page(context(), (small_site / "index.html").as_uri())
    page.click("#chapter-2 a.seek")
    landed = wait_playing_at(page, 2, 0)
    assert landed == pytest.approx(chapter_marks(played_file(small_site, page))[1], abs=0.5)
    # The text is fetched, which a browser may refuse for files: then the view says why.
    page.click("#tab-text")
    wait(page, "!!document.querySelector('#text-body .s, #text-body .status:not(:empty)')")
    said = page.locator("#text-body").text_content()
    print(f"from a folder, the Text view: {said[:80]!r}")
    assert page.locator("#text-body .s").count() > 0 or "serve the site" in said
    assert page.errors == []


def test_published_without_a_url_it_plays_from_a_plain_file_server(
    rendered_book: Path, tmp_path: Path, context: Any
) -> None:
    """`publish` with no --base-url, served by Python's own http.server (no feed, and no range
    requests: so no seeking, which needs a server that answers them, as `serve` and common web
    hosts do): the book plays from its start, and the Text view reads along."""
    import shutil
    import signal
    import socket
    import subprocess
    import sys

    from ..conftest import first_answer

    shutil.copytree(rendered_book / "audio", tmp_path / "audio")
    result = run_cli("publish", "audio", "--out", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    assert not (site / "feed.xml").exists() and "no --base-url" in result.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        assert first_answer(url, server).status_code == 200
        page = open_page(context(viewport=DESKTOP), url)
        page.keyboard.press("k")  # play
        wait(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > 1")
        assert played_file(site, page).suffix == ".m4b"
        page.click("#tab-text")
        wait(page, "document.body.dataset.textChapter === '1' && !!document.body.dataset.sentence")
        assert page.locator("#text-body .s").count() > 0
        assert page.errors == []
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
