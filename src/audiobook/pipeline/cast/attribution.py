"""Who says each quoted line, with how it was decided and how sure that is.

A chapter's turns (paragraphs that hold quotations) fall into conversations: turns no more than
a short paragraph of narration apart. Each conversation has its participants: the people its
tags name, those its lines speak to, those the narration around it names, and the last ones who
spoke before it. Who says each turn is then read as a chain over those people, where the
evidence of each turn weighs each person:

- its own tag (`said Elizabeth`: `tag`; `said I`: `first_person`), almost certain;
- a pronoun (`said she`: `pronoun`): the people of that gender, the last of them the narration
  named before it most;
- a described person (`said his wife`: `noun`): the people of that gender; one the book calls
  by an epithet (`said the beadle`: Mr. Bumble, `epithets`), that person most (`epithet`);
- a speaker set up just before the line (`Jane looked up.`: `setup`);
- the person the line speaks to (`my dear Mr. Bennet`) does not say it, and is likely to
  answer it (`vocative`);

and turns alternate (`chain`): the speaker of a turn is rarely the one of the turn before,
often the one of the turn before that, and otherwise the people most in the conversation
(`turn`). The chain's forward-backward pass gives each turn the probability of each person; the
likeliest is its speaker, and the precision measured of its rule at that probability its
confidence (`confidence`). Lines whose confidence is under the threshold stay with the
narrator. Deterministic: no sampling, ties broken by the participants' order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from audiobook.pipeline.cast.chain import posteriors
from audiobook.pipeline.cast.confidence import calibrated
from audiobook.pipeline.cast.roster import NameParts, Roster
from audiobook.pipeline.cast.tags import Tag

NARRATOR_I = "I"  # the first-person narrator's name in the roster
NOBODY = ""  # someone the text has not named: a line it is likeliest for stays with the narrator
MAX_PEOPLE = 8  # participants kept per conversation, the most evident first
_BACK_MENTIONS = 3  # paragraphs before a conversation whose names may take part in it
_EARLIER = 3  # the chapter's last speakers who may take part in the next conversation
# How much a speaker set up in the narration just before the line weighs: in its own paragraph
# ("Jane looked up. 'Well?'"), and in the paragraph before.
_SETUP_HERE, _SETUP_BEFORE = 10.0, 4.0
_NAMED_INSIDE = 0.5  # a person a line names (not as whom it speaks to) is less likely its speaker
_ANTECEDENT = 4.0  # "said she": the last woman the narration named before it
_EPITHET = 30.0  # "said the beadle": the person the book calls so
_NOBODY_WEIGHT = 2.0  # how much "somebody not named" is in a conversation (a tag weighs 10)
GAP = 2  # a conversation goes on over at most this many paragraphs of narration between turns
# A tag's kinds that name the speaker, and the rule each is
NAMING = {"name": "tag", "first_person": "first_person"}


@dataclass
class Line:
    """One quoted part: where it is, and who says it."""

    chapter: int  # the chapter's index
    block: int  # the paragraph's index among the chapter's blocks
    start: int  # the words inside the marks, in the paragraph's text
    end: int
    outer_start: int  # the quotation's segment, marks included
    outer_end: int
    quotation: int  # parts of one quotation share it (within the chapter)
    text: str
    speaker: str | None = None
    how: str = ""
    confidence: float = 0.0
    probability: float = 0.0  # the chain's, before its rule's calibration (the confidence)
    tagged: str | None = None  # the speaker its own tag names ("said Jane"), if it has one


@dataclass
class Turn:
    """A paragraph's quotations and the evidence around them."""

    block: int
    position: int  # its place among the chapter's paragraphs (scene breaks count as gaps)
    lines: list[Line]
    last: int = -1  # the position of its last paragraph (a speech may run over several)
    tags: dict[int, Tag] = field(default_factory=dict)  # quotation -> its own tag
    setup: Tag | None = None
    addressed: list[str] = field(default_factory=list)
    named_inside: list[str] = field(default_factory=list)  # names its lines say (not their own)
    before: list[str] = field(default_factory=list)  # names said before its pronoun (tag, setup)
    speaker: str | None = None
    how: str = ""
    confidence: float = 0.0


