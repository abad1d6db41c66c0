"""Playing a sound file on this machine, for `say`: the first audio player found, or the one
AUDIOBOOK_PLAYER names (a command line, the file's path added at its end)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from audiobook.core.errors import InputError, ToolError

PLAYER_ENV = "AUDIOBOOK_PLAYER"
# Tried in order: each plays a WAV and returns when it is done, with no window.
PLAYERS: tuple[tuple[str, ...], ...] = (
    ("ffplay", "-nodisp", "-autoexit", "-loglevel", "error"),
    ("pw-play",),
    ("paplay",),
    ("aplay", "-q"),
    ("afplay",),
    ("play", "-q"),
    ("mpv", "--no-video", "--really-quiet"),
)


def find_player() -> list[str] | None:
    """The command that plays a file (its path to be added), or None when there is none."""
    wanted = os.environ.get(PLAYER_ENV, "").strip()
    if wanted:
        command = shlex.split(wanted)
        if not shutil.which(command[0]):
            raise InputError(
                f"{PLAYER_ENV}={wanted!r}: {command[0]!r} is not a program here",
                hint="name an audio player (ffplay, paplay, aplay, afplay, mpv), or unset it",
            )
        return command
    for player in PLAYERS:
        if shutil.which(player[0]):
            return list(player)
    return None


def play(path: Path, command: list[str]) -> None:
    """Play PATH with COMMAND; Ctrl-C stops it."""
    try:
        done = subprocess.run([*command, str(path)], check=False, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise ToolError(f"{command[0]} could not play {path}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise ToolError(f"{command[0]} could not play {path} (exit {done.returncode})")
