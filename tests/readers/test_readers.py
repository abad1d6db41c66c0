"""The readers' registry: a manuscript goes to the reader of its file type."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from audiobook.readers import READERS, read_book, reader_for, text
from audiobook.readers.interface import Reader

from ..conftest import run_cli, write_book
from .epub_builder import Doc, NavEntry, build_epub


@pytest.mark.parametrize("name", ["book.txt", "book.MD", "book.markdown", "notes"])
def test_a_file_goes_to_the_reader_of_its_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("# One\n\nThe first words.\n", encoding="utf-8")
    # Text is also what reads a file of a type nobody claims, and says so if it is not text.
    assert reader_for(path) is text.READER


def test_a_folder_goes_to_the_reader_of_the_files_it_holds(tmp_path: Path) -> None:
    folder = write_book(tmp_path)
    assert reader_for(folder) is text.READER
    assert read_book(folder).title == "The Harbour Book"


def test_every_registered_reader_keeps_the_interface() -> None:
    for reader in READERS:
        assert isinstance(reader.name, str) and reader.suffixes
        assert all(s.startswith(".") and s == s.lower() for s in reader.suffixes)
        assert isinstance(reader, Reader)


def test_the_reader_finds_the_cover(tmp_path: Path) -> None:
    folder = write_book(tmp_path)
    assert read_book(folder).cover is None
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, "PNG")
    (folder / "cover.png").write_bytes(buffer.getvalue())
    book = read_book(folder)
    assert (book.cover, book.cover_mime) == (buffer.getvalue(), "image/png")


def test_a_corrupt_cover_stops_the_render_before_anything_is_written(tmp_path: Path) -> None:
    folder = write_book(tmp_path)
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "text/cover.jpg: not an image" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "audio").exists()


PROSE = "The first words of the book, which go on for a while before anything happens at all."


def _manuscript(folder: Path, kind: str) -> Path:
    """A one-chapter book of KIND that says nothing about itself: no title, author or narrator."""
    folder.mkdir()
    path = folder / f"03_the-lost_book.{kind}"
    if kind == "txt":
        path.write_text(f"{PROSE}\n", encoding="utf-8")
    elif kind == "html":
        path.write_text(f"<html><body><p>{PROSE}</p></body></html>", encoding="utf-8")
    else:
        docs = [Doc("one.xhtml", f"<p>{PROSE}</p>")]
        build_epub(path, docs, [NavEntry("One", "one.xhtml")], title="", authors=())
    return path


@pytest.mark.parametrize("kind", ["txt", "html", "epub"])
def test_every_reader_fills_in_what_the_manuscript_does_not_say_alike(
    tmp_path: Path, kind: str
) -> None:
    """The file's name for a title (not "Untitled", not the folder's "text"), nobody for the
    people (no "Unknown"); book.toml over all of it."""
    path = _manuscript(tmp_path / "text", kind)
    for source in (path, path.parent):
        book = read_book(source)
        assert (book.title, book.author, book.narrator) == ("The Lost Book", "", "")
        assert book.sources == (path,) and book.source == source
    (path.parent / "book.toml").write_text(
        'title = "Found"\nauthor = "A. Writer"\nnarrator = "N. Reader"\nyear = 1999\n',
        encoding="utf-8",
    )
    book = read_book(path)
    assert (book.title, book.author, book.narrator, book.meta.year) == (
        "Found", "A. Writer", "N. Reader", 1999,
    )  # fmt: skip
