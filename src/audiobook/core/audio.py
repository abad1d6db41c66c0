"""The audio that crosses from the engines to mastering: speech as PCM, and pauses.

Shared core, so that neither wing imports the other: an engine returns Speech, the plan puts
Pauses between utterances, and stitching takes both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Speech:
    """Synthesized audio: signed 16-bit little-endian mono PCM, and where its sentences are."""

    pcm: bytes
    sample_rate: int
    # Each sentence's (first sample, end sample) in PCM, where the engine reports them (Piper);
    # empty where it does not (eSpeak NG speaks an utterance in one piece).
    sentences: tuple[tuple[int, int], ...] = ()

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


@dataclass(frozen=True)
class Pause:
    ms: int


def clock(seconds: float) -> str:
    """A duration as listeners read it: "4:05", "1:02:03"."""
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
