"""`audiobook check --report`: the check as one self-contained HTML page a producer looks at.

A summary, a plot of duration against words for the whole book (a chapter that lost text or
ran long stands out), and per chapter its RMS over time against the profile's bands (the RMS
window, the peak ceiling, the noise floor's range), its peak and floor marked, the sentences
that failed shaded where they are, its figures next to their limits, its failing checks in
place, and (check --listen) the words the recogniser did not hear. The measurements are the ones
`check` made from its own decode of each file (check_book's MEASURED): nothing is decoded again.

Plots are drawn by matplotlib (the most used Python plotting library; PSF-style licence) as SVG
inline in the page, so the report needs no network and no script to open. The page is written
from a Jinja2 template (templates/report.html), never by concatenating strings.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from audiobook import __version__
from audiobook.check.book import NOISE_FLOOR_RANGE, RMS_TOLERANCE_DB, plausible_seconds
from audiobook.check.results import Result
from audiobook.check.sentences import Flagged
from audiobook.core.audio import clock
from audiobook.core.errors import InputError
from audiobook.core.manifest import MANIFEST, ChapterEntry, read_manifest
from audiobook.mastering.levels import Levels
from audiobook.mastering.profiles import PROFILES, Profile

_FAIL, _OK, _BAND, _LINE = "#c0392b", "#2e7d32", "#cfe3f7", "#1f4e79"


@dataclass(frozen=True)
class ChapterView:
    index: int
    title: str
    file: str
    duration: str
    words: int
    ok: bool
    figures: list[tuple[str, str, bool]]  # (check, detail, ok) of the level checks
    failed: list[Result]
    plot: str  # inline SVG, or "" when the file could not be measured
    sentences: list[Flagged]  # every sentence (or pause) that failed, in order
    unheard: list[tuple[str, str]]  # (when, words) the recogniser did not hear (check --listen)


def report_html(
    folder: Path,
    results: Sequence[Result],
    measured: dict[str, Levels],
    generated: str = "",
    flagged: dict[str, list[Flagged]] | None = None,
    unheard: dict[str, list[tuple[float, str]]] | None = None,
) -> str:
    """The report of a checked book as one HTML document. FLAGGED: the sentences that failed,
    by chapter file (check_book's); UNHEARD: the words check --listen did not hear, each with
    the time of its sentence, by chapter file."""
    require()
    import jinja2
    import matplotlib

    matplotlib.use("Agg")  # no display: draw to files only
    manifest = read_manifest(folder)
    profile = PROFILES.get(manifest.profile, PROFILES["acx"])
    rate = manifest.rate_wpm
    by_file: dict[str, list[Result]] = {}
    for r in results:
        by_file.setdefault(r.file, []).append(r)
    chapters = []
    for c in manifest.chapters:
        own = by_file.get(c.file, [])
        levels = measured.get(c.file)
        marks = sorted((flagged or {}).get(c.file, []), key=lambda f: f.start)
        missed = [(clock(at), words) for at, words in (unheard or {}).get(c.file, [])]
        chapters.append(
            ChapterView(
                index=c.index,
                title=c.title,
                file=c.file,
                duration=clock(c.duration_ms / 1000),
                words=c.words,
                ok=all(r.ok for r in own),
                figures=[(r.check, r.detail, r.ok) for r in own if r.check in _FIGURES],
                failed=[r for r in own if not r.ok],
                plot=_chapter_plot(levels, profile, bool([r for r in own if not r.ok]), marks)
                if levels and levels.series_db
                else "",
                sentences=marks,
                unheard=missed,
            )
        )
    chapter_files = {c.file for c in manifest.chapters}
    book_failed = [r for r in results if not r.ok and r.file not in chapter_files]
    total_s = sum(c.duration_ms for c in manifest.chapters) / 1000
    template = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
        resources.files("audiobook.check")
        .joinpath("templates/report.html")
        .read_text(encoding="utf-8")
    )
    return template.render(
        # As the manifest says them; an older one without them: the folder's name, nothing.
        title=folder.name if manifest.title is None else manifest.title,
        author="" if manifest.author is None else manifest.author,
        narrator="" if manifest.narrator is None else manifest.narrator,
        profile=profile,
        passed=sum(r.ok for r in results),
        failed=sum(not r.ok for r in results),
        files=len({r.file for r in results}),
        total=clock(total_s),
        chapters=chapters,
        failing_chapters=[c for c in chapters if not c.ok],
        book_failed=book_failed,
        book_plot=_book_plot(manifest.chapters, by_file, rate),
        rate=rate,
        floor_range=NOISE_FLOOR_RANGE,
        generated=generated,
        version=__version__,
        manifest=MANIFEST,
    )


def require() -> None:
    """Fail before a long check, not after it, when the report's libraries are not installed."""
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(
            "check --report needs matplotlib and jinja2",
            hint="pip install 'audiobook[report]'",
        ) from None


_FIGURES = ("rms", "peak", "noise floor", "duration", "plausible", "decodes")


def _svg(figure: Any) -> str:
    """FIGURE as inline SVG: text kept as text, ids the same on every run."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "audiobook"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _chapter_plot(
    levels: Levels, profile: Profile, failing: bool, marks: Sequence[Flagged] = ()
) -> str:
    from matplotlib.figure import Figure

    # Fixed margins: a constrained layout draws every figure twice (half of the report's time).
    figure = Figure(figsize=(9.5, 2.4), dpi=72)
    figure.subplots_adjust(left=0.07, right=0.99, top=0.96, bottom=0.2)
    ax = figure.add_subplot()
    step = levels.series_step_s
    # Minutes on the time axis, or seconds for a chapter shorter than two minutes.
    unit, per = ("seconds", 1.0) if levels.seconds < 120 else ("minutes", 60.0)
    times = [(n + 0.5) * step / per for n in range(len(levels.series_db))]
    low, high = profile.rms_db - RMS_TOLERANCE_DB, profile.rms_db + RMS_TOLERANCE_DB
    floor_low, floor_high = NOISE_FLOOR_RANGE
    ax.axhspan(low, high, color=_BAND, label=f"RMS {low:g} to {high:g}")
    ax.axhspan(floor_low, floor_high, color="#eeeeee", label="noise floor allowed")
    ax.axhline(profile.max_peak_db, color=_FAIL, linewidth=1, linestyle="--",
               label=f"peak ceiling {profile.max_peak_db:g}")  # fmt: skip
    ax.plot(times, levels.series_db, color=_FAIL if failing else _LINE, linewidth=0.8,
            label=f"RMS per {step:g} s")  # fmt: skip
    ax.plot([levels.peak_s / per], [levels.peak_db], marker="^", color=_FAIL, linestyle="none",
            label=f"peak {levels.peak_db:.1f}")  # fmt: skip
    ax.plot([levels.floor_s / per], [levels.noise_floor_db], marker="v", color=_OK,
            linestyle="none", label=f"floor {levels.noise_floor_db:.1f}")  # fmt: skip
    for n, mark in enumerate(m for m in marks if m.end > m.start):  # the sentences that failed
        end = max(mark.end, mark.start + step / 2)  # one as short as a word still shows
        label = "failing sentence" if n == 0 else None
        ax.axvspan(mark.start / per, end / per, color=_FAIL, alpha=0.25, linewidth=0, label=label)
    ax.set_ylim(-95, 0)
    ax.set_xlim(0, max(levels.seconds / per, 1 / per))
    ax.set_xlabel(unit)
    ax.set_ylabel("dBFS")
    ax.grid(True, linewidth=0.3)
    ax.legend(loc="lower right", fontsize=7, ncols=3, framealpha=0.9)
    return _svg(figure)


def _book_plot(
    chapters: Sequence[ChapterEntry], by_file: dict[str, list[Result]], rate: int
) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.5, 3.4), dpi=72)
    figure.subplots_adjust(left=0.07, right=0.99, top=0.97, bottom=0.14)
    ax = figure.add_subplot()
    words = [c.words for c in chapters]
    most = max([*words, 1])
    line = [0, most * 1.05]
    low = [plausible_seconds(w, rate)[0] / 60 for w in line]
    high = [plausible_seconds(w, rate)[1] / 60 for w in line]
    ax.fill_between(line, low, high, color=_BAND, label="plausible for the words")
    ax.plot(line, [w / rate for w in line], color=_LINE, linewidth=1,
            label=f"words at {rate} wpm")  # fmt: skip
    for c, w in zip(chapters, words, strict=True):
        ok = all(r.ok for r in by_file.get(c.file, []))
        ax.plot([w], [c.duration_ms / 60000], marker="o", linestyle="none",
                color=_OK if ok else _FAIL, markersize=5 if ok else 8)  # fmt: skip
        if not ok:
            ax.annotate(str(c.index), (w, c.duration_ms / 60000), fontsize=8,
                        xytext=(4, 4), textcoords="offset points", color=_FAIL)  # fmt: skip
    ax.set_xlabel("words")
    ax.set_ylabel("minutes")
    ax.grid(True, linewidth=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return _svg(figure)