def decide(
    chapters_turns: Sequence[list[Turn]],
    roster: Roster,
    mentions: Sequence[list[list[str]]],
    first_person: bool,
) -> None:
    """Give each turn and line a speaker and a confidence. MENTIONS: for each chapter, for each
    paragraph position, the characters its narration names. FIRST_PERSON: the book has a
    narrator who says "I" (who may then speak in any conversation)."""
    for turns, named in zip(chapters_turns, mentions, strict=True):
        earlier: list[str] = []  # speakers so far in the chapter, most recent last
        for run in _conversations(turns):
            people, weights = _participants(run, roster, named, earlier, first_person)
            emissions = [
                _emission(turn, run[i - 1] if i else None, people, roster)
                for i, turn in enumerate(run)
            ]
            gaps = [1] + [
                run[i].position - max(run[i - 1].last, run[i - 1].position)
                for i in range(1, len(run))
            ]
            for turn, probabilities in zip(run, posteriors(emissions, gaps, weights), strict=True):
                best = max(range(len(people)), key=lambda k: (probabilities[k], -k))
                turn.speaker = people[best] or None
                turn.confidence = round(probabilities[best], 3)
                turn.how = _how(turn, turn.speaker, run, roster) if turn.speaker else "unknown"
            for turn in run:
                if turn.speaker in earlier:
                    earlier.remove(turn.speaker)
                if turn.speaker:
                    earlier.append(turn.speaker)
        for turn in turns:
            _lines(turn, roster)
            for line in turn.lines:
                line.probability = line.confidence
                line.confidence = calibrated(line.how, line.confidence)


def _lines(turn: Turn, roster: Roster) -> None:
    """The turn's speaker for each of its lines; a paragraph with two named tags for different
    people ("Yes," said A. "No," said B.) gives each tagged line its own."""
    named = {q: _name(t, roster) for q, t in turn.tags.items() if t.kind in NAMING}
    several = len(set(named.values())) > 1
    for line in turn.lines:
        line.tagged = named.get(line.quotation)
        # A line's own tag is never overruled: "said Jane" is Jane's.
        if line.tagged is not None and (line.tagged != turn.speaker or several):
            line.speaker, line.how = line.tagged, NAMING[turn.tags[line.quotation].kind]
            line.confidence = max(turn.confidence, 0.9)
        else:
            line.speaker, line.how, line.confidence = turn.speaker, turn.how, turn.confidence


def _name(tag: Tag, roster: Roster) -> str:
    """The person a naming tag names (or an epithet's)."""
    if tag.kind == "first_person":
        return NARRATOR_I
    return tag.value if tag.kind == "epithet" else roster.canonical(tag.value)


def _conversations(turns: list[Turn]) -> list[list[Turn]]:
    runs: list[list[Turn]] = []
    for turn in turns:
        if runs and turn.position - max(runs[-1][-1].last, runs[-1][-1].position) <= GAP + 1:
            runs[-1].append(turn)
        else:
            runs.append([turn])
    return runs


def _participants(
    run: list[Turn],
    roster: Roster,
    named: list[list[str]],
    earlier: list[str],
    first_person: bool,
) -> tuple[list[str], list[float]]:
    """The people who may speak in RUN, the most evident first, and NOBODY last; and how much
    each is in it (the chain's weights)."""
    weight: dict[str, float] = {}

    def add(name: str | None, w: float) -> None:
        if name:
            weight[name] = weight.get(name, 0.0) + w

    for turn in run:
        for tag in turn.tags.values():
            if tag.kind in NAMING:
                add(_name(tag, roster), 10)
            elif tag.kind == "epithet":
                add(tag.value, 5)
        if turn.setup is not None and turn.setup.kind == "name":
            add(roster.canonical(turn.setup.value), 3)
        for name in turn.addressed:
            add(name, 4)
    first, last = run[0].position, max(run[-1].last, run[-1].position)
    speaking = sum(1 for w in weight.values() if w >= 10)
    back = _BACK_MENTIONS if speaking < 2 else 0  # two who speak: the scene is theirs
    for position in range(max(0, first - back), min(len(named), last + 1)):
        for name in named[position]:
            add(name, 2 if position >= first else 1.5)
    for k, name in enumerate(reversed(earlier[-_EARLIER:])):
        add(name, 2.5 - k * 0.5)
    if first_person:  # the narrator is in nearly every conversation of the book
        add(NARRATOR_I, 6)
    # A pronoun of a gender nobody here has: the last person of that gender named before.
    genders = {roster.genders.get(n) for n in weight}
    for turn in run:
        for tag in turn.tags.values():
            if tag.kind in ("pronoun", "noun") and tag.gender and tag.gender not in genders:
                for position in range(first - 1, max(-1, first - 40), -1):
                    found = [n for n in named[position] if roster.genders.get(n) == tag.gender]
                    if found:
                        add(found[-1], 1)
                        genders.add(tag.gender)
                        break
    _spouses(run, weight, roster)
    ranked = sorted(weight, key=lambda n: (-weight[n], n))[:MAX_PEOPLE]
    return [*ranked, NOBODY], [*(weight[n] for n in ranked), _NOBODY_WEIGHT]


_SPOUSES = {"wife": ("male", "Mrs."), "lady": ("male", "Mrs."), "husband": ("female", "Mr.")}


