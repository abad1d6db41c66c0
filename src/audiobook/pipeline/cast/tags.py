"""Reading the narration beside a quotation: who it says is speaking, and in which words.

A tag is the narration's own statement of the speaker: `said Elizabeth`, `Elizabeth said`,
`Elizabeth:`, `said she`, `said the old man`, and in the other languages we read `dit-il`,
`sagte er`, `dijo Juan`, `сказал он`. Only the words next to the quotation count (the start of
the narration after it, the end of the narration before it), so a name further off in the
sentence is never taken for the speaker. Everything here is plain text in, plain data out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from audiobook.pipeline.cast.words import (
    AFTER_DESCRIPTION,
    CROWDS,
    DETERMINERS,
    NOT_DESCRIPTIONS,
    NOT_NAMES,
    NOUN_GENDER,
    PARTICLES,
    PRONOUNS,
    SPEECH_VERBS,
    TITLES,
)

# Words (a title's abbreviation with its full stop: "Mr.", "Mme."), and punctuation marks.
_TOKEN = re.compile(
    r"(?:Mr|Mrs|Ms|Dr|St|Mme|Mlle|Capt|Col|Gen|Rev|Prof|Messrs|[A-Z])\.(?=\s)"
    r"|[^\W\d_](?:[\w'’]|-(?=\w))*|[^\w\s]",
    re.UNICODE,
)
_PARTICLES_IN_NAMES = {"de", "van", "von", "du", "la", "le", "del", "di", "da", "der", "st."}


@dataclass(frozen=True)
class Tag:
    """What the narration beside a quotation says of its speaker."""

    kind: str  # "name", "pronoun", "noun" or "first_person"
    value: str  # the name as written, the pronoun, or the noun phrase
    gender: str | None = None
    to: str | None = None  # whom the tag says the line is spoken to ("said she to Charlotte")
    described: bool = False  # a name written as a description: "said the Jew", "the General"


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _is_capital(token: str) -> bool:
    word = token.rstrip(".")
    return word[:1].isupper() and word not in NOT_NAMES and not word.endswith("ly")


def read_name(words: list[str], i: int) -> tuple[str, int] | None:
    """A name starting at WORDS[I]: an optional title, then capitalised words (and the particles
    between them: Lady Catherine de Bourgh). Returns the name and the index after it."""
    start = i
    n = len(words)
    title = words[i].rstrip(".").lower() if i < n else ""
    if i < n and title in TITLES and words[i][:1].isupper():
        i += 1
        if i < n and words[i] == "." and len(title) <= 4:  # "Mr ." but not "the Duke. New York"
            i += 1
    parts = 0
    while i < n:
        word = words[i]
        if _is_capital(word) and word.rstrip(".").lower() not in TITLES:
            i += 1
            parts += 1
        elif (
            parts
            and word.lower() in _PARTICLES_IN_NAMES
            and i + 1 < n
            and _is_capital(words[i + 1])
        ):
            i += 1
        else:
            break
        if parts >= 3:
            break
    if parts == 0:
        return None
    name = " ".join(words[start:i]).replace(" .", ".")
    return name.rstrip(".") if not name.endswith(("Mr.", "Mrs.", "Dr.", "St.")) else name, i


def _verb_at(words: list[str], i: int) -> int:
    """The index after a verb of speaking at I (an adverb before it is allowed), or -1."""
    adverb = i + 1 < len(words) and words[i].lower().endswith("ly")
    if adverb and words[i + 1].lower() in SPEECH_VERBS:
        return i + 2
    if i < len(words) and words[i].lower() in SPEECH_VERBS:
        return i + 1
    return -1


def _speaker_at(words: list[str], i: int) -> tuple[Tag | None, int]:
    """A speaker phrase at I: a pronoun, a name or a described person."""
    if i >= len(words):
        return None, i
    word = words[i]
    low = word.lower()
    if low in PRONOUNS:
        gender = PRONOUNS[low]
        if gender == "I":
            return Tag("first_person", "I"), i + 1
        if gender is None:
            return None, i + 1
        return Tag("pronoun", low, gender), i + 1
    if low == "the" and i + 1 < len(words) and words[i + 1][:1].isupper():
        named = read_name(words, i + 1)  # the Hatter, the Mock Turtle
        if named:
            return Tag("name", named[0], described=True), named[1]
        title = words[i + 1].rstrip(".").lower()
        if title in TITLES and (i + 2 >= len(words) or not words[i + 2][:1].isupper()):
            return Tag("name", words[i + 1], described=True), i + 2  # the General, the Duchess
    if low in DETERMINERS:
        j = i + 1
        while j < len(words) and j < i + 4 and words[j][:1].islower() and words[j].isalpha():
            noun = words[j].lower()
            if noun in NOUN_GENDER:
                phrase = " ".join(words[i : j + 1])
                return Tag("noun", phrase.lower(), NOUN_GENDER[noun]), j + 1
            if noun in SPEECH_VERBS or noun in AFTER_DESCRIPTION or noun.endswith("ly"):
                break
            j += 1
        if low == "the" and j > i + 1 and _description_ends(words, j):
            # "said the beadle": a person of no known gender, perhaps a named one's epithet
            return Tag("noun", " ".join(words[i:j]).lower()), j
        return None, i
    named = read_name(words, i)
    if named:
        name, j = named
        if name.lower() in CROWDS:
            return None, j
        return Tag("name", name), j
    return None, i


def _description_ends(words: list[str], j: int) -> bool:
    """WORDS[J - 1] is the noun that ends a description ("the beadle", "the first housemaid"):
    what follows is no part of it, and it is not a word for no one ("the latter", "the rest")."""
    head = words[j - 1].lower()
    after = words[j].lower() if j < len(words) else "."
    # the next word: punctuation, a verb, "to Oliver", "with a sigh", "gravely"
    ends = not after[:1].isalpha() or after in _ENDS_DESCRIPTION or after.endswith("ly")
    not_a_noun = head.endswith(("ly", "ing", "ed", "'s", "’s"))  # "the elderly", "the wretched"
    return ends and head not in NOT_DESCRIPTIONS and not not_a_noun


_ENDS_DESCRIPTION = SPEECH_VERBS | AFTER_DESCRIPTION


_INDIRECT = {"that", "whether", "if", "how", "what", "why", "nothing", "so"}
# Words that may follow "Elizabeth said" in a tag (others make it a sentence of narration).
_AFTER_TAG = {
    "to",
    "in",
    "with",
    "at",
    "again",
    "then",
    "now",
    "slowly",
    "quietly",
    "softly",
    "aloud",
    "on",
    "out",
    "up",
    "back",
    "presently",
    "gravely",
    "coldly",
    "warmly",
}


def tag_after(narration: str, quote_continues: bool = True) -> Tag | None:
    """The tag at the start of the narration after a quotation: `said Elizabeth`, `she said`,
    `Elizabeth replied`, `cried the old man`, `dit-il`. QUOTE_CONTINUES: the quotation ended
    on a comma or a dash, so the sentence goes on into the narration."""
    words = tokens(narration[:160])
    i = 0
    while i < len(words) and words[i] in {",", "—", "–", "-", ";"}:
        i += 1
    # French inversion: "dit-il", "répondit-elle"
    if i < len(words) and "-" in words[i]:
        verb, _, pronoun = words[i].lower().rpartition("-")
        verb = verb.removesuffix("-t")
        if verb in SPEECH_VERBS and pronoun in PRONOUNS and PRONOUNS[pronoun]:
            gender = PRONOUNS[pronoun]
            return Tag("first_person", "I") if gender == "I" else Tag("pronoun", pronoun, gender)
    after_verb = _verb_at(words, i)
    if after_verb >= 0:  # said Elizabeth, said he, said the old man
        j = after_verb
        if j < len(words) and words[j].lower() in PARTICLES:
            j += 1
        if j < len(words) and words[j].lower() in _INDIRECT:
            return None
        tag, k = _speaker_at(words, j)
        return _spoken_to(tag, words, k)
    tag, j = _speaker_at(words, i)
    if tag is None:
        return None
    k = _verb_at(words, j)
    if k >= 0:  # Elizabeth said, she replied; not "Elizabeth replied that it was"
        follows = words[k].lower() if k < len(words) else "."
        if follows in _INDIRECT or (
            not quote_continues
            and follows.isalpha()
            and not follows.endswith("ly")
            and follows not in _AFTER_TAG
        ):
            return None
        return _spoken_to(tag, words, k)
    helper = j < len(words) and words[j].lower() in {"had", "has", "was", "then", "now", "again"}
    if helper and _verb_at(words, j + 1) >= 0:
        return tag  # she had said, he then added
    return None


def _spoken_to(tag: Tag | None, words: list[str], i: int) -> Tag | None:
    """TAG with the person it says the line is spoken to: `said she to Charlotte`."""
    if tag is None or i >= len(words) - 1 or words[i].lower() != "to":
        return tag
    named = read_name(words, i + 1)
    return replace(tag, to=named[0]) if named else tag


def tag_before(narration: str) -> Tag | None:
    """The tag at the end of the narration before a quotation: `Elizabeth said:`, `said he,`,
    `Elizabeth:`."""
    tail = narration.rstrip()
    if not tail or tail[-1] not in ",:;—–-":
        return None
    words = tokens(tail[-160:])
    # From the last clause: its first words
    cut = max((k for k, w in enumerate(words[:-1]) if w in {".", "!", "?", ";"}), default=-1)
    clause = words[cut + 1 : -1]
    if not clause:
        return None
    if tail.endswith(":") and len(clause) <= 4:
        named = read_name(clause, 0)
        if named and named[1] == len(clause):
            return Tag("name", named[0])  # Elizabeth: "..."
    if "," in clause[:-1]:  # "Rather surprised, she replied:": the last part says who
        last_part = clause[len(clause) - 1 - clause[::-1].index(",") + 1 :]
        tag, j = _speaker_at(last_part, 0)
        if tag is not None and _verb_at(last_part, j) >= 0:
            return tag
    if len(clause) > 2 and clause[0][:1].isupper() and clause[1].lower() in PRONOUNS:
        clause = clause[1:]  # "Aloud he said:"
    lead = 0  # "Then Mr. Bennet said:", "At last Jane said:"
    while lead < min(3, len(clause) - 1):
        word = clause[lead]
        kept = word.lower() in PRONOUNS or word.lower() in DETERMINERS or word in SPEECH_VERBS
        if kept or not (word.rstrip(".") in NOT_NAMES or word.islower()):
            break
        lead += 1
    clause = clause[lead:]
    tag, j = _speaker_at(clause, 0)
    if tag is not None:
        for k in range(j, min(len(clause), j + 4)):
            if _verb_at(clause, k) >= 0 or clause[k].lower() in SPEECH_VERBS:
                return tag
        # "Lucy was pleased, and said:": the clause's subject, its last word a verb of speaking
        # (no other person named between them).
        last = clause[-1].lower()
        between = clause[j:-1]
        others = any(_is_capital(w) or w.lower() in PRONOUNS for w in between)
        if last in SPEECH_VERBS and not others:
            return tag
    k = _verb_at(clause, 0)
    if k >= 0:
        tag, _ = _speaker_at(clause, k)
        return tag
    return None


def subject(narration: str) -> Tag | None:
    """The subject of the narration's last sentence before a quotation, when it begins with a
    name or a pronoun: `Jane looked up.` sets up Jane as the one who speaks next."""
    text = narration.strip()
    if not text:
        return None
    sentences = re.split(r"(?<=[.!?;:])\s+", text)
    words = tokens(sentences[-1])
    if len(words) < 2:
        return None
    tag, j = _speaker_at(words, 0)
    if tag is not None and tag.kind != "noun" and j < len(words) and words[j][:1].islower():
        return tag
    # "When they were seated, Sir John observed ...": the first name after the opening clause.
    comma = words.index(",") if "," in words[:10] else -1
    if comma > 0 and comma + 2 < len(words):
        tag, j = _speaker_at(words, comma + 1)
        if tag is not None and tag.kind == "name" and j < len(words) and words[j][:1].islower():
            return tag
    return None


_ANSWERS = {"answer", "reply", "response"}


def reported(paragraph: str) -> Tag | None:
    """A short paragraph of narration that reports someone's turn in a conversation: `Mr.
    Bennet replied that he had not.`, `Mr. Bennet made no answer.`"""
    words = tokens(paragraph[:300])
    if not words or len(paragraph.split()) > 30:
        return None
    tag, j = _speaker_at(words, 0)
    if tag is None or tag.kind == "noun":
        return None
    clause = [w.lower() for w in words[j : j + 5]]
    if _verb_at(words, j) >= 0 or any(w in _ANSWERS for w in clause):
        return tag
    return None


def vocatives(quote: str) -> list[str]:
    """Names the quotation speaks to: `My dear Mr. Bennet,`, `, Lizzy.`, `Jane!`."""
    found = []
    for m in _VOCATIVE.finditer(quote):
        words = tokens(m.group("name") or m.group("late"))
        named = read_name(words, 0)
        if named and named[1] == len(words):
            found.append(named[0])
    return found


_NAME_WORDS = r"(?:[A-Z][\w'’.-]*\s?){1,3}"
_VOCATIVE = re.compile(
    rf"(?:^|[,;!?]\s|\b(?:dear|my|Oh|O)\s)(?P<name>{_NAME_WORDS})(?=\s*[,!?;])"
    rf"|,\s(?P<late>{_NAME_WORDS})(?=[.!?])"
)
