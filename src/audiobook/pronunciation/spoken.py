"""Written text -> what the engine is given, in the one order everything uses (the render's plan,
`say`, `words --audio`, `chapters --said`): the producer's lexicon first (it always wins), then
the narrator's normalisation (dates, numbers, abbreviations), then each heteronym's sense from its
sentence, said as phonemes. What the lexicon or a heteronym decides travels as a phoneme block.
"""

from __future__ import annotations

from collections.abc import Collection

from audiobook.core.phonemes import block, outside_blocks
from audiobook.pronunciation.heteronyms import heteronym_phonemes
from audiobook.pronunciation.lexicon import Lexicon
from audiobook.pronunciation.normalise import normalize


def with_heteronyms(text: str, language: str) -> str:
    """TEXT with each heteronym whose sense its sentence decides as that sense's phonemes."""

    def choose(piece: str) -> str:
        spans = heteronym_phonemes(piece, language)
        if not spans:
            return piece
        out, at = [], 0
        for start, end, ipa in sorted(spans):
            out += [piece[at:start], block(ipa)]
            at = end
        out.append(piece[at:])
        return "".join(out)

    return outside_blocks(text, choose)


def spoken(
    text: str,
    language: str,
    lexicon: Lexicon | None = None,
    names: Collection[str] = ("narrator",),
    dialect: str | None = None,
) -> str:
    """TEXT as it is said by a voice called NAMES (its key in voices.toml, its character's name)
    in a book of LANGUAGE; DIALECT is the voice's own language ("en-gb"): a heteronym is said
    with its vowels (a book's plain "en" says nothing of them)."""
    if lexicon:
        text = lexicon.apply(text, language, names)
    if dialect is None or dialect.split("-")[0].lower() != language.split("-")[0].lower():
        dialect = language
    return with_heteronyms(normalize(text, language), dialect)
