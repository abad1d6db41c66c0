"""Named characters the tags call by a description: `said the beadle`, `said the old gentleman`.

A book often calls a named character by what they are: Mr. Bumble is "the beadle", Mr. Brownlow
"the old gentleman". Which one a description is shows in the conversations: turns alternate, so
the one whose name tags the turn two before or after the description's (the same side of an
exchange), and not the turn next to it (the other side), is its person. A description that the
book's exchanges give to one named character often enough, and seldom against it, is an
`epithet` of that character, which weighs that person most wherever it tags a line; others
stay descriptions (`noun`: the people of their gender).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from audiobook.pipeline.cast.attribution import Turn
from audiobook.pipeline.cast.roster import Roster
from audiobook.pipeline.cast.tags import Tag
from audiobook.pipeline.cast.words import NOUN_GENDER

_EVIDENCE = 2  # exchanges that give a description to one name, at least (twice another's)


def link_epithets(chapters_turns: Sequence[list[Turn]], roster: Roster) -> None:
    """Each `the ...` noun tag the book's exchanges give to one character becomes an epithet
    of that character (kind `epithet`, the character's name as its value)."""
    links = _epithets(chapters_turns, roster)
    for turns in chapters_turns:
        for turn in turns:
            for quotation, tag in list(turn.tags.items()):
                phrase = _phrase(tag, roster)
                if phrase in links:
                    turn.tags[quotation] = Tag("epithet", links[phrase], tag.gender, tag.to)


def _epithets(chapters_turns: Sequence[list[Turn]], roster: Roster) -> dict[str, str]:
    """The descriptions the exchanges give to one character: {"the beadle": "Mr. Bumble"}."""
    same: defaultdict[str, Counter[str]] = defaultdict(Counter)  # named two turns off
    other: defaultdict[str, Counter[str]] = defaultdict(Counter)  # named in the turn next to it
    for turns in chapters_turns:
        for i, turn in enumerate(turns):
            for tag in turn.tags.values():
                phrase = _phrase(tag, roster)
                if phrase is None:
                    continue
                for step in (-2, -1, 1, 2):
                    j = i + step
                    if not 0 <= j < len(turns) or not _adjacent(turns, i, j):
                        continue
                    side = same if step % 2 == 0 else other
                    for named in turns[j].tags.values():
                        if named.kind == "name" and not named.described:
                            side[phrase][roster.canonical(named.value)] += 1
    links = {}
    for phrase, votes in same.items():
        (top, count), (_, runner_up) = [*votes.most_common(2), ("", 0), ("", 0)][:2]
        gender = NOUN_GENDER.get(phrase.split()[-1]) or roster.genders.get(phrase[4:])
        if (
            count >= _EVIDENCE
            and count >= 2 * runner_up + 1
            and 2 * other[phrase][top] <= count
            and (gender is None or roster.genders.get(top) in (None, gender))
        ):
            links[phrase] = top
    return links


def _phrase(tag: Tag, roster: Roster) -> str | None:
    """The description a tag calls its speaker by ("the beadle", "the Jew"), if it does."""
    if tag.kind == "noun" and tag.value.startswith("the "):
        return tag.value
    if tag.kind == "name" and tag.described:
        return f"the {roster.canonical(tag.value)}"
    return None


def _adjacent(turns: list[Turn], i: int, j: int) -> bool:
    """No narration between turns I and J (an exchange of lines)."""
    low, high = min(i, j), max(i, j)
    return all(
        turns[k].position - max(turns[k - 1].last, turns[k - 1].position) <= 1
        for k in range(low + 1, high + 1)
    )
