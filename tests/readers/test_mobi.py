"""The MOBI/AZW3 reader on books written by mobi_builder (MOBI 7, KF8, combined) and by calibre
where it is installed, and on hostile files through the command line."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from audiobook.core.book import Book, SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import read_book, reader_for
from audiobook.readers.headings import heading_for
from audiobook.readers.mobi.container import MAX_TEXT, palmdoc

from . import manuscript as ms
from . import mobi_builder as mb
from .mobi_builder import Meta

KINDS = ["mobi7", "kf8", "combined"]
TITLES = [heading_for(c.title).title for c in ms.CHAPTERS]
PROSE = "The boats came in at dawn, and nobody on the quay said a word while the gulls wheeled."


def _write(tmp_path: Path, data: bytes, name: str = "book.mobi") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _paragraphs(book: Book) -> list[str]:
    return [p.text for c in book.chapters for p in c.paragraphs]


def _expected() -> list[str]:
    return [
        p.replace("*", "").replace("[1]", "")
        for c in ms.CHAPTERS
        for p in c.paragraphs
        if p != ms.SCENE_BREAK
    ]


def _words(texts: list[str]) -> list[str]:
    return " ".join(texts).replace("_", "").split()


# --- the manuscript -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_manuscript_gives_its_chapters_words_and_metadata(tmp_path: Path, kind: str) -> None:
    book = read_book(mb.build_mobi_book(tmp_path, kind))
    assert [c.title for c in book.chapters] == TITLES
    assert _words(_paragraphs(book)) == _words(_expected())
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, ms.LANGUAGE)
    assert any(isinstance(b, SceneBreak) for b in book.chapters[0].blocks)
    assert [(s.reason, s.text) for s in book.skipped] == [("footnote", ms.FOOTNOTE)]


@pytest.mark.parametrize("kind", ["mobi7", "kf8"])
def test_the_footnote_is_read_at_its_chapters_end_when_asked(tmp_path: Path, kind: str) -> None:
    book = read_book(mb.build_mobi_book(tmp_path, kind), SplitOptions(notes=True))
    assert book.chapters[-1].paragraphs[-1].text == ms.FOOTNOTE
    assert not book.skipped
    assert "1" not in _words(_paragraphs(book))  # neither the reference nor the note's back-link


def test_a_combined_file_is_read_from_its_kf8_half(tmp_path: Path) -> None:
    newer = f"<h1>One</h1><p>The newer half. {PROSE}</p><h1>Two</h1><p>{PROSE}</p>"
    data = mb.kf8(
        [f"<html><body>{newer}</body></html>"],
        combined_with=f"<html><body><h1>One</h1><p>The older half. {PROSE}</p></body></html>",
    )
    book = read_book(_write(tmp_path, data))
    assert _paragraphs(book) == [f"The newer half. {PROSE}", PROSE]


def test_the_reader_is_chosen_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = _write(tmp_path, mb.lighthouse("kf8"), "book.txt")
    assert reader_for(path).name == "mobi"
    assert [c.title for c in read_book(path).chapters] == TITLES


# --- the format ----------------------------------------------------------------------------

LONG = " ".join(  # characters of 2 and 3 bytes, which record ends cut
    f"<p>Paragraph {n}: the keeper\u2019s café — “naïve” façade, ±{n}° and ✓ {'é' * (n % 7)}.</p>"
    for n in range(400)
)


@pytest.mark.parametrize(
    ("compression", "trailing", "encoding"),
    [(2, 0b11, "utf-8"), (1, 0b11, "utf-8"), (2, 0, "utf-8"), (2, 0b1011, "utf-8"),
     (1, 0b10, "utf-8"), (2, 0b10, "cp1252")],
)  # fmt: skip
def test_text_across_many_records_comes_back_whole(
    tmp_path: Path, compression: int, trailing: int, encoding: str
) -> None:
    markup = LONG if encoding == "utf-8" else LONG.replace("✓", "*")
    data = mb.mobi7(
        f"<html><body><h1>All</h1>{markup}</body></html>",
        compression=compression,
        trailing=trailing,
        encoding=encoding,
    )
    records = struct.unpack_from(">H", data, _record0_at(data) + 8)[0]
    assert records > 5  # many text records, and characters cut by their ends
    book = read_book(_write(tmp_path, data))
    expected = [p.strip().removeprefix("<p>") for p in markup.split("</p>") if p.strip()]
    assert _paragraphs(book) == expected


def test_palmdoc_decompresses_what_an_independent_compressor_wrote() -> None:
    rng = random.Random(7)
    for _ in range(30):
        alphabet = bytes(rng.sample(range(256), rng.randint(2, 256)))
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 600)))
        data += b" the sea the sea the sea " * rng.randint(0, 5)
        assert palmdoc(mb.palmdoc(data), 1 << 16, Path("x")) == data


def test_metadata_and_cover_come_from_exth(tmp_path: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 80, 120)).save(png, "PNG")
    meta = Meta(
        title="Der Leuchtturm", author="Ann Author", language="de", published="1999-03-02",
        description="<p>Ein <b>Wärter</b> &amp; sein Licht.</p>", cover=png.getvalue(),
    )  # fmt: skip
    data = mb.mobi7(f"<html><body><h1>Eins</h1><p>{PROSE}</p></body></html>", meta)
    book = read_book(_write(tmp_path, data))
    assert (book.title, book.author, book.language) == ("Der Leuchtturm", "Ann Author", "de")
    assert book.meta.year == 1999
    assert book.meta.description == "Ein Wärter & sein Licht."
    assert book.cover == png.getvalue() and book.cover_mime == "image/png"


def test_without_exth_the_full_name_is_the_title(tmp_path: Path) -> None:
    data = bytearray(mb.mobi7(f"<html><body><p>{PROSE}</p></body></html>", Meta(title="Plain")))
    record0 = struct.unpack_from(">L", data, 78)[0]
    struct.pack_into(">L", data, record0 + 0x80, 0)  # no EXTH
    assert read_book(_write(tmp_path, bytes(data))).title == "Plain"


# --- chapters --------------------------------------------------------------------------------


def _calibre_like(n: int) -> str:
    """A chapter as calibre's MOBI 7 has it: no <h1>, its title in a large font."""
    return (
        f'<!--@c{n}--><p align="center"><font size="7"><b>CHAPTER {"I" * n}.</b></font><br/>'
        f'<font size="7">The Title {n}</font></p><p>{PROSE}</p><mbp:pagebreak/>'
    )


