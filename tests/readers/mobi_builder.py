"""A small writer of DRM-free MOBI 7 and KF8 (AZW3) books for the reader's tests.

No Python library writes MOBI (calibre's ebook-convert does, but it is a desktop application
that CI does not have), so this writes the format from its public description, independently of
the reader: a PalmDB, record 0 (PalmDOC header, MOBI header, EXTH metadata, the full name), the
text in 4 KB records (PalmDoc-compressed or not, with a multibyte trailing entry where a UTF-8
character crosses a record's end and an indexing entry after every record), an NCX index for
the navigation, KF8's FDST, SKEL and FRAG tables, and a cover image record.

Positions are written with markers: `<!--@name-->` where a place is, `filepos=@name` (MOBI 7)
or `kindle:pos:@name` (KF8) where a link points to it. Hostile variants are made by changing
the bytes this returns.
"""

from __future__ import annotations

import html
import re
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import manuscript as ms

RECORD = 4096
_MARK = re.compile(rb"<!--@(\w{1,18})-->")
_FILEPOS = re.compile(rb"filepos=@(\w{1,9})\b")
_KINDLE = re.compile(rb"kindle:pos:@(\w{1,18})\b")
_TOKEN = re.compile(rb"filepos=@(\w+)~*")
_KINDLE_TOKEN = re.compile(rb"kindle:pos:fid:@(\w+)~*")


@dataclass
class Meta:
    title: str = "The Lighthouse Keeper"
    author: str = "Mara Quill"
    language: str = "en"
    published: str = "2024-05-01"
    description: str = "<p>A keeper &amp; his light.</p>"
    cover: bytes | None = None
    extra: dict[int, bytes] = field(default_factory=dict)  # more EXTH records


def mobi7(
    markup: str,
    meta: Meta | None = None,
    *,
    ncx: list[tuple[str, str, int]] | None = None,
    compression: int = 2,
    trailing: int = 0b11,
    encryption: int = 0,
    encoding: str = "utf-8",
) -> bytes:
    """A MOBI 7 book of MARKUP; NCX entries are (label, marker name, depth from 1)."""
    return palmdb(
        _mobi7_records(markup, meta or Meta(), ncx, compression, trailing, encryption, encoding)
    )


def kf8(
    files: list[str],
    meta: Meta | None = None,
    *,
    ncx: list[tuple[str, str, int]] | None = None,
    compression: int = 2,
    combined_with: str | None = None,
) -> bytes:
    """An AZW3 book of the XHTML FILES, each cut into a skeleton and two fragments; with
    COMBINED_WITH, a combined .mobi whose MOBI 7 half is that markup."""
    meta = meta or Meta()
    records8 = _kf8_records(files, meta, ncx, compression)
    if combined_with is None:
        return palmdb(records8)
    # The MOBI 7 half's EXTH 121 names the record the KF8 half begins at, after a BOUNDARY.
    count = len(_mobi7_records(combined_with, meta, None, compression, 0b11, 0, "utf-8"))
    meta = replace(meta, extra={**meta.extra, 121: struct.pack(">L", count + 1)})
    records7 = _mobi7_records(combined_with, meta, None, compression, 0b11, 0, "utf-8")
    return palmdb([*records7, b"BOUNDARY", *records8])


def palmdb(records: list[bytes], kind: bytes = b"BOOKMOBI") -> bytes:
    """The PalmDB file of RECORDS."""
    name = b"The_Lighthouse_Keeper".ljust(32, b"\0")
    head = (
        name
        + struct.pack(">HHLLLLLL", 0, 0, 0, 0, 0, 0, 0, 0)
        + kind
        + struct.pack(">LLH", 0, 0, len(records))
    )
    offset = len(head) + 8 * len(records) + 2
    table = b""
    for n, record in enumerate(records):
        table += struct.pack(">LL", offset, 2 * n)
        offset += len(record)
    return head + table + b"\0\0" + b"".join(records)


# --- MOBI 7 --------------------------------------------------------------------------------


