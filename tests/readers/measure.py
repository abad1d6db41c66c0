"""The CLI run on a hostile file as a user would, with its time and peak memory measured."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

# A parent that runs nothing but the CLI: RUSAGE_CHILDREN's peak is then the CLI's own (it is
# the largest child's, and pytest's process has had other children).
_PROBE = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(r.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(r.returncode)\n"
)


def run_measured(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """`audiobook ARGS` in CWD: its result (stderr as the CLI wrote it), seconds and peak MB."""
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, sys.executable, "-m", "audiobook", *args],
        cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return result, time.monotonic() - start, int(result.stdout.split()[-1]) // 1024
