"""`audiobook words` end to end on a small manuscript: the listing as JSON and as a table, the
lexicon's say shown, the kinds asked for, clips of the words with --audio, and the one-line
errors."""

from __future__ import annotations

import json
from pathlib import Path

from mutagen.mp3 import MP3

from audiobook.engines.espeak_phonemes import say_words

from .conftest import run_cli, write_book

MANUSCRIPT = """\
# The Arrival

It was late when Mr. Pemberton reached Hollowmere. Pemberton had read the letter twice on the \
road, and Hollowmere was dark.

"Welcome," said Mrs. Quennell. Then Quennell took his coat, and Pemberton followed her in.

# The Letter

The next morning Pemberton read it again in room 221B. He will read it once more, said Quennell.
"""

LEXICON = """
[lexicon]
Pemberton = "Pem-ber-tun"
Quennell = { ipa = "kwəˈnɛl" }
"""


def project(folder: Path, language: str = "en") -> Path:
    """The manuscript in FOLDER (text/book.md, book.toml, voices.toml with the lexicon)."""
    meta = f'title = "The Visit"\nauthor = "Test Author"\nlanguage = "{language}"\n'
    write_book(folder, MANUSCRIPT, meta)
    voices = folder / "voices.toml"
    voices.write_text(voices.read_text() + LEXICON, encoding="utf-8")
    return folder


def test_json_lists_the_names_first_with_counts_places_and_how_each_is_said(
    tmp_path: Path,
) -> None:
    result = run_cli("words", "--json", cwd=project(tmp_path))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["book"], doc["language"], doc["phonemes"]) == ("The Visit", "en", "en-us")
    listed = [(w["word"], w["kind"], w["count"]) for w in doc["words"]]
    assert listed == [
        ("Pemberton", "name", 4), ("Quennell", "name", 3), ("Hollowmere", "name", 2),
        ("read", "heteronym", 3), ("221B", "number", 1),
    ]  # fmt: skip
    words = {w["word"]: w for w in doc["words"]}
    pemberton = words["Pemberton"]
    assert set(pemberton) == {
        "word", "kind", "count", "chapter", "chapter_title", "context", "ipa", "known",
        "lexicon", "note",
    }  # fmt: skip
    assert (pemberton["chapter"], pemberton["chapter_title"]) == (1, "The Arrival")
    assert pemberton["context"] == "It was late when Mr. Pemberton reached Hollowmere."
    # The lexicon changes it: what it puts in the text, and how that is said.
    assert pemberton["lexicon"] == "Pem-ber-tun"
    assert pemberton["ipa"] == say_words(["Pem-ber-tun"], "en-us")["Pem-ber-tun"].ipa
    assert (words["Quennell"]["lexicon"], words["Quennell"]["ipa"]) == ("[[kwənˈɛl]]", "kwənˈɛl")
    hollowmere = words["Hollowmere"]
    assert hollowmere["lexicon"] is None and hollowmere["known"] is False
    assert hollowmere["ipa"] == say_words(["Hollowmere"], "en-us")["Hollowmere"].ipa
    read = words["read"]
    assert read["ipa"] == "ɹˈɛd" and read["note"].startswith("said ɹˈɛd x2")  # "had read"
    assert words["221B"]["chapter"] == 2


def test_the_table_and_the_kinds_asked_for(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_cli("words", "--kind", "name", "--limit", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split("\u2502")[1].strip() for line in result.stdout.splitlines()
            if line.startswith("\u2502")]  # fmt: skip
    assert [word for word in rows if word] == ["Pemberton", "Quennell"]  # the two most heard
    assert "Pem-ber-tun" in result.stdout and "[[kwənˈɛl]]" in result.stdout
    result = run_cli("words", "--kind", "unknown", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    unknown = json.loads(result.stdout)["words"]
    assert unknown and {w["kind"] for w in unknown} == {"unknown"}


def test_audio_writes_a_clip_of_each_word_listed_and_an_index(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_cli(
        "words", "--kind", "name", "--kind", "heteronym", "--limit", "1", "--audio", "clips",
        "--json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [(w["word"], w["clip"]) for w in doc["words"]] == [
        ("Pemberton", "001-pemberton.mp3"), ("read", "002-read.mp3"),
    ]  # fmt: skip
    clips = tmp_path / "clips"
    assert sorted(p.name for p in clips.iterdir()) == [
        "001-pemberton.mp3", "002-read.mp3", "index.json", "words.m3u",
    ]  # fmt: skip
    for entry in doc["words"]:
        seconds = MP3(clips / entry["clip"]).info.length
        assert 2.0 < seconds < 20.0  # the word alone, then its sentence
    assert json.loads((clips / "index.json").read_text(encoding="utf-8")) == doc
    playlist = (clips / "words.m3u").read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U" and playlist[2::2] == ["001-pemberton.mp3", "002-read.mp3"]


def test_errors_are_one_line_with_the_contracts_exit_code(tmp_path: Path) -> None:
    result = run_cli("words", "missing.txt", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2, "audiobook: error: missing.txt: no such file or folder; check the path\n"
    )  # fmt: skip
    project(tmp_path)
    result = run_cli("words", "--kind", "names", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "audiobook: error: --kind 'names' is not a kind of word; use name, foreign, heteronym, "
        "abbreviation, number or unknown\n"
    )
    (tmp_path / "voices.toml").write_text("[narrator\n", encoding="utf-8")
    result = run_cli("words", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("audiobook: error: ") and "voices.toml" in result.stderr


def test_a_language_espeak_ng_does_not_speak_is_one_line(tmp_path: Path) -> None:
    result = run_cli("words", cwd=project(tmp_path, language="tlh"))
    assert result.returncode == 2
    assert result.stderr.startswith("audiobook: error: ")
    assert "eSpeak NG has no voice for the book's language 'tlh'" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_clips_that_cannot_be_written_are_one_line(tmp_path: Path) -> None:
    """--audio where no folder can be made, and a clip whose name is taken by a folder: one line
    each, no traceback; the clips written before the fault are whole, none is half-written."""
    project(tmp_path)
    (tmp_path / "blocked").write_text("a file, not a folder", encoding="utf-8")
    args = ("words", "--kind", "name", "--kind", "heteronym", "--limit", "1", "--audio")
    result = run_cli(*args, "blocked/clips", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("audiobook: error: blocked/clips")
    (tmp_path / "clips" / "002-read.mp3").mkdir(parents=True)  # the second clip's name taken
    result = run_cli(*args, "clips", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "002-read.mp3" in errors[0], result.stderr
    assert MP3(tmp_path / "clips" / "001-pemberton.mp3").info.length > 2.0
    assert sorted(p.name for p in (tmp_path / "clips").iterdir()) == [
        "001-pemberton.mp3", "002-read.mp3",
    ]  # fmt: skip
