"""Text prepared for the ear: what the engine would read badly, said the way a narrator would.

Measured with espeak-ng 1.52 (its phoneme output): "Chapter XII" came out as "chapter roman
twelve", "£5" as "pound five", "$3.50" as "dollar three point five zero", "9:05" as "nine zero
five", "Baker St." as "Baker saint", "Ch. XII" letter by letter, "e.g." as "e g", "Prof." and
"Capt." cut short ("prof", "capt"), "Mt. Everest" as "m t Everest"; dates, times, units and
years fared no better (pronunciation/dates and pronunciation/numbers say how). These rules fix
that for English, in the book's locale ("en-us" dates month first, "kilometers"); French,
German, Spanish, Italian and Dutch get their dates and times (French its ordinals too: "76e"
was said "soixante-seize e"); every language gets the language-neutral ones (dashes).

A rule changes only what it is sure of ("I" the pronoun, "in" the preposition, "May" and
"March" without a day stay words); anything else is left as written, and `leftovers` names
what of that an engine may still say badly. Phoneme blocks (`[[...]]`) are never touched. The
producer's pronunciation lexicon is applied first, so a respelling always wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from num2words import num2words

from audiobook.core.phonemes import BLOCK, outside_blocks
from audiobook.pronunciation import dates, numbers
from audiobook.pronunciation.numbers import roman_to_int

_ROMAN = r"[IVXLC]+"
# Regnal numbers: II to XXXIX ("Henry VIII", "Louis XIV"), the lone ones only after a title.
_REGNAL = r"(?=[IVX]+\b)X{0,3}(?:IX|IV|V?I{0,3})"
_TITLES = r"King|Queen|Pope|Emperor|Empress|Tsar|Czar|Prince|Princess|Duke|Saint|St\."
_HEADING_WORDS = (
    r"Chapter|CHAPTER|Ch\.|Part|PART|Book|BOOK|Volume|VOLUME|Vol\.|Act|ACT|Scene|SCENE"
    r"|Section|SECTION|Sect\.|Canto|CANTO|Stave|STAVE"
)


# A whole novel is normalised at every render. The patterns that run on every paragraph begin
# with a letter, not with \b or a look-behind, so that the regex engine can skip ahead to where one
# may match (`_within_a_word` then checks what \b would have); the rules for numbers run only on
# the paragraphs that have a digit.
_DASHES = re.compile(r"\s*--+\s*")
_PARAGRAPH_BREAK = re.compile(r"(\n\s*\n)")
_DIGITS = "0123456789½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_DIGIT = re.compile(f"[{_DIGITS}]")
# "Chapter XII", "Chapter xii"; "chapter xii", "vol. iv": a lower-case numeral is never the
# pronoun I, so it makes a heading of a lower-case word too (found by the rare numeral, not the
# common words). A "letter i" is a letter.
_LOWER_ROMAN = r"(?=[ivx]+\b)x{0,3}(?:ix|iv|v?i{0,3})"
_HEADING = re.compile(rf"({_HEADING_WORDS}|ch\.|vol\.|sect\.)\s+({_ROMAN}|{_LOWER_ROMAN})\b")
_LOWER_NUMERAL = re.compile(rf"\s({_LOWER_ROMAN})\b")
_LOWER_HEADING_WORDS = {
    "chapter", "part", "book", "volume", "act", "scene", "section", "canto", "stave"
}  # fmt: skip
_HEADING_SAID = {"Ch.": "Chapter", "Vol.": "Volume", "Sect.": "Section"}
# "King George III", "Henry VIII": a capitalised name, then a numeral: "the third".
_REGNAL_NAME = re.compile(rf"([A-Z][a-z]+)\s+({_REGNAL})\b")
_TITLE_BEFORE = re.compile(rf"\b({_TITLES})\s+$")
_NUMBER_SIGN = re.compile(r"\bNo\.\s*(?=\d)")

# Abbreviations: said as words where the rule is sure; "Mr." and "Mrs." every engine says right.
_LOWER_ABBREVIATION = re.compile(
    r"e\.\s?g\.|E\.\s?g\.|i\.\s?e\.|I\.\s?e\.|etc\.|&c\b\.?|vs\b\.?|approx\.|cf\.|ca\.(?=\s+\d)"
)
_TITLE_WORDS = (
    "Prof", "Capt", "Col", "Gen", "Lt", "Sgt", "Rev", "Revd", "Hon", "Gov", "Maj", "Adm", "Insp",
    "Supt",
)  # fmt: skip
# Each alternative begins with its letters, not inside a group: measured eight times faster than
# the same alternatives grouped, which the engine cannot skip ahead to.
_TITLE_ABBREVIATION = re.compile(
    "|".join(
        [rf"{a}\b\.?" for a in ("St", "Dr", "Mt", "Jr", "Sr")] + [rf"{a}\." for a in _TITLE_WORDS]
    )
)
_SAID = {
    "e.g": "for example", "i.e": "that is", "etc": "et cetera", "&c": "et cetera",
    "vs": "versus", "approx": "approximately", "cf": "compare", "ca": "circa",
}  # fmt: skip
# Before a capitalised name only ("Prof. Moriarty", "the Rev. Mr. Collins").
_BEFORE_A_NAME = {
    "Prof": "Professor", "Capt": "Captain", "Col": "Colonel", "Gen": "General",
    "Lt": "Lieutenant", "Sgt": "Sergeant", "Rev": "Reverend", "Revd": "Reverend",
    "Hon": "Honourable", "Gov": "Governor", "Maj": "Major", "Adm": "Admiral",
    "Insp": "Inspector", "Supt": "Superintendent", "Mt": "Mount",
}  # fmt: skip
_PREVIOUS_TOKEN = re.compile(r"(\S+)\s+$")
_HOUSE_NUMBER = re.compile(r"\b\d+[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){1,2}$")
_COMPASS_POINTS = {"N.", "S.", "E.", "W.", "N", "S", "E", "W", "NE", "NW", "SE", "SW"}
_NEXT_TOKEN = re.compile(r"\s+(\S+)")
# Capitalised words that are no street's name: "Lord St. Simon" is a saint, "Baker St." a street.
_NOT_A_STREET = {
    "The", "A", "An", "In", "At", "On", "Of", "To", "From", "By", "And", "Or", "But", "For",
    "With", "Lord", "Lady", "Sir", "Dame", "Father", "Brother", "Sister", "Mother", "Uncle",
    "Aunt", "King", "Queen", "Prince", "Princess", "Old", "Young", "Dear", "Poor", "Good",
}  # fmt: skip
# A capitalised word after "Baker St." that starts a new sentence rather than a saint's name.
_SENTENCE_STARTERS = {
    "The", "A", "An", "He", "She", "It", "I", "We", "They", "You", "His", "Her", "Its", "Our",
    "Their", "My", "Your", "This", "That", "These", "Those", "There", "Then", "But", "And", "So",
    "In", "On", "At", "When", "While", "As", "If", "What", "Who", "Why", "How", "Where", "Now",
    "Here", "No", "Yes", "Not", "Mr.", "Mrs.", "Miss",
}  # fmt: skip


def normalize(text: str, language: str = "en") -> str:
    """TEXT as the narrator should say it, in LANGUAGE (the book's locale: "en", "en-us",
    "de"...). What is inside a `[[...]]` phoneme block is left as it is."""
    base, _, region = language.lower().replace("_", "-").partition("-")
    change: Callable[[str], str]
    if base == "en":
        change = partial(_english, us=region == "us")
    else:
        change = partial(_other, language=base)
    return outside_blocks(text, change) if "[[" in text else change(text)


def _dashes(text: str) -> str:
    if "--" in text:
        return _DASHES.sub(", ", text)  # a typewriter dash is a pause, not "dash dash"
    return text


def _other(text: str, language: str) -> str:
    text = _dashes(text)
    dates_and_times = dates.OTHER_LANGUAGES.get(language)
    if dates_and_times:
        text = _numbers(text, dates_and_times)
    return numbers.french(text) if language == "fr" else text


def _english(text: str, us: bool) -> str:
    text = _dashes(text)
    text = _HEADING.sub(_heading_numeral, text)
    if any(word in text for word in _LOWER_HEADING_WORDS):
        text = _LOWER_NUMERAL.sub(_lower_heading_numeral, text)
    text = _REGNAL_NAME.sub(_regnal, text)
    text = _LOWER_ABBREVIATION.sub(partial(_abbreviation, us=us), text)
    text = _TITLE_ABBREVIATION.sub(partial(_abbreviation, us=us), text)
    return _numbers(text, partial(_english_numbers, us=us))


def _english_numbers(text: str, us: bool) -> str:
    text = dates.english(text, us)
    text = _NUMBER_SIGN.sub("number ", text)
    return numbers.english(text, us)


def _numbers(text: str, change: Callable[[str], str]) -> str:
    """TEXT with CHANGE (the rules for numbers) applied to its paragraphs that have a digit: most
    of a novel's have none, and the number rules are many."""
    if not _has_digit(text):
        return text
    if "\n" not in text:
        return change(text)
    pieces = _PARAGRAPH_BREAK.split(text)  # a whole chapter at once: only where the digits are
    return "".join(change(p) if i % 2 == 0 and _has_digit(p) else p for i, p in enumerate(pieces))


