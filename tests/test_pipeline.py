"""The render's orchestration with a fake engine: a failed chapter is reported, the others kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audiobook.core.audio import Speech
from audiobook.core.config import Voice
from audiobook.engines.interface import VoiceInfo
from audiobook.pipeline import executors
from audiobook.pipeline.render import render_book

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
        "01-the-harbour.mp3", "01-the-harbour.srt", "01-the-harbour.vtt",
        "03-the-return.mp3", "03-the-return.srt", "03-the-return.vtt", "manifest.json",
    ]  # fmt: skip


def test_a_chapter_starts_when_its_audio_does_and_once(tmp_path: Path) -> None:
    """A chapter's "start" comes from the studio as it begins the audio (on a cluster: when a
    worker takes it, not when it was queued), then its steps; a cached chapter starts with 0."""
    from audiobook.core.cache import Cache

    text_dir = write_book(tmp_path)
    cache = Cache(tmp_path / "cache")
    for round_ in ("spoken", "cached"):
        events: list[tuple[str, int, object]] = []
        with executors.local(1) as pool:
            render_book(
                text_dir, tmp_path / round_, tmp_path / "voices.toml", executor=pool,
                engine_factory=Speaks, cache=cache,
                progress=lambda kind, index, title, detail, seen=events: seen.append(
                    (kind, index, detail)
                ),
            )  # fmt: skip
        for index in (1, 2, 3):
            mine = [(kind, detail) for kind, i, detail in events if i == index]
            kinds = [kind for kind, _ in mine]
            assert kinds.count("start") == 1 and kinds[-1] == "done", kinds
            if round_ == "spoken":
                assert kinds[0] == "start" and mine[0][1] == kinds.count("step") > 0
                assert kinds[-2] == "master"
            else:
                assert mine[0] == ("start", 0) and "step" not in kinds


class Speaks(FakeEngine):
    fail_on = "\0"  # speaks everything
