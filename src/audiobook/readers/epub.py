"""EPUB 2 and 3 in: the package's spine, navigation and metadata -> the same Book the text reader
makes (SPECS.md section 11).

Reading order is the spine (items marked linear="no" are not main text); chapters start where
the navigation points (the EPUB 3 nav document's toc, else the EPUB 2 NCX), also into the middle
of a file, several in one file or one over several files; nested entries (parts holding chapters)
are said as the text reader says parts. The text of each spine document comes from
html_blocks.py, which leaves out what is not read aloud; chapters.split_sections titles the
chapters and skips front matter without prose, as for text.

An EPUB is a ZIP of XML from anywhere, so it is read as untrusted: nothing is extracted to disk,
every member is read through a cap (a member that inflates beyond any book is refused however
small its header claims it is), a file named outside the package is refused, and the package's
XML is parsed by defusedxml, which refuses entity declarations (a "billion laughs" file); a
content document that declares entities is refused too. Every such fault is one InputError
naming the file.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

from audiobook.book import Block, Book, Paragraph, SceneBreak, Skipped
from audiobook.config import BookMeta, SplitOptions, load_book_meta
from audiobook.errors import InputError
from audiobook.readers.chapters import Section, paragraph, split_sections
from audiobook.readers.cover import prepare_cover, read_cover
from audiobook.readers.html_blocks import Anchor, Break, Heading, Item, Omitted, Text, parse_html
from audiobook.readers.text import book_language, find_cover

SUFFIXES = (".epub",)
MAX_MEMBERS = 20_000
MAX_DOCUMENT = 32 << 20  # one XHTML, OPF or NCX file: a novel's whole text is a few MB
MAX_IMAGE = 50 << 20
MAX_TOTAL = 512 << 20  # everything read from one EPUB
_ENTITY = re.compile(rb"<!ENTITY", re.I)
# Front and back matter as EPUB 3 landmarks (epub:type) and EPUB 2 guide references name it.
_MATTER = {
    "cover": "cover", "titlepage": "title page", "title-page": "title page",
    "halftitlepage": "title page", "toc": "table of contents", "copyright-page": "copyright page",
    "colophon": "colophon", "imprint": "imprint", "index": "index", "loi": "list of illustrations",
    "lot": "list of tables",
}  # fmt: skip
# Navigation labels that name front or back matter whatever the markup says.
_MATTER_LABEL = re.compile(
    r"^(copyright( page)?|colophon|imprint|(table of )?contents|cover|title page|index"
    r"|(the full )?project gutenberg licen[cs]e)$",
    re.I,
)
_YEAR = re.compile(r"\b(\d{4})\b")


class EpubReader:
    """An .epub file, or a folder (text/) that holds one."""

    name = "epub"
    suffixes = SUFFIXES

    def read(self, source: Path, options: SplitOptions) -> Book:
        return read_epub(source, options)


READER = EpubReader()


@dataclass(frozen=True)
class _NavEntry:
    depth: int
    label: str
    path: str  # the content document, inside the ZIP
    fragment: str


@dataclass(frozen=True)
class _Metadata:
    title: str = ""
    authors: tuple[str, ...] = ()
    narrators: tuple[str, ...] = ()
    language: str = ""
    year: int | None = None
    description: str = ""


def read_epub(source: Path, options: SplitOptions) -> Book:
    path = _epub_file(source)
    folder = source if source.is_dir() else source.parent
    book_meta = load_book_meta(folder)
    with _Package(path) as package:
        found = package.metadata()
        sections, skipped = _sections(package, options)
        cover = package.cover()
    split = split_sections(sections, replace(options, front_matter=True))
    skipped += split.skipped
    if not split.chapters:
        raise InputError(
            "no speakable words in the EPUB's reading order",
            path=path,
            hint="check that the book's text is in its spine, or export it again",
        )
    meta = _merged_meta(book_meta, found)
    language, language_source = book_language(book_meta, {"language": found.language},
                                              split.chapters)  # fmt: skip
    cover_file = find_cover(folder)
    if cover_file is not None:
        cover_data = read_cover(cover_file)
    elif cover is not None:
        cover_data = prepare_cover(cover[1], Path(f"{path}!{cover[0]}"))
    else:
        cover_data = None
    return Book(
        title=meta.title or found.title or path.stem.replace("_", " ").strip() or "Untitled",
        author=meta.author or ", ".join(found.authors) or "Unknown",
        narrator=meta.narrator or ", ".join(found.narrators) or "Unknown",
        language=language,
        language_source=language_source,
        meta=meta,
        chapters=tuple(split.chapters),
        source=source,
        sources=(path,),
        skipped=tuple(skipped),
        cover=cover_data[0] if cover_data else None,
        cover_mime=cover_data[1] if cover_data else "image/jpeg",
    )


def _epub_file(source: Path) -> Path:
    if not source.is_dir():
        if not source.exists():
            raise InputError("no such file or folder", path=source, hint="check the path")
        return source
    found = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if len(found) != 1:
        raise InputError(
            f"the folder holds {len(found)} EPUB files",
            path=source,
            hint="keep one book in a folder, or name the EPUB to read",
        )
    return found[0]


def _merged_meta(book_meta: BookMeta, found: _Metadata) -> BookMeta:
    """book.toml's values over the EPUB's: only what book.toml sets overrides."""
    values: dict[str, Any] = {"year": found.year, "description": found.description or None}
    values.update(book_meta.model_dump(exclude_unset=True))
    return BookMeta.model_validate(values)


# --- sections ------------------------------------------------------------------------------


def _sections(package: _Package, options: SplitOptions) -> tuple[list[Section], list[Skipped]]:
    """The reading order cut where the navigation points: [(heading, blocks)], and what the
    package holds outside the reading order."""
    skipped: list[Skipped] = []
    items: list[Item] = []
    starts: dict[str, int] = {}  # content document -> where its items begin
    anchors: dict[tuple[str, str], int] = {}
    notes: dict[str, str] = {}
    matter = package.landmarks()
    for doc, linear in package.spine():
        parsed = parse_html(package.text(doc), alt_text=options.alt_text)
        notes.update(parsed.notes)
        if (doc, "") in matter:  # the whole document is front or back matter
            parsed.items = _omitted(parsed.items, matter[doc, ""])
        if not linear:
            said = " ".join(i.text for i in parsed.items if isinstance(i, Text | Heading))
            if said:
                skipped.append(Skipped('not in the reading order (linear="no")', said))
            skipped += [Skipped(i.reason, i.text) for i in parsed.items if isinstance(i, Omitted)]
            continue
        starts[doc] = len(items)
        for item in parsed.items:
            if isinstance(item, Anchor):
                anchors.setdefault((doc, item.id), len(items))
            items.append(item)
    targets: list[tuple[int, str, str | None, bool]] = []  # (position, label, why not read,
    # whether it holds the entries after it)
    entries = package.navigation()
    for n, entry in enumerate(entries):
        if entry.path not in starts:
            continue  # a document outside the reading order (notes): not a chapter
        position = anchors.get((entry.path, entry.fragment), starts[entry.path])
        item = items[position] if position < len(items) else None
        # Why the entry is not read, if it is not: a landmark, a label that says so, or a
        # place inside something html_blocks leaves out (its text is already Omitted).
        omitted = matter.get((entry.path, entry.fragment)) or (
            "front or back matter" if _MATTER_LABEL.match(entry.label) else None
        )
        if omitted is None and isinstance(item, Anchor) and item.omitted:
            omitted = "not read"
        holds = n + 1 < len(entries) and entries[n + 1].depth > entry.depth
        targets.append((position, entry.label, omitted, holds))
    if not targets:  # no navigation at all: the documents' own headings
        targets = _heading_targets(items)
    targets.sort(key=lambda t: t[0])
    cuts: list[tuple[int, str | None, str | None, bool]] = [(0, None, None, False), *targets]
    sections = []
    for n, (start, label, omitted, holds) in enumerate(cuts):
        end = cuts[n + 1][0] if n + 1 < len(cuts) else len(items)
        section = _section(items[start:end], label, omitted, notes, options)
        sections.append(replace(section, part=holds))
    return sections, skipped


def _omitted(items: list[Item], reason: str) -> list[Item]:
    """A document's items when all of it is not read: its anchors, and its text as one Omitted."""
    said = " ".join(i.text for i in items if isinstance(i, Text | Heading | Omitted))
    anchors: list[Item] = [replace(i, omitted=True) for i in items if isinstance(i, Anchor)]
    return [*anchors, Omitted(reason, said)] if said else anchors


