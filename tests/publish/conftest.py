"""The listener page in a real browser: Debian's Chromium driven by Playwright, a published site
served by `audiobook serve`, axe-core from npm for the accessibility audit.

Each of those is found, or set up once, or the test is skipped with a reason that `-ra` prints:
Chromium through tests/debian.py, Playwright's package from pip (only its Python driver: the
browser is Debian's, never one Playwright downloads), axe-core with npm into a cache folder
outside the repository.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .. import debian
from ..conftest import SMALL_META, first_answer, run_cli, write_book

BASE = "https://example.org/books/long/"

# Chromium as a test wants it: nothing fetched from the network behind the test's back, no
# sound on the machine, and play() allowed without a tap (the page's own taps are real clicks;
# this only keeps a refused autoplay from being mistaken for a broken player).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
]

# A book of more than 20 chapters, a few seconds of speech each: long enough for the M4B's
# chapter marks to drift from the MP3s' summed durations (35-60 ms a chapter), quick to render.
# One chapter's title is markup, which must stay text everywhere the page shows it.
MARKUP_CHAPTER = 21
MARKUP_TITLE = 'The <b>Bold</b> & "Quoted" </script>'
LONG_CHAPTERS = 22
LONG_TEXT = "\n".join(
    f"# {MARKUP_TITLE if n == MARKUP_CHAPTER else f'Part {n}'}\n\n"
    f"The bell rang {n} times. Then the ferry left the pier.\n"
    for n in range(1, LONG_CHAPTERS + 1)
)
LONG_META = SMALL_META.replace("The Harbour Book", "The Ferry Bells")


def cover_png() -> bytes:
    """A square cover drawn here (Pillow is a dependency): sea, a sun, a hull."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 800), "#1d4e6e")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 520, 800, 800), fill="#0f2f45")
    draw.ellipse((480, 140, 680, 340), fill="#f2c14e")
    draw.polygon([(170, 560), (630, 560), (560, 640), (240, 640)], fill="#e8e2d0")
    draw.rectangle((390, 330, 402, 560), fill="#e8e2d0")
    draw.polygon([(402, 340), (402, 540), (560, 540)], fill="#f4f1e8")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def long_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 22-chapter book with a cover, rendered once for the session (eSpeak NG)."""
    folder = tmp_path_factory.mktemp("long-book")
    text = write_book(folder, text=LONG_TEXT, meta=LONG_META)
    (text / "cover.png").write_bytes(cover_png())
    result = run_cli("render", "--jobs", "2", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def publish_copy(book: Path, folder: Path) -> Path:
    """BOOK's rendered audio published as a site in FOLDER; returns the site."""
    shutil.copytree(book / "audio", folder / "audio")
    result = run_cli("publish", "audio", "--base-url", BASE, "--out", "site", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "site"


@contextmanager
def serving(site: Path) -> Iterator[str]:
    """SITE served by `audiobook serve` on a free port, ended with Ctrl-C as a user would."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "audiobook", "serve", str(site), "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert first_answer(url, server).status_code == 200
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
        assert server.returncode == 0, stderr
        assert "Traceback" not in stderr


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    executable = debian.chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


AXE_VERSION = "4"  # the major version; npm takes the newest 4.x once and the cache keeps it


def _cache() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "audiobook-tests"


@pytest.fixture(scope="session")
def axe_js() -> Path:
    """axe-core's script (from the npm registry, cached outside the repository), or skip."""
    prefix = _cache() / f"axe-core-{AXE_VERSION}"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if script.is_file():
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (apt-get install npm): no axe-core for the audit")
    prefix.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "install", f"axe-core@{AXE_VERSION}", "--prefix", str(prefix),
             "--no-audit", "--no-fund", "--no-save", "--loglevel=error"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip("npm install axe-core took more than 5 minutes: is the registry reachable?")
    if done.returncode != 0 or not script.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        pytest.skip(f"npm install axe-core failed: {' '.join(tail)}")
    return script


def chapter_marks(audio: Path) -> list[float]:
    """The chapter starts an audio file holds, as ffmpeg reads them (not as we wrote them)."""
    from audiobook.mastering.ffmpeg import find_ffmpeg

    probe = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(audio)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return [float(s) for s in re.findall(r"Chapter #\d+:\d+: start (-?[\d.]+)", probe.stderr)]
