"""English numbers as a narrator says them (normalise's number rules): money, ordinals, units,
fractions, years in prose, and the counts an engine would read symbol by symbol; and French
ordinals.

Measured with espeak-ng 1.52: "£5" came out as "pound five", "$3.50" as "dollar three point five
zero", "5 km" as "five k m", "10 mph" as "ten m p h", "5 lb" as "five l b", "1/2" as "one slash
two", "#5" as "hash five", "5-10" as "five dash ten", "in 1815" as a count ("one thousand eight
hundred fifteen") and "the 1880s" as "one thousand eight hundred eighty z". A plain count ("12",
"4700") it reads right, so it is left as written (and `check --listen` aligns it as written);
"1,000,000", "2.5", "-5" and "50%" it reads right too, but are said here so that every engine
hears the same words.
"""

from __future__ import annotations

import re

from num2words import num2words

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_CURRENCY = {
    "£": ("pound", "pounds", "penny", "pence"),
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
}
_MONEY = re.compile(r"([£$€])\s?(\d[\d,]*)(?:\.(\d\d))?\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")

# Unit -> (one, many), en-gb spelling (en-us: "meter", "liter"). Metric units are written without
# a dot; the old ones may have one ("5 lbs."), and "in" has to (else it is the preposition).
_UNITS = {
    "km": ("kilometre", "kilometres"), "m": ("metre", "metres"),
    "cm": ("centimetre", "centimetres"), "mm": ("millimetre", "millimetres"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "l": ("litre", "litres"), "L": ("litre", "litres"), "ml": ("millilitre", "millilitres"),
    "mL": ("millilitre", "millilitres"), "km/h": ("kilometre per hour", "kilometres per hour"),
    "kph": ("kilometre per hour", "kilometres per hour"),
    "mph": ("mile per hour", "miles per hour"), "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"), "ft": ("foot", "feet"),
    "in": ("inch", "inches"), "yd": ("yard", "yards"), "yds": ("yard", "yards"),
    "mi": ("mile", "miles"), "%": ("percent", "percent"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "°": ("degree", "degrees"),
}  # fmt: skip
_DOTTED_UNITS = {"lb", "lbs", "oz", "ft", "in", "yd", "yds", "mi"}
_COUNT = r"\d+(?:,\d{3})*(?:\.\d+)?"
_UNIT_NAMES = "|".join(
    re.escape(u).replace("°", "° ?") for u in sorted(_UNITS, key=len, reverse=True) if u != "in"
)
# "5 km", "2.5 kg", "-5°C", "50%", "3-5 miles" ("three to five"), "2 in. long".
_MEASURE = re.compile(
    rf"(?<![\w.,£$€#/-])(?:({_COUNT})\s?[-\u2013]\s?)?([-\u2212]?{_COUNT})\s?"
    rf"(?:({_UNIT_NAMES})(?![\w°/])(\.)?|(in)(\.)(?=\s+[a-z]|\s*[,;)\d]))"
)
# 5'11", 5 ft 11 in: "five foot eleven", "five feet eleven inches".
_FEET_INCHES = re.compile(
    r"(?<![\w.])(\d)\s?(?:(['\u2032])\s?(\d{1,2})(?:\"|\u2033|'')|ft\.?\s?(\d{1,2})\s?in\b(\.)?)"
)

_VULGAR = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
    "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8),
    "⅞": (7, 8),
}  # fmt: skip
# A fraction has a small denominator, and is no date: "1/2", "2 1/2", "4½", but not "9/11".
_DENOMINATORS = {2, 3, 4, 5, 6, 8, 10, 12, 16, 32, 64, 100}
_FRACTION = re.compile(
    rf"(?<![\w/.,])(?:(\d+)(?:[ -](?=\d)|\s?(?=[{''.join(_VULGAR)}])))?"
    rf"(?:([{''.join(_VULGAR)}])|(\d{{1,2}})/(\d{{1,3}})(?![\d/]))"
)

