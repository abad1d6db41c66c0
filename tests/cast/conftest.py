"""The cast's renders (the Bennets, read by Kokoro) start from the paces their voices were
measured at: each character keeps the narrator's pace, and finding the speed for it means
speaking a calibration passage per voice (15-20 s of a core each, about 40 s of these tests'
wall time). The measurements (engines/kokoro.py `measured_wpm`, keyed by the model, the voices
and the engine's versions) are recorded in data/kokoro-pace.json; with another model or version
their keys simply do not match and the paces are measured again. Measuring itself is tested in
tests/engines/test_kokoro.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.core.cache import default_cache_dir
from audiobook.engines.kokoro import PACE_MEMO

RECORDED = Path(__file__).parent / "data" / "kokoro-pace.json"


@pytest.fixture(scope="session", autouse=True)
def _recorded_kokoro_paces() -> None:
    memo = default_cache_dir() / PACE_MEMO  # the tests' own cache (tests/conftest.py)
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known = {**json.loads(RECORDED.read_text(encoding="utf-8")), **known}
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
