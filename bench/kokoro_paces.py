"""Measure each shipped Kokoro voice's own pace, for engines/kokoro_data/paces.json.

A voice's pace (words a minute at speed 1, on engines/neural.py's CALIBRATION passage) is what a
render expects its durations at and where a rate's speed is searched from. Measuring it costs
about 15 s of one core per voice, which every fresh cache (a new machine, CI) would pay for each
voice of a cast; the engine is deterministic, so the figures are measured once here and shipped.
The file records what they depend on (the model and the passage): when either changes, the engine
measures again instead of trusting it.

    .venv/bin/python bench/kokoro_paces.py            # all shipped voices, about 10 minutes
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time

from audiobook.engines import kokoro, kokoro_model, kokoro_voices
from audiobook.engines.neural import CALIBRATION


def main() -> int:
    os.environ["AUDIOBOOK_CACHE"] = tempfile.mkdtemp(prefix="kokoro-paces-")  # no memo: measure
    model = kokoro._Model(threads=1)
    paces: dict[str, float] = {}
    for voice in kokoro_voices.find_voices():
        if voice.member is not None:
            continue
        start = time.perf_counter()
        pcm, _ = model.speak(CALIBRATION, voice.id, 1.0, 1.0)
        pace = len(CALIBRATION.split()) / (len(pcm) / 2 / kokoro_voices.SAMPLE_RATE) * 60
        paces[voice.id] = round(pace, 3)
        print(f"{voice.id:<14} {pace:6.1f} wpm  ({time.perf_counter() - start:.1f} s)", flush=True)
    doc = {
        "model": kokoro_model.MODEL_SHA256,
        "calibration": hashlib.sha256(CALIBRATION.encode("utf-8")).hexdigest(),
        "sentence_gap_ms": kokoro.SENTENCE_GAP_MS,
        "paces": dict(sorted(paces.items())),
    }
    target = kokoro_voices.DATA / "paces.json"
    target.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
