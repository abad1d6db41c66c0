"""Which language a manuscript is written in, when neither the book nor book.toml says.

A statistical detector, py3langid (langid.py's naive Bayes model over byte n-grams, BSD-3-Clause),
replaces a hand-made stop-word list: its model ships inside the package (4.6 MB wheel, nothing
downloaded at run time), it knows ~140 languages, about 90 of them spoken by eSpeak NG, and it is
deterministic (plain arithmetic, no sampling). lingua-language-detector was measured too: as
accurate on book-length text, but a 96 MB wheel, 40 ms a call instead of 8, and 0.9-1.3 GB
resident instead of ~75 MB. bench/language.py measures this one.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# A 40,000-character sample is a few thousand words: past that a book's language is already
# certain, and the detector's cost grows with the length (8-10 ms for 40,000 characters).
MAX_CHARS = 40_000
# Fewer words than this is too little evidence: on 5-word windows of the corpus books the
# detector is wrong 1 time in 90, on 10-word windows and longer it was never wrong.
MIN_WORDS = 20
# The lowest normalised probability accepted. Measured on 20-word windows of paragraphs in 18
# languages: every answer was right, the lowest scoring 0.75 (Norwegian, next to Danish and
# Nynorsk; then Danish, Russian and Spanish, 0.88-0.89); wrong answers, on 5-word windows of the
# corpus books, scored 0.47 at most; text that is no language (names, numbers, punctuation) 0.11
# at most. 40,000 characters of a book score 1.0.
MIN_PROBABILITY = 0.7

# Letters, and the characters of the scripts written without spaces between words (Thai, Lao,
# Myanmar, Khmer, kana, CJK ideographs), each of which counts as a word: a page of Chinese has
# no spaces but is no less a text.
_WORD = re.compile(r"[^\W\d_]+")
_UNSPACED = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)

# The model's labels are ISO 639-1 where the language has a code, else ISO 639-3. Regional
# varieties fold into the ISO 639-1 language whose voice reads them best; the rest (Acehnese,
# Kabyle, Ligurian, "zxx" for no linguistic content...) have no such code and give None.
# "no" becomes "nb": eSpeak NG's Norwegian voice is Bokmål, and says only "nb" through pyttsx3.
_TO_ISO_639_1 = {
    "no": "nb",  # Norwegian: the model's Bokmål (Nynorsk is "nn")
    "ary": "ar",  # Moroccan Arabic
    "arz": "ar",  # Egyptian Arabic
    "uzs": "uz",  # Southern Uzbek
    "gug": "gn",  # Paraguayan Guaraní
    "grc": "el",  # Ancient Greek
    "hbo": "he",  # Ancient Hebrew
    "wuu": "zh",  # Wu Chinese
    "yue": "zh",  # Cantonese
}


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of TEXT's language, or None when TEXT is too short or too uncertain.

    Reads at most the first MAX_CHARS characters. The code is lower case ("en", "ru", "el"),
    like what book.toml and Project Gutenberg's Language line are turned into, so the voice
    lookup treats a detected language like a declared one. None asks the caller for its default.
    """
    text = text[:MAX_CHARS]
    if _word_count(text) < MIN_WORDS:
        return None
    code, probability = _identifier().classify(text)
    if probability < MIN_PROBABILITY:
        return None
    code = _TO_ISO_639_1.get(code, code)
    return code if len(code) == 2 else None


def _word_count(text: str) -> int:
    unspaced = len(_UNSPACED.findall(text))
    return len(_WORD.findall(_UNSPACED.sub(" ", text) if unspaced else text)) + unspaced


@functools.cache
def _identifier() -> LanguageIdentifier:
    """The detector, loaded on first use and kept: only a book with no declared language needs it.

    Importing py3langid costs ~45 ms (numpy is already in); loading its model 0.45-0.6 s and
    ~75 MB resident (105 MB at the peak, and a 68 MB temporary file while it decompresses), too
    much to pay at import time for the many books that declare their language. norm_probs turns
    the naive Bayes scores into probabilities that sum to 1, which MIN_PROBABILITY is measured in.
    """
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