def _mobi7_records(
    markup: str,
    meta: Meta,
    ncx: list[tuple[str, str, int]] | None,
    compression: int,
    trailing: int,
    encryption: int,
    encoding: str,
) -> list[bytes]:
    data, places = _placed(_tokens(markup.encode(encoding)))
    data = _TOKEN.sub(lambda m: b"filepos=%010d" % places[m.group(1).decode()], data)
    texts = _text_records(data, compression, trailing, encoding)
    indexes = _ncx(ncx, places, kf8=None) if ncx else []
    images = [meta.cover] if meta.cover else []
    first_index = 1 + len(texts) if indexes else None
    first_image = 1 + len(texts) + len(indexes)
    header = record0(
        meta, len(data), len(texts), compression, encryption, encoding, trailing, 6,
        first_image=first_image if images else None, ncx=first_index, kf8=None,
    )  # fmt: skip
    return [header, *texts, *indexes, *images, b"\xe9\x8e\r\n"]


def _tokens(data: bytes) -> bytes:
    """DATA with its links to markers written as long as the links they become, so that
    taking the markers out and filling the links in moves nothing."""
    data = _FILEPOS.sub(lambda m: b"filepos=" + (b"@" + m.group(1)).ljust(10, b"~"), data)
    return _KINDLE.sub(lambda m: b"kindle:pos:fid:" + (b"@" + m.group(1)).ljust(19, b"~"), data)


def _placed(data: bytes) -> tuple[bytes, dict[str, int]]:
    """DATA without its <!--@name--> markers, and where each was."""
    places: dict[str, int] = {}
    out, at = b"", 0
    for m in _MARK.finditer(data):
        out += data[at : m.start()]
        places[m.group(1).decode()] = len(out)
        at = m.end()
    return out + data[at:], places


def _text_records(data: bytes, compression: int, trailing: int, encoding: str) -> list[bytes]:
    records = []
    for start in range(0, len(data), RECORD):
        chunk = data[start : start + RECORD]
        record = palmdoc(chunk) if compression == 2 else chunk
        if trailing & 1:  # the rest of a character this record's end cuts, and its count
            rest = _overlap(data, start + len(chunk)) if encoding == "utf-8" else b""
            record += rest + bytes([len(rest)])
        for _ in range(bin(trailing >> 1).count("1")):
            entry = b"\x00\x01\x02"  # an indexing entry's bytes, which the reader must drop
            record += entry + _backward(len(entry) + len(_backward(len(entry) + 1)))
        records.append(record)
    return records


def _overlap(data: bytes, end: int) -> bytes:
    """The continuation bytes at END that belong to a character begun before it."""
    n = 0
    while end + n < len(data) and n < 3 and data[end + n] & 0xC0 == 0x80:
        n += 1
    return data[end : end + n]


def _backward(size: int) -> bytes:
    """SIZE as a trailing entry ends with it: 7 bits a byte, the first byte's top bit set."""
    groups = _sevens(size)
    return bytes([groups[0] | 0x80, *groups[1:]])


def forward(value: int) -> bytes:
    """VALUE as INDX tags hold it: 7 bits a byte, the last byte's top bit set."""
    groups = _sevens(value)
    return bytes([*groups[:-1], groups[-1] | 0x80])


def _sevens(value: int) -> list[int]:
    groups = [value & 0x7F]
    while value := value >> 7:
        groups.insert(0, value & 0x7F)
    return groups


