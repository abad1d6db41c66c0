"""Content decides the reader: a file's first bytes, not only its name."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from audiobook.core.errors import InputError
from audiobook.readers import epub, html, read_book, reader_for, text
from audiobook.readers.sniff import kind_of, kind_of_bytes

from .epub_builder import Doc, NavEntry, build_epub

RTF = rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}\pard Hello.\par}"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (RTF, ".rtf"),
        (b"\xef\xbb\xbf" + RTF, ".rtf"),
        (b"%PDF-1.7\n%\xe2\xe3", ".pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".doc"),
        (b"\0" * 60 + b"BOOKMOBI" + b"\0" * 20, ".mobi"),
        (b'<?xml version="1.0"?>\n<FictionBook xmlns="http://www.gribuser.ru/xml/fictionbook/2.0">',
         ".fb2"),
        (b"<!DOCTYPE html>\n<html><body>x</body></html>", ".html"),
        (b'<?xml version="1.0"?>\n<!-- made by hand -->\n<html xmlns="x">', ".html"),
        (b'<?xml version="1.0"?>\n<catalogue/>', ".xml"),
        (b"Chapter One\n\nIt was a dark night. {\\rtf is only quoted here}", None),
        (b"# A Markdown book\n\n<em>inline</em> HTML is still text.", None),
    ],
)  # fmt: skip
def test_the_first_bytes_name_the_format(head: bytes, kind: str | None) -> None:
    assert kind_of_bytes(head) == kind


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_zip_is_told_apart_by_the_members_that_make_it(tmp_path: Path) -> None:
    docx = _zip(tmp_path / "a.bin", {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})
    odt = _zip(
        tmp_path / "b.bin",
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"},
    )
    fb2 = _zip(tmp_path / "c.bin", {"book.fb2": b"<FictionBook/>"})
    other = _zip(tmp_path / "d.bin", {"photo.jpg": b"\xff\xd8\xff"})
    book = build_epub(
        tmp_path / "e.bin", [Doc("c1.xhtml", "<p>Words.</p>")], [NavEntry("1", "c1.xhtml")]
    )
    assert [kind_of(p) for p in (docx, odt, fb2, other, book)] == [
        ".docx", ".odt", ".fb2.zip", ".zip", ".epub"
    ]  # fmt: skip


def test_an_html_page_named_txt_is_read_as_html_not_spoken_as_markup(tmp_path: Path) -> None:
    page = tmp_path / "book.txt"
    page.write_text(
        "<!DOCTYPE html><html><head><title>The Page</title></head><body>"
        "<h1>One</h1><p>First words of the first chapter, long enough to be prose.</p>"
        "<h1>Two</h1><p>Second words of the second chapter, as long as the first.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    assert reader_for(page) is html.READER
    book = read_book(page)
    spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "<" not in spoken and "First words of the first chapter" in spoken
    assert [c.title for c in book.chapters] == ["One", "Two"]


def test_an_epub_named_otherwise_is_read_as_an_epub(tmp_path: Path) -> None:
    doc = Doc("c1.xhtml", "<h1>One</h1><p>Words here.</p>")
    book = build_epub(tmp_path / "book.zip", [doc], [NavEntry("One", "c1.xhtml")])
    assert reader_for(book) is epub.READER


def test_a_binary_suffix_keeps_its_reader_which_refuses_what_is_not_one(tmp_path: Path) -> None:
    fake = tmp_path / "book.epub"
    fake.write_text("Chapter One\n\nJust text.\n", encoding="utf-8")
    assert reader_for(fake) is epub.READER
    with pytest.raises(InputError, match="not a ZIP file"):
        read_book(fake)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Word 97-2003"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "an image"),
        (b'<?xml version="1.0"?>\n<catalogue><item/></catalogue>\n', "XML"),
    ],
)
def test_a_format_we_do_not_read_is_one_line_naming_what_we_do(
    tmp_path: Path, head: bytes, what: str
) -> None:
    path = tmp_path / "manuscript.txt"
    path.write_bytes(head)
    with pytest.raises(InputError, match=what) as error:
        read_book(path)
    message = str(error.value)
    assert str(path) in message and ".docx" in message and "DOCX, EPUB or HTML" in message
    assert "export as .txt" not in message and "\n" not in message


def test_a_text_folder_refuses_a_file_that_is_markup(tmp_path: Path) -> None:
    folder = tmp_path / "text"
    folder.mkdir()
    (folder / "01.txt").write_text("Chapter One\n\nPlain words.\n", encoding="utf-8")
    (folder / "02.txt").write_bytes(RTF)
    assert reader_for(folder) is text.READER
    with pytest.raises(InputError, match=r"02\.txt: this is RTF, not plain text; name it \*\.rtf"):
        read_book(folder)


def test_a_password_protected_docx_says_so(tmp_path: Path) -> None:
    """Word saves a DOCX with a password as an OLE2 file holding an "EncryptedPackage"."""
    path = tmp_path / "book.docx"
    directory = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\0")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1016 + directory + b"\0" * 512)
    with pytest.raises(InputError, match="password-protected") as error:
        read_book(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


def test_a_text_folder_whose_one_txt_is_rtf_reads_it_as_rtf(tmp_path: Path) -> None:
    """`make render` with the manuscript saved by TextEdit as text/book.txt."""
    folder = tmp_path / "text"
    folder.mkdir()
    (folder / "book.txt").write_bytes(
        rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}"
        rb"\pard Chapter One\par\pard The keeper climbed the stairs of the tower to light the"
        rb" lamp before the storm.\par}"
    )
    (folder / "book.toml").write_text('title = "The Keeper"\n', encoding="utf-8")
    book = read_book(folder)
    spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "The keeper climbed the stairs" in spoken
    assert "\\" not in spoken and "{" not in spoken and "rtf" not in spoken
    assert book.title == "The Keeper"  # book.toml beside it still counts
