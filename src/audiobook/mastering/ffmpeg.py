"""The one place that finds and runs ffmpeg.

Lookup order: the AUDIOBOOK_FFMPEG environment variable (a path, a command name, or "bundled"),
then `ffmpeg` on PATH, then the binary shipped in the imageio-ffmpeg wheel. An ffmpeg that is
missing or is not ffmpeg is a set-up error (exit 2) that says what to install or set, found before
anything is written; every failure of a run names the command line and quotes ffmpeg's stderr
(or the signal that killed it).
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence

from audiobook.core.errors import SetupError, ToolError

ENV_VAR = "AUDIOBOOK_FFMPEG"
INSTALL = f"install ffmpeg (apt install ffmpeg) or imageio-ffmpeg (pip), or set {ENV_VAR} to one"


@functools.cache
def find_ffmpeg() -> str:
    """Return the path of the ffmpeg binary to use."""
    wanted = os.environ.get(ENV_VAR, "").strip()
    if wanted and wanted != "bundled":
        found = shutil.which(wanted)
        if found is None:
            raise SetupError(
                f"{ENV_VAR}={wanted!r} is not an executable ffmpeg",
                hint=f"point {ENV_VAR} at an ffmpeg binary (apt install ffmpeg), or unset it to "
                "use the bundled one",
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
        raise SetupError("ffmpeg not found", hint=INSTALL) from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise SetupError(f"the bundled ffmpeg is unusable: {exc}", hint=INSTALL) from exc


@functools.cache
def ffmpeg_version() -> str:
    """The first line of `ffmpeg -version`, e.g. 'ffmpeg version 7.1 ...'. The first run of a
    render: an ffmpeg that does not run, or is not ffmpeg, is a set-up error here."""
    path = find_ffmpeg()
    try:
        out = subprocess.run(
            [path, "-hide_banner", "-version"], capture_output=True, text=True, check=False,
            timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"{path} does not run ({_reason(exc)})", hint=INSTALL) from None
    first = out.stdout.splitlines()[0] if out.stdout.strip() else ""
    if out.returncode != 0 or not first.startswith("ffmpeg"):
        said = first or next(iter(out.stderr.strip().splitlines()[-1:]), "nothing")
        raise SetupError(
            f"{path} is not a working ffmpeg (-version: exit {out.returncode}, {said!r})",
            hint=INSTALL,
        )
    return first


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return (exc.strerror or str(exc)).lower()
    return "it did not answer within 60 s"


def command(*args: str, loglevel: str = "error") -> list[str]:
    """An ffmpeg command line with the options every call wants."""
    return [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", loglevel, *args]


def run(args: Sequence[str]) -> bytes:
    """Run ffmpeg with ARGS; return its stdout or raise ToolError quoting its stderr."""
    return run_logged(args, "error")[0]


def run_logged(args: Sequence[str], loglevel: str) -> tuple[bytes, str]:
    """Run ffmpeg at LOGLEVEL; return its stdout and its log (what filters like astats say)."""
    cmd = command(*args, loglevel=loglevel)
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False)
    except OSError as exc:  # gone since it was found, or not runnable now
        raise _not_run(cmd, exc) from None
    if proc.returncode != 0:
        raise ToolError(_failure(cmd, proc.returncode, proc.stderr))
    return proc.stdout, proc.stderr.decode("utf-8", "replace")


def _failure(cmd: Sequence[str], code: int, stderr: bytes) -> str:
    tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    how = f"was killed by {_signal_name(-code)}" if code < 0 else f"failed (exit {code})"
    return f"ffmpeg {how}: {' '.join(cmd)}: {' | '.join(tail) or 'no message'}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _not_run(cmd: Sequence[str], exc: OSError) -> ToolError:
    return ToolError(
        f"could not run ffmpeg ({(exc.strerror or str(exc)).lower()})", path=cmd[0], hint=INSTALL
    )


class Reader:
    """Stream ffmpeg's stdout in chunks without holding the whole output (a decoded chapter)."""

    def __init__(self, args: Sequence[str]):
        self.cmd = command(*args)
        try:
            self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise _not_run(self.cmd, exc) from None
        self.errors: list[str] = []  # what ffmpeg reported while it went on (damaged frames)

    def chunks(self, size: int):
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read(size):
            yield chunk
        _, stderr = self.proc.communicate()
        if self.proc.returncode != 0:
            raise ToolError(_failure(self.cmd, self.proc.returncode, stderr))
        self.errors = stderr.decode("utf-8", "replace").strip().splitlines()