def palmdoc(data: bytes) -> bytes:
    """PalmDoc (LZ77) compression: copies of 3-10 bytes from up to 2047 back, a space and a
    letter in one byte, other bytes as they are or escaped in runs of up to 8."""
    out = bytearray()
    seen: dict[bytes, list[int]] = {}  # 3 bytes -> where they were, latest last
    i = 0
    while i < len(data):
        best, distance = 0, 0
        for at in reversed(seen.get(data[i : i + 3], [])[-16:]):
            if i - at > 2047:
                break
            length = 0
            while length < 10 and i + length < len(data) and data[at + length] == data[i + length]:
                length += 1
            if length > best:
                best, distance = length, i - at
        step = best if best >= 3 else 1
        if best >= 3:
            out += struct.pack(">H", 0x8000 | (distance << 3) | (best - 3))
        elif data[i] == 0x20 and i + 1 < len(data) and 0x40 <= data[i + 1] <= 0x7F:
            out.append(data[i + 1] ^ 0x80)
            step = 2
        elif 0x01 <= data[i] <= 0x08 or data[i] >= 0x80:
            run = data[i : i + 8]
            step = next((k for k, b in enumerate(run) if 0x09 <= b <= 0x7F), len(run)) or 1
            out += bytes([step]) + run[:step]
        else:
            out.append(data[i])
        for k in range(i, i + step):
            seen.setdefault(data[k : k + 3], []).append(k)
        i += step
    return bytes(out)


def record0(
    meta: Meta,
    text_length: int,
    text_records: int,
    compression: int,
    encryption: int,
    encoding: str,
    trailing: int,
    version: int,
    *,
    first_image: int | None,
    ncx: int | None,
    kf8: tuple[int, int, int, int] | None,  # fdst, its flow count, frag, skel
) -> bytes:
    none = 0xFFFFFFFF
    length = 0x108 if kf8 else 0xE8  # KF8's header is longer: it holds the layout tables
    exth = _exth(meta, encoding, cover=first_image is not None)
    name = meta.title.encode(encoding)
    head = bytearray(16 + length)
    struct.pack_into(
        ">HHLHHHH", head, 0, compression, 0, text_length, text_records, RECORD, encryption, 0
    )
    code = 65001 if encoding == "utf-8" else 1252
    struct.pack_into(">4sLLLLL", head, 0x10, b"MOBI", length, 2, code, 0x1234, version)
    for at in range(0x28, 0x50, 4):
        struct.pack_into(">L", head, at, none)
    struct.pack_into(">LLLL", head, 0x50, text_records + 1, len(head) + len(exth), len(name), 9)
    struct.pack_into(">LL", head, 0x68, version, none if first_image is None else first_image)
    struct.pack_into(">L", head, 0x80, 0x50)  # 0x40: it has EXTH
    struct.pack_into(">LL", head, 0xA8, none, 0)
    fdst, flows, frag, skel = kf8 or (none, 0, none, none)
    struct.pack_into(">LL", head, 0xC0, fdst, flows)
    struct.pack_into(">HL", head, 0xF2, trailing, none if ncx is None else ncx)
    if kf8:
        struct.pack_into(">LLLL", head, 0xF8, frag, skel, none, none)
    return bytes(head) + exth + name + b"\0" * (4 - len(name) % 4)


def _exth(meta: Meta, encoding: str, cover: bool) -> bytes:
    values: list[tuple[int, bytes]] = [
        (100, meta.author.encode(encoding)),
        (503, meta.title.encode(encoding)),
        (524, meta.language.encode()),
        (106, meta.published.encode()),
        (103, meta.description.encode(encoding)),
    ]
    if cover:
        values.append((201, struct.pack(">L", 0)))
    values += list(meta.extra.items())
    body = b"".join(struct.pack(">LL", k, 8 + len(v)) + v for k, v in values if v)
    count = sum(1 for _, v in values if v)
    data = b"EXTH" + struct.pack(">LL", 12 + len(body), count) + body
    return data + b"\0" * (-len(data) % 4)


# --- INDX tables ---------------------------------------------------------------------------

Tag = tuple[int, int, int]  # tag, values per entry, mask in the control byte


