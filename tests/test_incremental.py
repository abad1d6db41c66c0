"""Renders that reuse what they can, and renders that are interrupted."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audiobook.mastering import ffmpeg
from audiobook.mastering.levels import measure_file
from audiobook.pipeline.render import lock_out_dir

from .conftest import SMALL_BOOK, run_cli, write_book

pytestmark = pytest.mark.slow


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "audio" / "manifest.json").read_text(encoding="utf-8"))


def digests(folder: Path) -> dict[str, str]:
    manifest = manifest_of(folder)
    out = {c["file"]: c["sha256"] for c in manifest["chapters"]}
    out.update(manifest["book"]["sha256"])
    return out


@pytest.fixture
def cache(tmp_path: Path) -> dict[str, str]:
    """A cache of the test's own, so that what it finds there is what it put there."""
    return {"AUDIOBOOK_CACHE": str(tmp_path / "cache")}


def render(folder: Path, cache: dict[str, str], *args: str) -> dict:
    result = run_cli("render", "--json", "--jobs", "2", *args, cwd=folder, env=cache)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_one_word_edit_renders_one_chapter_again(tmp_path: Path, cache: dict[str, str]) -> None:
    write_book(tmp_path)
    first = render(tmp_path, cache)
    assert [c["cached"] for c in first["chapters"]] == [False, False, False]
    before = digests(tmp_path)
    m4b = tmp_path / "audio" / "the-harbour-book.m4b"
    built = m4b.stat().st_mtime_ns

    again = render(tmp_path, cache)
    assert [c["cached"] for c in again["chapters"]] == [True, True, True]
    assert digests(tmp_path) == before
    assert m4b.stat().st_mtime_ns == built  # nothing changed: the book files were not rebuilt

    (tmp_path / "text" / "book.md").write_text(SMALL_BOOK.replace("slate", "lead"))
    edited = render(tmp_path, cache)
    assert [c["cached"] for c in edited["chapters"]] == [True, False, True]
    after = digests(tmp_path)
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {
        "02-the-storm.mp3", "the-harbour-book.mp3", "the-harbour-book.m4b",
        "the-harbour-book.epub",
    }  # fmt: skip
    assert run_cli("check", "audio", cwd=tmp_path).returncode == 0


def test_force_and_clean(tmp_path: Path, cache: dict[str, str]) -> None:
    write_book(tmp_path, text="# One\n\nA short chapter.\n")
    render(tmp_path, cache)
    before = digests(tmp_path)
    forced = render(tmp_path, cache, "--force")
    assert [c["cached"] for c in forced["chapters"]] == [False]
    assert digests(tmp_path) == before  # the same bytes, spoken and encoded again
    cleaned = run_cli("clean", cwd=tmp_path, env=cache)
    assert cleaned.returncode == 0 and "removed 1 chapters" in cleaned.stderr
    assert [c["cached"] for c in render(tmp_path, cache)["chapters"]] == [False]


LONGER_BOOK = "\n\n".join(
    f"# Part {n}\n\n" + " ".join(["The tide came in over the grey stones of the harbour."] * 12)
    for n in range(1, 7)
)


def start_render(folder: Path, cache: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "audiobook", "render", "--jobs", "1"],
        cwd=folder,
        env={**os.environ, **cache},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job would be
    )


