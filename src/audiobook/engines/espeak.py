"""eSpeak NG through pyttsx3: the Backend a worker process drives, how to find the library, and
what voices.toml may say of its voices.

pyttsx3's espeak driver crashes the process on long text and can return before its WAV exists
(SPECS.md section 6): so it only ever runs inside a worker process (engines/worker.py), which
sends it one small utterance at a time. Completion is the engine's own finished-utterance
notification. Light imports only: the worker's fork server imports this module.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
import threading
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiobook.core.errors import InputError
from audiobook.core.phonemes import BLOCK, UnsayableIpa, ipa_to_espeak

if TYPE_CHECKING:
    from audiobook.core.config import Voice
    from audiobook.engines.interface import VoiceInfo

NAME = "espeak"
TITLE = "eSpeak NG"
INSTALL = "apt install libespeak-ng1, or pip install espeakng-loader"
MISSING_HINT = "check the installation"
ESPEAK_ENV = "AUDIOBOOK_ESPEAK"  # "bundled", "system", or the path of libespeak-ng
# Imported by the fork server ahead of any worker (it never starts espeak itself).
PRELOAD = ("pyttsx3",)
STATEFUL = True  # its output depends on what the process spoke before (engines/worker.py)
DEFAULT_RATE = 175  # words per minute: eSpeak NG's own
DEFAULT_PITCH = 50
SAMPLE_RATE = 22050  # what the driver writes
REAL_TIME = 100.0  # seconds of speech a second of one core makes, about (SPECS.md section 8)
WARM_UP_S = 0.0  # nothing to load


def available() -> bool:
    """pyttsx3 is a dependency of audiobook: always there."""
    return True


def identity() -> str:
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


def voice_names(info: VoiceInfo) -> tuple[str, ...]:
    """What a voice may be called in voices.toml: its id ("gmw/en-us"), its short form
    ("en-us"), its name or a language it speaks ("en-gb")."""
    return (info.id, info.short_id, info.name, *info.languages)


def voice_file(name: str, folder: Path) -> str | None:
    """Never: eSpeak NG's voices are its own, called by name."""
    return None


def offer(language: str) -> str | None:
    """Never needed: eSpeak NG is what reads a book that has no natural voice."""
    return None


def compose(name: str, engine_voices: Sequence[VoiceInfo]) -> str | None:
    """Never: eSpeak NG makes no voices of its voices."""
    return None


