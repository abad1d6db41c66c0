"""An output added through the registry alone: one class (ChapterList, below) and one entry
appended to OUTPUTS. The render writes it and lists it in the manifest, the CLI's summary shows
it, `check` runs its own check, and once it is no longer registered its file goes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audiobook import cli, outputs
from audiobook.core.manifest import BookFile, Manifest
from audiobook.outputs.interface import BookContext, CheckStage, Result

from ..conftest import write_book


class ChapterList:
    """The chapters' titles, numbered, one a line: a toy of a whole-book output."""

    name = "chapter-list"
    switch = "book_files"  # an [output] setting voices.toml has already: no new key
    check_stage = CheckStage.LISTING

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}.chapters.txt"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        lines = [f"{n}. {c.title}\n" for n, c in enumerate(book.chapters, start=1)]
        tmp.write_text("".join(lines), encoding="utf-8")
        return BookFile(self.name, self.file_name(book))

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        listed = path.read_text(encoding="utf-8").splitlines()
        wanted = [f"{c.index}. {c.title}" for c in manifest.chapters]
        ok = listed == wanted
        detail = f"{len(listed)} chapters" if ok else f"{len(listed)} lines for {len(wanted)}"
        yield Result(path.name, "chapter list", ok, detail)


TOY = ChapterList()
TOY_FILE = "the-harbour-book.chapters.txt"
BOOK_FILES = ["mp3", "m4b", "playlist", "metadata", "vtt", "srt", "epub"]


def invoke(*args: str) -> tuple[int, dict]:
    """The CLI in this process (the registry patched here is the one it reads), with --json."""
    result = CliRunner().invoke(cli.app, [*args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout)


def failed(checks: list[dict]) -> set[tuple[str, str]]:
    return {(c["file"], c["check"]) for c in checks if not c["ok"]}


def test_an_output_registered_alone_is_written_listed_shown_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_book(tmp_path)
    monkeypatch.chdir(tmp_path)
    registered = outputs.OUTPUTS
    monkeypatch.setattr(outputs, "OUTPUTS", (*registered, TOY))

    code, summary = invoke("render", "--quiet", "--jobs", "2")
    assert code == 0, summary
    audio = tmp_path / "audio"
    assert (audio / TOY_FILE).read_text(encoding="utf-8") == (
        "1. The Harbour\n2. The Storm\n3. The Return\n"
    )
    written = json.loads((audio / "manifest.json").read_text(encoding="utf-8"))
    assert list(written["book"])[:8] == [*BOOK_FILES, "chapter-list"]  # in the registry's order
    assert summary["book"]["chapter-list"] == TOY_FILE  # the CLI's summary of the book files
    shown = CliRunner().invoke(cli.app, ["render", "--quiet", "--jobs", "2"])  # as people read it
    assert shown.exit_code == 0, shown.stderr
    whole = [line for line in shown.stdout.splitlines() if line.startswith("whole book: ")]
    assert len(whole) == 1 and whole[0].endswith(f", {TOY_FILE}"), shown.stdout  # registry order

    code, report = invoke("check", "audio")
    assert code == 0, failed(report["checks"])
    toy = [c for c in report["checks"] if c["file"] == TOY_FILE]
    assert toy == [{"file": TOY_FILE, "check": "chapter list", "ok": True, "detail": "3 chapters"}]
    assert report["checks"][-1]["file"] == TOY_FILE  # a listing: checked after the audio

    (audio / TOY_FILE).write_text("1. The Harbour\n", encoding="utf-8")
    code, report = invoke("check", "audio", "--quick")
    assert code == 1
    assert failed(report["checks"]) == {(TOY_FILE, "chapter list")}
    (audio / TOY_FILE).unlink()
    code, report = invoke("check", "audio", "--quick")
    assert failed(report["checks"]) == {(TOY_FILE, "exists")}

    # Registered no more: the next render no longer lists its file (the others are reused as
    # they are), and removes it as it removes any file it no longer writes.
    (audio / TOY_FILE).write_text("left by the last render\n", encoding="utf-8")
    monkeypatch.setattr(outputs, "OUTPUTS", registered)
    code, summary = invoke("render", "--quiet", "--jobs", "2")
    assert code == 0, summary
    assert list(summary["book"])[:7] == BOOK_FILES and "chapter-list" not in summary["book"]
    assert not (audio / TOY_FILE).exists()
    written = json.loads((audio / "manifest.json").read_text(encoding="utf-8"))
    assert "chapter-list" not in written["book"] and written["stale"] == [TOY_FILE]
