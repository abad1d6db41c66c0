"""Small, valid EPUB 2 and EPUB 3 books (and hostile ones) built in ``tmp_path`` by the tests.

The repository keeps no binary fixtures: every EPUB a test needs is written here, from a few
dataclasses, with the standard library only (zipfile, zlib, XML escaping). The same arguments
always give the same bytes (fixed ZIP dates, attributes, identifier and modification date), so a
test can compare files or hashes.

Layout of every book::

    mimetype                    first member, STORED, "application/epub+zip"
    META-INF/container.xml      points at OEBPS/content.opf
    OEBPS/content.opf           the package document
    OEBPS/nav.xhtml             EPUB 3 navigation document (toc, and landmarks when given)
    OEBPS/toc.ncx               EPUB 2 NCX
    OEBPS/cover.png             the cover, when given (extension follows its media type)
    OEBPS/<Doc.name>            the content documents, in spine order
    OEBPS/<extra file>          extra files, listed in the manifest

Manifest ids: ``nav``, ``ncx``, ``cover-img``, ``doc_id(name)`` for content documents and
``file_id(name)`` for extra files.

Narrators are MARC relator ``nrt``. EPUB 3 (and OPF 2) reserve ``dc:creator`` for the primary
makers of a work and ``dc:contributor`` for secondary roles, so a narrator is a
``dc:contributor`` by default; ``narrator_element="creator"`` writes ``dc:creator`` instead, as
some producers do. The role is a ``<meta refines property="role" scheme="marc:relators">`` in
EPUB 3 and an ``opf:role`` attribute in EPUB 2. A reader should accept both elements.

EPUBCheck validates the EPUB 3 books (``require_epubcheck`` and ``run_epubcheck``). Debian's
package installs ``/usr/bin/epubcheck`` as a bare jar that only runs where binfmt_misc is set up
for jars, which containers usually lack, so ``run_epubcheck`` starts a jar with ``java -jar``.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import struct
import subprocess
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import pytest

from .. import debian

MIMETYPE = b"application/epub+zip"
OPF_PATH = "OEBPS/content.opf"
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
MODIFIED = "2000-01-01T00:00:00Z"
XHTML_NS = "http://www.w3.org/1999/xhtml"
OPS_NS = "http://www.idpf.org/2007/ops"

CONTAINER_XML = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="{OPF_PATH}" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
""".encode()

MEDIA_TYPES = {
    ".xhtml": "application/xhtml+xml",
    ".html": "application/xhtml+xml",
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".ncx": "application/x-dtbncx+xml",
    ".smil": "application/smil+xml",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".js": "application/javascript",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "image/webp": ".webp",
}
# EPUB 3 landmark (epub:type) -> EPUB 2 guide reference type.
_GUIDE_TYPES = {
    "cover": "cover",
    "titlepage": "title-page",
    "toc": "toc",
    "bodymatter": "text",
    "index": "index",
    "glossary": "glossary",
    "acknowledgments": "acknowledgements",
    "bibliography": "bibliography",
    "colophon": "colophon",
    "copyright-page": "copyright-page",
    "dedication": "dedication",
    "epigraph": "epigraph",
    "foreword": "foreword",
    "loi": "loi",
    "lot": "lot",
    "notes": "notes",
    "preface": "preface",
}


@dataclass
class Doc:
    """One XHTML content document in the spine."""

    name: str  # file name inside OEBPS/, e.g. "ch1.xhtml"
    body: str  # inner XHTML of <body> as written by the test (already escaped markup)
    linear: bool = True
    epub_type: str | None = None  # on <body> (EPUB 3 only), e.g. "frontmatter", "bodymatter"
    title: str = "Chapter"


@dataclass
class NavEntry:
    """One entry of the table of contents; an empty ``href`` is a heading without a link."""

    label: str
    href: str  # "ch1.xhtml" or "ch1.xhtml#sec2"
    children: list[NavEntry] = field(default_factory=list)


Member = tuple[str, bytes]  # (name in the ZIP, bytes)


