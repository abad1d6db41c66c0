"""What the neural engines (Piper, Kokoro) share: the passage a voice's pace is measured on and
the memo of measured paces, the trimming of a sentence's edge silence, and the titles their
espeak-ng phonemizer would end a sentence at.

Light at import (numpy is imported inside the one function that needs it): the engines' modules
are imported by the render's process and by every worker's fork server.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from audiobook.core.files import sha256_bytes

# Spoken at the voice's own pace to learn its words per minute (rate is mapped through it).
CALIBRATION = (  # prose of ordinary word lengths and punctuation, dialogue included
    "When the letter came at last, Elizabeth read it twice before she understood it. "
    "Her sister had written in haste, and the lines ran crookedly across the paper. "
    '"They are gone," she said quietly, "and nobody knows where." '
    "Mrs. Gardiner looked up from her work, surprised by the sudden silence, "
    "and asked whether anything was the matter; but Elizabeth could not answer at once."
)
SILENCE_DB = -50.0  # below this a sample is silence, for trimming
EDGE_MS = 15  # speech kept around a sentence's non-silent samples when trimming
# espeak-ng ends a sentence at "Mr." (it did for every title below, measured): said in full,
# or without the dot where espeak-ng then reads the title, so "Mr. Bennet" stays one sentence.
_TITLES_EN = {
    "Mr.": "Mr", "Mrs.": "Mrs", "Ms.": "Ms", "Dr.": "Dr", "St.": "St", "Messrs.": "Messrs",
    "Capt.": "Captain", "Col.": "Colonel", "Lt.": "Lieutenant", "Gen.": "General",
    "Sgt.": "Sergeant", "Prof.": "Professor", "Rev.": "Reverend", "Hon.": "Honourable",
    "Mme.": "Madame", "Mlle.": "Mademoiselle", "Gov.": "Governor", "Sen.": "Senator",
}  # fmt: skip
_TITLE_PATTERN = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(t) for t in _TITLES_EN) + r")(?=\s+[A-Z])"
)


def prepare_text(text: str, language: str) -> str:
    """What an espeak-ng phonemizer is given: titles that it would end a sentence at, fixed."""
    if language.startswith("en"):
        return _TITLE_PATTERN.sub(lambda m: _TITLES_EN[m.group(1)], text)
    return text


def trim(audio: Any, sample_rate: int) -> Any:
    """AUDIO (float samples) without its leading and trailing silence, EDGE_MS of it kept on
    each side."""
    import numpy as np

    loud = np.flatnonzero(np.abs(audio) > 10 ** (SILENCE_DB / 20))
    if loud.size == 0:
        return audio[:0].astype(np.float32)
    edge = round(sample_rate * EDGE_MS / 1000)
    start = max(0, int(loud[0]) - edge)
    end = min(audio.size, int(loud[-1]) + 1 + edge)
    return np.asarray(audio[start:end], dtype=np.float32)


class PaceMemo:
    """Measured paces by what they depend on, in one small JSON file (NAME) in the cache folder:
    measuring a pace means speaking the CALIBRATION passage, which every later worker is spared."""

    def __init__(self, name: str) -> None:
        from audiobook.core.cache import default_cache_dir

        self.path = default_cache_dir() / name

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> float | None:
        value = self._read().get(_key(key))
        return float(value) if isinstance(value, (int, float)) and value > 0 else None

    def put(self, key: str, pace: float) -> None:
        data = self._read()
        data[_key(key)] = pace
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a read-only or full cache: measured again next time, nothing lost
            tmp.unlink(missing_ok=True)


def _key(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))[:32]
