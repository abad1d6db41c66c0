"""Language detection of a manuscript that declares none (readers/language.py)."""

# The paragraphs are Greek, Cyrillic and Chinese on purpose: their letters are not look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.readers.language import MAX_CHARS, _identifier, detect_language

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"

# The same short story in each language: a few sentences, as a book's first page would have.
PARAGRAPHS = {
    "en": (
        "The old lighthouse keeper climbed the stairs every evening, long after the ships had "
        "stopped coming. He polished the great lamp, wound the clock and wrote a line in his book "
        "about the weather. Nobody in the village remembered why the light was still kept "
        "burning, but nobody wished to be the one who put it out."
    ),
    "de": (
        "Der alte Leuchtturmwärter stieg jeden Abend die Treppe hinauf, lange nachdem die Schiffe "
        "nicht mehr kamen. Er putzte die große Lampe, zog die Uhr auf und schrieb eine Zeile über "
        "das Wetter in sein Buch. Niemand im Dorf wusste mehr, warum das Licht noch brannte, aber "
        "keiner wollte derjenige sein, der es löschte."
    ),
    "fr": (
        "Le vieux gardien du phare montait l'escalier chaque soir, longtemps après que les navires "
        "avaient cessé de venir. Il polissait la grande lampe, remontait l'horloge et écrivait "
        "dans son cahier une ligne sur le temps qu'il faisait. Personne au village ne se souvenait "
        "pourquoi la lumière brûlait encore, mais personne ne voulait être celui qui l'éteindrait."
    ),
    "ru": (
        "Старый смотритель маяка каждый вечер поднимался по лестнице, хотя корабли давно "
        "перестали приходить. Он чистил большую лампу, заводил часы и записывал в свою книгу "
        "строчку о погоде. Никто в деревне уже не помнил, зачем свет всё ещё горит, но никто не "
        "хотел быть тем, кто его погасит."
    ),
    "el": (
        "Ο γέρος φαροφύλακας ανέβαινε τις σκάλες κάθε βράδυ, πολύ καιρό αφότου τα πλοία είχαν "
        "σταματήσει να έρχονται. Γυάλιζε τη μεγάλη λάμπα, κούρδιζε το ρολόι και έγραφε στο βιβλίο "
        "του μια γραμμή για τον καιρό. Κανείς στο χωριό δεν θυμόταν γιατί το φως έκαιγε ακόμα, "
        "αλλά κανείς δεν ήθελε να είναι αυτός που θα το έσβηνε."
    ),
    "es": (
        "El viejo guardián del faro subía la escalera cada tarde, mucho después de que los barcos "
        "dejaran de venir. Pulía la gran lámpara, daba cuerda al reloj y escribía en su libro una "
        "línea sobre el tiempo. Nadie en el pueblo recordaba por qué la luz seguía encendida, pero "
        "nadie quería ser quien la apagara."
    ),
    "it": (
        "Il vecchio guardiano del faro saliva le scale ogni sera, molto tempo dopo che le navi "
        "avevano smesso di arrivare. Lucidava la grande lampada, caricava l'orologio e scriveva "
        "nel suo libro una riga sul tempo. Nessuno in paese ricordava perché la luce fosse ancora "
        "accesa, ma nessuno voleva essere quello che l'avrebbe spenta."
    ),
    "nl": (
        "De oude vuurtorenwachter beklom elke avond de trap, lang nadat de schepen niet meer "
        "kwamen. Hij poetste de grote lamp, wond de klok op en schreef in zijn boek een regel over "
        "het weer. Niemand in het dorp wist nog waarom het licht nog altijd brandde, maar niemand "
        "wilde degene zijn die het zou doven."
    ),
    # Norwegian is "nb", as eSpeak NG's voice is named, not the model's "no".
    "nb": (
        "Den gamle fyrvokteren gikk opp trappene hver kveld, lenge etter at skipene hadde sluttet "
        "å komme. Han pusset den store lampen, trakk opp klokken og skrev en linje om været i "
        "boken sin. Ingen i bygda husket lenger hvorfor lyset fortsatt brant, men ingen ville "
        "være den som slukket det."
    ),
    # Written without spaces: each character counts as a word.
    "zh": (
        "从前有一位老人，他每天晚上都会爬上灯塔的楼梯。他擦亮那盏大灯，给钟上发条，"
        "然后在本子上写下一行关于天气的话。村里没有人记得为什么那盏灯还亮着。"
    ),
}


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_a_paragraph_is_detected(language: str) -> None:
    assert detect_language(PARAGRAPHS[language]) == language


def test_five_words_are_too_few() -> None:
    assert detect_language("The boats came at dawn.") is None
    assert detect_language("Старый смотритель маяка каждый вечер") is None


@pytest.mark.parametrize("text", ["", "  \n\n ", "1 2 3 4 5 6 7 8 9 10 " * 10, "* * * -- ! " * 20])
def test_text_without_words_is_no_language(text: str) -> None:
    assert detect_language(text) is None


@settings(max_examples=200, deadline=None)  # deadline: the first example loads the model
@given(st.text(max_size=600) | st.lists(st.sampled_from(sorted(PARAGRAPHS.values()))).map(" ".join))
def test_any_text_gives_a_lower_case_two_letter_code_or_none(text: str) -> None:
    language = detect_language(text)
    assert language is None or (len(language) == 2 and language.isascii() and language.islower())


def test_detection_is_stable() -> None:
    text = PARAGRAPHS["de"] + " " + PARAGRAPHS["nl"]
    first = detect_language(text)
    assert first == detect_language(text) == detect_language(text)
    assert _identifier() is _identifier()  # the model is loaded once


@pytest.mark.parametrize(
    ("parts", "allowed"),
    [
        (["en", "ru"], {"en", "ru", None}),
        (["ru", "en"], {"en", "ru", None}),
        (["en", "el", "ru"], {"en", "el", "ru", None}),
    ],
)
def test_mixed_scripts_give_one_of_them_or_none(parts: list[str], allowed: set[str | None]) -> None:
    assert detect_language(" ".join(PARAGRAPHS[p] for p in parts)) in allowed


def test_a_book_in_one_language_with_a_foreign_quotation_is_that_language() -> None:
    text = " ".join([PARAGRAPHS["de"]] * 3 + [PARAGRAPHS["en"]])
    assert detect_language(text) == "de"


def test_only_the_first_characters_are_read() -> None:
    english = (PARAGRAPHS["en"] + "\n\n") * (MAX_CHARS // len(PARAGRAPHS["en"]) + 1)
    assert detect_language(english[:MAX_CHARS] + PARAGRAPHS["fr"] * 200) == "en"


def body(name: str) -> str:
    """The book's own text in a corpus excerpt: Project Gutenberg's header and licence (English
    in every book) are off, as the reader takes them off before it detects."""
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    start = re.search(r"^\*{3} ?START OF.*$", text, re.M)
    end = re.search(r"^\*{3} ?END OF.*$", text, re.M)
    return text[start.end() if start else 0 : end.start() if end else len(text)]


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("alice.txt", "en"),
        ("pride-and-prejudice.txt", "en"),
        ("sherlock-holmes.txt", "en"),
        ("canterville-ghost.md", "en"),
        ("de-die-verwandlung.txt", "de"),
        ("fr-le-horla.txt", "fr"),
    ],
)
def test_corpus_excerpts(name: str, language: str) -> None:
    text = body(name)
    middle = max(0, len(text) // 2 - MAX_CHARS // 2)
    assert detect_language(text[middle : middle + MAX_CHARS]) == language
