"""Heteronyms chosen from their sentence: "He read the letter" (ɹˈɛd), "a lead pipe" (lˈɛd),
"the wound" (wˈuːnd) against "she wound the wool" (wˈaʊnd).

espeak-ng, which phonemises English for every engine here, picks a heteronym's sense from a
flag or two of the word before it, and often picks wrong (about one time in five in novels,
measured on tests/pronunciation/heteronyms.tsv). `heteronym_phonemes` finds the heteronyms in a
text and, where rules over the neighbouring words decide the sense (a light guess at the part of
speech: a determiner before the word makes it a noun, "to" or a modal a verb, "had" or "was"
makes "read" past, ...), gives the chosen sense's IPA in espeak-ng's own style for the dialect,
for the caller to put in the text as a `[[ipa]]` block (core/phonemes). A word the rules cannot
decide is left to the engine, and so is anything inside a block already there (a lexicon entry).

The words handled and the IPA of each sense are heteronym_senses'.

Standard library only, and cheap: one regular expression over the lower-cased text finds the
candidates and only their sentence is looked at (Pride and Prejudice in about 0.1 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from audiobook.core.phonemes import BLOCK
from audiobook.pronunciation.heteronym_senses import FORMS, HETERONYMS, SENSES, is_us, sense_ipa

__all__ = ["HETERONYMS", "SENSES", "heteronym_phonemes", "heteronym_sense", "sense_ipa"]

# --- The words around a heteronym -------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MODALS = _words(
    "will would shall should can could may might must cannot can't won't wouldn't shouldn't "
    "couldn't mustn't shan't mayn't do does did don't doesn't didn't let's"
)
_HAVE = _words("have has had having haven't hasn't hadn't")
_BE_ONLY = _words("be been being am is are was were isn't aren't wasn't weren't")
# "be" and the verbs that take an adjective as it does: "seemed perfectly content".
_BE = _BE_ONLY | _words(
    "seem seems seemed become becomes became look looks looked feel feels felt remain remains "
    "remained"
)
_SUBJECTS = _words("i you we they he she it who")
_THIRD_PERSON = _words("he she it who that which")
_OBJECTS = _words(
    "me him us them her it you myself yourself himself herself itself ourselves yourselves "
    "themselves oneself"
)
_POSSESSIVES = _words("my your his her its our their")
_DETERMINERS = _POSSESSIVES | _words(
    "a an the this that these those whose some any no every each another such what which many "
    "few several one two three four five six seven eight nine ten first last next own same "
    "other either neither"
)
_PREPOSITIONS = _words(
    "of in on at by for from with into onto upon under over through without within about after "
    "behind beneath beside between among amongst against across along around near towards "
    "toward like than during until till throughout"
)
_ADVERBS = _words(
    "not never also just only always often then soon ever still even already once now again "
    "seldom rarely hardly scarcely nearly almost quite really sometimes usually all both first "
    "merely simply actually certainly perhaps indeed therefore thus"
)
_PLEASE = _words("please pray kindly")  # "Pray read on."
# Words of degree before an adjective: "a more awful object", "so minute".
_DEGREE = _words("more most less least very so too quite rather")
# -ly words that are adjectives, not adverbs: "a lovely present".
_LY_ADJECTIVES = _words(
    "lovely friendly lonely silly ugly holy early likely lively costly deadly elderly kindly "
    "lowly orderly sickly stately timely ghastly jolly curly oily hilly woolly surly burly comely "
    "homely beastly heavenly princely courtly only family"
)
_ADJECTIVES = _words(
    "good great old new young little small large big long short high low deep cold warm hot "
    "white black red green pink blue grey gray brown yellow dark bright fresh dull heavy light "
    "poor rich fine grand strong loyal foolish slight slow quick whole single true real certain "
    "strange dear sweet bitter sad happy full empty bad best better worse worst mere sharp soft "
    "hard wild thin thick broad narrow pretty handsome fair proper common curious useful careful "
    "noble gentle kind cruel wet dry sudden silent quiet loud open secret sacred solemn faithful "
    "honest wretched miserable precious valuable public private formal polite stiff graceful "
    "profound gracious humble proud fat lean tiny huge vast"
)
_ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "able", "ible", "less", "ical", "ish", "ant", "ent")
# Words that follow a noun subject: "the permit was signed", "the parish records go back".
_VERBS_AFTER_SUBJECT = _words(
    "was were is are had has have will would could should might must may shall can did does go "
    "went goes came come comes lay lie lies stood stand stands seemed seem seems became made "
    "make makes ran run runs fell fall falls rose rise rises began begin begins"
)
# The function words: never a name, a noun or an adjective.
_CLOSED = _MODALS | _HAVE | _BE | _SUBJECTS | _OBJECTS | _DETERMINERS | _PREPOSITIONS | _ADVERBS

_APOSTROPHE = "\u2019"  # the curly apostrophe of "can\u2019t" in most e-books
_TOKEN = re.compile(
    r"\[\[[^\[\]]*\]\]"  # a block, a word said by its phonemes
    r"|[A-Za-z]+(?:['\u2019][A-Za-z]+)*"  # a word, "can't" and "Gutenberg's" whole
    r"|\d+(?:[.,]\d+)*|--|\.\.\.|[.!?;:,()\"\u201c\u201d\u2018\u2019\u2014\u2013]"
)
_SENTENCE_END = frozenset(".!?")
_CLAUSE_START = frozenset({'"', "\u201c", "\u2018", ";", ":", "(", "\u2014", "--"})
_ABBREVIATIONS = _words("mr mrs ms dr st messrs jr sr col capt gen rev prof mt lt sgt")
_CONTEXT = 160  # characters looked at either side: a sentence is rarely decided further away


class _Context:
    """The words of a heteronym's sentence either side of it: `before` nearest first, `after`
    in order; words in lower case with a straight apostrophe, punctuation as itself, a block as
    "[[]]". `capitals` says which words before were capitalised."""

    __slots__ = ("after", "before", "capitals", "start", "word", "written")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.written = text[start:end]
        self.word = self.written.lower()
        left = _TOKEN.findall(text, max(0, start - _CONTEXT), start)
        before: list[str] = []
        capitals: list[bool] = []
        for i in range(len(left) - 1, -1, -1):
            token = left[i]
            if token in _SENTENCE_END:
                # "Mr. Bennet read": the full stop of an abbreviation does not end the sentence.
                if token == "." and i and left[i - 1].lower() in _ABBREVIATIONS:
                    continue
                break
            before.append(_lower(token))
            capitals.append(token[:1].isupper())
        after: list[str] = []
        for token in _TOKEN.findall(text, end, end + _CONTEXT):
            after.append(token if token in _SENTENCE_END else _lower(token))
            if token in _SENTENCE_END:
                break
        self.before = before
        self.capitals = capitals
        self.after = after
        # At the start of a sentence, of a quotation or of a clause after a colon, over adverbs:
        # an imperative ("Just read it out to me.").
        first = next((w for w in before if not (w in _ADVERBS or _adverb(w))), None)
        self.start = first is None or first in _CLAUSE_START

    def prev(self, skip: frozenset[str] = _ADVERBS, at: int = 0) -> tuple[str | None, int]:
        """The nearest word before, from index AT, over words in SKIP and -ly adverbs (None at
        punctuation or the sentence's start), and its index."""
        for i in range(at, len(self.before)):
            w = self.before[i]
            if w in skip or _adverb(w):
                continue
            return (w if _is_word(w) else None), i
        return None, len(self.before)

    def prev2(self) -> tuple[str | None, str | None]:
        """The nearest word before and the word before that, both over adverbs."""
        p, i = self.prev()
        if p is None:
            return None, None
        return p, self.prev(at=i + 1)[0]

    def next(self, at: int = 0) -> str | None:
        """The token after, at index AT (punctuation is itself), None after the sentence."""
        return self.after[at] if at < len(self.after) else None

    def sentence(self) -> Iterable[str]:
        """The sentence's tokens in order, the heteronym left out."""
        return (*reversed(self.before), *self.after)


def _lower(token: str) -> str:
    if token.startswith("[["):
        return "[[]]"
    return token.lower().replace(_APOSTROPHE, "'")


def _is_word(token: str) -> bool:
    return token[:1].isalpha() or token == "[[]]"


def _adverb(word: str) -> bool:
    return word.endswith("ly") and len(word) > 4 and word not in _LY_ADJECTIVES


def _adjective(word: str) -> bool:
    if word in _ADJECTIVES or word in _LY_ADJECTIVES:
        return True
    if len(word) > 5 and word.endswith(_ADJECTIVE_ENDINGS):
        return True
    # The comparatives and superlatives of those known: "a deeper wound" (not "father": fat).
    for ending in ("er", "est"):
        if word.endswith(ending):
            stem = word[: -len(ending)]
            doubled = len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in _ADJECTIVES
            if stem in _ADJECTIVES or doubled or stem + "e" in _ADJECTIVES:
                return True
    return False


def _possessive(word: str) -> bool:
    """A name's or noun's possessive: "Elizabeth's", "the girls'"."""
    return word.endswith(("'s", "s'")) and len(word) > 3


def _possessive_word(word: str) -> bool:
    return word in _POSSESSIVES or _possessive(word)


def _modal(word: str | None) -> bool:
    return word is not None and (word in _MODALS or word.endswith("'ll"))


def _after_determiner(ctx: _Context, *, loose: bool = False) -> bool:
    """A determiner or possessive before the word, over adjectives: "a deep wound". LOOSE: also
    over one word not known (an adjective, or a noun as a modifier: "the principal object", "a
    Christmas present"), and after a preposition ("of infinite use"); only for a base form that
    cannot be a verb after a noun ("the road wound" can be, "the latter object" cannot)."""
    for i, w in enumerate(ctx.before[:5]):
        if w in _DETERMINERS or _possessive(w):
            # "watched her tear the letter": "her" is an object when a noun phrase follows.
            return not (w == "her" and i == 0 and ctx.next() in _DETERMINERS | _OBJECTS)
        if loose and i > 0 and w in _PREPOSITIONS:
            return True
        # Participles modify as adjectives do: "the tattered object", "an animating subject".
        participle = w.endswith(("ed", "ing")) and len(w) > 4
        if _adjective(w) or participle or w in _DEGREE or _adverb(w) or w in {",", "and"}:
            continue
        if loose and i == 0 and _is_word(w) and w not in _CLOSED:
            continue
        return False
    return False


def _after_immediate_determiner(ctx: _Context) -> bool:
    return bool(ctx.before) and (ctx.before[0] in _DETERMINERS or _possessive(ctx.before[0]))


def _name_before(ctx: _Context) -> bool:
    """A name just before the word ("Elizabeth read on", "Mr. Bennet read"), a third-person
    subject: a capitalised word that is not a function word, not after a determiner ("the Dundee
    records": there it modifies a noun)."""
    if not (ctx.before and ctx.capitals[0] and ctx.before[0] not in _CLOSED):
        return False
    return len(ctx.before) < 2 or not (ctx.before[1] in _DETERMINERS or _possessive(ctx.before[1]))


def _plural_subject(ctx: _Context) -> bool:
    """A plural noun after a determiner just before a base form: "the shops close at six" makes
    it a verb (a singular noun there would be a modifier: "the minute hand")."""
    p = ctx.before[0] if ctx.before else ""
    if not (p.endswith("s") and not p.endswith(("ss", "us", "is", "as", "'s")) and len(p) > 3):
        return False
    if ctx.capitals[0] or p in _CLOSED:
        return False  # a name, not a plural: "a Christmas present"
    return len(ctx.before) > 1 and (ctx.before[1] in _DETERMINERS or _adjective(ctx.before[1]))


def _verb_before(ctx: _Context) -> bool:
    """What comes before makes a base form a verb: "to", a modal ("could not"), a subject
    pronoun ("they live"), an inverted question ("do you object?"), "let me", "please"."""
    p, q = ctx.prev2()
    if p is None:
        return False
    if p == "to" or _modal(p) or p in _PLEASE:
        return True
    if p in ("i", "we", "they", "you") or (p == "who" and q is not None):
        return True
    if p in _OBJECTS and q in {"let", "make", "made", "help", "helped", "bid", "watch", "see"}:
        return True
    if p in _SUBJECTS and _modal(q):
        return True
    if p in {"which", "that"} and _object_after(ctx):
        return True  # "none which present any feature"
    return _plural_subject(ctx)


def _noun_before(ctx: _Context) -> bool:
    """What comes before makes the word a noun (or an adjective): a determiner or possessive
    ("his conduct", "a deep wound"), a preposition ("of moderate means"), an adjective."""
    if _after_determiner(ctx, loose=not ctx.word.endswith("s")):
        return True
    p, _ = ctx.prev(skip=frozenset())
    return p is not None and (p in _PREPOSITIONS or _adjective(p))


def _object_after(ctx: _Context) -> bool:
    """An object after the word: a determiner, possessive or object pronoun ("record his
    thanks", "permit me")."""
    n = ctx.next()
    return n is not None and (n in _DETERMINERS or n in _OBJECTS or _possessive(n))


def _noun_or_verb(ctx: _Context) -> str | None:
    """The generic guess for a word whose senses are "noun" and "verb"."""
    if ctx.word.endswith("s") and ctx.word not in SENSES:
        return _noun_or_verb_s(ctx)
    if _verb_before(ctx):
        return "verb"
    if _noun_before(ctx):
        return "noun"
    n = ctx.next()
    if n == "of" or n in _VERBS_AFTER_SUBJECT:
        return "noun"
    if _object_after(ctx):
        # An imperative ("Permit me to introduce myself.") or after another verb ("help
        # produce our books").
        return "verb"
    return None


def _noun_or_verb_s(ctx: _Context) -> str | None:
    """The generic guess for an -s form: a verb after he/she/it ("he bows"), a plural noun
    after a determiner ("the objects")."""
    p, _ = ctx.prev()
    n = ctx.next()
    if p in _THIRD_PERSON or _name_before(ctx):
        return "verb"
    if p == "to" or p in _PREPOSITIONS:
        return "noun"  # "led to subjects which...": no -s after "to"
    if _after_determiner(ctx):
        # "the diary records each day": a determiner, a noun, and its verb with an object.
        noun = len(ctx.before) > 1 and _is_word(ctx.before[0]) and ctx.before[0] not in _CLOSED
        if noun and ctx.before[1] in _DETERMINERS and _object_after(ctx):
            return "verb"
        return "noun"
    if n in _VERBS_AFTER_SUBJECT or n == "of":
        return "noun"  # "objects of the same care"
    if _object_after(ctx):
        return "verb"
    return None


# --- The rules, one function a headword -------------------------------------------------------

_PRESENT_MARKERS = _words(
    "am is are do does don't doesn't has have can will shall isn't aren't haven't hasn't can't "
    "won't i'm you're we're they're he's she's it's i've you've we've they've"
)
_PAST_MARKERS = _words(
    "was were had did could would said went came saw knew thought told took gave made found left "
    "felt sat stood rose fell got began seemed wasn't weren't hadn't didn't couldn't wouldn't "
    "heard brought kept held ran lay spoke wrote"
)
_NOT_PAST = _words("need indeed speed bed red seed feed deed breed hundred")


def _sentence_tense(ctx: _Context) -> str | None:
    """ "present" or "past" by the other verbs of the sentence, or None."""
    present = past = 0
    previous = ""
    for w in ctx.sentence():
        if w in _PRESENT_MARKERS:
            present += 1
        elif w in _PAST_MARKERS:
            past += 1
        elif w.endswith("ed") and len(w) > 4 and w not in _NOT_PAST and previous not in _BE:
            past += 1  # not "are seldom bored": after "be" it is an adjective, not a tense
        if not (w in _ADVERBS or _adverb(w)):
            previous = w
    if present != past:
        return "present" if present > past else "past"
    return None


def _read(ctx: _Context) -> str | None:
    p, q = ctx.prev2()
    if p is None:
        # "Read it aloud.": an imperative at the start of a sentence.
        return "present" if ctx.start and ctx.next() not in (",", None) else None
    if p == "to" or _modal(p) or p in _PLEASE or p in _DETERMINERS:
        return "present"  # "to read", "cannot read", "a good read"
    if p in _HAVE or p in _BE_ONLY or p == "well" or p.endswith(("'ve", "'d")):
        return "past"  # "had read", "was read aloud", "well read", "I'd read"
    if p in _OBJECTS and q in {"let", "make", "made", "help", "helped", "hear", "heard", "watch"}:
        return "present"  # "let me read"
    if p in _SUBJECTS and q is not None and (_modal(q) or q in _HAVE):
        return "present" if _modal(q) else "past"  # "did you read", "have you read"
    if p in {"he", "she", "it"} or _name_before(ctx):
        return "past"  # the present would be "reads"
    tense = _sentence_tense(ctx)
    if tense is not None:
        return tense  # "People who read novels are seldom bored."
    if p in _SUBJECTS:
        return "past"  # narration is in the past
    return None


_METAL_AFTER = _words(
    "pipe pipes poisoning weight weights pencil pencils soldier soldiers shot roof roofs sheet "
    "sheets mine mines paint bullet bullets ball balls coffin casket line lined seal seals "
    "piping glass crystal ore"
)


def _lead(ctx: _Context) -> str | None:
    n = ctx.next()
    if n in _METAL_AFTER:
        return "metal"  # "a lead pipe"
    p, _ = ctx.prev(skip=frozenset())
    if p in {"of", "as", "with", "like", "molten", "pencil", "red", "white", "sheet"}:
        return "metal"  # "made of lead", "as heavy as lead"
    if n == "of" and any(w in {"pencil", "pencils"} for w in ctx.after[:4]):
        return "metal"  # "the lead of his pencil"
    if _verb_before(ctx) or _noun_before(ctx) or _object_after(ctx):
        return "guide"  # "lead the way", "took the lead", "its lead"
    if any(_modal(w) for w in ctx.before[:4]):
        return "guide"  # "where does this road lead?"
    return None


def _live(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    if p == "long" or p in _SUBJECTS or _verb_before(ctx):
        return "verb"  # "Long live the King!", "they live"
    n = ctx.next()
    if n in _PREPOSITIONS or n in {"to", "here", "there", "together", "alone", "happily", "long"}:
        return "adj" if _after_determiner(ctx) else "verb"  # "live in", "live to see"
    if _after_determiner(ctx):
        return "adj"  # "a live mouse"
    if p in _BE_ONLY and n in (".", "!", ",", None):
        return "adj"  # "the wire is live"
    if n is not None and _is_word(n) and n not in _CLOSED and not _adverb(n):
        return "adj"  # "live music"
    return None


def _lives(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    if p in _THIRD_PERSON or _name_before(ctx):
        return "verb"
    if _after_determiner(ctx) or p in {"many", "nine", "our", "their", "of", "for", "two"}:
        return "noun"
    n = ctx.next()
    if n in {"with", "on", "in", "at", "near", "there", "here", "alone", "by"}:
        return "verb"
    if n in _VERBS_AFTER_SUBJECT:
        return "noun"
    return None


_CRYING = _words(
    "eye eyes cheek cheeks cry cried crying weep wept weeping sob sobbed sobs shed joy grief "
    "sorrow burst moved brought blinded"
)
_RIP_AFTER = _words("up off down open apart away out at through into")


def _tear(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    n = ctx.next()
    if ctx.word == "tears":
        if p in _THIRD_PERSON and n in _RIP_AFTER | _DETERMINERS | _OBJECTS:
            return "rip"  # "it tears the page"
        if n in {"at", "apart", "open", "up", "off"}:
            return "rip"  # "the wind tears at the shutters"
        return "cry"  # the plural noun, far the commoner
    if _verb_before(ctx) or (ctx.start and _object_after(ctx)):
        return "rip"  # "do not tear the page", "could not tear herself away"
    if ctx.before and ctx.before[0] in _OBJECTS and (_object_after(ctx) or n in _RIP_AFTER):
        return "rip"  # "watched her tear the letter"
    if _after_determiner(ctx) or p in _PREPOSITIONS:
        if n in {"in", "on"} and not any(w in _CRYING for w in ctx.after[:4]):
            return "rip"  # "a tear in the sleeve", not "a tear in her eye"
        return "cry"  # "a single tear"
    return None


def _wind(ctx: _Context) -> str | None:
    n = ctx.next()
    if ctx.word == "winds":
        if _after_determiner(ctx):
            return "air"
        if n in {"through", "along", "round", "around", "down", "up", "its", "away", "past"}:
            return "coil" if ctx.prev()[0] is not None else None  # "the path winds through"
        return None
    if _verb_before(ctx):
        return "coil"  # "to wind the clock"
    if n == "up" and not _after_determiner(ctx):
        return "coil"  # "wind up my affairs"
    if _after_determiner(ctx) or _noun_before(ctx):
        return "air"
    if n in _VERBS_AFTER_SUBJECT or n in {"howled", "blew", "blows", "rose", "dropped"}:
        return "air"
    return None


_ARC = _words(
    "ribbon ribbons hair tie tied arrow arrows archer archers string strings violin fiddle cello "
    "bonnet silk satin knot lace velvet dress dresses trimmed shoot shot quiver"
)


def _bow(ctx: _Context) -> str | None:
    if any(w in _ARC for w in ctx.sentence()):
        return "arc"  # "tied a pink bow in her hair"
    if ctx.written == "Bow" and not ctx.start:
        return "arc"  # a name: Bow Street, Bow Bells, said as the ribbon
    # In a novel a bow is nearly always a greeting (or a ship's bow, said alike) when no ribbon,
    # archer or violin is near.
    return "bend"


_NEAR_AFTER = _words(
    "to by beside behind upon together enough at against on under friend friends friendship "
    "relation relations attention watch look inspection quarters"
)
_NEAR_BEFORE = _words(
    "so too very quite as more most come came comes coming stood stand stay stayed sit sat keep "
    "kept held hold draw drew drawn lie lay was were is are be been being pretty rather followed "
    "follow"
)


def _close(ctx: _Context) -> str | None:
    if ctx.word == "closes":
        return "shut"
    p, _ = ctx.prev(skip=frozenset())
    n = ctx.next()
    if (p in {"the", "a"} or (p is not None and _possessive_word(p))) and (
        n == "of" or n is None or not _is_word(n)
    ):
        return "shut"  # "at the close of the day", "ill rewarded at their close;"
    if p in {"door", "doors", "gate", "gates", "eyes", "lid", "lids", "shops", "shop"}:
        return "shut"  # "I heard the door close"
    after_next = ctx.next(1)
    if n == "at" and after_next is not None and after_next[:1].isdigit():
        return "shut"  # "close at 6"
    if _verb_before(ctx) and p not in _NEAR_BEFORE:
        return "near" if n in {"to", "by", "beside", "together"} else "shut"
    if p in _NEAR_BEFORE or n in _NEAR_AFTER:
        return "near"  # "so close that", "close to the church"
    if _object_after(ctx):
        return "shut"  # "close the door"
    if _after_determiner(ctx) or (n is not None and _is_word(n) and n not in _ADVERBS):
        return "near"  # "a close friend", "a warm, close evening"
    return None


def _wound(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    n = ctx.next()
    if n in {"up", "round", "around", "about", "down", "through", "along", "its", "tightly"}:
        return "wind"  # "wound up", "the path wound down"
    if p in _HAVE or (p in _BE_ONLY and not _after_determiner(ctx)):
        return "wind"  # "had wound the clock", "was wound round his arm"
    if _after_determiner(ctx) or _noun_before(ctx):
        return "injury"
    if p in _SUBJECTS and n is not None and (n in _DETERMINERS or _possessive(n)):
        return "wind"  # "she wound the wool"
    return None


_TINY_AFTER = _words(
    "detail details particle particles quantity quantities examination inspection attention "
    "fraction grain grains particulars description account observation observations difference "
    "differences portion crystals drops dots point points scale investigation care accuracy "
    "precision criticism analysis study research scrutiny"
)


def _minute(ctx: _Context) -> str | None:
    p, _ = ctx.prev(skip=frozenset())
    n = ctx.next()
    if n in _TINY_AFTER and p not in {"a", "one", "every", "each", "this", "that", "last"}:
        return "tiny"  # "minute attention", "in minute detail"
    if p is not None and _possessive_word(p) and n is not None and n.endswith("s"):
        return "tiny"  # "her minute inquiries": a time would be "her minutes"
    if p in {"so", "too", "how", "more", "most", "less", "very"} and n not in {"hand", "or"}:
        return "tiny"  # "so minute that"
    return "time"  # "a minute", "every minute": far the commoner sense


def _project(ctx: _Context) -> str | None:
    if ctx.next() in {"gutenberg", "gutenberg's"}:
        return "noun"  # in the licence of every Gutenberg book, at a sentence's start too
    return _noun_or_verb(ctx)


def _object(ctx: _Context) -> str | None:
    if ctx.word == "object" and ctx.next() == "to" and not _after_determiner(ctx, loose=True):
        return "verb"  # "I object to", "she could not object to", not "an object to all"
    return _noun_or_verb(ctx)


def _record(ctx: _Context) -> str | None:
    if ctx.prev(skip=frozenset())[0] in {"on", "off", "upon"}:
        return "noun"  # "on record"
    return _noun_or_verb(ctx)


_PRESENT_BEFORE = _words(
    "everyone everybody all those others anyone nobody none persons people gentlemen ladies "
    "company party were was is are be been being"
)


def _present(ctx: _Context) -> str | None:
    p, _ = ctx.prev(skip=frozenset())
    n = ctx.next()
    if p in {"at", "for"} or (p == "the" and ctx.before[1:2] == ["to"]):
        return "noun"  # "at present", "up to the present"
    if p in _PRESENT_BEFORE and ctx.word == "present":
        return "noun"  # "everyone present", "I was not present"
    if n in {"myself", "himself", "herself", "itself", "themselves", "yourself"}:
        return "verb"
    if ctx.word == "present" and (n is None or not _is_word(n)) and not _verb_before(ctx):
        return "noun"  # "any other person present.": the verb wants an object
    return _noun_or_verb(ctx)


def _desert(ctx: _Context) -> str | None:
    if ctx.before[:1] == ["just"] or (ctx.before and _possessive_word(ctx.before[0])):
        # "his just deserts", "beyond their deserts": what one deserves, said as the verb; the
        # sands take "the" ("the deserts of Arabia").
        return "verb"
    if ctx.start and ctx.word == "desert":
        return "verb"  # "Never desert a friend."
    return _noun_or_verb(ctx)


_CONTENT_BEFORE = _BE | _words(
    "quite perfectly very well so more most not too entirely fully rather rest rested lie lay "
    "sit sat seeming"
)


def _content(ctx: _Context) -> str | None:
    p, q = ctx.prev2()
    n = ctx.next()
    if n in {"to", "with", "that"} and not _after_immediate_determiner(ctx):
        return "adj"  # "content to sit", "content with his lot"
    if ctx.prev(skip=frozenset())[0] in _CONTENT_BEFORE or (p in _SUBJECTS and q in _BE):
        return "adj"  # "I am quite content", "Are you content now?"
    if _after_determiner(ctx) or n == "of":
        return "noun"  # "the content of the letter"
    if ctx.before[:1] == [","] and n in (".", "!", ",", None):
        return "adj"  # "She smiled, content."
    return None


def _refuse(ctx: _Context) -> str | None:
    if _noun_before(ctx) and not _verb_before(ctx):
        return "noun"  # "the refuse", "full of refuse"
    if ctx.next() in _VERBS_AFTER_SUBJECT and not _verb_before(ctx):
        return "noun"
    return "verb"  # far the commoner in prose


def _polish(ctx: _Context) -> str | None:
    if ctx.written.isupper():
        return None  # a heading in capitals says nothing
    if ctx.written[:1].isupper():
        if ctx.start and _object_after(ctx):
            return "shine"  # "Polish the boots before you go."
        return "nation"  # "a strong Polish accent", "Polish soldiers fought"
    return "shine"


def _use(ctx: _Context) -> str | None:
    p, _ = ctx.prev(skip=frozenset())
    if p in {"no", "of", "any", "the", "some", "much", "little", "good", "great", "its"}:
        return "noun"  # "no use", "of use", "good use"
    if ctx.next() in {"of", "for"} and _after_determiner(ctx):
        return "noun"
    return _noun_or_verb(ctx)


def _excuse(ctx: _Context) -> str | None:
    if ctx.next() in {"me", "us", "him", "her", "them", "myself", "yourself", "herself"}:
        return "verb"  # "Excuse me"
    return _noun_or_verb(ctx)


def _subject(ctx: _Context) -> str | None:
    if ctx.word == "subject" and ctx.prev()[0] in _BE:
        return "noun"  # "is subject to the licence": the adjective, said as the noun
    return _noun_or_verb(ctx)


def _perfect(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    if (p == "to" or _modal(p)) and _object_after(ctx):
        return "verb"  # "to perfect her French"
    return "adj"


def _adjective_or_verb(ctx: _Context) -> str | None:
    """separate, moderate, deliberate: a verb after "to" or a modal, an adjective elsewhere."""
    if ctx.word.endswith("s"):
        return "verb"  # "accident separates them": an adjective takes no -s
    if _verb_before(ctx):
        return "verb"
    p, _ = ctx.prev(skip=frozenset())
    if _noun_before(ctx) or p in _BE or p in _DEGREE or p in {",", "and", "or", "but"}:
        return "adj"  # "her expressions more moderate"
    n = ctx.next()
    if n is not None and n not in _DETERMINERS and n not in _OBJECTS and _is_word(n):
        return "adj"
    return None


def _noun_with_verb(ctx: _Context) -> str | None:
    """estimate, graduate: a verb after "to" or a modal, a noun after a determiner."""
    if _verb_before(ctx):
        return "verb"
    if _noun_before(ctx):
        return "noun"
    return _noun_or_verb(ctx)


_DIVE_AFTER = _words(
    "in into under over off down for after through from beneath behind headlong headfirst "
    "overboard back forward out"
)


def _dove(ctx: _Context) -> str | None:
    if _after_determiner(ctx):
        return "bird"
    if (ctx.prev()[0] in _SUBJECTS or _name_before(ctx)) and ctx.next() in _DIVE_AFTER:
        return "dived"  # "he dove into the lake"
    return "bird"


def _entrance(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    if (p == "to" or _modal(p)) and _object_after(ctx):
        return "verb"  # "to entrance her"
    return "noun"


def _invalid(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    if _after_determiner(ctx) or p in _PREPOSITIONS:
        return "sick"  # "an invalid", "her invalid mother"
    if p in _BE or p in {"declared", "rendered", "deemed", "considered", "held", "found"}:
        return "void"  # "declared invalid"
    return None


def _sow(ctx: _Context) -> str | None:
    if _verb_before(ctx) or _object_after(ctx):
        return "seed"
    if _after_determiner(ctx):
        return "pig"  # "the old sow"
    return None


_NUMBERS = _words(
    "two three four five six seven eight nine ten twelve twenty thirty forty fifty hundred "
    "hundreds thousand thousands many all both"
)


def _house(ctx: _Context) -> str | None:
    p, _ = ctx.prev()
    n = ctx.next() or ""
    if (p == "to" or _modal(p)) and (_object_after(ctx) or n[:1].isdigit() or n in _NUMBERS):
        return "verb"  # "large enough to house fifty men"
    return "noun"


_RULES = {
    "read": _read, "lead": _lead, "live": _live, "lives": _lives, "tear": _tear,
    "wind": _wind, "bow": _bow, "close": _close, "wound": _wound, "minute": _minute,
    "object": _object, "record": _record, "present": _present, "desert": _desert,
    "content": _content, "refuse": _refuse, "polish": _polish, "use": _use, "excuse": _excuse,
    "produce": _noun_or_verb, "project": _project, "conduct": _noun_or_verb,
    "contract": _noun_or_verb, "permit": _noun_or_verb, "subject": _subject,
    "perfect": _perfect, "separate": _adjective_or_verb, "moderate": _adjective_or_verb,
    "deliberate": _adjective_or_verb, "estimate": _noun_with_verb, "graduate": _noun_with_verb,
    "dove": _dove, "entrance": _entrance, "invalid": _invalid, "sow": _sow, "house": _house,
}  # fmt: skip


def _trie(words: Iterable[str]) -> str:
    """A regular expression for WORDS shaped as a trie ("c(?:lose(?:s)?|on(?:duct..."): Python's
    re tries the branches of an alternation one by one, and 60 words side by side take four
    times as long over a novel (0.19 s against 0.04 s for Pride and Prejudice, measured)."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(c) + pattern(node[c]) for c in sorted(node) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(tree)


# A heteronym as a whole word, in the lower-cased text: not inside a longer word, a hyphenated
# one ("well-read") or one with an apostrophe ("wind's").
_FIND = re.compile(
    r"(?<![\w'\u2019-])(?:" + _trie(HETERONYMS) + r")(?![\w-]|['\u2019]\w)"
)  # fmt: skip


def heteronym_sense(text: str, start: int, end: int) -> str | None:
    """The sense (a label in SENSES) the rules choose for the heteronym at TEXT[START:END], or
    None when they cannot decide."""
    ctx = _Context(text, start, end)
    return _RULES[FORMS[ctx.word][0]](ctx)


def heteronym_phonemes(text: str, language: str = "en-us") -> list[tuple[int, int, str]]:
    """(start, end, ipa) for each heteronym in TEXT whose sense the rules decide: the word's span
    in TEXT and the sense's IPA in espeak-ng's style for LANGUAGE's dialect. Nothing inside a
    `[[...]]` block, nothing for a language other than English."""
    us = is_us(language)
    if us is None:
        return []
    lower = text.lower()
    if len(lower) != len(text):  # "İ" lower-cases to two characters: the spans would move
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    blocks = [m.span() for m in BLOCK.finditer(text)] if "[[" in text else []
    found: list[tuple[int, int, str]] = []
    for m in _FIND.finditer(lower):
        start, end = m.span()
        if blocks and any(b_start <= start < b_end for b_start, b_end in blocks):
            continue
        sense = heteronym_sense(text, start, end)
        if sense is not None:
            found.append((start, end, sense_ipa(m.group(0), sense, language)))
    return found
