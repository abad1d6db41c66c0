"""Ebooks and other languages in, end to end: the real engine, real ffmpeg, files read back."""
# ruff: noqa: RUF001 - Russian prose is made of Cyrillic letters, not look-alikes

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from .conftest import SMALL_VOICES, run_cli
from .readers.epub_builder import Doc, NavEntry, build_epub
from .readers.test_epub import PROSE, cover_png

pytestmark = pytest.mark.slow

RUSSIAN = """\
# Глава первая

Утром над рекой поднялся густой туман, и рыбаки долго не решались выходить на лодках.
Старик сидел у окна, смотрел на воду и вспоминал, как много лет назад он сам учил сына
вязать сети и читать небо перед бурей.

# Глава вторая

К полудню ветер разогнал туман, и деревня ожила: застучали топоры, закричали дети, а на
пристани снова запахло смолой и свежей рыбой.
"""


def test_an_epub_renders_and_passes_check_with_its_cover(tmp_path: Path) -> None:
    cover = cover_png((96, 96))
    docs = [
        Doc("one.xhtml", f"<h2>Chapter One</h2><p>{PROSE}</p>"),
        Doc("two.xhtml", f"<h2>Chapter Two</h2><p>{PROSE}</p><hr/><p>{PROSE}</p>"),
    ]
    nav = [NavEntry("Chapter One", "one.xhtml"), NavEntry("Chapter Two", "two.xhtml")]
    build_epub(tmp_path / "harbour.epub", docs, nav, title="The Harbour", cover=cover)
    (tmp_path / "voices.toml").write_text(SMALL_VOICES, encoding="utf-8")  # eSpeak NG: quick
    result = run_cli("render", "harbour.epub", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [c["title"] for c in summary["chapters"]] == ["Chapter 1", "Chapter 2"]
    check = run_cli("check", "--json", cwd=tmp_path)
    assert check.returncode == 0, check.stdout
    assert json.loads(check.stdout)["ok"]
    audio = tmp_path / "audio"
    assert ID3(audio / "01-chapter-1.mp3").getall("APIC")[0].data == cover
    assert bytes(MP4(audio / "the-harbour.m4b")["covr"][0]) == cover


def test_a_russian_manuscript_without_metadata_gets_a_russian_voice(tmp_path: Path) -> None:
    (tmp_path / "rasskaz.txt").write_text(RUSSIAN, encoding="utf-8")
    chapters = run_cli("chapters", "rasskaz.txt", "--json", cwd=tmp_path)
    assert chapters.returncode == 0, chapters.stderr
    doc = json.loads(chapters.stdout)
    assert (doc["language"], doc["language_source"]) == ("ru", "detected")
    result = run_cli("render", "rasskaz.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["language"] == "ru" and manifest["voice"]["id"] == "ru"
    assert len(manifest["chapters"]) == 2
