"""The heteronyms handled and the IPA of each of their senses, in espeak-ng's style for en-us
and en-gb (heteronyms.py chooses the sense).

Each sense's IPA was taken from espeak-ng itself by phonemising the word where it says that
sense ("to record", "a record"), and checked by hand; the few senses it never says (minute
"tiny", content "satisfied", excuse and subject as verbs, US graduate the verb) are written in
its style. Endings (-s, -ed) are added as espeak-ng says them.
"""

from __future__ import annotations

# The lower-case words (as written, inflections included) whose sense is chosen here.
HETERONYMS: frozenset[str] = frozenset({
    "read", "lead", "leads", "live", "lives", "tear", "tears", "wind", "winds", "bow", "bows",
    "bowed", "close", "closes", "wound", "minute", "object", "objects", "record", "records",
    "present", "presents", "desert", "deserts", "content", "refuse", "polish", "use", "uses",
    "excuse", "excuses", "produce", "project", "projects", "conduct", "conducts", "contract",
    "contracts", "permit", "permits", "subject", "subjects", "perfect", "separate", "separates",
    "estimate", "estimates", "moderate", "deliberate", "graduate", "graduates", "dove",
    "entrance", "entrances", "invalid", "invalids", "sow", "sows", "house",
})  # fmt: skip

# headword -> sense -> (en-us IPA, en-gb IPA) of the uninflected word, as espeak-ng writes it.
SENSES: dict[str, dict[str, tuple[str, str]]] = {
    "read": {"present": ("ɹˈiːd", "ɹˈiːd"), "past": ("ɹˈɛd", "ɹˈɛd")},
    "lead": {"guide": ("lˈiːd", "lˈiːd"), "metal": ("lˈɛd", "lˈɛd")},
    "live": {"verb": ("lˈɪv", "lˈɪv"), "adj": ("lˈaɪv", "lˈaɪv")},
    "lives": {"verb": ("lˈɪvz", "lˈɪvz"), "noun": ("lˈaɪvz", "lˈaɪvz")},
    "tear": {"cry": ("tˈɪɹ", "tˈiə"), "rip": ("tˈɛɹ", "tˈeə")},
    "wind": {"air": ("wˈɪnd", "wˈɪnd"), "coil": ("wˈaɪnd", "wˈaɪnd")},
    "bow": {"bend": ("bˈaʊ", "bˈaʊ"), "arc": ("bˈoʊ", "bˈəʊ")},
    "close": {"near": ("klˈoʊs", "klˈəʊs"), "shut": ("klˈoʊz", "klˈəʊz")},
    "wound": {"injury": ("wˈuːnd", "wˈuːnd"), "wind": ("wˈaʊnd", "wˈaʊnd")},
    "minute": {"time": ("mˈɪnɪt", "mˈɪnɪt"), "tiny": ("maɪnˈuːt", "maɪnjˈuːt")},
    "object": {"noun": ("ˈɑːbdʒɛkt", "ˈɒbdʒɛkt"), "verb": ("ɑːbdʒˈɛkt", "ɒbdʒˈɛkt")},
    "record": {"noun": ("ɹˈɛkɚd", "ɹˈɛkɔːd"), "verb": ("ɹᵻkˈɔːɹd", "ɹɪkˈɔːd")},
    "present": {"noun": ("pɹˈɛzənt", "pɹˈɛzənt"), "verb": ("pɹɪzˈɛnt", "pɹɪzˈɛnt")},
    "desert": {"noun": ("dˈɛzɚt", "dˈɛzət"), "verb": ("dᵻzˈɜːt", "dɪzˈɜːt")},
    "content": {"noun": ("kˈɑːntɛnt", "kˈɒntɛnt"), "adj": ("kəntˈɛnt", "kəntˈɛnt")},
    "refuse": {"verb": ("ɹᵻfjˈuːz", "ɹɪfjˈuːz"), "noun": ("ɹˈɛfjuːs", "ɹˈɛfjuːs")},
    "polish": {"shine": ("pˈɑːlɪʃ", "pˈɒlɪʃ"), "nation": ("pˈoʊlɪʃ", "pˈəʊlɪʃ")},
    "use": {"noun": ("jˈuːs", "jˈuːs"), "verb": ("jˈuːz", "jˈuːz")},
    "excuse": {"noun": ("ɛkskjˈuːs", "ɛkskjˈuːs"), "verb": ("ɛkskjˈuːz", "ɛkskjˈuːz")},
    "produce": {"verb": ("pɹədˈuːs", "pɹədjˈuːs"), "noun": ("pɹˈɑːduːs", "pɹˈɒdjuːs")},
    "project": {"noun": ("pɹˈɑːdʒɛkt", "pɹˈɒdʒɛkt"), "verb": ("pɹədʒˈɛkt", "pɹədʒˈɛkt")},
    "conduct": {"noun": ("kˈɑːndʌkt", "kˈɒndʌkt"), "verb": ("kəndˈʌkt", "kəndˈʌkt")},
    "contract": {"noun": ("kˈɑːntɹækt", "kˈɒntɹakt"), "verb": ("kəntɹˈækt", "kəntɹˈakt")},
    "permit": {"verb": ("pɚmˈɪt", "pəmˈɪt"), "noun": ("pˈɜːmɪt", "pˈɜːmɪt")},
    "subject": {"noun": ("sˈʌbdʒɛkt", "sˈʌbdʒɛkt"), "verb": ("səbdʒˈɛkt", "səbdʒˈɛkt")},
    "perfect": {"adj": ("pˈɜːfɛkt", "pˈɜːfɛkt"), "verb": ("pɚfˈɛkt", "pəfˈɛkt")},
    "separate": {"adj": ("sˈɛpɹət", "sˈɛpɹət"), "verb": ("sˈɛpɚɹˌeɪt", "sˈɛpəɹˌeɪt")},
    "estimate": {"noun": ("ˈɛstᵻmət", "ˈɛstɪmət"), "verb": ("ˈɛstᵻmˌeɪt", "ˈɛstɪmˌeɪt")},
    "moderate": {"adj": ("mˈɑːdɚɹət", "mˈɒdəɹət"), "verb": ("mˈɑːdɚɹˌeɪt", "mˈɒdəɹˌeɪt")},
    "deliberate": {"adj": ("dᵻlˈɪbɚɹət", "dɪlˈɪbəɹət"), "verb": ("dᵻlˈɪbɚɹˌeɪt", "dɪlˈɪbəɹˌeɪt")},
    # espeak-ng says the US verb ɡɹˈædjuːˌeɪt beside its noun ɡɹˈædʒuːət: dʒ for both.
    "graduate": {"noun": ("ɡɹˈædʒuːət", "ɡɹˈadjuːət"), "verb": ("ɡɹˈædʒuːˌeɪt", "ɡɹˈadjuːˌeɪt")},
    "dove": {"bird": ("dˈʌv", "dˈʌv"), "dived": ("dˈoʊv", "dˈəʊv")},
    "entrance": {"noun": ("ˈɛntɹəns", "ˈɛntɹəns"), "verb": ("ɛntɹˈæns", "ɛntɹˈans")},
    "invalid": {"void": ("ɪnvˈælɪd", "ɪnvˈalɪd"), "sick": ("ˈɪnvəlɪd", "ˈɪnvəlɪd")},
    "sow": {"seed": ("sˈoʊ", "sˈəʊ"), "pig": ("sˈaʊ", "sˈaʊ")},
    "house": {"noun": ("hˈaʊs", "hˈaʊs"), "verb": ("hˈaʊz", "hˈaʊz")},
}  # fmt: skip