def _has_digit(text: str) -> bool:
    return any(digit in text for digit in _DIGITS)  # a substring search is faster than a regex


def _within_a_word(m: re.Match[str]) -> bool:
    """M starts inside a word ("Counterpart IV", "McHenry VIII"): the patterns do not say so
    themselves, for speed."""
    return m.start() > 0 and (m.string[m.start() - 1].isalnum() or m.string[m.start() - 1] in ".&")


def _heading_numeral(m: re.Match[str]) -> str:
    if not m[2] or _within_a_word(m):
        return m[0]
    word = _HEADING_SAID.get(m[1].capitalize(), m[1])
    return f"{word.lower() if m[1].islower() else word} {roman_to_int(m[2])}"


def _lower_heading_numeral(m: re.Match[str]) -> str:
    word = _PREVIOUS_TOKEN.search(m.string, max(0, m.start() - 40), m.start() + 1)
    if not m[1] or not word or word[1] not in _LOWER_HEADING_WORDS:
        return m[0]
    return f"{m.string[m.start()]}{roman_to_int(m[1])}"


def _regnal(m: re.Match[str]) -> str:
    name, numeral = m[1], m[2]
    if name in {"Chapter", "Part", "Book", "Volume", "Act", "Scene"} or _within_a_word(m):
        return m[0]
    title = _TITLE_BEFORE.search(m.string, max(0, m.start() - 12), m.start())
    # "I" is far more often the pronoun, and "Malcolm X" is no tenth: a lone I, V or X counts
    # only after a title ("King Henry V").
    if not numeral or (len(numeral) == 1 and not title):
        return m[0]
    return f"{name} the {num2words(roman_to_int(numeral), to='ordinal')}"


