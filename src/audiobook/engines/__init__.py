"""Speech out: the engines, registered by name.

Each engine is a module beside this one that provides a Backend (driven inside a worker process),
its identity for the cache key, and what the worker's fork server may import ahead
(engines/interface.py: EngineModule). Every engine runs behind the same WorkerEngine
(engines/worker.py): one code path for workers, retries, verification and caching. Adding an
engine is one module and one line here.

Light imports only: worker processes import this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from audiobook.core.errors import InputError

if TYPE_CHECKING:
    from audiobook.engines.interface import EngineModule, SpeechEngine

ENGINES: dict[str, str] = {
    "espeak": "audiobook.engines.espeak",  # eSpeak NG through pyttsx3
    "piper": "audiobook.engines.piper",  # Piper's neural voices (the `piper` extra)
}
DEFAULT_ENGINE = "espeak"


def engine_module(name: str) -> EngineModule:
    """The module of the engine called NAME; an unknown name is an error that lists the known."""
    try:
        module_name = ENGINES[name]
    except KeyError:
        raise InputError(
            f"unknown speech engine {name!r}", hint=f"choose one of {', '.join(sorted(ENGINES))}"
        ) from None
    return importlib.import_module(module_name)  # type: ignore[return-value]


def create() -> SpeechEngine:
    """Every installed engine, each voice spoken by its own (engines/dispatch.py), in worker
    processes. Module-level, so it pickles."""
    from audiobook.engines.dispatch import EngineDispatch

    return EngineDispatch()
