"""The words a producer should hear before a render (`audiobook words`): the book's names, the
foreign words, the heteronyms, the abbreviations and numbers normalisation leaves as written, and
the rare words eSpeak NG's dictionary lacks; each with how often a listener hears it, where it
first comes, and how it will be said.

How a word is said comes from the caller's phonemiser (`say_words`: eSpeak NG's phonemes, which
every engine here starts from, and whether its dictionary has the word), since this wing imports
only core; what the lexicon puts in its place, from the producer's lexicon.

The rules, measured on Pride and Prejudice and Alice's Adventures in Wonderland:

- name: a capitalised word seen capitalised in the middle of a sentence (not first, not after an
  opening quotation mark or a colon) more often than in lower case anywhere ("the Duchess" is a
  name in Alice, "But" at a sentence start is not). Never the pronoun I, an interjection, a day
  or a month; a title (Mr, Lady, Sir, Colonel, Queen...) only where it stands alone ("the Queen"),
  not before a name ("Lady Catherine" is Catherine). Once a name, every capitalised occurrence
  counts, at a sentence start too, and "Bennets" and "Bingley's" count as Bennet and Bingley. A
  particle binds to the name after it ("de Bourgh"). Two or more capitalised words in a row are
  one name where they come together at least twice and one of them mostly comes only there
  ("Cheshire Cat", "March Hare", "Mock Turtle", "Gracechurch Street"); such a word is then not
  listed alone. Known misses: a capitalised word only ever seen at sentence starts is no name
  (a name said once, first in its sentence); a common noun capitalised in a poem's lines
  ("Improve his shining tail") can pass for one, since the readers join a poem's lines. In
  German, where every noun is capitalised, a name is also a word that seldom follows an article,
  a determiner or a preposition ("der Vater" is no name, "Gregor" and "Grete" are).
- foreign: a word with letters the book's language does not write (for English, any letter
  outside a-z: "naïveté", "tête-à-tête"), that is not a name. Known misses: foreign words
  written in plain ASCII ("eclat", "ennui").
- heteronym: in an English book, each word of the heteronym list, with the sense its first
  sentence gives it as the render will say it, and how its occurrences split between the senses.
- abbreviation, number: what normalisation leaves as written (`normalise.leftovers`).
- unknown: a lower-case word eSpeak NG's dictionary does not know, that the book uses at most
  twice (its plain inflections counted with it). eSpeak NG's English dictionary lists the
  exceptions to its spelling rules: 94% of Pride and Prejudice's lower-case words (5,762 of
  6,129) are not in it and are said right by the rules; rare words are where the rules slip
  ("blowsy" said blow-sy). So the list is long and left out of the default listing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from audiobook.core.book import Book
from audiobook.core.phonemes import split_blocks
from audiobook.core.sentences import split_sentences
from audiobook.pronunciation.heteronyms import HETERONYMS, heteronym_phonemes
from audiobook.pronunciation.lexicon import Lexicon
from audiobook.pronunciation.names import DETERMINERS, Tally, Where, find_names, tally
from audiobook.pronunciation.normalise import leftovers

# In the order the listing gives them: names first, the unknown words last.
KINDS = ("name", "foreign", "heteronym", "abbreviation", "number", "unknown")
CONTEXT_WORDS = 5  # words either side of a word in its context
RARE = 2  # an unknown word is listed when the book uses it (and its inflections) this often


class Said(Protocol):
    """How the engine says a word: its IPA, and whether its dictionary knows it."""

    @property
    def ipa(self) -> str: ...

    @property
    def known(self) -> bool: ...


SayWords = Callable[[list[str], str], Mapping[str, Said]]


@dataclass(frozen=True)
class Word:
    """A word to hear: where it first comes, how often, and how it will be said."""

    word: str  # as written: "Bennet", "Cheshire Cat", "naïveté", "Vol."
    kind: str  # one of KINDS
    count: int  # how often a listener hears it
    chapter: int  # where it first comes: the chapter's index...
    chapter_title: str  # ...and title
    context: str  # a few words either side of it there
    sentence: str  # the sentence it first comes in
    ipa: str  # how it will be said (the lexicon's say where it has one)
    known: bool  # in the engine's dictionary (False: guessed from its spelling)
    lexicon: str | None  # what the lexicon puts in its place, or None
    note: str | None = None  # more on how it is said (a heteronym's senses), or None


def espeak_language(language: str) -> str:
    """The eSpeak NG voice that phonemises a book of LANGUAGE: "en" -> "en-us" (the engines'
    English voices are American unless a variety is given), "en-GB" -> "en-gb", "fr" -> "fr"."""
    name = language.strip().lower().replace("_", "-")
    return "en-us" if name == "en" else name


# Letters each language writes; a letter outside them makes a foreign word.
_ALPHABETS = {
    "en": "",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "de": "äöüß",
    "es": "áéíñóúü",
    "it": "àèéìíîòóùú",
    "pt": "áâãàçéêíóôõú",
    "nl": "éëïóöü",
}
# Plain inflections: the ending, and what takes its place in the base ("cried" -> "cry").
_ENDINGS = (
    ("ies", "y"), ("ied", "y"), ("ier", "y"), ("iest", "y"), ("ily", "y"), ("iness", "y"),
    ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""), ("ly", ""),
    ("er", ""), ("er", "e"), ("est", ""), ("est", "e"), ("ness", ""), ("ment", ""),
)  # fmt: skip


@dataclass(frozen=True)
class _Found:
    word: str
    kind: str
    count: int
    where: Where
    ipa: str | None = None  # how it is said there, when not as the word alone (a heteronym)
    note: str | None = None


def find_words(
    book: Book,
    say_words: SayWords,
    espeak: str,
    lexicon: Lexicon | None = None,
    kinds: Collection[str] = KINDS,
) -> list[Word]:
    """The words of BOOK a producer should hear, of KINDS: by kind (names first), each kind by
    how often it is heard, then by where it first comes. SAY_WORDS phonemises in ESPEAK (an
    eSpeak NG language: `espeak_language`); LEXICON is the producer's, applied as the render
    applies it to the narrator's text."""
    language = book.language
    paragraphs = [
        (ci, " ".join(p.text.split()))
        for ci, chapter in enumerate(book.chapters)
        for p in chapter.paragraphs
    ]
    found: list[_Found] = []
    base = _base_language(language)
    nouns = DETERMINERS.get(base)
    counted = tally(paragraphs, base == "en", _foreign_letters(language), "unknown" in kinds, nouns)
    names, phrases, absorbed = find_names(counted)
    if "name" in kinds:
        found += [
            _Found(counted.first_capital[key].written, "name", count, counted.first_capital[key])
            for key, count in names.items()
            if key not in absorbed
        ]
        found += [_Found(where.written, "name", count, where) for count, where in phrases]
    if "foreign" in kinds:
        found += [
            _Found(counted.first_foreign[key].written, "foreign", count, counted.first_foreign[key])
            for key, count in counted.foreign.items()
            if key not in names
        ]
    if "heteronym" in kinds and base == "en":  # the heteronyms are English words
        found += _heteronyms(paragraphs, espeak)  # in the dialect the IPA column is in
    if "abbreviation" in kinds or "number" in kinds:
        found += [f for f in _leftovers(paragraphs, language) if f.kind in kinds]
    said: dict[str, Said] = {}
    if "unknown" in kinds:
        rare = _rare_words(counted, names)
        said.update(say_words(sorted(rare), espeak))
        found += [
            _Found(word, "unknown", count, counted.first_lower[word])
            for word, count in rare.items()
            if not said[word].known
        ]
    rank = {kind: i for i, kind in enumerate(KINDS)}
    found.sort(key=lambda f: (rank[f.kind], -f.count, f.where.key))
    wanted = sorted({f.word for f in found} - set(said))
    if wanted:
        said.update(say_words(wanted, espeak))
    return [_described(book, f, said[f.word], say_words, espeak, lexicon) for f in found]