def _abbreviation(m: re.Match[str], us: bool) -> str:
    written = m[0]
    if _within_a_word(m):
        return written
    bare = written.rstrip(".").replace(" ", "")
    key = bare.lower() if bare.lower() in {"e.g", "i.e"} else bare
    if key in _SAID:
        said = _SAID[key]
        said = said[0].upper() + said[1:] if written[0].isupper() else said
        if key in {"etc", "&c", "approx"}:  # "apples, pears, etc. Then": also the full stop
            said += numbers.sentence_stop(m.string, m.end()) if written.endswith(".") else ""
        return said
    following = _NEXT_TOKEN.match(m.string, m.end())
    next_word = following[1] if following else ""
    if bare in _BEFORE_A_NAME:
        said = "Honorable" if us and bare == "Hon" else _BEFORE_A_NAME[bare]
        return said if next_word[:1].isupper() else written
    previous = _PREVIOUS_TOKEN.search(m.string, max(0, m.start() - 40), m.start())
    previous_word = previous[1] if previous else ""
    after_name = previous_word[:1].isupper() and previous_word.rstrip(",").isalpha()
    stop = numbers.sentence_stop(m.string, m.end()) if written.endswith(".") else ""
    if bare in {"Jr", "Sr"}:  # "John Smith, Jr."
        return ("Junior" if bare == "Jr" else "Senior") + stop if after_name else written
    return _saint_or_street(m, bare, previous_word, next_word, stop)


