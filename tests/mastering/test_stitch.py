"""Stitching: utterances and pauses in order, room tone under all of it, in bounded memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audiobook.core.audio import Pause, Speech
from audiobook.mastering.stitch import room_tone, stitch


def test_pauses_carry_room_tone_not_digital_zeros(tmp_path: Path) -> None:
    stitched = stitch([Pause(1000)], tmp_path / "pause.raw")
    samples = np.frombuffer(stitched.path.read_bytes(), dtype="<i2")
    assert stitched.samples == samples.size == 22050
    assert np.count_nonzero(samples) > 0.9 * samples.size
    rms = np.sqrt(np.mean(samples.astype(float) ** 2)) / 32768
    assert -80 < 20 * np.log10(rms) < -70


def test_room_tone_is_the_same_on_every_run() -> None:
    assert np.array_equal(room_tone(1000, start=500), room_tone(1500)[500:])


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