def _described(
    book: Book, f: _Found, said: Said, say_words: SayWords, espeak: str, lexicon: Lexicon | None
) -> Word:
    """A word found, with its place, its context, how it is said and what the lexicon does."""
    chapter = book.chapters[f.where.chapter]
    changed = lexicon.apply(f.word, book.language) if lexicon else f.word
    ipa = _ipa(changed, say_words, espeak) if changed != f.word else f.ipa or said.ipa
    sentence, context = _context(f.where)
    return Word(
        word=f.word, kind=f.kind, count=f.count, chapter=chapter.index,
        chapter_title=chapter.title, context=context, sentence=sentence, ipa=ipa,
        known=said.known, lexicon=changed if changed != f.word else None, note=f.note,
    )  # fmt: skip


def _ipa(text: str, say_words: SayWords, espeak: str) -> str:
    """How TEXT (what the lexicon puts in: a respelling, or `[[ipa]]` blocks) is said."""
    pieces = []
    for is_block, piece in split_blocks(text):
        if is_block:
            pieces.append(piece)
        elif piece.strip():
            pieces.append(say_words([piece.strip()], espeak)[piece.strip()].ipa)
    return " ".join(pieces)


def _base_language(language: str) -> str:
    return language.lower().replace("_", "-").split("-")[0]


def _foreign_letters(language: str) -> Callable[[str], bool] | None:
    """Whether a word has a letter LANGUAGE does not write; None where that is not known."""
    own = _ALPHABETS.get(_base_language(language))
    if own is None:
        return None
    letters = frozenset(own)

    def foreign(word: str) -> bool:
        return any(
            ord(c) > 127 and c.isalpha() and c.lower() not in letters
            for c in unicodedata.normalize("NFC", word)
        )

    return foreign