def doc_id(name: str) -> str:
    """The manifest id (and spine idref) of the content document ``name``."""
    return "doc-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def file_id(name: str) -> str:
    """The manifest id of the extra file ``name``."""
    return "file-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def book_identifier(title: str) -> str:
    """The book's dc:identifier: a UUID derived from the title, so the same title, same bytes."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "audiobook-test-epub:" + title))


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(posixpath.splitext(name)[1].lower(), "application/octet-stream")


def png_bytes(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A valid, solid-colour RGB PNG, without Pillow."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data)
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def _text(value: str) -> str:
    return escape(value)


def _attr(value: str) -> str:
    return quoteattr(value)


def _member_name(name: str) -> str:
    # "../../../evil.xhtml" inside OEBPS/ is the ZIP member "../../evil.xhtml".
    return posixpath.normpath(posixpath.join("OEBPS", name))


def _lang_attrs(language: str | None, *, html_lang: bool) -> str:
    if not language:
        return ""
    return (f" lang={_attr(language)}" if html_lang else "") + f" xml:lang={_attr(language)}"


def _doc_properties(body: str) -> str:
    """Manifest properties EPUBCheck requires for what an EPUB 3 document holds."""
    needs = (("<svg", "svg"), ("<math", "mathml"), ("<script", "scripted"))
    return " ".join(prop for tag, prop in needs if tag in body)


# --------------------------------------------------------------------------- content documents


def xhtml3(title: str, body: str, *, language: str | None, epub_type: str | None = None) -> str:
    body_attrs = f" epub:type={_attr(epub_type)}" if epub_type else ""
    return f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="{XHTML_NS}" xmlns:epub="{OPS_NS}"{_lang_attrs(language, html_lang=True)}>
<head>
<meta charset="utf-8"/>
<title>{_text(title)}</title>
</head>
<body{body_attrs}>
{body}
</body>
</html>
"""


def xhtml2(title: str, body: str, *, language: str | None) -> str:
    return f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
<html xmlns="{XHTML_NS}"{_lang_attrs(language, html_lang=False)}>
<head>
<meta http-equiv="Content-Type" content="application/xhtml+xml; charset=utf-8"/>
<title>{_text(title)}</title>
</head>
<body>
{body}
</body>
</html>
"""


def _nav_ol(entries: Sequence[NavEntry], indent: str) -> str:
    lines = [f"{indent}<ol>"]
    for entry in entries:
        if entry.href:
            head = f"<a href={_attr(entry.href)}>{_text(entry.label)}</a>"
        else:
            head = f"<span>{_text(entry.label)}</span>"
        if entry.children:
            lines.append(f"{indent}  <li>{head}")
            lines.append(_nav_ol(entry.children, indent + "    "))
            lines.append(f"{indent}  </li>")
        else:
            lines.append(f"{indent}  <li>{head}</li>")
    lines.append(f"{indent}</ol>")
    return "\n".join(lines)


def nav_xhtml(
    nav: Sequence[NavEntry],
    landmarks: Sequence[tuple[str, str, str]],
    *,
    language: str | None,
) -> str:
    parts = [f'<nav epub:type="toc" id="toc">\n<h1>Contents</h1>\n{_nav_ol(nav, "")}\n</nav>']
    if landmarks:
        items = "\n".join(
            f"  <li><a epub:type={_attr(kind)} href={_attr(href)}>{_text(label)}</a></li>"
            for kind, label, href in landmarks
        )
        parts.append(
            f'<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n'
            f"<h1>Landmarks</h1>\n<ol>\n{items}\n</ol>\n</nav>"
        )
    return xhtml3("Contents", "\n".join(parts), language=language)


def _first_href(entry: NavEntry) -> str:
    if entry.href:
        return entry.href
    for child in entry.children:
        href = _first_href(child)
        if href:
            return href
    return ""


def _depth(entries: Sequence[NavEntry]) -> int:
    return max((1 + _depth(e.children) for e in entries), default=0)


def toc_ncx(
    nav: Sequence[NavEntry],
    *,
    identifier: str,
    title: str,
    authors: Sequence[str],
    language: str | None,
) -> str:
    """EPUB 2 NCX: nested navPoints; entries that point at the same target share a playOrder."""
    orders: dict[str, int] = {}
    counter = 0

    def points(entries: Sequence[NavEntry], indent: str) -> list[str]:
        nonlocal counter
        lines: list[str] = []
        for entry in entries:
            counter += 1
            src = _first_href(entry)
            order = orders.setdefault(src, len(orders) + 1)
            lines.append(f'{indent}<navPoint id="navpoint-{counter}" playOrder="{order}">')
            lines.append(f"{indent}  <navLabel><text>{_text(entry.label)}</text></navLabel>")
            lines.append(f"{indent}  <content src={_attr(src)}/>")
            lines.extend(points(entry.children, indent + "  "))
            lines.append(f"{indent}</navPoint>")
        return lines

    nav_map = "\n".join(points(nav, "    "))
    doc_authors = "".join(f"  <docAuthor><text>{_text(a)}</text></docAuthor>\n" for a in authors)
    return f"""\
