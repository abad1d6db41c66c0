"""One HTML or XHTML file in: headings h1-h3 as chapters -> the same Book the text reader makes.

The markup is read by html_blocks.py, as the EPUB reader reads each of its documents. Chapters
start at the highest heading level (h1, h2 or h3) that the file uses more than once, so that a
lone <h1> with the book's title above <h2> chapters is the title, not a chapter; a higher
heading with no text of its own (a part) is said with the chapter after it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from audiobook.core.book import Book, Skipped
from audiobook.core.config import SplitOptions, load_book_meta
from audiobook.core.errors import InputError
from audiobook.readers.assemble import Manuscript, assemble_book
from audiobook.readers.html_blocks import Heading, Item, SectionBlocks, parse_html
from audiobook.readers.interface import one_file
from audiobook.readers.sections import Section, split_sections
from audiobook.readers.text import decode_text

SUFFIXES = (".html", ".htm", ".xhtml")
MAX_BYTES = 64 << 20  # a whole novel in one HTML file is a few MB


class HtmlReader:
    """A single .html/.xhtml file, or a folder (text/) that holds one."""

    name = "html"
    suffixes = SUFFIXES

    def read(self, source: Path, options: SplitOptions) -> Book:
        return read_html(source, options)


READER = HtmlReader()


def read_html(source: Path, options: SplitOptions) -> Book:
    path = one_file(source, SUFFIXES, "HTML")
    folder = source if source.is_dir() else source.parent
    meta = load_book_meta(folder)
    with path.open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(
            f"larger than {MAX_BYTES >> 20} MB: not one book", path=path, hint="split it"
        )
    parsed = parse_html(decode_text(data, path), alt_text=options.alt_text)
    sections = _sections(parsed.items, parsed.notes, options)
    # Text before the first heading that is not prose (a title, a byline) is front matter.
    split = split_sections(sections, replace(options, front_matter=True))
    if not split.chapters:
        raise InputError(
            "no speakable words in the file",
            path=path,
            hint="add text to it, or point audiobook at the manuscript",
        )
    title = parsed.title or next((i.text for i in parsed.items if isinstance(i, Heading)), "")
    return assemble_book(
        source,
        meta,
        Manuscript(
            chapters=tuple(split.chapters),
            skipped=tuple(split.skipped),
            sources=(path,),
            title=title,
            author=parsed.meta.get("author", ""),
            language=parsed.language or "",
        ),
    )


def _sections(items: list[Item], notes: dict[str, str], options: SplitOptions) -> list[Section]:
    levels = [i.level for i in items if isinstance(i, Heading) and i.level <= 3]
    repeated = [lv for lv in sorted(set(levels)) if levels.count(lv) > 1]
    chapter_level = repeated[0] if repeated else min(levels, default=0)
    sections: list[Section] = []
    heading: str | None = None
    section = SectionBlocks(notes, options.notes)

    def close() -> None:
        blocks = section.finish()
        blocks += [Skipped("page number", page) for page in section.pages]
        sections.append(Section(heading, tuple(blocks)))

    for item in items:
        if isinstance(item, Heading) and item.level <= chapter_level:
            close()
            heading, section = item.text, SectionBlocks(notes, options.notes)
        else:
            section.add(item)
    close()
    return sections
