"""Casting: a voice for each character from the voices an engine has, by gender, never the
narrator's or one like it, the same on every machine."""

from __future__ import annotations

from audiobook.engines.interface import VoiceInfo
from audiobook.pipeline.cast.casting import MIN_LINES, cast_voices


def voice(voice_id: str, gender: str, alike: tuple[str, ...] = ()) -> VoiceInfo:
    """A Kokoro voice as the engine lists it: af_/am_ American, bf_/bm_ British."""
    british = voice_id.startswith("b")
    return VoiceInfo(
        id=voice_id,
        name=voice_id,
        languages=("en-gb",) if british else ("en-us",),
        gender=gender,
        engine="kokoro",
        accent="British" if british else "American",
        alike=alike,
    )


# Kokoro's English voices (a part of them), with its pairs that sound alike
# (engines/kokoro_voices.ALIKE): af_bella and bf_lily are like af_heart, af_kore like af_nova.
VOICES = [
    voice("af_heart", "female", ("af_bella", "bf_lily")),
    voice("af_bella", "female", ("af_heart",)),
    voice("af_kore", "female", ("af_nova",)),
    voice("af_nova", "female", ("af_kore",)),
    voice("af_sarah", "female"),
    voice("af_sky", "female"),
    voice("af_nicole", "female"),
    voice("bf_emma", "female"),
    voice("bf_lily", "female", ("af_heart",)),
    voice("bf_isabella", "female"),
    voice("am_adam", "male"),
    voice("am_echo", "male"),
    voice("am_eric", "male"),
    voice("am_michael", "male"),
    voice("am_onyx", "male"),
    voice("bm_george", "male"),
    voice("bm_lewis", "male"),
    voice("bm_daniel", "male"),
]
GENDER = {v.id: v.gender for v in VOICES}
ALIKE = {v.id: set(v.alike) for v in VOICES}
NARRATOR = ("kokoro", "af_heart")
MAIN = [
    ("Elizabeth", "female", 120),
    ("Mr. Darcy", "male", 80),
    ("Jane", "female", 40),
    ("Mrs. Bennet", "female", 35),
    ("Mr. Bennet", "male", 30),
    ("Mr. Bingley", "male", 20),
]
MINOR = [("Kitty", "female", 3), ("Mr. Collins", "male", 2), ("Mary", "female", 1)]
UNKNOWN = [("Bingley", None, 12), ("the stranger", None, 2)]


def test_main_characters_get_distinct_voices_of_their_gender() -> None:
    chosen = cast_voices(MAIN + MINOR, NARRATOR, "en-us", VOICES)
    main = {name: chosen[name] for name, _, lines in MAIN if lines >= MIN_LINES}
    assert all(casting is not None for casting in main.values()), main
    ids = [casting.voice for casting in main.values() if casting is not None]
    assert len(set(ids)) == len(ids), main
    for name, gender, _ in MAIN:
        casting = chosen[name]
        assert casting is not None and casting.engine == "kokoro"
        assert GENDER[casting.voice] == gender, (name, casting)
    for a in ids:  # and no two of them sound alike
        assert not ALIKE[a] & set(ids), a


def test_never_the_narrators_voice_nor_one_like_it() -> None:
    """af_heart reads the book; af_bella and bf_lily sound like her: no character has them."""
    chosen = cast_voices(MAIN + MINOR, NARRATOR, "en-us", VOICES)
    given = {c.voice for c in chosen.values() if c is not None}
    assert not given & {"af_heart", "af_bella", "bf_lily"}


def test_a_blended_narrator_excludes_each_of_its_voices() -> None:
    chosen = cast_voices(MAIN + MINOR, ("kokoro", "af_heart:60,bf_emma:40"), "en-gb", VOICES)
    given = {c.voice for c in chosen.values() if c is not None}
    assert not given & {"af_heart", "af_bella", "bf_lily", "bf_emma"}


def test_minor_characters_share_a_pool_apart_from_the_main_ones() -> None:
    chosen = cast_voices(MAIN + MINOR, NARRATOR, "en-us", VOICES)
    main = {chosen[name].voice for name, _, _ in MAIN if chosen[name] is not None}
    for name, gender, _ in MINOR:
        casting = chosen[name]
        assert casting is not None
        assert GENDER[casting.voice] == gender
        assert casting.voice not in main, name


def test_unknown_gender_and_the_narrator_i_stay_with_the_narrator() -> None:
    """A wrong voice is audibly wrong, the narrator's never is: None for a character whose
    gender is unknown and for the first-person narrator, however many lines they have."""
    chosen = cast_voices([("I", "male", 200), *UNKNOWN, *MAIN], NARRATOR, "en-us", VOICES)
    assert chosen["I"] is None
    assert chosen["Bingley"] is None
    assert chosen["the stranger"] is None
    assert cast_voices([("I", None, 50)], NARRATOR, "en", VOICES) == {"I": None}


def test_the_books_accent_comes_first() -> None:
    """A British book's leads get British voices (bf_, bm_) while there are some."""
    chosen = cast_voices(MAIN[:2], NARRATOR, "en-gb", VOICES)
    accents = [c.voice[:1] if c is not None else None for c in chosen.values()]
    assert accents == ["b", "b"]


def test_no_voices_of_the_language_means_the_narrators_voice() -> None:
    french = [
        VoiceInfo("ff_siwis", "ff_siwis", ("fr-fr",), "female", engine="kokoro"),
    ]
    assert cast_voices(MAIN, NARRATOR, "de", french) == {name: None for name, _, _ in MAIN}


def test_casting_is_the_same_on_every_call() -> None:
    characters = MAIN + MINOR + UNKNOWN
    first = cast_voices(characters, NARRATOR, "en-us", VOICES)
    for _ in range(3):
        assert cast_voices(list(characters), NARRATOR, "en-us", list(VOICES)) == first
