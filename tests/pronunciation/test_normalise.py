from __future__ import annotations

import pytest

from audiobook.pronunciation.normalise import apply_lexicon, normalize


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
        ("Baker St. and St. Paul's", "Baker Street and St. Paul's"),
        ("No. 7", "number 7"),
        # Left alone: espeak reads these well, or they are not what they seem.
        ("Dr. Watson and Mrs. Hudson", "Dr. Watson and Mrs. Hudson"),
        ("Malcolm X and Vitamin C", "Malcolm X and Vitamin C"),
        ("Then I said I would", "Then I said I would"),
        ("I. A SCANDAL IN BOHEMIA", "I. A SCANDAL IN BOHEMIA"),
    ],
)  # fmt: skip
def test_english_is_said_as_a_narrator_would(text: str, said: str) -> None:
    assert normalize(text, "en") == said


def test_other_languages_keep_their_numbers_for_the_engine() -> None:
    assert normalize("Kapitel XII -- am 1. Mai, 9:05", "de") == "Kapitel XII, am 1. Mai, 9:05"


def test_lexicon_replaces_whole_words_whatever_their_case() -> None:
    lexicon = {"Kalmurzaev": "Kal-moor-zah-yev", "New York": "Noo York"}
    text = "Kalmurzaev, KALMURZAEV and kalmurzaev; Kalmurzaevs; New York, New Yorker"
    assert apply_lexicon(text, lexicon) == (
        "Kal-moor-zah-yev, Kal-moor-zah-yev and Kal-moor-zah-yev; Kalmurzaevs; Noo York, New Yorker"
    )