<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"\
{_lang_attrs(language, html_lang=False)}>
  <head>
    <meta name="dtb:uid" content={_attr(identifier)}/>
    <meta name="dtb:depth" content="{max(_depth(nav), 1)}"/>
    <meta name="dtb:totalPageCount" content="0"/>
    <meta name="dtb:maxPageNumber" content="0"/>
  </head>
  <docTitle><text>{_text(title)}</text></docTitle>
{doc_authors}  <navMap>
{nav_map}
  </navMap>
</ncx>
"""


# --------------------------------------------------------------------------- package document


def _metadata(
    version: int,
    *,
    identifier: str,
    title: str,
    authors: Sequence[str],
    narrators: Sequence[str],
    narrator_element: str,
    language: str | None,
    date: str | None,
    description: str | None,
    cover: bool,
) -> str:
    lines = [f'    <dc:identifier id="bookid"{_scheme(version)}>{identifier}</dc:identifier>']
    lines.append(f"    <dc:title>{_text(title)}</dc:title>")
    people = [("creator", f"creator{i}", name, "aut") for i, name in enumerate(authors, 1)]
    people += [(narrator_element, f"narrator{i}", n, "nrt") for i, n in enumerate(narrators, 1)]
    for element, ident, name, role in people:
        if version >= 3:
            lines.append(f'    <dc:{element} id="{ident}">{_text(name)}</dc:{element}>')
            lines.append(
                f'    <meta refines="#{ident}" property="role" scheme="marc:relators">{role}</meta>'
            )
        else:
            lines.append(f'    <dc:{element} opf:role="{role}">{_text(name)}</dc:{element}>')
    if language is not None:
        lines.append(f"    <dc:language>{_text(language)}</dc:language>")
    if date is not None:
        lines.append(f"    <dc:date>{_text(date)}</dc:date>")
    if description is not None:
        lines.append(f"    <dc:description>{_text(description)}</dc:description>")
    if version >= 3:
        lines.append(f'    <meta property="dcterms:modified">{MODIFIED}</meta>')
    elif cover:
        lines.append('    <meta name="cover" content="cover-img"/>')
    return "\n".join(lines)


def _scheme(version: int) -> str:
    return ' opf:scheme="UUID"' if version < 3 else ""


def package_opf(
    version: int,
    *,
    metadata: str,
    manifest: Sequence[tuple[str, str, str, str]],  # (id, href, media type, properties)
    spine: Sequence[tuple[str, bool]],  # (idref, linear)
    guide: Sequence[tuple[str, str, str]] = (),  # (type, title, href)
    language: str | None = None,
) -> str:
    items = []
    for ident, href, mtype, props in manifest:
        properties = f" properties={_attr(props)}" if props and version >= 3 else ""
        items.append(
            f"    <item id={_attr(ident)} href={_attr(href)} "
            f"media-type={_attr(mtype)}{properties}/>"
        )
    itemrefs = [
        f"    <itemref idref={_attr(idref)}{'' if linear else ' linear=' + _attr('no')}/>"
        for idref, linear in spine
    ]
    spine_attrs = ' toc="ncx"' if version < 3 else ""
    opf_ns = ' xmlns:opf="http://www.idpf.org/2007/opf"' if version < 3 else ""
    lang = f" xml:lang={_attr(language)}" if language and version >= 3 else ""
    guide_xml = ""
    if guide:
        refs = "\n".join(
            f"    <reference type={_attr(kind)} title={_attr(label)} href={_attr(href)}/>"
            for kind, label, href in guide
        )
        guide_xml = f"  <guide>\n{refs}\n  </guide>\n"
    return f"""\
