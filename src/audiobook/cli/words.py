"""words: the names and words a producer should hear before a render, how often a listener hears
each, where it first comes, and how the engine will say it; with --audio, a clip of each.

`--json` prints one document:

    {"book": "...", "language": "en", "phonemes": "en-us",
     "words": [{"word": "Bennet", "kind": "name", "count": 332, "chapter": 1,
                "chapter_title": "Chapter 1", "context": "\\"My dear Mr. Bennet,\\" said his …",
                "ipa": "bˈɛnɪt", "known": false, "lexicon": null, "note": null}]}

`kind` is name, foreign, heteronym, abbreviation, number or unknown; `count` how often the word
is heard; `chapter` the index of the chapter it first comes in; `ipa` how it will be said
(eSpeak NG's phonemes in the language `phonemes`, or the lexicon's); `known` whether eSpeak NG's
dictionary has it (false: guessed from its spelling); `lexicon` what the lexicon puts in its
place (a respelling or `[[ipa]]`), or null; `note` how a heteronym's occurrences are said. With
--audio each word also has `clip`, its file in the folder (which holds this document too, as
index.json, and words.m3u to play the clips in order).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from audiobook.cli.shared import (
    DEFAULT_VOICES,
    HeadingOpt,
    JsonOpt,
    SkipOpt,
    SourceArg,
    TargetOpt,
    VoicesOpt,
    book_narrator,
    err,
    out,
    require_explicit,
)
from audiobook.core.errors import InputError, SetupError

if TYPE_CHECKING:
    from audiobook.core.book import Book
    from audiobook.core.config import Cast
    from audiobook.pronunciation.lexicon import Lexicon
    from audiobook.pronunciation.words import Word

# The kinds the listing shows unless asked: the unknown words are many (see pronunciation/words).
SHOWN = ("name", "foreign", "heteronym", "abbreviation", "number")
CLIP_WORDS = 30  # a longer sentence is cut to the words around the word, for a short clip


def words(
    source: SourceArg = Path("text"),
    voices: VoicesOpt = DEFAULT_VOICES,
    heading_pattern: HeadingOpt = None,
    skip: SkipOpt = None,
    target_words: TargetOpt = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Only words of this kind: name, foreign, heteronym, abbreviation, number or "
            "unknown (rare words eSpeak NG's dictionary lacks; not listed unless asked). "
            "Repeatable.",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="The most heard words of each kind listed.")
    ] = 20,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every word of every kind, the unknown ones too.")
    ] = False,
    audio: Annotated[
        Path | None,
        typer.Option(
            "--audio",
            help="Write a clip of each word listed into this folder (the word, then its "
            "sentence, said by the narrator as a render would), with index.json and words.m3u.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the names and words to hear in SOURCE before rendering, and how each will be said.

    Names first, then foreign words, heteronyms, abbreviations and numbers left as written, each
    kind by how often a listener hears it. How a word is said is eSpeak NG's phonemes, which
    every engine here starts from (a Piper or Kokoro voice phonemises with its own espeak-ng), or
    the lexicon's where voices.toml has an entry for it.
    """
    from audiobook import engines
    from audiobook.core.config import SplitOverrides, load_cast
    from audiobook.engines.espeak_phonemes import say_words
    from audiobook.pronunciation.lexicon import Lexicon
    from audiobook.pronunciation.words import KINDS, espeak_language, find_words, listed
    from audiobook.readers import read_book

    unknown_kinds = sorted(set(kind or ()) - set(KINDS))
    if unknown_kinds:
        raise InputError(
            f"--kind {unknown_kinds[0]!r} is not a kind of word",
            hint=f"use {', '.join(KINDS[:-1])} or {KINDS[-1]}",
        )
    kinds = tuple(k for k in KINDS if k in kind) if kind else KINDS if show_all else SHOWN
    require_explicit(voices)
    cast = load_cast(voices, engines.ENGINES)
    overrides = SplitOverrides(heading_pattern, tuple(skip or ()), target_words)
    book = read_book(source, cast.split_options(voices, overrides))
    phonemes = espeak_language(book.language)
    try:
        say_words([], phonemes)  # eSpeak NG loaded, and its voice for the language chosen
    except ValueError:
        raise InputError(
            f"eSpeak NG has no voice for the book's language {book.language!r}",
            path=source,
            hint="set the language in book.toml to one eSpeak NG speaks (`espeak-ng --voices`)",
        ) from None
    except OSError as exc:
        raise SetupError(
            f"eSpeak NG's library could not be loaded ({exc})",
            hint="install espeak-ng (Debian: libespeak-ng1) or the espeakng-loader wheel",
        ) from None
    lexicon = Lexicon(cast.lexicon)
    found = listed(
        find_words(book, say_words, phonemes, lexicon, kinds), None if show_all else limit
    )
    doc: dict[str, Any] = {
        "book": book.title,
        "language": book.language,
        "phonemes": phonemes,
        "words": [_as_json(w) for w in found],
    }
    if audio is not None:
        clips = _write_clips(found, audio, book, cast, voices, lexicon, doc)
        for entry, clip in zip(doc["words"], clips, strict=True):
            entry["clip"] = clip
    if as_json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    _print_table(book, found, phonemes, kinds, None if show_all else limit)
    if audio is not None:
        err.print(f"audiobook: {len(found)} clips in {audio}: play {audio / 'words.m3u'}")


