"""The render's orchestration with a fake engine: a failed chapter is reported, the others kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audiobook.core.audio import Speech
from audiobook.core.config import Voice
from audiobook.engines.interface import VoiceInfo
from audiobook.pipeline import executors
from audiobook.pipeline.events import (
    BookPlanned,
    ChapterDone,
    ChapterEvent,
    ChapterMastering,
    ChapterStarted,
    ChapterStep,
    NarratorChosen,
    ProgressEvent,
)
from audiobook.pipeline.render import render_book
from audiobook.readers import read_book

from .conftest import write_book


class FakeEngine:
    """Speaks every word as 0.2 s of a tone; fails on any text containing FAIL_ON."""

    fail_on = "lighthouse"

    def synthesize(self, text: str, voice: Voice) -> Speech:
        from audiobook.core.errors import SpeechError

        if self.fail_on in text:
            raise SpeechError(f"could not speak {text[:20]!r}")
        samples = int(22050 * 0.2 * len(text.split()))
        tone = (np.sin(np.arange(samples) * 0.05) * 8000).astype("<i2")
        return Speech(tone.tobytes(), 22050)

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "Male")]

    def pace(self, voice: Voice) -> float:
        return float(voice.rate or 175)

    def identity(self) -> str:
        # What its audio depends on, as for a real engine: a fake that fails on other words
        # must not share cache entries with this one.
        return f"a tone per word; fails on {self.fail_on!r}"

    def close(self) -> None:
        pass


def test_a_failed_chapter_is_reported_and_the_others_kept(tmp_path: Path) -> None:
    text_dir = write_book(tmp_path)
    with executors.local(2) as pool:
        summary = render_book(
            text_dir, tmp_path / "audio", tmp_path / "voices.toml", executor=pool,
            engine_factory=FakeEngine,
        )  # fmt: skip
    assert [r.ok for r in summary.results] == [True, False, True]
    assert "could not speak" in (summary.failed[0].error or "")
    files = sorted(p.name for p in (tmp_path / "audio").iterdir())
    assert files == [
        "01-the-harbour.mp3", "01-the-harbour.sentences.json", "01-the-harbour.srt",
        "01-the-harbour.vtt", "03-the-return.mp3", "03-the-return.sentences.json",
        "03-the-return.srt", "03-the-return.vtt", "manifest.json",
    ]  # fmt: skip


def test_a_chapter_starts_when_its_audio_does_and_once(tmp_path: Path) -> None:
    """A chapter's ChapterStarted comes from the studio as it begins the audio (on a cluster:
    when a worker takes it, not when it was queued), then its steps, its mastering, and its
    ChapterDone from the render; a cached chapter starts with 0 utterances."""
    from audiobook.core.cache import Cache

    text_dir = write_book(tmp_path)
    book = read_book(text_dir)
    chapters = [(c.title, c.words) for c in book.chapters]
    assert len(chapters) == 3
    cache = Cache(tmp_path / "cache")
    for round_ in ("spoken", "cached"):
        events: list[ProgressEvent] = []
        with executors.local(1) as pool:
            render_book(
                text_dir, tmp_path / round_, tmp_path / "voices.toml", executor=pool,
                engine_factory=Speaks, cache=cache, progress=events.append,
            )  # fmt: skip
        assert isinstance(events[0], NarratorChosen) and events[0].voice.startswith("eSpeak NG")
        assert events[1] == BookPlanned("The Harbour Book", book.words)
        for index, (title, words) in enumerate(chapters, start=1):
            mine = [e for e in events if isinstance(e, ChapterEvent) and e.index == index]
            assert all(e.title == title for e in mine)
            kinds = [type(e) for e in mine]
            assert kinds.count(ChapterStarted) == 1 and kinds[-1] == ChapterDone, kinds
            done = mine[-1]
            assert isinstance(done, ChapterDone) and done.result.ok
            assert done.result.words == words and done.result.cached == (round_ == "cached")
            started = mine[0]
            assert isinstance(started, ChapterStarted)
            if round_ == "spoken":
                steps = [e.done for e in mine if isinstance(e, ChapterStep)]
                assert started.utterances == len(steps) > 0
                assert steps == list(range(1, len(steps) + 1))
                assert kinds[-2] == ChapterMastering
            else:
                assert started.utterances == 0 and ChapterStep not in kinds


class Speaks(FakeEngine):
    fail_on = "\0"  # speaks everything