<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="{version}.0" \
unique-identifier="bookid"{lang}>
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"{opf_ns}>
{metadata}
  </metadata>
  <manifest>
{chr(10).join(items)}
  </manifest>
  <spine{spine_attrs}>
{chr(10).join(itemrefs)}
  </spine>
{guide_xml}</package>
"""


# --------------------------------------------------------------------------- the builder


def epub_members(
    docs: Sequence[Doc],
    nav: Sequence[NavEntry],
    *,
    version: int = 3,
    title: str = "A Test Book",
    authors: tuple[str, ...] = ("Ann Author",),
    narrators: tuple[str, ...] = (),
    narrator_element: Literal["creator", "contributor"] = "contributor",
    language: str | None = "en",
    date: str | None = "1901",
    description: str | None = None,
    cover: bytes | None = None,
    cover_media_type: str = "image/png",
    landmarks: Sequence[tuple[str, str, str]] = (),
    extra_files: Mapping[str, bytes] | None = None,
    nav_in_spine: bool = False,
) -> list[Member]:
    """The ZIP members of the book, in order, for a test that wants to tamper before writing.

    ``extra_files`` are paths inside OEBPS/, listed in the manifest with a media type guessed
    from the extension; a path starting with ``META-INF/`` goes to the ZIP root, unlisted.
    """
    if version not in (2, 3):
        raise ValueError(f"EPUB version must be 2 or 3, not {version}")
    identifier = book_identifier(title)
    manifest: list[tuple[str, str, str, str]] = []
    members: list[Member] = [("mimetype", MIMETYPE), ("META-INF/container.xml", CONTAINER_XML)]
    body_members: list[Member] = []

    if version >= 3:
        manifest.append(("nav", "nav.xhtml", "application/xhtml+xml", "nav"))
        nav_doc = nav_xhtml(nav, landmarks, language=language)
        body_members.append(("OEBPS/nav.xhtml", nav_doc.encode()))
    else:
        manifest.append(("ncx", "toc.ncx", "application/x-dtbncx+xml", ""))
        ncx = toc_ncx(nav, identifier=identifier, title=title, authors=authors, language=language)
        body_members.append(("OEBPS/toc.ncx", ncx.encode()))
    if cover is not None:
        href = "cover" + _EXTENSIONS.get(cover_media_type, ".img")
        manifest.append(("cover-img", href, cover_media_type, "cover-image"))
        body_members.append((_member_name(href), cover))
    for doc in docs:
        if version >= 3:
            text = xhtml3(doc.title, doc.body, language=language, epub_type=doc.epub_type)
            props = _doc_properties(doc.body)
        else:
            text = xhtml2(doc.title, doc.body, language=language)
            props = ""
        manifest.append((doc_id(doc.name), doc.name, "application/xhtml+xml", props))
        body_members.append((_member_name(doc.name), text.encode()))
    for name, data in (extra_files or {}).items():
        if name.startswith("META-INF/"):
            members.append((name, data))
            continue
        manifest.append((file_id(name), name, media_type(name), ""))
        body_members.append((_member_name(name), data))

    metadata = _metadata(
        version,
        identifier=identifier,
        title=title,
        authors=authors,
        narrators=narrators,
        narrator_element=narrator_element,
        language=language,
        date=date,
        description=description,
        cover=cover is not None,
    )
    guide = []
    if version < 3:
        guide = [(_GUIDE_TYPES.get(k, "other." + k), label, href) for k, label, href in landmarks]
    opf = package_opf(
        version,
        metadata=metadata,
        manifest=manifest,
        spine=([("nav", True)] if nav_in_spine and version >= 3 else [])
        + [(doc_id(d.name), d.linear) for d in docs],
        guide=guide,
        language=language,
    )
    members.append((OPF_PATH, opf.encode()))
    return members + body_members


def write_zip(path: Path, members: Iterable[Member]) -> Path:
    """Write ``members`` in order: ``mimetype`` STORED, the rest DEFLATED, with fixed dates."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, on every platform, for the same bytes everywhere
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, data)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data, compresslevel=9)
    return path


