"""An extended M3U playlist of the chapter files, for players that play a folder in order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from audiobook.core.book import ChapterMark
from audiobook.core.manifest import BookFile, Manifest
from audiobook.outputs.interface import BookContext, ChapterFile, CheckStage, Result


class Playlist:
    name = "playlist"
    switch = "book_files"
    check_stage = CheckStage.LISTING

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}.m3u8"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        tmp.write_text(m3u8(book.chapters, book.marks), encoding="utf-8")
        return BookFile(self.name, self.file_name(book))

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        """Every chapter file, in order, with its title and its length in whole seconds."""
        lines = path.read_text(encoding="utf-8").splitlines()
        entries = list(zip(lines[1::2], lines[2::2], strict=False))
        wanted = [
            (f"#EXTINF:{round(c.duration_ms / 1000)},{c.title}", c.file) for c in manifest.chapters
        ]
        ok = lines[:1] == ["#EXTM3U"] and entries == wanted
        yield Result(
            path.name, "playlist", ok,
            f"{len(entries)} entries" if ok else "differs from the manifest",
        )  # fmt: skip


OUTPUT = Playlist()


def m3u8(chapters: Sequence[ChapterFile], marks: Sequence[ChapterMark]) -> str:
    """An extended M3U playlist of the chapter files, UTF-8 without BOM."""
    lines = ["#EXTM3U"]
    for chapter, mark in zip(chapters, marks, strict=True):
        seconds = round((mark.end_ms - mark.start_ms) / 1000)
        lines += [f"#EXTINF:{seconds},{chapter.title}", chapter.path.name]
    return "\n".join(lines) + "\n"
