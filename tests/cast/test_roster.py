"""The roster: each character under one name however the text calls them, and two people never
made one (Mr. and Mrs. Bennet, Mr. and Miss Darcy)."""

from __future__ import annotations

import pytest

from audiobook.pipeline.cast.roster import Roster


def merged(*names: str, votes: tuple[tuple[str, str], ...] = ()) -> Roster:
    roster = Roster()
    for name in names:
        roster.add(name)
    for name, gender in votes:
        roster.vote(name, gender)
    roster.merge()
    return roster


def test_mr_and_mrs_bennet_are_two_people() -> None:
    roster = merged("Mr. Bennet", "Mrs. Bennet", "Mr. Bennet", "Mrs. Bennet")
    assert roster.canonical("Mr. Bennet") != roster.canonical("Mrs. Bennet")
    characters = roster.characters()
    assert characters["Mr. Bennet"].gender == "male"
    assert characters["Mrs. Bennet"].gender == "female"


@pytest.mark.parametrize("family", ["Bennet", "Darcy"])
@pytest.mark.parametrize("bare_votes", ["none", "female", "male"])
def test_a_bare_surname_never_joins_mr_and_miss(family: str, bare_votes: str) -> None:
    """However the bare surname is merged (into the man, where the family has both), the titled
    people stay apart, each with the gender of their title."""
    votes = () if bare_votes == "none" else ((family, bare_votes),) * 3
    roster = merged(
        f"Mr. {family}", f"Miss {family}", f"Mrs. {family}", family, family, family, votes=votes
    )
    titled = {roster.canonical(f"{t} {family}") for t in ("Mr.", "Miss", "Mrs.")}
    assert len(titled) == 3
    assert roster.canonical(family) in titled | {family}
    characters = roster.characters()
    assert characters[roster.canonical(f"Mr. {family}")].gender == "male"
    assert characters[roster.canonical(f"Miss {family}")].gender == "female"


def test_the_whole_family_keeps_its_titles_apart() -> None:
    """Full names and given names join the one person they can be; no group has two titles."""
    roster = merged(
        "Mr. Darcy", "Miss Darcy", "Darcy", "Fitzwilliam Darcy", "Georgiana Darcy", "Georgiana",
        "Mr. Bennet", "Mrs. Bennet", "Bennet", "Jane Bennet", "Jane", "Elizabeth Bennet",
        "Elizabeth", "Lizzy",
    )  # fmt: skip
    for character in roster.characters().values():
        names = [character.name, *character.aliases]
        titles = {n.split()[0] for n in names if n.split()[0] in ("Mr.", "Mrs.", "Miss")}
        assert len(titles) <= 1, names
    assert roster.canonical("Jane") == "Jane Bennet"
    assert roster.canonical("Lizzy") == roster.canonical("Elizabeth") == "Elizabeth Bennet"
    assert roster.canonical("Georgiana") == "Georgiana Darcy"


def test_a_given_name_shared_by_two_full_names_stays_alone() -> None:
    """Tom could be Tom Smith or Tom Jones: the text leaves two readings, so no merge."""
    roster = merged("Tom", "Tom Smith", "Tom Jones")
    assert {roster.canonical(n) for n in ("Tom", "Tom Smith", "Tom Jones")} == {
        "Tom", "Tom Smith", "Tom Jones",
    }  # fmt: skip


def test_a_nickname_joins_its_full_form() -> None:
    assert merged("Lizzy", "Elizabeth").canonical("Lizzy") == "Elizabeth"
    assert merged("Eliza", "Elizabeth Bennet").canonical("Eliza") == "Elizabeth Bennet"


def test_a_nickname_joins_its_full_form_whatever_the_order() -> None:
    """The roster's docstring: Lizzy and Eliza into Elizabeth, when the book also has the bare
    Elizabeth."""
    roster = merged("Elizabeth Bennet", "Elizabeth", "Lizzy", "Eliza")
    assert roster.canonical("Lizzy") == "Elizabeth Bennet"
    assert roster.canonical("Eliza") == "Elizabeth Bennet"
