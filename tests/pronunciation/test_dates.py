from __future__ import annotations

import pytest

from audiobook.pronunciation.normalise import normalize


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        # Numeric dates in the book's locale: en-us month first, everyone else day first.
        ("on 12/03/2024", "en-gb", "on the twelfth of March, twenty twenty-four"),
        ("on 12/03/2024", "en", "on the twelfth of March, twenty twenty-four"),
        ("on 12/03/2024", "en-us", "on December third, twenty twenty-four"),
        ("on 13/03/2024", "en-us", "on March thirteenth, twenty twenty-four"),  # only a day is 13
        ("on 3/25/2024", "en-GB", "on the twenty-fifth of March, twenty twenty-four"),
        ("on 1/2/05", "en_US", "on January second, oh five"),
        ("1815-03-03", "en", "the third of March, eighteen fifteen"),
        ("1815-03-03", "en-us", "March third, eighteen fifteen"),
        # Written out: said in the order written.
        ("3 March 1815", "en-us", "the third of March, eighteen fifteen"),
        ("on the 3rd of March", "en", "on the third of March"),
        ("March 3, 1815", "en-gb", "March the third, eighteen fifteen"),
        ("March 3, 1815", "en-us", "March third, eighteen fifteen"),
        ("5 Nov. and Nov. 5", "en", "the fifth of November and November the fifth"),
        ("on 5 Nov. He left", "en", "on the fifth of November. He left"),
        ("Dec 25th", "en-us", "December twenty-fifth"),
        ("in March, 1883, and May 1884", "en", "in March, eighteen eighty-three, and May eighteen "
         "eighty-four"),
        ("_The Chronicle_ of April 27, 1890.", "en", "_The Chronicle_ of April the twenty-seventh, "
         "eighteen ninety."),
        # Not dates: a month without a day, an impossible day.
        ("May I? March on! In May.", "en", "May I? March on! In May."),
        ("on 32/13/2024", "en", "on 32/13/2024"),
        ("12.03.2024", "en", "12.03.2024"),
    ],
)  # fmt: skip
def test_english_dates(text: str, language: str, said: str) -> None:
    assert normalize(text, language) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("at 3:30pm", "at three thirty p.m."),
        ("at 3:30 p.m.", "at three thirty p.m."),
        ("at 3pm and 11 A.M.", "at three p.m. and eleven a.m."),
        ("at 9:05 am", "at nine oh five a.m."),
        ("the 7.30 p.m. train", "the seven thirty p.m. train"),
        ("at 15:30", "at fifteen thirty"),
        ("at 15:00 and 09:00", "at fifteen hundred and oh nine hundred"),
        ("at 9:05 and 10:00", "at nine oh five and ten o'clock"),
        ("at 5.30 and by 10.15", "at five thirty and by ten fifteen"),
        ("at noon, at midnight", "at noon, at midnight"),
        ("at 25:30, 10:30:15", "at 25:30, 10:30:15"),
    ],
)
def test_english_times(text: str, said: str) -> None:
    assert normalize(text, "en") == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("le 12/03/2024", "le douze mars deux mille vingt-quatre"),
        ("le 3 mars 1815", "le trois mars mille huit cent quinze"),
        ("le 1er mars", "le premier mars"),
        ("le 1 mai", "le premier mai"),
        ("le 5 nov. 1815", "le cinq novembre mille huit cent quinze"),
        ("_12 mai_.", "_douze mai_."),
        ("1815-03-03", "trois mars mille huit cent quinze"),
        ("à 15h30", "à quinze heures trente"),
        ("à 15 h 30", "à quinze heures trente"),
        ("à 15h", "à quinze heures"),
        ("à 1h05", "à une heure cinq"),
        ("à 21h21", "à vingt et une heures vingt et une"),
        ("à 15:30", "à quinze heures trente"),
        # Not dates or times: the planet, "sept" without its dot, a count.
        ("la planète Mars, sept. ans, 7 ans, 8 heures", "la planète Mars, sept. ans, 7 ans, "
         "8 heures"),
    ],
)  # fmt: skip
def test_french_dates_and_times(text: str, said: str) -> None:
    assert normalize(text, "fr-FR") == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("am 3. März 1815", "am dritten März achtzehnhundertfünfzehn"),
        ("Berlin, 3. März 1815", "Berlin, dritter März achtzehnhundertfünfzehn"),
        ("der 3. März", "der dritte März"),
        ("vom 5. Nov. bis zum 7. Dez.", "vom fünften November bis zum siebten Dezember"),
        ("12.03.2024", "zwölfter März zweitausendvierundzwanzig"),
        ("am 12.03.2024", "am zwölften März zweitausendvierundzwanzig"),
        ("am 1.5.1815", "am ersten Mai achtzehnhundertfünfzehn"),
        ("15:30 Uhr", "fünfzehn Uhr dreißig"),
        ("15.30 Uhr", "fünfzehn Uhr dreißig"),
        ("um 1 Uhr", "um ein Uhr"),
        ("um 15 Uhr", "um fünfzehn Uhr"),
        ("um 9:05", "um neun Uhr fünf"),
        # An ordinal without a month, a count: left for the engine.
        ("Der 3. Mann kam 1815 mit 2.5 kg.", "Der 3. Mann kam 1815 mit 2.5 kg."),
    ],
)
def test_german_dates_and_times(text: str, said: str) -> None:
    assert normalize(text, "de") == said


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        ("el 12/03/2024 a las 15:30", "es", "el doce de marzo de dos mil veinticuatro a las "
         "quince y treinta"),
        ("a la 1:05 o las 9:00", "es", "a la una y cinco o las nueve en punto"),
        ("il 1/03/2024 alle 15:30", "it", "il primo marzo duemilaventiquattro alle quindici e "
         "trenta"),
        ("op 12-03-2024 om 15:30", "nl", "op twaalf maart tweeduizendvierentwintig om vijftien "
         "uur dertig"),
    ],
)  # fmt: skip
def test_spanish_italian_and_dutch_dates_and_times(text: str, language: str, said: str) -> None:
    assert normalize(text, language) == said
