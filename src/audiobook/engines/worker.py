"""Speech engines in worker processes: a crash or a hang costs a retry, never the render.

An engine's library (its Backend, e.g. engines/espeak.py) runs in a child process: the render
sends it one small utterance at a time, waits for the reply, and checks that the result is real
audio of a plausible length. A worker that dies or hangs is replaced and the utterance retried;
what still fails is reported with its text. The same code path serves every engine.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import tempfile
import wave
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Light imports only: the worker process imports this module, and its start-up is paid once
# per chapter (pydantic and ftfy would double it).
from audiobook.core.audio import Speech
from audiobook.core.errors import InputError, SetupError, SpeechError, ToolError
from audiobook.core.words import count_words
from audiobook.engines import DEFAULT_ENGINE, ENGINES, engine_module
from audiobook.engines import names as engine_names
from audiobook.engines.interface import VoiceInfo

if TYPE_CHECKING:
    from audiobook.core.config import Voice

RETRIES = 2


def plausible_seconds(text: str, rate_wpm: float) -> tuple[float, float]:
    """The range of durations that speaking TEXT at RATE_WPM may take; outside it, text was lost."""
    expected = count_words(text) / rate_wpm * 60
    return 0.3 * expected - 0.3, 3.0 * expected + 2.0


class WorkerEngine:
    """An engine (by its registered name) in a child process that may crash or hang without
    taking the render down."""

    def __init__(self, engine: str = DEFAULT_ENGINE, timeout: float = 60.0):
        self.engine = engine
        self.timeout = timeout
        self._module_name = ENGINES[engine]
        self._module = engine_module(engine)
        self._ctx = _worker_context(_preload())
        self._process: Any = None
        self._conn: Connection | None = None
        try:  # where the workers' WAV files go, one utterance at a time
            self._tmpdir = tempfile.TemporaryDirectory(prefix="audiobook-speech-")
        except OSError as exc:
            raise SetupError(
                f"no temporary folder for the speech ({(exc.strerror or str(exc)).lower()})",
                path=tempfile.gettempdir(),
                hint="free some space there, or set TMPDIR to another folder",
            ) from None
        self._counter = 0
        self._history: list[tuple[str, Voice]] = []  # what the current worker has spoken
        self.retries = 0  # utterances that needed more than one attempt
        self._paces: dict[str, float] = {}
        self._warm: set[str] = set()  # the voices the current worker has spoken

    def __enter__(self) -> WorkerEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def identity(self) -> str:
        return self._module.identity()

    def voices(self) -> list[VoiceInfo]:
        # An engine that can list its voices without starting (Piper reads files) does so here.
        light = getattr(self._module, "list_voices", None)
        reply = light() if light else self._call(("voices",), timeout=self.timeout)
        return [
            VoiceInfo(
                v["id"], v["name"], tuple(v["languages"]), v["gender"], engine=self.engine,
                quality=v.get("quality"), sample_rate=v.get("sample_rate"),
                speakers=tuple(v.get("speakers", ())), accent=v.get("accent"),
                alike=tuple(v.get("alike", ())),
            )
            for v in reply
        ]  # fmt: skip

    def pace(self, voice: Voice) -> float:
        if voice.rate:
            return float(voice.rate)
        key = voice.model_dump_json()
        if key not in self._paces:
            self._paces[key] = float(
                self._call(("pace", voice.model_dump()), timeout=self.timeout * 3)
            )
        return self._paces[key]

    def synthesize(self, text: str, voice: Voice) -> Speech:
        low, high = plausible_seconds(text, self.pace(voice))
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

    def _allowance(self, text: str, voice: Voice) -> float:
        """How long speaking TEXT may take before the worker counts as hung: the timeout, plus
        the longest plausible speech at the engine's speed (twice over, for a busy machine:
        Kokoro makes 1.5 s of speech a second, and a long paragraph is a minute of its work),
        plus, on a voice's first use by this worker, the engine's warm-up (a model loaded, a
        rate's speed measured)."""
        _, longest = plausible_seconds(text, self.pace(voice))
        allowance = self.timeout + 2 * longest / getattr(self._module, "REAL_TIME", 100.0)
        if voice.model_dump_json() not in self._warm:
            allowance += getattr(self._module, "WARM_UP_S", 0.0)
        return allowance

    def _speak(self, text: str, voice: Voice) -> Speech:
        self._counter += 1
        wav = Path(self._tmpdir.name) / f"u{self._counter}.wav"
        timeout = self._allowance(text, voice)
        try:
            spans = self._call(("synth", text, voice.model_dump(), str(wav)), timeout=timeout)
            self._warm.add(voice.model_dump_json())
            speech = _read_wav(wav)
            if spans:
                speech = Speech(speech.pcm, speech.sample_rate, tuple(map(tuple, spans)))
            return speech
        finally:
            with contextlib.suppress(OSError):  # what is left goes with the folder (close)
                wav.unlink(missing_ok=True)

    def _replace_worker(self) -> None:
        """A fresh worker, brought to the state the failed one was in before the failure.

        espeak-ng's output depends on what its process spoke before, so the new worker speaks
        this worker's utterances again (discarding the audio): the retried utterance then comes
        out exactly as it would have without the failure, and a render stays reproducible.
        """
        self._kill()
        if not getattr(self._module, "STATEFUL", True):
            return  # its output depends on the utterance alone (Piper): nothing to replay
        for text, voice in self._history:
            self._speak(text, voice)

    def close(self) -> None:
        if self._process is not None:
            # The pipe is there whenever the process is (both made in _start); a dead one is
            # what the suppress is for.
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
        process = self._ctx.Process(
            target=_worker_main, args=(child, env, self._module_name), daemon=True
        )
        try:
            process.start()
        except OSError as exc:
            if exc.errno in (errno.ENOMEM, errno.EAGAIN):  # no process to be had
                hint = "free some memory, or fewer --jobs, and run again"
            else:  # its temporary folder, or the fork server's socket in it
                hint = f"check that the temporary folder {tempfile.gettempdir()} is writable "
                hint += "(or set TMPDIR to one that is), and run again"
            raise ToolError(
                f"could not start the engine's worker ({(exc.strerror or str(exc)).lower()})",
                hint=hint,
            ) from None
        finally:
            child.close()
        self._process = process  # only once started: close() and _kill() join what is here
        self._conn = parent

    def _kill(self) -> None:
        self._warm.clear()  # a new worker loads its voices again
        if self._process is not None:
            self._process.kill()
            self._process.join()
        self._process = None

    def _call(self, request: tuple[Any, ...], timeout: float) -> Any:
        if self._process is None or not self._process.is_alive():
            self._start()
        assert self._conn is not None
        try:
            # The worker may be gone after saying why (it could not start): that is read below.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
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
            raise SetupError(payload)  # its library missing or broken: exit 2, what to do
        if status == "input":
            raise InputError(payload)
        if status != "ok":
            raise SpeechError(payload)
        return payload


def _preload() -> tuple[str, ...]:
    """What the fork server imports: every installed engine's module and its PRELOAD (engines by
    name, as they always were imported). One fork server serves every engine of a render, and
    the first worker to start sets it up."""
    preload: list[str] = []
    for name in engine_names():
        module = engine_module(name)
        if module.available():
            preload += [ENGINES[name], *module.PRELOAD]
    return tuple(preload)


def _worker_context(preload: tuple[str, ...]) -> Any:
    """How worker processes start: forked from a fork server where there is one, else spawned.

    Never forked from the render itself (its threads and open files would come along). The fork
    server has imported this module, the engine's and what it names in PRELOAD (pyttsx3 for
    espeak) but never started the engine, so every worker still begins from the engine's initial
    state, and starts in a few milliseconds instead of the 80 ms of a fresh interpreter
    (measured; that was 8% of a short chapter's synthesis). It imports the
    main script too ("__main__"): a worker would otherwise import it again, and the `audiobook`
    script imports the whole CLI.
    """
    if "forkserver" in multiprocessing.get_all_start_methods() and _socket_fits():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", __name__, *preload])
        return context
    return multiprocessing.get_context("spawn")


# The fork server listens on a Unix socket, TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX, and a socket's
# path holds at most 107 bytes on Linux (108 with its NUL; 104 on macOS): under a longer TMPDIR
# (a CI runner's, a cluster worker's scratch folder) it could not start at all, and the workers
# are spawned instead: slower to start, the same audio.
SOCKET_PATH_MAX = 103


def _socket_fits() -> bool:
    listener = os.path.join(multiprocessing.util.get_temp_dir(), "listener-XXXXXXXX")
    return len(os.fsencode(listener)) <= SOCKET_PATH_MAX


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


def _worker_main(conn: Connection, env: dict[str, str] | None, module_name: str) -> None:
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
        backend = importlib.import_module(module_name).Backend()
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
            elif kind == "pace":
                conn.send(("ok", backend.pace(request[1])))
            elif kind == "synth":
                _, text, voice, path = request
                conn.send(("ok", backend.save(text, voice, path)))
        except ValueError as exc:
            conn.send(("input", str(exc)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
