"""`audiobook check` against a real render, damaged one way at a time."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from junitparser import JUnitXml
from mutagen.id3 import ID3

from audiobook.mastering import ffmpeg

from .conftest import run_cli


@pytest.fixture
def book(rendered_book: Path, tmp_path: Path) -> Path:
    """A copy of the rendered book's audio folder, free to damage."""
    folder = tmp_path / "audio"
    shutil.copytree(rendered_book / "audio", folder)
    return folder


def chapter(folder: Path, n: int) -> Path:
    return next(folder.glob(f"0{n}-*.mp3"))


def check(folder: Path, *args: str) -> tuple[int, list[dict]]:
    result = run_cli("check", str(folder), "--json", *args, cwd=folder.parent)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)["checks"]


def failed(checks: list[dict]) -> set[tuple[str, str]]:
    return {(c["file"], c["check"]) for c in checks if not c["ok"]}


def test_an_undamaged_book_passes(book: Path) -> None:
    code, checks = check(book)
    assert code == 0, failed(checks)
    names = {c["check"] for c in checks}
    assert {"duration", "rms", "peak", "noise floor", "format", "tags", "decodes"} <= names
    # The whole-book files after the chapters, each checked by its output: the audio first,
    # then what is timed against it, then what lists its chapters.
    whole = [(c["file"], c["check"]) for c in checks if c["file"].startswith("the-harbour-book")]
    whole += [(c["file"], c["check"]) for c in checks if c["file"] == "metadata.json"]
    assert [(c["file"], c["check"]) for c in checks[-len(whole) :]] == whole == [
        ("the-harbour-book.mp3", "chapters"), ("the-harbour-book.mp3", "sha256"),
        ("the-harbour-book.m4b", "chapters"), ("the-harbour-book.m4b", "sha256"),
        ("the-harbour-book.vtt", "captions"), ("the-harbour-book.srt", "captions"),
        ("the-harbour-book.epub", "read-along"), ("the-harbour-book.m3u8", "playlist"),
        ("metadata.json", "metadata"),
    ]  # fmt: skip


def cut_second_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def swap_first_two(folder: Path) -> None:
    one, two = chapter(folder, 1), chapter(folder, 2)
    a, b = one.read_bytes(), two.read_bytes()
    one.write_bytes(b)
    two.write_bytes(a)


def louder_by_6_db(path: Path) -> None:
    tmp = path.with_suffix(".loud.mp3")
    ffmpeg.run(
        ["-i", str(path), "-af", "volume=6dB", "-c:a", "libmp3lame", "-b:a", "192k", str(tmp)]
    )
    tmp.replace(path)


def strip_tags(path: Path) -> None:
    ID3(path).delete()


def overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes(range(256)) * 16
    path.write_bytes(bytes(data))


