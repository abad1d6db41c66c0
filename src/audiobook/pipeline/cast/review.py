"""cast.toml: the producer's review of the cast, read back over what was found, and written.

The file names the characters (a new name is a rename: the old one goes in `aliases`; listing a
name in another's aliases merges the two; `voice = "narrator"` sends a character back to the
narrator) and corrects single lines, each found by its chapter and its words, so that an edit
elsewhere in the book does not move it. Anything it names that the book does not have is an
error naming the key: a typo must not silently leave a line in the wrong voice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from audiobook.core.errors import InputError
from audiobook.pipeline.cast.attribution import NARRATOR_I

if TYPE_CHECKING:
    from audiobook.core.config import CastFile, CastLineFix
    from audiobook.pipeline.cast import BookCast

NARRATOR = "narrator"  # a speaker or a voice: the narrator reads it


def apply_cast_file(found: BookCast, sheet: CastFile, path: Path) -> None:
    """FOUND with cast.toml's (SHEET at PATH) names, merges, genders and line corrections."""
    if sheet.threshold is not None:
        found.threshold = sheet.threshold
    renamed: dict[str, str] = {}
    for name, character in sheet.characters.items():
        for alias in [name, *character.aliases]:
            if alias in renamed and renamed[alias] != name:
                raise InputError(
                    f'characters."{name}".aliases: {alias!r} is already a name of '
                    f'"{renamed[alias]}"',
                    path=path,
                    hint="list each name under one character only",
                )
            renamed[alias] = name
    fixed_speakers = {fix.speaker for fix in sheet.lines}
    for name, character in sheet.characters.items():
        names = [name, *character.aliases]
        if name not in fixed_speakers and not any(found.knows(n) for n in names):
            raise InputError(
                f'characters."{name}": the book has no character of that name',
                path=path,
                hint="check the spelling against `audiobook cast`, or remove the entry",
            )
    for line in found.lines:
        if line.speaker is not None:
            line.speaker = renamed.get(line.speaker, line.speaker)
    known = {line.speaker for line in found.lines if line.speaker} | set(sheet.characters)
    for k, fix in enumerate(sheet.lines):
        if fix.speaker != NARRATOR and fix.speaker not in known:
            raise InputError(
                f"lines[{k}].speaker: {fix.speaker!r} is not a character of the cast",
                path=path,
                hint=f'use a name under [characters], or "{NARRATOR}"',
            )
        wanted = _words(fix.text)
        matches = [
            line
            for line in found.lines
            if line.chapter == fix.chapter and _words(line.text) == wanted
        ]
        if not matches:
            raise InputError(
                f"lines[{k}]: chapter {fix.chapter} has no quoted line {fix.text!r}",
                path=path,
                hint="copy the line's text from `audiobook cast --json`",
            )
        for line in matches:
            line.speaker = None if fix.speaker == NARRATOR else fix.speaker
            line.how, line.confidence = "cast.toml", 1.0
    found.recount(
        genders={n: c.gender for n, c in sheet.characters.items() if c.gender},
        aliases={n: list(c.aliases) for n, c in sheet.characters.items()},
    )


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def cast_file_text(found: BookCast, title: str, fixes: Sequence[CastLineFix] = ()) -> str:
    """cast.toml for FOUND: every character with its names, gender and voice, and FIXES (the
    line corrections of the file it replaces)."""
    out = [
        f"# The cast of {title}: who says the quoted lines, and in which voice.",
        "# Written by `audiobook cast --write`; `audiobook render` reads it when it is here.",
        "# Rename a character: change its name and keep the old one in `aliases`. Merge two:",
        "# list one's names in the other's aliases. voice = \"narrator\": the narrator reads it.",
        "",
        f"threshold = {found.threshold}  # a line decided less surely stays with the narrator",
        "",
    ]
    for c in found.characters:
        out.append(f"[characters.{_string(c.name)}]")
        out.append(f"aliases = [{', '.join(_string(a) for a in c.aliases)}]")
        if c.gender:
            out.append(f"gender = {_string(c.gender)}")
        else:
            out.append('# gender = "female"  # not known: its lines stay in the narrator\'s voice')
        if c.voice is not None:
            out.append(f"engine = {_string(c.voice.engine)}")
            out.append(f"voice = {_string(c.voice.voice)}")
        else:
            out.append(f"voice = {_string(NARRATOR)}")
        out.append(
            f"# {c.lines} lines, {c.words} words"
            + (' (the narrator, "I")' if c.name == NARRATOR_I else "")
        )
        out.append("")
    for fix in fixes:
        out += [
            "[[lines]]",
            f"chapter = {fix.chapter}",
            f"text = {_string(fix.text)}",
            f"speaker = {_string(fix.speaker)}",
            "",
        ]
    out += [
        "# A line given to the wrong person, or read by a character but narration:",
        "# [[lines]]",
        "# chapter = 1",
        '# text = "My dear Mr. Bennet,"   # the words inside the marks (`audiobook cast --json`)',
        '# speaker = "Mrs. Bennet"        # or "narrator"',
        "",
    ]
    return "\n".join(out)


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
