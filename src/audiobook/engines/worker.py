"""The one place that talks to pyttsx3: text in, 16-bit mono PCM out, and the voice list.

pyttsx3's espeak driver crashes the process on long text and can return before its WAV exists
(SPECS.md section 6), so the engine lives in a worker process: the render sends it one small
utterance at a time, waits for the engine's own finished-utterance notification, and checks that the
result is real audio of a plausible length. A worker that dies or hangs is replaced and the
utterance retried; what still fails is reported with its text.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import types
import wave
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from audiobook.errors import InputError, SpeechError, ToolError

# Light imports only: the worker process imports this module, and its start-up is paid once
# per chapter (pydantic and ftfy would double it).
from audiobook.readers.chapters import count_words

if TYPE_CHECKING:
    from audiobook.config import Voice

# espeak reads len(text) * 10 bytes past its input, and a 27 KB text crashed it: stay far below.
MAX_UTTERANCE_BYTES = 1500
ESPEAK_ENV = "AUDIOBOOK_ESPEAK"  # "bundled", "system", or the path of libespeak-ng
RETRIES = 2


@dataclass(frozen=True)
class Speech:
    """Synthesized audio: signed 16-bit little-endian mono PCM."""

    pcm: bytes
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None

    @property
    def short_id(self) -> str:
        """'gmw/en-us' -> 'en-us': the form espeak-ng users type."""
        return self.id.rsplit("/", 1)[-1]


class SpeechEngine(Protocol):
    def synthesize(self, text: str, voice: Voice) -> Speech: ...

    def voices(self) -> list[VoiceInfo]: ...

    def close(self) -> None: ...


def split_utterances(text: str, max_bytes: int = MAX_UTTERANCE_BYTES) -> list[str]:
    """Cut TEXT into pieces of at most MAX_BYTES (UTF-8): at sentences, then clauses, then words."""
    if len(text.encode("utf-8")) <= max_bytes:
        return [text]
    for pattern in (r"(?<=[.!?…])\s+", r"(?<=[,;:\u2014\u2013])\s+", r"\s+"):
        parts = re.split(pattern, text)
        if len(parts) > 1:
            break
    else:  # one enormous "word": cut it by characters, never dropping any
        cut = max_bytes // 4
        return [text[i : i + cut] for i in range(0, len(text), cut)]
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if len(candidate.encode("utf-8")) <= max_bytes:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(part.encode("utf-8")) > max_bytes:
            pieces.extend(split_utterances(part, max_bytes))
            current = ""
        else:
            current = part
    if current:
        pieces.append(current)
    return pieces


def plausible_seconds(text: str, rate_wpm: int) -> tuple[float, float]:
    """The range of durations that speaking TEXT at RATE_WPM may take; outside it, text was lost."""
    expected = count_words(text) / rate_wpm * 60
    return 0.3 * expected - 0.3, 3.0 * expected + 2.0


class WorkerEngine:
    """pyttsx3 in a child process that may crash or hang without taking the render down."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self._ctx = _worker_context()
        self._process: Any = None
        self._conn: Connection | None = None
        self._tmpdir = tempfile.TemporaryDirectory(prefix="audiobook-speech-")
        self._counter = 0
        self._history: list[tuple[str, Voice]] = []  # what the current worker has spoken
        self.retries = 0  # utterances that needed more than one attempt

    def __enter__(self) -> WorkerEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def voices(self) -> list[VoiceInfo]:
        reply = self._call(("voices",), timeout=self.timeout)
        return [VoiceInfo(v["id"], v["name"], tuple(v["languages"]), v["gender"]) for v in reply]

    def synthesize(self, text: str, voice: Voice) -> Speech:
        low, high = plausible_seconds(text, voice.rate)
        problem = "no attempt"
        for attempt in range(1 + RETRIES):
            try:
                if attempt:
                    self._replace_worker()
                speech = self._speak(text, voice)
            except SpeechError as exc:
                problem = exc.message
                continue
            if low <= speech.seconds <= high:
                self._history.append((text, voice))
                self.retries += attempt
                return speech
            problem = (
                f"implausible duration {speech.seconds:.2f} s (expected {low:.1f}-{high:.1f} s)"
            )
        raise SpeechError(f"could not speak {_excerpt(text)!r}: {problem}")

    def _speak(self, text: str, voice: Voice) -> Speech:
        self._counter += 1
        wav = Path(self._tmpdir.name) / f"u{self._counter}.wav"
        try:
            self._call(("synth", text, voice.model_dump(), str(wav)), timeout=self.timeout)
            return _read_wav(wav)
        finally:
            wav.unlink(missing_ok=True)

    def _replace_worker(self) -> None:
        """A fresh worker, brought to the state the failed one was in before the failure.

        espeak-ng's output depends on what its process spoke before, so the new worker speaks
        this worker's utterances again (discarding the audio): the retried utterance then comes
        out exactly as it would have without the failure, and a render stays reproducible.
        """
        self._kill()
        for text, voice in self._history:
            self._speak(text, voice)

    def close(self) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError, BrokenPipeError, AttributeError):
                self._conn.send(("stop",))  # type: ignore[union-attr]
            self._process.join(timeout=2)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None
        self._tmpdir.cleanup()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        # A forked worker has the fork server's environment, which may be older than ours.
        env = dict(os.environ)
        process = self._ctx.Process(target=_worker_main, args=(child, env), daemon=True)
        try:
            process.start()
        finally:
            child.close()
        self._process = process  # only once started: close() and _kill() join what is here
        self._conn = parent

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        self._process = None

    def _call(self, request: tuple[Any, ...], timeout: float) -> Any:
        if self._process is None or not self._process.is_alive():
            self._start()
        assert self._conn is not None
        try:
            self._conn.send(request)
            if not self._conn.poll(timeout):
                self._kill()
                raise SpeechError(f"the engine hung for {timeout:.0f} s and was stopped")
            status, payload = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = self._process.exitcode if self._process is not None else None
            self._kill()
            raise SpeechError(f"the engine process crashed (exit code {code})") from None
        if status == "fatal":  # the engine cannot start at all: retrying will not help
            self._kill()
            raise ToolError(payload)
        if status == "input":
            raise InputError(payload)
        if status != "ok":
            raise SpeechError(payload)
        return payload


