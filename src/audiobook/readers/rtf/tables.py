"""What RTF's words mean, as data for parse.py: the characters control words stand for, the
code pages of font character sets, the destinations that hold no text of the book, style names
that make a heading or the title (in the languages Word and LibreOffice are localised to), and
the languages of Windows' LCIDs.
"""

from __future__ import annotations

import codecs
import re

# Control words that stand for a character (\line is kept as a line break: a verse's line, or
# a title's second line, which the text reader's chapter finding looks at line by line).
CHARS = {
    "emdash": "\u2014", "endash": "\u2013", "lquote": "\u2018", "rquote": "\u2019",
    "ldblquote": "\u201c", "rdblquote": "\u201d", "bullet": "\u2022", "tab": " ",
    "emspace": " ", "enspace": " ", "qmspace": " ", "line": "\n", "lbr": "\n",
    "zwj": "", "zwnj": "", "zwbo": "", "zwnbo": "", "ltrmark": "", "rtlmark": "",
}  # fmt: skip
# Control symbols: a non-breaking space, an optional (soft) hyphen, which is not said, and a
# non-breaking hyphen, said as a hyphen (the engines know "-", not U+2011).
SYMBOLS = {"~": "\u00a0", "-": "", "_": "-", "\t": " "}

# Destinations whose groups hold nothing of the book: tables of the document's set-up,
# pictures and objects, index and table-of-contents entries (their text is the headings'
# again), footnote separators, and the old renderings of shapes and nested tables that Word
# writes for readers that do not know them (the text is read once, from the real thing).
_SKIPPED_WORDS = """
    colortbl pict object objdata result nonshppict shppict shprslt listtable listoverridetable
    revtbl rsidtbl filetbl pgdsctbl xmlnstbl themedata colorschememapping latentstyles
    datastore generator pn pntxta pntxtb tc tcn xe txe rxe bkmkstart bkmkend template docvar
    userprops private ftnsep ftnsepc ftncn aftnsep aftnsepc aftncn atnid atnauthor atntime
    atnicn atnref atndate atrfstart atrfend background mmathPr wgrffmtfilter defchp defpap
    passwordhash password protusertbl oldcprops oldpprops oldtprops oldsprops listpicture
    nonesttables keywords subject doccomm comment operator category manager company hlinkbase
"""
SKIPPED = frozenset(_SKIPPED_WORDS.split())

# \fcharset N -> the code page its \'hh bytes are in (0 and 1: the document's own).
CHARSETS = {
    2: "cp1252", 77: "mac_roman", 128: "cp932", 129: "cp949", 130: "johab", 134: "gbk",
    136: "cp950", 161: "cp1253", 162: "cp1254", 163: "cp1258", 177: "cp1255", 178: "cp1256",
    186: "cp1257", 204: "cp1251", 222: "cp874", 238: "cp1250", 254: "cp437", 255: "cp850",
}  # fmt: skip
_CODE_PAGES = {10000: "mac_roman", 10007: "mac_cyrillic", 10029: "mac_latin2", 20866: "koi8_r",
               21866: "koi8_u", 28591: "latin-1", 65001: "utf-8"}  # fmt: skip


def codec_for(code_page: int) -> str | None:
    """Python's codec for a Windows code page number (\\ansicpg, \\cpg), None if unknown."""
    name = _CODE_PAGES.get(code_page, f"cp{code_page}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# "heading 1" as Word and LibreOffice name it in English, German, French, Spanish, Portuguese,
# Italian, Dutch, Swedish, Danish, Norwegian, Finnish, Polish, Czech, Hungarian, Russian and
# Ukrainian; LibreOffice's "Heading" alone is its level-1 heading.
_HEADING = re.compile(
    r"^(heading|\u00fcberschrift|titre|t\u00edtulo|titulo|titolo|kop|rubrik|overskrift|"
    r"otsikko|nag\u0142\u00f3wek|nadpis|c\u00edmsor|\u0437\u0430\u0433\u043e\u043b\u043e\u0432"
    r"\u043e\u043a)\s*([1-9])$",
    re.I,
)
_TITLE = re.compile(
    r"^(title|titel|titre|t\u00edtulo|titulo|titolo|tytu\u0142|n\u00e1zev|c\u00edm|"
    r"\u043d\u0430\u0437\u0432\u0430\u043d\u0438\u0435)$",
    re.I,
)


def heading_number(style_name: str) -> int | None:
    """1-9 for a style named as a heading ("heading 2" -> 2), else None."""
    m = _HEADING.match(style_name.strip())
    return int(m[2]) if m else None


def titled(style_name: str) -> bool:
    """Whether a paragraph style is the document's title style."""
    return bool(_TITLE.match(style_name.strip()))


# Windows LCIDs -> language tags: a few regional ones (the voices differ), else the primary
# language (the LCID's low 10 bits: WordPad writes 9 for "English"); others give "" and the
# language is detected from the text. 1024 is "no language" (no proofing).
_REGIONAL = {1033: "en-US", 2057: "en-GB", 3081: "en-AU", 4105: "en-CA", 1046: "pt-BR",
             2070: "pt-PT", 2052: "zh-CN", 1028: "zh-TW", 2068: "nn"}  # fmt: skip
_PRIMARY = {
    0x01: "ar", 0x02: "bg", 0x03: "ca", 0x04: "zh", 0x05: "cs", 0x06: "da", 0x07: "de",
    0x08: "el", 0x09: "en", 0x0A: "es", 0x0B: "fi", 0x0C: "fr", 0x0D: "he", 0x0E: "hu",
    0x0F: "is", 0x10: "it", 0x11: "ja", 0x12: "ko", 0x13: "nl", 0x14: "nb", 0x15: "pl",
    0x16: "pt", 0x18: "ro", 0x19: "ru", 0x1A: "hr", 0x1B: "sk", 0x1D: "sv", 0x1E: "th",
    0x1F: "tr", 0x21: "id", 0x22: "uk", 0x24: "sl", 0x25: "et", 0x26: "lv", 0x27: "lt",
    0x29: "fa", 0x2A: "vi", 0x2D: "eu", 0x39: "hi", 0x3C: "ga", 0x3E: "ms", 0x52: "cy",
    0x56: "gl",
}  # fmt: skip


def language_of(lcid: int) -> str:
    """A Windows language id (\\lang, \\deflang) as a language tag, "" if unknown."""
    return _REGIONAL.get(lcid) or _PRIMARY.get(lcid & 0x3FF, "")
