"""Speech out: the engines, registered by name.

Each engine is a module beside this one that provides a Backend (driven inside a worker process),
its identity for the cache key, what the worker's fork server may import ahead, and what
voices.toml may say of its voices (engines/interface.py: EngineModule). Every engine runs behind
the same WorkerEngine (engines/worker.py): one code path for workers, retries, verification and
caching; and every voice of voices.toml is resolved by the same engines/voices.py. Adding an
engine is one module and one line here.

Light imports only: worker processes import this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from audiobook.core.errors import InputError

if TYPE_CHECKING:
    from audiobook.engines.interface import EngineModule, SpeechEngine

# In the order a book whose voices.toml names no voice looks for one of its language: the most
# natural voices first. (Anything listed per engine, the engines' identity for the cache key
# included, goes by name: engines.names().)
ENGINES: dict[str, str] = {
    "kokoro": "audiobook.engines.kokoro",  # Kokoro-82M's voices (the `kokoro` extra)
    "piper": "audiobook.engines.piper",  # Piper's neural voices (the `piper` extra)
    "espeak": "audiobook.engines.espeak",  # eSpeak NG through pyttsx3
}
DEFAULT_ENGINE = "espeak"  # a Voice that names none (one made in code, before resolve_voices)


def names() -> tuple[str, ...]:
    """The registered engines by name: the order of anything listed per engine (the voices, the
    identity in every cache key), which registering another engine must not reshuffle."""
    return tuple(sorted(ENGINES))


def engine_module(name: str) -> EngineModule:
    """The module of the engine called NAME; an unknown name is an error that lists the known."""
    try:
        module_name = ENGINES[name]
    except KeyError:
        raise InputError(
            f"unknown speech engine {name!r}", hint=f"choose one of {', '.join(names())}"
        ) from None
    return importlib.import_module(module_name)


def create() -> SpeechEngine:
    """Every installed engine, each voice spoken by its own (engines/dispatch.py), in worker
    processes. Module-level, so it pickles."""
    from audiobook.engines.dispatch import EngineDispatch

    return EngineDispatch()