def _saint_or_street(m: re.Match[str], bare: str, previous: str, following: str, stop: str) -> str:
    """St. and Dr.: Saint and Doctor before a name, Street and Drive after one; left as written
    where it could be either."""
    place = "Street" if bare == "St" else "Drive"
    street = previous[:1].isupper() and previous.isalpha() and previous not in _NOT_A_STREET
    if following[:1].isupper():
        if street and following in _SENTENCE_STARTERS and stop:
            return place + "."  # "in Baker St. The next day": the dot ended the sentence
        # "4557 Melan Dr. S. Fairbanks": a house number before the name, a compass point after.
        address = _HOUSE_NUMBER.search(m.string, max(0, m.start() - 60), m.start())
        if street and (address or following in _COMPASS_POINTS):
            return place
        return "Saint" if bare == "St" else "Doctor"
    if following[:1] in {'"', "\u201c", "\u2018", "'", "("} and not street:
        return m[0]  # a quotation begins: nothing says what came before
    # "Baker St. and", "Baker St., London": after a word, and no name follows. Only a name makes
    # a Drive ("a Dr." may be a doctor).
    if street or (bare == "St" and previous[-1:].islower()):
        return place + stop
    return m[0]


# --- what is left for the producer to hear ---------------------------------------------------

# A letter, a dot, then a letter ("Ph.D.") or a lower-case word ("viz. the"): an abbreviation.
_DOTTED = re.compile(r"\.(?=[A-Za-z]|\s+[a-z])")
# Abbreviations a rule expands only where it is sure: any left were not (an ambiguous "St.").
# ("No." is also the answer "No.")
_UNSURE = re.compile(r"(?:St|Dr|Mt|Jr|Sr|Prof|Capt|Col|Gen|Rev|Hon|Messrs)\.")
_SAID_RIGHT = {"Mr.", "Mrs.", "Ms.", "a.m.", "p.m."}
_OPENING = "\"\u201c\u2018'([{"
_CLOSING = "\"\u201d\u2019')]},;:!?"
_TOKEN_REST = re.compile(r"\S*")


def leftovers(text: str, language: str = "en") -> list[str]:
    """The words of TEXT that normalize left as written but an engine may say badly, in order of
    appearance (each time it appears): tokens still holding a digit ("1.E.8", "221B", a year
    left as a count) and dotted abbreviations ("Ph.D.", "viz.", an "St." it could not place).
    A plain count every engine reads right ("12", "4700") is not one of them."""
    said = normalize(text, language)
    if "[[" in said:
        said = BLOCK.sub(lambda m: " " * len(m[0]), said)  # phonemes are said as given
    tokens: dict[int, str] = {}  # token start -> the token, "" when it is said right
    for m in _DIGIT.finditer(said):
        start, token = _token(said, m.start())
        if start not in tokens:
            tokens[start] = "" if _plain_count(token.rstrip(".")) else token.rstrip(".")
    for m in (*_DOTTED.finditer(said), *_UNSURE.finditer(said)):
        # "Ph.D.", "viz. the", "St.": a letter before the dot, or a word that may be one
        after_letter = m[0] != "." or (m.start() > 0 and said[m.start() - 1].isalpha())
        start, token = _token(said, m.start())
        if after_letter and start not in tokens and token[:1].isalpha():
            tokens[start] = "" if token in _SAID_RIGHT or token.endswith("..") else token
    return [tokens[at] for at in sorted(tokens) if tokens[at]]


def _token(text: str, at: int) -> tuple[int, str]:
    """The whitespace-separated token of TEXT around index AT: its start, and itself without
    the quotes and punctuation around it (but its dots)."""
    start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at), text.rfind("\t", 0, at)) + 1
    rest = _TOKEN_REST.match(text, start)
    return start, (rest[0] if rest else "").lstrip(_OPENING).rstrip(_CLOSING)


def _plain_count(token: str) -> bool:
    """TOKEN is a count every engine reads right: digits only, and no year left as a count."""
    return (
        token.isdigit() and token.isascii() and not (len(token) == 4 and 1100 <= int(token) < 2100)
    )
