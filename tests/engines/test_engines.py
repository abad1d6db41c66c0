"""The engines' registry: engines by name, each behind the same interface and worker."""

from __future__ import annotations

import contextlib

import pytest

from audiobook import engines
from audiobook.engines import espeak
from audiobook.errors import InputError


def test_every_registered_engine_module_provides_what_the_worker_needs() -> None:
    for name in engines.ENGINES:
        module = engines.engine_module(name)
        assert isinstance(module.PRELOAD, tuple)
        assert callable(module.Backend.save) and callable(module.Backend.voices)
        assert module.identity()


def test_an_unknown_engine_is_an_input_error_naming_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        engines.engine_module("festival")
    assert "festival" in str(caught.value) and "espeak" in str(caught.value)


def test_the_default_engine_is_espeak_in_a_worker_with_its_identity() -> None:
    with contextlib.closing(engines.create()) as engine:
        assert engine.identity() == espeak.identity()
        assert engine.identity().startswith("pyttsx3 ")
        assert any(v.short_id == "en-us" for v in engine.voices())
