"""Kokoro: Kokoro-82M's voices on the CPU, the Backend a worker process drives.

Measured in SPECS.md section 12 on Pride and Prejudice chapter 3: clearer than Piper's joe (an
offline recogniser misses 2.6-3.5% of the words against 6.3%) and as natural or more, 28 English
voices for a cast and natural voices in Spanish, French, Italian, Brazilian Portuguese and Hindi;
about ten times Piper's CPU and about 1 GB per worker. Where the model and the voices come from:
engines/kokoro_voices.py (nothing is downloaded at run time).

We use kokoro-onnx's vocabulary and its eSpeak NG set-up (the libespeak-ng of espeakng-loader,
the one our eSpeak NG voices use), but run the model ourselves, for the same reasons as Piper:

- Threads. `Kokoro(...)` builds a session that uses every core; each worker here gets one thread
  (intra- and inter-op), so two workers on two cores do not fight. ONNX Runtime's memory arena
  stays on (off cost 1.8 GB and 50% more CPU, measured).
- Sentences. Each sentence of an utterance is phonemised and spoken on its own, so its span in
  the audio is known (captions and the read-along need it; this model reports no durations) and
  what a worker holds is bounded by the longest sentence. A sentence longer than the model's
  window (510 phonemes) is cut at a clause, then a word. Per sentence is no slower than the
  library's own 510-phoneme batches (measured: 1.73 against 1.45 x real time on one thread),
  since the model's cost grows faster than its input's length.
- Level. The model's own level is kept, times the voice's volume, less HEADROOM: seven of the 28
  English voices peak above full scale (bm_fable at +3.7 dBFS, measured by
  bench/voice_similarity.py), which 16-bit samples would clip; mastering levels the chapter.

The graph has no random nodes: the same phonemes, voice and speed give the same samples, on one
or two threads. Heavy imports (numpy, onnxruntime, phonemizer, kokoro_onnx): the Backend's only.
"""

from __future__ import annotations

import json
import os
import wave
from typing import Any

from audiobook.core.phonemes import split_blocks
from audiobook.core.sentences import split_sentences
from audiobook.engines import kokoro_model
from audiobook.engines.kokoro_model import INSTALL, model_id, model_installed, model_path
from audiobook.engines.kokoro_voices import DATA as DATA
from audiobook.engines.kokoro_voices import (  # the engine module's face (engines/interface.py)
    SAMPLE_RATE,
    components,
)
from audiobook.engines.kokoro_voices import compose as compose
from audiobook.engines.kokoro_voices import list_voices as list_voices
from audiobook.engines.kokoro_voices import offer as offer
from audiobook.engines.kokoro_voices import settings as settings
from audiobook.engines.kokoro_voices import unsayable as unsayable
from audiobook.engines.kokoro_voices import voice_file as voice_file
from audiobook.engines.kokoro_voices import voice_names as voice_names
from audiobook.engines.neural import CALIBRATION, PaceMemo, prepare_text, trim

NAME = "kokoro"
TITLE = "Kokoro"
MISSING_HINT = f"install it: {INSTALL}"
REAL_TIME = 1.5  # seconds of speech a second of one core makes (SPECS.md section 12)
# The model loaded (2 s), then for a rate up to five passes of the 25 s calibration passage to
# find its speed (about 85 s of a core): twice that, for a busy machine.
WARM_UP_S = 180.0
PACE_MEMO = "kokoro-pace.json"  # measured paces, in the cache folder (engines/neural.py)
THREADS_ENV = "AUDIOBOOK_KOKORO_THREADS"  # ONNX Runtime threads per worker (default 1)
# The fork server imports these ahead of any worker (they load no model and start no threads).
PRELOAD = ("numpy", "onnxruntime")
STATEFUL = False  # an utterance's audio depends on it alone
MAX_PHONEMES = 510  # the model's window
SENTENCE_GAP_MS = 250  # between two sentences of one utterance, at the voice's own pace
CLAUSE_GAP_MS = 120  # where a sentence longer than the window was cut
SPEED_RANGE = (0.5, 2.0)  # what the model was trained to speak at
RATE_STEPS = 4  # measured steps from a rate to its speed (one or two are usually enough)
RATE_TOLERANCE = 0.02  # a rate is reached within 2%, or refused
HEADROOM = 0.5  # -6 dB: the loudest voice's peaks (+3.7 dBFS) stay below full scale


