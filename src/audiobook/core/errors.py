"""The errors users see: each carries the file it is about, what went wrong and what to do.

The CLI turns these into one line on stderr and an exit code; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1  # the run went through but something failed (a chapter, a check)
EXIT_BAD_INPUT = 2  # bad input or usage: nothing was attempted
EXIT_INTERRUPTED = 130
DEBUG_ENV = "AUDIOBOOK_DEBUG"  # 1: tracebacks for bug reports, besides the one-line errors


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


class SetupError(InputError, ToolError):
    """A tool or library that is missing or unusable (ffmpeg, the engine's library): the set-up
    is wrong, so nothing was attempted (exit 2); the message says what to install or set."""


# What to do about the faults a disk or a folder gives, by errno.
_OS_HINTS = {
    errno.ENOSPC: "free some space, or write to another disk ({out})",
    errno.EDQUOT: "free some space, or write to another disk ({out})",
    errno.EROFS: "the file system is read-only: write to another folder ({out})",
    errno.EACCES: "check the folder's permissions, or write to another one",
    errno.EPERM: "check the folder's permissions, or write to another one",
    errno.ENOENT: "the folder went away while writing: check it and run again",
    errno.EIO: "the disk reported an error: check it (dmesg) and run again",
}
# The faults that say the place cannot take the file (as opposed to a bug): full, read-only,
# forbidden. A cache on such a disk is left out of the render (cache.Cache.put).
UNWRITABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def from_os_error(exc: OSError, out: str = "render --out") -> AudiobookError:
    """A fault of the disk or the file system as the one-line error users see: the file (its
    final name, not the hidden temporary one), what went wrong, and what to do (OUT: the option
    that writes elsewhere)."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    path = Path(str(name)) if name is not None else None
    if path is not None and path.name.startswith(".") and path.name.endswith(".tmp"):
        path = path.with_name(path.name[1:-4])  # atomic_write's temporary: say the real file
    message = (exc.strerror or str(exc)).lower()
    hint = _OS_HINTS.get(exc.errno or 0, "run again").format(out=out)
    return AudiobookError(message, path=path, hint=hint)


def debug_traceback(exc: BaseException) -> None:
    """EXC's traceback on stderr when AUDIOBOOK_DEBUG=1 (or --debug): for bug reports."""
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
