"""Faults at every step, injected for real: one line per failure naming the file (or the tool)
and what to do, the contract's exit code, no traceback (unless asked for), nothing under a final
name that is not complete or other than the manifest says, and a render after the fault is gone
completes as if nothing had happened. A full disk (a 300 kB tmpfs), a full or read-only cache, a
folder made read-only halfway (remounted), the output folder removed mid-render, ffmpeg missing
or killed mid-encode, the engine's library missing or broken, a full temporary folder; with the
real engine. tests/test_write_sites.py covers every other place that writes, by patching."""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import multiprocessing.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from audiobook import cli
from audiobook.cli.progress import RenderProgress
from audiobook.core.errors import from_os_error
from audiobook.engines import dispatch, worker
from audiobook.mastering import ffmpeg
from audiobook.pipeline import chapter_job, executors, render
from audiobook.pipeline.events import ChapterStarted, ProgressEvent
from audiobook.pipeline.render import render_book

from .conftest import SMALL_BOOK, run_cli, write_book
from .test_pipeline import FakeEngine


def digests(folder: Path, manifest: bool = False) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.is_file() and (manifest or p.name != "manifest.json")
    }


def mount_tmpfs(mount: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of SIZE at MOUNT (root only: CI runs as root), unmounted afterwards."""
    mount.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def remount(mount: Path, mode: str) -> None:
    """Make MOUNT read-only ("ro") or writable ("rw") again, as it is (root ignores chmod)."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount)], check=True)


def fill(mount: Path) -> None:
    """Fill MOUNT to the last byte."""
    with (mount / "filler").open("wb", buffering=0) as out:
        try:
            while out.write(b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 300 kB file system (tmpfs): the size of no chapter of the small book."""
    yield from mount_tmpfs(tmp_path / "tiny", "300k")


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 MB file system (tmpfs), to be made read-only or filled."""
    yield from mount_tmpfs(tmp_path / "disk", "64m")


def one_line_each(stderr: str) -> list[str]:
    """The messages of a run: one line each, no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert all(line.startswith("audiobook: ") for line in lines), stderr
    return lines


def assert_matches_its_manifest(out: Path) -> None:
    """Every file the manifest lists is there with the hash it lists, and every chapter file
    (and caption) in the folder is one it lists."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    here = digests(out)
    chapters = {c["file"]: c for c in manifest["chapters"]}
    for name, chapter in chapters.items():
        assert here[name] == chapter["sha256"], name
        assert all(caption in here for caption in chapter.get("captions", []))
        assert here[chapter["sentences"]] == chapter["sentences_sha256"], name
    listed = set(chapters) | {n for c in chapters.values() for n in c.get("captions", [])}
    listed |= {c["sentences"] for c in chapters.values()}
    book = manifest.get("book") or {}
    listed |= {v for k, v in book.items() if isinstance(v, str) and k != "key"}
    for name, digest in book.get("sha256", {}).items():
        assert here[name] == digest, name
    assert set(here) <= listed, f"not in the manifest: {sorted(set(here) - listed)}"


@pytest.mark.slow
def test_a_render_into_a_full_disk_says_so_in_one_line_and_resumes_elsewhere(
    rendered_book: Path, tmp_path: Path, tiny_disk: Path
) -> None:
    write_book(tmp_path)
    out = tiny_disk / "audio"
    # One chapter at a time: two at once race for the last bytes, and the write that fails first
    # may be the other chapter's captions (a file of its own, named as such).
    result = run_cli("render", "--out", str(out), "--quiet", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    failed = [line for line in lines if "failed:" in line]
    assert len(failed) == 3 and all("no space left on device; free some space" in f for f in failed)
    assert f"{out}/01-the-harbour.mp3: no space left" in result.stderr  # the file, not a .tmp
    # Nothing under a final name but the manifest, which lists no chapter and every failure.
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    # The same render where there is room: complete, and the same bytes as an undisturbed one.
    render_again(tmp_path, rendered_book / "audio")
    # Asked for, the traceback comes too, for a bug report.
    shutil.rmtree(out)
    debug = render_here(tmp_path, out, env={"AUDIOBOOK_DEBUG": "1"})
    assert debug.exit_code == 1 and "Traceback" in debug.stderr and "No space left" in debug.stderr


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
    out = tmp_path / "audio"
    assert_matches_its_manifest(out)  # chapters 1 and 3 (and their captions), and the manifest
    assert (out / "01-the-harbour.mp3").exists() and (out / "03-the-return.mp3").exists()
    assert not list(out.glob("02-*")) and not list(out.glob(".*"))  # nothing of the storm


@pytest.mark.parametrize(
    ("code", "hint"),
    [(errno.EROFS, "read-only"), (errno.EACCES, "permissions"), (errno.ENOENT, "went away")],
)
def test_disk_faults_name_the_real_file_and_what_to_do(code: int, hint: str) -> None:
    error = from_os_error(OSError(code, os.strerror(code), "/books/audio/.01-one.mp3.tmp"))
    assert str(error).startswith("/books/audio/01-one.mp3: ")
    assert hint in str(error) and error.exit_code == 1


# --- the cache: a full or read-only one is not fatal --------------------------------------------


@pytest.mark.slow
def test_a_render_with_its_cache_on_a_full_disk_completes_with_one_warning(
    rendered_book: Path, tmp_path: Path, tiny_disk: Path
) -> None:
    write_book(tmp_path)
    fill(tiny_disk)
    cache, scratch = tiny_disk / "cache", tmp_path / "tmp"
    scratch.mkdir()
    env = {"AUDIOBOOK_CACHE": str(cache), "TMPDIR": str(scratch)}
    result = run_cli("render", "--quiet", "--jobs", "2", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (warning,) = one_line_each(result.stderr)
    assert warning.startswith("audiobook: warning: ") and f"{cache}: the cache cannot be" in warning
    assert "(no space left on device): rendering without it; free some space there" in warning
    assert "AUDIOBOOK_CACHE" in warning
    # Spoken and mastered outside the cache: the same bytes as an undisturbed render.
    assert digests(tmp_path / "audio") == digests(rendered_book / "audio")
    assert_matches_its_manifest(tmp_path / "audio")
    assert not [p for p in cache.rglob("*") if p.is_file()]  # no half-made entry
    assert not list(scratch.glob("audiobook-*"))  # the uncached entries went with the render


class Speaks(FakeEngine):
    fail_on = "no word of the book"


def render_here(folder: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    """The CLI's render in this process (the engine's workers are processes still)."""
    result = CliRunner().invoke(
        cli.app,
        ["render", str(folder / "text"), "--out", str(out), "--voices", str(folder / "voices.toml"),
         "--quiet", "--jobs", "2", *args],
        env=env,
    )  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def fake_render(folder: Path, out: Path) -> tuple[int, str]:
    """The CLI's render in this process, with FakeEngine (patched in): exit code and stderr."""
    result = render_here(folder, out)
    return result.exit_code, result.stderr


def render_again(folder: Path, reference: Path, env: dict[str, str] | None = None) -> None:
    """The fault gone, a render completes, and equals the undisturbed REFERENCE."""
    again = render_here(folder, folder / "audio", env=env)
    assert again.exit_code == 0, again.stderr
    assert digests(folder / "audio") == digests(reference)


@pytest.mark.slow
def test_a_read_only_cache_serves_what_it_holds(
    tmp_path: Path, disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(render.render_book.__kwdefaults__, "engine_factory", Speaks)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # multiprocessing's own folder (pymp-*, made once a process, kept until it exits) is made
    # now, where it belongs: the scratch folder is to show what the render leaves there.
    multiprocessing.util.get_temp_dir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    write_book(tmp_path)
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(disk / "cache"))
    assert fake_render(tmp_path, tmp_path / "first") == (0, "")
    entries = digests_of_tree(disk / "cache")
    remount(disk, "ro")  # as a shared, read-only cache
    edited = SMALL_BOOK.replace("slate.", "slate, and then of ink.")  # the storm changes
    write_book(tmp_path, text=edited)
    code, stderr = fake_render(tmp_path, tmp_path / "audio")
    assert code == 0, stderr
    (warning,) = one_line_each(stderr)
    assert f"{disk / 'cache'}: the cache cannot be written (read-only file system)" in warning
    assert digests_of_tree(disk / "cache") == entries
    gc.collect()
    assert not list(scratch.iterdir())  # the storm's uncached entry went with the render
    # The same as a render of the edited book with a cache that can be written.
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "writable-cache"))
    assert fake_render(tmp_path, tmp_path / "reference") == (0, "")
    assert digests(tmp_path / "audio") == digests(tmp_path / "reference")
    assert_matches_its_manifest(tmp_path / "audio")


def digests_of_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


# --- the output folder: read-only halfway, or removed --------------------------------------------


@pytest.mark.slow
def test_a_folder_made_read_only_halfway_keeps_its_earlier_files(
    rendered_book: Path, tmp_path: Path, disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's render into a folder that holds the last render, made read-only (remounted)
    as chapter 2 begins, chapter 1 written: in the render's own progress, so that the render
    cannot get ahead of it."""
    write_book(tmp_path)
    out = disk / "audio"
    shutil.copytree(rendered_book / "audio", out)
    before = digests(out, manifest=True)
    env = {"AUDIOBOOK_CACHE": str(tmp_path / "cache")}  # every chapter made, none from a cache
    event = RenderProgress.event

    def read_only_from_chapter_2(self: RenderProgress, happened: ProgressEvent) -> None:
        if isinstance(happened, ChapterStarted) and happened.index == 2:
            assert (out / "01-the-harbour.mp3").exists()  # in chapter 2's thread: 1 is written
            remount(disk, "ro")
        event(self, happened)

    monkeypatch.setattr(RenderProgress, "event", read_only_from_chapter_2)
    result = CliRunner().invoke(
        cli.app,
        ["render", str(tmp_path / "text"), "--out", str(out), "--voices",
         str(tmp_path / "voices.toml"), "--quiet", "--jobs", "1"],
        env=env,
    )  # fmt: skip
    monkeypatch.undo()
    assert result.exit_code == 1, result.stderr
    said = one_line_each(result.stderr)
    ro = "read-only file system; the file system is read-only: write to another folder"
    assert said[0] == "audiobook: the whole-book files were not built: some chapters failed"
    assert said[1].startswith(f"audiobook: chapter 2 (The Storm) failed: {out}/02-the-storm.")
    assert said[2].startswith(f"audiobook: chapter 3 (The Return) failed: {out}/03-the-return.")
    assert said[3] == f"audiobook: error: {out}/manifest.json: {ro} (render --out)"
    assert len(said) == 4 and all(ro in line for line in said[1:])
    # What was there is there as it was, manifest and all (chapter 1 came out the same).
    assert digests(out, manifest=True) == before
    assert_matches_its_manifest(out)
    remount(disk, "rw")
    again = render_here(tmp_path, out, env=env)
    assert again.exit_code == 0, again.stderr
    assert digests(out) == digests(rendered_book / "audio")


@pytest.mark.slow
def test_the_output_folder_removed_mid_render_is_said_and_the_next_render_completes(
    rendered_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rm -rf audio/ between two chapters: as the second starts, the first one written."""
    write_book(tmp_path)
    out = tmp_path / "audio"
    event = RenderProgress.event

    def remove_between(self: RenderProgress, happened: ProgressEvent) -> None:
        if isinstance(happened, ChapterStarted) and happened.index == 2:
            assert (out / "01-the-harbour.mp3").exists()  # in chapter 2's thread: 1 is written
            shutil.rmtree(out)
        event(self, happened)

    monkeypatch.setattr(RenderProgress, "event", remove_between)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["render", "--quiet", "--jobs", "1"])
    assert result.exit_code == 1, result.stderr
    lines = one_line_each(result.stderr)
    gone = "no such file or directory; the folder went away while writing: check it and run again"
    assert f"audiobook: error: {Path('audio') / 'manifest.json'}: {gone}" in lines
    failed = [line for line in lines if " failed: " in line]
    assert len(failed) >= 2 and all(gone in line for line in failed)
    assert not out.exists()  # not made again behind the user's back
    monkeypatch.undo()
    render_again(tmp_path, rendered_book / "audio")


# --- ffmpeg: missing, not ffmpeg, killed mid-encode ----------------------------------------------


@pytest.mark.slow
def test_ffmpeg_missing_is_exit_2_with_what_to_install(rendered_book: Path, tmp_path: Path) -> None:
    write_book(tmp_path)
    not_ffmpeg = tmp_path / "bin" / "ffmpeg"
    not_ffmpeg.parent.mkdir()
    not_ffmpeg.write_text("#!/bin/sh\necho 'not a video tool'\n")
    not_ffmpeg.chmod(0o755)
    result = run_cli("render", cwd=tmp_path, env={"AUDIOBOOK_FFMPEG": "/nonexistent/ffmpeg"})
    assert result.returncode == 2, result.stderr
    (line,) = one_line_each(result.stderr)
    assert "AUDIOBOOK_FFMPEG='/nonexistent/ffmpeg' is not an executable ffmpeg" in line
    assert "apt install ffmpeg" in line and "unset it to use the bundled one" in line
    assert not (tmp_path / "audio").exists()  # nothing was attempted
    # One that is not ffmpeg (here, in this process: the lookup is cached, so cleared around it).
    for cached in (ffmpeg.find_ffmpeg, ffmpeg.ffmpeg_version):
        cached.cache_clear()
    try:
        result = render_here(
            tmp_path, tmp_path / "audio", env={"AUDIOBOOK_FFMPEG": str(not_ffmpeg)}
        )
    finally:
        for cached in (ffmpeg.find_ffmpeg, ffmpeg.ffmpeg_version):
            cached.cache_clear()
    assert result.exit_code == 2, result.stderr
    (line,) = one_line_each(result.stderr)
    assert f"{not_ffmpeg} is not a working ffmpeg (-version: exit 0, 'not a video tool')" in line
    assert (
        "install ffmpeg (apt install ffmpeg) or imageio-ffmpeg (pip), or set AUDIOBOOK_FFMPEG"
        in line
    )
    assert not (tmp_path / "audio").exists()
    render_again(tmp_path, rendered_book / "audio")


@pytest.mark.slow
def test_ffmpeg_killed_mid_encode_fails_its_chapter_alone(
    rendered_book: Path, tmp_path: Path
) -> None:
    write_book(tmp_path)
    real = ffmpeg.find_ffmpeg()
    killing = tmp_path / "bin" / "ffmpeg"  # kills the first MP3 encode it runs, and itself
    killing.parent.mkdir()
    killing.write_text(
        "#!/bin/sh\n"
        'case "$*" in *libmp3lame*)\n'
        f'  if mkdir "{tmp_path}/killed" 2>/dev/null; then\n'
        f'    "{real}" "$@" & sleep 0.05; kill -KILL $! 2>/dev/null; kill -KILL $$\n'
        "  fi;;\nesac\n"
        f'exec "{real}" "$@"\n'
    )
    killing.chmod(0o755)
    env = {"AUDIOBOOK_FFMPEG": str(killing), "AUDIOBOOK_CACHE": str(tmp_path / "cache")}
    result = run_cli("render", "--quiet", "--jobs", "1", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    lines = one_line_each(result.stderr)
    (failed,) = [line for line in lines if " failed: " in line]
    assert failed.startswith(
        "audiobook: chapter 1 (The Harbour) failed: ffmpeg was killed by SIGKILL"
    )
    out = tmp_path / "audio"
    assert not list(out.glob("01-*")) and not list(out.glob(".*"))
    assert_matches_its_manifest(out)
    render_again(tmp_path, rendered_book / "audio", env=env)  # ffmpeg lets it be now


# --- the engine: its library, its temporary folder -----------------------------------------------


@pytest.mark.slow
def test_a_missing_or_broken_engine_library_is_exit_2_with_what_to_do(
    rendered_book: Path, tmp_path: Path
) -> None:
    write_book(tmp_path)
    broken = tmp_path / "libespeak-ng.so.1"
    broken.write_bytes(b"not a library\n" * 100)
    for library, says, here in (
        ("/nonexistent/libespeak-ng.so", "cannot open shared object file", False),
        (str(broken), "invalid ELF header", True),  # in this process: its workers see it too
    ):
        env = {"AUDIOBOOK_ESPEAK": library}
        if here:
            result = render_here(tmp_path, tmp_path / "audio", env=env)
            code, stderr = result.exit_code, result.stderr
        else:
            result = run_cli("render", cwd=tmp_path, env=env)
            code, stderr = result.returncode, result.stderr
        assert code == 2, stderr
        (line,) = one_line_each(stderr)
        assert f"AUDIOBOOK_ESPEAK={library!r} cannot be loaded" in line and says in line
        assert "apt install libespeak-ng1" in line and '"bundled"' in line
        assert not (tmp_path / "audio").exists()
    render_again(tmp_path, rendered_book / "audio")


def workers_started() -> None:
    """The workers' fork server running, and multiprocessing's own temporary folder made, before
    the temporary folder is pointed at a disk that goes at the end of the test: both outlive it."""
    with worker.WorkerEngine() as engine:
        engine.voices()


@pytest.mark.slow
def test_a_full_temporary_folder_fails_the_chapter_in_one_line_not_a_hang(
    rendered_book: Path, tmp_path: Path, tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's WAV files go to the temporary folder: when it is full, each chapter fails in
    one line at once (espeak's driver used to wait for an utterance that never ended)."""
    write_book(tmp_path)
    fill(tiny_disk)
    workers_started()
    monkeypatch.setattr(tempfile, "tempdir", str(tiny_disk))
    # Were it to hang again, not for long (the engine's own timeout is 60 s a try).
    monkeypatch.setattr(dispatch.EngineDispatch.__init__, "__defaults__", (None, 10.0))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["render", "--quiet", "--force", "--jobs", "2"])
    assert result.exit_code == 1, result.stderr
    failed = [line for line in one_line_each(result.stderr) if " failed: " in line]
    assert len(failed) == 3
    assert all("No space left on device" in line and "hung" not in line for line in failed)
    assert not (tmp_path / "audio" / "01-the-harbour.mp3").exists()
    monkeypatch.undo()
    render_again(tmp_path, rendered_book / "audio")


def test_a_full_temporary_folder_fails_piper_in_one_line(tiny_disk: Path) -> None:
    """Piper's WAV on a full disk: its save raises the disk's error (which the worker sends back
    as the utterance's failure, one line, as for eSpeak NG above), and leaves no audio behind."""
    piper = pytest.importorskip("audiobook.engines.piper")
    if not piper.available():
        pytest.skip("Piper is not installed")
    fill(tiny_disk)
    backend = piper.Backend()
    samples = b"\1\0" * 22050  # a second of audio, as a loaded voice would speak it
    backend._loaded["stub"] = SimpleNamespace(
        length_scale=1.0, sample_rate=22050, speak=lambda *args: (samples, [(0, 22050)])
    )
    wav = tiny_disk / "u1.wav"
    with pytest.raises(OSError) as caught:
        backend.save("The boats came in at dawn.", {"voice": "stub"}, str(wav))
    assert caught.value.errno == errno.ENOSPC
    assert not wav.exists() or wav.stat().st_size < len(samples)  # never a whole WAV


def test_a_full_temporary_folder_fails_kokoro_in_one_line(tiny_disk: Path) -> None:
    """Kokoro's WAV on a full disk: as Piper's above."""
    kokoro = pytest.importorskip("audiobook.engines.kokoro")
    if not kokoro.available():
        pytest.skip("Kokoro is not installed")
    fill(tiny_disk)
    backend = kokoro.Backend()
    samples = b"\1\0" * 24000  # a second of audio, as the loaded model would speak it
    backend._model = SimpleNamespace(speak=lambda *args: (samples, [(0, 24000)]))
    wav = tiny_disk / "u1.wav"
    with pytest.raises(OSError) as caught:
        backend.save("The boats came in at dawn.", {"voice": "af_heart"}, str(wav))
    assert caught.value.errno == errno.ENOSPC
    assert not wav.exists() or wav.stat().st_size < len(samples)  # never a whole WAV


@pytest.mark.slow
def test_a_long_tmpdir_still_renders_the_same_bytes(rendered_book: Path, tmp_path: Path) -> None:
    # The engine's fork server listens on a socket in TMPDIR, whose path may hold 107 bytes:
    # under a longer TMPDIR (a CI runner's, a cluster worker's) the workers are spawned instead.
    long_tmp = tmp_path / ("scratch-" + "x" * 60) / ("deeper-" + "y" * 40)
    long_tmp.mkdir(parents=True)
    assert len(str(long_tmp)) > 107
    write_book(tmp_path)
    cache = tmp_path / "empty-cache"  # so that every chapter is spoken under it
    result = run_cli(
        "render", "--jobs", "2", cwd=tmp_path,
        env={"TMPDIR": str(long_tmp), "AUDIOBOOK_CACHE": str(cache)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert digests(tmp_path / "audio") == digests(rendered_book / "audio")
