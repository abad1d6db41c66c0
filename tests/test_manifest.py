"""manifest.json: the format render writes and check reads, and the lenient read of an old one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.core import manifest
from audiobook.core.book import ChapterMark
from audiobook.core.errors import InputError
from audiobook.core.manifest import BookFile


def test_the_book_section_keeps_its_shape() -> None:
    mark = ChapterMark("One", 0, 1000)
    section = manifest.book_section(
        "k",
        [
            BookFile("mp3", "b.mp3", "aa", (mark,)),
            BookFile("m4b", "b.m4b", "bb", (mark,)),
            BookFile("playlist", "b.m3u8"),
            BookFile("metadata", "metadata.json"),
        ],
    )
    assert list(section) == ["mp3", "m4b", "playlist", "metadata", "key", "sha256", "chapters"]
    assert section["sha256"] == {"b.mp3": "aa", "b.m4b": "bb"}
    assert section["chapters"]["b.m4b"] == [{"title": "One", "start_ms": 0, "end_ms": 1000}]
    assert manifest.book_files(section) == {"b.mp3", "b.m4b", "b.m3u8", "metadata.json"}


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"chapters": 3}', '"text"'])
def test_an_unreadable_previous_manifest_is_no_manifest(tmp_path: Path, content: str) -> None:
    (tmp_path / manifest.MANIFEST).write_text(content, encoding="utf-8")
    previous = manifest.read_previous(tmp_path)
    assert manifest.previous_chapters(previous) == {}
    assert manifest.listed_files(previous) == set()


def test_the_previous_manifest_lists_its_chapters_and_book_files(tmp_path: Path) -> None:
    doc = {
        "chapters": [{"file": "01-a.mp3"}, {"file": "02-b.mp3"}],
        "book": {"mp3": "b.mp3", "m4b": "b.m4b", "playlist": "b.m3u8", "metadata": "metadata.json"},
    }
    (tmp_path / manifest.MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    previous = manifest.read_previous(tmp_path)
    assert set(manifest.previous_chapters(previous)) == {"01-a.mp3", "02-b.mp3"}
    assert manifest.listed_files(previous) == {
        "01-a.mp3",
        "02-b.mp3",
        "b.mp3",
        "b.m4b",
        "b.m3u8",
        "metadata.json",
    }
    with pytest.raises(InputError, match="not a manifest this version"):
        manifest.read_manifest(tmp_path)  # check's read is strict: no schema, no manifest
