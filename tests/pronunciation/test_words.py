"""The words a producer should hear (pronunciation/words.py), found in small books: names and
sentence starts, the pronoun I, titles, names of several words, counts, where each first comes,
heteronyms, what normalisation leaves, foreign and unknown words, and the lexicon's say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from audiobook.core.book import Book, Chapter, Paragraph
from audiobook.core.config import BookMeta, LexiconEntry
from audiobook.engines.espeak_phonemes import say_words
from audiobook.pronunciation.lexicon import Lexicon
from audiobook.pronunciation.words import KINDS, Word, espeak_language, find_words, listed


def book(*chapters: str, language: str = "en") -> Book:
    """A book of CHAPTERS, each a text of paragraphs separated by blank lines."""
    return Book(
        title="A Small Book",
        author="",
        narrator="",
        language=language,
        language_source="book.toml",
        meta=BookMeta(),
        chapters=tuple(
            Chapter(
                index=i,
                title=f"Chapter {i}",
                blocks=tuple(Paragraph(p) for p in text.split("\n\n") if p.strip()),
            )
            for i, text in enumerate(chapters, 1)
        ),
        source=Path("book.md"),
    )


@dataclass(frozen=True)
class FakeSaid:
    ipa: str
    known: bool


def fake_say(words: list[str], language: str) -> Mapping[str, FakeSaid]:
    """A phonemiser for the logic: each word "said" as itself, known when it is "known"."""
    return {w: FakeSaid(f"/{w.lower()}/", w.lower() == "known") for w in words}


def found(b: Book, kinds: tuple[str, ...] = KINDS, **options: object) -> list[Word]:
    return find_words(b, fake_say, "en-us", kinds=kinds, **options)  # type: ignore[arg-type]


def names(b: Book) -> dict[str, int]:
    return {w.word: w.count for w in found(b, ("name",))}


def test_a_capitalised_word_inside_sentences_is_a_name_and_a_sentence_start_is_not() -> None:
    b = book(
        "But the day was long. Then Bennet came home, and Darcy with him. "
        "Bennet smiled. But nobody said a word, but all was well."
    )
    assert names(b) == {"Bennet": 2, "Darcy": 1}  # every Bennet, the first one too


def test_a_word_mostly_in_lower_case_elsewhere_is_no_name() -> None:
    b = book(
        "She said that Hope was gone. There was hope, and more hope, and hope again.\n\n"
        "He met Pemberton there, and Pemberton was kind."
    )
    assert names(b) == {"Pemberton": 2}


def test_the_pronoun_i_and_its_contractions_are_no_names() -> None:
    b = book("Then I said that I\u2019m sure I'll go, and I've told Lizzy so. I think Lizzy knows.")
    assert names(b) == {"Lizzy": 2}


def test_after_an_opening_quotation_mark_or_a_colon_a_word_starts_again() -> None:
    b = book(
        'He said, "Yesterday it rained." She wrote: Tomorrow we go. '
        "\u2018Perhaps,\u2019 said Meryl, and Meryl laughed."
    )
    assert names(b) == {"Meryl": 2}


def test_a_title_before_a_name_is_not_a_name_but_one_standing_alone_is() -> None:
    b = book(
        "Then Mr. Collins bowed to Lady Catherine, and Mrs Collins to Miss Lucas. "
        "The Duchess sneezed, and the Duchess said nothing. Sir William came. "
        "All the while Lady Catherine talked."
    )
    assert names(b) == {"Collins": 2, "Catherine": 2, "Duchess": 2, "Lucas": 1, "William": 1}


def test_possessives_and_plurals_count_as_their_name() -> None:
    b = book("The house was Bingley's, and the Bingleys were there; Bingley was out.")
    assert names(b) == {"Bingley": 3}


def test_several_capitalised_words_that_come_together_are_one_name() -> None:
    b = book(
        "Then the Cheshire Cat grinned. Then Alice saw the Cheshire Cat again.\n\n"
        "Later the March Hare and the Hatter spoke, and the March Hare laughed; the Cat had "
        "gone, a cat like any other cat, and a cat is a cat.\n\n"
        "The White Rabbit ran, and the Rabbit ran on; the White Rabbit and the Rabbit hid."
    )
    said = names(b)
    assert said["Cheshire Cat"] == 2 and said["March Hare"] == 2 and said["White Rabbit"] == 2
    # Heard mostly inside the name of several words: not alone. "Rabbit" has a life of its own.
    assert "Cheshire" not in said and "Hare" not in said and "March" not in said
    assert said["Rabbit"] == 4
    assert "Cat" not in said  # mostly a cat in lower case
    assert said["Alice"] == 1 and said["Hatter"] == 1


def test_a_particle_belongs_to_the_name_after_it() -> None:
    b = book("She met Miss de Bourgh, and then Lady Catherine de Bourgh arrived.")
    assert names(b) == {"de Bourgh": 2, "Catherine": 1}


def test_in_german_a_name_is_a_capitalised_word_that_seldom_follows_an_article() -> None:
    b = book(
        "Da schwieg Gregor, und der Vater ging. Dann sprach Gregor leise. Da kam Grete, und "
        "die Mutter rief Grete; sie sah den Vater.",
        language="de",
    )
    assert names(b) == {"Gregor": 2, "Grete": 2}


def test_heteronyms_are_english_words() -> None:
    b = book("Une minute, dit Marcel; et Marcel fut content.", language="fr")
    assert not found(b, ("heteronym",))
    assert names(b) == {"Marcel": 2}


def test_words_are_ordered_by_kind_then_by_how_often_they_are_heard() -> None:
    b = book(
        "They saw Wickham. Then Darcy and Darcy and Darcy came; Wickham left, and Jane too.",
        "Later, Jane met Wickham at noon; she read the letter. They would read it again.",
    )
    words = found(b, ("name", "heteronym"))
    assert [(w.word, w.kind, w.count) for w in words] == [
        ("Wickham", "name", 3), ("Darcy", "name", 3), ("Jane", "name", 2),
        ("read", "heteronym", 2),
    ]  # fmt: skip
    assert listed(words, 1) == [words[0], words[3]]
    assert listed(words, None) == words


def test_each_word_says_where_it_first_comes_with_a_few_words_around_it() -> None:
    b = book(
        "Nothing happened in the first chapter at all.",
        "It was a long and quiet afternoon in the country when at last Pemberton rode up "
        "the lane to the old house, alone.\n\nPemberton stayed.",
    )
    (word,) = found(b, ("name",))
    assert (word.word, word.count, word.chapter, word.chapter_title) == (
        "Pemberton", 2, 2, "Chapter 2"
    )  # fmt: skip
    assert word.context == "… the country when at last Pemberton rode up the lane to …"
    assert word.sentence.startswith("It was a long") and word.sentence.endswith("alone.")
    assert (word.ipa, word.known, word.lexicon) == ("/pemberton/", False, None)


def test_the_real_phonemiser_says_how_a_name_is_said_and_whether_it_is_known() -> None:
    b = book("Then Bennet and Elizabeth came in, and Bennet sat.")
    words = {w.word: w for w in find_words(b, say_words, "en-us", kinds=("name",))}
    assert words["Bennet"].ipa == "bˈɛnɪt" and not words["Bennet"].known  # guessed by rule
    assert words["Elizabeth"].known  # in eSpeak NG's dictionary


def test_the_lexicon_says_what_it_changes_and_how_that_is_said() -> None:
    lexicon = Lexicon({"Bennet": "Ben-nay", "Darcy": LexiconEntry(ipa="ˈdɑː.si"), "tears": "tares"})
    b = book("Then Bennet and Darcy and Jane came, and Bennet and Darcy wept tears.")
    words = {w.word: w for w in find_words(b, say_words, "en-us", lexicon)}
    assert words["Bennet"].lexicon == "Ben-nay"
    assert words["Bennet"].ipa == say_words(["Ben-nay"], "en-us")["Ben-nay"].ipa
    assert (words["Darcy"].lexicon, words["Darcy"].ipa) == ("[[dˈɑːsi]]", "dˈɑːsi")
    assert words["Jane"].lexicon is None
    assert words["tears"].lexicon == "tares"  # a heteronym the lexicon decides


def test_each_heteronym_with_how_its_first_sentence_and_all_the_others_say_it() -> None:
    b = book(
        "Yesterday he read the letter twice. She will read it tomorrow.\n\n"
        "He had read it before. A single tear fell."
    )
    words = {w.word: w for w in find_words(b, say_words, "en-us", kinds=("heteronym",))}
    assert set(words) == {"read", "tear"}
    read = words["read"]
    assert (read.count, read.chapter, read.ipa) == (3, 1, "ɹˈɛd")  # past, in its first sentence
    assert read.note == "said ɹˈɛd x2, ɹˈiːd x1"
    assert read.context == "Yesterday he read the letter twice."


def test_what_normalisation_leaves_as_written_is_an_abbreviation_or_a_number() -> None:
    b = book(
        "He took his Ph.D. in 1811 at Oxford, viz. the old college; the room was 221B.\n\n"
        "Another Ph.D. came later."
    )
    words = {w.word: w for w in found(b, ("abbreviation", "number"))}
    assert words["Ph.D."].kind == "abbreviation" and words["Ph.D."].count == 2
    assert words["221B"].kind == "number"
    assert all(w.chapter == 1 for w in words.values())


def test_a_word_with_letters_english_does_not_write_is_foreign() -> None:
    b = book("They spoke tête-à-tête with naïveté and éclat; her naïveté was plain to Zoë.")
    foreign = {w.word: w.count for w in found(b, ("foreign", "name"))}
    assert foreign == {"tête-à-tête": 1, "naïveté": 2, "éclat": 1, "Zoë": 1}
    assert {w.word for w in found(b, ("foreign",))} == {"tête-à-tête", "naïveté", "éclat"}
    # In French those letters are the language's own.
    assert not found(book("Il parla avec naïveté et éclat.", language="fr"), ("foreign",))


def test_unknown_words_are_rare_ones_the_dictionary_lacks_with_their_inflections() -> None:
    b = book("Then blowsy walked, walked, walked; bark barked barking, known, quidnunc, blowsy.")
    unknown = {w.word: w.count for w in found(b, ("unknown",))}
    # "walked" thrice is no rare word, nor is "bark" with "barked" and "barking"; "known" is in
    # the (fake) dictionary.
    assert unknown == {"blowsy": 2, "quidnunc": 1}


def test_the_engines_language_for_a_books_language() -> None:
    assert espeak_language("en") == "en-us"
    assert espeak_language("en-GB") == "en-gb"
    assert espeak_language("en_US") == "en-us"
    assert espeak_language("fr") == "fr"


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_kinds_asked_for_are_found(kind: str) -> None:
    b = book(
        "Then Pemberton read the Ph.D. thesis of room 221B with naïveté and a blowsy air; "
        "Pemberton smiled."
    )
    words = found(b, (kind,))
    assert words and {w.kind for w in words} == {kind}
