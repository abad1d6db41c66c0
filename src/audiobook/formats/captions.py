"""Captions: WebVTT and SRT of what is said, one cue per sentence (long ones cut into cues of
two lines of 42 characters), in the manuscript's words (SPECS.md section 10).

Each chapter gets `NN-title.vtt` and `.srt` beside its MP3 (written by the chapter job from its
cache entry's timings), and the whole book a `<book>.vtt` and `.srt` in the book MP3's timeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from audiobook.core.sentences import Timed, cues, lines

TIMINGS = "timings.json"  # in a chapter's cache entry: its sentences and their times


def save_timings(sentences: Sequence[Timed], path: Path) -> None:
    rows = [[s.text, round(s.start, 3), round(s.end, 3), s.group] for s in sentences]
    path.write_text(json.dumps({"sentences": rows}, ensure_ascii=False), encoding="utf-8")


def load_timings(path: Path) -> tuple[Timed, ...]:
    rows = json.loads(path.read_text(encoding="utf-8"))["sentences"]
    return tuple(
        Timed(str(text), float(start), float(end), int(group)) for text, start, end, group in rows
    )


def caption_cues(sentences: Iterable[Timed], offset: float = 0.0) -> list[Timed]:
    """The cues of SENTENCES, OFFSET seconds later; a cue never starts before the last ended."""
    out: list[Timed] = []
    for sentence in sentences:
        for cue in cues(sentence):
            start, end = cue.start + offset, cue.end + offset
            if out and start < out[-1].end:
                start = out[-1].end
            out.append(Timed(cue.text, start, max(start + 0.001, end), voice=sentence.voice))
    return out


def _stamp(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def vtt(cue_list: Sequence[Timed]) -> str:
    """WebVTT: a header, then each cue's times and its text (no "-->" in text: it cannot be)."""
    blocks = ["WEBVTT"]
    for cue in cue_list:
        text = lines(cue.text.replace("-->", "->"))
        if cue.voice:  # a character's line: <v Elizabeth>
            text = f"<v {_escape(cue.voice)}>{text}"
        blocks.append(f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def _escape(name: str) -> str:
    """A speaker's name inside a WebVTT voice span."""
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(name: str) -> str:
    return name.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def srt(cue_list: Sequence[Timed]) -> str:
    blocks = []
    for n, cue in enumerate(cue_list, start=1):
        text = lines(cue.text.replace("-->", "->"))
        blocks.append(f"{n}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{text}")
    return "\n\n".join(blocks) + "\n"


FORMATS = {".vtt": vtt, ".srt": srt}

_VOICE = re.compile(r"<v(?:\.[^ >]*)? ([^>]*)>")
_TIMES = re.compile(
    r"^(\d{2,}):(\d{2}):(\d{2})[.,](\d{3}) --> (\d{2,}):(\d{2}):(\d{2})[.,](\d{3})$"
)


def parse(text: str, suffix: str) -> list[Timed]:
    """The cues of a WebVTT or SRT file; a malformed one raises ValueError saying where."""
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if b]
    if suffix == ".vtt":
        if not blocks or not blocks[0].startswith("WEBVTT"):
            raise ValueError("no WEBVTT header")
        blocks = blocks[1:]
    out = []
    for n, block in enumerate(blocks, start=1):
        lines_ = block.split("\n")
        if suffix == ".srt":
            if lines_[0].strip() != str(n):
                raise ValueError(f"cue {n}: numbered {lines_[0]!r}")
            lines_ = lines_[1:]
        match = _TIMES.match(lines_[0].strip()) if lines_ else None
        if match is None:
            raise ValueError(f"cue {n}: no times")
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in match.groups())
        start = h1 * 3600 + m1 * 60 + s1 + f1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + f2 / 1000
        text = " ".join(lines_[1:])
        voice = _VOICE.match(text) if suffix == ".vtt" else None
        if voice:
            text = text[voice.end() :].replace("</v>", "")
        out.append(Timed(text, start, end, voice=_unescape(voice[1]) if voice else ""))
    return out


def chapter_caption_names(mp3_name: str) -> tuple[str, ...]:
    stem = mp3_name.rsplit(".", 1)[0]
    return tuple(stem + suffix for suffix in FORMATS)