DAMAGE: list[tuple[str, Callable[[Path], None], int, set[str]]] = [
    ("cut off the second half", cut_second_half, 2, {"size", "decodes", "sha256"}),
    ("delete", lambda p: p.unlink(), 2, {"exists"}),
    ("louder by 6 dB", louder_by_6_db, 3, {"rms"}),
    ("strip the tags", strip_tags, 1, {"tags"}),
    ("overwrite bytes in the middle", overwrite_middle, 2, {"decodes", "sha256"}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("what", "damage", "n", "checks"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damage_is_found_and_named(
    book: Path, what: str, damage: Callable[[Path], None], n: int, checks: set[str]
) -> None:
    target = chapter(book, n)
    damage(target)
    code, results = check(book)
    assert code == 1
    found = failed(results)
    assert {(target.name, c) for c in checks} <= found, found
    assert all(file in (target.name, "book") or file.startswith("the-harbour-book")
               for file, _ in found), found  # fmt: skip


def garbage(path: Path) -> None:
    path.write_bytes(b"this is not audio" * 100)


def without_chapter_table(path: Path) -> None:
    tag = ID3(path)
    tag.delall("CTOC")
    tag.save()


BOOK = "the-harbour-book"
BOOK_DAMAGE: list[tuple[str, str, Callable[[Path], None], set[tuple[str, str]]]] = [
    ("playlist deleted", f"{BOOK}.m3u8", lambda p: p.unlink(), {(f"{BOOK}.m3u8", "exists")}),
    ("metadata emptied", "metadata.json", lambda p: p.write_text("{}"),
     {("metadata.json", "metadata")}),
    ("srt without times", f"{BOOK}.srt", lambda p: p.write_text("1\nx\n"),
     {(f"{BOOK}.srt", "captions")}),
    ("epub garbage", f"{BOOK}.epub", garbage, {(f"{BOOK}.epub", "read-along")}),
    ("mp3 without CTOC", f"{BOOK}.mp3", without_chapter_table, {(f"{BOOK}.mp3", "chapters")}),
    # An unreadable whole-book file: said once, for the book, and the rest of the whole-book
    # files are not proven then.
    ("mp3 garbage", f"{BOOK}.mp3", garbage, {("book", "readable")}),
    ("m4b garbage", f"{BOOK}.m4b", garbage, {("book", "readable")}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "name", "damage", "found"), BOOK_DAMAGE, ids=[d[0] for d in BOOK_DAMAGE]
)
def test_a_damaged_whole_book_file_is_found_by_its_output(
    book: Path, what: str, name: str, damage: Callable[[Path], None], found: set[tuple[str, str]]
) -> None:
    damage(book / name)
    code, results = check(book, "--quick")
    assert code == 1
    assert failed(results) == found


@pytest.mark.slow
def test_swapped_files_are_found(book: Path) -> None:
    swap_first_two(book)
    code, results = check(book)
    assert code == 1
    found = failed(results)
    for n in (1, 2):
        assert (chapter(book, n).name, "tags") in found
        assert (chapter(book, n).name, "sha256") in found


@pytest.mark.slow
def test_quick_mode_finds_a_cut_file_without_decoding(book: Path) -> None:
    cut_second_half(chapter(book, 2))
    code, results = check(book, "--quick")
    assert code == 1
    assert (chapter(book, 2).name, "size") in failed(results)
    assert not {c["check"] for c in results} & {"decodes", "rms", "sha256"}


@pytest.mark.slow
def test_pinned_durations(book: Path, tmp_path: Path) -> None:
    pinned = tmp_path / "durations.json"
    code, _ = check(book, "--quick", "--save-expect", str(pinned))
    assert code == 0
    assert check(book, "--quick", "--expect", str(pinned), "--tolerance", "2%")[0] == 0
    doc = json.loads(pinned.read_text())
    name = chapter(book, 2).name
    doc["durations"][name] *= 1.05  # the reviewed render was 5% longer
    pinned.write_text(json.dumps(doc))
    code, results = check(book, "--quick", "--expect", str(pinned), "--tolerance", "2%")
    assert code == 1
    assert failed(results) == {(name, "expected duration")}


@pytest.mark.slow
def test_junit_report_lists_every_chapter(book: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    strip_tags(chapter(book, 3))
    result = run_cli("check", str(book), "--junit", str(report), cwd=tmp_path)
    assert result.returncode == 1
    assert "tags" in result.stdout and chapter(book, 3).name in result.stdout
    xml = JUnitXml.fromfile(str(report))
    cases = [case for suite in xml for case in suite]
    classnames = {case.classname for case in cases}
    manifest = json.loads((book / "manifest.json").read_text())
    assert {c["file"] for c in manifest["chapters"]} <= classnames
    broken = [c for c in cases if not c.is_passed]
    assert {(c.classname, c.name) for c in broken} == {
        (chapter(book, 3).name, "tags"),
        (chapter(book, 3).name, "sha256"),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "code", "message"),
    [
        (lambda b: (b / "manifest.json").unlink(), 2, "no manifest"),
        (lambda b: (b / "manifest.json").write_text("{not json"), 2, "not valid JSON"),
        (lambda b: (b / "manifest.json").write_text('{"schema": 7}'), 2, "not a manifest"),
        (lambda b: chapter(b, 1).write_bytes(b"this is not audio" * 100), 1, "01-the-harbour.mp3"),
    ],
)
def test_bad_input_is_reported_against_the_right_file(
    book: Path, damage: Callable[[Path], None], code: int, message: str
) -> None:
    damage(book)
    result = run_cli("check", str(book), cwd=book.parent)
    assert result.returncode == code
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("option", "where", "says"),
    [
        ("--junit", "missing/report.xml", "--junit: the folder missing does not exist"),
        ("--report", "folder-not-file", "--report: this is a folder"),
        ("--save-expect", "/proc/pinned.json", "--save-expect: no such file or directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_exit_2_not_a_failed_check(
    book: Path, tmp_path: Path, option: str, where: str, says: str
) -> None:
    """CI reads exit 1 as "the book fails its checks": a report it cannot write is a usage
    error (exit 2), in one line naming the file; the book itself was fine."""
    (tmp_path / "folder-not-file").mkdir()
    result = run_cli("check", str(book), "--quick", option, where, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"audiobook: error: {where}: {says}"), line
    assert "another path" in line