def _as_json(w: Word) -> dict[str, Any]:
    return {
        "word": w.word, "kind": w.kind, "count": w.count, "chapter": w.chapter,
        "chapter_title": w.chapter_title, "context": w.context, "ipa": w.ipa, "known": w.known,
        "lexicon": w.lexicon, "note": w.note,
    }  # fmt: skip


def _print_table(
    book: Book, found: list[Word], phonemes: str, kinds: tuple[str, ...], limit: int | None
) -> None:
    from rich.text import Text  # cells as written: a lexicon's [[ipa]] is no markup

    table = Table(
        title=f"{book.title}: words to hear before rendering",
        caption=f"said: eSpeak NG's phonemes ({phonemes}), which every engine starts from, or "
        "the lexicon's; * not in eSpeak NG's dictionary, guessed from the spelling; "
        + (f"the {limit} most heard of each kind (--all: every word)" if limit else "every word")
        + ("" if "unknown" in kinds else "; --kind unknown: rare words eSpeak NG guesses"),
    )
    table.add_column("word", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("heard", justify="right", no_wrap=True)
    table.add_column("said", overflow="fold")
    table.add_column("lexicon", overflow="fold")
    table.add_column("ch.", justify="right", no_wrap=True)
    table.add_column("where it first comes", ratio=1, min_width=20)
    for w in found:
        guessed = not w.known and w.lexicon is None  # the lexicon's say is no guess
        said = w.ipa + (" *" if guessed else "") + (f"\n{w.note}" if w.note else "")
        table.add_row(
            Text(w.word), w.kind, str(w.count), Text(said), Text(w.lexicon or ""),
            str(w.chapter), Text(w.context),
        )  # fmt: skip
    out.print(table)
    if not found:
        err.print("audiobook: no words of these kinds found", markup=False)


def _write_clips(
    found: list[Word],
    folder: Path,
    book: Book,
    cast: Cast,
    voices: Path,
    lexicon: Lexicon,
    doc: dict[str, Any],
) -> list[str]:
    """A clip of each word in FOLDER (the word alone, then its sentence, as the narrator says
    them in a render), and the listing as index.json and words.m3u; the clips' names."""
    import contextlib
    import tempfile

    from audiobook import engines
    from audiobook.core.audio import Pause, Speech
    from audiobook.core.files import atomic_write
    from audiobook.core.phonemes import block
    from audiobook.mastering.loudness import master_to_mp3
    from audiobook.mastering.profiles import PROFILES
    from audiobook.mastering.stitch import stitch
    from audiobook.pronunciation.spoken import spoken

    if folder.exists() and not folder.is_dir():
        raise InputError("not a folder", path=folder, hint="give --audio a folder for the clips")
    narrator, _ = book_narrator(cast.narrator, book.language, voices)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{i:03d}-{_slug(w.word)}.mp3" for i, w in enumerate(found, 1)]
    profile = PROFILES[cast.output.profile]
    with contextlib.closing(engines.create()) as engine, tempfile.TemporaryDirectory() as work:
        for i, (w, name) in enumerate(zip(found, names, strict=True)):
            err.print(f"audiobook: clip {i + 1}/{len(found)}: {w.word}", markup=False)
            alone = block(w.ipa) if w.kind == "heteronym" else w.word  # its sense there
            pieces: list[Speech | Pause] = [
                Pause(400),
                engine.synthesize(spoken(alone, book.language, lexicon), narrator),
                Pause(700),
                engine.synthesize(spoken(_clip_text(w), book.language, lexicon), narrator),
                Pause(800),
            ]
            stitched = stitch(pieces, Path(work) / f"{i}.raw")
            with atomic_write(folder / name) as tmp:
                master_to_mp3(stitched, profile, tmp)
    listing = {**doc, "words": [{**e, "clip": n} for e, n in zip(doc["words"], names, strict=True)]}
    with atomic_write(folder / "index.json") as tmp:
        tmp.write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    playlist = ["#EXTM3U"]
    for w, name in zip(found, names, strict=True):
        playlist += [f"#EXTINF:-1,{w.word} ({w.kind}, heard {w.count} times)", name]
    with atomic_write(folder / "words.m3u") as tmp:
        tmp.write_text("\n".join(playlist) + "\n", encoding="utf-8")
    return names


def _clip_text(w: Word) -> str:
    """The sentence W first comes in, cut to the words around it when it is long."""
    sentence = w.sentence
    tokens = sentence.split()
    if len(tokens) <= CLIP_WORDS:
        return sentence
    at = re.search(rf"(?<!\w){re.escape(w.word)}(?!\w)", sentence, re.IGNORECASE)
    index = len(sentence[: at.start()].split()) if at else 0
    half = CLIP_WORDS // 2
    begin = max(0, min(index - half, len(tokens) - CLIP_WORDS))
    return " ".join(tokens[begin : begin + CLIP_WORDS])


def _slug(word: str) -> str:
    ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_word.lower()).strip("-")[:40] or "word"
