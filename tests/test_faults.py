"""Faults of the disk while rendering: one line naming the file, the contract's exit code, no
traceback (unless asked for), nothing under a final name that is not complete, and a render
after the fault is gone completes as if nothing had happened."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiobook import chapter_job, executors
from audiobook.errors import from_os_error
from audiobook.render import render_book

from .conftest import run_cli, write_book
from .test_pipeline import FakeEngine


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 300 kB file system (tmpfs): the size of no chapter of the small book."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_render_into_a_full_disk_says_so_in_one_line_and_resumes_elsewhere(
    rendered_book: Path, tmp_path: Path, tiny_disk: Path
) -> None:
    write_book(tmp_path)
    out = tiny_disk / "audio"
    result = run_cli("render", "--out", str(out), "--quiet", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    failed = [line for line in lines if "failed:" in line]
    assert len(failed) == 3 and all("no space left on device; free some space" in f for f in failed)
    assert f"{out}/01-the-harbour.mp3: no space left" in result.stderr  # the file, not a .tmp
    # Nothing under a final name but the manifest, which lists no chapter and every failure.
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    # The same render where there is room: complete, and the same bytes as an undisturbed one.
    again = run_cli("render", "--out", str(tmp_path / "audio"), "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert digests(tmp_path / "audio") == digests(rendered_book / "audio")
    # Asked for, the traceback comes too, for a bug report.
    shutil.rmtree(out)
    debug = run_cli("render", "--out", str(out), "--quiet", cwd=tmp_path,
                    env={"AUDIOBOOK_DEBUG": "1"})  # fmt: skip
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "No space left" in debug.stderr


class SpeaksEverything(FakeEngine):
    fail_on = "no word of the book"


def test_a_chapter_whose_file_cannot_be_written_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = shutil.copyfile

    def full_for_the_storm(source: Path, target: Path) -> object:
        if "the-storm" in str(target):
            raise OSError(errno.ENOSPC, "No space left on device", str(source), None, str(target))
        return copy(source, target)

    monkeypatch.setattr(chapter_job.shutil, "copyfile", full_for_the_storm)
    with executors.local(2) as pool:
        summary = render_book(
            write_book(tmp_path), tmp_path / "audio", tmp_path / "voices.toml",
            executor=pool, engine_factory=SpeaksEverything,
        )  # fmt: skip
    assert [r.ok for r in summary.results] == [True, False, True]
    assert summary.failed[0].error == (
        f"{tmp_path / 'audio' / '02-the-storm.mp3'}: no space left on device; "
        "free some space, or write to another disk (render --out)"
    )
    names = sorted(p.name for p in (tmp_path / "audio").iterdir())
    assert names == [
        "01-the-harbour.mp3", "01-the-harbour.srt", "01-the-harbour.vtt",
        "03-the-return.mp3", "03-the-return.srt", "03-the-return.vtt", "manifest.json",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "hint"),
    [(errno.EROFS, "read-only"), (errno.EACCES, "permissions"), (errno.ENOENT, "went away")],
)
def test_disk_faults_name_the_real_file_and_what_to_do(code: int, hint: str) -> None:
    error = from_os_error(OSError(code, os.strerror(code), "/books/audio/.01-one.mp3.tmp"))
    assert str(error).startswith("/books/audio/01-one.mp3: ")
    assert hint in str(error) and error.exit_code == 1
