"""Finding the dialogue: which stretches of a chapter's paragraphs are quotations, in each of the
quoting styles books use, and never an apostrophe taken for a quote."""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.pipeline.cast.quotes import FAMILIES, SINGLE, QuoteStyle, detect_style, find_quotes
from audiobook.readers import read_book

from .books import assert_covers, assert_parts_inside, is_narration, quoted, read

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


T = TypeVar("T")


def parts(paragraphs: list[str], language: str) -> list[str]:
    """Every quoted part in reading order, whichever quotation it belongs to: its words, without
    the spaces and the commas or stops at its edges (`— Да, —` is "Да", `—. ¿Vienes?` is
    "¿Vienes?"), which a style may leave inside its marks or not."""
    return [
        re.sub(r"^[\s.,;:]+|[\s,;:]+$", "", part)
        for quotation in quoted(paragraphs, language)
        for part in quotation
    ]


def in_time(call: Callable[..., T], *args: object, seconds: float = 10.0) -> T:
    """CALL(*ARGS), or TimeoutError when it has not returned after SECONDS (far more than the
    microseconds these take): a hang fails its test instead of stopping the suite. Where there is
    no interval timer (Windows), CALL is simply made."""
    if not hasattr(signal, "setitimer"):
        return call(*args)

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return call(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# (language, paragraphs, the quoted words in order, narration that must stay narration)
STYLES = {
    "curly": (
        "en",
        ["“Come in,” said Tom, “and shut the door.”"],
        ["Come in", "and shut the door."],
        ["said Tom,"],
    ),
    "straight": (
        "en",
        ['"Come in," said Tom, "and shut the door."'],
        ["Come in", "and shut the door."],
        ["said Tom,"],
    ),
    "British curly single": (
        "en-GB",
        ["‘Come in,’ said Tom, ‘and shut the door.’", "‘I won’t,’ said Anne."],
        ["Come in", "and shut the door.", "I won’t"],
        ["said Tom,", "said Anne."],
    ),
    "British straight single": (
        "en-GB",
        ["'Come in,' said Tom, 'and shut the door.'", "'I won't,' said Anne."],
        ["Come in", "and shut the door.", "I won't"],
        ["said Tom,", "said Anne."],
    ),
    "French guillemets": (
        "fr",
        ["«Entrez, mon ami», dit-il. «Asseyez-vous.»"],
        ["Entrez, mon ami", "Asseyez-vous."],
        [", dit-il. "],
    ),
    "Spanish guillemets": (
        "es",
        ["«Pase usted», dijo ella. «Siéntese.»"],
        ["Pase usted", "Siéntese."],
        [", dijo ella. "],
    ),
    "Italian guillemets": (
        "it",
        ["«Entra pure», disse lui. «Siediti.»"],
        ["Entra pure", "Siediti."],
        [", disse lui. "],
    ),
    "Russian guillemets": (
        "ru",
        ["«Входи», — сказал он. «Садись.»"],
        ["Входи", "Садись."],
        [", — сказал он. "],
    ),
    "German chevrons": (
        "de",
        ["»Komm herein«, sagte er. »Setz dich.«"],
        ["Komm herein", "Setz dich."],
        [", sagte er. "],
    ),
    "German low-high": (
        "de",
        ["„Komm herein“, sagte er. „Setz dich.“"],
        ["Komm herein", "Setz dich."],
        [", sagte er. "],
    ),
    "German single low": (
        "de",
        ["‚Komm herein‘, sagte er. ‚Setz dich.‘"],
        ["Komm herein", "Setz dich."],
        [", sagte er. "],
    ),
    "Polish low-right": (
        "pl",
        ["„Dzień dobry” – powiedział. „Siadaj.”"],
        ["Dzień dobry", "Siadaj."],
        [" – powiedział. "],
    ),
    "Japanese corners": (
        "ja",
        ["「入ってください」と彼は言った。「座って」"],
        ["入ってください", "座って"],
        ["と彼は言った。"],
    ),
    "Russian dashes": (
        "ru",
        ["— Да, — сказал он, — иду."],
        ["Да", "иду."],
        ["сказал он,"],
    ),
    "Italian dashes": (
        "it",
        ["— Sì, — disse lui, — vengo subito."],
        ["Sì", "vengo subito."],
        ["disse lui,"],
    ),
    "Spanish dash, incise to the end": (
        "es",
        ["—Hola —dijo él."],
        ["Hola"],
        ["dijo él."],
    ),
    "French dash, speech only": (
        "fr",
        ["— Bonjour, monsieur.", "Il ne répondit pas."],
        ["Bonjour, monsieur."],
        ["Il ne répondit pas."],
    ),
}


@pytest.mark.parametrize(
    ("language", "paragraphs", "words", "narration"), STYLES.values(), ids=STYLES
)
def test_each_quoting_style_finds_its_quotations(
    language: str, paragraphs: list[str], words: list[str], narration: list[str]
) -> None:
    """The words between the marks are the quotations, and the tag between them is narration."""
    assert parts(paragraphs, language) == words
    segments, _ = read(paragraphs, language)
    for fragment in narration:
        p = next(p for p, text in enumerate(paragraphs) if fragment in text)
        assert is_narration(paragraphs[p], segments[p], fragment), fragment


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"], ids=["space", "nbsp", "narrow-nbsp"])
def test_french_guillemets_with_spaces_inside(space: str) -> None:
    """French typography puts a (narrow) no-break space inside the guillemets: the quotation is
    still the words between them, and the tag stays narration (a closing » before a comma is not
    a German opening)."""
    text = f"«{space}Entrez, mon ami{space}», dit-il. «{space}Asseyez-vous.{space}»"
    paragraphs = [text, f"«{space}Merci.{space}»"]
    assert parts(paragraphs, "fr") == ["Entrez, mon ami", "Asseyez-vous.", "Merci."]
    segments, _ = read(paragraphs, "fr")
    assert is_narration(text, segments[0], ", dit-il. ")


DASH_INCISES = {
    "Spanish, closed by a dash": (
        "es", "—Hola —dijo él—. ¿Vienes?", ["Hola", "¿Vienes?"], "dijo él",
    ),
    "Spanish, closed by a dash, comma": (
        "es", "—No lo sé —contestó ella—, pero lo veremos.", ["No lo sé", "pero lo veremos."],
        "contestó ella",
    ),
    "French, after a comma": ("fr", "— Bonjour, dit-il.", ["Bonjour"], "dit-il."),
    "Russian, between dashes": ("ru", "— Да, — сказал он, — иду.", ["Да", "иду."], "сказал он,"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("language", "text", "words", "incise"), DASH_INCISES.values(), ids=DASH_INCISES
)
def test_dash_dialogue_leaves_the_incise_to_the_narrator(
    language: str, text: str, words: list[str], incise: str
) -> None:
    """Dialogue opened by a dash: the speech is quoted, the narrator's incise between is not
    (the Spanish one closes with a dash against its last word, the French one is set off by a
    comma only)."""
    assert parts([text], language) == words
    segments, _ = read([text], language)
    assert is_narration(text, segments[0], incise)


def test_a_dash_opens_speech_only_in_the_languages_that_use_it() -> None:
    """In an English book a paragraph may begin with a dash and be narration."""
    paragraphs = ["— and then the lights went out.", "Nobody moved."]
    assert quoted(paragraphs, "en") == []
    assert quoted(paragraphs, "ru") == [["and then the lights went out."]]


def test_a_dash_inside_a_paragraph_is_not_dialogue() -> None:
    """Only a dash at a paragraph's start opens speech; one in mid-sentence is punctuation."""
    assert quoted(["Il partit — enfin — vers le sud."], "fr") == []


# --- apostrophes ---------------------------------------------------------------------------

APOSTROPHES = (
    "I don't know, but 'tis past nine o'clock, and 'em lads play rock 'n' roll at the Smiths' "
    "house till 'twas dawn."
)
BOOKS = {
    "curly double": ("en", "“", "”", APOSTROPHES.replace("'", "’")),
    "curly double, straight apostrophes": ("en", "“", "”", APOSTROPHES),
    "straight double": ("en", '"', '"', APOSTROPHES),
    "British curly single": ("en-GB", "‘", "’", APOSTROPHES.replace("'", "’")),
    "British straight single": ("en-GB", "'", "'", APOSTROPHES),
}


@pytest.mark.parametrize(
    ("language", "opening", "closing", "apostrophes"), BOOKS.values(), ids=BOOKS
)
def test_apostrophes_never_open_a_quote(
    language: str, opening: str, closing: str, apostrophes: str
) -> None:
    """don't, 'em, 'tis, o'clock, rock 'n' roll, the Smiths' house: the paragraph is narration,
    and inside a quotation they do not close it early."""
    apostrophe = apostrophes[apostrophes.index("don") + 3]
    inside = f"We{apostrophe}ll dance at the Smiths{apostrophe} house till {apostrophe}tis light"
    paragraphs = [
        f"{opening}Good evening,{closing} said Tom.",
        apostrophes,
        f"{opening}{inside},{closing} said Anne.",
        f"{opening}Good night.{closing}",
    ]
    style = detect_style(paragraphs, language)
    if opening in '“"':
        assert not set(style.families) & set(SINGLE), style  # single marks are apostrophes here
    segments, _ = read(paragraphs, language)
    assert [(s.start, s.end, s.quote) for s in segments[1]] == [(0, len(apostrophes), None)]
    assert quoted(paragraphs, language) == [["Good evening,"], [f"{inside},"], ["Good night."]]


@pytest.mark.parametrize(
    "text",
    [
        "’Tis a fine day, and ’twas finer yesterday.",
        "’Em lads came at nine o’clock ’cause of the rain.",
        "The Joneses’ dog and James’ hat, ma’am, in the ’90s.",
    ],
)
def test_elisions_at_a_paragraph_start_in_a_single_quoted_book(text: str) -> None:
    """A paragraph that begins with an elided word is not a quotation opening."""
    paragraphs = ["‘Hello,’ said Tom.", text, "‘Good day,’ said Anne."]
    for variant in (paragraphs, [p.replace("‘", "'").replace("’", "'") for p in paragraphs]):
        segments, _ = read(variant, "en-GB")
        assert [s.quote for s in segments[1]] == [None], variant[1]


# --- quotations over several paragraphs, and nested ones -------------------------------------

LONG_SPEECH = {
    "curly": ("en", "“", "”"),
    "straight": ("en", '"', '"'),
    "British single": ("en-GB", "‘", "’"),
    "German chevrons": ("de", "»", "«"),
    "German low-high": ("de", "„", "“"),
}


@pytest.mark.parametrize(("language", "opening", "closing"), LONG_SPEECH.values(), ids=LONG_SPEECH)
def test_a_speech_over_several_paragraphs_is_one_quotation(
    language: str, opening: str, closing: str
) -> None:
    """A quote opened, not closed, and opened again at the next paragraph's start goes on there:
    one quotation with a part in each paragraph."""
    o, c = opening, closing
    paragraphs = [
        f"{o}It was a long winter,{c} said the old man. {o}The snow came early.",
        f"{o}Then the wolves came down from the hills.",
        f"{o}And that was the end of it.{c}",
        "He stopped.",
    ]
    segments, quotations = read(paragraphs, language)
    assert quoted(paragraphs, language) == [
        ["It was a long winter,"],
        ["The snow came early.", "Then the wolves came down from the hills.",
         "And that was the end of it."],
    ]  # fmt: skip
    assert [part.paragraph for part in quotations[1].parts] == [0, 1, 2]
    assert is_narration(paragraphs[0], segments[0], "said the old man.")
    assert [s.quote for s in segments[3]] == [None]


@pytest.mark.parametrize(("language", "opening", "closing"), LONG_SPEECH.values(), ids=LONG_SPEECH)
def test_a_quote_left_open_closes_at_its_paragraph_end(
    language: str, opening: str, closing: str
) -> None:
    """With no reopening in the next paragraph, an unclosed quote ends with its paragraph and the
    next paragraph is narration; a chapter's last paragraph left open ends there too."""
    o, c = opening, closing
    paragraphs = [
        f"{o}It was a long winter, and the snow came early.",
        "He stopped and looked at the fire.",
        f"{o}Go on,{c} said Tom.",
        f"{o}Another time.",
    ]
    segments, _ = read(paragraphs, language)
    assert quoted(paragraphs, language) == [
        ["It was a long winter, and the snow came early."], ["Go on,"], ["Another time."],
    ]  # fmt: skip
    assert [s.quote for s in segments[1]] == [None]
    assert segments[0][-1].end == len(paragraphs[0])


NESTED = {
    "curly, single inside": ("en", ["“He said ‘go’ to me,” said Tom."], "He said ‘go’ to me,"),
    # A second line in the book's own marks: from one line alone, a British book's single marks
    # and its double ones are a tie, and a tie goes to the double.
    "British, double inside": (
        "en-GB", ["‘He said “go” to me,’ said Tom.", "‘Did he?’"], "He said “go” to me,",
    ),
    "straight, single inside": ("en", ["\"He said 'go' to me,\" said Tom."], "He said 'go' to me,"),
    "German low": ("de", ["„Er sagte ‚geh‘ zu mir“, sagte Tom."], "Er sagte ‚geh‘ zu mir"),
    "German chevrons": ("de", ["»Er sagte ›geh‹ zu mir«, sagte Tom."], "Er sagte ›geh‹ zu mir"),
    "French": ("fr", ["«Il m’a dit “va-t’en”», dit-il."], "Il m’a dit “va-t’en”"),
    "Japanese": ("ja", ["「彼は『行け』と言った」と彼女は言った。"], "彼は『行け』と言った"),
}  # fmt: skip


@pytest.mark.parametrize(("language", "paragraphs", "inside"), NESTED.values(), ids=NESTED)
def test_a_quote_inside_a_quote_is_one_quotation(
    language: str, paragraphs: list[str], inside: str
) -> None:
    """The inner marks are part of the outer quotation, not a quotation of their own."""
    assert quoted(paragraphs, language)[0] == [inside]
    assert len(quoted(paragraphs, language)) == len(paragraphs)


# --- segments reassemble the source ----------------------------------------------------------

PIECES = [
    "word", "Tom", "said", "don't", "o'clock", "'em", "Smiths'", "rock 'n' roll", "’tis",
    " ", " ", " ", ",", ".", "!", "?", ":", "\u00a0", "\u202f", "\t",
    "“", "”", '"', "‘", "’", "'", "„", "‚", "«", "»", "‹", "›", "「", "」", "『", "』",
    "—", "―", "–", "-", "…", "(", ")",
]  # fmt: skip
# Non-blank paragraphs: a blank one is test_a_blank_paragraph_is_narration_in_a_dash_language.
PARAGRAPH = st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join)
PARAGRAPHS = st.lists(PARAGRAPH.filter(str.strip), min_size=1, max_size=5)
LANGUAGES = ["en", "en-GB", "fr", "de", "es", "it", "ru", "pl", "ja"]
STYLE = st.builds(
    QuoteStyle,
    st.lists(st.sampled_from(sorted(FAMILIES)), unique=True, max_size=4).map(tuple),
    st.booleans(),
)


def reassembles(paragraphs: list[str], style: QuoteStyle) -> None:
    segments, quotations = in_time(find_quotes, paragraphs, style)  # a hang fails the test
    assert len(segments) == len(paragraphs)
    for text, segs in zip(paragraphs, segments, strict=True):
        assert_covers(text, segs)
    assert_parts_inside(segments, quotations)


@settings(max_examples=400)
@given(PARAGRAPHS, st.sampled_from(LANGUAGES))
def test_segments_reassemble_the_source(paragraphs: list[str], language: str) -> None:
    """Whatever the marks, apostrophes and dashes, each paragraph's segments are contiguous from
    0 to its length, and every quotation part lies inside its own segment."""
    reassembles(paragraphs, detect_style(paragraphs, language))


@settings(max_examples=300)
@given(PARAGRAPHS, STYLE)
def test_segments_reassemble_the_source_in_any_style(
    paragraphs: list[str], style: QuoteStyle
) -> None:
    """The same, for any style a book may have (families mixed, dashes or not), not only the
    ones detect_style picks for these texts."""
    reassembles(paragraphs, style)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs an interval timer")
@pytest.mark.parametrize(
    ("language", "paragraphs"),
    [
        ("en", ["“Wait a moment.", "“…” He said nothing more."]),
        ("en", ['"Wait a moment.', '"--" He said nothing more.']),
    ],
    ids=["curly ellipsis", "straight dashes"],
)
def test_a_carried_quote_around_no_words_does_not_hang(
    language: str, paragraphs: list[str]
) -> None:
    """A speech left open, then a wordless line (an ellipsis, a dash) in the next paragraph and
    narration after it: read in a moment, the wordless marks are no line, the rest narration."""
    segments, _ = in_time(find_quotes, paragraphs, detect_style(paragraphs, language))
    for text, segs in zip(paragraphs, segments, strict=True):
        assert_covers(text, segs)
    assert is_narration(paragraphs[1], segments[1], "He said nothing more.")


@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
def test_a_blank_paragraph_is_narration_in_a_dash_language(blank: str) -> None:
    """An empty paragraph does not open with a dash ("" is in every string: a first cut took it
    for dash dialogue, with a part past the text's end)."""
    paragraphs = ["— Bonjour.", blank, "— Au revoir."]
    segments, quotations = find_quotes(paragraphs, QuoteStyle((), dashes=True))
    for text, segs in zip(paragraphs, segments, strict=True):
        assert_covers(text, segs)
    assert [s.quote for s in segments[1]] == [None]
    assert len(quotations) == 2


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_segments_reassemble_the_corpus_excerpts(name: str) -> None:
    """The excerpts of real books (tests/fixtures/corpus): every paragraph is covered, every
    part is inside its segment."""
    book = read_book(CORPUS / name)
    style = detect_style([p.text for c in book.chapters for p in c.paragraphs], book.language)
    for chapter in book.chapters:
        texts = [p.text for p in chapter.paragraphs]
        segments, quotations = find_quotes(texts, style)
        for text, segs in zip(texts, segments, strict=True):
            assert_covers(text, segs)
        assert_parts_inside(segments, quotations)


def test_pride_and_prejudice_is_read_in_straight_quotes() -> None:
    """Project Gutenberg's text quotes with straight double marks, and has dialogue."""
    book = read_book(CORPUS / "pride-and-prejudice.txt")
    texts = [p.text for c in book.chapters for p in c.paragraphs]
    style = detect_style(texts, book.language)
    assert style.families == ("straight",)
    found = sum(len(find_quotes([p.text for p in c.paragraphs], style)[1]) for c in book.chapters)
    assert found >= 10


@pytest.mark.parametrize(
    ("paragraph", "said", "incise"),
    [
        ("— Alors à ce soir, murmura Marie.", [["Alors à ce soir"]], "murmura Marie."),
        (
            "— Je pars, dit Pierre, et je reviens.",
            [["Je pars"], ["et je reviens."]],
            "dit Pierre",
        ),
    ],
)
def test_a_french_incise_naming_its_speaker_is_narration(
    paragraph: str, said: list[list[str]], incise: str
) -> None:
    """A comma, a verb of speaking and a name ("murmura Marie") close the speech as "dit-il"
    does; a comma before any other word ("— Oui, mais...") does not."""
    segments, _ = read([paragraph], "fr")
    assert quoted([paragraph], "fr") == said
    assert is_narration(paragraph, segments[0], incise)
    assert quoted(["— Oui, mais la maison, les enfants, tout."], "fr") == [
        ["Oui, mais la maison, les enfants, tout."]
    ]