def identity() -> str:
    """What a Kokoro voice's audio depends on: the libraries, the model, the voices shipped."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for package in ("kokoro-onnx", "onnxruntime", "numpy", "phonemizer", "espeakng-loader"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} missing")
    try:
        sums = (DATA / "SHA256SUMS").read_bytes()
    except OSError:
        sums = b""
    import hashlib

    voices = hashlib.sha256(sums).hexdigest()[:16]
    return "; ".join(parts) + f"; model {model_id()}; voices {voices}; gap {SENTENCE_GAP_MS} ms"


def available() -> bool:
    """Whether Kokoro is installed (its runtime and a model), without importing it."""
    import importlib.util

    return importlib.util.find_spec("kokoro_onnx") is not None and model_installed()


# --- inside the worker process ----------------------------------------------------------------


class Backend:
    """Kokoro in this process: the model loaded once, each voice's style vectors once."""

    def __init__(self) -> None:
        import numpy  # noqa: F401 - fail here, at start-up, when a library is missing
        import onnxruntime  # noqa: F401
        import phonemizer  # noqa: F401

        self.threads = int(os.environ.get(THREADS_ENV, "1") or "1")
        self._model: _Model | None = None

    @property
    def model(self) -> _Model:
        if self._model is None:
            self._model = _Model(self.threads)
        return self._model

    def voices(self) -> list[dict[str, Any]]:
        return list_voices()

    def pace(self, voice: dict[str, Any]) -> float:
        """Words per minute at speed 1 (the CALIBRATION passage, timed)."""
        return self.model.measured_wpm(voice["voice"], 1.0)

    def save(self, text: str, voice: dict[str, Any], path: str) -> list[tuple[int, int]]:
        model = self.model
        speed = 1.0
        if voice.get("rate"):
            speed = model.speed_for(voice["voice"], int(voice["rate"]))
        pcm, spans = model.speak(text, voice["voice"], speed, float(voice.get("volume", 1.0)))
        with wave.open(path, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm)
        return spans