def test_chapters_start_where_the_ncx_points(tmp_path: Path) -> None:
    markup = (
        "<html><body><!--@cover--><p>Cover</p><mbp:pagebreak/><!--@toc--><p>Contents</p>"
        "<p><a filepos=@c1>I</a></p><p><a filepos=@c2>II</a></p><p><a filepos=@c3>III</a></p>"
        f"<mbp:pagebreak/>{_calibre_like(1)}{_calibre_like(2)}{_calibre_like(3)}"
        "<!--@copy--><p>Copyright 2024 Mara Quill. All rights reserved to her heirs.</p>"
        "</body></html>"
    )
    ncx = [("Cover", "cover", 1), ("Contents", "toc", 1), ("CHAPTER I. The Title 1", "c1", 2)]
    ncx += [("Part Two", "c2", 1)]  # a part: said with its first chapter
    ncx += [(f"CHAPTER {'I' * n}. The Title {n}", f"c{n}", 2) for n in (2, 3)]
    ncx += [("Copyright", "copy", 1)]
    book = read_book(_write(tmp_path, mb.mobi7(markup, ncx=ncx)))
    assert [c.title for c in book.chapters] == ["The Title 1", "The Title 2", "The Title 3"]
    assert book.chapters[1].spoken_title.startswith("Part 2. ")
    assert _paragraphs(book) == [PROSE] * 3
    reasons = {s.reason for s in book.skipped}
    assert "front or back matter" in reasons and "table of contents" in reasons
    assert any("Copyright 2024" in s.text for s in book.skipped)