def _worker_context() -> Any:
    """How worker processes start: forked from a fork server where there is one, else spawned.

    Never forked from the render itself (its threads and open files would come along). The fork
    server has imported this module and pyttsx3 but never started espeak, so every worker still
    begins from espeak's initial state, and starts in a few milliseconds instead of the 80 ms of
    a fresh interpreter (measured; that was 8% of a short chapter's synthesis). It imports the
    main script too ("__main__"): a worker would otherwise import it again, and the `audiobook`
    script imports the whole CLI.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", __name__, "pyttsx3"])
        return context
    return multiprocessing.get_context("spawn")


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_wav(path: Path) -> Speech:
    if not path.exists() or path.stat().st_size <= 44:
        raise SpeechError("the engine wrote no audio")
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise SpeechError("the engine wrote audio that is not 16-bit mono")
            return Speech(wav.readframes(wav.getnframes()), wav.getframerate())
    except (wave.Error, EOFError) as exc:
        raise SpeechError(f"the engine wrote a broken WAV file: {exc}") from None


# --- inside the worker process --------------------------------------------------------------


def _worker_main(conn: Connection, env: dict[str, str] | None = None) -> None:
    # Ctrl-C reaches the whole process group: the render decides what stops (it finishes or drops
    # the current utterance and closes this worker), rather than every worker dying at once and
    # being replaced and replayed by the retry logic.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if env is not None:  # the render's environment now (AUDIOBOOK_ESPEAK, ESPEAK_DATA_PATH...)
        os.environ.clear()
        os.environ.update(env)
    # The espeak driver prints "Audio saved to ..." on stdout; the render's stdout is for --json.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        backend = Pyttsx3Backend()
    except Exception as exc:
        conn.send(("fatal", f"the speech engine could not start: {exc}"))
        return
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        kind = request[0]
        if kind == "stop":
            return
        try:
            if kind == "voices":
                conn.send(("ok", backend.voices()))
            elif kind == "synth":
                _, text, voice, path = request
                backend.save(text, voice, path)
                conn.send(("ok", None))
        except ValueError as exc:
            conn.send(("input", str(exc)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def engine_identity() -> str:
    """What the engine's output depends on: pyttsx3's version and which espeak-ng library."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pyttsx3_version = version("pyttsx3")
    except PackageNotFoundError:
        pyttsx3_version = "unknown"
    library = _espeak_library_path()
    if library and os.path.exists(library):
        stat = os.stat(library)
        library = f"{os.path.basename(library)}:{stat.st_size}"
    return f"pyttsx3 {pyttsx3_version}; espeak {library or 'system default'}"


def _espeak_library_path() -> str | None:
    wanted = os.environ.get(ESPEAK_ENV, "").strip()
    if wanted and wanted not in ("system", "bundled"):
        return wanted
    system = ctypes.util.find_library("espeak-ng")
    if wanted == "system" or (not wanted and system):
        return system
    try:
        import espeakng_loader
    except ImportError:
        return None
    return espeakng_loader.get_library_path()


def load_espeak_library() -> None:
    """Make pyttsx3's espeak driver find libespeak-ng without root.

    AUDIOBOOK_ESPEAK=system uses the system library, a path uses that file, and "bundled" (or no
    system library) uses the espeakng-loader wheel: loading it globally first means that pyttsx3's
    own load of "libespeak-ng.so.1" resolves to it.
    """
    wanted = os.environ.get(ESPEAK_ENV, "").strip()
    if wanted == "system" or (not wanted and ctypes.util.find_library("espeak-ng")):
        return
    if wanted and wanted != "bundled":
        ctypes.CDLL(wanted, mode=ctypes.RTLD_GLOBAL)
        return
    try:
        import espeakng_loader
    except ImportError:
        return  # not Linux, or not installed: pyttsx3 finds its platform's engine itself
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()


