"""The render pipeline's logic with a fake engine: failures, plans, atomic outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audiobook import executors
from audiobook.audio import Pause, Speech
from audiobook.config import Timing, Voice
from audiobook.engines.interface import VoiceInfo
from audiobook.mastering.stitch import room_tone, stitch
from audiobook.plan import Say, credits, plan, slugify
from audiobook.readers import read_book
from audiobook.render import render_book

from .conftest import write_book


class FakeEngine:
    """Speaks every word as 0.2 s of a tone; fails on any text containing FAIL_ON."""

    fail_on = "lighthouse"

    def synthesize(self, text: str, voice: Voice) -> Speech:
        from audiobook.errors import SpeechError

        if self.fail_on in text:
            raise SpeechError(f"could not speak {text[:20]!r}")
        samples = int(22050 * 0.2 * len(text.split()))
        tone = (np.sin(np.arange(samples) * 0.05) * 8000).astype("<i2")
        return Speech(tone.tobytes(), 22050)

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "Male")]

    def identity(self) -> str:
        return "a tone per word"

    def close(self) -> None:
        pass


def test_plan_speaks_title_then_text_with_pauses_and_scene_breaks(tmp_path: Path) -> None:
    storm = read_book(write_book(tmp_path)).chapters[1]
    timing = Timing()
    steps = plan(storm, timing)
    assert steps[:3] == [Pause(timing.head), Say("The Storm"), Pause(timing.after_title)]
    assert Pause(timing.scene_break) in steps
    assert steps[-1] == Pause(timing.tail)
    spoken = " ".join(s.text for s in steps[3:] if isinstance(s, Say))
    assert spoken.split() == " ".join(p.text for p in storm.paragraphs).split()


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
    assert files == ["01-the-harbour.mp3", "03-the-return.mp3", "manifest.json"]


def test_pauses_carry_room_tone_not_digital_zeros(tmp_path: Path) -> None:
    stitched = stitch([Pause(1000)], tmp_path / "pause.raw")
    samples = np.frombuffer(stitched.path.read_bytes(), dtype="<i2")
    assert stitched.samples == samples.size == 22050
    assert np.count_nonzero(samples) > 0.9 * samples.size
    rms = np.sqrt(np.mean(samples.astype(float) ** 2)) / 32768
    assert -80 < 20 * np.log10(rms) < -70


def test_room_tone_is_the_same_on_every_run() -> None:
    assert np.array_equal(room_tone(1000, start=500), room_tone(1500)[500:])


def test_slugs_are_safe_file_names() -> None:
    assert slugify("CHAPTER XII. Alice's Evidence") == "chapter-xii-alice-s-evidence"
    assert slugify("Été à Paris") == "ete-a-paris"
    assert slugify("???") == "chapter"


def test_credits_open_the_first_chapter_and_close_the_last(tmp_path: Path) -> None:
    from audiobook.config import Cast

    book = read_book(write_book(tmp_path))
    opening, closing = credits(book, Cast())
    assert opening == "The Harbour Book. Written by Test Author. Narrated by Test Narrator."
    assert closing == "The End."
    steps = plan(book.chapters[0], Timing(), opening=opening)
    assert steps[1] == Say(opening)
    assert steps.index(Say("The Harbour")) > 1
    last = plan(book.chapters[-1], Timing(), closing=closing)
    assert last[-2:] == [Say("The End."), Pause(Timing().tail)]
    off = Cast.model_validate({"credits": {"opening": False, "closing_text": "Fin de {title}."}})
    assert credits(book, off) == ("", "Fin de The Harbour Book.")


def test_a_chapter_is_stitched_in_bounded_memory(tmp_path: Path) -> None:
    """The stitched chapter goes to disk piece by piece: no piece is kept once written."""
    import gc
    import weakref

    alive: list[weakref.ref] = []

    def pieces():
        for _ in range(50):
            speech = Speech(np.zeros(22050, dtype="<i2").tobytes(), 22050)
            alive.append(weakref.ref(speech))
            yield speech

    stitched = stitch(pieces(), tmp_path / "long.raw")
    gc.collect()
    assert stitched.samples == 50 * 22050
    assert sum(ref() is not None for ref in alive) <= 1