@pytest.mark.parametrize("kind", ["mobi7", "kf8"])
def test_without_an_ncx_a_contents_page_makes_the_chapters(tmp_path: Path, kind: str) -> None:
    contents = "".join(f"<p><a filepos=@c{n}>CHAPTER {'I' * n}.</a></p>" for n in (1, 2, 3))
    pages = [f"<p>Contents</p>{contents}", *(_calibre_like(n) for n in (1, 2, 3))]
    if kind == "mobi7":
        data = mb.mobi7(f"<html><body>{'<mbp:pagebreak/>'.join(pages)}</body></html>")
    else:  # one file a page, kindle:pos links
        pages = [re.sub(r"filepos=@(\w+)", r'href="kindle:pos:@\1"', p) for p in pages]
        data = mb.kf8([f"<html><body>{p}</body></html>" for p in pages])
    book = read_book(_write(tmp_path, data))
    assert [c.title for c in book.chapters] == ["The Title 1", "The Title 2", "The Title 3"]
    assert [s.reason for s in book.skipped] == ["table of contents"]


def test_navigation_with_one_chapter_gives_way_to_the_headings(tmp_path: Path) -> None:
    markup = "<html><body><!--@start-->" + "".join(
        f"<h2>Part {n}</h2><p>{PROSE}</p>" for n in range(3)
    )
    data = mb.mobi7(markup + "</body></html>", ncx=[("Start", "start", 1)])
    book = read_book(_write(tmp_path, data))
    assert [c.title for c in book.chapters] == ["Part 0", "Part 1", "Part 2"]


def test_a_palmdoc_text_is_read_as_plain_text(tmp_path: Path) -> None:
    text = f"Chapter 1\n\n{PROSE}\n\nChapter 2\n\n{PROSE}\n".encode("cp1252")
    record0 = struct.pack(">HHLHHHH", 2, 0, len(text), 1, mb.RECORD, 0, 0)
    data = mb.palmdb([record0, mb.palmdoc(text)], kind=b"TEXtREAd")
    book = read_book(_write(tmp_path, data, "book.prc"))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert _paragraphs(book) == [PROSE, PROSE]


def test_without_navigation_the_headings_make_the_chapters(tmp_path: Path) -> None:
    markup = "<html><body>" + "".join(f"<h2>Part {n}</h2><p>{PROSE}</p>" for n in range(3))
    book = read_book(_write(tmp_path, mb.mobi7(markup + "</body></html>")))
    assert [c.title for c in book.chapters] == ["Part 0", "Part 1", "Part 2"]


def test_project_gutenbergs_header_and_licence_are_not_read(tmp_path: Path) -> None:
    markup = (
        "<html><body><p>The Project Gutenberg eBook of The Harbour. This ebook is for the use of"
        " anyone anywhere.</p><p>*** START OF THE PROJECT GUTENBERG EBOOK THE HARBOUR ***</p>"
        f"<h1>One</h1><p>{PROSE}</p><h1>Two</h1><p>{PROSE}</p>"
        "<p>*** END OF THE PROJECT GUTENBERG EBOOK THE HARBOUR ***</p><p>Section 1. General"
        " Terms of Use and Redistributing Project Gutenberg electronic works.</p></body></html>"
    )
    book = read_book(_write(tmp_path, mb.mobi7(markup)))
    assert _paragraphs(book) == [PROSE, PROSE]
    assert [s.reason for s in book.skipped] == [
        "Project Gutenberg header",
        "Project Gutenberg licence",
    ]


# --- refused, and hostile --------------------------------------------------------------------


def _record0_at(data: bytes | bytearray) -> int:
    return int(struct.unpack_from(">L", data, 78)[0])


def _drm(data: bytearray) -> None:
    struct.pack_into(">H", data, _record0_at(data) + 12, 2)  # Mobipocket encryption


