"""A lexicon entry's phonemes reach every engine: the phonemes each engine says for a sentence
with the name hold the entry's, and eSpeak NG and Piper say the name exactly as they say a word
whose phonemes the entry copies (same phonemes, same samples: both are deterministic)."""

from __future__ import annotations

import contextlib

import pytest

from audiobook.core.config import LexiconEntry, Voice
from audiobook.core.phonemes import ipa_to_espeak, normalise_ipa
from audiobook.engines import kokoro, piper
from audiobook.engines.espeak import for_espeak
from audiobook.engines.espeak_phonemes import phonemes, spoken_phonemes
from audiobook.engines.worker import WorkerEngine
from audiobook.pronunciation.lexicon import Lexicon
from audiobook.pronunciation.spoken import spoken

SENTENCE = "Then Siobhan smiled, and Siobhan sat down."
# The name said as eSpeak NG says "Sharon": a sound no reading of "Siobhan" by rule gives.
REFERENCE = "Then Sharon smiled, and Sharon sat down."


def _sharon() -> str:
    ipa = phonemes("Sharon", "en-us")
    assert ipa and " " not in ipa
    return ipa


def _said(language: str = "en-us") -> str:
    lexicon = Lexicon({"Siobhan": LexiconEntry(ipa=_sharon())})
    text = spoken(SENTENCE, language, lexicon)
    assert text.count(f"[[{_sharon()}]]") == 2 and "Siobhan" not in text
    return text


def test_a_dictionary_s_ipa_is_made_espeak_ng_s() -> None:
    assert normalise_ipa("/hɜːˈmaɪ.ə.ni/") == "hɜːmˈaɪəni"
    assert normalise_ipa("ˈdɑːr.si") == "dˈɑːɹsi"
    assert ipa_to_espeak("hɜːmˈaɪəni") == "h3:m'aI@ni"


def test_espeak_ng_says_the_entry_s_phonemes() -> None:
    """What the eSpeak NG Backend gives the library (for_espeak) is spoken with the entry's
    phonemes (eSpeak NG's own trace of what it says); and the worker's audio is as long as the
    reference's, not the name's."""
    assert phonemes("Siobhan", "en-us") != _sharon()  # its dictionary says it otherwise
    text, phoneme_input = for_espeak(_said())
    assert phoneme_input and "[[S'ar@n]]" in text
    said = spoken_phonemes(text, "en-us", phoneme_input)
    assert said == spoken_phonemes(REFERENCE, "en-us")
    assert said.count("S'ar@n") == 2
    assert spoken_phonemes(SENTENCE, "en-us").count("S'ar@n") == 0
    voice = Voice(engine="espeak", voice="en-us", rate=175, volume=1.0, pitch=50)
    with contextlib.closing(WorkerEngine("espeak")) as engine:
        ours = engine.synthesize(_said(), voice)
        reference = engine.synthesize(REFERENCE, voice)
        plain = engine.synthesize(SENTENCE, voice)
    # eSpeak NG's samples vary a little from one call to the next (engines/espeak: STATEFUL).
    assert abs(len(ours.pcm) - len(reference.pcm)) < 0.01 * len(reference.pcm)
    assert abs(len(ours.pcm) - len(plain.pcm)) > 0.03 * len(plain.pcm)


@pytest.mark.skipif(not piper.available(), reason="Piper is not installed: pip install '.[piper]'")
def test_piper_says_the_entry_s_phonemes() -> None:
    loaded = piper.Backend()._voice("en_US-joe-medium")
    said = ["".join(sentence) for sentence in loaded.phonemize(_said())]
    assert said == ["".join(s) for s in loaded.phonemize(REFERENCE)]
    assert sum(s.count(_sharon()) for s in said) == 2
    voice = Voice(engine="piper", voice="en_US-joe-medium")
    with contextlib.closing(WorkerEngine("piper")) as engine:
        ours = engine.synthesize(_said(), voice)
        reference = engine.synthesize(REFERENCE, voice)
    assert ours.pcm == reference.pcm


def test_punctuation_after_a_block_is_kept_for_piper() -> None:
    if not piper.available():
        pytest.skip("Piper is not installed: pip install '.[piper]'")
    loaded = piper.Backend()._voice("en_US-joe-medium")
    said = loaded.phonemize("Then [[ʃˈuː]], said he. [[ʃˈuː]]. Next one.")
    assert ["".join(s) for s in said] == ["ðˈɛn ʃˈuː, sˈɛd hiː.", "ʃˈuː.", "nˈɛkst wˌʌn."]


@pytest.mark.skipif(
    not kokoro.available(), reason="Kokoro is not installed: pip install '.[kokoro]'"
)
def test_kokoro_phonemises_around_the_entry() -> None:
    model = kokoro._Model(threads=1)
    said = model.phonemes(_said(), "en-us")
    assert said.count(_sharon()) == 2
    assert said == model.phonemes(REFERENCE, "en-us")
