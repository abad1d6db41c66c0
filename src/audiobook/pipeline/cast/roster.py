"""The roster: the book's characters, each under one name however the text calls them.

Names come from the tags (`said Elizabeth`), the lines' vocatives (`my dear Mr. Bennet`) and
the narration. They are merged only where the text leaves one reading: a bare first name into
the one full name that has it (Elizabeth into Elizabeth Bennet), a nickname into its full form
(Lizzy, Eliza into Elizabeth), a bare surname into the one titled name with it (Darcy into
Mr. Darcy). Titles of different people never merge (Mr. and Mrs. Bennet are two), and a title
and a full name merge only when both are known to be the same gender.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from audiobook.pipeline.cast.given_names import gender_of_given
from audiobook.pipeline.cast.words import TITLES

# Common English nicknames -> the given name they shorten (merged only when the book has both).
NICKNAMES = {
    "lizzy": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth", "liz": "elizabeth",
    "beth": "elizabeth", "betsy": "elizabeth", "bess": "elizabeth", "betty": "elizabeth",
    "harry": "henry", "hal": "henry", "jack": "john", "johnny": "john", "bill": "william",
    "billy": "william", "will": "william", "willy": "william", "bob": "robert", "bobby": "robert",
    "rob": "robert", "dick": "richard", "rick": "richard", "tom": "thomas", "tommy": "thomas",
    "ned": "edward", "ted": "edward", "teddy": "edward", "eddie": "edward", "jim": "james",
    "jimmy": "james", "jamie": "james", "kate": "catherine", "kitty": "catherine",
    "cathy": "catherine", "kit": "christopher", "fanny": "frances", "fran": "frances",
    "maggie": "margaret", "meg": "margaret", "peggy": "margaret", "polly": "mary", "molly": "mary",
    "sally": "sarah", "sue": "susan", "susie": "susan", "annie": "anne", "nan": "anne",
    "nancy": "anne", "nell": "eleanor", "nelly": "eleanor", "jenny": "jane", "jo": "josephine",
    "charley": "charles", "charlie": "charles", "chuck": "charles", "fred": "frederick",
    "freddy": "frederick", "sam": "samuel", "sammy": "samuel", "ben": "benjamin",
    "nick": "nicholas", "tony": "anthony", "andy": "andrew", "dan": "daniel", "danny": "daniel",
    "joe": "joseph", "joey": "joseph", "mike": "michael", "pat": "patrick", "pete": "peter",
    "steve": "stephen", "abby": "abigail", "becky": "rebecca", "dolly": "dorothy",
    "dot": "dorothy", "emmy": "emma", "gussie": "augusta", "lottie": "charlotte",
    "lucy": "lucia", "mattie": "matilda", "patty": "martha", "milly": "millicent",
    "tilly": "matilda", "winnie": "winifred",
}  # fmt: skip
# Titles followed by a given name (Sir Walter, Lady Catherine), not a surname.
_GIVEN_TITLES = {"sir", "lady", "lord", "aunt", "uncle", "cousin", "brother", "sister", "father",
                 "mother", "master", "mistress", "prince", "princess", "king", "queen", "don",
                 "doña", "dona", "granny"}  # fmt: skip


@dataclass(frozen=True)
class NameParts:
    title: str | None
    given: str | None
    surname: str | None

    @classmethod
    def of(cls, name: str) -> NameParts:
        words = name.replace(".", ". ").split()
        words = [w for w in words if w != "."]
        title = None
        if len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
            title = words[0].rstrip(".").lower()
            words = words[1:]
        words = [w.rstrip(".") for w in words]
        if not words:
            return cls(title, None, None)
        if len(words) == 1:
            if title is None or title in _GIVEN_TITLES:
                return cls(title, words[0], None)
            return cls(title, None, words[0])
        return cls(title, words[0], words[-1])


@dataclass
class Character:
    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str | None = None


class Roster:
    """Names as the text writes them, merged into characters once the whole book is read."""

    def __init__(self, common: frozenset[str] = frozenset()) -> None:
        self.common = common  # words the book writes in lower case: not the start of a name
        self.counts: Counter[str] = Counter()
        self.votes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._canonical: dict[str, str] = {}
        self.genders: dict[str, str | None] = {}  # each character's, once merged

    def add(self, name: str, weight: int = 1) -> None:
        self.counts[self._clean(name)] += weight

    def _clean(self, name: str) -> str:
        """NAME without a common word before it: "Hence Cecil" is Cecil."""
        words = _clean(name).split()
        while len(words) > 1 and words[0].lower() in self.common and words[0].lower() not in TITLES:
            if gender_of_given(words[0]):
                break
            words = words[1:]
        return " ".join(words)

    def knows(self, name: str) -> bool:
        return self._clean(name) in self.counts

    def vote(self, name: str, gender: str | None, weight: int = 1) -> None:
        if gender in ("male", "female"):
            self.votes[self._clean(name)][gender] += weight

    def gender_of(self, name: str) -> str | None:
        """The name's gender: its title's, else the majority of its votes (clear ones only)."""
        parts = NameParts.of(name)
        if parts.title and TITLES.get(parts.title):
            return TITLES[parts.title]
        votes = self.votes.get(name, Counter())
        male, female = votes["male"], votes["female"]
        given = gender_of_given(parts.given) if parts.given else None
        # A common given name holds unless the narration says otherwise overwhelmingly (its
        # he/she votes are noisy where two people are in a sentence).
        if given == "male" and female <= 3 * male + 3:
            return "male"
        if given == "female" and male <= 3 * female + 3:
            return "female"
        if male >= 2 * female + 1:
            return "male"
        if female >= 2 * male + 1:
            return "female"
        return None

    def merge(self) -> None:
        """Decide which names are one character (the canonical name is the longest form)."""
        names = sorted(self.counts, key=lambda n: (-len(n.split()), -self.counts[n], n))
        parts = {n: NameParts.of(n) for n in names}
        # A bare word's votes are too mixed to go by (Bingley is his sisters' name too): only
        # its given-name gender counts there.
        genders = {
            n: self.gender_of(n) if parts[n].title or parts[n].surname
            else gender_of_given(parts[n].given or "")
            for n in names
        }  # fmt: skip
        parent: dict[str, str] = {n: n for n in names}

        def find(n: str) -> str:
            while parent[n] != n:
                n = parent[n]
            return n

        # What each group of names is known to be: a merge never joins two titles, two given
        # names, two surnames or two genders (Mr. and Miss Darcy stay two people).
        known: dict[str, dict[str, set[str]]] = {}
        for n in names:
            p = parts[n]
            given = (p.given or "").lower()
            bare = not p.title and not p.surname  # Darcy: a given name or a surname
            known[n] = {
                "title": {p.title} if p.title else set(),
                "given": {NICKNAMES.get(given, given)} if given and not bare else set(),
                "surname": {p.surname.lower()} if p.surname else set(),
                "gender": {g} if (g := genders[n]) else set(),
            }

        def union(n: str, into: str) -> bool:
            a, b = find(n), find(into)
            if a == b:
                return True
            if any(len(known[a][k] | known[b][k]) > 1 for k in known[a]):
                return False
            parent[a] = b
            for k in known[b]:
                known[b][k] |= known[a][k]
            return True

        def low(word: str | None) -> str:
            return (word or "").lower()

        full = [n for n in names if parts[n].given and parts[n].surname]
        # Mr. Darcy -> Fitzwilliam Darcy: the one full name of that surname and gender.
        for n in names:
            p = parts[n]
            if p.title and p.surname and not p.given:
                # A full name with the same title; or, for Mr. and Miss, the one man's or
                # woman's full name of that surname (Mr. Denham is Ralph Denham). Never for
                # Mrs.: Mrs. Hilbery is not Katharine Hilbery, and Mrs. Archer (the mother) not
                # Mrs. Newland Archer (the wife: a Mrs.'s given name is her husband's).
                owners = [f for f in full if low(parts[f].surname) == low(p.surname)
                          and parts[f].title == p.title != "mrs"]  # fmt: skip
                if not owners and p.title in ("mr", "miss"):
                    wanted = "male" if p.title == "mr" else "female"
                    kin = [f for f in full if low(parts[f].surname) == low(p.surname)
                           and not parts[f].title]  # fmt: skip
                    same = [f for f in kin if gender_of_given(parts[f].given or "") == wanted]
                    unknown = [f for f in kin if gender_of_given(parts[f].given or "") is None]
                    owners = same if len(same) == 1 and not unknown else []
                if len(owners) == 1:
                    union(n, owners[0])
        # A bare word (a given name, a nickname or a surname), or a title before a given name
        # (Miss Marianne): into the one character it can be. Twice: a name merged in the first
        # round (Elizabeth into Elizabeth Bennet) leaves fewer characters for the second (Eliza).
        for n in [*names, *names]:
            p = parts[n]
            word = p.given if not p.surname else (p.surname if p.title and not p.given else None)
            if word is None or (p.given and p.surname):
                continue
            if p.title and p.given:  # Lady Catherine, Sir Walter: names of their own
                continue
            w = low(word)
            forms = {w, NICKNAMES.get(w, w)}
            candidates = [
                f for f in names
                if f != n and _agree(genders[n], genders[f]) and (
                    (low(parts[f].given) in forms and not parts[f].title)
                    or (low(parts[f].given) == w and parts[f].title not in (None, "mrs"))
                    or (not p.title and low(parts[f].surname) == w
                        and bool(parts[f].title or parts[f].given))
                )
            ]  # fmt: skip
            if p.title:  # Miss Marianne: only given names, not Miss Marianne's surname-kin
                candidates = [
                    f
                    for f in candidates
                    if low(parts[f].given) in forms and (parts[f].surname or parts[f].title)
                ]  # not a bare word
            else:
                # As a surname, a bare word is a man's (Crawford, Bingley) where the family has
                # both, and never a married woman's or a daughter's (Archer is not Mrs. Archer).
                by_given = [f for f in candidates if low(parts[f].given) in forms]
                kin = [f for f in candidates if f not in by_given]
                men = [f for f in kin if genders[f] == "male"]
                if men and genders[n] != "female":
                    kin = men
                else:
                    kin = [f for f in kin if TITLES.get(parts[f].title or "") != "female"]
                candidates = by_given + kin
            roots = sorted(
                {find(f) for f in candidates}, key=lambda r: (-self._weight(r, parent), r)
            )
            if len(roots) == 1 or (
                len(roots) > 1
                and self._weight(roots[0], parent) >= 3 * self._weight(roots[1], parent) + 1
            ):
                union(n, roots[0])
        groups: defaultdict[str, list[str]] = defaultdict(list)
        for n in names:
            groups[find(n)].append(n)
        for members in groups.values():
            # The group's name: its fullest form, the most used among equals.
            shown = max(members, key=lambda m: (
                bool(parts[m].title or parts[m].surname), self.counts[m], len(m), m))  # fmt: skip
            for m in members:
                self._canonical[m] = shown
        self.genders = {c.name: c.gender for c in self.characters().values()}

    def _weight(self, root: str, parent: dict[str, str]) -> int:
        """How often the names already merged into ROOT are used."""
        total = 0
        for name, count in self.counts.items():
            n = name
            while parent.get(n, n) != n:
                n = parent[n]
            if n == root:
                total += count
        return total

    def canonical(self, name: str) -> str:
        name = self._clean(name)
        return self._canonical.get(name, name)

    def characters(self) -> dict[str, Character]:
        found: dict[str, Character] = {}
        for name, root in sorted(self._canonical.items()):
            character = found.setdefault(root, Character(root))
            if name != root:
                character.aliases.append(name)
        for character in found.values():
            members = [character.name, *character.aliases]
            titled = {TITLES.get(NameParts.of(n).title or "") for n in members} - {None}
            if len(titled) == 1:  # Mr. Darcy is a man whatever the votes of "Darcy" say
                character.gender = titled.pop()
                continue
            votes: Counter[str] = Counter()
            for n in members:
                g = self.gender_of(n)
                if g:
                    votes[g] += 1 + self.counts[n]
            if votes:
                top, count = votes.most_common(1)[0]
                if count > sum(votes.values()) - count:
                    character.gender = top
        return found


def _agree(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _clean(name: str) -> str:
    name = re.sub(r"['’]s?$", "", name.strip())  # Aziz's, Aziz'; a possessive is its owner
    if name.isupper() and len(name) > 2:  # LYDIA BENNET, signed at a letter's foot
        name = name.title()
    return re.sub(r"\s+", " ", name)