class _Model:
    """The model in an ONNX Runtime session, the phonemizers by language, the voices loaded."""

    def __init__(self, threads: int) -> None:
        import onnxruntime
        from kokoro_onnx.config import get_vocab
        from kokoro_onnx.tokenizer import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path = model_path(verify=False)
        self.session = onnxruntime.InferenceSession(
            str(self.path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        inputs = {i.name: i for i in self.session.get_inputs()}
        # Older exports name the token input "tokens", newer ones "input_ids".
        self.tokens_input = "input_ids" if "input_ids" in inputs else "tokens"
        if "float" not in inputs["speed"].type:
            raise ValueError(f"{self.path}: a Kokoro model with an integer speed is not supported")
        self.vocab: dict[str, int] = get_vocab()
        Tokenizer()  # points phonemizer at espeakng-loader's libespeak-ng and its data
        self._phonemizers: dict[str, Any] = {}
        self._styles: dict[str, Any] = {}
        self._pace: dict[tuple[str, float], float] = {}

    def style(self, name: str) -> Any:
        """The voice NAME's style vectors (510, 1, 256), a blend's mixed by their weights."""
        if name not in self._styles:
            import numpy as np

            parts = components(name)
            total = sum(weight for _, weight in parts)
            mixed = np.zeros((510, 1, 256), dtype=np.float64)
            for voice, weight in parts:
                mixed += _load_style(voice) * (weight / total)
            self._styles[name] = mixed.astype(np.float32)
        return self._styles[name]

    def espeak_language(self, name: str) -> str:
        """How the voice's text is phonemised: its first voice's language."""
        return components(name)[0][0].espeak

    def phonemes(self, text: str, language: str) -> str:
        """TEXT's phonemes as the model knows them (what its vocabulary lacks is dropped)."""
        if language not in self._phonemizers:
            from phonemizer.backend import EspeakBackend
            from phonemizer.logger import get_logger

            # Words eSpeak NG reads in another language lose the "(en)" flags it would add.
            self._phonemizers[language] = EspeakBackend(
                language, preserve_punctuation=True, with_stress=True,
                language_switch="remove-flags", logger=get_logger("quiet"),
            )  # fmt: skip
        # A phoneme block (core/phonemes: the lexicon's IPA, a heteronym's sense) is said as
        # given; the text around it is phonemised as usual.
        pieces = split_blocks(text)
        texts = [piece for is_block, piece in pieces if not is_block and piece.strip()]
        phonemised = iter(self._phonemizers[language].phonemize(texts, strip=True) if texts else [])
        said = " ".join(
            piece if is_block else next(phonemised)
            for is_block, piece in pieces
            if is_block or piece.strip()
        )
        return " ".join("".join(p for p in said if p in self.vocab).split())

    def speak(
        self, text: str, name: str, speed: float, volume: float, gap: bool = True
    ) -> tuple[bytes, list[tuple[int, int]]]:
        """TEXT in the voice NAME as 16-bit PCM, and each sentence's (start, end) sample in it."""
        import numpy as np
        from kokoro_onnx.chunker import split_phonemes

        style = self.style(name)
        language = self.espeak_language(name)
        # The gaps slow down and speed up with the speech, so a rate is a rate of the whole.
        gap_samples = round(SAMPLE_RATE * SENTENCE_GAP_MS / 1000 / speed) if gap else 0
        clause_samples = round(gap_samples * CLAUSE_GAP_MS / SENTENCE_GAP_MS)
        pieces: list[Any] = []
        spans: list[tuple[int, int]] = []
        position = 0
        for sentence in split_sentences(prepare_text(text, language)):
            parts: list[Any] = []
            for window in split_phonemes(self.phonemes(sentence, language), MAX_PHONEMES):
                clip = trim(self._run(window, style, speed), SAMPLE_RATE)
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
        scaled = np.concatenate(pieces) * (volume * HEADROOM)
        pcm = np.clip(np.rint(scaled * 32767.0), -32767, 32767).astype("<i2")
        return pcm.tobytes(), spans

    def _run(self, phonemes: str, style: Any, speed: float) -> Any:
        import numpy as np

        tokens = [self.vocab[p] for p in phonemes if p in self.vocab]
        if not tokens:
            return np.zeros(0, dtype=np.float32)
        feeds = {
            self.tokens_input: np.array([[0, *tokens, 0]], dtype=np.int64),
            # One style vector per input length: the model was trained with row len - 1.
            "style": style[min(len(tokens), len(style)) - 1],
            "speed": np.array([speed], dtype=np.float32),
        }
        return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32).ravel()

    def measured_wpm(self, name: str, speed: float) -> float:
        """CALIBRATION's words per minute in the voice NAME at SPEED. Deterministic, so worked
        out once and remembered in the cache folder for every later worker."""
        memo_key = (name, round(speed, 9))
        if memo_key not in self._pace and speed == 1.0:
            shipped = shipped_pace(name)
            if shipped is not None:
                self._pace[memo_key] = shipped
        if memo_key not in self._pace:
            voices = [(v.id, v.sha256 or f"{v.file}:{v.member}", w) for v, w in components(name)]
            key = json.dumps([identity(), voices, CALIBRATION, memo_key[1]])
            memo = PaceMemo(PACE_MEMO)
            pace = memo.get(key)
            if pace is None:
                pcm, _ = self.speak(CALIBRATION, name, speed, 1.0)
                pace = len(CALIBRATION.split()) / (len(pcm) / 2 / SAMPLE_RATE) * 60
                memo.put(key, pace)
            self._pace[memo_key] = pace
        return self._pace[memo_key]

    def speed_for(self, name: str, rate: int) -> float:
        """The speed at which the voice NAME speaks the CALIBRATION passage at RATE words per
        minute, found in a few measured steps (the pace does not follow the speed exactly:
        the edges trimmed from each sentence do not scale). A rate it cannot reach within
        RATE_TOLERANCE at any speed the model was trained for is an error."""
        low, high = SPEED_RANGE
        speed = min(high, max(low, rate / self.measured_wpm(name, 1.0)))
        produced = self.measured_wpm(name, speed)
        for _ in range(RATE_STEPS):
            if abs(produced - rate) <= RATE_TOLERANCE * rate:
                return speed
            speed = min(high, max(low, speed * rate / produced))
            produced = self.measured_wpm(name, speed)
        if abs(produced - rate) <= RATE_TOLERANCE * rate:
            return speed
        raise ValueError(
            f"the Kokoro voice {name} cannot speak at {rate} words a minute "
            f"(it reaches {produced:.0f} at speed {speed:.2f})"
        )


def shipped_pace(name: str) -> float | None:
    """The pace of the voice NAME at speed 1 as measured for engines/kokoro_data/paces.json
    (bench/kokoro_paces.py), when that holds for this model and passage: measuring it costs
    about 15 s of a core per voice, which a fresh cache would pay for every voice of a cast. A
    blend of shipped voices: their paces' weighted mean (an estimate, close enough for what a
    pace at speed 1 is used for: the durations a render expects, and where a rate's speed is
    searched from, by measuring). None for a voice of an archive, or another model."""
    import hashlib

    if kokoro_model.user_model() is not None:
        return None
    try:
        parts = components(name)
        doc = json.loads((DATA / "paces.json").read_text(encoding="utf-8"))
        if (
            doc["model"] != kokoro_model.MODEL_SHA256
            or doc["calibration"] != hashlib.sha256(CALIBRATION.encode("utf-8")).hexdigest()
            or doc["sentence_gap_ms"] != SENTENCE_GAP_MS
        ):
            return None
        table = doc["paces"]
        listed = [table.get(v.id) if v.member is None else None for v, _ in parts]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    paces = [float(p) for p in listed if isinstance(p, (int, float)) and p > 0]
    if len(paces) != len(parts):  # a voice measured for no file here
        return None
    total = sum(weight for _, weight in parts)
    return sum(pace * weight for pace, (_, weight) in zip(paces, parts, strict=True)) / total


def _load_style(voice: Any) -> Any:
    """A voice's style vectors as float64 (510, 1, 256), from its .bin or its archive."""
    import numpy as np

    if voice.member is None:
        data = np.fromfile(voice.file, dtype="<f4")
    else:
        with np.load(voice.file, allow_pickle=False) as archive:
            data = np.asarray(archive[voice.member.removesuffix(".npy")], dtype="<f4")
    if data.size != 510 * 256:
        raise ValueError(f"{voice.file}: the Kokoro voice {voice.id} is damaged")
    return data.reshape(510, 1, 256).astype(np.float64)
