from __future__ import annotations

import re
import shutil
from pathlib import Path

from mutagen.id3 import ID3

from audiobook.formats.tags import (
    BookTags,
    ChapterMark,
    Item,
    read_id3_chapters,
    read_tags,
    write_tags,
)
from audiobook.mastering import ffmpeg

ITEM = Item("Chapter 2: The Storm", 2, 3)
TAGS = BookTags(
    title="The Harbour Book",
    author="Test Author",
    narrator="Test Narrator",
    year=2024,
    language="en",
    description="A small book.",
    cover=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    cover_mime="image/png",
)


def test_tags_read_back_as_written_in_id3_v2_3(rendered_book: Path, tmp_path: Path) -> None:
    mp3 = tmp_path / "ch.mp3"
    shutil.copy(next((rendered_book / "audio").glob("02-*.mp3")), mp3)
    write_tags(mp3, TAGS, ITEM)
    tags = read_tags(mp3)
    assert tags["version"] == "2.3"
    assert tags["TIT2"] == "Chapter 2: The Storm"
    assert tags["TALB"] == "The Harbour Book"
    assert tags["TPE1"] == tags["TPE2"] == "Test Author"
    assert tags["TCOM"] == "Test Narrator"
    assert tags["TRCK"] == "2/3"
    assert tags["TCON"] == "Audiobook"
    assert tags["TYER"] == "2024"
    assert tags["TLAN"] == "eng"
    assert tags["COMM::eng"] == "A small book."
    cover = ID3(mp3).getall("APIC")[0]
    assert (cover.type, cover.mime, cover.data) == (3, "image/png", TAGS.cover)


def test_writing_twice_gives_the_same_bytes(rendered_book: Path, tmp_path: Path) -> None:
    source = next((rendered_book / "audio").glob("01-*.mp3"))
    copies = [tmp_path / "a.mp3", tmp_path / "b.mp3"]
    for copy in copies:
        shutil.copy(source, copy)
        write_tags(copy, TAGS, ITEM)
    assert copies[0].read_bytes() == copies[1].read_bytes()


def test_chapter_frames_keep_their_order_under_one_ctoc(
    rendered_book: Path, tmp_path: Path
) -> None:
    mp3 = tmp_path / "book.mp3"
    shutil.copy(next((rendered_book / "audio").glob("01-*.mp3")), mp3)
    # More than ten chapters: "ch10" sorts before "ch2" as text, so order is easy to lose.
    marks = [ChapterMark(f"Part {n}", n * 1000, (n + 1) * 1000) for n in range(12)]
    write_tags(mp3, TAGS, Item("The Harbour Book"), marks)
    assert read_id3_chapters(mp3) == marks
    # In the file itself too, where players that ignore the CTOC read them.
    listed = ffmpeg.run(["-i", str(mp3), "-f", "ffmetadata", "-"]).decode()
    assert re.findall(r"title=(Part \d+)", listed) == [m.title for m in marks]
    id3 = ID3(mp3)
    (toc,) = id3.getall("CTOC")
    assert toc.flags & 0x01 and toc.flags & 0x02  # ordered, top level
