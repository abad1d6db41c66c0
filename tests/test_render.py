"""End to end: the real CLI, the real engine and the real ffmpeg, files read back and measured."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp4 import MP4

from audiobook.check.book import (
    DURATION_TOLERANCE_S,
    FRAMING_TOLERANCE_S,
    MARK_TOLERANCE_S,
    NOISE_FLOOR_RANGE,
    RMS_TOLERANCE_DB,
)
from audiobook.engines import kokoro
from audiobook.formats.tags import mp3_info, read_tags
from audiobook.mastering import ffmpeg
from audiobook.mastering.levels import Levels, measure_file
from audiobook.mastering.profiles import PROFILES

from .conftest import SMALL_META, run_cli, write_book

TITLES = ["The Harbour", "The Storm", "The Return"]


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "audio" / "manifest.json").read_text(encoding="utf-8"))


def meets_the_profile(levels: Levels, profile_name: str) -> bool:
    """The levels `check` demands of a chapter of that profile (its RMS within RMS_TOLERANCE_DB
    of the target, its peak and noise floor): the same bounds as check's, never tighter, so that an
    ffmpeg other than the bundled one (Debian's) passes here whenever check passes it."""
    profile = PROFILES[profile_name]
    floor_low, floor_high = NOISE_FLOOR_RANGE
    return (
        abs(levels.rms_db - profile.rms_db) <= RMS_TOLERANCE_DB
        and levels.peak_db <= profile.max_peak_db
        and floor_low < levels.noise_floor_db <= floor_high
    )


def test_render_writes_one_mp3_per_chapter_and_a_manifest(rendered_book: Path) -> None:
    manifest = manifest_of(rendered_book)
    assert manifest["schema"] == 1
    assert (manifest["title"], manifest["author"]) == ("The Harbour Book", "Test Author")
    assert manifest["narrator"] == "Test Narrator"
    assert manifest["voice"] == {"id": "en-us", "rate_wpm": 190, "engine": "espeak"}
    assert [c["title"] for c in manifest["chapters"]] == TITLES
    files = sorted(p.name for p in (rendered_book / "audio").iterdir())
    chapter_files = [c["file"] for c in manifest["chapters"]]
    assert chapter_files[0] == "01-the-harbour.mp3"
    captions = [n for c in manifest["chapters"] for n in c["captions"]]
    assert captions[:2] == ["01-the-harbour.vtt", "01-the-harbour.srt"]
    book_files = ["metadata.json", *(f"the-harbour-book.{s}" for s in ("m3u8", "m4b", "mp3"))]
    book_files += [f"the-harbour-book.{s}" for s in ("vtt", "srt", "epub")]
    records = [c["sentences"] for c in manifest["chapters"]]
    assert records[0] == "01-the-harbour.sentences.json"
    assert files == sorted([*chapter_files, *captions, *records, *book_files, "manifest.json"])
    assert not list((rendered_book / "audio").glob(".*"))  # no temporary files left


def test_every_chapter_decodes_to_its_manifest_duration(rendered_book: Path) -> None:
    for chapter in manifest_of(rendered_book)["chapters"]:
        path = rendered_book / "audio" / chapter["file"]
        decoded = measure_file(path)  # raises if ffmpeg cannot decode it to the end
        seconds = chapter["duration_ms"] / 1000
        # check's tolerance: how the decoder counts the encoder's delay and padding varies
        # between ffmpeg builds.
        assert decoded.seconds == pytest.approx(seconds, abs=DURATION_TOLERANCE_S)
        assert MP3(path).info.length == pytest.approx(seconds, abs=DURATION_TOLERANCE_S)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == chapter["sha256"]
        # Head room tone, title, pause, text, tail: longer than the text alone.
        assert chapter["duration_ms"] > chapter["words"] / 190 * 60_000


def test_every_chapter_meets_the_acx_profile(rendered_book: Path) -> None:
    for chapter in manifest_of(rendered_book)["chapters"]:
        path = rendered_book / "audio" / chapter["file"]
        info = MP3(path).info
        assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 192000)
        assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
        levels = measure_file(path)
        assert meets_the_profile(levels, "acx"), levels


