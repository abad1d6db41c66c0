"""RTF to a flat run of items: each paragraph of the body with what it is (a heading by its
style or outline level, the book's title, a table, a table of contents), the footnotes, and
what is not read aloud, with the reason. rtf.py makes the Book from them.

tokens.py reads the tokens within bounds; here is what they mean. A destination's text
goes where the destination says: into the paragraph (the body, a field's result), into a
note, a comment, a page header or footer, a text box (all listed as not spoken), into the
document's metadata (\\info's title and author), or nowhere (the font table, a field's
instruction, pictures, hidden text is listed). A footnote's mark in the text is not said.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.core.errors import InputError
from audiobook.readers.html_blocks import Heading, Item, Omitted, Text
from audiobook.readers.rtf.tables import (
    CHARS,
    CHARSETS,
    SKIPPED,
    SYMBOLS,
    codec_for,
    heading_number,
    language_of,
    titled,
)
from audiobook.readers.rtf.tokens import HINT, State, Tokenizer

# Paragraphs and other items: a long novel has 20,000 paragraphs, a dialogue-heavy one of a
# million words 100,000; a file of a million one-letter paragraphs would take gigabytes.
MAX_ITEMS = 300_000
# Characters of text kept: War and Peace is 3 MB; 16 MB of text would cost gigabytes later.
MAX_TEXT = 16 << 20
_SPACE = re.compile(r"[^\S\n]+")
_CONTENTS = re.compile(r"^(toc|contents) [1-9]$", re.I)  # the styles of a table of contents
# Destinations whose text is kept apart: the reason it is not read (or what it is for).
_CAPTURED = {
    "footnote": "footnote", "annotation": "comment", "shptxt": "text box",
    "header": "page header", "headerl": "page header", "headerr": "page header",
    "headerf": "page header", "footer": "page footer", "footerl": "page footer",
    "footerr": "page footer", "footerf": "page footer", "listtext": "list", "pntext": "list",
}  # fmt: skip
# Destinations read for their control words, their text ignored.
_IGNORED = {"fonttbl", "stylesheet", "info", "upr", "shp", "shpinst"}
_STARRED_READ = {"annotation", "fldinst", "ud", "shpinst", "footnote"}  # {\*\x} to read
_ENDS_PARAGRAPH = {"par", "sect", "page", "column", "cell", "nestcell", "row", "nestrow"}
_FORMAT = ("uc", "f", "plain", "pard", "s", "outlinelevel", "intbl", "itap", "super", "deleted",
           "nosupersub", "sub", "v", "lang", "field", "fldinst", "fldrslt", "ansicpg", "mac",
           "pc", "pca", "deff", "deflang", "fcharset", "cpg", "sbasedon", "title", "author",
           "ud")  # fmt: skip


@dataclass
class Parsed:
    items: list[Item]
    notes: dict[str, str] = field(default_factory=dict)
    title: str = ""  # the document's \info title, else its first paragraph in a Title style
    author: str = ""
    language: str = ""  # a language tag from the body's \lang, else \deflang


def parse_rtf(data: bytes, path: Path) -> Parsed:
    """DATA (the RTF file PATH) as items; InputError for what is not RTF or is cut short."""
    start = data.find(b"{")
    if start < 0 or not data[start:].startswith(b"{\\rtf"):
        raise InputError("not an RTF file (it does not begin with {\\rtf)", path=path, hint=HINT)
    return _Interpreter(path).parse(data, start)


class _Interpreter(Tokenizer):
    MEANT = frozenset(
        w.encode()
        for w in (*CHARS, *SKIPPED, *_CAPTURED, *_IGNORED, *_ENDS_PARAGRAPH, *_FORMAT, "u", "bin")
    )

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.items: list[Item] = []
        self.notes: dict[str, str] = {}
        self.codepage = "cp1252"
        self.deff = 0
        self.deflang = 0
        self.fonts: dict[int, str] = {}  # font number -> codec, from \fcharset or \cpg
        self.styles: dict[int, tuple[str, int | None, int | None]] = {}  # name, outline, based on
        self.info: dict[str, str] = {}
        self.title_style = ""
        self.langs: Counter[int] = Counter()  # characters of the body by \lang
        self._font_entry = 0
        self._style_entry: list[int | None] = [0, None, None]  # number, outline, based on
        # The paragraph being read.
        self._pieces: list[tuple[str, bool]] = []  # (text, superscript)
        self._hidden: list[str] = []
        self._refs: list[str] = []
        self._after: list[Item] = []  # what is listed after it (its footnotes, comments)
        self._toc = False
        self._table: list[str] = []  # the table being read, cell by cell
        self._chars = 0  # of text read

    def parse(self, data: bytes, start: int) -> Parsed:
        state = self.tokens(data, start)
        self._end_paragraph(state)  # the last one may have no \par
        self._flush_table()
        body_lang = next((lang for lang, _ in self.langs.most_common() if lang), 0)
        return Parsed(
            self.items,
            self.notes,
            title=self.info.get("title", "") or self.title_style,
            author=self.info.get("author", ""),
            language=language_of(body_lang or self.deflang),
        )

    # -- groups ------------------------------------------------------------------------------

    def open_group(self, parent: State) -> State:
        state = parent.copy()
        if parent.dest == "stylesheet":  # each entry of the style sheet is a group
            self._style_entry = [0, None, None]
            self._capture(state, "style")
        elif parent.dest == "upr":  # {\upr{ANSI text}{\*\ud{Unicode text}}}: the second
            state.upr_child = True
        return state

    def close_group(self, state: State) -> None:
        if not state.owner:
            return
        text = _clean("".join(state.sink))
        dest = state.dest
        if dest == "footnote":
            if text:
                note = f"rtf-note-{len(self.notes) + 1}"
                self.notes[note] = text
                self._refs.append(note)
                self._after.append(Omitted("footnote", text))
        elif dest == "comment" and text:
            self._after.append(Omitted("comment", text))
        elif dest in ("page header", "page footer", "text box") and text:
            self.items.append(Omitted(dest, text))
        elif dest in ("title", "author"):
            self.info.setdefault(dest, text)
        elif dest == "list" and state.outer == "body" and any(c.isalnum() for c in text):
            self._pieces.append((text + " ", False))  # "1." is said; a bullet is not
        elif dest == "style":
            number, outline, based = self._style_entry
            self.styles.setdefault(number or 0, (text.rstrip(";").strip(), outline, based))

    def _capture(self, state: State, dest: str) -> None:
        state.outer = state.dest
        state.dest, state.sink, state.owner = dest, [], True

    # -- control words -----------------------------------------------------------------------

    def word(self, word: str, n: int | None, state: State, starred: bool, depth: int) -> bool:
        if depth < 2:  # the document's own group: no destination here
            return self._format(word, n, state)
        if state.upr_child:
            state.upr_child = False
            if not (starred and word == "ud"):
                return False
            state.dest = state.outer
            return True
        if (starred and word not in _STARRED_READ) or word in SKIPPED:
            return False
        dest = state.dest
        if word in _CAPTURED:
            if word == "footnote":
                self._drop_reference_mark()
            self._capture(state, _CAPTURED[word])
        elif word in _IGNORED:
            state.outer = dest
            state.dest = "shp" if word == "shpinst" else word
        elif dest == "fonttbl":
            if word == "f" and n is not None:
                self._font_entry = n
            elif word in ("fcharset", "cpg") and n is not None:
                codec = CHARSETS.get(n) if word == "fcharset" else codec_for(n)
                if codec:
                    self.fonts[self._font_entry] = codec
        elif dest == "style":
            if word in ("s", "outlinelevel", "sbasedon"):
                self._style_entry[("s", "outlinelevel", "sbasedon").index(word)] = n
        elif dest == "info":
            if word in ("title", "author"):
                self._capture(state, word)
        else:
            return self._format(word, n, state)
        return True

    def _format(self, word: str, n: int | None, state: State) -> bool:
        if word in CHARS:
            self.text(CHARS[word], state)
        elif word in _ENDS_PARAGRAPH:
            if state.dest == "body":
                self._end_paragraph(state, cell=word in ("cell", "nestcell", "row", "nestrow"))
            else:
                self.text(" ", state)
        elif word == "uc":
            state.uc = max(0, n or 0)
        elif word == "f":
            state.font = n if n is not None else -1
        elif word == "plain":
            state.font, state.sup, state.hidden, state.lang = -1, False, False, self.deflang
            state.deleted = False
        elif word == "pard":
            state.style, state.outline, state.intbl = 0, None, False
        elif word == "s":
            state.style = n or 0
        elif word == "outlinelevel":
            state.outline = n
        elif word == "intbl" or (word == "itap" and n):
            state.intbl = True
        elif word in ("super", "nosupersub", "sub"):
            state.sup = word == "super"
        elif word == "v":
            state.hidden = n != 0
        elif word == "deleted":
            state.deleted = n != 0
        elif word == "lang":
            state.lang = n or 0
        elif word == "field":
            state.field = []
        elif word == "fldinst":  # the field's instruction (HYPERLINK, TOC, PAGE): not text
            state.dest, state.sink = "fldinst", state.field if state.field is not None else []
        elif word == "fldrslt":  # the field's result: text, but a table of contents' is not
            instruction = "".join(state.field or ()).split()
            state.toc = state.toc or instruction[:1] == ["TOC"]
        elif word == "ansicpg" and n:
            self.codepage = codec_for(n) or self.codepage
        elif word in ("mac", "pc", "pca"):
            self.codepage = {"mac": "mac_roman", "pc": "cp437", "pca": "cp850"}[word]
        elif word == "deff" and n is not None:
            self.deff = n
        elif word == "deflang" and n:
            self.deflang = n
        return True

    def symbol(self, symbol: str, state: State) -> None:
        if symbol in "\r\n":  # a backslash at a line's end is a \par (TextEdit writes them)
            self._format("par", None, state)
        elif symbol in SYMBOLS:
            self.text(SYMBOLS[symbol], state)
        elif symbol in "\\{}":
            self.text(symbol, state)

    # -- text --------------------------------------------------------------------------------

    def codec(self, state: State) -> str:
        return self.fonts.get(self.deff if state.font < 0 else state.font) or self.codepage

    def text(self, text: str, state: State) -> None:
        if state.deleted:
            return
        self._chars += len(text)
        if self._chars > MAX_TEXT:
            raise self.error(f"holds more than {MAX_TEXT >> 20} MB of text: not one book")
        dest = state.dest
        if dest == "body":
            if state.hidden:
                self._hidden.append(text)
                return
            self._pieces.append((text, state.sup))
            self._toc = self._toc or state.toc
            self.langs[state.lang] += len(text)
        elif dest in ("footnote", "comment", "page header", "page footer", "text box", "list"):
            if not (state.sup or state.hidden):  # a footnote's own mark is not said
                state.sink.append(text)
        elif dest in ("title", "author", "style", "fldinst"):
            state.sink.append(text)

    def _drop_reference_mark(self) -> None:
        """A footnote's mark in the text ("1", "*" set in superscript) is not said."""
        pieces = self._pieces
        end = len(pieces)
        while end and not pieces[end - 1][1] and not pieces[end - 1][0].strip():
            end -= 1
        start = end
        while start and pieces[start - 1][1]:
            start -= 1
        del pieces[start:end]

    # -- paragraphs --------------------------------------------------------------------------

    def _end_paragraph(self, state: State, cell: bool = False) -> None:
        if not (self._pieces or self._hidden or self._after or self._table):
            return  # an empty paragraph: nothing to do, fast (a file of a million \par)
        text = _clean("".join(t for t, _ in self._pieces))
        hidden = _clean("".join(self._hidden))
        if state.intbl or cell:
            if text:
                self._table.append(text)
        else:
            self._flush_table()
            if text and self._toc:
                self.items.append(Omitted("table of contents", text))
            elif text:
                self.items.append(self._paragraph(text, state))
        if hidden:
            self.items.append(Omitted("hidden text", hidden))
        self.items += self._after
        if len(self.items) > MAX_ITEMS:
            raise self.error(f"holds more than {MAX_ITEMS:,} paragraphs: not one book")
        self._pieces, self._hidden, self._refs, self._after = [], [], [], []
        self._toc = False

    def _paragraph(self, text: str, state: State) -> Item:
        level = self._heading_level(state)
        if level is not None:
            return Heading(level, text.replace("\n", " "))
        style = self.styles.get(state.style, ("", None, None))[0]
        if titled(style):
            self.title_style = self.title_style or text.replace("\n", " ")
            return Omitted("the book's title (said in the opening credits)", text)
        if _CONTENTS.match(style):  # Word's "toc 1", LibreOffice's "Contents 1"
            return Omitted("table of contents", text)
        return Text(text, tuple(self._refs))

    def _heading_level(self, state: State) -> int | None:
        """1-9 for a heading, by the paragraph's outline level, else its style's (or that of
        the style it is based on), else its style's name ("heading 1")."""
        if state.outline is not None:
            return state.outline + 1 if 0 <= state.outline <= 8 else None
        number: int | None = state.style
        for _ in range(10):
            if number is None or number not in self.styles:
                return None
            name, outline, based = self.styles[number]
            if outline is not None:
                return outline + 1 if 0 <= outline <= 8 else None
            if (level := heading_number(name)) is not None:
                return level
            number = based if based != number else None
        return None

    def _flush_table(self) -> None:
        if self._table:
            self.items.append(Omitted("table", " ".join(self._table)))
            self._table = []


def _clean(text: str) -> str:
    """Spaces collapsed, line breaks (\\line) kept as one newline each."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