def _heading_targets(items: list[Item]) -> list[tuple[int, str, str | None, bool]]:
    """Without navigation, chapters start at the highest level of heading used more than once."""
    levels = [i.level for i in items if isinstance(i, Heading) and i.level <= 3]
    chosen = min((lv for lv in set(levels) if levels.count(lv) > 1), default=None)
    if chosen is None:
        chosen = min(levels, default=None)
    return [
        (n, i.text, None, False)
        for n, i in enumerate(items)
        if isinstance(i, Heading) and chosen is not None and i.level <= chosen
    ]


def _section(
    items: list[Item],
    label: str | None,
    omitted: str | None,
    notes: dict[str, str],
    options: SplitOptions,
) -> Section:
    """One chapter's worth of items as a Section; LABEL is its navigation entry's, OMITTED why
    it is not read (then its text is listed as not spoken, and it is no chapter)."""
    if omitted and omitted != "not read":
        items = _omitted(items, omitted)
    heading = label
    blocks: list[Block | Skipped] = []
    pages: list[str] = []
    referred: list[str] = []
    readable = False
    titled = False
    for item in items:
        if isinstance(item, Heading) and label is not None and not (readable or titled):
            heading, titled = item.text, True  # the chapter's heading, as the text prints it
            continue
        if isinstance(item, Text | Heading):
            readable = True
            blocks.append(paragraph(item.text))
            if isinstance(item, Text):
                referred += [ref for ref in item.notes if ref not in referred]
        elif isinstance(item, Break):
            blocks.append(SceneBreak())
        elif isinstance(item, Omitted):
            if item.reason == "page number":
                pages.append(item.text)
            elif not (options.notes and item.reason == "footnote" and item.text in notes.values()):
                blocks.append(Skipped(item.reason, item.text))
    if options.notes and referred:
        said = [notes[ref] for ref in referred if ref in notes]
        if said:
            blocks.append(SceneBreak())
            blocks += [Paragraph(text) for text in said]
    if pages:
        blocks.append(Skipped("page numbers", " ".join(pages)))
    if omitted or (not readable and any(isinstance(b, Skipped) for b in blocks)):
        # A navigation entry for something not read (a licence, a copyright page): no
        # chapter, and no title said with the next one; its text is listed as not spoken.
        heading = None
    return Section(heading, tuple(blocks))