def _spouses(run: list[Turn], weight: dict[str, float], roster: Roster) -> None:
    """`said his wife` names Mrs. Bennet when "his" is Mr. Bennet: the man the scene is about
    (the line's addressee first). The tag becomes that name."""
    for turn in run:
        for quotation, tag in list(turn.tags.items()):
            if tag.kind != "noun":
                continue
            words = tag.value.split()
            if len(words) != 2 or words[0] not in ("his", "her") or words[1] not in _SPOUSES:
                continue
            gender, title = _SPOUSES[words[1]]
            if (words[0] == "his") != (gender == "male"):
                continue
            people = [*turn.addressed, *sorted(weight, key=lambda n: (-weight[n], n))]
            partner = next((p for p in people if roster.genders.get(p) == gender), None)
            surname = NameParts.of(partner).surname if partner else None
            if not surname:
                continue
            spouse = f"{title} {surname}"
            roster.genders.setdefault(roster.canonical(spouse), _OTHER[gender])
            turn.tags[quotation] = Tag("name", spouse)
            weight[roster.canonical(spouse)] = weight.get(roster.canonical(spouse), 0.0) + 10


_OTHER = {"male": "female", "female": "male"}


def _emission(turn: Turn, before: Turn | None, people: list[str], roster: Roster) -> list[float]:
    """How well each person fits the turn's own evidence (a likelihood, up to a factor)."""
    scores = [1.0] * len(people)
    tags = list(turn.tags.values())
    named = [t for t in tags if t.kind in NAMING]
    if named:
        who = _name(named[-1], roster)  # the last: the one the next turn answers
        scores = [0.995 if p == who else 0.005 for p in people]
    else:
        set_up = _setup_name(turn, roster)
        for tag in tags:
            if tag.kind == "epithet" and tag.value in people:
                scores[people.index(tag.value)] *= _EPITHET
            if tag.kind in ("pronoun", "noun") and tag.gender:
                strong = tag.kind == "pronoun"
                antecedent = _antecedent(turn, tag.gender, roster) if strong else None
                if antecedent in people:
                    scores[people.index(antecedent)] *= _ANTECEDENT
                for k, p in enumerate(people):
                    gender = None if p == NARRATOR_I else roster.genders.get(p)
                    if p == NARRATOR_I:
                        scores[k] *= 0.02
                    elif gender == tag.gender:
                        scores[k] *= 1.0
                    elif gender is None:  # "Gregory smiled. 'Well,' he said": he is Gregory
                        scores[k] *= 1.0 if p == set_up else 0.3 if strong else 0.5
                    else:
                        scores[k] *= 0.02 if strong else 0.1
        if turn.setup is not None:
            setup = turn.setup
            # "She turned to him.": the last woman named before, most
            last_named = _antecedent(turn, setup.gender, roster) if setup.gender else None
            for k, p in enumerate(people):
                if (setup.kind == "name" and p == roster.canonical(setup.value)) or (
                    setup.kind == "first_person" and p == NARRATOR_I
                ):
                    scores[k] *= _SETUP_HERE if setup.to == "here" else _SETUP_BEFORE
                elif (
                    setup.kind == "pronoun"
                    and setup.gender
                    and roster.genders.get(p) == setup.gender
                ):
                    scores[k] *= _ANTECEDENT if p == last_named else 1.5
    if NOBODY in people and not named:  # an unnamed person fits any description, a little
        k = people.index(NOBODY)
        scores[k] = 0.35 if turn.tags else 0.1
    for k, p in enumerate(people):
        if p in turn.addressed:
            scores[k] *= 0.04
        elif p in turn.named_inside:  # people seldom say their own name
            scores[k] *= _NAMED_INSIDE
        if before is not None and p in before.addressed and not named and turn.setup is None:
            scores[k] *= 4.0
    return scores


def _antecedent(turn: Turn, gender: str, roster: Roster) -> str | None:
    """The last person of GENDER the narration named before the turn's pronoun (its tag's, or
    its setup's)."""
    for name in reversed(turn.before):
        if roster.genders.get(name) == gender:
            return name
    return None


def _setup_name(turn: Turn, roster: Roster) -> str | None:
    setup = turn.setup
    return roster.canonical(setup.value) if setup is not None and setup.kind == "name" else None


def _how(turn: Turn, speaker: str, run: list[Turn], roster: Roster) -> str:
    """The strongest evidence that names this speaker for the turn."""
    for tag in turn.tags.values():
        if tag.kind in NAMING and _name(tag, roster) == speaker:
            return NAMING[tag.kind]
    for tag in turn.tags.values():
        if tag.kind == "epithet" and tag.value == speaker:
            return "epithet"
        if tag.kind in ("pronoun", "noun") and roster.genders.get(speaker) == tag.gender:
            return tag.kind
    setup = turn.setup
    if setup is not None and setup.kind == "name" and roster.canonical(setup.value) == speaker:
        return "setup"
    index = run.index(turn)
    if index and speaker in run[index - 1].addressed:
        return "vocative"
    return "turn"
