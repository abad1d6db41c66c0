"""Every engine a render speaks with, behind one SpeechEngine: each voice goes to its engine.

A cast may mix engines (a Piper narrator, an eSpeak NG character): each engine's WorkerEngine is
started on first use, so a chapter job that speaks only Piper never starts eSpeak, and a fresh
EngineDispatch per chapter gives each chapter fresh workers, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audiobook.core.audio import Speech
from audiobook.engines import DEFAULT_ENGINE, engine_module
from audiobook.engines import names as engine_names
from audiobook.engines.interface import VoiceInfo
from audiobook.engines.worker import WorkerEngine

if TYPE_CHECKING:
    from audiobook.core.config import Voice


class EngineDispatch:
    def __init__(self, names: tuple[str, ...] | None = None, timeout: float = 60.0):
        # The installed engines, by name (eSpeak NG first).
        self.names = names or tuple(n for n in engine_names() if engine_module(n).available())
        self.timeout = timeout
        self._engines: dict[str, WorkerEngine] = {}

    def engine(self, name: str) -> WorkerEngine:
        if name not in self._engines:
            self._engines[name] = WorkerEngine(name, self.timeout)
        return self._engines[name]

    def synthesize(self, text: str, voice: Voice) -> Speech:
        return self.engine(voice.engine or DEFAULT_ENGINE).synthesize(text, voice)

    def pace(self, voice: Voice) -> float:
        return self.engine(voice.engine or DEFAULT_ENGINE).pace(voice)

    def voices(self, light: bool = False) -> list[VoiceInfo]:
        """Every installed engine's voices; LIGHT: only those of the engines that list them
        without starting a worker (Kokoro's and Piper's files), which is what most books need
        to learn who reads them."""
        return [
            v
            for name in self.names
            if not light or hasattr(engine_module(name), "list_voices")
            for v in self.engine(name).voices()
        ]

    def identity(self) -> str:
        return " | ".join(f"{name}: {engine_module(name).identity()}" for name in self.names)

    @property
    def retries(self) -> int:
        return sum(e.retries for e in self._engines.values())

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()