def _heteronyms(paragraphs: list[tuple[int, str]], language: str) -> list[_Found]:
    """Each heteronym of the book, said as the render says it where it first comes, with a note
    of how all its occurrences are said (a sense's IPA, or left to the engine)."""
    # As heteronyms.py finds them, but case-sensitive, over the forms a book writes: three
    # times faster on a novel than one pattern that ignores case.
    forms = {form for word in HETERONYMS for form in (word, word.capitalize(), word.upper())}
    find = re.compile(
        r"\b(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")\\b(?!-|['\u2019]\\w)"
    )
    senses: dict[str, Counter[str | None]] = {}
    first: dict[str, tuple[Where, str | None]] = {}
    for order, (ci, text) in enumerate(paragraphs):
        matches = list(find.finditer(text))
        if not matches:
            continue
        decided = {(s, e): ipa for s, e, ipa in heteronym_phonemes(text, language)}
        for m in matches:
            if m.start() and text[m.start() - 1] in "'\u2019-":
                continue  # "o'close", "self-object": not the word
            word = m.group(0).lower()
            ipa = decided.get(m.span())
            senses.setdefault(word, Counter())[ipa] += 1
            first.setdefault(word, (Where(order, ci, text, m.start(), m.end()), ipa))
    found = []
    for word, said in senses.items():
        where, ipa = first[word]
        notes = [f"{sense} x{n}" for sense, n in said.most_common() if sense is not None]
        if said[None]:
            notes.append(f"left to the engine x{said[None]}")
        note = "said " + ", ".join(notes)
        found.append(_Found(word, "heteronym", sum(said.values()), where, ipa, note))
    return found


def _leftovers(paragraphs: list[tuple[int, str]], language: str) -> list[_Found]:
    """What normalisation leaves as written: abbreviations and numbers."""
    counts: Counter[str] = Counter()
    first: dict[str, Where] = {}
    for order, (ci, text) in enumerate(paragraphs):
        at = 0
        for token in leftovers(text, language):
            counts[token] += 1
            start = text.find(token, at)
            if start < 0:  # not in order after all: anywhere in the paragraph
                start = max(text.find(token), 0)
            else:
                at = start + len(token)
            first.setdefault(token, Where(order, ci, text, start, start + len(token)))
    return [
        _Found(
            token, "number" if any(c.isdigit() for c in token) else "abbreviation", n, first[token]
        )
        for token, n in counts.items()
    ]


def _rare_words(t: Tally, names: Collection[str]) -> dict[str, int]:
    """The lower-case words the book uses at most RARE times, each counted with its plain
    inflections (which are not listed themselves); not a name, a foreign word, a heteronym or a
    contraction."""
    family: Counter[str] = Counter()
    inflected: set[str] = set()
    for word, count in t.lower.items():
        base = _base(word, t.lower)
        if base is not None:
            inflected.add(word)
        family[base or word] += count
    return {
        word: count
        for word, count in family.items()
        if count <= RARE
        and word not in inflected
        and word not in names
        and word not in t.foreign
        and word not in HETERONYMS
        and "'" not in word
        and "\u2019" not in word
        and len(word) > 1
    }


def _base(word: str, vocabulary: Collection[str]) -> str | None:
    """The word of VOCABULARY that WORD is a plain inflection of, if any ("walked" -> "walk")."""
    for ending, replacement in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)] + replacement
            if base != word and base in vocabulary:
                return base
            if not replacement and base[-1:] == base[-2:-1] and base[:-1] in vocabulary:
                return base[:-1]  # "stopped" -> "stop"
    return None


def _context(where: Where) -> tuple[str, str]:
    """The sentence WHERE is in, and a few words either side of it there."""
    text, at = where.text, 0
    sentence, begin = text, 0
    for candidate in split_sentences(text):
        start = text.find(candidate, at)
        at = start + len(candidate)
        if start <= where.start < at:
            sentence, begin = candidate, start
            break
    left = sentence[: where.start - begin]
    right = sentence[where.end - begin :]
    head = re.search(rf"(?:\S+\s+){{0,{CONTEXT_WORDS}}}\S*$", left)
    tail = re.match(rf"\S*(?:\s+\S+){{0,{CONTEXT_WORDS}}}", right)
    shown_left = head.group(0) if head else ""
    shown_right = tail.group(0) if tail else ""
    context = shown_left + where.written + shown_right
    if len(shown_left) < len(left):
        context = "… " + context
    if len(shown_right) < len(right.rstrip()):
        context += " …"
    return sentence, context


def listed(words: Iterable[Word], limit: int | None) -> list[Word]:
    """WORDS with at most LIMIT of each kind (the most heard), in their order; None: all."""
    seen: Counter[str] = Counter()
    out = []
    for word in words:
        seen[word.kind] += 1
        if limit is None or seen[word.kind] <= limit:
            out.append(word)
    return out
