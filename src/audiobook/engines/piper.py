"""Piper: neural VITS voices on the CPU, the Backend a worker process drives.

Piper (`piper-tts`) phonemizes with its own built-in espeak-ng and runs the voice's ONNX model
with ONNX Runtime. We use its phonemizer, its voice configuration and its model, but run the
model ourselves, for three reasons measured in SPECS.md section 9 and docs/ARCHITECTURE.md:

- Determinism. The model draws Gaussian noise inside its graph (two RandomNormalLike nodes), so
  repeated syntheses differ and `onnxruntime.set_seed` does not fix it. Zero noise is repeatable
  but flattens the prosody. Here the graph is patched in memory so that the noise is an input:
  we draw it from a generator seeded by what is said (the phoneme ids, speaker and scales), the
  same standard normal noise the model was trained with, so the voice keeps its prosody and a
  sentence sounds the same on any worker, in any order, on every run.
- Threads. Each worker's session gets its share of the cores (one thread by default), so two
  workers side by side do not fight over them; the model is loaded once per worker process.
- Level. Piper scales every sentence to full scale, which clips and makes quiet sentences as loud
  as shouted ones; the model's own level (peaks about -6 dBFS) is kept instead, times the voice's
  volume, so the limiter in mastering, not the model, shapes the peaks.

Sentences lose their edge silence and are joined by a fixed gap (paragraph pauses are the plan's
alone; a span is speech). Heavy imports (numpy, onnxruntime, onnx, piper): the Backend's only.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
import wave
from typing import Any

from audiobook.core.phonemes import BLOCK, split_blocks
from audiobook.core.sentences import split_sentences
from audiobook.engines.neural import CALIBRATION, PaceMemo, trim
from audiobook.engines.neural import prepare_text as prepare_text
from audiobook.engines.piper_graph import noise_feeds, patched_model, seed_for
from audiobook.engines.piper_voices import INSTALL, PiperModel, model_for
from audiobook.engines.piper_voices import (  # the engine module's face (engines/interface.py)
    VOICES_ENV as VOICES_ENV,
)
from audiobook.engines.piper_voices import compose as compose
from audiobook.engines.piper_voices import find_models as find_models
from audiobook.engines.piper_voices import list_voices as list_voices
from audiobook.engines.piper_voices import offer as offer
from audiobook.engines.piper_voices import settings as settings
from audiobook.engines.piper_voices import unsayable as unsayable
from audiobook.engines.piper_voices import voice_file as voice_file
from audiobook.engines.piper_voices import voice_names as voice_names

NAME = "piper"
TITLE = "Piper"
MISSING_HINT = f"install it and a voice: {INSTALL}"
REAL_TIME = 14.0  # seconds of speech a second of one core makes (SPECS.md section 9)
WARM_UP_S = 30.0  # the model loaded and patched, a rate's length scale measured (about 10 s)
PACE_MEMO = "piper-pace.json"  # measured paces, in the cache folder (engines/neural.py)
THREADS_ENV = "AUDIOBOOK_PIPER_THREADS"  # ONNX Runtime threads per worker (default 1)
# The fork server imports these ahead of any worker: a worker then starts without paying for
# numpy and ONNX Runtime again (they load no model and start no threads on import).
# (Not onnx: it takes 0.7 s to import, and only the first worker to load a voice needs it.)
PRELOAD = ("numpy", "onnxruntime", "piper.voice")

# Each utterance's audio depends on it alone (the noise is drawn from its text): a replaced
# worker needs no replay of what the failed one spoke.
STATEFUL = False
# Between two sentences of one utterance at the voice's own pace (the plan's pauses are longer).
SENTENCE_GAP_MS = 250
MAX_FRAMES = 1 << 17  # about 25 minutes of one sentence at 22 kHz: never reached
# The model's memory grows with what it speaks at once (measured: 240 MB loaded, then about
# 23 MB a second of speech; a 61 s sentence took 1.6 GB). Longer sentences are spoken a clause at
# a time (at commas, then between words), joined by a short pause: a worker stays under 0.5 GB.
MAX_PHONEMES = 160  # about 8 s of speech (phonemes, not ids: an id and a pad each)
CLAUSE_GAP_MS = 120
_LEADING_PUNCTUATION = re.compile(r"\s*([,;:.!?…]*)")
RATE_STEPS = 4  # measured steps from a rate to its length scale (two are usually enough)


def identity() -> str:
    """What a Piper voice's audio depends on besides the model: the libraries' versions."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for package in ("piper-tts", "onnxruntime", "numpy"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} missing")
    # The models themselves, by size and modification time (hashing 60 MB files per render
    # would cost more than it guards against): a replaced voice file makes its chapters again.
    models = []
    for model in find_models():
        with contextlib.suppress(OSError):
            stat = model.path.stat()
            models.append(f"{model.id}:{stat.st_size}:{stat.st_mtime_ns}")
    return "; ".join(parts) + f"; gap {SENTENCE_GAP_MS} ms; models {', '.join(models) or 'none'}"


def available() -> bool:
    """Whether Piper is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("piper") is not None


# --- inside the worker process ----------------------------------------------------------------


class Backend:
    """Piper in this process: each voice's model loaded once, noise drawn from the text."""

    def __init__(self) -> None:
        import numpy  # noqa: F401 - fail here, at start-up, when a library is missing
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        from piper.voice import PiperVoice  # noqa: F401

        self.threads = int(os.environ.get(THREADS_ENV, "1") or "1")
        self._loaded: dict[str, _LoadedVoice] = {}

    def voices(self) -> list[dict[str, Any]]:
        return list_voices()

    def pace(self, voice: dict[str, Any]) -> float:
        """Words per minute at the voice's own length scale (the CALIBRATION passage, timed)."""
        return self._voice(voice["voice"]).natural_wpm(_speaker(voice))

    def save(self, text: str, voice: dict[str, Any], path: str) -> list[tuple[int, int]]:
        loaded = self._voice(voice["voice"])
        speaker = _speaker(voice)
        length_scale = loaded.length_scale
        if voice.get("rate"):
            length_scale = loaded.length_scale_for(speaker, int(voice["rate"]))
        volume = float(voice.get("volume", 1.0))
        pcm, spans = loaded.speak(text, speaker, length_scale, volume)
        with wave.open(path, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(loaded.sample_rate)
            out.writeframes(pcm)
        return spans

    def _voice(self, name: str) -> _LoadedVoice:
        if name not in self._loaded:
            model = model_for(name)
            if model is None:
                raise ValueError(f"unknown Piper voice {name!r}: `audiobook voices` lists them")
            self._loaded[name] = _LoadedVoice(model, self.threads)
        return self._loaded[name]


def _speaker(voice: dict[str, Any]) -> str | int | None:
    return voice.get("speaker")


class _LoadedVoice:
    """One model in an ONNX Runtime session, its random nodes replaced by noise inputs."""

    def __init__(self, model: PiperModel, threads: int) -> None:
        import onnxruntime
        from piper.voice import PiperVoice

        self.model = model
        config = json.loads(model.path.with_name(model.path.name + ".json").read_text("utf-8"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        graph, self.noise_inputs = patched_model(model.path)
        session = onnxruntime.InferenceSession(
            graph, sess_options=options, providers=["CPUExecutionProvider"]
        )
        from piper.config import PiperConfig

        self.voice = PiperVoice(session=session, config=PiperConfig.from_dict(config))
        self.sample_rate = self.voice.config.sample_rate
        self.length_scale = float(self.voice.config.length_scale)
        self._pace: dict[tuple[str | int | None, float], float] = {}

    def speaker_id(self, speaker: str | int | None) -> int | None:
        config = self.voice.config
        if config.num_speakers <= 1:
            if speaker is not None:
                raise ValueError(f"speaker: the voice {self.model.id} has only one speaker")
            return None
        if speaker is None:
            return int(config.default_speaker_id)
        if isinstance(speaker, int) and 0 <= speaker < config.num_speakers:
            return speaker
        if isinstance(speaker, str) and speaker in config.speaker_id_map:
            return int(config.speaker_id_map[speaker])
        raise ValueError(
            f"speaker: the voice {self.model.id} has no speaker {speaker!r} "
            f"(it has {', '.join(self.model.speakers) or config.num_speakers})"
        )

    def natural_wpm(self, speaker: str | int | None) -> float:
        """The voice's words per minute at its own length scale."""
        return self._measured_wpm(speaker, self.length_scale)

    def length_scale_for(self, speaker: str | int | None, rate: int) -> float:
        """The length scale at which the voice speaks the CALIBRATION passage at RATE words per
        minute. The pace does not follow the scale exactly (measured: at 1.5 times the length,
        0.72 times the pace, not 0.67), so a few measured steps close in on it (within 1%)."""
        scale = self.length_scale * self.natural_wpm(speaker) / rate
        for _ in range(RATE_STEPS):
            produced = self._measured_wpm(speaker, scale)
            if abs(produced - rate) <= 0.01 * rate:
                break
            scale *= (produced / rate) ** 1.25
        return scale

    def _measured_wpm(self, speaker: str | int | None, length_scale: float) -> float:
        """CALIBRATION's words per minute at LENGTH_SCALE. Deterministic (the noise is seeded),
        so it is worked out once and remembered in the cache folder for every later worker; a
        cache that cannot be written costs a recount, never a different result."""
        memo_key = (speaker, round(length_scale, 9))
        if memo_key not in self._pace:
            stat = self.model.path.stat()
            key = json.dumps(
                [str(self.model.path), stat.st_size, stat.st_mtime_ns, speaker, identity(),
                 CALIBRATION, memo_key[1]],
            )  # fmt: skip
            memo = PaceMemo(PACE_MEMO)
            pace = memo.get(key)
            if pace is None:
                pcm, _ = self.speak(CALIBRATION, speaker, length_scale, 1.0)
                pace = len(CALIBRATION.split()) / (len(pcm) / 2 / self.sample_rate) * 60
                memo.put(key, pace)
            self._pace[memo_key] = pace
        return self._pace[memo_key]

    def speak(
        self,
        text: str,
        speaker: str | int | None,
        length_scale: float,
        volume: float,
        gap: bool = True,
    ) -> tuple[bytes, list[tuple[int, int]]]:
        """TEXT as 16-bit PCM and each sentence's (start, end) sample in it."""
        import numpy as np

        sid = self.speaker_id(speaker)
        config = self.voice.config
        scales = np.array(
            [config.noise_scale, length_scale, config.noise_w_scale], dtype=np.float32
        )
        # The gap slows down and speeds up with the speech, so a rate is a rate of the whole.
        gap_ms = SENTENCE_GAP_MS * length_scale / self.length_scale if gap else 0
        gap_samples = round(self.sample_rate * gap_ms / 1000)
        pieces: list[Any] = []
        spans: list[tuple[int, int]] = []
        position = 0
        for phonemes in self.phonemize(prepare_text(text, self.model.language)):
            if not phonemes:
                continue
            clause_samples = round(gap_samples * CLAUSE_GAP_MS / SENTENCE_GAP_MS)
            parts: list[Any] = []
            for clause in _clauses(phonemes):
                clip = trim(self._run(self.voice.phonemes_to_ids(clause), scales, sid),
                             self.sample_rate)  # fmt: skip
                if clip.size:
                    if parts and clause_samples:
                        parts.append(np.zeros(clause_samples, dtype=np.float32))
                    parts.append(clip)
            if not parts:
                continue
            audio = np.concatenate(parts)
            if pieces and gap_samples:
                pieces.append(np.zeros(gap_samples, dtype=np.float32))
                position += gap_samples
            pieces.append(audio)
            spans.append((position, position + audio.size))
            position += audio.size
        if not pieces:
            return b"", []
        scaled = np.concatenate(pieces) * volume
        pcm = np.clip(np.rint(scaled * 32767.0), -32767, 32767).astype("<i2")
        return pcm.tobytes(), spans

    def phonemize(self, text: str) -> list[list[str]]:
        """TEXT's phonemes, sentence by sentence, with phoneme blocks (core/phonemes) said as
        given. Piper reads [[...]] itself, but joins the sentences around a block into one and
        loses the punctuation after it (measured): so a text with blocks is cut into sentences
        here, and each piece between blocks phonemised alone."""
        if not BLOCK.search(text):
            return self.voice.phonemize(text)
        sentences: list[list[str]] = []
        for sentence in split_sentences(text):
            said: list[str] = []
            for is_block, piece in split_blocks(sentence):
                if is_block:
                    said += [" "] if said and said[-1] != " " else []
                    said += list(piece)
                    continue
                # Punctuation just after a block is a pause the phonemiser would drop.
                lead = _LEADING_PUNCTUATION.match(piece)
                if lead and lead.group(1):
                    said += [*lead.group(1), " "]
                for part in self.voice.phonemize(piece[lead.end() if lead else 0 :]):
                    if part:
                        said += [" "] if said and said[-1] != " " else []
                        said += part
            while said and said[-1] == " ":
                said.pop()
            if said:
                sentences.append(said)
        return sentences

    def _run(self, ids: list[int], scales: Any, sid: int | None) -> Any:
        import numpy as np

        seed = seed_for(ids, scales.tobytes(), sid)
        frames = math.ceil(len(ids) * 4 * float(scales[1])) + 64  # measured: about 2.2 an id
        while True:
            feeds = {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": scales,
            }
            if sid is not None:
                feeds["sid"] = np.array([sid], dtype=np.int64)
            feeds.update(noise_feeds(self.noise_inputs, seed, len(ids), frames))
            try:
                return self.voice.session.run(None, feeds)[0].squeeze()
            except Exception:
                # The prior's noise was shorter than the frames this sentence needs (its Slice
                # then no longer matches): draw more. Anything else fails again at the limit.
                if frames >= MAX_FRAMES:
                    raise
                frames = min(frames * 2, MAX_FRAMES)


def _clauses(phonemes: list[str]) -> list[list[str]]:
    """PHONEMES (one sentence) in pieces of at most MAX_PHONEMES: cut after a comma, semicolon
    or colon where it can be, else at a word boundary, else anywhere (nothing is left out)."""
    if len(phonemes) <= MAX_PHONEMES:
        return [phonemes]
    pieces: list[list[str]] = []
    start = 0
    while len(phonemes) - start > MAX_PHONEMES:
        window = phonemes[start : start + MAX_PHONEMES]
        cut = next(
            (i + 1 for i in range(len(window) - 1, MAX_PHONEMES // 4, -1)
             if window[i] == " " and window[i - 1] in ",;:"),
            None,
        )  # fmt: skip
        if cut is None:
            cut = next((i + 1 for i in range(len(window) - 1, 0, -1) if window[i] == " "),
                       len(window))  # fmt: skip
        pieces.append(phonemes[start : start + cut])
        start += cut
    pieces.append(phonemes[start:])
    return [p for p in pieces if any(ch.strip() for ch in p)]


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m audiobook.engines.piper
    for found in find_models():
        print(found.id, found.language, found.quality, found.sample_rate, found.path)
    sys.exit(0)
