"""KF8 (AZW3, and the newer half of a combined .mobi): the book's XHTML files put back together.

KF8 keeps the markup of the original files cut up: each file's skeleton (its tags down to the
body, with the places where content goes) followed by its fragments, and two INDX tables saying
which fragment goes where (SKEL: per file, where its skeleton lies and how many fragments follow;
FRAG: per fragment, the position it is inserted at and its length). Once every fragment is in
place, each file spans the same positions it did in the stored text, so positions in the book
(navigation entries, `kindle:pos:fid:` links) are positions in the reassembled files.

Written from the format's public description (the MobileRead wiki's "KF8" page; KindleUnpack,
GPL, read to check it, none of its code here). The text after the FDST's first flow (style
sheets, SVG) is not the book's text and is left out.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from audiobook.readers.mobi.container import Header, PalmDB, corrupt, read_index

_MAX_WORK = 256 << 20  # bytes moved by fragment insertions, so a hostile layout cannot spin
_LINK = re.compile(rb"kindle:pos:fid:([0-9A-V]{4}):off:([0-9A-V]{10})")


@dataclass(frozen=True)
class Layout:
    """A KF8 book's files, each with the position it begins at, and where its fragments go."""

    parts: list[tuple[int, bytes]]
    inserts: list[int]  # each fragment's insert position, by fragment number

    def position(self, fid: int, offset: int) -> int | None:
        """The book position a `kindle:pos:fid:FID:off:OFFSET` link points to."""
        return self.inserts[fid] + offset if 0 <= fid < len(self.inserts) else None

    def target(self, tag: bytes) -> int | None:
        """The book position an <a href="kindle:pos:fid:..."> tag links to."""
        m = _LINK.search(tag)
        return self.position(int(m.group(1), 32), int(m.group(2), 32)) if m else None


def kf8_layout(db: PalmDB, header: Header, text: bytes) -> Layout:
    """TEXT (the book's decompressed KF8 text) as its XHTML files."""
    flow = text[: _first_flow_end(db, header, len(text))]
    if header.skel is None or header.frag is None:
        return Layout([(0, flow)], [])  # no layout tables: one file as stored
    skeletons, _ = read_index(db, header.skel)
    fragments, _ = read_index(db, header.frag)
    try:
        inserts = [int(f.name) for f in fragments]
        lengths = [f.tags[6][1] for f in fragments]
        files = [(s.tags[1][0], s.tags[6][0], s.tags[6][1]) for s in skeletons]
    except (KeyError, IndexError, ValueError):
        raise corrupt(db.path, "its layout tables lack a position") from None
    parts: list[tuple[int, bytes]] = []
    used = work = 0
    for count, start, length in files:
        if start + length > len(flow) or used + count > len(fragments):
            raise corrupt(db.path, "its layout points past its text")
        built = bytearray(flow[start : start + length])
        at = start + length  # the fragments follow their skeleton in the stored text
        for n in range(used, used + count):
            where = inserts[n] - start
            if not 0 <= where <= len(built) or at + lengths[n] > len(flow):
                raise corrupt(db.path, "a fragment goes outside its file")
            built[where:where] = flow[at : at + lengths[n]]
            work += len(built) - where
            at += lengths[n]
        if work > _MAX_WORK:
            raise corrupt(db.path, "its layout is far too fragmented")
        used += count
        parts.append((start, bytes(built)))
    return Layout(parts, inserts)


def _first_flow_end(db: PalmDB, header: Header, length: int) -> int:
    """Where the first flow (the XHTML) ends: the FDST's first entry, else the whole text."""
    if header.fdst is None:
        return length
    data = db.record(header.fdst, 1 << 20)
    if data[:4] != b"FDST" or len(data) < 20:
        return length
    (end,) = struct.unpack_from(">L", data, 16)  # flow 0: (start, end) after the 12-byte head
    return min(end, length)
