"""Phonemes inside the text: how a pronunciation (the lexicon's IPA, a heteronym's chosen sense)
travels from the pronunciation wing to every engine.

A word to be said by its phonemes is written in the text the engine is given as a block,
`[[hɜːmˈaɪəni]]`, in IPA as espeak-ng writes it (the stress mark just before the stressed
vowel, long vowels with `ː`). Piper reads such blocks itself (piper-tts 1.3+: raw phonemes);
Kokoro's Backend splits them out before phonemising the rest; eSpeak NG reads `[[...]]` as its
own phoneme mnemonics, into which `ipa_to_espeak` turns the IPA.

IPA from a dictionary is written a little differently (the stress mark before the syllable,
syllable dots, `r` and `g` for `ɹ` and `ɡ`): `normalise_ipa` makes it espeak-ng's. A symbol
eSpeak NG has no phoneme for is an `UnsayableIpa` naming it, so the lexicon entry can be named.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BLOCK = re.compile(r"\[\[([^\[\]]*)\]\]")

# IPA vowels, longest first, as espeak-ng's English phonemes write them.
_VOWELS = (
    "ɑːɹ", "ɔːɹ", "ɛɹ", "ɪɹ", "ʊɹ", "eə", "ɪə", "ʊə", "aɪ", "aʊ", "eɪ", "ɔɪ", "oʊ", "əʊ",
    "ɜː", "ɑː", "ɔː", "iː", "uː", "ɝ", "ɚ", "æ", "ɑ", "ɒ", "ɔ", "ɛ", "e", "ɪ", "i", "ʊ",
    "u", "ʌ", "ə", "ɐ", "ᵻ", "a", "o", "ɜ",
)  # fmt: skip
# IPA -> eSpeak NG's English phoneme mnemonics (its phsource/ph_english names), longest first.
_TO_ESPEAK = {
    "ɑːɹ": "A@", "ɔːɹ": "O@", "ɛɹ": "e@", "ɪɹ": "i@3", "ʊɹ": "U@", "eə": "e@", "ɪə": "i@",
    "ʊə": "U@", "aɪ": "aI", "aʊ": "aU", "eɪ": "eI", "ɔɪ": "OI", "oʊ": "oU", "əʊ": "oU",
    "ɜː": "3:", "ɑː": "A:", "ɔː": "O:", "iː": "i:", "uː": "u:", "ɝ": "3:", "ɚ": "3", "æ": "a",
    "ɑ": "A:", "ɒ": "0", "ɔ": "O:", "ɛ": "E", "e": "E", "ɪ": "I", "i": "i", "ʊ": "U",
    "u": "u:", "ʌ": "V", "ə": "@", "ɐ": "a#", "ᵻ": "I2", "a": "a", "o": "oU", "ɜ": "3:",
    "tʃ": "tS", "dʒ": "dZ", "θ": "T", "ð": "D", "ʃ": "S", "ʒ": "Z", "ŋ": "N", "ɹ": "r",
    "ɾ": "t", "ʔ": "?", "x": "x", "ɡ": "g", "p": "p", "b": "b", "t": "t", "d": "d", "k": "k",
    "f": "f", "v": "v", "s": "s", "z": "z", "h": "h", "m": "m", "n": "n", "l": "l", "w": "w",
    "j": "j", "ˈ": "'", "ˌ": ",", " ": " ",
}  # fmt: skip
_ESPEAK_KEYS = sorted(_TO_ESPEAK, key=len, reverse=True)
# How dictionaries write what espeak-ng writes otherwise.
_SPELLINGS = {"g": "ɡ", "r": "ɹ", "'": "ˈ", ",": "ˌ", ":": "ː", "ɫ": "l", "ɐ̯": "ɐ"}
_DROPPED = ".‿/[]͡"  # syllable dots, links, slashes and brackets around a transcription, ties
_VOWEL_START = re.compile("|".join(map(re.escape, sorted(_VOWELS, key=len, reverse=True))))


class UnsayableIpa(ValueError):
    """An IPA symbol an engine has no phoneme for (its first such symbol is `.symbol`)."""

    def __init__(self, symbol: str) -> None:
        super().__init__(symbol)
        self.symbol = symbol


def block(ipa: str) -> str:
    """IPA as a block in the text an engine is given."""
    return f"[[{ipa}]]"


def split_blocks(text: str) -> list[tuple[bool, str]]:
    """TEXT as its pieces in order: (True, ipa) for a block, (False, text) for the rest."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for m in BLOCK.finditer(text):
        if m.start() > at:
            pieces.append((False, text[at : m.start()]))
        pieces.append((True, m.group(1)))
        at = m.end()
    if at < len(text):
        pieces.append((False, text[at:]))
    return pieces


def outside_blocks(text: str, change: Callable[[str], str]) -> str:
    """TEXT with CHANGE (a function of a text piece) applied to what is not a block."""
    return "".join(block(p) if is_block else change(p) for is_block, p in split_blocks(text))


def normalise_ipa(ipa: str) -> str:
    """A dictionary's IPA as espeak-ng writes it: each stress mark just before its vowel, no
    syllable dots or slashes, `ɹ` and `ɡ`, one space between words."""
    text = "".join(_SPELLINGS.get(c, c) for c in ipa.strip() if c not in _DROPPED)
    words = []
    for word in text.split():
        out: list[str] = []
        pending = ""
        i = 0
        while i < len(word):
            c = word[i]
            if c in "ˈˌ":
                pending = c
                i += 1
                continue
            m = _VOWEL_START.match(word, i)
            if m and pending:
                out.append(pending)
                pending = ""
            out.append(word[i] if not m else m.group(0))
            i += 1 if not m else len(m.group(0))
        if pending:
            out.append(pending)
        words.append("".join(out))
    return " ".join(words)


def ipa_to_espeak(ipa: str) -> str:
    """espeak-ng's IPA (normalise_ipa's) as eSpeak NG's English phoneme mnemonics, for its
    `[[...]]` input. A symbol it has no phoneme for raises UnsayableIpa."""
    out: list[str] = []
    i = 0
    while i < len(ipa):
        for key in _ESPEAK_KEYS:
            if ipa.startswith(key, i):
                out.append(_TO_ESPEAK[key])
                i += len(key)
                break
        else:
            if ipa[i] == "ː" and out:
                out.append(":")
                i += 1
                continue
            raise UnsayableIpa(ipa[i])
    return "".join(out)
