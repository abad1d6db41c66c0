"""EPUB 2 and 3 in: the package's spine, navigation and metadata -> the same Book the text reader
makes (SPECS.md section 11).

Reading order is the spine (items marked linear="no" are not main text); chapters start where
the navigation points (the EPUB 3 nav document's toc, else the EPUB 2 NCX), also into the middle
of a file, several in one file or one over several files; nested entries (parts holding chapters)
are said as the text reader says parts. The text of each spine document comes from
html_blocks.py, which leaves out what is not read aloud; chapters.split_sections titles the
chapters and skips front matter without prose, as for text.

The package itself (the ZIP, read as untrusted, and its XML) is epub_package.py's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from audiobook.core.book import Book, Skipped
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book
from audiobook.readers.epub_package import MATTER_LABEL, Package
from audiobook.readers.html_blocks import (
    Anchor,
    Heading,
    Item,
    Omitted,
    SectionBlocks,
    Text,
    parse_html,
)
from audiobook.readers.interface import FileReader, one_file
from audiobook.readers.sections import Section, split_sections

SUFFIXES = (".epub",)


def read_epub(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "EPUB")
    folder = source if source.is_dir() else source.parent
    book_meta = load_book_meta(folder)
    with Package(path) as package:
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
    return assemble_book(
        source,
        book_meta,
        Manuscript(
            chapters=tuple(split.chapters),
            skipped=tuple(skipped),
            sources=(path,),
            title=found.title,
            author=", ".join(found.authors),
            narrator=", ".join(found.narrators),
            language=found.language,
            year=found.year,
            description=found.description,
            # Named as the member of the package it is, should it be refused.
            cover=(cover[1], Path(f"{path}!{cover[0]}")) if cover is not None else None,
        ),
    )


# --- sections ------------------------------------------------------------------------------


def _sections(package: Package, options: SplitOptions) -> tuple[list[Section], list[Skipped]]:
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
        first = items[position] if position < len(items) else None
        # Why the entry is not read, if it is not: a landmark, a label that says so, or a
        # place inside something html_blocks leaves out (its text is already Omitted).
        omitted = matter.get((entry.path, entry.fragment)) or (
            "front or back matter" if MATTER_LABEL.match(entry.label) else None
        )
        if omitted is None and isinstance(first, Anchor) and first.omitted:
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
    section = SectionBlocks(notes, options.notes)
    titled = False
    for item in items:
        if isinstance(item, Heading) and label is not None and not (section.readable or titled):
            heading, titled = item.text, True  # the chapter's heading, as the text prints it
            continue
        section.add(item)
    blocks = section.finish()
    if section.pages:
        blocks.append(Skipped("page numbers", " ".join(section.pages)))
    if omitted or (not section.readable and any(isinstance(b, Skipped) for b in blocks)):
        # A navigation entry for something not read (a licence, a copyright page): no
        # chapter, and no title said with the next one; its text is listed as not spoken.
        heading = None
    return Section(heading, tuple(blocks))


# An .epub file, or a folder (text/) that holds one.
READER = FileReader("epub", SUFFIXES, read_epub)
