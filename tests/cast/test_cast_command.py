"""`audiobook cast`: the contract's JSON, cast.toml written, edited and read back, its mistakes
refused in one line naming the key, and a book without dialogue rendered exactly as before.
The real command line in a separate process; no audio but in the last test (eSpeak NG)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from ..conftest import SMALL_BOOK, run_cli, write_book

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BENNETS = Path(__file__).parent / "data" / "pride-and-prejudice-1.md"
VOICED = "[cast]\nauto = true\n"


@pytest.fixture
def bennets(tmp_path: Path) -> Path:
    (tmp_path / "text").mkdir()
    shutil.copy(BENNETS, tmp_path / "text" / "pride-and-prejudice.md")
    (tmp_path / "voices.toml").write_text(VOICED, encoding="utf-8")
    return tmp_path


def _cast(folder: Path) -> dict:
    result = run_cli("cast", "--json", cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_json_is_the_contracts(bennets: Path) -> None:
    doc = _cast(bennets)
    for character in doc["characters"]:
        assert set(character) == {"name", "aliases", "gender", "lines", "words", "voice"}
        assert character["voice"] is None or set(character["voice"]) == {"engine", "id", "speaker"}
    for line in doc["lines"]:
        assert set(line) == {"chapter", "text", "speaker", "how", "confidence"}
    first = doc["lines"][0]
    assert (first["text"], first["speaker"], first["how"]) == (
        "My dear Mr. Bennet,", "Mrs. Bennet", "tag",
    )  # fmt: skip
    assert doc["lines"][1]["speaker"] == "Mrs. Bennet"  # the rest of the interrupted quote
    named = {c["name"] for c in doc["characters"]}
    assert {line["speaker"] for line in doc["lines"]} - {None} <= named


def test_cast_toml_is_written_and_its_edits_are_read_back(bennets: Path) -> None:
    result = run_cli("cast", "--write", cwd=bennets)
    assert result.returncode == 0, result.stderr
    written = tomllib.loads((bennets / "cast.toml").read_text(encoding="utf-8"))
    assert written["characters"]["Mrs. Bennet"]["gender"] == "female"
    assert written["characters"]["Mrs. Bennet"]["engine"] == "kokoro"
    # The producer sends Mrs. Bennet back to the narrator and gives a line to Mr. Bennet.
    text = (bennets / "cast.toml").read_text(encoding="utf-8")
    text = text.replace(
        f'voice = "{written["characters"]["Mrs. Bennet"]["voice"]}"', 'voice = "narrator"', 1
    )
    text += '\n[[lines]]\nchapter = 2\ntext = "Bingley."\nspeaker = "Mr. Bennet"\n'
    (bennets / "cast.toml").write_text(text, encoding="utf-8")
    doc = _cast(bennets)
    wife = next(c for c in doc["characters"] if c["name"] == "Mrs. Bennet")
    assert wife["voice"] is None
    fixed = next(line for line in doc["lines"] if line["text"] == "Bingley.")
    assert (fixed["speaker"], fixed["how"], fixed["confidence"]) == ("Mr. Bennet", "cast.toml", 1.0)
    # Written again, the correction stays.
    assert run_cli("cast", "--write", cwd=bennets).returncode == 0
    again = tomllib.loads((bennets / "cast.toml").read_text(encoding="utf-8"))
    assert again["lines"] == [{"chapter": 2, "text": "Bingley.", "speaker": "Mr. Bennet"}]
    assert again["characters"]["Mrs. Bennet"]["voice"] == "narrator"


def test_cast_toml_that_cannot_be_written_is_one_line(bennets: Path) -> None:
    """A fault at cast.toml (here: a folder of that name, which no rename can replace, as root
    too) is one line naming it, exit 1, and nothing half-written beside it."""
    (bennets / "cast.toml").mkdir()
    result = run_cli("cast", "--write", cwd=bennets)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audiobook: error: cast.toml:"), lines
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in bennets.iterdir()) == ["cast.toml", "text", "voices.toml"]


@pytest.mark.parametrize(
    ("sheet", "key"),
    [
        ('[characters."Mrs. Bennet"]\nvoice = "xx_nobody"\n', 'characters."Mrs. Bennet".voice'),
        ('[characters."Lady Nobody"]\ngender = "female"\n', 'characters."Lady Nobody"'),
        ('[[lines]]\nchapter = 1\ntext = "Not in the book."\nspeaker = "Mr. Bennet"\n', "lines[0]"),
        (
            '[[lines]]\nchapter = 1\ntext = "Bingley."\nspeaker = "Mr. Bingley"\n',
            "lines[0].speaker",
        ),
        ('[characters."Mrs. Bennet"]\nvoise = "bf_emma"\n', "characters.Mrs. Bennet.voise"),
    ],
    ids=["unknown voice", "unknown character", "unknown line", "unknown speaker", "unknown key"],
)
def test_a_mistake_in_cast_toml_is_one_line_naming_the_key(
    bennets: Path, sheet: str, key: str
) -> None:
    (bennets / "cast.toml").write_text(sheet, encoding="utf-8")
    for command in (("cast",), ("render",)):
        result = run_cli(*command, cwd=bennets)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("audiobook: error:") and key in lines[-1], lines
        assert "Traceback" not in result.stderr
    assert not (bennets / "audio").exists()  # nothing was rendered


@pytest.mark.slow
def test_a_book_without_dialogue_renders_exactly_as_before(tmp_path: Path) -> None:
    """SMALL_BOOK has no quotation: with the cast on, it has an empty cast and the same files."""
    for folder, voices in ((tmp_path / "plain", ""), (tmp_path / "cast", VOICED)):
        write_book(folder, text=SMALL_BOOK)
        voices_file = folder / "voices.toml"
        voices_file.write_text('[narrator]\nengine = "espeak"\nvoice = "en-us"\n' + voices)
        result = run_cli("render", "--out", "audio", cwd=folder)
        assert result.returncode == 0, result.stderr
    doc = _cast(tmp_path / "cast")
    assert doc == {"characters": [], "lines": []}
    plain, cast = tmp_path / "plain" / "audio", tmp_path / "cast" / "audio"
    names = sorted(p.name for p in plain.iterdir())
    assert names == sorted(p.name for p in cast.iterdir())
    for name in names:
        assert (plain / name).read_bytes() == (cast / name).read_bytes(), name


@pytest.mark.slow
def test_a_corrected_line_renders_its_chapter_again_and_check_holds_it_to_its_tag(
    bennets: Path,
) -> None:
    """A draft (every voice eSpeak NG's: fast) of three chapters. A cast.toml correction in
    chapter 3 re-renders chapter 3 only; one that gives a line tagged "said John" to someone
    else is rendered as the producer says, and `check` fails that line. (eSpeak NG's English
    voices are all male: the draft's women are read by the narrator.)"""
    third = '# Chapter 3\n\n"Are you coming?" said John.\n\n"Not yet," said Tom.\n'
    (bennets / "text" / "third.md").write_text(third, encoding="utf-8")
    first = run_cli("render", "--draft", "--json", cwd=bennets)
    assert first.returncode == 0, first.stderr
    (bennets / "cast.toml").write_text(
        '[[lines]]\nchapter = 3\ntext = "Are you coming?"\nspeaker = "Tom"\n', encoding="utf-8"
    )
    again = run_cli("render", "--draft", "--json", cwd=bennets)
    assert again.returncode == 0, again.stderr
    cached = {c["index"]: c["cached"] for c in json.loads(again.stdout)["chapters"]}
    assert cached == {1: True, 2: True, 3: False}
    check = run_cli("check", "audio", "--allow-draft", "--json", cwd=bennets)
    assert check.returncode == 1
    failed = [c for c in json.loads(check.stdout)["checks"] if not c["ok"]]
    assert [c["check"] for c in failed] == ["cast"]
    assert "'Are you coming?' is read by Tom" in failed[0]["detail"]
    assert "its tag names John" in failed[0]["detail"]
