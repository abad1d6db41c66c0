"""The lexicon: respellings and phonemes, by language and by voice, with or without regard to
case; read from voices.toml with one-line errors; and checked against each voice's phonemes
before a render starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.core.config import Cast, LexiconEntry, Voice, load_cast
from audiobook.core.errors import InputError
from audiobook.engines import ENGINES
from audiobook.pipeline.plan import check_lexicon
from audiobook.pronunciation.lexicon import Lexicon, language_matches
from audiobook.pronunciation.spoken import spoken

from ..conftest import run_cli

VOICES = """\
[narrator]
voice = "en-us"

[characters.alice]
voice = "en-gb"

[lexicon]
Hatter = "Hat-ter"
"New York" = "Noo York"
Hermione = { ipa = "hɜːˈmaɪ.ə.ni" }
US = { say = "United States", case_sensitive = true }
Gif = [
  { say = "jiff", voices = ["alice"] },
  { ipa = "ɡˈɪf", language = "en" },
]
Paris = { say = "Pa-ree", language = "fr" }
"""


@pytest.fixture
def lexicon(tmp_path: Path) -> Lexicon:
    path = tmp_path / "voices.toml"
    path.write_text(VOICES, encoding="utf-8")
    return Lexicon(load_cast(path, ENGINES).lexicon)


def test_respellings_and_phonemes_replace_whole_words_whatever_their_case(
    lexicon: Lexicon,
) -> None:
    said = lexicon.apply("The HATTER met hermione in New York; Hattering is not a word.", "en")
    assert said == "The Hat-ter met [[hɜːmˈaɪəni]] in Noo York; Hattering is not a word."


def test_a_case_sensitive_entry_changes_us_the_country_and_not_us(lexicon: Lexicon) -> None:
    said = lexicon.apply("The US sent us a letter; the Us and us.", "en-us")
    assert said == "The United States sent us a letter; the Us and us."
    assert spoken("The US sent us.", "en-us", lexicon) == "The United States sent us."


def test_an_entry_for_some_voices_or_a_language_applies_only_there(lexicon: Lexicon) -> None:
    assert lexicon.apply("A gif.", "en-gb", {"alice"}) == "A jiff."
    assert lexicon.apply("A gif.", "en-gb", {"narrator"}) == "A [[ɡˈɪf]]."
    assert lexicon.apply("A gif in Paris.", "fr-fr") == "A gif in Pa-ree."
    assert lexicon.apply("Paris", "en") == "Paris"
    assert language_matches("en", "en-GB") and not language_matches("en-gb", "en-us")


def test_a_respelling_changes_only_whole_words() -> None:
    lexicon = Lexicon({"Kalmurzaev": "Kal-moor-zah-yev", "New York": "Noo York"})
    text = "Kalmurzaev, KALMURZAEV and kalmurzaev; Kalmurzaevs; New York, New Yorker"
    assert lexicon.apply(text, "en") == (
        "Kal-moor-zah-yev, Kal-moor-zah-yev and Kal-moor-zah-yev; Kalmurzaevs; Noo York, New Yorker"
    )


def test_phoneme_blocks_already_in_the_text_are_left_alone(lexicon: Lexicon) -> None:
    assert lexicon.apply("[[hˈætɚ]] Hatter", "en") == "[[hˈætɚ]] Hat-ter"


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ('X = { ipa = "a", say = "b" }', "lexicon: 'X'.ipa: give `say` or `ipa`, not both"),
        ('X = { language = "en" }', "lexicon: 'X': give `say` (a respelling) or `ipa`"),
        ("X = 5", "lexicon: 'X': a respelling"),
        ('X = { ipa = "a", colour = 1 }', "lexicon: 'X'.colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_entry_is_one_line_naming_it(tmp_path: Path, entry: str, says: str) -> None:
    path = tmp_path / "voices.toml"
    path.write_text(f"[lexicon]\n{entry}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_cast(path, ENGINES)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_phonemes_a_voice_cannot_say_are_refused_naming_the_entry() -> None:
    cast = Cast(
        narrator=Voice(engine="espeak", voice="en-us"),
        lexicon={"Rouen": LexiconEntry(ipa="ʁuˈɑ̃"), "Hermione": LexiconEntry(ipa="hɜːˈmaɪəni")},
    )
    with pytest.raises(InputError) as caught:
        check_lexicon(cast, "en", Path("voices.toml"))
    assert "lexicon entry 'Rouen': eSpeak NG en-us has no phoneme for 'ʁ'" in str(caught.value)
    check_lexicon(cast.model_copy(update={"lexicon": {"Hermione": "her-my-oh-nee"}}), "en",
                  Path("voices.toml"))  # fmt: skip
    scoped = {"Rouen": LexiconEntry(ipa="ʁuˈɑ̃", voices=("alice",))}
    check_lexicon(cast.model_copy(update={"lexicon": scoped}), "en", Path("voices.toml"))


def test_a_render_with_unsayable_phonemes_stops_before_anything_is_written(
    tmp_path: Path,
) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "book.txt").write_text("Chapter 1\n\nThey went to Rouen.\n")
    (tmp_path / "voices.toml").write_text(
        '[narrator]\nengine = "espeak"\nvoice = "en-us"\n[lexicon]\nRouen = { ipa = "ʁuˈɑ̃" }\n',
        encoding="utf-8",
    )
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "audiobook: error: voices.toml: lexicon entry 'Rouen': eSpeak NG en-us has no phoneme "
        "for 'ʁ' in 'ʁuˈɑ̃'; write the IPA with the phonemes of its language, or give a "
        "respelling (say = ...)"
    ]
    assert not (tmp_path / "audio").exists()


def test_chapters_shows_the_text_as_it_will_be_said_beside_it_as_written(tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "book.txt").write_text(
        "Chapter 1\n\nThe US wrote to us: Hermione had read it.\n\nChapter 2\n\nThe end.\n",
        encoding="utf-8",
    )
    (tmp_path / "voices.toml").write_text(VOICES, encoding="utf-8")
    said = run_cli("chapters", "--text", "said", "--json", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    chapters = json.loads(said.stdout)["chapters"]
    assert chapters[0]["paragraphs"] == [
        "The United States wrote to us: [[hɜːmˈaɪəni]] had [[ɹˈɛd]] it."
    ]
    written = run_cli("chapters", "--text", "written", cwd=tmp_path)
    assert written.stdout.splitlines() == [
        "## 1 Chapter 1", "The US wrote to us: Hermione had read it.", "## 2 Chapter 2",
        "The end.",
    ]  # fmt: skip


def test_the_lexicon_overrides_a_heteronym_s_chosen_sense(lexicon: Lexicon) -> None:
    chosen = spoken("She had read it.", "en-us")
    assert chosen == "She had [[ɹˈɛd]] it."  # the heteronym rules' past tense
    override = Lexicon({"read": LexiconEntry(ipa="ɹˈiːd")})
    assert spoken("She had read it.", "en-us", override) == "She had [[ɹˈiːd]] it."


def test_each_engine_names_the_first_symbol_a_voice_cannot_say() -> None:
    from audiobook.engines import espeak, kokoro, piper

    assert espeak.unsayable("hɜːmˈaɪəni", Voice(engine="espeak", voice="en-us")) is None
    assert espeak.unsayable("ʁuˈɑ̃", Voice(engine="espeak", voice="en-us")) == "ʁ"
    if piper.available():
        joe = Voice(engine="piper", voice="en_US-joe-medium")
        assert piper.unsayable("hɜːmˈaɪəni", joe) is None
        assert piper.unsayable("ha☃", joe) == "☃"  # not in its phoneme_id_map
    if kokoro.available():
        heart = Voice(engine="kokoro", voice="af_heart")
        assert kokoro.unsayable("hɜːmˈaɪəni", heart) is None
        assert kokoro.unsayable("ha☃", heart) == "☃"  # not in its vocabulary