def _huff(data: bytearray) -> None:
    struct.pack_into(">H", data, _record0_at(data), 17480)


def _truncated(data: bytearray) -> None:
    del data[len(data) // 3 :]


def _table_cut(data: bytearray) -> None:
    del data[90:]


def _offsets_backwards(data: bytearray) -> None:
    struct.pack_into(">L", data, 78 + 8 * 2, 100)


def _offset_past_end(data: bytearray) -> None:
    struct.pack_into(">L", data, 78 + 8 * 1, 0xFFFFFF00)


def _many_records(data: bytearray) -> None:
    struct.pack_into(">H", data, 76, 0xFFFF)


def _declares_huge_text(data: bytearray) -> None:
    struct.pack_into(">L", data, _record0_at(data) + 4, 0xFFFFFFF0)


def _more_text_records_than_exist(data: bytearray) -> None:
    struct.pack_into(">H", data, _record0_at(data) + 8, 0xFFFF)


def _copy_before_start(data: bytearray) -> None:
    first = int(struct.unpack_from(">L", data, 78 + 8)[0])
    struct.pack_into(">H", data, first, 0x8000 | (2000 << 3))


def _trailing_entry_too_long(data: bytearray) -> None:
    second = int(struct.unpack_from(">L", data, 78 + 16)[0])
    data[second - 3 : second] = b"\x81\x7f\x7f"  # its last trailing entry: 32 KB long


def _ncx_garbage(data: bytearray) -> None:
    struct.pack_into(">L", data, _record0_at(data) + 0xF4, 1)  # the NCX is a text record


def _not_a_mobi(data: bytearray) -> None:
    data[60:68] = b"XXXXXXXX"


HOSTILE = {
    "drm": (_drm, "DRM-protected"),
    "huff": (_huff, "HUFF/CDIC"),
    "truncated": (_truncated, "point outside the file"),
    "record list cut": (_table_cut, "cut short"),
    "offsets backwards": (_offsets_backwards, "backwards"),
    "offset past the end": (_offset_past_end, "outside the file"),
    "65535 records": (_many_records, "cut short"),
    "declares 4 GB of text": (_declares_huge_text, f"more than the {MAX_TEXT >> 20} MB"),
    "missing text records": (_more_text_records_than_exist, "fewer text records"),
    "copy before the start": (_copy_before_start, "refers before its start"),
    "trailing entry too long": (_trailing_entry_too_long, "trailing entry"),
    "ncx not an index": (_ncx_garbage, "index at record 1 is damaged"),
    "not a mobi": (_not_a_mobi, "is not a MOBI or AZW3 book"),
}


def _hostile(case: str) -> bytes:
    """The long book, with an NCX, spoiled as CASE says."""
    markup = f"<html><body><!--@top--><h1>One</h1>{LONG}</body></html>"
    data = bytearray(mb.mobi7(markup, ncx=[("One", "top", 1)]))
    HOSTILE[case][0](data)
    return bytes(data)


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_are_one_input_error(tmp_path: Path, case: str) -> None:
    with pytest.raises(InputError) as error:
        read_book(_write(tmp_path, _hostile(case)))
    assert HOSTILE[case][1] in str(error.value)


def _kf8_fragment_outside(data: bytearray) -> None:
    at = data.index(b"0000000")  # the first FRAG entry's name: its insert position
    data[at : at + 10] = b"9999999999"


def _kf8_boundary_to_nothing(data: bytearray) -> None:
    at = data.index(b"BOUNDARY")
    data[at : at + 8] = b"NOTHING!"
    first = _record0_at(data)
    rest = struct.unpack_from(">L", data, 78 + 8 * 1)[0]
    exth = data.index(b"EXTH", first, rest)
    at = data.index(struct.pack(">LL", 121, 12), exth)
    struct.pack_into(">L", data, at + 8, 1)  # EXTH 121 names a text record


KF8_HOSTILE = {
    "fragment outside its file": ("kf8", _kf8_fragment_outside, "goes outside its file"),
    "kf8 half not a header": ("combined", _kf8_boundary_to_nothing, "has no MOBI header"),
}


@pytest.mark.parametrize("case", KF8_HOSTILE)
def test_hostile_kf8_files_are_one_input_error(tmp_path: Path, case: str) -> None:
    kind, spoil, said = KF8_HOSTILE[case]
    data = bytearray(mb.lighthouse(kind))
    spoil(data)
    with pytest.raises(InputError) as error:
        read_book(_write(tmp_path, bytes(data)))
    assert said in str(error.value)


_MEASURED = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run([sys.executable, "-m", "audiobook", "chapters", sys.argv[1]],
                      capture_output=True, text=True, timeout=60)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": done.returncode, "stderr": done.stderr,
                  "seconds": time.monotonic() - start, "mb": peak}))
