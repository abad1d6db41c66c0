"""What a file is, from its first bytes: content decides the reader, not only the name.

A word processor's RTF saved as "notes.txt", an HTML page called "book.txt", a ".docx" that is
not a ZIP: each would be spoken as markup, or as noise, by the text reader. `kind_of` names the
format the bytes are in, as the suffix of the reader that reads it; `reader_for` (readers/
__init__.py) trusts it over the file's name wherever the name says "text".
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from audiobook.core.errors import InputError

HEAD = 4096  # bytes enough to tell every format apart
READABLE = ".txt, .md, .html, .epub, .docx, .odt, .rtf, .pdf, .fb2 and .mobi/.azw3"
SAVE_AS = "save it as DOCX, EPUB or HTML (PDF loses the chapter headings)"
# Formats known but not read, with what to do about them.
UNREADABLE = {
    ".doc": "a Word 97-2003 document (.doc)",
    ".zip": "a ZIP archive that is not a book",
    ".xml": "XML that is not a FictionBook (FB2)",
    ".image": "an image, not a manuscript",
    ".audio": "audio, not a manuscript",
}
# What no name makes a manuscript: refused whatever the file is called.
FOREIGN = frozenset({".doc", ".image", ".audio"})
_HTML = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html)", re.I | re.S
)
_XML = re.compile(rb"\s*<\?xml\s", re.I)
_MAGIC = (
    (b"%PDF-", ".pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc"),  # OLE2: Word 97-2003, also old Works files
    (b"\x89PNG", ".image"),
    (b"\xff\xd8\xff", ".image"),
    (b"GIF8", ".image"),
    (b"ID3", ".audio"),
    (b"fLaC", ".audio"),
    (b"OggS", ".audio"),
)


def suffix_of(path: Path) -> str:
    """PATH's type as its name says it, lower case: ".fb2.zip" for a zipped FictionBook."""
    name = path.name.lower()
    return ".fb2.zip" if name.endswith(".fb2.zip") else path.suffix.lower()


def kind_of(path: Path) -> str | None:
    """The format PATH's bytes are in, as its reader's suffix (".rtf", ".docx", ...), or None
    for what may be plain text."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from None
    return kind_of_bytes(head, path)


def kind_of_bytes(head: bytes, path: Path | None = None) -> str | None:
    """The format of a file that begins with HEAD; PATH, when given, lets a ZIP be looked into."""
    body = head.removeprefix(b"\xef\xbb\xbf")
    if body.lstrip(b" \t\r\n").startswith(b"{\\rtf"):
        return ".rtf"
    for magic, kind in _MAGIC:
        if body.startswith(magic):
            return kind
    if b"%PDF-" in body[:1024]:  # some writers put junk before the header; readers accept it
        return ".pdf"
    if len(body) >= 68 and body[60:68] in (b"BOOKMOBI", b"TEXtREAd"):
        return ".mobi"
    if body.startswith(b"PK\x03\x04"):
        return _zip_kind(path) if path is not None else ".zip"
    if b"<FictionBook" in body:
        return ".fb2"
    if _HTML.match(body):
        return ".html"
    if _XML.match(body):
        return ".xml"
    return None


def _zip_kind(path: Path) -> str:
    """Which ZIP-based format PATH is, by the members that make each one."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:20_000])
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].strip()
                if mimetype == b"application/epub+zip":
                    return ".epub"
                if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
                    return ".odt"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return ".zip"
    if "word/document.xml" in names:
        return ".docx"
    if "META-INF/container.xml" in names:
        return ".epub"
    if "content.xml" in names:
        return ".odt"
    if any(n.lower().endswith(".fb2") for n in names):
        return ".fb2.zip"
    return ".zip"


# An Office document saved with a password is an OLE2 file holding this stream, whatever its name.
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def refuse_unreadable(path: Path, kind: str) -> None:
    """A one-line error for a format we know and do not read."""
    if kind == ".doc" and _encrypted_office(path):
        raise InputError(
            "is password-protected (an encrypted Office document)",
            path=path,
            hint="save it again without a password, as DOCX, EPUB or HTML",
        )
    what = UNREADABLE.get(kind)
    if what is not None:
        raise InputError(
            f"this is {what}", path=path, hint=f"audiobook reads {READABLE}: {SAVE_AS}"
        )


def _encrypted_office(path: Path) -> bool:
    """Whether the OLE2 file PATH holds an encrypted OOXML package (its directory names it)."""
    try:
        with path.open("rb") as fh:
            return _ENCRYPTED in fh.read(4 << 20)
    except OSError:
        return False
