"""The engines' registry: engines by name, each behind the same interface and worker."""

from __future__ import annotations

import contextlib

import pytest

from audiobook import engines
from audiobook.core.errors import InputError
from audiobook.engines import espeak, piper


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


def test_every_installed_engine_speaks_in_workers_with_its_identity() -> None:
    with contextlib.closing(engines.create()) as engine:
        assert engine.identity().startswith(f"espeak: {espeak.identity()}")
        assert espeak.identity().startswith("pyttsx3 ")
        found = engine.voices()
        assert any(v.short_id == "en-us" and v.engine == "espeak" for v in found)
        if piper.available():
            assert f"piper: {piper.identity()}" in engine.identity()
            assert any(v.engine == "piper" for v in found)
