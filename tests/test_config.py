from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.config import Cast, load_cast
from audiobook.errors import InputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voices.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_voices_toml_loads() -> None:
    cast = load_cast(Path(__file__).resolve().parent.parent / "voices.toml")
    assert cast.narrator.voice == "en-us"
    assert 80 <= cast.narrator.rate <= 450


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


def test_unknown_voice_suggests_close_matches(tmp_path: Path) -> None:
    cast = Cast.model_validate({"narrator": {"voice": "en-uss"}})
    with pytest.raises(InputError, match="did you mean en-us") as caught:
        cast.check_voices(["en-us", "en-gb", "de", "fr-fr"], "voices.toml")
    assert "audiobook voices" in str(caught.value)