def build_epub(
    path: Path,
    docs: list[Doc],
    nav: list[NavEntry],
    *,
    version: int = 3,
    title: str = "A Test Book",
    authors: tuple[str, ...] = ("Ann Author",),
    narrators: tuple[str, ...] = (),
    narrator_element: Literal["creator", "contributor"] = "contributor",
    language: str | None = "en",
    date: str | None = "1901",
    description: str | None = None,
    cover: bytes | None = None,
    cover_media_type: str = "image/png",
    landmarks: Sequence[tuple[str, str, str]] = (),  # (epub:type, label, href)
    extra_files: Mapping[str, bytes] | None = None,
    nav_in_spine: bool = False,
) -> Path:
    """Write an EPUB ``version`` (2 or 3) book to ``path`` and return ``path``.

    The spine follows ``docs``; ``nav`` is the table of contents (nav.xhtml in EPUB 3, toc.ncx in
    EPUB 2); ``landmarks`` are a landmarks nav in EPUB 3 and a guide in EPUB 2. ``language`` or
    ``date`` None leaves the element out (which EPUBCheck reports for a missing language).
    ``nav_in_spine`` (EPUB 3) puts nav.xhtml first in the spine, as many books do; a link to
    nav.xhtml (a "toc" landmark, say) is an EPUBCheck error (RSC-011) unless it is there.
    """
    members = epub_members(
        docs,
        nav,
        version=version,
        title=title,
        authors=authors,
        narrators=narrators,
        narrator_element=narrator_element,
        language=language,
        date=date,
        description=description,
        cover=cover,
        cover_media_type=cover_media_type,
        landmarks=landmarks,
        extra_files=extra_files,
        nav_in_spine=nav_in_spine,
    )
    return write_zip(path, members)


def _simple_docs(*names: str) -> tuple[list[Doc], list[NavEntry]]:
    docs = [
        Doc(n, f"<h1>Chapter {i}</h1>\n<p>Words of chapter {i}.</p>")
        for i, n in enumerate(names, 1)
    ]
    nav = [NavEntry(f"Chapter {i}", n) for i, n in enumerate(names, 1)]
    return docs, nav


# --------------------------------------------------------------------------- a sample book


