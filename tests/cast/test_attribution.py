"""Who says each line: find_cast over small books, the evidence a reader would go by (tags,
turns, the first-person narrator), and the cast it gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.core.book import Book, Paragraph
from audiobook.engines.interface import VoiceInfo
from audiobook.pipeline.cast import BookCast, Line, find_cast
from audiobook.readers import read_book

from .books import SCENE_BREAK, make_book

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def cast_of(*paragraphs: str, language: str = "en") -> BookCast:
    """The cast of a one-chapter book of PARAGRAPHS."""
    return find_cast(make_book(list(paragraphs), language=language))


def said(cast: BookCast, text: str) -> Line:
    """The line whose words begin with TEXT."""
    return next(line for line in cast.lines if line.text.strip().startswith(text))


def names(cast: BookCast) -> set[str]:
    return {character.name for character in cast.characters}


INTERRUPTED = {
    "curly": (
        "en", "“I cannot go,” said Tom, “for the rain is too heavy.”", "“Then stay,” said Anne.",
    ),
    "straight": (
        "en", '"I cannot go," said Tom, "for the rain is too heavy."', '"Then stay," said Anne.',
    ),
    "British": (
        "en-GB", "‘I cannot go,’ said Tom, ‘for the rain is too heavy.’", "‘Then stay,’ said Anne.",
    ),
    "German": (
        "de", "»Ich kann nicht gehen«, sagte Tom, »denn es regnet zu sehr.«",
        "»Dann bleib«, sagte Anna.",
    ),
    "French dashes": (
        "fr", "— Je ne peux pas partir, — dit Tom, — il pleut trop.", "— Alors reste, — dit Anne.",
    ),
    "Russian dashes": (
        "ru", "— Я не могу идти, — сказал Том, — дождь слишком сильный.",
        "— Тогда останься, — сказала Анна.",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("language", "speech", "reply"), INTERRUPTED.values(), ids=INTERRUPTED)
def test_a_quote_interrupted_by_its_tag_is_one_speaker(
    language: str, speech: str, reply: str
) -> None:
    """`"...," said Tom, "..."`: two lines, both Tom's (the second has no tag of its own)."""
    cast = cast_of(speech, reply, language=language)
    first, second = [line for line in cast.lines if line.block == 0]
    speaker = "Том" if language == "ru" else "Tom"
    assert cast.speaker(first) == cast.speaker(second) == speaker
    assert cast.speaker(cast.lines[-1]) not in (None, speaker)


def test_an_interrupted_quote_tagged_by_a_pronoun_is_one_speaker() -> None:
    """`said he` in a conversation between a man and a woman: both halves are the man's."""
    cast = cast_of(
        "“Where are you going?” said Anne.",
        "“Home,” said Tom.",
        "“In this rain?”",
        "“I cannot go,” said he, “for the rain is too heavy.”",
        "“Then stay,” said she.",
    )
    first, second = [line for line in cast.lines if line.block == 3]
    assert cast.speaker(first) == cast.speaker(second) == "Tom"
    assert cast.speaker(said(cast, "Then stay")) == "Anne"


BENNETS = [
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife.",
    '"My dear Mr. Bennet," said Mrs. Bennet to him one day, "have you heard that Netherfield '
    'Park is let at last?"',
    "Mr. Bennet replied that he had not.",
    '"But it is," returned she; "for Mrs. Long has just been here, and she told me all about it."',
    "Mr. Bennet made no answer.",
    '"Do you not want to know who has taken it?" cried Mrs. Bennet impatiently.',
    '"You want to tell me, and I have no objection to hearing it," said Mr. Bennet.',
    '"Why, my dear, you must know," said Mrs. Bennet.',
    '"Is he married or single?" said Mr. Bennet.',
]


def test_the_bennets_stay_two_people() -> None:
    """Mr. and Mrs. Bennet both speak, tagged: two characters of their own genders, and each
    tagged line is its tag's."""
    cast = cast_of(*BENNETS)
    by_name = {c.name: c for c in cast.characters}
    assert {"Mr. Bennet", "Mrs. Bennet"} <= set(by_name)
    assert by_name["Mr. Bennet"].gender == "male"
    assert by_name["Mrs. Bennet"].gender == "female"
    assert "Mrs. Bennet" not in by_name["Mr. Bennet"].aliases
    assert "Mr. Bennet" not in by_name["Mrs. Bennet"].aliases
    for text, speaker in [
        ("My dear Mr. Bennet", "Mrs. Bennet"),
        ("Do you not want", "Mrs. Bennet"),
        ("You want to tell me", "Mr. Bennet"),
        ("Why, my dear", "Mrs. Bennet"),
        ("Is he married", "Mr. Bennet"),
    ]:
        assert said(cast, text).speaker == speaker, text


