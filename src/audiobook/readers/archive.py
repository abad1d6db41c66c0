"""A ZIP of XML from anywhere (EPUB, DOCX, ODT, .fb2.zip), read within bounds.

Nothing is extracted to disk. Every member is read through a cap, so a member that inflates
beyond any book is refused however small its header claims it is, and so is the whole archive
past MAX_TOTAL. A path that leaves the archive is refused. XML is parsed by defusedxml, which
refuses entity declarations (a "billion laughs" file). Every such fault is one InputError that
names the file and says what to do (HINT).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

from audiobook.core.errors import InputError

MAX_MEMBERS = 20_000
MAX_DOCUMENT = 32 << 20  # one XML document: a novel's whole text is a few MB
MAX_IMAGE = 50 << 20
MAX_TOTAL = 512 << 20  # everything read from one archive
ENTITY = re.compile(rb"<!ENTITY", re.I)


def local(tag: object) -> str:
    """An element's name without its namespace: "{urn:...}p" -> "p"."""
    return str(tag).rsplit("}", 1)[-1]


class Archive:
    """The ZIP at PATH, a KIND of book ("EPUB", "DOCX"); errors say HINT."""

    def __init__(self, path: Path, kind: str, hint: str) -> None:
        self.path = path
        self.kind = kind
        self.hint = hint
        self._read = 0
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise self.error(f"not a {kind}: not a ZIP file ({exc})") from None
        if len(self.zip.infolist()) > MAX_MEMBERS:
            self.zip.close()
            raise self.error(f"holds more than {MAX_MEMBERS:,} files: not a book")

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def error(self, message: str, hint: str | None = None) -> InputError:
        return InputError(message, path=self.path, hint=hint or self.hint)

    def has(self, name: str) -> bool:
        return name in self.zip.NameToInfo

    def resolve(self, base: str, href: str) -> str:
        """A member's path from an href relative to BASE; refused when it leaves the archive."""
        target = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
        if target.startswith(("../", "/")) or target in ("..", "."):
            raise self.error(f"names a file outside the book: {href!r}")
        return target

    def read(self, name: str, cap: int = MAX_DOCUMENT) -> bytes:
        """A member's bytes, read through CAP whatever its header claims."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise self.error(f"names {name!r}, which the file does not hold") from None
        try:
            with self.zip.open(info) as member:
                data = member.read(cap + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                NotImplementedError) as exc:  # fmt: skip
            raise self.error(f"{name!r} cannot be read ({exc})") from None
        if len(data) > cap:
            raise self.error(
                f"{name!r} inflates to more than {cap >> 20} MB: not a book (a ZIP bomb?)"
            )
        self._read += len(data)
        if self._read > MAX_TOTAL:
            raise self.error(f"inflates to more than {MAX_TOTAL >> 20} MB: not a book")
        return data

    def xml(self, name: str) -> Element:
        """A member parsed as XML; entity declarations and malformed XML are refused."""
        return parse_xml(self.read(name), self.path, name, self.hint)


def parse_xml(data: bytes, path: Path, name: str, hint: str) -> Element:
    """DATA (the member NAME of PATH, or PATH itself when NAME is "") parsed as untrusted XML."""
    what = f"{name!r}" if name else "the file"
    try:
        return SafeXml.fromstring(data, forbid_dtd=False)
    except DefusedXmlException:
        raise InputError(
            f"{what} declares XML entities, which a book never needs", path=path, hint=hint
        ) from None
    except ParseError as exc:
        raise InputError(f"{what} is not well-formed XML ({exc})", path=path, hint=hint) from None