def sample_docs(version: int = 3) -> list[Doc]:
    """Three chapters (the second in two sections, #s1 and #s2) and a non-linear notes document.

    EPUB 3 adds what a reader must handle in real books: a noteref to an aside footnote, a page
    break, ruby and an image with alt text. EPUB 2 has the same words in XHTML 1.1 markup.
    """
    if version >= 3:
        ch1 = (
            "<h1>The Harbour</h1>\n"
            '<p>The boats came in at dawn.<a epub:type="noteref" href="notes.xhtml#n1">1</a></p>\n'
            '<p><span epub:type="pagebreak" id="p5" title="5"/>Mara read the sign: '
            "<ruby>漢<rt>kan</rt></ruby>.</p>"
        )
        ch2 = (
            '<section id="s1">\n<h1>The Storm</h1>\n<p>By noon the sky had turned.</p>\n'
            '</section>\n<section id="s2">\n<h2>The Lighthouse</h2>\n'
            '<p>The keeper climbed the stairs.</p>\n<p><img src="map.png" alt="A map"/></p>\n'
            "</section>"
        )
        notes = '<aside epub:type="footnote" id="n1">\n<p>1. At six in the morning.</p>\n</aside>'
    else:
        ch1 = (
            "<h1>The Harbour</h1>\n"
            '<p>The boats came in at dawn.<a href="notes.xhtml#n1">1</a></p>\n'
            "<p>Mara read the sign: 漢.</p>"
        )
        ch2 = (
            '<div id="s1">\n<h1>The Storm</h1>\n<p>By noon the sky had turned.</p>\n</div>\n'
            '<div id="s2">\n<h2>The Lighthouse</h2>\n<p>The keeper climbed the stairs.</p>\n'
            '<p><img src="map.png" alt="A map"/></p>\n</div>'
        )
        notes = '<div id="n1">\n<p>1. At six in the morning.</p>\n</div>'
    ch3 = "<h1>The Return</h1>\n<p>When the weather cleared, the last boat came home.</p>"
    return [
        Doc("ch1.xhtml", ch1, epub_type="bodymatter", title="The Harbour"),
        Doc("ch2.xhtml", ch2, epub_type="bodymatter", title="The Storm"),
        Doc("ch3.xhtml", ch3, epub_type="bodymatter", title="The Return"),
        Doc("notes.xhtml", notes, linear=False, epub_type="backmatter", title="Notes"),
    ]


def sample_nav() -> list[NavEntry]:
    """Part One (a heading without a link) holds chapters 1 and 2 (with its section 2)."""
    return [
        NavEntry(
            "Part One",
            "",
            [
                NavEntry("The Harbour", "ch1.xhtml"),
                NavEntry("The Storm", "ch2.xhtml", [NavEntry("The Lighthouse", "ch2.xhtml#s2")]),
            ],
        ),
        NavEntry("The Return", "ch3.xhtml"),
    ]


def sample_epub(path: Path, *, version: int = 3) -> Path:
    """The sample book with a cover, a narrator, a description and landmarks."""
    return build_epub(
        path,
        sample_docs(version),
        sample_nav(),
        version=version,
        title="The Harbour Book",
        authors=("Ann Author",),
        narrators=("Ned Narrator",),
        description="A small book for the tests, with <markup> & ampersands.",
        cover=png_bytes(),
        landmarks=[("bodymatter", "Start", "ch1.xhtml"), ("backmatter", "Notes", "notes.xhtml")],
        extra_files={"map.png": png_bytes(8, 6, (200, 180, 120))},
    )


# --------------------------------------------------------------------------- hostile files


def not_a_zip(path: Path) -> Path:
    """A file named like a book that is plain text, not a ZIP."""
    path.write_bytes(b"This is not an EPUB, only text with a .epub name.\n" * 4)
    return path


def zip_without_container(path: Path) -> Path:
    """A ZIP with the mimetype and a package document but no META-INF/container.xml."""
    docs, nav = _simple_docs("ch1.xhtml")
    members = [m for m in epub_members(docs, nav) if m[0] != "META-INF/container.xml"]
    return write_zip(path, members)


def epub_with_missing_spine_item(path: Path) -> Path:
    """The spine's second itemref names a manifest item (ch2.xhtml) whose file is absent."""
    docs, nav = _simple_docs("ch1.xhtml", "ch2.xhtml")
    members = [m for m in epub_members(docs, nav) if m[0] != "OEBPS/ch2.xhtml"]
    return write_zip(path, members)