# A four-digit number from 1100 to 2099 is a year after these words ("in 1815", "the year 1858",
# "c. 1815") or at the start of a sentence; elsewhere it may be a count ("1500 men") and is left.
_YEAR = r"(1[1-9]\d\d|20\d\d)"
_YEAR_WORDS = (
    r"in|In|of|since|Since|by|until|Until|till|year|circa|c\.|ca\.|about|About|around|before"
    r"|Before|after|After|from|From|during|During|summer|winter|spring|autumn|A\.D\.|AD"
)
_NOT_A_YEAR_AFTER = r"(?![.,]\d|[%°:/]|\s?(?:st|nd|rd|th|s)\b|\s?(?:am|pm|[ap]\.m\.))"
_YEARS = re.compile(
    rf"(?:\b({_YEAR_WORDS})\s+|^|(?<=[.!?]\s)|(?<=[.!?][\"\u201d\u2019]\s))"
    rf"{_YEAR}\b{_NOT_A_YEAR_AFTER}"
    # a range: "1914-18", "1869 or 1870" (but "in 1815 and 20 men" is no range)
    rf"(?:(\s?[-\u2013]\s?|\s+(?:to|or|and)\s+(?=\d{{4}}))(\d\d(?:\d\d)?)\b{_NOT_A_YEAR_AFTER})?",
    re.M,
)
_ERA = re.compile(r"(?<![\d.,])(\d{3,4})\s?(A\.D\.|B\.C\.|AD|BC)(?!\w)")
# "in \u201985", "the \u201960s": a year of the book's own century ("eighty-five", "sixties").
_SHORT_YEAR = re.compile(
    r"(?:(?<=\s)|^|(?<=[(\u2014]))['\u2019](\d\d)(['\u2019]?s)?(?![\w'\u2019])", re.M
)
_DECADES = re.compile(r"(?<![\d.,])(1[1-9]\d0|20\d0)['\u2019]?s\b")

_HASH = re.compile(r"(?<![\w&])#(?=\d)")
_NEGATIVE = re.compile(r"(?:(?<=\s)|^|(?<=[(\[]))[-\u2212](?=\d)", re.M)
_GROUPED = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d|[.,]\d)")
_DECIMAL = re.compile(r"(?<![\w.,])(\d+)\.(\d+)(?!\d|[.,]\d)")
_RANGE = re.compile(r"(?<![\w.,\u2013-])(\d{1,3})[-\u2013](\d{1,3})(?![\w\u2013-]|[.,]\d)")

# French ordinals: "le 76e régiment", "la 1re fois", "le XIXe siècle", "François Ier" (espeak-ng
# said "soixante-seize e"). A lone C or L is no numeral here: "Ce", "Le".
_FR_ORDINAL = re.compile(r"(?<![\w.,])(\d+|[IVX]|[IVXLC]{2,})(ᵉʳ|ʳᵉ|ᵉ|ère|ème|er|re|e)(?![^\W_])")

_STOP = re.compile(r"\s*$|[\"\u201d\u2019')\]]|\s+[\"\u201c\u2018(]?[A-Z]")


def roman_to_int(token: str) -> int:
    """A Roman numeral's value: "XIV" is 14."""
    total = 0
    values = [_ROMAN_VALUES[c] for c in token.upper()]
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total


def sentence_stop(text: str, end: int) -> str:
    """ "." when the abbreviation whose dot ends at END in TEXT also ended its sentence ("apples,
    pears, etc. Then..."), so that replacing it by words keeps the full stop; else ""."""
    return "." if _STOP.match(text, end) else ""


def english_year(year: str) -> str:
    """A year as written ("1815", or the "05" of "12/03/05") as said: "eighteen fifteen", "oh
    five"."""
    if len(year) == 2 and year.startswith("0"):
        return f"oh {num2words(int(year))}"
    return str(num2words(int(year), to="year"))


def cardinal(count: str) -> str:
    """A count as written ("1,000", "2.5", "-3") as said: "one thousand", "two point five"."""
    sign = "minus " if count[0] in "-\u2212" else ""
    whole, _, decimals = count.lstrip("-\u2212").replace(",", "").partition(".")
    said = sign + num2words(int(whole))
    return f"{said} point {' '.join(num2words(int(d)) for d in decimals)}" if decimals else said


def english(text: str, us: bool) -> str:
    """TEXT with its English numbers said (en-us spelling of units when US)."""
    text = _MONEY.sub(_money, text)
    text = _ORDINAL.sub(lambda m: num2words(int(m[1]), to="ordinal"), text)
    text = _FEET_INCHES.sub(_feet_inches, text)
    text = _MEASURE.sub(lambda m: _measure(m, us), text)
    text = _FRACTION.sub(_fraction, text)
    text = _YEARS.sub(_years, text)
    text = _ERA.sub(lambda m: f"{english_year(m[1])} {m[2]}", text)
    text = _DECADES.sub(_decade, text)
    text = _SHORT_YEAR.sub(_short_year, text)
    text = _HASH.sub("number ", text)
    text = _NEGATIVE.sub("minus ", text)
    text = _GROUPED.sub(lambda m: cardinal(m[0]), text)
    text = _DECIMAL.sub(_decimal, text)
    return _RANGE.sub(lambda m: f"{m[1]} to {m[2]}" if int(m[2]) > int(m[1]) else m[0], text)


