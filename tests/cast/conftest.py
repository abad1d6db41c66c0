"""The cast's renders (the Bennets, read by Kokoro) start from the paces their voices were
measured at: each character keeps the narrator's pace, and finding the speed for it means
speaking a calibration passage per voice (15-20 s of a core each, about 40 s of these tests'
wall time). The measurements (engines/kokoro.py `measured_wpm`, keyed by the model, the voices
and the engine's versions) are recorded in data/kokoro-pace.json and put into the tests' cache
by tests/conftest.py's `recorded_kokoro_paces`; with another model or version their keys simply
do not match and the paces are measured again. Measuring itself is tested in
tests/engines/test_kokoro.py."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _recorded_kokoro_paces(recorded_kokoro_paces: None) -> None:
    """Every test here starts with the recorded paces in the memo."""