def _laughs(levels: int) -> str:
    lines = ['  <!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        lines.append(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    return "\n".join(lines)


def epub_with_entity_bomb(
    path: Path, *, target: Literal["opf", "content"] = "opf", levels: int = 9
) -> Path:
    """Billion laughs: an internal DTD whose entity ``&lol9;`` expands to 10**9 "lol"s (3 GB).

    ``target="opf"`` puts it in the package document (dc:title is ``&lol9;``); ``"content"``
    in the first content document (ch1.xhtml, whose paragraph is ``&lol9;``).
    """
    top = f"&lol{levels};"
    if target == "opf":
        docs, nav = _simple_docs("ch1.xhtml")
        members = epub_members(docs, nav)
        opf = dict(members)[OPF_PATH].decode()
        opf = opf.replace("<package", f"<!DOCTYPE package [\n{_laughs(levels)}\n]>\n<package", 1)
        opf = re.sub(r"<dc:title>.*?</dc:title>", f"<dc:title>{top}</dc:title>", opf, count=1)
        members = [(n, opf.encode() if n == OPF_PATH else d) for n, d in members]
    else:
        docs = [Doc("ch1.xhtml", f"<p>{top}</p>")]
        members = epub_members(docs, [NavEntry("Chapter 1", "ch1.xhtml")])
        name = "OEBPS/ch1.xhtml"
        text = dict(members)[name].decode()
        text = text.replace("<!DOCTYPE html>", f"<!DOCTYPE html [\n{_laughs(levels)}\n]>", 1)
        members = [(n, text.encode() if n == name else d) for n, d in members]
    return write_zip(path, members)


ZIP_BOMB_SIZE = 2 * 1024**3  # what the zip bomb's member inflates to: 2 GiB of zeros


def _dos_date_time() -> tuple[int, int]:
    y, mo, d, h, mi, s = ZIP_DATE
    return (y - 1980) << 9 | mo << 5 | d, h << 11 | mi << 5 | s // 2


def _zeros_deflated(size: int) -> tuple[list[bytes], int]:
    """A raw deflate stream of ``size`` zero bytes as (chunks, crc32), without holding them.

    One MiB of zeros deflates, with a full flush (byte-aligned, no back-references across it),
    to about a kilobyte; repeating those bytes repeats the MiB. A final empty block ends it.
    """
    mib = 1024 * 1024
    zeros = bytes(mib)

    def block(n: int) -> bytes:
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        return comp.compress(zeros[:n]) + comp.flush(zlib.Z_FULL_FLUSH)

    whole, rest = divmod(size, mib)
    chunks = [block(mib)] * whole + ([block(rest)] if rest else [])
    chunks.append(b"\x03\x00")  # final, empty, fixed-Huffman block
    crc = 0
    for _ in range(whole):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(zeros[:rest], crc)
    return chunks, crc


def _write_raw_zip(path: Path, entries: Sequence[tuple[str, int, list[bytes], int, int]]) -> None:
    """A ZIP from (name, method, compressed chunks, crc32, uncompressed size), streamed."""
    ddate, dtime = _dos_date_time()
    central = []
    with path.open("wb") as out:
        for name, method, chunks, crc, usize in entries:
            raw = name.encode()
            csize = sum(map(len, chunks))
            offset = out.tell()
            # method, time, date, crc-32, compressed size, uncompressed size, name length
            common = struct.pack("<HHHIIIH", method, dtime, ddate, crc, csize, usize, len(raw))
            # signature, version needed, flags | common | extra length
            out.write(struct.pack("<IHH", 0x04034B50, 20, 0) + common + b"\0\0" + raw)
            for chunk in chunks:
                out.write(chunk)
            # signature, made by (Unix, 3.0), needed, flags | common | extra, comment, disk,
            # internal attributes, external attributes (-rw-r--r--), local header offset
            head = struct.pack("<IHHH", 0x02014B50, 0x031E, 20, 0)
            tail = struct.pack("<HHHHII", 0, 0, 0, 0, 0o100644 << 16, offset)
            central.append(head + common + tail + raw)
        start = out.tell()
        for record in central:
            out.write(record)
        size = out.tell() - start
        n = len(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, size, start, 0))


