from __future__ import annotations

import pytest

from audiobook.pronunciation.normalise import leftovers, normalize


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Ch. XII begins", "Chapter 12 begins"),
        ("CHAPTER XII. Alice's Evidence", "CHAPTER 12. Alice's Evidence"),
        ("Part IV", "Part 4"),
        ("the 1st, 2nd and 23rd", "the first, second and twenty-third"),
        ("£5, $3.50, £1.", "five pounds, three dollars and fifty cents, one pound."),
        ("£1,200 a year", "one thousand, two hundred pounds a year"),
        ("wait--no", "wait, no"),
        ("at 11:30, 9:05 and 10:00", "at eleven thirty, nine oh five and ten o'clock"),
        ("King George III and Henry VIII", "King George the third and Henry the eighth"),
        ("King Henry V", "King Henry the fifth"),
        ("Baker St. and St. Paul's", "Baker Street and Saint Paul's"),
        ("No. 7", "number 7"),
        ("Dr. Watson and Mrs. Hudson", "Doctor Watson and Mrs. Hudson"),
        # Left alone: espeak reads these well, or they are not what they seem.
        ("Malcolm X and Vitamin C", "Malcolm X and Vitamin C"),
        ("Then I said I would", "Then I said I would"),
        ("I. A SCANDAL IN BOHEMIA", "I. A SCANDAL IN BOHEMIA"),
    ],
)  # fmt: skip
def test_english_is_said_as_a_narrator_would(text: str, said: str) -> None:
    assert normalize(text, "en") == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("the 21st and the 102nd", "the twenty-first and the one hundred and second"),
        ("in the 19th century", "in the nineteenth century"),
        ("Vol. IV", "Volume 4"),
        ("Book II, Act III, Scene I", "Book 2, Act 3, Scene 1"),
        ("Section IV and Sect. II", "Section 4 and Section 2"),
        ("STAVE III", "STAVE 3"),
        ("chapter xii", "chapter 12"),
        ("see vol. iv, ch. ii and part i", "see volume 4, chapter 2 and part 1"),
        ("Chapter xiv", "Chapter 14"),
        ("Louis XIV and Pope John XXIII", "Louis the fourteenth and Pope John the twenty-third"),
        # The pronoun is never a numeral, nor is "I" after a lower-case word.
        ("the part I played, the book I read", "the part I played, the book I read"),
        ("Henry V. And Malcolm X.", "Henry V. And Malcolm X."),
        ("dot the letter i", "dot the letter i"),
    ],
)  # fmt: skip
def test_ordinals_and_roman_numerals(text: str, said: str) -> None:
    assert normalize(text, "en") == said


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        ("5 km and 1 km", "en", "five kilometres and one kilometre"),
        ("2.5 km", "en-us", "two point five kilometers"),
        ("2.5 km", "en-gb", "two point five kilometres"),
        ("100 m, 100m", "en", "one hundred metres, one hundred metres"),
        ("3 kg, 500 g, 20 mg", "en", "three kilograms, five hundred grams, twenty milligrams"),
        ("1 lb, 5 lbs. of flour, 4 oz", "en", "one pound, five pounds of flour, four ounces"),
        ("It weighed 5 lb.", "en", "It weighed five pounds."),
        ("6 ft, 3 yds, 4 mi", "en", "six feet, three yards, four miles"),
        ("10 mph and 30 km/h", "en", "ten miles per hour and thirty kilometres per hour"),
        ("250 ml, 2 l, 1 L", "en-us", "two hundred and fifty milliliters, two liters, one liter"),
        ("30 °C, 30°C, -5°C, 98.6°F", "en", "thirty degrees Celsius, thirty degrees Celsius, "
         "minus five degrees Celsius, ninety-eight point six degrees Fahrenheit"),
        ("a 45° angle", "en", "a forty-five degrees angle"),
        ("50% and 2.5 %", "en", "fifty percent and two point five percent"),
        ("3-5 km, 3-5 miles", "en", "three to five kilometres, 3 to 5 miles"),
        ("2 in. long, 12 in., 1 in. wide", "en", "two inches long, twelve inches, one inch wide"),
        ("5'11\" and 5 ft 11 in", "en", "five foot eleven and five feet eleven inches"),
        # "in" the preposition, "m" after money, a unit run into a word: left.
        ("I put 2 in. Then 1 in 3 said no", "en", "I put 2 in. Then 1 in 3 said no"),
        ("£5 m and 3 mice", "en", "five pounds m and 3 mice"),
    ],
)  # fmt: skip
def test_units_are_said_in_full_singular_or_plural(text: str, language: str, said: str) -> None:
    assert normalize(text, language) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("1/2, 1/3 and 1/4", "a half, a third and a quarter"),
        ("3/4, 2/3, 5/8", "three quarters, two thirds, five eighths"),
        ("2 1/2 miles", "two and a half miles"),
        ("½ ¼ ¾ ⅓ ⅔", "a half a quarter three quarters a third two thirds"),
        ("4½ per cent", "four and a half per cent"),
        ("3 ¾ inches", "three and three quarters inches"),
        # No fraction: a denominator no one says, or a date.
        ("9/11, 24/7, 50/50", "9/11, 24/7, 50/50"),
        ("3/4/2024", "the third of April, twenty twenty-four"),
    ],
)  # fmt: skip
def test_fractions(text: str, said: str) -> None:
    assert normalize(text, "en") == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("1,000,000 people", "one million people"),
        ("2.5 and 0.75", "two point five and zero point seven five"),
        ("a count of 1,815", "a count of one thousand, eight hundred and fifteen"),
        ("it fell to -5 and -2.5", "it fell to minus 5 and minus two point five"),
        ("#5", "number 5"),
        ("pages 5-10. A 3-4 hour trip", "pages 5 to 10. A 3 to 4 hour trip"),
        ("in 1815", "in eighteen fifteen"),
        ("since 1790, by 1900, until 2009", "since seventeen ninety, by nineteen hundred, "
         "until two thousand and nine"),
        ("in the year 1858.", "in the year eighteen fifty-eight."),
        ("1815 was hard. 1816 too.", "eighteen fifteen was hard. eighteen sixteen too."),
        ("About 1869 or 1870", "About eighteen sixty-nine or eighteen seventy"),
        ("from 1914-1918, in 1914-18", "from nineteen fourteen to nineteen eighteen, "
         "in nineteen fourteen to eighteen"),
        ("c. 1815, ca. 1815", "circa eighteen fifteen, circa eighteen fifteen"),
        ("the 1880s and the 1900s", "the eighteen eighties and the nineteen hundreds"),
        ("in 1066 AD", "in ten sixty-six AD"),
        ("in \u201985, the \u201960s, \u201960\u2019s", "in eighty-five, the sixties, sixties"),
        # A count, not a year: a plain number every engine reads right stays as written.
        ("There were 1500 men and 1815 soldiers", "There were 1500 men and 1815 soldiers"),
        ("Chapter 12 has 40 pages", "Chapter 12 has 40 pages"),
        ("the 5.30 train", "the 5.30 train"),
        ("a score of 3-1", "a score of 3-1"),
    ],
)  # fmt: skip
def test_numbers_and_years(text: str, said: str) -> None:
    assert normalize(text, "en") == said


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        ("e.g. this, i.e. that", "en", "for example this, that is that"),
        ("E.g. this", "en", "For example this"),
        ("apples, pears, etc. and plums", "en", "apples, pears, et cetera and plums"),
        ("apples, pears, etc. Then plums", "en", "apples, pears, et cetera. Then plums"),
        ("Yours, &c.", "en", "Yours, et cetera."),
        ("cats vs. dogs, Kramer vs Kramer", "en", "cats versus dogs, Kramer versus Kramer"),
        ("approx. 5 miles", "en", "approximately 5 miles"),
        ("St. Paul's, at St. James's", "en", "Saint Paul's, at Saint James's"),
        ("Lord St. Simon and Mrs. St. Clair", "en", "Lord Saint Simon and Mrs. Saint Clair"),
        ("221B Baker St. The door", "en", "221B Baker Street. The door"),
        ("Baker St., London", "en", "Baker Street, London"),
        ("Dr. Watson and Dr Roylott", "en", "Doctor Watson and Doctor Roylott"),
        ("on Mulholland Dr. and", "en", "on Mulholland Drive and"),
        ("4557 Melan Dr. S. Fairbanks", "en", "4557 Melan Drive S. Fairbanks"),
        ("Mt. Everest and Mt Etna", "en", "Mount Everest and Mount Etna"),
        ("John Smith, Jr. and Tom Brown Sr.", "en", "John Smith, Junior and Tom Brown Senior."),
        ("the Rev. Mr. Collins", "en", "the Reverend Mr. Collins"),
        ("Prof. Moriarty, Capt. Hook, Col. Moran", "en",
         "Professor Moriarty, Captain Hook, Colonel Moran"),
        ("the Hon. Thomas", "en-us", "the Honorable Thomas"),
        ("No. 5 and #7", "en", "number 5 and number 7"),
        # Mr. and Mrs. every engine says right; an abbreviation not before a name is left.
        ("Mr. and Mrs. Bennet", "en", "Mr. and Mrs. Bennet"),
        ("the Prof. said", "en", "the Prof. said"),
        ("a Dr. in the house", "en", "a Dr. in the house"),
    ],
)  # fmt: skip
def test_abbreviations(text: str, language: str, said: str) -> None:
    assert normalize(text, language) == said


