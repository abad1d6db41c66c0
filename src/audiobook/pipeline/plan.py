"""Planning what is said: each chapter file's name, tags and credits, and the steps it holds.

A plan is plain data: room tone, the title, then the text as utterances in their voices, with
the pauses between them. Every word of a chapter's body is in exactly one utterance, in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from audiobook.core.audio import Pause
from audiobook.core.book import Book, Chapter, Paragraph, SceneBreak
from audiobook.core.config import Cast, Timing, Voice
from audiobook.core.errors import InputError
from audiobook.core.files import sha256_bytes
from audiobook.core.words import VOICE_SPAN, count_words
from audiobook.engines.interface import split_utterances
from audiobook.formats.tags import BookTags, Item

# Credits in the book's language; voices.toml [credits] can say anything else.
_CREDITS = {
    "en": ("{title}. Written by {author}. Narrated by {narrator}.", "The End."),
    "de": ("{title}. Von {author}. Gelesen von {narrator}.", "Ende."),
    "fr": ("{title}. De {author}. Lu par {narrator}.", "Fin."),
    "es": ("{title}. De {author}. Narrado por {narrator}.", "Fin."),
    "it": ("{title}. Di {author}. Letto da {narrator}.", "Fine."),
    "nl": ("{title}. Door {author}. Voorgelezen door {narrator}.", "Einde."),
}


@dataclass(frozen=True)
class Say:
    text: str  # what the engine is given: lexicon and normalisation applied
    voice: str = "narrator"
    # The manuscript's text this was said for, as written (for captions), and which written run
    # it belongs to: a long paragraph is several utterances of one run. Not part of any key.
    written: str = ""
    run: int = 0


Step = Say | Pause


@dataclass(frozen=True)
class ChapterJob:
    """Everything one chapter's file depends on."""

    chapter: Chapter
    file_name: str
    voices: dict[str, Voice]  # by the name the text uses; the narrator's is "narrator"
    lexicon: dict[str, str]
    language: str
    timing: Timing
    profile: str
    book: BookTags
    item: Item
    opening: str = ""  # credits read before the chapter (the first one)
    closing: str = ""  # credits read after it (the last one)
    captions: bool = True  # NN-title.vtt and .srt beside the chapter's MP3


def plan(
    chapter: Chapter,
    timing: Timing,
    opening: str = "",
    closing: str = "",
    prepare: Callable[[str], str] = lambda text: text,
) -> list[Step]:
    """What a chapter file holds, in order: room tone, the title, then the text and its pauses.

    PREPARE turns written text into what is said (lexicon, normalisation); characters' lines
    ("{alice: ...}") become utterances in their voice.
    """
    steps: list[Step] = [Pause(timing.head)]
    runs = 0

    def say(written: str, voice: str = "narrator") -> list[Say]:
        nonlocal runs
        runs += 1
        pieces = split_utterances(prepare(written))
        return [Say(p, voice, written, runs) for p in pieces if p.strip()]

    if opening:
        steps += [Say(prepare(opening), written=opening, run=-1), Pause(timing.scene_break)]
    if chapter.spoken_title:
        title = chapter.spoken_title
        steps += [Say(prepare(title), written=title, run=0), Pause(timing.after_title)]
    for i, block in enumerate(chapter.blocks):
        if isinstance(block, SceneBreak):
            steps[-1] = Pause(timing.scene_break)
            continue
        assert isinstance(block, Paragraph)
        if block.words:
            for voice, text in voice_runs(block.text):
                steps.extend(say(text, voice))
        if i < len(chapter.blocks) - 1:
            steps.append(Pause(timing.paragraph))
    if closing:
        steps += [Pause(timing.scene_break), Say(prepare(closing), written=closing, run=-2)]
    steps.append(Pause(timing.tail))
    return steps


def voice_runs(text: str) -> list[tuple[str, str]]:
    """[(voice name, text)] in order: the narrator's text and the characters' lines."""
    runs: list[tuple[str, str]] = []
    position = 0
    for m in VOICE_SPAN.finditer(text):
        runs.append(("narrator", text[position : m.start()]))
        runs.append((m[1], m[2]))
        position = m.end()
    runs.append(("narrator", text[position:]))
    return [(voice, part.strip()) for voice, part in runs if count_words(part)]


def check_voice_names(book: Book, cast: Cast) -> None:
    """Every "{name: ...}" in the text names a voice of voices.toml: a typo is not read aloud."""
    for chapter in book.chapters:
        for paragraph in chapter.paragraphs:
            for m in VOICE_SPAN.finditer(paragraph.text):
                if m[1] not in cast.voices():
                    known = ", ".join(sorted(cast.characters)) or "none"
                    raise InputError(
                        f"chapter {chapter.index} ({chapter.title}) gives a line to the voice "
                        f"{m[1]!r}, which voices.toml does not define (characters: {known})",
                        path=book.source,
                        hint=f"add [characters.{m[1]}] to voices.toml, or fix the name",
                    )


def make_jobs(book: Book, cast: Cast) -> list[ChapterJob]:
    total = len(book.chapters)
    width = max(2, len(str(total)))
    tags = BookTags(
        title=book.title,
        author=book.author,
        narrator=book.narrator,
        genre=book.meta.genre,
        year=book.meta.year,
        language=book.language,
        description=book.meta.description,
        cover=book.cover,
        cover_mime=book.cover_mime,
    )
    opening, closing = credits(book, cast)
    return [
        ChapterJob(
            chapter=chapter,
            file_name=f"{chapter.index:0{width}d}-{slugify(chapter.title)}.mp3",
            voices=cast.voices(),
            lexicon=cast.lexicon,
            language=book.language,
            timing=cast.timing,
            profile=cast.output.profile,
            book=tags,
            item=Item(chapter.title, chapter.index, total),
            captions=cast.output.captions,
            opening=opening if chapter.index == 1 else "",
            closing=closing if chapter.index == total else "",
        )
        for chapter in book.chapters
    ]


def credits(book: Book, cast: Cast) -> tuple[str, str]:
    """The opening and closing credits to read, or "" where voices.toml turns them off."""
    language = book.language.split("-")[0].lower()
    opening_text, closing_text = _CREDITS.get(language, _CREDITS["en"])
    fields = {"title": book.title, "author": book.author, "narrator": book.narrator}
    opening = (cast.credits.opening_text or opening_text).format(**fields)
    closing = (cast.credits.closing_text or closing_text).format(**fields)
    return (
        opening if cast.credits.opening else "",
        closing if cast.credits.closing else "",
    )


def slugify(title: str, limit: int = 48) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "chapter"


def tags_key(book: BookTags) -> dict[str, Any]:
    """The book's tags as a cache key sees them: the cover by its hash."""
    tags = asdict(replace(book, cover=None))
    tags["cover"] = sha256_bytes(book.cover) if book.cover else None
    return tags
