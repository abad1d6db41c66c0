"""check --report: one HTML page, opened in a real browser, that marks the failing chapter."""

from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from audiobook.mastering import ffmpeg

from . import debian
from .conftest import run_cli

pytestmark = pytest.mark.slow


class _Page(html.parser.HTMLParser):
    """What the browser's DOM holds: chapter sections, their plots, which ones fail."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict[str, str]] = []
        self.plots: dict[str, int] = {}
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "section" and "chapter" in classes:
            self.sections.append({"file": a["data-file"], "failing": str("failing" in classes)})
        elif tag == "figure" and "chapter-plot" in classes and self.sections:
            self.plots[self.sections[-1]["file"]] = self.plots.get(self.sections[-1]["file"], 0) + 1
        elif tag == "svg":
            self.svgs += 1


def _louder(path: Path, db: float) -> None:
    """PATH again, DB louder: the same format, so only the levels and the hash give it away."""
    tmp = path.with_suffix(".loud.mp3")
    ffmpeg.run(["-i", str(path), "-af", f"volume={db}dB", "-c:a", "libmp3lame", "-b:a", "192k",
                "-ar", "44100", "-ac", "1", "-y", str(tmp)])  # fmt: skip
    tmp.replace(path)


def test_the_report_marks_exactly_the_damaged_chapter(
    rendered_book: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    browser = debian.chromium()
    audio = tmp_path / "audio"
    shutil.copytree(rendered_book / "audio", audio)
    damaged = sorted(audio.glob("02-*.mp3"))[0]
    _louder(damaged, 6.0)
    result = run_cli("check", "audio", "--report", "report.html", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    report = tmp_path / "report.html"
    # Self-contained: nothing the page loads comes from elsewhere (namespaces are no loads).
    assert not re.search(r"""(src|href)=["'](https?:)?//""", report.read_text(encoding="utf-8"))
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*argv, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr
    page = _Page()
    page.feed(dom.stdout)
    chapters = sorted(p.name for p in audio.glob("0*.mp3"))
    assert [s["file"] for s in page.sections] == chapters
    assert page.plots == dict.fromkeys(chapters, 1)  # one plot per chapter
    assert page.svgs == len(chapters) + 1  # and the book's duration against words
    failing = [s["file"] for s in page.sections if s["failing"] == "True"]
    assert failing == [damaged.name]
    # A screenshot with the test output (pytest's basetemp keeps the last runs).
    shot = tmp_path_factory.getbasetemp() / "artifacts" / "report.png"
    shot.parent.mkdir(exist_ok=True)
    taken = subprocess.run(
        [*argv, "--window-size=1100,1600", f"--screenshot={shot}", report.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr
    print(f"report screenshot: {shot}")


def test_report_without_its_libraries_is_a_clear_error(rendered_book: Path, tmp_path: Path) -> None:
    # A site-packages directory that hides matplotlib: the error comes before the long check.
    shadow = tmp_path / "shadow"
    (shadow / "matplotlib").mkdir(parents=True)
    (shadow / "matplotlib" / "__init__.py").write_text("raise ImportError('hidden')\n")
    result = run_cli(
        "check", str(rendered_book / "audio"), "--report", str(tmp_path / "r.html"),
        cwd=tmp_path, env={"PYTHONPATH": str(shadow)},
    )  # fmt: skip
    assert result.returncode == 2
    assert "check --report needs matplotlib and jinja2" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "r.html").exists()
