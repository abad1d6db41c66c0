"""manifest.json: the format render writes and check reads, and the lenient read of an old one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from audiobook.core import manifest
from audiobook.core.book import ChapterMark
from audiobook.core.errors import InputError
from audiobook.core.manifest import BookFile, Manifest

from .conftest import REPO


def as_written(model: Manifest) -> str:
    return json.dumps(model.model_dump(), indent=2, ensure_ascii=False) + "\n"


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
    written = section.model_dump()
    assert list(written) == ["mp3", "m4b", "playlist", "metadata", "key", "sha256", "chapters"]
    assert written["sha256"] == {"b.mp3": "aa", "b.m4b": "bb"}
    assert written["chapters"]["b.m4b"] == [{"title": "One", "start_ms": 0, "end_ms": 1000}]
    assert manifest.book_files(section) == {"b.mp3", "b.m4b", "b.m3u8", "metadata.json"}
    # The outputs are whatever the render had: core knows none of them by name.
    toy = manifest.book_section("k", [BookFile("toy", "b.toy")])
    assert toy.files == {"toy": "b.toy"} and manifest.book_files(toy) == {"b.toy"}


def test_a_rendered_manifest_is_the_model_key_for_key(rendered_book: Path) -> None:
    """What render wrote reads back through the model and is written again byte for byte; so
    is a chapter without captions, and a manifest without a book section or stale files."""
    audio = rendered_book / "audio"
    text = (audio / manifest.MANIFEST).read_text(encoding="utf-8")
    read = manifest.read_manifest(audio)
    assert as_written(read) == text
    assert read.book is not None and set(read.book.files) == {
        "mp3", "m4b", "playlist", "metadata", "vtt", "srt", "epub",
    }  # fmt: skip
    assert read.rate_wpm == 190 and read.chapters[0].captions

    document: dict[str, Any] = json.loads(text)
    for chapter in document["chapters"]:
        for key in ("captions", "caption_words", "caption_words_sha256"):
            del chapter[key]
    del document["book"]
    plain = Manifest.model_validate(document)
    assert as_written(plain) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    document["stale"] = ["old.mp3"]
    with_stale = as_written(Manifest.model_validate(document))
    assert list(json.loads(with_stale)) == [*list(document)]


def _valid() -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "T",
        "chapters": [{"index": 1, "title": "One", "file": "01-one.mp3", "duration_ms": 1000}],
    }


def _broken(doc: dict[str, Any], change: str) -> dict[str, Any]:
    chapter = doc["chapters"][0]
    if change == "schema":
        doc["schema"] = 2
    elif change == "no chapters":
        del doc["chapters"]
    elif change == "a path for a file":
        chapter["file"] = "../01-one.mp3"
    elif change == "a duration that is no number":
        chapter["duration_ms"] = "long"
    elif change == "no title":
        del chapter["title"]
    elif change == "a book file that is no name":
        doc["book"] = {"mp3": 3, "key": "k", "sha256": {}, "chapters": {}}
    elif change == "book marks without times":
        doc["book"] = {"mp3": "b.mp3", "key": "k", "sha256": {}, "chapters": {"b.mp3": [{}]}}
    return doc


BROKEN = [
    "schema", "no chapters", "a path for a file", "a duration that is no number", "no title",
    "a book file that is no name", "book marks without times",
]  # fmt: skip


@pytest.mark.parametrize("change", BROKEN)
def test_check_reads_only_a_manifest_that_validates(tmp_path: Path, change: str) -> None:
    path = tmp_path / manifest.MANIFEST
    path.write_text(json.dumps(_valid()), encoding="utf-8")
    assert manifest.read_manifest(tmp_path).chapters[0].file == "01-one.mp3"
    path.write_text(json.dumps(_broken(_valid(), change)), encoding="utf-8")
    with pytest.raises(InputError, match="not a manifest this version of audiobook wrote"):
        manifest.read_manifest(tmp_path)


def test_the_strict_read_holds_under_python_O(tmp_path: Path) -> None:
    """python -O drops asserts: the read must refuse a bad manifest without them."""
    path = tmp_path / manifest.MANIFEST
    path.write_text(json.dumps(_broken(_valid(), "a path for a file")), encoding="utf-8")
    script = (
        "import sys; from pathlib import Path; from audiobook.core.manifest import read_manifest\n"
        "from audiobook.core.errors import InputError\n"
        "try:\n    read_manifest(Path(sys.argv[1]))\nexcept InputError as e:\n    print(e)\n"
        "else:\n    print('read')\n"
    )
    result = subprocess.run(
        [sys.executable, "-O", "-c", script, str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    assert "not a manifest this version of audiobook wrote" in result.stdout


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"chapters": 3}', '"text"'])
def test_an_unreadable_previous_manifest_is_no_manifest(tmp_path: Path, content: str) -> None:
    (tmp_path / manifest.MANIFEST).write_text(content, encoding="utf-8")
    previous = manifest.read_previous(tmp_path)
    assert manifest.previous_chapters(previous) == {}
    assert manifest.listed_files(previous) == set()
    assert manifest.previous_book(previous) is None


def test_the_previous_manifest_lists_its_chapters_and_book_files(tmp_path: Path) -> None:
    doc = {
        "chapters": [{"file": "01-a.mp3"}, {"file": "02-b.mp3"}],
        "book": {
            "mp3": "b.mp3", "m4b": "b.m4b", "playlist": "b.m3u8", "metadata": "metadata.json",
            "toy": "b.toy", "key": "k", "sha256": {"b.mp3": "aa"}, "chapters": {},
        },
    }  # fmt: skip
    (tmp_path / manifest.MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    previous = manifest.read_previous(tmp_path)
    assert set(manifest.previous_chapters(previous)) == {"01-a.mp3", "02-b.mp3"}
    # Every output's file, whatever its name (an output since removed too), but not the key.
    assert manifest.listed_files(previous) == {
        "01-a.mp3", "02-b.mp3", "b.mp3", "b.m4b", "b.m3u8", "metadata.json", "b.toy",
    }  # fmt: skip
    book = manifest.previous_book(previous)
    assert book is not None and book.key == "k" and book.files["toy"] == "b.toy"
    with pytest.raises(InputError, match="not a manifest this version"):
        manifest.read_manifest(tmp_path)  # check's read is strict: no schema, no manifest


def test_a_previous_book_section_that_does_not_read_is_not_reused(tmp_path: Path) -> None:
    """Its files are still listed (to be removed if no longer written); it is not reused."""
    doc = {"chapters": [], "book": {"mp3": "b.mp3", "key": "k", "sha256": "not a table"}}
    (tmp_path / manifest.MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    previous = manifest.read_previous(tmp_path)
    assert manifest.previous_book(previous) is None
    assert manifest.listed_files(previous) == {"b.mp3"}


def test_a_book_section_of_some_outputs_keeps_their_files_hashes_and_marks() -> None:
    mark = ChapterMark("One", 0, 1000)
    section = manifest.book_section(
        "k", [BookFile("mp3", "b.mp3", "aa", (mark,)), BookFile("vtt", "b.vtt"),
              BookFile("epub", "b.epub", "cc")],
    )  # fmt: skip
    kept = section.only(["mp3", "vtt"])
    assert kept.model_dump() == {
        "mp3": "b.mp3", "vtt": "b.vtt", "key": "k", "sha256": {"b.mp3": "aa"},
        "chapters": {"b.mp3": [{"title": "One", "start_ms": 0, "end_ms": 1000}]},
    }  # fmt: skip
    assert section.only(["mp3", "vtt", "epub"]) == section
