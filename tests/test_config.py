from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.core.config import Cast, load_cast
from audiobook.core.errors import InputError
from audiobook.engines import ENGINES


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voices.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_voices_toml_loads() -> None:
    cast = load_cast(Path(__file__).resolve().parent.parent / "voices.toml", ENGINES)
    # No engine or voice: the book's language picks one (Piper's when installed: `make render`).
    assert (cast.narrator.engine, cast.narrator.voice, cast.narrator.rate) == (None, None, None)
    assert cast.narrator.volume == 1.0
    assert cast.lexicon and cast.output.profile == "acx"


def test_missing_voices_file_means_defaults(tmp_path: Path) -> None:
    assert load_cast(tmp_path / "voices.toml", ENGINES) == Cast()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[narrator]\nvoice = 'en-us'\nrate = 900\n", "narrator.rate: Input should be less"),
        ("[narrator]\nvoice = 'en-us'\nspeed = 100\n", "narrator.speed: unknown key"),
        ("[narator]\nvoice = 'en-us'\n", "narator: unknown key"),
        ("[timing]\ntail = 100\n", "timing.tail"),
        ("[narrator\nvoice = 1", "not valid TOML"),
        (
            "[narrator]\nengine = 'festival'\n",
            "narrator.engine: Input should be 'espeak', 'kokoro' or 'piper' (got 'festival')",
        ),
        ("[characters.hatter]\nengine = ''\nvoice = 'en-gb'\n", "characters.hatter.engine"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_cast(path, ENGINES)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_an_engine_is_one_the_loader_knows(tmp_path: Path) -> None:
    """Core knows no engine: the names are the registry's, handed in by whoever loads the file;
    a Literal would have had to be written out again here."""
    path = write(tmp_path, "[narrator]\nengine = 'tiny'\nvoice = 't1'\n")
    assert load_cast(path, ("tiny", *ENGINES)).narrator.engine == "tiny"
    with pytest.raises(InputError, match="Input should be 'espeak', 'kokoro', 'piper' or 'tiny'"):
        load_cast(write(tmp_path, "[narrator]\nengine = 'festival'\n"), ("tiny", *ENGINES))


def test_characters_need_a_voice_and_a_plain_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[characters.Alice]\nvoice = 'en-gb'\n")
    with pytest.raises(InputError, match="lower-case"):
        load_cast(path, ENGINES)
    path = write(tmp_path, "[characters.alice]\nrate = 200\n")
    with pytest.raises(InputError, match=r"alice\.voice is missing"):
        load_cast(path, ENGINES)