def settings(
    voice: Voice, where: str, engine_voices: Sequence[VoiceInfo], source: Path | str
) -> Voice:
    """VOICE with eSpeak NG's own rate and pitch where voices.toml gives none; it has no
    speakers."""
    if voice.speaker is not None:
        raise InputError(
            f"{where}.speaker: eSpeak NG voices have no speakers",
            path=source,
            hint="remove the key, or choose a multi-speaker Piper voice",
        )
    return voice.model_copy(
        update={
            "rate": voice.rate or DEFAULT_RATE,
            "pitch": DEFAULT_PITCH if voice.pitch is None else voice.pitch,
        }
    )


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
        try:
            ctypes.CDLL(wanted, mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            raise RuntimeError(
                f"{ESPEAK_ENV}={wanted!r} cannot be loaded ({exc}); point it at libespeak-ng "
                '(apt install libespeak-ng1), or set it to "bundled" (pip install espeakng-loader)'
            ) from None
        return
    try:
        import espeakng_loader
    except ImportError:
        return  # not Linux, or not installed: pyttsx3 finds its platform's engine itself
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()


class Backend:
    """pyttsx3 in this process. Only the worker process creates one."""

    def __init__(self, timeout: float = 120.0) -> None:
        load_espeak_library()
        import pyttsx3

        self.timeout = timeout
        try:
            self.engine = pyttsx3.init(_event_driven_espeak() or None)
        except Exception as exc:  # no library, or not eSpeak NG's: say what to install or set
            raise RuntimeError(
                f"eSpeak NG did not start ({exc}); install it ({INSTALL}), or set {ESPEAK_ENV} to "
                "the path of libespeak-ng"
            ) from None
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
            out.append(
                {
                    "id": v.id, "name": v.name, "languages": languages, "gender": v.gender,
                    "sample_rate": SAMPLE_RATE,
                }
            )  # fmt: skip
        return out

    def pace(self, voice: dict[str, Any]) -> float:
        return float(voice.get("rate") or DEFAULT_RATE)

    def save(self, text: str, voice: dict[str, Any], path: str) -> list[tuple[int, int]] | None:
        if voice != self._voice:
            self.engine.setProperty("voice", voice["voice"])
            self.engine.setProperty("rate", voice.get("rate") or DEFAULT_RATE)
            self.engine.setProperty("volume", voice["volume"])
            with contextlib.suppress(KeyError):  # not every driver has a pitch
                pitch = voice.get("pitch")
                self.engine.setProperty("pitch", DEFAULT_PITCH if pitch is None else pitch)
            self._voice = dict(voice)
        # espeak's own thread must be idle before runAndWait(): the driver's endLoop() cancels
        # whatever espeak is busy with, and property changes travel through espeak's queue too.
        # Without this, under load, an utterance is cut off half-way (measured).
        self._synchronize()
        self._done.clear()
        driver = getattr(self.engine.proxy, "_driver", None)
        starts = getattr(driver, "sentence_starts", None)
        if starts is not None:
            starts.clear()
        text, phoneme_input = for_espeak(text)
        if hasattr(driver, "phoneme_input"):
            driver.phoneme_input = phoneme_input  # type: ignore[union-attr]
        elif phoneme_input:
            raise RuntimeError("this pyttsx3 driver cannot be given phonemes")
        self.engine.save_to_file(text, path)
        # With the espeak driver, the first runAndWait() returns as soon as synthesis has
        # *started*, so the real end is the engine's finished-utterance notification.
        self.engine.runAndWait()
        if not self._done.wait(self.timeout):
            raise RuntimeError(f"no finished-utterance notification within {self.timeout:.0f} s")
        failed = getattr(driver, "save_error", None)
        if failed is not None:  # only our driver sets it (so driver is not None here)
            driver.save_error = None  # type: ignore[union-attr]
            raise failed
        if not self._completed:
            raise RuntimeError("the engine reported the utterance as not completed")
        self._synchronize()
        return _spans(starts, path)


def unsayable(ipa: str, voice: Voice) -> str | None:
    """The first symbol of IPA that eSpeak NG's English phoneme names have no match for."""
    try:
        ipa_to_espeak(ipa)
    except UnsayableIpa as exc:
        return exc.symbol
    return None


def for_espeak(text: str) -> tuple[str, bool]:
    """TEXT as eSpeak NG is given it, and whether it holds phonemes: each phoneme block
    (core/phonemes, IPA) as eSpeak NG's own mnemonics, which it reads inside [[...]] when told
    to (espeakPHONEMES)."""
    if not BLOCK.search(text):
        return text, False
    return BLOCK.sub(lambda m: f"[[{ipa_to_espeak(m.group(1))}]]", text), True


def _spans(starts_ms: list[int] | None, path: str) -> list[tuple[int, int]] | None:
    """Sentence spans in samples from espeak's sentence starts (ms): each runs to the next."""
    if not starts_ms:
        return None
    import wave

    with wave.open(path, "rb") as wav:
        total, rate = wav.getnframes(), wav.getframerate()
    starts = sorted({min(total, round(ms * rate / 1000)) for ms in starts_ms})
    if starts[0] > 0:
        starts[0] = 0  # what precedes the first sentence event is its lead-in
    ends = [*starts[1:], total]
    return [(a, b) for a, b in zip(starts, ends, strict=True) if b > a]


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

    from pyttsx3.drivers import _espeak

    class EventLoopEspeakDriver(espeak.EspeakDriver):
        _speaking: bool  # set by pyttsx3's driver: whether an utterance is being spoken

        def __init__(self, proxy: Any) -> None:
            self._ended = threading.Event()
            self.sentence_starts: list[int] = []  # ms into the utterance, from espeak's events
            self.save_error: BaseException | None = None  # the WAV could not be written
            self.phoneme_input = False  # the text holds [[...]] phoneme mnemonics
            super().__init__(proxy)

        def _start_synthesis(self, text: str) -> None:
            if not self.phoneme_input:
                return super()._start_synthesis(text)
            # The stock driver's steps, with eSpeak NG told to read [[...]] as phonemes.
            self._proxy.setBusy(True)
            self._proxy.notify("started-utterance")
            self._speaking = True
            self._audio = bytearray()  # the buffer, emptied (_data_buffer below)
            flags = _espeak.ENDPAUSE | _espeak.CHARS_UTF8 | _espeak.PHONEMES
            try:
                _espeak.Synth(str(text).encode("utf-8"), flags=flags)
            except Exception as e:
                self._proxy.setBusy(False)
                self._proxy.notify("error", exception=e)
                raise

        # espeak tells where each sentence starts in the audio (a SENTENCE event): kept for
        # captions. Only read here; the audio is gathered by the stock callback as before.
        def _onSynth(self, wav: Any, numsamples: int, events: Any) -> int:
            if self._speaking:
                i = 0
                while events[i].type != _espeak.EVENT_LIST_TERMINATED:
                    if events[i].type == _espeak.EVENT_SENTENCE:
                        self.sentence_starts.append(int(events[i].audio_position))
                    i += 1
            try:
                return super()._onSynth(wav, numsamples, events)
            except RuntimeError as exc:
                # The stock driver raises here when the WAV cannot be written (a full or
                # read-only temporary folder), inside espeak's callback: nothing would end the
                # utterance, and the worker would wait for it until its timeout. End it, and let
                # Backend.save raise what the disk said.
                self.save_error = exc.__context__ or exc
                self._speaking = False
                self._proxy.notify("finished-utterance", completed=False)
                self._proxy.setBusy(False)
                self.endLoop()
                return 0

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
    # pyttsx3 finds a driver by its module's buildDriver: a plain ModuleType has no such field.
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