def wait_for(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = proc.stderr.readline()
        if line in text:
            return
        if not text and proc.poll() is not None:
            break
    raise AssertionError(f"the render never printed {line!r}")


def assert_nothing_partial(audio: Path) -> None:
    assert not list(audio.glob(".*.tmp")), "a temporary file was left behind"
    for mp3 in audio.glob("*.mp3"):  # whatever has its final name is whole
        assert measure_file(mp3).errors == ()


class HeldEncodes:
    """An ffmpeg (the real one, behind a script) that holds every MP3 encode started once
    HOLD_AFTER exists until the test lets go: a render that cannot finish before the test has
    done what it does halfway, however fast it runs."""

    def __init__(self, folder: Path, hold_after: Path) -> None:
        folder.mkdir(parents=True)
        self.released = folder / "released"
        script = folder / "ffmpeg"
        script.write_text(
            "#!/bin/sh\n"
            'case "$*" in *libmp3lame*)\n'
            f"  if [ -e {shlex.quote(str(hold_after))} ]; then\n"
            f"    while [ ! -e {shlex.quote(str(self.released))} ]; do sleep 0.05; done\n"
            "  fi;;\nesac\n"
            f'exec {shlex.quote(ffmpeg.find_ffmpeg())} "$@"\n'
        )
        script.chmod(0o755)
        # The same `-version` as the real one: the same cache keys.
        self.env = {ffmpeg.ENV_VAR: str(script)}

    def release(self) -> None:
        self.released.touch()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_an_interrupted_render_resumes_to_the_same_bytes(
    tmp_path: Path, cache: dict[str, str], sig: signal.Signals, code: int
) -> None:
    reference = tmp_path / "reference"
    write_book(reference, text=LONGER_BOOK)
    render(reference, {"AUDIOBOOK_CACHE": str(tmp_path / "reference-cache")})

    folder = tmp_path / "book"
    write_book(folder, text=LONGER_BOOK)
    # One chapter at a time, in order: chapter 3's encode waits until the signal has been sent.
    held = HeldEncodes(tmp_path / "held", hold_after=folder / "audio" / "02-part-2.mp3")
    proc = start_render(folder, {**cache, **held.env})
    try:
        wait_for(proc, "chapter 2 done")
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal, or kill -9, to the whole process tree
    finally:
        held.release()  # whatever outlived the signal finishes (nothing hangs on the test)
    assert proc.wait(timeout=60) == code
    assert_nothing_partial(folder / "audio")

    resumed = render(folder, cache)
    assert [c["cached"] for c in resumed["chapters"]][:2] == [True, True]
    assert digests(folder) == digests(reference)


def test_a_second_render_into_a_busy_folder_is_refused(
    tmp_path: Path, cache: dict[str, str]
) -> None:
    """The folder held as a render holds it (its lock, taken here rather than by a render
    racing this one): the second render is refused before it writes anything, and renders once
    the folder is free."""
    write_book(tmp_path, text="# One\n\nA short chapter.\n")
    audio = tmp_path / "audio"
    audio.mkdir()
    with lock_out_dir(audio):
        second = run_cli("render", cwd=tmp_path, env=cache)
    assert second.returncode == 2
    assert "Traceback" not in second.stderr
    (line,) = second.stderr.strip().splitlines()
    assert "another render is writing to this folder" in line
    assert not list(audio.iterdir())
    assert [c["cached"] for c in render(tmp_path, cache)["chapters"]] == [False]
    assert run_cli("check", "audio", cwd=tmp_path).returncode == 0


def test_a_damaged_cache_entry_is_discarded_with_a_warning_and_made_again(
    tmp_path: Path, cache: dict[str, str]
) -> None:
    write_book(tmp_path)
    first = render(tmp_path, cache)
    before = digests(tmp_path)
    keys = {c["file"]: c for c in first["chapters"]}
    entries = {p.name: p for p in (tmp_path / "cache" / "chapters").glob("*/*") if p.is_dir()}
    assert len(entries) == 3
    first_entry, second_entry = sorted(entries.values())[:2]
    # One entry's AAC twin cut short (a killed copy, a full disk): the M4B would be broken.
    aac = first_entry / "chapter.aac"
    aac.write_bytes(aac.read_bytes()[: aac.stat().st_size // 2])
    # Another's MP3 damaged, and its chapter file gone, so that the render must copy it again.
    mp3 = second_entry / "chapter.mp3"
    data = bytearray(mp3.read_bytes())
    data[5000:5100] = bytes(100)
    mp3.write_bytes(bytes(data))
    for name in keys:
        (tmp_path / "audio" / name).unlink()
    result = run_cli("render", "--json", "--jobs", "2", cwd=tmp_path, env=cache)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2, result.stderr
    assert all("damaged since it was cached: making it again" in w for w in warnings)
    assert {str(aac), str(mp3)} == {w.split(": ")[3] for w in warnings}
    again = json.loads(result.stdout)
    assert sorted(c["cached"] for c in again["chapters"]) == [False, False, True]
    assert digests(tmp_path) == before  # the same bytes as before the damage
    check = run_cli("check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout
