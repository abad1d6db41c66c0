"""The real engine (espeak-ng through pyttsx3) in its worker process."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
from collections.abc import Iterator

import pytest

from audiobook.core.config import Voice
from audiobook.core.errors import ToolError
from audiobook.core.words import count_words
from audiobook.engines.interface import split_utterances
from audiobook.engines.worker import WorkerEngine, plausible_seconds

from ..espeak_reference import reference_seconds
from .killing import WorkerKiller

VOICE = Voice(voice="en-us", rate=175)
SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs into the forest."


@pytest.fixture
def engine() -> Iterator[WorkerEngine]:
    with contextlib.closing(WorkerEngine(timeout=30)) as engine:
        yield engine


@pytest.fixture
def bundled_engine(bundled_tools: None) -> Iterator[WorkerEngine]:
    """The engine on the bundled libespeak-ng, whatever the machine has: the reference
    (espeak_reference) is then that library too, and the 3 % it is held to are the bundled
    build's."""
    with contextlib.closing(WorkerEngine(timeout=30)) as engine:
        yield engine


def test_split_utterances_bounds_bytes_and_keeps_every_word() -> None:
    text = " ".join(f"Sentence number {i} says something, then something more." for i in range(300))
    pieces = split_utterances(text, max_bytes=500)
    assert all(len(p.encode()) <= 500 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    run_on = "word " * 2000  # no sentence or clause boundary at all
    assert " ".join(split_utterances(run_on, 300)).split() == run_on.split()


def test_synthesizes_audio_of_plausible_length(engine: WorkerEngine) -> None:
    speech = engine.synthesize(SENTENCE, VOICE)
    low, high = plausible_seconds(SENTENCE, VOICE.rate)
    assert low <= speech.seconds <= high
    expected = count_words(SENTENCE) / VOICE.rate * 60
    assert 0.6 * expected < speech.seconds < 1.6 * expected
    assert speech.sample_rate == 22050
    assert max(speech.pcm) > 0  # not silence


def test_faster_rate_gives_shorter_speech(engine: WorkerEngine) -> None:
    slow = engine.synthesize(SENTENCE, Voice(voice="en-us", rate=120))
    fast = engine.synthesize(SENTENCE, Voice(voice="en-us", rate=300))
    assert fast.seconds < 0.6 * slow.seconds


def test_same_text_gives_same_audio_in_fresh_workers() -> None:
    digests = []
    for _ in range(2):
        with contextlib.closing(WorkerEngine()) as engine:
            engine.synthesize("A first utterance to warm the engine up.", VOICE)
            digests.append(hashlib.sha256(engine.synthesize(SENTENCE, VOICE).pcm).hexdigest())
    assert digests[0] == digests[1]


def test_voice_list_has_english_german_french(engine: WorkerEngine) -> None:
    short_ids = {v.short_id for v in engine.voices()}
    assert {"en-us", "de", "fr"} <= short_ids


def test_a_killed_worker_is_replaced_and_the_audio_unchanged() -> None:
    texts = ["Start the worker.", "A second sentence, to give it a past.", SENTENCE]
    with contextlib.closing(WorkerEngine()) as engine:
        undisturbed = [engine.synthesize(t, VOICE).pcm for t in texts]
    with contextlib.closing(WorkerEngine()) as engine:
        disturbed = [engine.synthesize(t, VOICE).pcm for t in texts[:2]]
        os.kill(engine._process.pid, signal.SIGKILL)
        disturbed.append(engine.synthesize(texts[2], VOICE).pcm)
        assert engine.retries == 1
    assert disturbed == undisturbed


def test_engine_chatter_stays_off_stdout(
    engine: WorkerEngine, capfd: pytest.CaptureFixture
) -> None:
    engine.synthesize(SENTENCE, VOICE)
    assert capfd.readouterr().out == ""


def test_unusable_engine_library_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIOBOOK_ESPEAK", "/nonexistent/libespeak-ng.so.1")
    with contextlib.closing(WorkerEngine(timeout=30)) as engine, pytest.raises(ToolError) as caught:
        engine.voices()
    assert "could not start" in str(caught.value)


SENTENCES = [
    "The boats came in at dawn, their sails heavy with rain.",
    "Nobody on the quay said a word, and the gulls wheeled overhead.",
    "Mara counted them twice, as her father had taught her, and then a third time to be sure.",
    "By noon the sky had turned the colour of slate, and the wind rose from the west.",
    "The old lighthouse keeper climbed his stairs; the lamp would not light itself.",
    "When the weather cleared, the last boat rounded the point!",
    "Was it the Mary Ellen, or the Seaflower?",
]


def prose(chars: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    while sum(map(len, out)) < chars:
        out.append(rnd.choice(SENTENCES))
    return " ".join(out)


def spoken_seconds(engine: WorkerEngine, text: str) -> float:
    return sum(engine.synthesize(piece, VOICE).seconds for piece in split_utterances(text))


@pytest.mark.slow
def test_one_long_paragraph_is_spoken_completely(bundled_engine: WorkerEngine) -> None:
    """20,000 characters without a line break (bench/speech.py: 100,000)."""
    text = prose(20_000)
    assert spoken_seconds(bundled_engine, text) == pytest.approx(
        reference_seconds(text, "en-us", VOICE.rate), rel=0.03
    )


@pytest.mark.slow
def test_a_run_on_sentence_is_cut_at_words_and_spoken_completely(
    bundled_engine: WorkerEngine,
) -> None:
    text = " ".join(["and then the wind rose over the harbour"] * 400)  # no punctuation at all
    assert len(split_utterances(text)) > 5
    assert spoken_seconds(bundled_engine, text) == pytest.approx(
        reference_seconds(text, "en-us", VOICE.rate), rel=0.03
    )


@pytest.mark.slow
def test_many_short_paragraphs_are_spoken_completely(bundled_engine: WorkerEngine) -> None:
    """200 paragraphs, one utterance each (bench/speech.py: 1,000). The pauses between
    paragraphs are the render's own (voices.toml timing), so the comparison is of the speech:
    the command line reading the paragraphs one line each."""
    paragraphs = [prose(120, seed=n) for n in range(200)]
    ours = sum(bundled_engine.synthesize(p, VOICE).seconds for p in paragraphs)
    assert ours == pytest.approx(
        reference_seconds("\n".join(paragraphs), "en-us", VOICE.rate), rel=0.03
    )


@pytest.mark.slow
def test_a_worker_killed_mid_utterance_costs_a_retry_not_the_audio() -> None:
    texts = [prose(1400, seed=n) for n in range(12)]
    with contextlib.closing(WorkerEngine()) as engine:
        undisturbed = [engine.synthesize(t, VOICE).pcm for t in texts]
    with contextlib.closing(WorkerEngine()) as engine:
        # Killed with the fifth utterance under way: the new worker says the four before it
        # again (espeak's output depends on what its process has spoken), then the fifth.
        killer = WorkerKiller(engine, nth=5)
        disturbed = [engine.synthesize(t, VOICE).pcm for t in texts]
        assert killer.killed and engine.retries == 1
    assert disturbed == undisturbed  # every utterance, and bit for bit