"""


def _cli(path: Path) -> dict[str, object]:
    """`audiobook chapters PATH` in a child process: its exit code, stderr, time and peak MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(path)],
        capture_output=True, text=True, cwd=path.parent, timeout=120, check=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout))


def _bomb(tmp_path: Path) -> Path:
    """A 2 MB file of copies that each make 10 bytes: just under the cap of text, all words."""
    record = b"<p>The sea was calm. " + struct.pack(">H", 0x8000 | (18 << 3) | 7) * 405
    size = len(palmdoc(record, 1 << 20, Path("x")))
    count = MAX_TEXT // size
    head = mb.record0(
        Meta(), size * count, count, 2, 0, "utf-8", 0, 6, first_image=None, ncx=None, kf8=None
    )
    return _write(tmp_path, mb.palmdb([head, *[record] * count, b"\xe9\x8e\r\n"]), "bomb.mobi")


@pytest.mark.slow
def test_hostile_files_end_in_one_line_within_bounds(tmp_path: Path) -> None:
    for case, (_, said) in HOSTILE.items():
        result = _cli(_write(tmp_path, _hostile(case), f"{case.replace(' ', '-')}.mobi"))
        assert result["code"] == 2, (case, result)
        lines = str(result["stderr"]).strip().splitlines()
        assert len(lines) == 1 and said in lines[0], (case, lines)
        assert float(result["seconds"]) < 10 and float(result["mb"]) < 500, (case, result)  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_decompression_bomb_stays_within_bounds(tmp_path: Path) -> None:
    result = _cli(_bomb(tmp_path))
    assert float(result["seconds"]) < 10 and float(result["mb"]) < 500, result  # type: ignore[arg-type]
    over = bytearray(_bomb(tmp_path).read_bytes())
    struct.pack_into(">L", over, _record0_at(over) + 4, 100)  # declares less than it holds
    result = _cli(_write(tmp_path, bytes(over), "over.mobi"))
    assert result["code"] == 2 and "longer than it declares" in str(result["stderr"]), result


# --- calibre's own files, where calibre is installed ------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("ebook-convert") is None, reason="calibre is not installed")
@pytest.mark.parametrize(
    ("name", "options"),
    [("book.mobi", ["--mobi-file-type", "old"]), ("book.azw3", []),
     ("both.mobi", ["--mobi-file-type", "both"])],
)  # fmt: skip
def test_calibres_mobi_and_azw3_read_as_its_epub_does(
    tmp_path: Path, name: str, options: list[str]
) -> None:
    from .test_formats import build_epub_book

    epub = build_epub_book(tmp_path)
    out = tmp_path / "out" / name
    out.parent.mkdir()
    subprocess.run(
        ["ebook-convert", str(epub), str(out), *options], capture_output=True, check=True
    )
    book, reference = read_book(out), read_book(epub)
    assert [c.title for c in book.chapters] == [c.title for c in reference.chapters]
    assert _paragraphs(book) == _paragraphs(reference)
    assert (book.title, book.author, book.language) == (ms.TITLE, ms.AUTHOR, ms.LANGUAGE)
    assert [s.reason for s in book.skipped if s.reason == "footnote"] == ["footnote"]
