from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.core.config import Cast, load_cast
from audiobook.core.errors import InputError
from audiobook.engines.interface import VoiceInfo


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voices.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_voices_toml_loads() -> None:
    cast = load_cast(Path(__file__).resolve().parent.parent / "voices.toml")
    # No engine or voice: the book's language picks one (Piper's when installed: `make render`).
    assert (cast.narrator.engine, cast.narrator.voice, cast.narrator.rate) == (None, None, None)
    assert cast.narrator.volume == 1.0
    assert cast.lexicon and cast.output.profile == "acx"


def test_missing_voices_file_means_defaults(tmp_path: Path) -> None:
    assert load_cast(tmp_path / "voices.toml") == Cast()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[narrator]\nvoice = 'en-us'\nrate = 900\n", "narrator.rate: Input should be less"),
        ("[narrator]\nvoice = 'en-us'\nspeed = 100\n", "narrator.speed: unknown key"),
        ("[narator]\nvoice = 'en-us'\n", "narator: unknown key"),
        ("[timing]\ntail = 100\n", "timing.tail"),
        ("[narrator\nvoice = 1", "not valid TOML"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_cast(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


ENGINE = [
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",), "Male"),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "Male"),
    VoiceInfo("gmw/de", "German", ("de",), "Male"),
    VoiceInfo("roa/fr", "French (France)", ("fr-fr",), "Male"),
    VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",), "Male"),
]


def test_unknown_voice_suggests_close_matches() -> None:
    cast = Cast.model_validate({"narrator": {"voice": "en-uss"}})
    with pytest.raises(InputError, match="did you mean en-us") as caught:
        cast.resolve_voices("en", ENGINE, "voices.toml")
    assert "audiobook voices" in str(caught.value)
    assert str(caught.value).startswith("voices.toml: narrator.voice")


def test_unknown_character_voice_names_its_key() -> None:
    cast = Cast.model_validate({"characters": {"alice": {"voice": "de-xx"}}})
    with pytest.raises(InputError, match=r"characters\.alice\.voice: unknown voice 'de-xx'"):
        cast.resolve_voices("en", ENGINE, "voices.toml")


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
    assert Cast().resolve_voices(language, ENGINE, "voices.toml").narrator.voice == voice
    named = Cast.model_validate({"narrator": {"voice": "de"}})
    assert named.resolve_voices(language, ENGINE, "voices.toml").narrator.voice == "de"


def test_no_voice_for_the_language_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no voice for the language 'tlh'"):
        Cast().resolve_voices("tlh", ENGINE, "voices.toml")


def test_characters_need_a_voice_and_a_plain_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[characters.Alice]\nvoice = 'en-gb'\n")
    with pytest.raises(InputError, match="lower-case"):
        load_cast(path)
    path = write(tmp_path, "[characters.alice]\nrate = 200\n")
    with pytest.raises(InputError, match=r"alice\.voice is missing"):
        load_cast(path)