def index_records(
    table: list[Tag], entries: list[tuple[bytes, dict[int, list[int]]]], strings: bytes = b""
) -> list[bytes]:
    """An INDX table: its header record (with TAGX), one record of ENTRIES, and a CNCX record
    of STRINGS when given. Each entry's tags hold one value group each."""
    tagx = b"".join(bytes([tag, per, mask, 0]) for tag, per, mask in table) + b"\0\0\0\1"
    tagx = b"TAGX" + struct.pack(">LL", 12 + len(tagx), 1) + tagx
    head = _indx_header(192, count=1, strings=1 if strings else 0) + tagx
    body, offsets = b"", []
    for name, tags in entries:
        offsets.append(192 + len(body))
        control = 0
        values = b""
        for tag, per, mask in table:
            if tag in tags:
                control |= mask & -mask  # one value group: the mask's lowest bit
                values += b"".join(forward(v) for v in tags[tag][:per])
        body += bytes([len(name)]) + name + bytes([control]) + values
    body += b"\0" * (-len(body) % 4)
    idxt = b"IDXT" + b"".join(struct.pack(">H", o) for o in offsets)
    record = _indx_header(192 + len(body), count=len(entries)) + body + idxt
    records = [head + b"\0" * (-len(head) % 4), record + b"\0" * (-len(record) % 4)]
    return records + ([strings] if strings else [])


def _indx_header(idxt: int, count: int, strings: int = 0) -> bytes:
    head = bytearray(192)
    struct.pack_into(">4sLLLLLLLL", head, 0, b"INDX", 192, 0, 2, 0, idxt, count, 65001, 0)
    struct.pack_into(">L", head, 52, strings)
    return bytes(head)


def _ncx(
    entries: list[tuple[str, str, int]],
    places: dict[str, int],
    kf8: list[tuple[int, int]] | None,
) -> list[bytes]:
    """An NCX index: MOBI 7 entries hold a position (tag 1), KF8 ones a fragment and an offset
    in it (tag 6), as calibre and kindlegen write them."""
    strings, rows = b"", []
    for n, (label, place, depth) in enumerate(entries):
        text = label.encode()
        tags: dict[int, list[int]] = {3: [len(strings)], 4: [depth - 1]}
        strings += forward(len(text)) + text
        position = places[place]
        if kf8 is None:
            tags[1] = [position]
        else:
            fid = max(k for k, (insert, _) in enumerate(kf8) if insert <= position)
            tags[6] = [fid, position - kf8[fid][0]]
        rows.append((b"%02d" % n, tags))
    table = [(1, 1, 0x01), (3, 1, 0x04), (4, 1, 0x08), (6, 2, 0x10)]
    return index_records(table, rows, strings)


# --- KF8 -----------------------------------------------------------------------------------