# Every form: its headword and its ending ("", "s" or "ed").
FORMS: dict[str, tuple[str, str]] = {
    **{word: (word, "") for word in SENSES},
    "leads": ("lead", "s"), "tears": ("tear", "s"), "winds": ("wind", "s"),
    "bows": ("bow", "s"), "bowed": ("bow", "ed"), "closes": ("close", "s"),
    "objects": ("object", "s"), "records": ("record", "s"), "presents": ("present", "s"),
    "deserts": ("desert", "s"), "uses": ("use", "s"), "excuses": ("excuse", "s"),
    "projects": ("project", "s"), "conducts": ("conduct", "s"), "contracts": ("contract", "s"),
    "permits": ("permit", "s"), "subjects": ("subject", "s"), "separates": ("separate", "s"),
    "estimates": ("estimate", "s"), "graduates": ("graduate", "s"),
    "entrances": ("entrance", "s"), "invalids": ("invalid", "s"), "sows": ("sow", "s"),
}  # fmt: skip

_SIBILANTS = ("s", "z", "ʃ", "ʒ")  # tʃ and dʒ end in ʃ and ʒ
_VOICELESS = ("p", "t", "k", "f", "θ", "s", "ʃ")


def _inflect(ipa: str, ending: str, us: bool) -> str:
    """IPA with an -s or -ed ending as espeak-ng says it (ᵻ in en-us, ɪ in en-gb)."""
    weak = "ᵻ" if us else "ɪ"
    if ending == "s":
        if ipa.endswith(_SIBILANTS):
            return ipa + weak + "z"
        return ipa + ("s" if ipa.endswith(_VOICELESS) else "z")
    if ending == "ed":
        if ipa.endswith(("t", "d")):
            return ipa + weak + "d"
        return ipa + ("t" if ipa.endswith(_VOICELESS) else "d")
    return ipa


def is_us(language: str) -> bool | None:
    """True for American English, False for the other English voices (espeak-ng's "en" is
    British), None for a language that is not English."""
    name = language.lower().replace("_", "-")
    if name != "en" and not name.startswith("en-"):
        return None
    return name.startswith("en-us")


def sense_ipa(word: str, sense: str, language: str = "en-us") -> str:
    """The IPA of WORD (a form in HETERONYMS) in SENSE (a label of its headword in SENSES), for
    LANGUAGE's dialect."""
    headword, ending = FORMS[word.lower()]
    us = is_us(language)
    if us is None:
        raise ValueError(f"heteronyms are English only, not {language!r}")
    pair = SENSES[headword][sense]
    return _inflect(pair[0] if us else pair[1], ending, us)
