"""An EPUB's package, read as untrusted: the ZIP, its container, the OPF (metadata, manifest,
spine, cover), the navigation (EPUB 3 nav, EPUB 2 NCX) and the landmarks or guide.

An EPUB is a ZIP of XML from anywhere, read through archive.Archive (capped members, no path
outside the package, defusedxml); a content document that declares entities is refused too.
Every such fault is one InputError naming the file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from audiobook.readers.archive import ENTITY, MAX_IMAGE, Archive
from audiobook.readers.archive import local as _local
from audiobook.readers.html_blocks import Heading, Text, parse_html

# Front and back matter as EPUB 3 landmarks (epub:type) and EPUB 2 guide references name it.
MATTER = {
    "cover": "cover", "titlepage": "title page", "title-page": "title page",
    "halftitlepage": "title page", "toc": "table of contents", "copyright-page": "copyright page",
    "colophon": "colophon", "imprint": "imprint", "index": "index", "loi": "list of illustrations",
    "lot": "list of tables",
}  # fmt: skip
# Navigation labels that name front or back matter whatever the markup says.
MATTER_LABEL = re.compile(
    r"^(copyright( page)?|colophon|imprint|(table of )?contents|cover|title page|index"
    r"|(the full )?project gutenberg licen[cs]e)$",
    re.I,
)
_YEAR = re.compile(r"\b(\d{4})\b")


@dataclass(frozen=True)
class NavEntry:
    depth: int
    label: str
    path: str  # the content document, inside the ZIP
    fragment: str


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    authors: tuple[str, ...] = ()
    narrators: tuple[str, ...] = ()
    language: str = ""
    year: int | None = None
    description: str = ""


def _children(element: Element, name: str) -> Iterator[Element]:
    return (e for e in element.iter() if _local(e.tag) == name)


class Package(Archive):
    """The ZIP, its container and its OPF package document, read within bounds."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "EPUB", "export the book again as EPUB")
        self._texts: dict[str, str] = {}
        if not self.has("META-INF/container.xml"):
            self.zip.close()
            raise self.error("not an EPUB: it has no META-INF/container.xml")
        container = self.xml("META-INF/container.xml")
        rootfile = next(_children(container, "rootfile"), None)
        opf = rootfile.get("full-path", "") if rootfile is not None else ""
        if not opf:
            raise self.error("not an EPUB: its container names no package document")
        self.opf_path = self.resolve("", opf)
        self.opf = self.xml(self.opf_path)
        self.base = posixpath.dirname(self.opf_path)
        self.items: dict[str, tuple[str, str, set[str]]] = {}  # id -> (path, media type, props)
        for item in _children(self.opf, "item"):
            href = item.get("href", "")
            if item.get("id") and href:
                props = set(item.get("properties", "").split())
                self.items[item.get("id", "")] = (
                    self.resolve(self.base, href),
                    item.get("media-type", ""),
                    props,
                )
        # The EPUB 3 navigation document, if the package names one.
        self._nav = next((path for path, _, props in self.items.values() if "nav" in props), None)

    def __enter__(self) -> Package:
        return self

    def text(self, name: str) -> str:
        """A content document as text; the nav document, read for its toc and its landmarks,
        is decoded once and kept (only it: the book's text is not held)."""
        if name in self._texts:
            return self._texts[name]
        text = self._decode(name, self.read(name))
        if name == self._nav:
            self._texts[name] = text
        return text

    def _decode(self, name: str, data: bytes) -> str:
        if ENTITY.search(data[:65536]):
            raise self.error(f"{name!r} declares XML entities, which a book never needs")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16", "replace")
        declared = re.match(rb"<\?xml[^>]*encoding=[\"']([\w.-]+)", data[:200])
        try:
            return data.decode(declared[1].decode() if declared else "utf-8", "replace")
        except LookupError:
            return data.decode("utf-8", "replace")

    def spine(self) -> Iterator[tuple[str, bool]]:
        """(content document, linear) in reading order; refused when the text is encrypted."""
        spine = next(_children(self.opf, "spine"), None)
        if spine is None:
            raise self.error("its package has no spine (no reading order)")
        encrypted = self.encrypted()
        for ref in _children(spine, "itemref"):
            item = self.items.get(ref.get("idref", ""))
            if item is None:
                raise self.error(f"its spine names {ref.get('idref')!r}, which is not in it")
            if item[0] not in self.zip.NameToInfo:
                raise self.error(f"its spine names {item[0]!r}, which the file does not hold")
            if item[0] in encrypted:
                # DRM: the bytes are ciphertext, which would be read aloud as noise.
                raise self.error(
                    f"is DRM-protected: {item[0]!r} is encrypted",
                    hint="render a DRM-free edition of the book (public-domain EPUBs are)",
                )
            yield item[0], ref.get("linear", "yes").strip().lower() != "no"

    def encrypted(self) -> set[str]:
        """The members META-INF/encryption.xml lists (fonts are often obfuscated: harmless)."""
        if "META-INF/encryption.xml" not in self.zip.NameToInfo:
            return set()
        listed = _children(self.xml("META-INF/encryption.xml"), "CipherReference")
        return {self.resolve("", ref.get("URI", "")) for ref in listed if ref.get("URI")}

    def navigation(self) -> list[NavEntry]:
        """The table of contents: the EPUB 3 nav document's toc, else the EPUB 2 NCX."""
        nav = self._nav
        if nav is not None:
            entries = _NavParser.entries(self.text(nav), posixpath.dirname(nav), self)
            if entries:
                return entries
        spine = next(_children(self.opf, "spine"), None)
        ncx_id = spine.get("toc", "") if spine is not None else ""
        ncx = self.items.get(ncx_id) or next(
            (i for i in self.items.values() if i[1] == "application/x-dtbncx+xml"), None
        )
        if ncx is None or ncx[0] not in self.zip.NameToInfo:
            return []
        return self._ncx_entries(self.xml(ncx[0]), posixpath.dirname(ncx[0]))

    def _ncx_entries(self, root: Element, base: str) -> list[NavEntry]:
        entries: list[NavEntry] = []

        def walk(point: Element, depth: int) -> None:
            label = next(_children(point, "text"), None)
            content = next((c for c in point if _local(c.tag) == "content"), None)
            src = content.get("src", "") if content is not None else ""
            if src:
                title = _flat(label.text or "") if label is not None else ""
                entries.append(NavEntry(depth, title, self.resolve(base, src), _fragment(src)))
            for child in point:
                if _local(child.tag) == "navPoint":
                    walk(child, depth + 1)

        nav_map = next(_children(root, "navMap"), None)
        for point in nav_map if nav_map is not None else []:
            if _local(point.tag) == "navPoint":
                walk(point, 1)
        return entries

    def metadata(self) -> Metadata:
        meta = next(_children(self.opf, "metadata"), None)
        if meta is None:
            return Metadata()
        roles = {
            m.get("refines", "").lstrip("#"): (m.text or "").strip()
            for m in _children(meta, "meta")
            if m.get("property") == "role"
        }
        authors, narrators = [], []
        for element in meta:
            if _local(element.tag) not in ("creator", "contributor") or not element.text:
                continue
            role = next((v for k, v in element.attrib.items() if _local(k) == "role"), "")
            role = roles.get(element.get("id", ""), role) or (
                "aut" if _local(element.tag) == "creator" else ""
            )
            if role == "aut":
                authors.append(_flat(element.text))
            elif role == "nrt":
                narrators.append(_flat(element.text))

        def first(name: str) -> str:
            found = next((e for e in meta if _local(e.tag) == name and e.text), None)
            return _flat(found.text or "") if found is not None else ""

        year = _YEAR.search(first("date"))
        description = first("description")
        if "<" in description:  # EPUBs often hold HTML here
            parsed = parse_html(f"<body>{description}</body>")
            description = " ".join(i.text for i in parsed.items if isinstance(i, Text | Heading))
        language = first("language")
        return Metadata(
            title=first("title"),
            authors=tuple(authors),
            narrators=tuple(narrators),
            language=language if 2 <= len(language) <= 12 else "",
            year=int(year[1]) if year else None,
            description=description,
        )

    def landmarks(self) -> dict[tuple[str, str], str]:
        """{(document, fragment): reason} of the front and back matter the package names: the
        EPUB 3 landmarks nav, and the EPUB 2 guide."""
        found: dict[tuple[str, str], str] = {}
        for ref in _children(self.opf, "reference"):  # EPUB 2 <guide>
            kind, href = ref.get("type", "").lower(), ref.get("href", "")
            if kind in MATTER and href:
                found[self.resolve(self.base, href), _fragment(href)] = MATTER[kind]
        nav = self._nav
        if nav is not None:
            base = posixpath.dirname(nav)
            for kind, href in _LandmarksParser.entries(self.text(nav)):
                if kind in MATTER:
                    found[self.resolve(base, href), _fragment(href)] = MATTER[kind]
        return found

    def cover(self) -> tuple[str, bytes] | None:
        """(member name, bytes) of the cover image the package names, if any."""
        path = next(
            (p for p, _, props in self.items.values() if "cover-image" in props), None
        )  # EPUB 3
        if path is None:  # EPUB 2: <meta name="cover" content="item id">
            meta = next((m for m in _children(self.opf, "meta") if m.get("name") == "cover"), None)
            item = self.items.get(meta.get("content", "")) if meta is not None else None
            path = item[0] if item and item[1].startswith("image/") else None
        if path is None or path not in self.zip.NameToInfo:
            return None
        return path, self.read(path, MAX_IMAGE)