def test_every_chapter_is_tagged(rendered_book: Path) -> None:
    chapters = manifest_of(rendered_book)["chapters"]
    for n, chapter in enumerate(chapters, start=1):
        tags = read_tags(rendered_book / "audio" / chapter["file"])
        assert tags["version"] == "2.3"
        assert tags["TIT2"] == chapter["title"]
        assert tags["TALB"] == "The Harbour Book"
        assert tags["TPE1"] == "Test Author"
        assert tags["TCOM"] == "Test Narrator"
        assert tags["TRCK"] == f"{n}/{len(chapters)}"
        assert tags["TCON"] == "Audiobook"
        assert tags["TLAN"] == "eng"


@pytest.mark.slow
def test_rendering_again_gives_identical_files(rendered_book: Path, tmp_path: Path) -> None:
    write_book(tmp_path)
    result = run_cli("render", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = manifest_of(rendered_book)["chapters"], manifest_of(tmp_path)["chapters"]
    for chapter, repeat in zip(first, second, strict=True):
        again = tmp_path / "audio" / chapter["file"]
        assert hashlib.sha256(again.read_bytes()).hexdigest() == chapter["sha256"], (
            chapter,
            repeat,
        )
    for name, digest in manifest_of(rendered_book)["book"]["sha256"].items():
        assert hashlib.sha256((tmp_path / "audio" / name).read_bytes()).hexdigest() == digest


@pytest.mark.slow
def test_json_summary_is_the_only_thing_on_stdout(tmp_path: Path) -> None:
    write_book(tmp_path, text="# Only\n\nOne short chapter to speak.\n")
    result = run_cli("render", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert [c["title"] for c in summary["chapters"]] == ["Only"]
    assert "chapter 1: Only" in result.stderr  # progress goes to stderr


@pytest.mark.slow
def test_removed_chapters_leave_no_stale_files(tmp_path: Path) -> None:
    write_book(tmp_path, text="# One\n\nFirst.\n\n# Two\n\nSecond.\n")
    assert run_cli("render", cwd=tmp_path).returncode == 0
    write_book(tmp_path, text="# One\n\nFirst.\n")
    assert run_cli("render", cwd=tmp_path).returncode == 0
    mp3s = sorted(p.name for p in (tmp_path / "audio").glob("*.mp3"))
    assert mp3s == ["01-one.mp3", "the-harbour-book.mp3"]
    # Whole-book files turned off: every one of them goes, metadata.json too.
    voices = tmp_path / "voices.toml"
    voices.write_text(voices.read_text() + "\n[output]\nbook_files = false\n", encoding="utf-8")
    assert run_cli("render", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "audio").iterdir()) == [
        "01-one.mp3", "01-one.sentences.json", "01-one.srt", "01-one.vtt", "manifest.json",
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda d: None, "text: no such file or folder"),
        (lambda d: (d / "text").mkdir(), "holds no .txt or .md"),
        (lambda d: write_book(d, text=""), "book.md: the file is empty"),
        (
            lambda d: (write_book(d), (d / "voices.toml").write_text("[narrator]\nvoice='xx'\n")),
            "voices.toml: narrator.voice: unknown voice 'xx'",
        ),
        (
            lambda d: (write_book(d), (d / "voices.toml").write_text("[narrator]\nrate=5\n")),
            "voices.toml: narrator.",
        ),
        (
            lambda d: (write_book(d), (d / "text" / "book.toml").write_text("titel = 'x'\n")),
            "book.toml: titel: unknown key",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_no_traceback(tmp_path: Path, setup, expected: str) -> None:
    setup(tmp_path)
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "audio" / "manifest.json").exists()


@pytest.mark.slow
def test_chapters_json_matches_the_contract(tmp_path: Path) -> None:
    write_book(tmp_path)
    result = run_cli("chapters", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["title"], doc["author"], doc["language"]) == (
        "The Harbour Book",
        "Test Author",
        "en",
    )
    assert [c["index"] for c in doc["chapters"]] == [1, 2, 3]
    first = doc["chapters"][0]
    assert first["title"] == "The Harbour" and first["words"] == 36
    title_words = 2  # the estimate counts the title read aloud
    assert first["estimated_seconds"] == pytest.approx((36 + title_words) / 190 * 60, abs=0.1)


@pytest.mark.slow
def test_chapters_table_and_voices_list(tmp_path: Path) -> None:
    write_book(tmp_path, meta=SMALL_META)
    table = run_cli("chapters", cwd=tmp_path)
    assert table.returncode == 0 and "The Storm" in table.stdout
    voices = run_cli("voices", "--json", cwd=tmp_path)
    assert voices.returncode == 0
    assert any(v["id"].endswith("/en-us") for v in json.loads(voices.stdout))


def ffmpeg_chapters(path: Path) -> list[tuple[float, float, str]]:
    """The chapters ffmpeg reads from PATH: (start s, end s, title), as players list them."""
    out = ffmpeg.run(["-i", str(path), "-f", "ffmetadata", "-"]).decode()
    chapters = []
    for block in out.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        num, den = (int(x) for x in fields["TIMEBASE"].split("/"))
        scale = num / den
        chapters.append((int(fields["START"]) * scale, int(fields["END"]) * scale, fields["title"]))
    return chapters


@pytest.mark.parametrize("suffix", [".m4b", ".mp3"])
def test_single_file_books_have_the_chapters_in_order(rendered_book: Path, suffix: str) -> None:
    """The chapters as players list them (ffmpeg reads them), held to what `check` holds the
    book files to: each where the manifest says (MARK_TOLERANCE_S) and as long as its chapter
    file within its container's framing (an MP3 is whole 26 ms frames: MARK_TOLERANCE_S; an M4B
    whole AAC frames and the next chapter's encoder delay: FRAMING_TOLERANCE_S, so that its
    chapters drift from the MP3s' running sum by a few milliseconds each, more or less with
    another ffmpeg's AAC encoder)."""
    manifest = manifest_of(rendered_book)
    name = f"the-harbour-book{suffix}"
    path = rendered_book / "audio" / name
    recorded = manifest["book"]["chapters"][name]
    chapters = ffmpeg_chapters(path)
    assert [c[2] for c in chapters] == TITLES
    framing = MARK_TOLERANCE_S if suffix == ".mp3" else FRAMING_TOLERANCE_S
    elapsed = 0.0
    for (start, end, _), mark, chapter in zip(
        chapters, recorded, manifest["chapters"], strict=True
    ):
        assert start == pytest.approx(mark["start_ms"] / 1000, abs=MARK_TOLERANCE_S)
        assert end == pytest.approx(mark["end_ms"] / 1000, abs=MARK_TOLERANCE_S)
        length = (mark["end_ms"] - mark["start_ms"]) / 1000
        assert length == pytest.approx(chapter["duration_ms"] / 1000, abs=framing)
        if suffix == ".mp3":  # the chapter files' frames, copied: their running sum
            assert start == pytest.approx(elapsed, abs=MARK_TOLERANCE_S)
        elapsed += chapter["duration_ms"] / 1000
    end = recorded[-1]["end_ms"] / 1000
    assert measure_file(path).seconds == pytest.approx(end, abs=DURATION_TOLERANCE_S)


def test_single_file_books_are_tagged(rendered_book: Path) -> None:
    audio = rendered_book / "audio"
    tags = read_tags(audio / "the-harbour-book.mp3")
    assert (tags["version"], tags["TIT2"], tags["TALB"]) == (
        "2.3",
        "The Harbour Book",
        "The Harbour Book",
    )
    assert (tags["TPE1"], tags["TCOM"], tags["TCON"]) == (
        "Test Author",
        "Test Narrator",
        "Audiobook",
    )
    assert "TRCK" not in tags
    m4b = MP4(audio / "the-harbour-book.m4b")
    assert m4b["\xa9nam"] == ["The Harbour Book"] and m4b["\xa9ART"] == ["Test Author"]
    assert m4b["\xa9wrt"] == ["Test Narrator"] and m4b["\xa9gen"] == ["Audiobook"]
    assert "\xa9too" not in m4b  # no encoder string


def test_playlist_and_audiobookshelf_metadata(rendered_book: Path) -> None:
    audio = rendered_book / "audio"
    manifest = manifest_of(rendered_book)
    raw = (audio / "the-harbour-book.m3u8").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    for n, chapter in enumerate(manifest["chapters"]):
        seconds = round(chapter["duration_ms"] / 1000)
        assert lines[1 + 2 * n] == f"#EXTINF:{seconds},{chapter['title']}"
        assert lines[2 + 2 * n] == chapter["file"]
    meta = json.loads((audio / "metadata.json").read_text(encoding="utf-8"))
    assert (meta["title"], meta["authors"], meta["narrators"]) == (
        "The Harbour Book",
        ["Test Author"],
        ["Test Narrator"],
    )
    assert [c["title"] for c in meta["chapters"]] == TITLES
    assert meta["chapters"][1]["start"] == meta["chapters"][0]["end"]


@pytest.mark.slow
def test_cover_art_and_the_listener_profile(tmp_path: Path) -> None:
    write_book(tmp_path, text="# Only\n\nOne short chapter to speak, with a cover.\n")
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    (tmp_path / "text" / "cover.png").write_bytes(png)
    with (tmp_path / "voices.toml").open("a") as fh:
        fh.write('\n[output]\nprofile = "listener"\n')
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    chapter = tmp_path / "audio" / "01-only.mp3"
    assert ID3(chapter).getall("APIC")[0].data == png
    assert bytes(MP4(tmp_path / "audio" / "the-harbour-book.m4b")["covr"][0]) == png
    assert mp3_info(chapter).bitrate == 64000
    levels = measure_file(chapter)
    assert meets_the_profile(levels, "listener"), levels


@pytest.mark.slow
def test_characters_lexicon_and_an_unknown_voice(tmp_path: Path) -> None:
    write_book(
        tmp_path,
        text='# Tea\n\nThe Hatter looked up. {hatter: "Why is a raven like a writing-desk?"}\n',
    )
    with (tmp_path / "voices.toml").open("a") as fh:
        fh.write('\n[characters.hatter]\nvoice = "en-gb"\nrate = 150\npitch = 80\n')
        fh.write('\n[lexicon]\nHatter = "Hat-ter"\n')
    result = run_cli("render", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["chapters"][0]["words"] == 11  # "hatter:" is no word
    (tmp_path / "text" / "book.md").write_text("# Tea\n\n{hater: Why?}\n", encoding="utf-8")
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 2
    assert "'hater', which voices.toml does not define (characters: hatter)" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("name", "voice", "language"), [("de-die-verwandlung.txt", "de", "deu")])
def test_a_german_book_is_read_with_a_german_voice(
    tmp_path: Path, name: str, voice: str, language: str
) -> None:
    text = tmp_path / "text"
    text.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "corpus" / name, text / name)
    (tmp_path / "voices.toml").write_text(
        "[narrator]\nrate = 220\n"
    )  # no voice: the language picks
    result = run_cli("render", "--jobs", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = manifest_of(tmp_path)
    assert manifest["voice"]["id"] == voice and manifest["language"] == "de"
    assert read_tags(tmp_path / "audio" / manifest["chapters"][0]["file"])["TLAN"] == language


@pytest.mark.slow
def test_french_picks_a_french_voice(tmp_path: Path) -> None:
    """Each engine picks its French voice for a French book: Kokoro's when it is installed
    (chapters says so, without speaking), eSpeak NG's when the engine is named (rendered)."""
    source = Path(__file__).parent / "fixtures" / "corpus" / "fr-le-horla.txt"
    short = tmp_path / "horla.txt"
    short.write_bytes(source.read_bytes()[:6000])  # the header and Le Horla's first lines
    (tmp_path / "voices.toml").write_text("[narrator]\nrate = 220\n")
    shown = run_cli("chapters", str(short), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    expected = ("kokoro", "ff_siwis") if kokoro.available() else ("espeak", "fr")
    narrator = json.loads(shown.stdout)["narrator_voice"]
    assert (narrator["engine"], narrator["id"]) == expected
    (tmp_path / "voices.toml").write_text('[narrator]\nengine = "espeak"\nrate = 220\n')
    result = run_cli("render", str(short), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert manifest_of(tmp_path)["voice"]["id"] == "fr"


@pytest.mark.slow
def test_say_writes_a_word_to_hear(tmp_path: Path) -> None:
    (tmp_path / "voices.toml").write_text(
        '[narrator]\nvoice = "en-us"\n[lexicon]\nAudrey = "Aw-dree"\n'
    )
    result = run_cli("say", "Audrey paid £5", "-o", "word.mp3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Aw-dree paid five pounds" in result.stderr
    assert mp3_info(tmp_path / "word.mp3").seconds > 1.5
    result = run_cli("say", "Hallo", "--voice", "de", "-o", "hallo.wav", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "hallo.wav").stat().st_size > 10_000
