"""A DOCX's package around its text: which parts hold what (the relationships), the paragraph
and character styles (word/styles.xml) and the core properties (docProps/core.xml).

A paragraph is a heading because of its style: Word names its built-in heading styles
"heading 1".."heading 9" whatever the language of its menus, LibreOffice and Google Docs write
"Heading 1", and a style of the author's own ("Chapter Title") is a heading through the style it
is based on or through its outline level (`w:outlineLvl`, 0 for a level-1 heading, 9 for body
text). "Title" is the book's title. Styles are read by local name, so ISO 29500 Strict files
(another namespace) read as transitional ones do.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from audiobook.readers.archive import Archive, local
from audiobook.readers.office import Properties, author_of, clean, small_tree

_HEADING = re.compile(r"heading\s*([1-9])")
_OFFICE_DOCUMENT = "/officeDocument"
_MAX_CHAIN = 20  # basedOn links followed (a loop is cut)
# Styles whose paragraphs are not the text, with the reason (Word's names, lower case).
_NOT_READ = (("toc ", "table of contents"), ("toc heading", "table of contents"),
             ("index ", "index"), ("index heading", "index"),
             ("table of figures", "table of contents"))  # fmt: skip


@dataclass(frozen=True)
class ParagraphStyle:
    kind: str = "text"  # "text", "heading" or "title"
    level: int = 0
    reason: str | None = None  # why its paragraphs are not read (a table of contents)
    hidden: bool = False  # its text is hidden (w:vanish)
    rule: bool = False  # drawn as a horizontal line (a top or bottom border)


@dataclass
class _Style:
    name: str
    based_on: str
    outline: int | None  # w:outlineLvl (0-8 a heading level, 9 body text)
    hidden: bool | None
    rule: bool = False


def attr(element: Element, name: str) -> str:
    """ELEMENT's attribute NAME in whatever namespace ("w:val" read as "val")."""
    for key, value in element.attrib.items():
        if key == name or key.endswith("}" + name):
            return value
    return ""


def switched_on(value: str) -> bool:
    """An OOXML on/off property's value: absent means on."""
    return value.lower() not in ("0", "false", "off", "none")


def is_rule(borders: Element) -> bool:
    """Whether a paragraph's borders (w:pBdr) draw a line over or under it, not a box."""
    drawn = {local(b.tag) for b in borders if attr(b, "val") not in ("", "nil", "none")}
    return bool(drawn & {"top", "bottom"}) and not drawn & {"left", "right"}


