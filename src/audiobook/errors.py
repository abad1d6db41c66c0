"""The errors users see: each carries the file it is about, what went wrong and what to do.

The CLI turns these into one line on stderr and an exit code; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1  # the run went through but something failed (a chapter, a check)
EXIT_BAD_INPUT = 2  # bad input or usage: nothing was attempted
EXIT_INTERRUPTED = 130


class AudiobookError(Exception):
    """A problem the user can act on."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, path: Path | str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path is not None else self.message
        return f"{text}; {self.hint}" if self.hint else text


class InputError(AudiobookError):
    """Bad input (manuscript, voices.toml, arguments): exit 2."""

    exit_code = EXIT_BAD_INPUT


class ToolError(AudiobookError):
    """An external tool (ffmpeg, the speech engine) failed or is missing."""


class SpeechError(AudiobookError):
    """The engine could not speak some text, even after retries."""
