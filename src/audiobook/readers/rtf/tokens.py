"""RTF's tokens read without recursion and within bounds: groups, control words, control
symbols and text, the text decoded from its code page; parse.py says what they mean.

Our own, not a library's: striprtf (BSD) is a regex pass that keeps no paragraph styles, so no
chapters, and decodes `\\'hh` without the font's code page; rtfparse builds a recursive
in-memory tree, writes logs under ~/rtfparse and renders only HTML encapsulated in RTF. RTF
itself is small: groups `{...}` that save and restore the formatting, control words
`\\word-12`, control symbols `\\~`, and text; a destination (`\\fonttbl`, `\\footnote`,
`{\\*\\anything}`) says where a group's text goes.

Untrusted input: the groups are an explicit stack, at most MAX_DEPTH deep; at most MAX_READ
bytes are read token by token. A group that is not read (a picture, a theme, the revision
table) is passed over by a brace scanner: a 50 MB picture costs one regex search, not a
million tokens. A file that ends inside an open group is refused: it was cut short, and a
producer would rather hear that now than find the last chapter missing from the audiobook.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from audiobook.core.errors import InputError

MAX_DEPTH = 1000  # groups inside groups: real documents stay under 50
# Bytes read token by token (what is not skipped): a long novel saved by Word is about 15 MB;
# past this it is not one book, and reading it would take minutes.
MAX_READ = 24 << 20
HINT = "open it in the program that made it and save it again as RTF, or as DOCX"
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # a control word and its parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the current code page
    rb"|\\([^a-zA-Z'])"  # a control symbol: \~ \- \_ \* \{ \} \\ and \<newline> (a \par)
    rb"|([{}])"
    rb"|([^\\{}\r\n]+)"  # text
    rb"|[\r\n]+|\\'?"  # line ends mean nothing in RTF; a stray backslash neither
)
_SKIP = re.compile(rb"\\bin(\d{1,10}) ?|\\.|[{}]", re.S)
_CUT_SHORT = "ends inside an open group: the file is cut short (truncated?)"


class State:
    """What a group sets, restored when it closes."""

    __slots__ = ("deleted", "dest", "field", "font", "hidden", "intbl", "lang", "outer",
                 "outline", "owner", "sink", "style", "sup", "toc", "uc", "upr_child")  # fmt: skip

    def __init__(self) -> None:
        self.dest = "body"  # where its text goes
        self.sink: list[str] = []  # what a captured destination's text is kept in
        self.owner = False  # this group opened its destination (and finishes it)
        self.outer = "body"  # the destination around it
        self.uc = 1  # bytes of fallback after each \uN
        self.font = -1  # -1: the default font
        self.sup = self.hidden = self.intbl = self.toc = False
        self.deleted = False  # a tracked change's deleted text: read as accepted, so not at all
        self.upr_child = False  # a group in an \upr: read only if it is {\*\ud ...}
        self.lang = 0
        self.style = 0
        self.outline: int | None = None
        self.field: list[str] | None = None  # the instruction of the field being read

    def copy(self) -> State:
        new = State.__new__(State)
        for name in State.__slots__:
            setattr(new, name, getattr(self, name))
        new.owner = new.upr_child = False
        return new


class Tokenizer:
    """The token loop; a subclass says what the words mean, by the hooks below. Words outside
    MEANT change nothing said and are passed over at once (most of Word's are formatting)."""

    MEANT: frozenset[bytes] = frozenset()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._bytes = bytearray()  # text and \'hh bytes not yet decoded
        self._bytes_codec = "cp1252"
        self._fallback = 0  # bytes still to skip after a \uN
        self._high = ""  # a high surrogate waiting for its low half
        self._skipped = 0  # bytes passed over unread

    def error(self, message: str) -> InputError:
        return InputError(message, path=self.path, hint=HINT)

    # -- hooks -------------------------------------------------------------------------------

    def open_group(self, parent: State) -> State:
        return parent.copy()

    def close_group(self, state: State) -> None:
        """STATE's group has ended."""

    def word(self, word: str, n: int | None, state: State, starred: bool, depth: int) -> bool:
        """Apply a control word; False skips the rest of its group unread."""
        return True

    def symbol(self, symbol: str, state: State) -> None:
        """A control symbol other than \\* and \\'."""

    def text(self, text: str, state: State) -> None:
        """Decoded text."""

    def codec(self, state: State) -> str:
        """The codec of the bytes of text in STATE."""
        return "cp1252"

    # -- the loop ----------------------------------------------------------------------------

    def tokens(self, data: bytes, pos: int) -> State:
        """Read the group that starts at POS; the state in force at its end."""
        state = State()
        stack: list[State] = []
        fresh = starred = False  # the last token opened a group; the group began with \*
        count = 0  # tokens read: the size read is checked every 65,536 of them
        while True:  # once, and again after each jump over unread bytes
            for m in _TOKEN.finditer(data, pos):
                count += 1
                if not count & 0xFFFF and m.end() - self._skipped > MAX_READ:
                    raise self.error(
                        f"holds more than {MAX_READ >> 20} MB of text and formatting: not a book"
                    )
                kind = m.lastindex or 7  # 2 is a control word with its number
                if kind == 7:
                    continue  # a line end (RTF ignores them), a stray backslash
                opened, fresh = fresh, False
                star, starred = starred, False
                if kind == 6:
                    self._add_bytes(m.group(6), state)
                    continue
                if kind == 3:
                    self._add_bytes(bytes((int(m.group(3), 16),)), state)
                    continue
                if self._bytes:
                    self._flush(state)
                if kind == 5:
                    self._fallback = 0  # a brace ends a \uN's fallback
                    if m.group(5) == b"{":
                        if len(stack) >= MAX_DEPTH:
                            raise self.error(
                                f"nests groups more than {MAX_DEPTH} deep: not a document"
                            )
                        stack.append(state)
                        state = self.open_group(state)
                        fresh = True
                        continue
                elif self._fallback:
                    self._fallback -= 1  # a control word or symbol in the fallback counts as one
                    continue
                elif kind <= 2:
                    raw = m.group(1)
                    if raw not in self.MEANT and not star and not state.upr_child:
                        continue
                    number = int(m.group(2)) if m.group(2) else None
                    if raw == b"u" and number is not None:
                        self._unicode(number + 65536 if number < 0 else number, state)
                        self._fallback = state.uc
                        continue
                    if raw == b"bin" and number and number > 0:
                        pos = min(len(data), m.end() + number)  # binary data: never text
                        self._skipped += pos - m.end()
                        break
                    if self.word(raw.decode("ascii"), number, state, star, len(stack)):
                        continue
                    pos = self._skip_group(data, m.end(), len(stack))
                    self._skipped += pos - m.end()
                    state = self._end_group(state, stack)
                    if not stack:
                        return state
                    break
                else:
                    symbol = m.group(4).decode("latin-1")
                    if symbol == "*":
                        starred = opened  # {\*\x}: skip the group unless x is known
                    else:
                        self.symbol(symbol, state)
                    continue
                state = self._end_group(state, stack)
                if not stack:
                    return state  # the document's group is closed: what follows is not text
            else:
                raise self.error(_CUT_SHORT)

    def _end_group(self, state: State, stack: list[State]) -> State:
        self.close_group(state)
        return stack.pop()

    def _skip_group(self, data: bytes, pos: int, depth: int) -> int:
        """The position after the end of the group that POS is in, its contents unread."""
        level = 1
        search = _SKIP.search
        while True:
            m = search(data, pos)
            if m is None:
                raise self.error(_CUT_SHORT)
            pos = m.end()
            token = m.group()
            if m.group(1):
                pos = min(len(data), pos + int(m.group(1)))
            elif token == b"{":
                level += 1
                if depth + level > MAX_DEPTH:
                    raise self.error(f"nests groups more than {MAX_DEPTH} deep: not a document")
            elif token == b"}":
                level -= 1
                if not level:
                    return pos

    # -- text --------------------------------------------------------------------------------

    def _add_bytes(self, data: bytes, state: State) -> None:
        if self._fallback:  # the \uN's fallback for readers without Unicode: not read twice
            cut = min(self._fallback, len(data))
            self._fallback -= cut
            data = data[cut:]
            if not data:
                return
        codec = self.codec(state)
        if codec != self._bytes_codec:
            self._flush(state)
            self._bytes_codec = codec
        self._bytes += data

    def _flush(self, state: State) -> None:
        """Decode the bytes read so far (several of them make one character in Chinese or
        Japanese code pages, so they are decoded together)."""
        if self._bytes:
            text = codecs.decode(bytes(self._bytes), self._bytes_codec, "replace")
            self._bytes.clear()
            self.text(text, state)

    def _unicode(self, code: int, state: State) -> None:
        char = chr(code)
        if 0xD800 <= code < 0xDC00:
            self._high = char
            return
        if 0xDC00 <= code < 0xE000 and self._high:
            char = (self._high + char).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        elif 0xDC00 <= code < 0xE000:
            char = "\ufffd"
        self._high = ""
        self.text(char, state)
