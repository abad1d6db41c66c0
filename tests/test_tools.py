"""How the engine library and ffmpeg are found: bundled wheels, or the system's when asked."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest

from audiobook.core.errors import InputError
from audiobook.engines.worker import WorkerEngine
from audiobook.mastering import ffmpeg

from .conftest import run_cli, write_book

BUNDLED = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    ffmpeg.find_ffmpeg.cache_clear()
    yield
    ffmpeg.find_ffmpeg.cache_clear()


def logging_ffmpeg(folder: Path, log: Path) -> Path:
    """An 'ffmpeg' that records each call and hands it to the real one: a stand-in system ffmpeg."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ffmpeg"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{BUNDLED}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_bundled_ffmpeg_when_the_system_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ffmpeg.ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ffmpeg.find_ffmpeg() == BUNDLED


def test_ffmpeg_on_path_is_preferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = logging_ffmpeg(tmp_path / "bin", tmp_path / "log")
    monkeypatch.delenv(ffmpeg.ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    assert ffmpeg.find_ffmpeg() == str(script)
    monkeypatch.setenv(ffmpeg.ENV_VAR, "bundled")
    ffmpeg.find_ffmpeg.cache_clear()
    assert ffmpeg.find_ffmpeg() == BUNDLED


def test_env_var_names_the_ffmpeg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(tmp_path / "missing-ffmpeg"))
    with pytest.raises(InputError, match="AUDIOBOOK_FFMPEG"):
        ffmpeg.find_ffmpeg()


@pytest.mark.slow
def test_render_uses_the_ffmpeg_the_user_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls.log"
    script = logging_ffmpeg(tmp_path / "bin", log)
    write_book(tmp_path, text="# One\n\nA short chapter.\n")
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(script))
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "libmp3lame" in log.read_text()


def test_engine_library_can_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    espeakng_loader = pytest.importorskip("espeakng_loader")
    monkeypatch.setenv("AUDIOBOOK_ESPEAK", espeakng_loader.get_library_path())
    monkeypatch.setenv("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    with contextlib.closing(WorkerEngine(timeout=30)) as engine:
        assert any(v.short_id == "en-us" for v in engine.voices())