def _kf8_records(
    files: list[str], meta: Meta, ncx: list[tuple[str, str, int]] | None, compression: int
) -> list[bytes]:
    docs, places = [], {}
    position = 0
    for markup in files:
        data, found = _placed(_tokens(markup.encode()))
        places.update({name: position + at for name, at in found.items()})
        docs.append(data)
        position += len(data)
    # Each file: its skeleton (the body emptied), then its body's content in two fragments.
    flow, skeletons, fragments = b"", [], []  # fragments: (insert position, length)
    start = 0
    for data in docs:
        body = data.index(b">", data.index(b"<body")) + 1
        close = data.rindex(b"</body")
        content = data[body:close]
        half = content.find(b"<p", len(content) // 2)
        half = half if half > 0 else len(content)
        pieces = [content[:half], content[half:]]
        skeleton = data[:body] + data[close:]
        skeletons.append((start, len(skeleton), len(pieces)))
        insert = start + body
        for piece in pieces:
            fragments.append((insert, len(piece)))
            insert += len(piece)
        flow += skeleton + b"".join(pieces)
        start += len(data)
    css = b"p { margin: 0 }"
    text = flow + css

    def link(m: re.Match[bytes]) -> bytes:
        at = places[m.group(1).decode()]
        fid = max(k for k, (insert, _) in enumerate(fragments) if insert <= at)
        return b"kindle:pos:fid:%s:off:%s" % (_base32(fid, 4), _base32(at - fragments[fid][0], 10))

    text = _KINDLE_TOKEN.sub(link, text)
    texts = _text_records(text, compression, 0b11, "utf-8")
    skel = index_records(
        [(1, 1, 0x03), (6, 2, 0x0C)],
        [
            (b"SKEL%010d" % n, {1: [count], 6: [s, length]})
            for n, (s, length, count) in enumerate(skeletons)
        ],
    )
    frag = index_records(
        [(2, 1, 0x01), (3, 1, 0x02), (4, 1, 0x04), (6, 2, 0x08)],
        [
            (b"%010d" % insert, {2: [0], 3: [0], 4: [n], 6: [0, length]})
            for n, (insert, length) in enumerate(fragments)
        ],
        forward(3) + b"P-0",
    )
    fdst = (
        b"FDST"
        + struct.pack(">LL", 12, 2)
        + struct.pack(">LLLL", 0, len(flow), len(flow), len(text))
    )
    nav = _ncx(ncx, places, fragments) if ncx else []
    at = 1 + len(texts)
    frag_at, skel_at, fdst_at = at, at + len(frag), at + len(frag) + len(skel)
    ncx_at = fdst_at + 1 if nav else None
    header = record0(
        meta, len(text), len(texts), compression, 0, "utf-8", 0b11, 8,
        first_image=None, ncx=ncx_at, kf8=(fdst_at, 2, frag_at, skel_at),
    )  # fmt: skip
    return [header, *texts, *frag, *skel, fdst, *nav, b"\xe9\x8e\r\n"]


def _base32(value: int, width: int) -> bytes:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
    out = ""
    while value:
        out = digits[value % 32] + out
        value //= 32
    return out.rjust(width, "0").encode()


# --- the cross-format manuscript -----------------------------------------------------------


def _chapter_markup(chapter: ms.Chapter) -> str:
    """A chapter as calibre and kindlegen write MOBI 7: <h1>, paragraphs, a centred scene break,
    the note reference a filepos link (marked where it stands, for the note's link back)."""
    out = [f"<h1>{html.escape(chapter.title)}</h1>"]
    for text in chapter.paragraphs:
        if text == ms.SCENE_BREAK:
            out.append(f'<p align="center">{text}</p>')
            continue
        text = re.sub(r"\*(\w+)\*", r"<i>\1</i>", html.escape(text, quote=False))
        out.append(
            "<p>" + text.replace("[1]", "<!--@ref1--><sup><a filepos=@fn1>1</a></sup>") + "</p>"
        )
    return "\n".join(out)


_NOTE = f"<!--@fn1--><p><a filepos=@ref1>1</a> {ms.FOOTNOTE}</p>"


def lighthouse(kind: str = "mobi7", **options: Any) -> bytes:
    """tests/readers/manuscript.py's book as a MOBI 7 file (KIND "mobi7": a page break between
    chapters, the footnote a filepos link to a note after the last chapter), an AZW3 ("kf8": one
    file per chapter, an NCX, kindle:pos links) or a combined .mobi ("combined")."""
    meta = Meta(title=ms.TITLE, author=ms.AUTHOR, language=ms.LANGUAGE)
    chapters = [f"<!--@ch{n}-->" + _chapter_markup(c) for n, c in enumerate(ms.CHAPTERS, 1)]
    chapters[-1] += "\n<mbp:pagebreak/>" + _NOTE
    mobi = "<html><head><guide></guide></head><body>" + "\n<mbp:pagebreak/>".join(chapters)
    mobi += "</body></html>"
    if kind == "mobi7":
        return mobi7(mobi, meta, **options)
    files = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>{c.title}</title></head><body>"
        + re.sub(
            r"filepos=@(\w+)", r'href="kindle:pos:@\1"', markup.replace("<mbp:pagebreak/>", "")
        )
        + "</body></html>"
        for c, markup in zip(ms.CHAPTERS, chapters, strict=True)
    ]
    nav = [(c.title, f"ch{n}", 1) for n, c in enumerate(ms.CHAPTERS, 1)]
    combined = mobi if kind == "combined" else None
    return kf8(files, meta, ncx=nav, combined_with=combined, **options)


def build_mobi_book(folder: Path, kind: str = "mobi7") -> Path:
    """The manuscript written in FOLDER as book.mobi (or .azw3), for test_formats' BUILDERS."""
    path = folder / ("book.azw3" if kind == "kf8" else "book.mobi")
    path.write_bytes(lighthouse(kind))
    return path
