from __future__ import annotations

import shutil
from pathlib import Path

from mutagen.id3 import ID3

from audiobook.tags import TrackTags, read_tags, write_tags

TAGS = TrackTags(
    title="Chapter 2: The Storm",
    album="The Harbour Book",
    author="Test Author",
    narrator="Test Narrator",
    track=2,
    total=3,
    year=2024,
    language="en",
    description="A small book.",
    cover=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    cover_mime="image/png",
)


def test_tags_read_back_as_written_in_id3_v2_3(rendered_book: Path, tmp_path: Path) -> None:
    mp3 = tmp_path / "ch.mp3"
    shutil.copy(next((rendered_book / "audio").glob("02-*.mp3")), mp3)
    write_tags(mp3, TAGS)
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
        write_tags(copy, TAGS)
    assert copies[0].read_bytes() == copies[1].read_bytes()