class _NavParser(HTMLParser):
    """The entries of an EPUB 3 nav document's <nav epub:type="toc">, with their depth."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_toc = 0  # nesting of elements inside the toc nav
        self.depth = 0  # of <ol>
        self.href: str | None = None
        self.label: list[str] = []
        self.found: list[tuple[int, str, str]] = []

    @classmethod
    def entries(cls, markup: str, base: str, package: Package) -> list[NavEntry]:
        parser = cls()
        parser.feed(markup)
        parser.close()
        return [
            NavEntry(depth, label, package.resolve(base, href), _fragment(href))
            for depth, label, href in parser.found
            if href and not href.startswith(("http:", "https:", "mailto:"))
        ]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav" and "toc" in a.get("epub:type", "").split() and not self.found:
            self.in_toc = 1
            return
        if not self.in_toc:
            return
        if tag == "nav":
            self.in_toc += 1
        if tag == "ol":
            self.depth += 1
        elif tag == "a":
            self.href, self.label = a.get("href", ""), []

    def handle_endtag(self, tag: str) -> None:
        if not self.in_toc:
            return
        if tag == "nav":
            self.in_toc -= 1
        elif tag == "ol":
            self.depth -= 1
        elif tag == "a" and self.href is not None:
            self.found.append((self.depth, _flat("".join(self.label)), self.href))
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.in_toc and self.href is not None:
            self.label.append(data)


class _LandmarksParser(HTMLParser):
    """(epub:type, href) of the links in an EPUB 3 nav document's <nav epub:type="landmarks">."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = 0
        self.found: list[tuple[str, str]] = []

    @classmethod
    def entries(cls, markup: str) -> list[tuple[str, str]]:
        parser = cls()
        parser.feed(markup)
        parser.close()
        return parser.found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav":
            landmarks = "landmarks" in a.get("epub:type", "").split()
            self.inside = self.inside + 1 if (self.inside or landmarks) else 0
        elif tag == "a" and self.inside and a.get("href"):
            for kind in a.get("epub:type", "").split():
                self.found.append((kind.lower(), a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.inside:
            self.inside -= 1


def _fragment(href: str) -> str:
    return unquote(href.partition("#")[2])


def _flat(text: str) -> str:
    return " ".join(text.split())