# --- the package -----------------------------------------------------------------------------


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (e for e in element.iter() if _local(e.tag) == name)


class _Package:
    """The ZIP, its container and its OPF package document, read within bounds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._read = 0
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise self.error(f"not an EPUB: not a ZIP file ({exc})") from None
        if len(self.zip.infolist()) > MAX_MEMBERS:
            raise self.error(f"holds more than {MAX_MEMBERS:,} files: not a book")
        if "META-INF/container.xml" not in self.zip.NameToInfo:
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

    def __enter__(self) -> _Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def error(self, message: str, hint: str | None = None) -> InputError:
        return InputError(message, path=self.path, hint=hint or "export the book again as EPUB")

    def resolve(self, base: str, href: str) -> str:
        """A member's path from an href relative to BASE; refused when it leaves the package."""
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
        data = self.read(name)
        try:
            return SafeXml.fromstring(data, forbid_dtd=False)
        except DefusedXmlException:
            raise self.error(f"{name!r} declares XML entities, which a book never needs") from None
        except ParseError as exc:
            raise self.error(f"{name!r} is not well-formed XML ({exc})") from None

    def text(self, name: str) -> str:
        data = self.read(name)
        if _ENTITY.search(data[:65536]):
            raise self.error(f"{name!r} declares XML entities, which a book never needs")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16", "replace")
        declared = re.match(rb"<\?xml[^>]*encoding=[\"']([\w.-]+)", data[:200])
        try:
            return data.decode(declared[1].decode() if declared else "utf-8", "replace")
        except LookupError:
            return data.decode("utf-8", "replace")

    def spine(self) -> Iterator[tuple[str, bool]]:
        """(content document, linear) in reading order."""
        spine = next(_children(self.opf, "spine"), None)
        if spine is None:
            raise self.error("its package has no spine (no reading order)")
        for ref in _children(spine, "itemref"):
            item = self.items.get(ref.get("idref", ""))
            if item is None:
                raise self.error(f"its spine names {ref.get('idref')!r}, which is not in it")
            if item[0] not in self.zip.NameToInfo:
                raise self.error(f"its spine names {item[0]!r}, which the file does not hold")
            yield item[0], ref.get("linear", "yes").strip().lower() != "no"

    def navigation(self) -> list[_NavEntry]:
        """The table of contents: the EPUB 3 nav document's toc, else the EPUB 2 NCX."""
        nav = next((path for path, _, props in self.items.values() if "nav" in props), None)
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

    def _ncx_entries(self, root: Element, base: str) -> list[_NavEntry]:
        entries: list[_NavEntry] = []

        def walk(point: Element, depth: int) -> None:
            label = next(_children(point, "text"), None)
            content = next((c for c in point if _local(c.tag) == "content"), None)
            src = content.get("src", "") if content is not None else ""
            if src:
                title = _flat(label.text or "") if label is not None else ""
                entries.append(_NavEntry(depth, title, self.resolve(base, src), _fragment(src)))
            for child in point:
                if _local(child.tag) == "navPoint":
                    walk(child, depth + 1)

        nav_map = next(_children(root, "navMap"), None)
        for point in nav_map if nav_map is not None else []:
            if _local(point.tag) == "navPoint":
                walk(point, 1)
        return entries

    def metadata(self) -> _Metadata:
        meta = next(_children(self.opf, "metadata"), None)
        if meta is None:
            return _Metadata()
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
        return _Metadata(
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
            if kind in _MATTER and href:
                found[self.resolve(self.base, href), _fragment(href)] = _MATTER[kind]
        nav = next((path for path, _, props in self.items.values() if "nav" in props), None)
        if nav is not None:
            base = posixpath.dirname(nav)
            for kind, href in _LandmarksParser.entries(self.text(nav)):
                if kind in _MATTER:
                    found[self.resolve(base, href), _fragment(href)] = _MATTER[kind]
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
    def entries(cls, markup: str, base: str, package: _Package) -> list[_NavEntry]:
        parser = cls()
        parser.feed(markup)
        parser.close()
        return [
            _NavEntry(depth, label, package.resolve(base, href), _fragment(href))
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
