"""The MOBI container, read as untrusted: PalmDB records, the book's headers and metadata, its
text records decompressed, and the INDX tables its navigation and KF8 layout are kept in.

Written from the format's public description (the MobileRead wiki's "MOBI" and "PalmDOC" pages);
KindleUnpack (GPL) was read to check the layout, and none of its code is here, so that the
reader stays in-process and MIT. Every count,
offset and length in the file is checked before it is used; every fault is one InputError that
names the file. The file is read a record at a time, so a large file costs no more memory than
the text it holds, and the text is capped (MAX_TEXT) however much the headers claim.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from audiobook.core.errors import InputError

# The book's markup, decompressed: a long novel is 2-4 MB of it (about 8 bytes a word). Past
# this, the rest of the pipeline would take more than 10 s and 500 MB: 8 MB of dense text is
# some 1.8 million words, 6-7 s.
MAX_TEXT = 8 << 20
MAX_RECORD = 16 << 20  # one record (a cover image is the largest thing in one)
_TEXT_RECORD = 64 << 10  # one text record decompresses to 4 KB; this is far past any real one
_NONE = 0xFFFFFFFF  # "no such record" in the MOBI header
# An index (navigation, KF8 layout) of a long book has a few thousand entries in a few records.
_INDEX_RECORDS = 1_000
_INDEX_ENTRIES = 200_000
_ENCODINGS = {65001: "utf-8", 1252: "cp1252"}
# The locale field's Windows language ids -> codes, for books without an EXTH 524 language.
_LOCALES = {
    0x04: "zh", 0x05: "cs", 0x06: "da", 0x07: "de", 0x08: "el", 0x09: "en", 0x0A: "es",
    0x0B: "fi", 0x0C: "fr", 0x0E: "hu", 0x10: "it", 0x11: "ja", 0x12: "ko", 0x13: "nl",
    0x14: "nb", 0x15: "pl", 0x16: "pt", 0x19: "ru", 0x1D: "sv", 0x1F: "tr", 0x03: "ca",
}  # fmt: skip


def corrupt(path: Path, what: str) -> InputError:
    return InputError(
        f"is not a readable MOBI/AZW3 book ({what})",
        path=path,
        hint="the file is damaged or not an e-book: convert it to EPUB, or export it again",
    )


class PalmDB:
    """A PalmDB file's records, read on demand within the file's bounds."""

    def __init__(self, path: Path, fh: BinaryIO) -> None:
        self.path, self.fh = path, fh
        size = fh.seek(0, 2)
        fh.seek(0)
        head = fh.read(78)
        if len(head) < 78 or head[60:68] not in (b"BOOKMOBI", b"TEXtREAd"):
            raise InputError(
                "is not a MOBI or AZW3 book",
                path=path,
                hint="a Kindle KFX or DRM-protected book cannot be read: convert it to EPUB",
            )
        self.kind = head[60:68]
        (count,) = struct.unpack_from(">H", head, 76)
        table = fh.read(8 * count)
        if count == 0 or len(table) < 8 * count:
            raise corrupt(path, "its record list is cut short")
        starts = [struct.unpack_from(">L", table, 8 * i)[0] for i in range(count)]
        ends = [*starts[1:], size]
        if any(not 78 + 8 * count <= s <= e <= size for s, e in zip(starts, ends, strict=True)):
            raise corrupt(path, "its records point outside the file or backwards")
        self.spans = list(zip(starts, ends, strict=True))

    def __len__(self) -> int:
        return len(self.spans)

    def record(self, n: int, cap: int = MAX_RECORD) -> bytes:
        if not 0 <= n < len(self.spans):
            raise corrupt(self.path, f"record {n} does not exist")
        start, end = self.spans[n]
        if end - start > cap:
            raise corrupt(self.path, f"record {n} is {end - start} bytes long")
        self.fh.seek(start)
        return self.fh.read(end - start)


@contextmanager
def open_palmdb(path: Path) -> Iterator[PalmDB]:
    try:
        with path.open("rb") as fh:
            yield PalmDB(path, fh)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None


@dataclass
class Header:
    """One book's record 0 (the file's first, or a combined file's KF8 part): PalmDOC and MOBI
    headers and EXTH metadata. Record numbers are absolute."""

    start: int  # the record this header is in
    compression: int  # 1 none, 2 PalmDoc, 17480 HUFF/CDIC
    text_length: int
    text_records: int
    encryption: int  # 0 none; 1 and 2 are Mobipocket DRM
    version: int = 0  # 8 for KF8 (AZW3)
    encoding: str = "cp1252"
    title: str = ""
    locale: int = 0
    extra_flags: int = 0  # which trailing entries each text record carries
    first_resource: int | None = None  # the first image record
    ncx: int | None = None  # INDX records (KF8: with fdst, skel and frag)
    fdst: int | None = None
    skel: int | None = None
    frag: int | None = None
    exth: dict[int, list[bytes]] = field(default_factory=dict)

    def meta(self, key: int) -> str:
        values = self.exth.get(key)
        return values[0].decode(self.encoding, "replace").strip() if values else ""

    def meta_int(self, key: int) -> int | None:
        values = self.exth.get(key)
        if not values or len(values[0]) != 4:
            return None
        return int(struct.unpack(">L", values[0])[0])

    @property
    def language(self) -> str:
        return self.meta(524) or _LOCALES.get(self.locale & 0xFF, "")


def read_header(db: PalmDB, start: int) -> Header:
    """The headers in record START."""
    data = db.record(start, 1 << 20)
    if len(data) < 16:
        raise corrupt(db.path, f"record {start} is cut short")
    compression, _, text_length, text_records, _, encryption = struct.unpack_from(">HHLHHH", data)
    header = Header(start, compression, text_length, text_records, encryption)
    if db.kind == b"TEXtREAd":
        return header  # plain PalmDOC: text only
    if data[16:20] != b"MOBI":
        raise corrupt(db.path, f"record {start} has no MOBI header")
    length = _u32(data, 0x14, db.path)
    header.encoding = _ENCODINGS.get(_u32(data, 0x1C, db.path), "cp1252")
    header.version = _u32(data, 0x24, db.path)
    header.locale = _u32(data, 0x5C, db.path)
    name_at, name_length = _u32(data, 0x54, db.path), _u32(data, 0x58, db.path)
    header.title = data[name_at : name_at + min(name_length, 4096)].decode(
        header.encoding, "replace"
    )

    def index(offset: int) -> int | None:
        if offset + 4 > 16 + length:
            return None  # an older, shorter header has no such field
        value = _u32(data, offset, db.path)
        return None if value == _NONE else start + value

    header.first_resource = index(0x6C)
    if length >= 0xE4 and header.version >= 5:
        (header.extra_flags,) = struct.unpack_from(">H", data, 0xF2)
    header.ncx = index(0xF4)
    if header.version >= 8 or start > 0:
        header.frag, header.skel = index(0xF8), index(0xFC)
        header.fdst = index(0xC0) if _u32(data, 0xC4, db.path) > 1 else None
    if _u32(data, 0x80, db.path) & 0x40:
        header.exth = _exth(data, 16 + length, db.path)
    return header


def _exth(data: bytes, at: int, path: Path) -> dict[int, list[bytes]]:
    """EXTH records: type -> values (an author may appear several times)."""
    if data[at : at + 4] != b"EXTH":
        return {}
    count = _u32(data, at + 8, path)
    found: dict[int, list[bytes]] = {}
    at += 12
    for _ in range(min(count, 10_000)):
        if at + 8 > len(data):
            break
        kind, size = struct.unpack_from(">LL", data, at)
        if size < 8 or at + size > len(data):
            break
        found.setdefault(kind, []).append(data[at + 8 : at + size])
        at += size
    return found


def _u32(data: bytes, at: int, path: Path) -> int:
    if at + 4 > len(data):
        raise corrupt(path, "its header is cut short")
    return int(struct.unpack_from(">L", data, at)[0])


# --- text ------------------------------------------------------------------------------------


def read_text(db: PalmDB, header: Header) -> bytes:
    """The book's markup: its text records, trailing entries stripped, decompressed, within the
    length the header declares and MAX_TEXT."""
    if header.compression not in (1, 2):
        what = "HUFF/CDIC" if header.compression == 17480 else f"type {header.compression}"
        raise InputError(
            f"is compressed with {what}, which audiobook does not read",
            path=db.path,
            hint="convert it to EPUB (calibre's ebook-convert does) and read that",
        )
    if header.text_length > MAX_TEXT:
        raise InputError(
            f"declares {header.text_length / 2**20:.0f} MB of text, more than the"
            f" {MAX_TEXT >> 20} MB of one book",
            path=db.path,
            hint="split it into volumes, or convert it to EPUB",
        )
    if header.start + header.text_records >= len(db):
        raise corrupt(db.path, "it has fewer text records than it declares")
    out = bytearray()
    for n in range(header.start + 1, header.start + 1 + header.text_records):
        data = strip_trailing(db.record(n, _TEXT_RECORD), header.extra_flags, db.path)
        if header.compression == 2:
            data = palmdoc(data, _TEXT_RECORD, db.path)
        out += data
        if len(out) > header.text_length + _TEXT_RECORD:
            raise corrupt(db.path, "its text is longer than it declares")
    return bytes(out[: header.text_length])


def strip_trailing(data: bytes, flags: int, path: Path) -> bytes:
    """A text record without the entries appended after its text (for indexing and for a
    character cut by the record's end): bit 0 of FLAGS the latter, each higher bit one more."""
    for _ in range(bin(flags >> 1).count("1")):
        # Each entry ends with its own size, a number written backwards: 7 bits a byte, the
        # byte that begins it marked by its top bit.
        size = 0
        for byte in data[-4:]:
            size = 0 if byte & 0x80 else size
            size = (size << 7) | (byte & 0x7F)
        if size > len(data):
            raise corrupt(path, "a text record's trailing entry is longer than the record")
        data = data[: len(data) - size]
    if flags & 1 and data:
        data = data[: len(data) - ((data[-1] & 3) + 1)]
    return data


def palmdoc(data: bytes, limit: int, path: Path) -> bytes:
    """PalmDoc (LZ77) decompression of one record, refusing a copy from before the start and
    output past LIMIT."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        i += 1
        if c == 0 or 0x09 <= c <= 0x7F:
            out.append(c)
        elif c <= 0x08:  # the next C bytes as they are
            out += data[i : i + c]
            i += c
        elif c >= 0xC0:  # a space and a character
            out += b" "
            out.append(c ^ 0x80)
        else:  # a copy of 3-10 bytes from up to 2047 back
            if i >= n:
                break
            pair = (c << 8) | data[i]
            i += 1
            distance, length = (pair >> 3) & 0x7FF, (pair & 7) + 3
            if not 0 < distance <= len(out):
                raise corrupt(path, "its compressed text refers before its start")
            start = len(out) - distance
            if distance >= length:
                out += out[start : start + length]
            else:  # the copy overlaps what it makes: its last DISTANCE bytes, repeated
                out += (out[start:] * (length // distance + 1))[:length]
        if len(out) > limit:
            raise corrupt(path, "a text record decompresses past any real one")
    return bytes(out)


# --- INDX tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One entry of an INDX table: its name and its tags' values."""

    name: bytes
    tags: dict[int, list[int]]


def read_index(db: PalmDB, first: int) -> tuple[list[Entry], dict[int, bytes]]:
    """The entries of the INDX table whose header is record FIRST, and its strings (CNCX) by
    offset. Faults in it are InputErrors."""
    try:
        return _read_index(db, first)
    except (IndexError, struct.error, ValueError):
        raise corrupt(db.path, f"its index at record {first} is damaged") from None


def _read_index(db: PalmDB, first: int) -> tuple[list[Entry], dict[int, bytes]]:
    head = db.record(first, 1 << 20)
    if head[:4] != b"INDX":
        raise ValueError
    length, records, strings_count = _u32(head, 4, db.path), _u32(head, 24, db.path), 0
    strings_count = _u32(head, 52, db.path)
    if records > _INDEX_RECORDS or strings_count > _INDEX_RECORDS:
        raise ValueError
    if head[length : length + 4] != b"TAGX":
        raise ValueError
    tagx_length, control_bytes = struct.unpack_from(">LL", head, length + 4)
    table = [
        tuple(head[length + at : length + at + 4]) for at in range(12, min(tagx_length, 1024), 4)
    ]
    strings: dict[int, bytes] = {}
    for k in range(strings_count):
        strings.update(_strings(db.record(first + records + 1 + k, 1 << 20), k << 16))
    entries: list[Entry] = []
    for r in range(first + 1, first + 1 + records):
        data = db.record(r, 1 << 20)
        idxt, count = _u32(data, 20, db.path), _u32(data, 24, db.path)
        if data[idxt : idxt + 4] != b"IDXT" or idxt + 4 + 2 * count > len(data):
            raise ValueError
        at = [struct.unpack_from(">H", data, idxt + 4 + 2 * j)[0] for j in range(count)]
        for j, pos in enumerate(at):
            end = at[j + 1] if j + 1 < count else idxt
            name = data[pos + 1 : pos + 1 + data[pos]]
            tags = _tags(data, pos + 1 + data[pos], end, table, control_bytes)
            entries.append(Entry(name, tags))
        if len(entries) > _INDEX_ENTRIES:
            raise ValueError
    return entries, strings


def _tags(
    data: bytes, at: int, end: int, table: list[tuple[int, ...]], control_bytes: int
) -> dict[int, list[int]]:
    """An entry's tag values: control bytes say which tags it has and how many values each;
    the values follow, as forward variable-width numbers."""
    found: list[tuple[int, int | None, int | None, int]] = []  # tag, count, byte size, per
    control, pos = at, at + control_bytes
    for tag, per, mask, last in table:
        if last:
            control += 1
            continue
        value = data[control] & mask
        if not value or not mask:
            continue
        if value == mask and bin(mask).count("1") > 1:
            size, pos = _varint(data, pos)  # the values' size in bytes, not their count
            found.append((tag, None, size, per))
        else:
            while not mask & 1:
                mask, value = mask >> 1, value >> 1
            found.append((tag, value, None, per))
    tags: dict[int, list[int]] = {}
    for tag, count, length, per in found:
        values: list[int] = []
        if count is not None:
            for _ in range(count * per):
                number, pos = _varint(data, pos)
                values.append(number)
        else:
            stop = pos + (length or 0)
            while pos < stop:
                number, pos = _varint(data, pos)
                values.append(number)
        if pos > end:
            raise ValueError
        tags[tag] = values
    return tags


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """A forward variable-width number at POS: 7 bits a byte, the last byte's top bit set."""
    value = 0
    for k in range(5):
        byte = data[pos + k]
        value = (value << 7) | (byte & 0x7F)
        if byte & 0x80:
            return value, pos + k + 1
    raise ValueError


def _strings(data: bytes, base: int) -> dict[int, bytes]:
    """A CNCX record: strings, each after its length, by offset (BASE for the record's)."""
    found: dict[int, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:
        size, start = _varint(data, pos)
        found[base + pos] = data[start : start + size]
        pos = start + size
    return found
