"""The read-along text of a site: one small JSON file a chapter (`text/NN.json`), which the page
loads when its Text view is opened on that chapter, and highlights sentence by sentence.

    {"index": 3, "title": "...",
     "paragraphs": [[{"id": "c3-s1", "start": 0.0, "end": 3.2, "text": "...", "voice": ""}, ...]]}

Times are seconds of the chapter's own audio (chapter-local: the page adds where the chapter
starts in whatever file it plays); ids are unique in the book ("c{index}-s{n}", n from 1 in each
chapter); "voice" is "" for the narrator, else the character's voice as voices.toml names it.
Text is plain text, never markup: the page sets it as text.

The source is the chapter's sentence record beside its MP3 (formats/sentence_spans.py, checked
against the manifest's hash), whose `group` is the paragraph (or a character's line in it); a
chapter rendered before there were records falls back to its WebVTT captions (one paragraph of
cues); a chapter with neither has no text, and the page hides its Text view.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from audiobook.core.errors import InputError
from audiobook.core.files import sha256_bytes
from audiobook.core.manifest import ChapterEntry
from audiobook.formats.captions import parse
from audiobook.formats.sentence_spans import MAX_BYTES, read_sentences

FOLDER = "text"
NARRATOR = "narrator"  # the sentence record's key for the narrator's voice
SLACK_S = 0.05  # a sentence may end this far past its audio's counted frames (encoder delay)


def text_name(index: int, width: int) -> str:
    """The text file of chapter INDEX in the site: "text/03.json" (WIDTH digits at least)."""
    return f"{FOLDER}/{index:0{width}d}.json"


def name_width(indices: list[int]) -> int:
    """Two digits, or as many as the book's last chapter needs."""
    return max(2, *(len(str(i)) for i in indices)) if indices else 2


def chapter_text(folder: Path, chapter: ChapterEntry) -> bytes | None:
    """The read-along text of CHAPTER of the rendered book in FOLDER, as the site's file holds
    it; None when the render kept no record of what was said when."""
    rows: list[tuple[int, str, float, float, str]] = []  # (paragraph, text, start, end, voice)
    if chapter.sentences is not None:
        path = folder / chapter.sentences
        if not path.is_file():
            raise _mismatch(folder, f"{path.name} is missing")
        if chapter.sentences_sha256 is not None and _digest(path) != chapter.sentences_sha256:
            raise _mismatch(folder, f"{path.name} is not the record it lists")
        record = read_sentences(path)
        rows = [
            (s.group, s.text, s.start, s.end, "" if s.voice == NARRATOR else s.voice)
            for s in record.sentences
        ]
    else:
        captions = (folder / chapter.file).with_suffix(".vtt")
        if not captions.is_file():
            return None
        try:
            cues = parse(captions.read_text(encoding="utf-8"), ".vtt")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"unreadable captions ({exc})", path=captions,
                             hint="render again") from None  # fmt: skip
        rows = [(0, c.text, c.start, c.end, c.voice) for c in cues]
    if not rows:
        return None
    paragraphs: list[list[dict[str, Any]]] = []
    previous: int | None = None
    for n, (group, text, start, end, voice) in enumerate(rows, start=1):
        if group != previous or not paragraphs:
            paragraphs.append([])
            previous = group
        paragraphs[-1].append({
            "id": f"c{chapter.index}-s{n}", "start": round(start, 3), "end": round(end, 3),
            "text": text, "voice": voice,
        })  # fmt: skip
    document = {"index": chapter.index, "title": chapter.title, "paragraphs": paragraphs}
    # One paragraph a line: small, and still readable (and diffable) by a person.
    lines = ",\n".join(json.dumps(p, ensure_ascii=False) for p in paragraphs)
    head = json.dumps({k: document[k] for k in ("index", "title")}, ensure_ascii=False)
    return (head[:-1] + ', "paragraphs": [\n' + lines + "\n]}\n").encode("utf-8")


def _digest(path: Path) -> str:
    if path.stat().st_size > MAX_BYTES:  # read_sentences says so; no need to read it all here
        return ""
    return sha256_bytes(path.read_bytes())


def _mismatch(folder: Path, what: str) -> InputError:
    return InputError(f"the manifest does not match its files: {what}", path=folder,
                      hint="render again")  # fmt: skip


def check_text(path: Path, index: int, seconds: float, ids: set[str]) -> list[str]:
    """What is wrong with the text file at PATH of chapter INDEX, SECONDS long: it must parse,
    be that chapter's, its sentences' times must ascend within the chapter, and its ids be
    unique in the book (IDS: those seen so far, which this adds to). [] when nothing is."""
    name = f"{FOLDER}/{path.name}"
    try:
        if path.stat().st_size > MAX_BYTES:
            return [f"{name}: too large for a chapter's text"]
        document = json.loads(path.read_text(encoding="utf-8"))
        paragraphs = document["paragraphs"]
        sentences = [s for p in paragraphs for s in p]
        times = [(float(s["start"]), float(s["end"])) for s in sentences]
        names = [str(s["id"]) for s in sentences]
        if document["index"] != index or not all(
            isinstance(s["text"], str) and isinstance(s["voice"], str) for s in sentences
        ):
            raise ValueError("not this chapter's text")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{name}: not a chapter's text ({exc})"]
    problems = []
    previous = 0.0
    for (start, end), sid in zip(times, names, strict=True):
        if not (math.isfinite(start) and math.isfinite(end)):
            problems.append(f"{name}: {sid} has no time")
        elif start < previous or end < start or end > seconds + SLACK_S:
            problems.append(f"{name}: {sid}'s times ({start}-{end} s) do not ascend within "
                            f"the chapter's {seconds:.3f} s")  # fmt: skip
        else:
            previous = start
        if sid in ids:
            problems.append(f"{name}: the id {sid} is not unique in the book")
        ids.add(sid)
    return problems[:3]