def test_mr_and_miss_darcy_stay_apart_and_darcy_is_the_man() -> None:
    """The bare surname goes to the man where the family has both, never to his sister."""
    cast = cast_of(
        "“How do you do?” said Mr. Darcy.",
        "“Very well,” said Miss Darcy.",
        "“I am glad,” said Darcy.",
        "“And I,” said Miss Darcy.",
        "“Good,” said Mr. Darcy.",
    )
    by_name = {c.name: c for c in cast.characters}
    assert {"Mr. Darcy", "Miss Darcy"} <= set(by_name)
    assert said(cast, "I am glad").speaker == "Mr. Darcy"
    assert "Darcy" not in by_name["Miss Darcy"].aliases
    assert [said(cast, t).speaker for t in ("Very well", "And I")] == ["Miss Darcy"] * 2


HOLMES = [
    "“Good morning,” I said.",
    "“Good morning,” said Holmes.",
    "“Where are we going?” I asked.",
    "“To the station,” he replied.",
    "“Why?” said I.",
    "“You will see,” said Holmes.",
    "“Very well,” I said, and followed him.",
]


def test_a_first_person_narrator_says_i() -> None:
    """Lines tagged `I said`, `I asked`, `said I` are the narrator's, "I", never Holmes's."""
    cast = cast_of(*HOLMES)
    for paragraph, line in zip(HOLMES, cast.lines, strict=True):
        if " I " in paragraph.replace(".", " ").replace(",", " "):
            assert line.speaker == "I", line
            assert cast.speaker(line) == "I", line
        else:
            assert line.speaker != "I", line
    assert "I" in names(cast)
    assert cast.speaker(said(cast, "You will see")) == "Holmes"


def test_the_first_person_narrator_has_no_voice_of_its_own() -> None:
    """The narrator "I" is read in the narrator's voice: choose_voices gives it none, whatever
    voices are free."""
    cast = cast_of(*HOLMES)
    voices = [
        VoiceInfo(f"am_{n}", n, ("en-us",), "male", engine="kokoro", accent="American")
        for n in ("adam", "echo", "eric", "fenrir", "liam", "michael", "onyx", "puck")
    ]
    cast.choose_voices(("kokoro", "am_adam"), "en", voices)
    by_name = {c.name: c for c in cast.characters}
    assert by_name["I"].voice is None
    assert cast.voiced(said(cast, "Why?")) is None


def test_said_jane_is_janes_in_an_exchange() -> None:
    """Two women alternate; the lines tagged `said Jane` are Jane's, the untagged ones between
    are Elizabeth's by turn-taking."""
    cast = cast_of(
        "Elizabeth and Jane sat together in the garden.",
        "“Is it true?” asked Elizabeth.",
        "“It is.”",
        "“And he said nothing?”",
        "“Nothing at all,” said Jane.",
        "“How strange.”",
        "“Strange indeed,” said Jane.",
    )
    for text in ("Nothing at all", "Strange indeed"):
        assert cast.speaker(said(cast, text)) == "Jane"
    for text in ("And he said nothing?", "How strange."):
        assert said(cast, text).speaker == "Elizabeth"


def test_said_jane_is_janes_when_she_speaks_twice_running() -> None:
    """A line tagged `said Jane` is never anyone else's, even where turn-taking would have
    Elizabeth answer."""
    cast = cast_of(
        "“Is it true?” asked Elizabeth.",
        "“It is,” said Jane.",
        "“I heard it this morning,” said Jane.",
        "“Everyone knows,” said Jane.",
    )
    for line in cast.lines[1:]:
        assert line.speaker == "Jane", line
        assert cast.speaker(line) == "Jane", line


def test_two_tags_in_one_paragraph_give_each_line_its_own() -> None:
    cast = cast_of("“Yes,” said Elizabeth. “No,” said Jane.")
    assert [line.speaker for line in cast.lines] == ["Elizabeth", "Jane"]


def test_the_queen_speaks_in_alice() -> None:
    """`said the Queen`: the Queen's lines are hers (a first cut read no tag there)."""
    cast = cast_of(
        "'Off with her head!' said the Queen.",
        "'Nonsense!' said Alice.",
        "'Hold your tongue!' said the Queen.",
        "'I won't!' said Alice.",
    )
    assert "Queen" in (cast.speaker(said(cast, "Off with her head")) or "")
    assert "Queen" in (cast.speaker(said(cast, "Hold your tongue")) or "")


