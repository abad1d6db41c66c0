"""The whole book's captions (WebVTT and SRT), in the book MP3's timeline, and the check of a
caption file (the book's and each chapter's)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from audiobook.core.manifest import BookFile, Manifest
from audiobook.core.sentences import Timed, words_digest
from audiobook.formats.captions import FORMATS, caption_cues, parse
from audiobook.outputs.interface import BookContext, CheckStage, Result

CAPTION_SLACK_S = 0.05  # a cue may end this far past the audio's counted frames (encoder delay)


class BookCaptions:
    """The whole book's captions in one format, in the book MP3's timeline."""

    switch = "book_captions"
    check_stage = CheckStage.TIMED

    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.suffix = suffix

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}{self.suffix}"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        cue_list: list[Timed] = []
        for chapter, mark in zip(book.chapters, book.marks, strict=True):
            cue_list += caption_cues(chapter.sentences, mark.start_ms / 1000)
        tmp.write_text(FORMATS[self.suffix](cue_list), encoding="utf-8")
        return BookFile(self.name, self.file_name(book))

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        seconds = sum(c.duration_ms / 1000 for c in manifest.chapters)
        yield check_captions(path, seconds, None)


VTT = BookCaptions("vtt", ".vtt")
SRT = BookCaptions("srt", ".srt")


def check_captions(
    path: Path, seconds: float, words: tuple[int | None, str | None] | None
) -> Result:
    """A caption file: its cues in ascending order inside the audio's SECONDS, and (for a
    chapter's) every word the chapter says, in order (WORDS: their count and hash)."""
    name = path.name
    try:
        cue_list = parse(path.read_text(encoding="utf-8"), path.suffix)
    except (ValueError, UnicodeDecodeError) as exc:
        return Result(name, "captions", False, f"not valid {path.suffix[1:].upper()}: {exc}")
    problems = []
    if not cue_list:
        problems.append("no cues")
    elif any(c.end <= c.start for c in cue_list):
        problems.append("a cue ends before it starts")
    elif any(b.start < a.end for a, b in itertools.pairwise(cue_list)):
        problems.append("cues overlap or are out of order")
    elif cue_list[0].start < 0 or cue_list[-1].end > seconds + CAPTION_SLACK_S:
        problems.append(f"cues run to {cue_list[-1].end:.3f} s, past the audio ({seconds:.3f} s)")
    if not problems and words is not None and words[1] is not None:
        count, digest = words_digest(c.text for c in cue_list)
        if (count, digest) != words:
            problems.append(f"the cues hold {count} words, not the chapter's {words[0]} in order")
    return Result(
        name, "captions", not problems,
        "; ".join(problems) or f"{len(cue_list)} cues to {cue_list[-1].end:.1f} s",
    )  # fmt: skip
