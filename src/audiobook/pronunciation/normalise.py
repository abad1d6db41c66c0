"""Text prepared for the ear: what the engine would read badly, said the way a narrator would.

Measured with espeak-ng 1.52 (its phoneme output): "Chapter XII" came out as "chapter roman
twelve", "£5" as "pound five", "$3.50" as "dollar three point five zero", "9:05" as "nine zero
five", "Baker St." as "Baker saint", "Ch. XII" letter by letter. These rules fix that, for
English; other languages get the language-neutral ones (dashes). The producer's pronunciation
lexicon is applied first, so a respelling always wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from num2words import num2words

_ROMAN = r"[IVXLC]+"
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
# Regnal numbers: II to XXXIX ("Henry VIII", "Louis XIV"), the lone ones only after a title.
_REGNAL = r"(?=[IVX]+\b)X{0,3}(?:IX|IV|V?I{0,3})"
_TITLES = r"King|Queen|Pope|Emperor|Empress|Tsar|Czar|Prince|Princess|Duke|Saint|St\."
_HEADING_WORDS = r"Chapter|CHAPTER|Ch\.|Part|PART|Book|BOOK|Volume|Vol\.|Act|ACT|Scene|SCENE"
_CURRENCY = {
    "£": ("pound", "pounds", "penny", "pence"),
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
}


def roman_to_int(token: str) -> int:
    total = 0
    values = [_ROMAN_VALUES[c] for c in token.upper()]
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace whole words found in LEXICON (matched without regard to case) by their respelling."""
    if not lexicon:
        return text
    by_lower = {word.lower(): spoken for word, spoken in lexicon.items()}
    words = sorted(by_lower, key=len, reverse=True)  # "New York" before "New"
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)", re.I)
    return pattern.sub(lambda m: by_lower[m.group(0).lower()], text)


def normalize(text: str, language: str = "en") -> str:
    """TEXT as the narrator should say it."""
    text = re.sub(r"\s*--+\s*", ", ", text)  # a typewriter dash is a pause, not "dash dash"
    if language.split("-")[0].lower() != "en":
        return text
    text = re.sub(rf"\b({_HEADING_WORDS})\s+({_ROMAN})\b", _heading_numeral, text)
    # "King George III", "Henry VIII": a capitalised name, then a numeral: "the third".
    text = re.sub(rf"\b(?:({_TITLES})\s+)?([A-Z][a-z]+)\s+({_REGNAL})\b", _regnal, text)
    text = re.sub(r"([£$€])\s?(\d[\d,]*)(?:\.(\d\d))?\b", _currency, text)
    text = re.sub(r"\b(\d{1,2}):(\d\d)\b", _time, text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: num2words(int(m[1]), to="ordinal"), text)
    text = re.sub(r"(?<=[a-z])\s+St\.(?=\s*(?:$|[^A-Z\s]|\s[a-z]))", " Street", text)
    text = re.sub(r"\bNo\.\s*(?=\d)", "number ", text)
    return text


def _heading_numeral(m: re.Match[str]) -> str:
    word = "Chapter" if m[1] == "Ch." else "Volume" if m[1] == "Vol." else m[1]
    return f"{word} {roman_to_int(m[2])}"


def _regnal(m: re.Match[str]) -> str:
    title, name, numeral = m[1], m[2], m[3]
    if name in {"Chapter", "Part", "Book", "Volume", "Act", "Scene"}:
        return m[0]
    # "I" is far more often the pronoun, and "Malcolm X" is no tenth: a lone I, V or X counts
    # only after a title ("King Henry V").
    if not numeral or (len(numeral) == 1 and not title):
        return m[0]
    prefix = f"{title} " if title else ""
    return f"{prefix}{name} the {num2words(roman_to_int(numeral), to='ordinal')}"


def _currency(m: re.Match[str]) -> str:
    one, many, sub_one, sub_many = _CURRENCY[m[1]]
    whole = int(m[2].replace(",", ""))
    said = f"{num2words(whole)} {one if whole == 1 else many}"
    if m[3] and int(m[3]):
        cents = int(m[3])
        said += f" and {num2words(cents)} {sub_one if cents == 1 else sub_many}"
    return said


def _time(m: re.Match[str]) -> str:
    hours, minutes = int(m[1]), int(m[2])
    if hours > 24 or minutes > 59:
        return m[0]
    if minutes == 0:
        return f"{num2words(hours)} o'clock"
    if minutes < 10:
        return f"{num2words(hours)} oh {num2words(minutes)}"
    return f"{num2words(hours)} {num2words(minutes)}"