@pytest.mark.parametrize(
    "text",
    [
        "May I come in? March on, then.",
        "In May we marched; in March we may rest.",
        "I came in at noon, and she came in late.",
        "The Ph.D. was his; viz. the best.",
        "He said I. And I said nothing.",
        "Counting 1, 2, 3 and 4 apples at 40 yards.",
        "It was 3 in the morning.",
    ],
)
def test_what_the_rules_are_not_sure_of_is_left_as_written(text: str) -> None:
    assert normalize(text, "en") == text


def test_phoneme_blocks_are_never_changed() -> None:
    text = "[[ɪn 1815]] in 1815, [[12/03/2024 St.]] on 12/03/2024 [[--]]"
    assert normalize(text, "en-gb") == (
        "[[ɪn 1815]] in eighteen fifteen, [[12/03/2024 St.]] on the twelfth of March, "
        "twenty twenty-four [[--]]"
    )


def test_a_whole_chapter_is_normalised_as_its_paragraphs_are() -> None:
    paragraphs = ["It was 3 March 1815.", "Nobody came.", "At 3pm, Dr. Watson left 5 km away."]
    assert normalize("\n\n".join(paragraphs), "en") == "\n\n".join(
        normalize(p, "en") for p in paragraphs
    )


def test_other_languages_keep_what_they_do_not_know_for_the_engine() -> None:
    assert normalize("Kapitel XII -- am 1. Mai, 9:05", "de") == (
        "Kapitel XII, am ersten Mai, neun Uhr fünf"
    )
    assert normalize("Kapitel XII -- 3 Äpfel, 2.5 kg", "de") == "Kapitel XII, 3 Äpfel, 2.5 kg"
    assert normalize("Глава 12 -- 12/03/2024", "ru") == "Глава 12, 12/03/2024"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("le 76e régiment, la 2e fois", "le soixante-seizième régiment, la deuxième fois"),
        ("la 1re fois, le 1er jour", "la première fois, le premier jour"),
        ("le XIXe siècle, François Ier", "le dix-neuvième siècle, François premier"),
        ("Ce matin, Le chat", "Ce matin, Le chat"),
    ],
)
def test_french_ordinals(text: str, said: str) -> None:
    assert normalize(text, "fr") == said


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("He took his Ph.D. in 1811, viz. the old one.", ["Ph.D.", "viz."]),
        ("The room was 221B, see 1.E.8 and v2.0.", ["221B", "1.E.8", "v2.0"]),
        ("the 5.30 train, in 1.5.2 or 3rd-4th", ["5.30", "1.5.2"]),
        ("There were 1815 soldiers and 40 guns", ["1815"]),  # a year, perhaps, left as a count
        ("Neville St. Clair met the Dr. and Messrs. Smith", ["Dr.", "Messrs."]),
        ("Mr. and Mrs. Bennet at 3 p.m. in 1811, Chapter XII", []),
        ("U.S.A. and U.S.A.", ["U.S.A.", "U.S.A."]),
        ("Well... and so [[a.b 12]] on", []),
    ],
)  # fmt: skip
def test_leftovers_are_what_an_engine_may_say_badly(text: str, found: list[str]) -> None:
    assert leftovers(text, "en") == found