class Pyttsx3Backend:
    """pyttsx3 in this process. Only the worker process creates one."""

    def __init__(self, timeout: float = 120.0) -> None:
        load_espeak_library()
        import pyttsx3

        self.timeout = timeout
        self.engine = pyttsx3.init(_event_driven_espeak() or None)
        self._done = threading.Event()
        self._completed = False
        self._voice: dict[str, Any] = {}
        self.engine.connect("finished-utterance", self._on_finished)
        self._synchronize = _espeak_synchronize()
        # pyttsx3.init() sets voice, rate and volume through espeak's asynchronous queue. If the
        # driver's endLoop() (run by every runAndWait()) finds that queue still busy, it cancels
        # it and leaves a "stopping" flag that cuts the *next* utterance off half-way: under load
        # this happened to the first utterance of a process. So: let the queue drain first, then
        # one empty run, which also takes the driver proxy out of its initial "busy" state.
        self._synchronize()
        self.engine.runAndWait()

    def _on_finished(self, name: object = None, completed: bool = True) -> None:
        # Called on the engine's own thread when the utterance (and its WAV file) is done.
        self._completed = bool(completed)
        self._done.set()

    def voices(self) -> list[dict[str, Any]]:
        out = []
        for v in self.engine.getProperty("voices"):
            languages = [str(x) for x in (v.languages or [])]
            out.append({"id": v.id, "name": v.name, "languages": languages, "gender": v.gender})
        return out

    def save(self, text: str, voice: dict[str, Any], path: str) -> None:
        if voice != self._voice:
            self.engine.setProperty("voice", voice["voice"])
            self.engine.setProperty("rate", voice["rate"])
            self.engine.setProperty("volume", voice["volume"])
            with contextlib.suppress(KeyError):  # not every driver has a pitch
                self.engine.setProperty("pitch", voice["pitch"])
            self._voice = dict(voice)
        # espeak's own thread must be idle before runAndWait(): the driver's endLoop() cancels
        # whatever espeak is busy with, and property changes travel through espeak's queue too.
        # Without this, under load, an utterance is cut off half-way (measured).
        self._synchronize()
        self._done.clear()
        self.engine.save_to_file(text, path)
        # With the espeak driver, the first runAndWait() returns as soon as synthesis has
        # *started*, so the real end is the engine's finished-utterance notification.
        self.engine.runAndWait()
        if not self._done.wait(self.timeout):
            raise RuntimeError(f"no finished-utterance notification within {self.timeout:.0f} s")
        if not self._completed:
            raise RuntimeError("the engine reported the utterance as not completed")
        self._synchronize()


def _event_driven_espeak() -> str | None:
    """The name of pyttsx3's espeak driver with a run loop that wakes when the utterance ends.

    The stock driver's loop sleeps 10 ms between looks at whether espeak has finished: 5 ms lost
    per utterance on average, a tenth of a chapter's synthesis time (measured). This subclass waits
    on an event that its endLoop() (called from espeak's end-of-utterance callback) sets, and
    otherwise runs the same steps; and it gathers audio in linear time. It relies on pyttsx3
    2.99's driver internals, so anything else (another driver, another pyttsx3) gets the stock
    driver.
    """
    try:
        from pyttsx3.drivers import espeak
    except Exception:
        return None
    needed = ("_start_synthesis", "iterate", "endLoop", "startLoop")
    if not all(hasattr(espeak.EspeakDriver, name) for name in needed):
        return None
    name = "audiobook_espeak"
    module_name = f"pyttsx3.drivers.{name}"
    if module_name in sys.modules:
        return name

    class EventLoopEspeakDriver(espeak.EspeakDriver):  # type: ignore[misc]
        def __init__(self, proxy: Any) -> None:
            self._ended = threading.Event()
            super().__init__(proxy)

        def endLoop(self) -> None:
            super().endLoop()
            self._ended.set()

        # The stock driver collects an utterance's audio with `bytes += chunk`, which copies it
        # all again for every 1 s chunk. Held as a bytearray, the same += extends it in place.
        @property
        def _data_buffer(self) -> bytearray:
            return self._audio

        @_data_buffer.setter
        def _data_buffer(self, value: bytes | bytearray) -> None:
            self._audio = value if isinstance(value, bytearray) else bytearray(value)

        def startLoop(self) -> None:
            self._ended.clear()
            self._looping = True
            self._proxy.setBusy(False)  # runs what is queued, runAndWait's endLoop included
            if self._text_to_say:
                self._start_synthesis(self._text_to_say)
            while self._looping:
                self.iterate()
                self._ended.wait(0.01)

    module = types.ModuleType(module_name)
    module.buildDriver = EventLoopEspeakDriver  # type: ignore[attr-defined]
    sys.modules[module_name] = module
    return name


def _espeak_synchronize() -> Callable[[], object]:
    """espeak_Synchronize() when the driver is espeak's, else nothing (sapi5, nsss)."""
    try:
        from pyttsx3.drivers import _espeak
    except Exception:
        return lambda: None
    return getattr(_espeak, "Synchronize", lambda: None)
