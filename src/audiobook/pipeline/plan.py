"""Planning what is said: each chapter file's name, tags and credits, and the steps it holds.

A plan is plain data: room tone, the title, then the text as utterances in their voices, with
the pauses between them. Every word of a chapter's body is in exactly one utterance, in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from audiobook.core.audio import Pause
from audiobook.core.book import Book, Chapter, Paragraph, SceneBreak
from audiobook.core.config import Cast, LexiconValue, Timing, Voice
from audiobook.core.errors import InputError
from audiobook.core.files import sha256_bytes
from audiobook.core.phonemes import normalise_ipa
from audiobook.core.words import VOICE_SPAN, count_words
from audiobook.engines import DEFAULT_ENGINE
from audiobook.engines.interface import split_utterances
from audiobook.formats.tags import BookTags, Item
from audiobook.pipeline.cast import BookCast
from audiobook.pipeline.cast.voices import voice_key
from audiobook.pipeline.events import CastLine
from audiobook.pronunciation.lexicon import entries_of, language_matches

# Credits in the book's language: the author's and the narrator's sentences are said only when
# the book names them. voices.toml [credits] can say anything else.
_CREDITS = {
    "en": (" Written by {author}.", " Narrated by {narrator}.", "The End."),
    "de": (" Von {author}.", " Gelesen von {narrator}.", "Ende."),
    "fr": (" De {author}.", " Lu par {narrator}.", "Fin."),
    "es": (" De {author}.", " Narrado por {narrator}.", "Fin."),
    "it": (" Di {author}.", " Letto da {narrator}.", "Fine."),
    "nl": (" Door {author}.", " Voorgelezen door {narrator}.", "Einde."),
}
# A book whose last paragraph is its own "THE END" (or the closing words of its language, or
# "Finis") is not given a second one.
_OWN_ENDINGS = ("the end", "finis")


@dataclass(frozen=True)
class Say:
    text: str  # what the engine is given: lexicon, normalisation, heteronyms (pronunciation)
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
    lexicon: dict[str, LexiconValue]
    language: str
    timing: Timing
    profile: str
    book: BookTags
    item: Item
    opening: str = ""  # credits read before the chapter (the first one)
    closing: str = ""  # credits read after it (the last one)
    captions: bool = True  # NN-title.vtt and .srt beside the chapter's MP3
    # The cast: block -> the quotations read by characters ((start, end, voice name)), each
    # character's name by its voice's, and every quoted line with who reads it.
    cast_spans: dict[int, tuple[tuple[int, int, str], ...]] = field(default_factory=dict)
    speakers: dict[str, str] = field(default_factory=dict)
    lines: tuple[CastLine, ...] = ()
    # Each voice's own language ("en-gb"), by the name the text uses: a heteronym's sense is
    # said in the voice's dialect, not the book's.
    voice_languages: dict[str, str] = field(default_factory=dict)


def plan(
    chapter: Chapter,
    timing: Timing,
    opening: str = "",
    closing: str = "",
    prepare: Callable[[str, str], str] = lambda text, voice: text,
    cast_spans: dict[int, tuple[tuple[int, int, str], ...]] | None = None,
) -> list[Step]:
    """What a chapter file holds, in order: room tone, the title, then the text and its pauses.

    PREPARE turns written text, and the voice that says it, into what is said (lexicon,
    normalisation, heteronyms: pronunciation/spoken); characters' lines
    ("{alice: ...}" written in the text, or the cast's CAST_SPANS: block -> (start, end, voice))
    become utterances in their voice. A paragraph with written voices keeps them: they win
    over the cast's.
    """
    steps: list[Step] = [Pause(timing.head)]
    runs = 0

    def say(written: str, voice: str = "narrator") -> list[Say]:
        nonlocal runs
        runs += 1
        pieces = split_utterances(prepare(written, voice))
        return [Say(p, voice, written, runs) for p in pieces if p.strip()]

    if opening:
        opened = Say(prepare(opening, "narrator"), written=opening, run=-1)
        steps += [opened, Pause(timing.scene_break)]
    if chapter.spoken_title:
        title = chapter.spoken_title
        steps += [Say(prepare(title, "narrator"), written=title, run=0), Pause(timing.after_title)]
    for i, block in enumerate(chapter.blocks):
        if isinstance(block, SceneBreak):
            steps[-1] = Pause(timing.scene_break)
            continue
        assert isinstance(block, Paragraph)
        if block.words:
            spans = (cast_spans or {}).get(i, ())
            if spans and not VOICE_SPAN.search(block.text):
                parts = cast_runs(block.text, spans)
            else:
                parts = voice_runs(block.text)
            for voice, text in parts:
                steps.extend(say(text, voice))
        if i < len(chapter.blocks) - 1:
            steps.append(Pause(timing.paragraph))
    if closing:
        steps += [
            Pause(timing.scene_break),
            Say(prepare(closing, "narrator"), written=closing, run=-2),
        ]
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


def cast_runs(text: str, spans: tuple[tuple[int, int, str], ...]) -> list[tuple[str, str]]:
    """[(voice name, text)] in order: the narrator's text and the cast's lines (SPANS: each
    quotation's (start, end, voice), marks included). Every word of TEXT is in one run."""
    runs: list[tuple[str, str]] = []
    position = 0
    for start, end, voice in spans:
        runs.append(("narrator", text[position:start]))
        runs.append((voice, text[start:end]))
        position = end
    runs.append(("narrator", text[position:]))
    merged: list[tuple[str, str]] = []
    for voice, part in runs:
        if not count_words(part):
            continue  # marks and commas between two quotations: nothing is lost
        if merged and merged[-1][0] == voice:  # a quotation continued in the same voice
            merged[-1] = (voice, merged[-1][1] + " " + part.strip())
        else:
            merged.append((voice, part.strip()))
    return merged


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


def check_lexicon(
    cast: Cast, language: str, source: Path, character_voices: dict[str, Voice] | None = None
) -> None:
    """Every lexicon entry given as IPA can be said by every voice it applies to: a phoneme a
    voice lacks would be left out of the audio without a word (Piper, Kokoro) or misread."""
    from audiobook.engines import engine_module

    voices = {**cast.voices(), **(character_voices or {})}
    for word, value in cast.lexicon.items():
        for entry in entries_of(value):
            if entry.ipa is None or not language_matches(entry.language, language):
                continue
            scope = {v.lower() for v in entry.voices} if entry.voices is not None else None
            ipa = normalise_ipa(entry.ipa)
            for key, voice in voices.items():
                if scope is not None and key.lower() not in scope:
                    continue
                module = engine_module(voice.engine or DEFAULT_ENGINE)
                symbol = module.unsayable(ipa, voice)
                if symbol is not None:
                    raise InputError(
                        f"lexicon entry {word!r}: {module.TITLE} {voice.voice} has no phoneme "
                        f"for {symbol!r} in {entry.ipa!r}",
                        path=source,
                        hint="write the IPA with the phonemes of its language, or give a "
                        "respelling (say = ...)",
                    )


def make_jobs(
    book: Book,
    cast: Cast,
    found: BookCast | None = None,
    character_voices: dict[str, Voice] | None = None,
    voice_languages: dict[str, str] | None = None,
) -> list[ChapterJob]:
    """A job per chapter; FOUND: the cast, whose characters' CHARACTER_VOICES (by voice_key)
    read their lines; VOICE_LANGUAGES: each voice's own language, by its key."""
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
    voices = {**cast.voices(), **(character_voices or {})}
    return [
        ChapterJob(
            chapter=chapter,
            file_name=f"{chapter.index:0{width}d}-{slugify(chapter.title)}.mp3",
            voices=voices,
            lexicon=cast.lexicon,
            language=book.language,
            timing=cast.timing,
            profile=cast.output.profile,
            book=tags,
            item=Item(chapter.title, chapter.index, total),
            captions=cast.output.captions,
            opening=opening if chapter.index == 1 else "",
            closing=closing if chapter.index == total else "",
            voice_languages=voice_languages or {},
            **_chapter_cast(chapter, found, voices),
        )
        for chapter in book.chapters
    ]


def _chapter_cast(chapter: Chapter, found: BookCast | None, voices: dict[str, Voice]) -> dict:
    """A chapter job's cast_spans, speakers and lines (make_jobs)."""
    if found is None:
        return {}
    spans = {
        block: tuple((start, end, voice_key(name)) for start, end, name in quotes)
        for block, quotes in found.spans(chapter.index).items()
    }
    missing = {key for quotes in spans.values() for _, _, key in quotes} - set(voices)
    if missing:  # a character without a voice of its own is read by the narrator
        spans = {
            block: tuple(q for q in quotes if q[2] not in missing)
            for block, quotes in spans.items()
        }
    speakers = {voice_key(c.name): c.name for c in found.characters if c.voice is not None}
    lines = tuple(
        CastLine(
            block=line.block,
            text=line.text,
            speaker=found.speaker(line),
            voice=_described(voices.get(voice_key(found.voiced(line) or ""))),
            how=line.how,
            confidence=line.confidence,
            tagged=line.tagged,
        )
        for line in found.lines
        if line.chapter == chapter.index
    )
    return {"cast_spans": spans, "speakers": speakers, "lines": lines}


def credits(book: Book, cast: Cast) -> tuple[str, str]:
    """The opening and closing credits to read, or "" where voices.toml turns them off."""
    language = book.language.split("-")[0].lower()
    written_by, narrated_by, closing_text = _CREDITS.get(language, _CREDITS["en"])
    opening_text = (
        "{title}." + (written_by if book.author else "") + (narrated_by if book.narrator else "")
    )
    fields = {"title": book.title, "author": book.author, "narrator": book.narrator}
    opening = (cast.credits.opening_text or opening_text).format(**fields)
    closing = (cast.credits.closing_text or closing_text).format(**fields)
    last = book.chapters[-1].paragraphs if book.chapters else ()
    if last and _bare(last[-1].text) in (_bare(closing_text), *_OWN_ENDINGS):
        closing = ""  # the book says it itself
    return (
        opening if cast.credits.opening else "",
        closing if cast.credits.closing else "",
    )


def _bare(text: str) -> str:
    """TEXT's words only, lower case: "THE END." -> "the end"."""
    return " ".join(re.findall(r"\w+", text.lower()))


def slugify(title: str, limit: int = 48) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "chapter"


def tags_key(book: BookTags) -> dict[str, Any]:
    """The book's tags as a cache key sees them: the cover by its hash."""
    tags = asdict(replace(book, cover=None))
    tags["cover"] = sha256_bytes(book.cover) if book.cover else None
    return tags


def _described(voice: Voice | None) -> str:
    """A character's voice as the manifest names it ("kokoro bf_emma"), or "narrator"."""
    return f"{voice.engine} {voice.voice}" if voice is not None else "narrator"