def _money(m: re.Match[str]) -> str:
    one, many, sub_one, sub_many = _CURRENCY[m[1]]
    whole = int(m[2].replace(",", ""))
    said = f"{num2words(whole)} {one if whole == 1 else many}"
    if m[3] and int(m[3]):
        cents = int(m[3])
        said += f" and {num2words(cents)} {sub_one if cents == 1 else sub_many}"
    return said


def _feet_inches(m: re.Match[str]) -> str:
    feet, inches = num2words(int(m[1])), int(m[3] or m[4])
    if inches > 11:
        return m[0]
    if m[2]:  # 5'11": a height, said "five foot eleven"
        return f"{feet} foot {num2words(inches)}"
    stop = sentence_stop(m.string, m.end()) if m[5] else ""
    many = "foot" if m[1] == "1" else "feet"
    return f"{feet} {many} {num2words(inches)} inch{'' if inches == 1 else 'es'}{stop}"


def _measure(m: re.Match[str], us: bool) -> str:
    low, count, unit, dot = m[1], m[2], m[3] or m[5], m[4] or m[6]
    one, many = _UNITS[unit.replace(" ", "")]
    name = one if count.lstrip("-\u2212") == "1" and not low else many
    if us:
        name = name.replace("metre", "meter").replace("litre", "liter")
    said = f"{cardinal(low)} to {cardinal(count)}" if low else cardinal(count)
    # A metric unit has no dot: a dot after it ends the sentence. An old one's may, or not.
    stop = "" if not dot else sentence_stop(m.string, m.end()) if unit in _DOTTED_UNITS else "."
    return f"{said} {name}{stop}"


def _fraction_said(numerator: int, denominator: int) -> str:
    if denominator == 2:
        one, many = "half", "halves"
    elif denominator == 4:
        one, many = "quarter", "quarters"
    else:
        one = num2words(denominator, to="ordinal")
        many = one + "s"
    return f"a {one}" if numerator == 1 else f"{num2words(numerator)} {many}"


def _fraction(m: re.Match[str]) -> str:
    if m[2]:
        numerator, denominator = _VULGAR[m[2]]
    else:
        numerator, denominator = int(m[3]), int(m[4])
        if denominator not in _DENOMINATORS or not 0 < numerator < 100:
            return m[0]
    said = _fraction_said(numerator, denominator)
    return f"{num2words(int(m[1]))} and {said}" if m[1] else said


def _years(m: re.Match[str]) -> str:
    word, year, joint, second = m[1], m[2], m[3], m[4]
    said = english_year(year)
    if word:
        said = f"{'circa' if word in {'c.', 'ca.'} else word} {said}"
    if not second or (len(second) == 2 and int(second) <= int(year[2:])):  # "1914-18", not "-12"
        return said + m[0][m.end(2) - m.start() :]
    joint = " to " if joint.strip() in {"-", "\u2013"} else joint
    return f"{said}{joint}{num2words(int(second)) if len(second) == 2 else english_year(second)}"


def _decade(m: re.Match[str]) -> str:
    said = english_year(m[1])  # "eighteen eighty" -> "eighteen eighties"
    return said[:-1] + "ies" if said.endswith("y") else said + "s"


def _short_year(m: re.Match[str]) -> str:
    said = english_year(m[1])
    if not m[2]:
        return said
    return m[0] if m[1] == "00" else said[:-1] + "ies" if said.endswith("y") else said + "s"


def _decimal(m: re.Match[str]) -> str:
    # "5.30" may be a clock time ("the 5.30 train") as much as a decimal: left as written.
    if len(m[2]) == 2 and 1 <= int(m[1]) <= 24 and int(m[2]) < 60:
        return m[0]
    return cardinal(m[0])


def french(text: str) -> str:
    """TEXT with its French ordinals said ("76e" as "soixante-seizième")."""
    return _FR_ORDINAL.sub(_french_ordinal, text)


def _french_ordinal(m: re.Match[str]) -> str:
    number = int(m[1]) if m[1].isdigit() else roman_to_int(m[1])
    if number == 0 or (number == 1) != (m[2] in {"er", "re", "ère", "ᵉʳ", "ʳᵉ"}):
        return m[0]  # "1e", "2er": not how an ordinal is written
    if number == 1:
        return "premier" if m[2] in {"er", "ᵉʳ"} else "première"
    return str(num2words(number, lang="fr", to="ordinal"))
