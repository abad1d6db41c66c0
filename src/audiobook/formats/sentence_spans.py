"""A chapter's sentence record: every sentence it says, where it is heard and in which voice.

Written by the chapter job beside the chapter's MP3 (`NN-title.sentences.json`, named in the
manifest with its hash) from the engine's own timings, the ones the captions are made of; read by
`check`, which proves from it that every sentence was spoken (check/sentences.py) and, with
`--listen`, that the words heard are the words written. Unlike the captions it is always written,
and keeps what a check needs that a caption does not: the voice of each sentence and its
paragraph.

The layout, one object per sentence in the order they are said:

    {"format": 1, "chapter": "01-moscow.mp3",
     "voices": {"narrator": "piper en_US-joe-medium"},
     "sentences": [{"start": 0.77, "end": 1.44, "voice": "narrator", "group": 0,
                    "text": "The Dancer."}, ...]}

Times are seconds of the chapter's file; "group" is the written run the sentence is from (a
paragraph, or a character's line in it); "voice" a key of "voices", which describes each voice as
"engine voice [settings]".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook.core.errors import InputError

FORMAT = 1
SUFFIX = ".sentences.json"
MAX_BYTES = 64 << 20  # a record is untrusted input: far above any novel's chapter (~100 KB)


@dataclass(frozen=True)
class SpokenSentence:
    """One sentence as written, when it is heard (seconds of the chapter's file), and by whom."""

    text: str
    start: float
    end: float
    voice: str = "narrator"  # a key of ChapterSentences.voices
    group: int = 0  # the written run (paragraph, or a character's line) it is from

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ChapterSentences:
    chapter: str  # the chapter's file name
    voices: Mapping[str, str]  # each voice key: "engine voice [settings]"
    sentences: tuple[SpokenSentence, ...]

    def described(self, sentence: SpokenSentence) -> str:
        """The voice that says SENTENCE, as described (the same voice in every chapter)."""
        return self.voices.get(sentence.voice, sentence.voice)


def sentences_name(chapter_file: str) -> str:
    """The record's file name beside the chapter's MP3."""
    stem = chapter_file.rsplit(".", 1)[0]
    return stem + SUFFIX


def sentences_json(record: ChapterSentences) -> str:
    rows = [
        {
            "start": round(s.start, 3),
            "end": round(s.end, 3),
            "voice": s.voice,
            "group": s.group,
            "text": s.text,
        }
        for s in record.sentences
    ]
    head = {
        "format": FORMAT,
        "chapter": record.chapter,
        "voices": dict(sorted(record.voices.items())),
    }
    # One sentence a line: a record diffs, greps and reads like the text it holds.
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "sentences": [\n' + lines + "\n]}\n"


def read_sentences(path: Path) -> ChapterSentences:
    """The record at PATH; anything that is not one is an InputError naming the file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError("too large for a sentence record", path=path, hint="render again")
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("the sentence record is missing", path=path, hint="render again") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"not a sentence record ({exc})", path=path, hint="render again") from None
    try:
        return _parse(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"not a sentence record this version reads ({exc!r})", path=path, hint="render again"
        ) from None


def _parse(document: dict) -> ChapterSentences:
    if document["format"] != FORMAT:
        raise ValueError(f"format {document['format']!r}")
    voices = {str(k): str(v) for k, v in dict(document["voices"]).items()}
    rows: Sequence[dict] = document["sentences"]
    sentences = tuple(
        SpokenSentence(
            text=str(row["text"]),
            start=float(row["start"]),
            end=float(row["end"]),
            voice=str(row["voice"]),
            group=int(row["group"]),
        )
        for row in rows
    )
    return ChapterSentences(str(document["chapter"]), voices, sentences)
