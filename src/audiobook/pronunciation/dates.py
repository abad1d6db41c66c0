"""Dates and times as a narrator says them, in the book's locale (normalise's date and time rules).

Measured with espeak-ng 1.52: "12/03/2024" came out as "twelve slash zero three slash two
thousand twenty four", "1815-03-03" with "dash zero three", "15:30" as "fifteen: thirty", a year
as a count ("one thousand eight hundred fifteen"), "5 Nov." as "five nov"; in German "am 3. März"
as "am drei. März", "12.03.2024" with "Punkt null drei", "um 1 Uhr" as "um eins Uhr"; in French
"15:30" and "12/03/2024" digit by digit. Each language's rules turn what they recognise into
words and leave the rest as written. A numeric date is read in the book's locale: en-us
month/day, everyone else day/month, and a first number over 12 is always the day.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from num2words import num2words

from audiobook.pronunciation.numbers import english_year, sentence_stop

# (match, day, month, year as written or "") -> the date said
SayDate = Callable[[re.Match[str], int, int, str], str]
# (match, hours, minutes) -> the time said
SayTime = Callable[[re.Match[str], int, int], str]

# A letter or a digit may not follow a date, but an underscore may: "_12 mai_", an emphasis mark.
_END = r"(?![^\W_])"
_YEAR4 = rf"(\d{{4}}){_END}(?![.,:/]\d)"
_DAY = r"(?<![\d/.,:£$€#-])(\d{1,2})"
# "12/03/2024", "12.03.24", "12-03-2024" (the same separator twice; each language says which).
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d\d)(?![\d/.-]?\d)")
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d\d)-(\d\d)(?![\d-])")
_CLOCK = re.compile(r"(?<![\d:.,])(\d{1,2}):(\d\d)(?![:.,]?\d)")
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")


def _numeric_dates(text: str, separators: str, say: SayDate, month_first: bool = False) -> str:
    """TEXT with its ISO dates and numeric dates (written with one of SEPARATORS) said by SAY;
    MONTH_FIRST reads "3/12" as March 12 unless the first number cannot be a month."""

    def numeric(m: re.Match[str]) -> str:
        if m[2] not in separators:
            return m[0]
        first, second = int(m[1]), int(m[3])
        if month_first and first <= 12:
            first, second = second, first
        elif not month_first and second > 12 and first <= 12:
            first, second = second, first  # "3/25/2024" in a British book: only March 25 fits
        return say(m, first, second, m[4])

    text = _ISO.sub(lambda m: say(m, int(m[3]), int(m[2]), m[1]), text)
    return _NUMERIC.sub(numeric, text)


def _clock(text: str, say: SayTime) -> str:
    def clock(m: re.Match[str]) -> str:
        hours, minutes = int(m[1]), int(m[2])
        return m[0] if hours > 24 or minutes > 59 else say(m, hours, minutes)

    return _CLOCK.sub(clock, text)


def _previous_word(m: re.Match[str]) -> str:
    before = _PREVIOUS_WORD.search(m.string, max(0, m.start() - 16), m.start())
    return before[1].lower() if before else ""


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


# --- English -------------------------------------------------------------------------------

_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_EN_MONTH_NUMBER = {name: i for i, name in enumerate(_EN_MONTHS, 1)} | {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9,
    "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
_EN_ABBREVIATED = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
# A month's name, or its abbreviation with or without the dot ("Nov." "Nov"); "May" is its own.
_EN_MONTH = rf"(?:{'|'.join(_EN_MONTHS)}|{_EN_ABBREVIATED}\b\.?)"
# "3 March 1815", "3rd of March", "5 Nov.": "the third of March, eighteen fifteen". The month
# has its capital: "March" and "May" without a day number are left to be the verbs they may be.
_EN_DAY_MONTH = re.compile(
    rf"{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?({_EN_MONTH}){_END}(?:,?\s+{_YEAR4})?"
)
# "March 3, 1815", "Nov. 5": "March the third" (en-gb), "March third" (en-us).
_EN_MONTH_DAY = re.compile(
    rf"\b({_EN_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![.,:/]\d)(?:,?\s+{_YEAR4})?"
)
# "March, 1883", "May 1884": a month's name (or its abbreviation with the dot), then a year.
_EN_MONTH_YEAR = re.compile(rf"\b({'|'.join(_EN_MONTHS)}|{_EN_ABBREVIATED}\.)(,?\s+){_YEAR4}")
# "3:30pm", "3:30 p.m.", "3pm", "11 A.M.", "5.30 pm".
_EN_AM_PM = re.compile(r"(?<![\d:.,£$€])(\d{1,2})(?:[:.](\d\d))?\s?([AaPp])\.?\s?[Mm]\b\.?")
# "at 5.30", "by 10.15": British clock times with a dot, only after a word that asks for a time
# ("5.30" alone may be a decimal, and is left for the producer to hear).
_EN_DOTTED = re.compile(
    r"\b(at|by|till|until|before|after|from|to|about|around|past|At|By|Until|Before|After|From)"
    r"\s+(\d{1,2})\.(\d\d)(?![.,]?\d)"
)


def english(text: str, us: bool) -> str:
    """TEXT with its English dates and times said (en-us style when US)."""
    text = _numeric_dates(text, "/", lambda m, d, mo, y: _en_date(m, d, mo, y, us, not us), us)
    text = _EN_DAY_MONTH.sub(_en_day_month, text)
    text = _EN_MONTH_DAY.sub(
        lambda m: _en_date(m, int(m[2]), _en_month(m[1]), m[3] or "", us, day_first=False), text
    )
    text = _EN_MONTH_YEAR.sub(
        lambda m: f"{_EN_MONTHS[_en_month(m[1]) - 1]}{m[2]}{english_year(m[3])}", text
    )
    text = _EN_AM_PM.sub(_en_am_pm, text)
    text = _clock(text, _en_clock)
    return _EN_DOTTED.sub(_en_dotted, text)


def _en_month(name: str) -> int:
    return _EN_MONTH_NUMBER[name.rstrip(".")]


def _en_date(m: re.Match[str], day: int, month: int, year: str, us: bool, day_first: bool) -> str:
    """DAY MONTH YEAR said day first ("the third of March") or month first ("March the third"
    in en-gb, "March third" in en-us); YEAR as written ("" for none)."""
    if not _valid(day, month):
        return m[0]
    ordinal, name = num2words(day, to="ordinal"), _EN_MONTHS[month - 1]
    if day_first:
        the = "" if m.string[max(0, m.start() - 4) : m.start()].lower() == "the " else "the "
        said = f"{the}{ordinal} of {name}"
    else:
        said = f"{name} {ordinal}" if us else f"{name} the {ordinal}"
    return f"{said}, {english_year(year)}" if year else said


def _en_day_month(m: re.Match[str]) -> str:
    said = _en_date(m, int(m[1]), _en_month(m[2]), m[3] or "", False, day_first=True)
    # "on 5 Nov. He left": the abbreviation's dot also ended the sentence.
    return said + sentence_stop(m.string, m.end()) if m[2].endswith(".") and not m[3] else said


def _en_minutes(minutes: int) -> str:
    return f"{'oh ' if minutes < 10 else ''}{num2words(minutes)}"  # "nine oh five"


def _en_time(hours: int, minutes: int) -> str:
    return (
        f"{num2words(hours)} {_en_minutes(minutes)}" if minutes else f"{num2words(hours)} o'clock"
    )


def _en_am_pm(m: re.Match[str]) -> str:
    hours, minutes = int(m[1]), int(m[2] or 0)
    if not 1 <= hours <= 12 or minutes > 59:
        return m[0]
    said = f"{num2words(hours)} {_en_minutes(minutes)}" if minutes else num2words(hours)
    return f"{said} {m[3].lower()}.m."  # espeak-ng spells out "a.m."


def _en_clock(m: re.Match[str], hours: int, minutes: int) -> str:
    if hours > 12 or m[1].startswith("0"):  # the 24-hour clock: "fifteen thirty", "oh nine hundred"
        said = f"oh {num2words(hours)}" if m[1].startswith("0") and hours else num2words(hours)
        return f"{said} {_en_minutes(minutes)}" if minutes else f"{said} hundred"
    return _en_time(hours, minutes)


def _en_dotted(m: re.Match[str]) -> str:
    hours, minutes = int(m[2]), int(m[3])
    if not 1 <= hours <= 24 or minutes > 59:
        return m[0]
    return f"{m[1]} {_en_time(hours, minutes)}"


# --- French --------------------------------------------------------------------------------

_FR_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
_FR_MONTH_NUMBER = {name: i for i, name in enumerate(_FR_MONTHS, 1)} | {
    "janv.": 1, "févr.": 2, "fév.": 2, "avr.": 4, "juil.": 7, "sept.": 9, "oct.": 10,
    "nov.": 11, "déc.": 12,
}  # fmt: skip
# Old texts capitalise a month ("3 Mars"); "sept" without its dot is the number seven.
_FR_MONTH = (
    r"(?i:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|(?:janv|févr|fév|avr|juil|sept|oct|nov|déc)\.)"
)
_FR_DAY_MONTH = re.compile(rf"{_DAY}(?:er|ᵉʳ)?\s+({_FR_MONTH}){_END}(?:\s+{_YEAR4})?")
# "15h30", "15 h 30", "15h": "quinze heures trente".
_FR_HOURS = re.compile(r"(?<![\d:.,])(\d{1,2})\s?h\s?(\d\d)?(?!\w)")


def french(text: str) -> str:
    """TEXT with its French dates ("le 3 mars 1815", "12/03/2024") and times said."""
    text = _numeric_dates(text, "/.", _fr_date)
    text = _FR_DAY_MONTH.sub(
        lambda m: _fr_date(m, int(m[1]), _FR_MONTH_NUMBER[m[2].lower()], m[3] or ""), text
    )
    text = _FR_HOURS.sub(lambda m: _fr_time(m, int(m[1]), int(m[2] or 0)), text)
    return _clock(text, _fr_time)


def _fr_date(m: re.Match[str], day: int, month: int, year: str) -> str:
    if not _valid(day, month):
        return m[0]
    said = f"{'premier' if day == 1 else num2words(day, lang='fr')} {_FR_MONTHS[month - 1]}"
    return f"{said} {num2words(int(year), lang='fr')}" if year else said


def _fr_feminine(n: int) -> str:
    """N before a feminine noun: "une heure", "vingt et une minutes"."""
    said = str(num2words(n, lang="fr"))
    return said + "e" if said.endswith("un") else said


def _fr_time(m: re.Match[str], hours: int, minutes: int) -> str:
    if hours > 24 or minutes > 59:
        return m[0]
    said = f"{_fr_feminine(hours)} heure{'s' if hours > 1 else ''}"
    return f"{said} {_fr_feminine(minutes)}" if minutes else said


# --- German --------------------------------------------------------------------------------

_DE_MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip
_DE_MONTH_NUMBER = {name: i for i, name in enumerate(_DE_MONTHS, 1)} | {
    "Jänner": 1, "Feber": 2, "Jan.": 1, "Jän.": 1, "Feb.": 2, "Febr.": 2, "Mrz.": 3, "Mär.": 3,
    "Apr.": 4, "Jun.": 6, "Jul.": 7, "Aug.": 8, "Sep.": 9, "Sept.": 9, "Okt.": 10, "Nov.": 11,
    "Dez.": 12,
}  # fmt: skip
_DE_MONTH = "|".join(re.escape(name) for name in sorted(_DE_MONTH_NUMBER, key=len, reverse=True))
# "3. März 1815", "am 3. März": the day is an ordinal, written with its dot.
_DE_DAY_MONTH = re.compile(rf"{_DAY}\.\s?({_DE_MONTH}){_END}(?:\s+{_YEAR4})?")
_DE_UHR = re.compile(r"(?<![\d:.,])(\d{1,2})(?:[:.](\d\d))?\s?Uhr\b")
# How a German reader inflects the ordinal: -en after these ("am dritten März", "bis dritten
# März"), -e after "der", and -er standing alone ("Berlin, dritter März").
_DE_DATIVE = {
    "am", "vom", "zum", "im", "beim", "dem", "den", "des", "ab", "bis", "seit", "vor", "nach",
    "von", "gegen", "für", "an", "um",
}  # fmt: skip


def german(text: str) -> str:
    """TEXT with its German dates ("am 3. März 1815", "12.03.2024") and times said."""
    text = _DE_UHR.sub(lambda m: _de_time(m, int(m[1]), int(m[2] or 0)), text)
    text = _numeric_dates(text, "./", _de_date)
    text = _DE_DAY_MONTH.sub(lambda m: _de_date(m, int(m[1]), _DE_MONTH_NUMBER[m[2]], m[3]), text)
    return _clock(text, _de_time)


def _de_date(m: re.Match[str], day: int, month: int, year: str | None) -> str:
    if not _valid(day, month):
        return m[0]
    ordinal, before = str(num2words(day, lang="de", to="ordinal")), _previous_word(m)
    ordinal += "n" if before in _DE_DATIVE else "" if before in {"der", "die", "das"} else "r"
    said = f"{ordinal} {_DE_MONTHS[month - 1]}"
    return f"{said} {num2words(int(year), lang='de', to='year')}" if year else said


def _de_time(m: re.Match[str], hours: int, minutes: int) -> str:
    if hours > 24 or minutes > 59:
        return m[0]
    said = f"{'ein' if hours == 1 else num2words(hours, lang='de')} Uhr"  # not "eins Uhr"
    return f"{said} {num2words(minutes, lang='de')}" if minutes else said


# --- Spanish, Italian, Dutch: numeric dates and clock times --------------------------------
# Their engines read the rest as these languages say it (a year is a count: "mil ochocientos").

_MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
}  # fmt: skip


def _other(lang: str) -> Callable[[str], str]:
    def date(m: re.Match[str], day: int, month: int, year: str) -> str:
        if not _valid(day, month):
            return m[0]
        name, y = _MONTHS[lang][month - 1], int(year)
        if lang == "es":  # "doce de marzo de dos mil veinticuatro"
            return f"{num2words(day, lang='es')} de {name} de {num2words(y, lang='es')}"
        if lang == "it":  # "primo marzo", "dodici marzo"
            first = "primo" if day == 1 else num2words(day, lang="it")
            return f"{first} {name} {num2words(y, lang='it')}"
        return f"{num2words(day, lang='nl')} {name} {num2words(y, lang='nl', to='year')}"

    def time(m: re.Match[str], hours: int, minutes: int) -> str:
        if lang == "nl":  # "vijftien uur dertig"
            said = f"{'een' if hours == 1 else num2words(hours, lang='nl')} uur"
            return f"{said} {num2words(minutes, lang='nl')}" if minutes else said
        hour = "una" if hours == 1 else str(num2words(hours, lang=lang))  # "la una", "l'una"
        if not minutes:
            return f"{hour} en punto" if lang == "es" else hour
        return f"{hour} {'y' if lang == 'es' else 'e'} {num2words(minutes, lang=lang)}"

    def said(text: str) -> str:
        return _clock(_numeric_dates(text, "/.-", date), time)

    return said


# Language (ISO 639-1) -> its date and time rules (English is `english`: it needs the region).
OTHER_LANGUAGES: dict[str, Callable[[str], str]] = {
    "fr": french,
    "de": german,
    "es": _other("es"),
    "it": _other("it"),
    "nl": _other("nl"),
}
