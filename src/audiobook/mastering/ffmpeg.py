"""The one place that finds and runs ffmpeg.

Lookup order: the AUDIOBOOK_FFMPEG environment variable (a path, a command name, or "bundled"),
then `ffmpeg` on PATH, then the binary shipped in the imageio-ffmpeg wheel. Every failure names the
command line and quotes ffmpeg's stderr.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence

from audiobook.errors import InputError, ToolError

ENV_VAR = "AUDIOBOOK_FFMPEG"


@functools.cache
def find_ffmpeg() -> str:
    """Return the path of the ffmpeg binary to use."""
    wanted = os.environ.get(ENV_VAR, "").strip()
    if wanted and wanted != "bundled":
        found = shutil.which(wanted)
        if found is None:
            raise InputError(
                f"{ENV_VAR}={wanted!r} is not an executable ffmpeg",
                hint=f"point {ENV_VAR} at an ffmpeg binary, or unset it to use the bundled one",
            )
        return found
    if not wanted:
        on_path = shutil.which("ffmpeg")
        if on_path:
            return on_path
    return _bundled_ffmpeg()


def _bundled_ffmpeg() -> str:
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise ToolError(
            "ffmpeg not found",
            hint=f"install ffmpeg, `pip install imageio-ffmpeg`, or set {ENV_VAR}",
        ) from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise ToolError(f"the bundled ffmpeg is unusable: {exc}", hint=f"set {ENV_VAR}") from exc


@functools.cache
def ffmpeg_version() -> str:
    """The first line of `ffmpeg -version`, e.g. 'ffmpeg version 7.1 ...'."""
    out = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-version"], capture_output=True, text=True, check=False
    )
    return out.stdout.splitlines()[0] if out.stdout else "unknown"


def command(*args: str, loglevel: str = "error") -> list[str]:
    """An ffmpeg command line with the options every call wants."""
    return [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", loglevel, *args]


def run(args: Sequence[str]) -> bytes:
    """Run ffmpeg with ARGS; return its stdout or raise ToolError quoting its stderr."""
    return run_logged(args, "error")[0]


def run_logged(args: Sequence[str], loglevel: str) -> tuple[bytes, str]:
    """Run ffmpeg at LOGLEVEL; return its stdout and its log (what filters like astats say)."""
    cmd = command(*args, loglevel=loglevel)
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise ToolError(_failure(cmd, proc.returncode, proc.stderr))
    return proc.stdout, proc.stderr.decode("utf-8", "replace")


def _failure(cmd: Sequence[str], code: int, stderr: bytes) -> str:
    tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    return f"ffmpeg failed (exit {code}): {' '.join(cmd)}: {' | '.join(tail) or 'no message'}"


class Reader:
    """Stream ffmpeg's stdout in chunks without holding the whole output (a decoded chapter)."""

    def __init__(self, args: Sequence[str]):
        self.cmd = command(*args)
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.errors: list[str] = []  # what ffmpeg reported while it went on (damaged frames)

    def chunks(self, size: int):
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read(size):
            yield chunk
        _, stderr = self.proc.communicate()
        if self.proc.returncode != 0:
            raise ToolError(_failure(self.cmd, self.proc.returncode, stderr))
        self.errors = stderr.decode("utf-8", "replace").strip().splitlines()