def test_said_she_is_the_woman_the_narration_named_last() -> None:
    """`said she` with two women about: the one the narration named just before it, though the
    other is the more talked of."""
    cast = cast_of(
        "Jane and Mary sat by the fire; Jane was tired, and Jane closed her eyes.",
        "Tom came in and looked at Mary.",
        "“Where have you been?” said she.",
    )
    line = said(cast, "Where have you been")
    assert (line.speaker, line.how) == ("Mary", "pronoun")


def test_an_epithet_is_the_character_the_exchanges_give_it_to() -> None:
    """`said the beadle` where Mr. Bumble's tags fall on the same side of the exchange as the
    beadle's (and never on the other): the beadle is Mr. Bumble."""
    cast = cast_of(
        "“Where is the boy?” said Mr. Bumble.",
        "“In the yard,” said Mrs. Mann.",
        "“Bring him here,” said the beadle.",
        "“At once, sir.”",
        "“Be quick,” said Mr. Bumble.",
        "“Yes, sir,” said Mrs. Mann.",
        "“And see that he is clean,” said the beadle.",
    )
    for text in ("Bring him here", "And see that he is clean"):
        line = said(cast, text)
        assert (line.speaker, line.how) == ("Mr. Bumble", "epithet"), line
    assert "the beadle" not in {c.name.lower() for c in cast.characters}


def test_a_description_no_exchange_gives_to_a_name_stays_a_description() -> None:
    """`said the mariner`, who talks with Mr. Marvel (his tags on the other side): not Mr.
    Marvel's epithet, and the mariner's lines are not voiced as Mr. Marvel's."""
    cast = cast_of(
        "“Fine weather,” said the mariner.",
        "“Very fine,” said Mr. Marvel.",
        "“Rain to-morrow, though,” said the mariner.",
        "“I dare say,” said Mr. Marvel.",
    )
    for text in ("Fine weather", "Rain to-morrow"):
        line = said(cast, text)
        assert line.how != "epithet" and cast.speaker(line) != "Mr. Marvel", line


NO_DIALOGUE = {
    "English": (
        "en",
        [
            "It was a dark and stormy night; the rain fell in torrents — except at occasional "
            "intervals — and nobody said a word.",
            "Tom didn't care. 'Tis the season, he thought, for rock 'n' roll at the Smiths' house "
            "at nine o'clock.",
            SCENE_BREAK,
            "— and that was the end of it.",
        ],
    ),
    "French": ("fr", ["Il partit — enfin — vers le sud.", "Personne ne dit rien ce soir-là."]),
    "German": ("de", ["Er ging hinaus. Niemand sagte etwas, und es regnete."]),
}


@pytest.mark.parametrize(("language", "paragraphs"), NO_DIALOGUE.values(), ids=NO_DIALOGUE)
def test_a_book_without_dialogue_has_an_empty_cast(language: str, paragraphs: list[str]) -> None:
    cast = cast_of(*paragraphs, language=language)
    assert cast.lines == []
    assert cast.characters == []
    document = cast.to_json()
    assert (document["lines"], document["characters"]) == ([], [])


def test_an_empty_book_has_an_empty_cast() -> None:
    cast = find_cast(make_book([]))
    assert (cast.lines, cast.characters) == ([], [])


def test_the_same_book_gives_the_same_cast() -> None:
    """Nothing is random: two readings agree to the last confidence."""
    book = make_book(BENNETS, HOLMES)
    assert find_cast(book).to_json() == find_cast(book).to_json()


def test_to_json_speaks_only_above_the_threshold() -> None:
    """The document has a line for each quoted part; a speaker only where confidence reaches
    the threshold, and it is JSON."""
    cast = cast_of(*BENNETS)
    document = json.loads(json.dumps(cast.to_json(), ensure_ascii=False))
    assert len(document["lines"]) == len(cast.lines)
    for entry, line in zip(document["lines"], cast.lines, strict=True):
        assert entry["text"] == line.text
        assert entry["speaker"] == (line.speaker if line.confidence >= cast.threshold else None)
    assert {c["name"] for c in document["characters"]} == names(cast)


def paragraph_of(book: Book, line: Line) -> str:
    chapter = next(c for c in book.chapters if c.index == line.chapter)
    block = chapter.blocks[line.block]
    assert isinstance(block, Paragraph)
    return block.text


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_lines_of_real_books_are_their_paragraphs_words(name: str) -> None:
    """On the corpus excerpts: each line is the text between its marks in its own paragraph, and
    each sure speaker is one of the characters."""
    book = read_book(CORPUS / name)
    cast = find_cast(book)
    for line in cast.lines:
        assert paragraph_of(book, line)[line.start : line.end] == line.text
        assert cast.speaker(line) is None or cast.speaker(line) in names(cast)