def epub_with_zip_bomb(path: Path, *, inflated_size: int = ZIP_BOMB_SIZE) -> Path:
    """A well-formed EPUB whose only chapter, ch1.xhtml, inflates to ``inflated_size`` zeros.

    The default claims (truthfully, with a correct CRC) 2 GiB; the file is about 2 MB and takes
    about a second to write, and nothing near 2 GiB is ever held in memory. Sizes must stay below
    4 GiB (no ZIP64).
    """
    if not 0 < inflated_size < 0xFFFFFFFF:
        raise ValueError("inflated_size must be positive and below 4 GiB")
    docs, nav = _simple_docs("ch1.xhtml")
    entries = []
    for name, data in epub_members(docs, nav):
        if name == "OEBPS/ch1.xhtml":
            chunks, crc = _zeros_deflated(inflated_size)
            entries.append((name, zipfile.ZIP_DEFLATED, chunks, crc, inflated_size))
        elif name == "mimetype":
            entries.append((name, zipfile.ZIP_STORED, [data], zlib.crc32(data), len(data)))
        else:
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            packed = comp.compress(data) + comp.flush()
            entries.append((name, zipfile.ZIP_DEFLATED, [packed], zlib.crc32(data), len(data)))
    _write_raw_zip(path, entries)
    return path


def epub_with_traversal_member(path: Path) -> Path:
    """A book whose manifest and spine list a member named ``../../evil.xhtml``.

    The manifest href is ``../../../evil.xhtml`` (relative to OEBPS/content.opf), which resolves
    to the ZIP member ``../../evil.xhtml``: extracted naively, it lands two levels above.
    """
    docs, nav = _simple_docs("ch1.xhtml")
    docs.append(Doc("../../../evil.xhtml", "<p>Written outside the book.</p>", title="Evil"))
    return write_zip(path, epub_members(docs, nav))


# --------------------------------------------------------------------------- EPUBCheck


# A short run of one jar: the JVM's first compiler only and its serial collector start EPUBCheck
# in 2.8 s where the defaults take 4.8 s (and half the CPU), whatever the machine.
JAVA_QUICK = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto")


def epubcheck() -> str | None:
    """The path of the ``epubcheck`` command if installed (Debian: apt-get install epubcheck)."""
    return shutil.which("epubcheck")


def epubcheck_argv(command: str | None = None) -> list[str] | None:
    """How to start EPUBCheck: the command itself, or ``java -jar`` for Debian's bare jar."""
    command = command or epubcheck()
    if command is None:
        return None
    with open(command, "rb") as f:
        is_jar = f.read(4) == b"PK\x03\x04"
    if not is_jar:
        return [command]
    java = shutil.which("java")
    return [java, *JAVA_QUICK, "-jar", os.path.realpath(command)] if java else None


def require_epubcheck() -> str:
    """The ``epubcheck`` command, or skip the test (installed first in CI: tests/debian.py)."""
    command = debian.require("epubcheck", epubcheck, "EPUBCheck")
    if epubcheck_argv(command) is None:
        pytest.skip(f"EPUBCheck ({command}) is a jar and needs Java: apt-get install default-jre")
    return command


def run_epubcheck(path: Path, *, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    """Run EPUBCheck on ``path`` with its JSON report on stdout (``--json -``).

    Exit status 0 means no errors or fatal errors (warnings allowed); ``epubcheck_messages``
    reads the report.
    """
    argv = epubcheck_argv()
    if argv is None:
        raise FileNotFoundError("EPUBCheck is not installed (or Java is missing)")
    return subprocess.run(
        [*argv, str(path), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def epubcheck_messages(
    result: subprocess.CompletedProcess[str], severities: Sequence[str] = ("FATAL", "ERROR")
) -> list[str]:
    """The report's messages of ``severities`` as "ID (SEVERITY) path:line: message" lines."""
    start = result.stdout.find("{")
    if start < 0:
        raise ValueError(f"no JSON report from EPUBCheck:\n{result.stdout}\n{result.stderr}")
    report = json.JSONDecoder().raw_decode(result.stdout[start:])[0]
    lines = []
    for message in report.get("messages", []):
        if message.get("severity") not in severities:
            continue
        where = ", ".join(
            f"{loc.get('path')}:{loc.get('line')}" for loc in message.get("locations", [])
        )
        lines.append(f"{message['ID']} ({message['severity']}) {where}: {message['message']}")
    return lines
