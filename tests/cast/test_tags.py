"""Reading a tag: the narration beside a quotation says who speaks (`said Jane`, `she replied`,
`dit-il`, `сказал он`), in the words next to the quotation only."""

from __future__ import annotations

import pytest

from audiobook.pipeline.cast.tags import read_name, tag_after, tag_before, tokens, vocatives

AFTER = {
    "said Name": (" said Jane.", "name", "Jane", None),
    "Name said": (" Jane said.", "name", "Jane", None),
    "said Name, then more": (" said Jane, turning to the window.", "name", "Jane", None),
    "replied Name": (" replied Elizabeth.", "name", "Elizabeth", None),
    "titled name": (" said Mr. Bennet.", "name", "Mr. Bennet", None),
    "titled name, adverb": (" cried Mrs. Bennet impatiently.", "name", "Mrs. Bennet", None),
    "he said": (" he said.", "pronoun", "he", "male"),
    "said he": (" said he.", "pronoun", "he", "male"),
    "she replied": (" she replied.", "pronoun", "she", "female"),
    "said she;": (" returned she; ", "pronoun", "she", "female"),
    "I said.": (" I said.", "first_person", "I", None),
    "said I,": (" said I, rising.", "first_person", "I", None),
    "a described person": (" said the old man.", "noun", "the old man", "male"),
    "a role": (" said the beadle, with a sigh.", "noun", "the beadle", None),
    "a role, two words": (" said the first housemaid.", "noun", "the first housemaid", None),
    "a role, adverb": (" replied the count gravely.", "noun", "the count", None),
    "the Hatter": (" said the Hatter.", "name", "Hatter", None),
    "French inversion": (", dit-il.", "pronoun", "il", "male"),
    "French inversion, -t-": (", répondit-elle.", "pronoun", "elle", "female"),
    "French name": (" dit Madame Bovary.", "name", "Madame Bovary", None),
    "German": (", sagte er.", "pronoun", "er", "male"),
    "German name": (", sagte Herr Müller.", "name", "Herr Müller", None),
    "Spanish incise": (" —dijo él—.", "pronoun", "él", "male"),
    "Russian incise": (" — сказал он, ", "pronoun", "он", "male"),
    "Russian name": (", — сказала Анна.", "name", "Анна", None),
}  # fmt: skip


@pytest.mark.parametrize(("narration", "kind", "value", "gender"), AFTER.values(), ids=AFTER)
def test_tag_after_a_quotation(narration: str, kind: str, value: str, gender: str | None) -> None:
    """The tag at the start of the narration after a line, wherever its sentence ends (a full
    stop against the last word once hid `he said.` and `said I.`)."""
    tag = tag_after(narration)
    assert tag is not None, narration
    assert (tag.kind, tag.value) == (kind, value)
    if gender is not None:
        assert tag.gender == gender


@pytest.mark.parametrize(
    "narration",
    [
        " Elizabeth replied that she had not.",  # reported speech, not a tag
        " The rain fell all night.",
        " and the door closed behind them.",
        " said nothing.",
    ],
)
def test_narration_that_is_no_tag(narration: str) -> None:
    assert tag_after(narration, quote_continues=False) is None


@pytest.mark.parametrize(
    "narration", [" said the Queen.", " said the King.", " said the Duchess.", " the Queen said."]
)
def test_said_the_queen_is_a_tag(narration: str) -> None:
    """A capitalised title after "the" (Alice's Queen, the Duchess) names a speaker: it is
    neither a name with words after the title nor a lower-case noun, and was once no tag."""
    tag = tag_after(narration)
    assert tag is not None
    assert tag.kind == "name"
    assert tag.value in ("Queen", "King", "Duchess")
    assert tag.value in narration


BEFORE = {
    "Name said:": ("Jane said:", "name", "Jane"),
    "said Name,": ("said Jane,", "name", "Jane"),
    "Name:": ("Elizabeth:", "name", "Elizabeth"),
    "She said:": ("She said:", "pronoun", "she"),
    "I said:": ("I said:", "first_person", "I"),
    "titled, to someone": ("Mr. Bennet said to his wife:", "name", "Mr. Bennet"),
    "a described person": ("The old man said,", "noun", "the old man"),
}


@pytest.mark.parametrize(("narration", "kind", "value"), BEFORE.values(), ids=BEFORE)
def test_tag_before_a_quotation(narration: str, kind: str, value: str) -> None:
    tag = tag_before(narration)
    assert tag is not None, narration
    assert (tag.kind, tag.value) == (kind, value)


def test_a_sentence_that_ends_before_the_quotation_is_no_tag() -> None:
    """Only narration leading into the line (ending on a colon, comma or dash) can tag it."""
    assert tag_before("Jane said nothing.") is None
    assert tag_before("Elizabeth looked at her sister") is None


@pytest.mark.parametrize("narration", ["Then Mr. Bennet said:", "He looked up. At last Jane said:"])
def test_tag_before_after_an_adverb(narration: str) -> None:
    tag = tag_before(narration)
    assert tag is not None
    assert tag.kind == "name"
    assert tag.value in ("Mr. Bennet", "Jane")


def test_names_keep_their_titles_and_particles() -> None:
    words = tokens("Lady Catherine de Bourgh said to Mr. Darcy.")
    assert read_name(words, 0) == ("Lady Catherine de Bourgh", 4)
    assert read_name(words, 6) == ("Mr. Darcy", 8)
    assert read_name(tokens("The rain fell."), 0) is None


def test_vocatives_name_whom_a_line_speaks_to() -> None:
    assert vocatives("My dear Mr. Bennet, have you heard?") == ["Mr. Bennet"]
    assert vocatives("Come here, Lizzy.") == ["Lizzy"]
    assert vocatives("It is a fine day.") == []


@pytest.mark.parametrize("narration", [" said the latter.", " said the rest of them."])
def test_no_one_s_description_is_no_tag(narration: str) -> None:
    """`said the latter`, `the rest`: words after "the" that describe no one are no tag."""
    assert tag_after(narration) is None


def test_a_name_written_as_a_description_is_marked() -> None:
    """`said the Jew` names its speaker as a description does (an epithet, perhaps); `said
    Fagin` does not."""
    described = tag_after(" said the Jew.")
    plain = tag_after(" said Fagin.")
    assert described is not None and described.kind == "name" and described.described
    assert plain is not None and not plain.described