def outline_level(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class Styles:
    """word/styles.xml: each style's name, parent, outline level and whether it hides text."""

    def __init__(self, root: Element | None) -> None:
        self._styles: dict[str, _Style] = {}
        self.default = ""  # the paragraph style of a paragraph that names none
        self._cache: dict[str, ParagraphStyle] = {}
        for style in root.iter() if root is not None else ():
            if local(style.tag) != "style":
                continue
            found = _Style("", "", None, None)
            for child in style:
                tag = local(child.tag)
                if tag == "name":
                    found.name = attr(child, "val").strip().lower()
                elif tag == "basedOn":
                    found.based_on = attr(child, "val")
                elif tag in ("pPr", "rPr"):
                    for prop in child:
                        if local(prop.tag) == "outlineLvl":
                            found.outline = outline_level(attr(prop, "val"))
                        elif local(prop.tag) == "vanish":
                            found.hidden = switched_on(attr(prop, "val"))
                        elif local(prop.tag) == "pBdr":
                            found.rule = is_rule(prop)
            ident = attr(style, "styleId")
            self._styles[ident] = found
            if attr(style, "type") == "paragraph" and switched_on(attr(style, "default") or "0"):
                self.default = ident

    def _chain(self, ident: str) -> list[_Style]:
        chain: list[_Style] = []
        seen: set[str] = set()
        while ident and ident not in seen and len(chain) < _MAX_CHAIN:
            seen.add(ident)
            style = self._styles.get(ident)
            if style is None:
                break
            chain.append(style)
            ident = style.based_on
        return chain

    def paragraph(self, ident: str | None) -> ParagraphStyle:
        """The paragraph style IDENT (None: the default) as what its paragraphs are."""
        ident = self.default if ident is None else ident
        if ident not in self._cache:
            self._cache[ident] = self._resolve(ident)
        return self._cache[ident]

    def _resolve(self, ident: str) -> ParagraphStyle:
        chain = self._chain(ident)
        hidden = next((s.hidden for s in chain if s.hidden is not None), False)
        rule = any(s.rule or s.name == "horizontal line" for s in chain)
        for style in chain:
            reason = next((r for prefix, r in _NOT_READ if style.name.startswith(prefix)), None)
            if reason is not None:
                return ParagraphStyle(reason=reason, hidden=hidden)
            if style.name == "title":
                return ParagraphStyle("title", hidden=hidden)
            if style.outline is not None:
                if 0 <= style.outline <= 8:
                    return ParagraphStyle("heading", style.outline + 1, hidden=hidden)
                return ParagraphStyle(hidden=hidden, rule=rule)  # body text, whatever its base
            if m := _HEADING.fullmatch(style.name):
                return ParagraphStyle("heading", int(m[1]), hidden=hidden)
        return ParagraphStyle(hidden=hidden, rule=rule)

    def hidden(self, ident: str) -> bool | None:
        """Whether the character style IDENT hides its text (None: it does not say)."""
        return next((s.hidden for s in self._chain(ident) if s.hidden is not None), None)


class Parts:
    """Which members of the package hold the document, its styles, notes and comments (from
    the relationships, else where Word puts them)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        package = self._targets("", "_rels/.rels")
        self.document = package.get(_OFFICE_DOCUMENT) or "word/document.xml"
        self.core = package.get("/core-properties") or "docProps/core.xml"
        if not archive.has(self.document):
            raise archive.error(f"not a DOCX: it has no {self.document}")
        folder, name = posixpath.split(self.document)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        self._related = self._targets(folder, rels)
        self._folder = folder

    def _targets(self, base: str, rels: str) -> dict[str, str]:
        """{relationship type's last segment ("/styles"): member} of the .rels part RELS."""
        if not self.archive.has(rels):
            return {}
        found: dict[str, str] = {}
        for rel in small_tree(self.archive.read(rels), self.archive.path, rels, self.archive.hint):
            target, kind = rel.get("Target", ""), rel.get("Type", "")
            if not target or rel.get("TargetMode") == "External":
                continue
            member = (
                self.archive.resolve("", target.lstrip("/"))
                if target.startswith("/")
                else self.archive.resolve(base, target)
            )
            found.setdefault("/" + kind.rpartition("/")[2], member)
        return found

    def get(self, kind: str) -> str | None:
        """The member of relationship KIND ("styles", "footnotes"), if the package holds it."""
        member = self._related.get("/" + kind) or posixpath.join(self._folder, f"{kind}.xml")
        return member if self.archive.has(member) else None


def styles(archive: Archive, parts: Parts) -> Styles:
    member = parts.get("styles")
    if member is None:
        return Styles(None)
    return Styles(small_tree(archive.read(member), archive.path, member, archive.hint))


def core_properties(archive: Archive, parts: Parts) -> Properties:
    """docProps/core.xml's title, author and language (its keywords are not the book's)."""
    member = parts.core
    if not archive.has(member):
        return Properties()
    root = small_tree(archive.read(member), archive.path, member, archive.hint)
    found: dict[str, str] = {}
    for element in root:
        found.setdefault(local(element.tag), clean(element.text or ""))
    language = found.get("language", "")
    return Properties(
        title=found.get("title", ""),
        author=author_of(found.get("creator", "")),
        language=language if 2 <= len(language) <= 12 else "",
    )
