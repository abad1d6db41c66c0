"""The outputs' registry: outputs by name, switched by voices.toml, written all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.core.config import Output
from audiobook.core.manifest import SECTION_KEYS, BookFile
from audiobook.formats.tags import BookTags
from audiobook.outputs import OUTPUTS, enabled, write_book_files
from audiobook.outputs.interface import BookContext, CheckStage


def test_outputs_are_named_in_manifest_order_and_switched_by_voices_toml() -> None:
    assert [o.name for o in OUTPUTS] == [
        "mp3", "m4b", "playlist", "metadata", "vtt", "srt", "epub",
    ]  # fmt: skip
    assert enabled(Output()) == list(OUTPUTS)
    assert enabled(Output(book_files=False)) == []
    assert [o.name for o in enabled(Output(captions=False, readalong=False))] == [
        "mp3", "m4b", "playlist", "metadata",
    ]  # fmt: skip
    for output in OUTPUTS:
        assert isinstance(getattr(Output(), output.switch), bool)


def test_each_output_is_named_once_and_brings_its_own_check() -> None:
    """Its name is its key in the manifest's "book" section, beside the section's own keys."""
    names = [o.name for o in OUTPUTS]
    assert len(set(names)) == len(names) and not set(names) & set(SECTION_KEYS)
    for output in OUTPUTS:
        assert callable(output.check) and output.check_stage in CheckStage


class _Text:
    """A stand-in output that writes one line, or fails, for the all-or-nothing logic."""

    switch = "book_files"

    def __init__(self, name: str, fail: bool = False) -> None:
        self.name, self.fail = name, fail

    def file_name(self, book: BookContext) -> str:
        return f"{self.name}.txt"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        tmp.write_text("new\n", encoding="utf-8")
        if self.fail:
            raise OSError("disk full")
        return BookFile(self.name, self.file_name(book))


def _context(out_dir: Path) -> BookContext:
    return BookContext((), BookTags("T", "A", "N"), out_dir, "t", (), ())


def test_no_output_replaces_its_file_unless_every_one_was_written(tmp_path: Path) -> None:
    for name in ("first", "second"):
        (tmp_path / f"{name}.txt").write_text("old\n", encoding="utf-8")
    with pytest.raises(OSError):
        write_book_files(_context(tmp_path), [_Text("first"), _Text("second", fail=True)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.txt", "second.txt"]
    assert {p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {"old\n"}
    written = write_book_files(_context(tmp_path), [_Text("first"), _Text("second")])
    assert [w.file for w in written] == ["first.txt", "second.txt"]
    assert {p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {"new\n"}
