"""Shared fixtures: small real books in tmp_path, rendered with the real engine and real ffmpeg."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from audiobook.engines import espeak
from audiobook.mastering import ffmpeg

REPO = Path(__file__).resolve().parent.parent

# A shell that starts a job in the background without job control (`make test &` in a script,
# some CI runners) has it ignore SIGINT, and an ignored signal stays ignored in every child: the
# tests that press Ctrl-C on a render would see it do nothing. Handled here, it is the default
# again in each child, as in a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Hypothesis fails a test whose examples are slow to make (its "too_slow" health check), and one
# whose example takes longer than its deadline: on a loaded machine (CI beside other work, two
# busy cores) both measure the machine, not the code. Neither is asked of any test here.
settings.register_profile(
    "any-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("any-machine")

# The tests never touch the user's cache: one of their own, for this run (the CLI runs in child
# processes, which inherit it).
os.environ["AUDIOBOOK_CACHE"] = tempfile.mkdtemp(prefix="audiobook-test-cache-")
atexit.register(shutil.rmtree, os.environ["AUDIOBOOK_CACHE"], ignore_errors=True)

SMALL_BOOK = """\
# The Harbour

The boats came in at dawn, their sails heavy with rain. Nobody on the quay said a word.

Mara counted them twice, as her father had taught her, and then a third time to be sure.

# The Storm

By noon the sky had turned the colour of slate.

* * *

The wind rose, and the old lighthouse keeper climbed his stairs one more time.

# The Return

When the weather cleared, the last boat rounded the point, and the whole village ran to meet it.
"""

SMALL_META = """\
title = "The Harbour Book"
author = "Test Author"
narrator = "Test Narrator"
language = "en"
year = 2024
description = "A small book for the tests."
"""

SMALL_VOICES = """\
[narrator]
voice = "en-us"
rate = 190
"""


def write_book(folder: Path, text: str = SMALL_BOOK, meta: str | None = SMALL_META) -> Path:
    """A manuscript folder as a producer would lay it out; returns the text folder."""
    text_dir = folder / "text"
    text_dir.mkdir(parents=True, exist_ok=True)
    (text_dir / "book.md").write_text(text, encoding="utf-8")
    if meta is not None:
        (text_dir / "book.toml").write_text(meta, encoding="utf-8")
    (folder / "voices.toml").write_text(SMALL_VOICES, encoding="utf-8")
    return text_dir


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a separate process, as a user or CI would."""
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def rendered_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small book rendered once for the session; returns its project folder."""
    folder = tmp_path_factory.mktemp("rendered")
    write_book(folder)
    result = run_cli("render", "--jobs", "2", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def bundled_tools(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ffmpeg and the libespeak-ng of the wheels (imageio-ffmpeg, espeakng-loader), whatever
    the machine has installed (Debian's ffmpeg and espeak-ng, say): for a test whose claim holds
    for those builds, such as the eSpeak reference. Through the documented variables, so that the
    CLI's processes and the engine's workers use them too."""
    monkeypatch.setenv(ffmpeg.ENV_VAR, "bundled")
    monkeypatch.setenv(espeak.ESPEAK_ENV, "bundled")
    for cached in (ffmpeg.find_ffmpeg, ffmpeg.ffmpeg_version):
        cached.cache_clear()
    yield
    for cached in (ffmpeg.find_ffmpeg, ffmpeg.ffmpeg_version):
        cached.cache_clear()  # found again as this process's environment says


# How long a server that is starting may take to answer before the test gives up on it: not a
# measure of anything, only a bound on a test that would otherwise hang.
SERVER_START_LIMIT_S = 120.0


def first_answer(url: str, server: subprocess.Popen[Any], **request: Any) -> Any:
    """The first answer to a GET of URL from SERVER, a process that is starting: asked again
    (every tenth of a second) until it answers, for as long as the process runs; an answer, or
    an assertion that says how the server ended. However loaded the machine is, a server that
    starts is waited for."""
    import httpx

    deadline = time.monotonic() + SERVER_START_LIMIT_S
    with httpx.Client(timeout=10, trust_env=False) as http:
        while True:
            try:
                return http.get(url, **request)
            except httpx.TransportError as refused:
                if server.poll() is not None:
                    _, stderr = server.communicate()
                    ended = f"the server ended ({server.returncode}): {stderr}"
                    raise AssertionError(ended) from refused
                assert time.monotonic() < deadline, f"{url} did not answer"
                time.sleep(0.1)


# Kokoro's paces as its engine measured them (engines/kokoro.py `measured_wpm`: the calibration
# passage spoken in a voice at a speed, 12-15 s of a core each), for the voices and speeds the
# tests' renders would otherwise measure first: the cast's characters at the narrator's pace
# (tests/cast) and af_heart's steps to 230 words a minute (tests/engines/test_kokoro.py).
RECORDED_KOKORO_PACES = REPO / "tests" / "cast" / "data" / "kokoro-pace.json"


@pytest.fixture(scope="session")
def recorded_kokoro_paces() -> None:
    """The recorded paces put into the pace memo of the tests' own cache, beside what it holds.
    They are keyed as the engine keys them (the model, the voices, the engine's versions, the
    passage, the speed): with another model or version their keys simply do not match and the
    paces are measured again. Measuring itself is what test_kokoro.py's archive voice proves."""
    import json

    from audiobook.core.cache import default_cache_dir
    from audiobook.engines.kokoro import PACE_MEMO

    memo = default_cache_dir() / PACE_MEMO
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    known = {**json.loads(RECORDED_KOKORO_PACES.read_text(encoding="utf-8")), **known}
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
