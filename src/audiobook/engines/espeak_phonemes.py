"""eSpeak NG's phonemes for text, in this process: how a word will be said (the phonemes every
engine here starts from: eSpeak NG speaks them, Piper and Kokoro phonemise with espeak-ng), and
whether its dictionary knows the word or guesses it by its spelling rules.

libespeak-ng is called directly through ctypes (espeak_TextToPhonemes), with no audio: it is
fast (a word in about 0.1 ms) and needs no worker process. Whether a word is in the dictionary
comes from espeak-ng's own trace (as `espeak-ng -X` prints it): "Found: 'read' [ri:d]" for a
dictionary word, "Translate 'bennet'" for one its rules spell out, read from a stream in memory
(open_memstream: Linux and macOS). Light at import.
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass
from typing import Any

from audiobook.engines.espeak import _espeak_library_path

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_PHONEMES_SHOW = 0x01  # the phonemes spoken, as mnemonics
_PHONEMES_IPA = 0x02
_PHONEMES_TRACE = 0x08
_PHONEMES_INPUT = 0x100  # espeakPHONEMES: [[...]] in the text are phoneme mnemonics
_lock = threading.Lock()
# The audio of spoken_phonemes, thrown away: eSpeak NG synthesises nothing without a callback.
_DISCARD = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
    lambda wav, samples, events: 0
)
_state: dict[str, Any] = {}


@dataclass(frozen=True)
class Said:
    """How eSpeak NG says one word: its IPA, and whether its dictionary has it."""

    ipa: str
    known: bool


def _library() -> Any:
    """libespeak-ng, initialised once for phonemes only (no audio device)."""
    if "lib" not in _state:
        path = _espeak_library_path() or "libespeak-ng.so.1"
        lib = ctypes.CDLL(path)
        data = None
        try:
            import espeakng_loader

            if os.path.samefile(path, espeakng_loader.get_library_path()):
                data = espeakng_loader.get_data_path().encode()
        except (ImportError, OSError):
            pass
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        if lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0) < 0:
            raise RuntimeError("eSpeak NG could not be initialised")
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int
        ]  # fmt: skip
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetPhonemeTrace.argtypes = [ctypes.c_int, ctypes.c_void_p]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        _state["lib"] = lib
        _state["voice"] = None
    return _state["lib"]


def _set_language(lib: Any, language: str) -> None:
    name = language.lower().replace("_", "-")
    if _state["voice"] == name:
        return
    for candidate in (name, name.split("-")[0]):
        if lib.espeak_SetVoiceByName(candidate.encode()) == 0:
            _state["voice"] = name
            return
    raise ValueError(f"eSpeak NG has no voice for language {language!r}")


def _phonemes(lib: Any, text: str, mode: int) -> str:
    buffer = ctypes.c_char_p(text.encode("utf-8"))
    pieces = []
    while buffer.value:
        out = lib.espeak_TextToPhonemes(ctypes.byref(buffer), _CHARS_UTF8, mode)
        if out:
            pieces.append(out.decode("utf-8", "replace"))
    return " ".join(p for p in pieces if p)


def phonemes(text: str, language: str = "en-us") -> str:
    """TEXT's phonemes as eSpeak NG says them in LANGUAGE, in IPA (words spaced, clauses too)."""
    with _lock:
        lib = _library()
        _set_language(lib, language)
        return _phonemes(lib, text, _PHONEMES_IPA)


class _Trace:
    """eSpeak NG's trace, kept in memory (a C stream from open_memstream): nothing is written
    to disk, and each read gives what was traced since the last."""

    def __init__(self) -> None:
        self._libc = libc = ctypes.CDLL(None)
        libc.open_memstream.restype = ctypes.c_void_p
        libc.open_memstream.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        libc.fflush.argtypes = [ctypes.c_void_p]
        libc.fclose.argtypes = [ctypes.c_void_p]
        libc.free.argtypes = [ctypes.c_void_p]
        self._buffer, self._size = ctypes.c_void_p(), ctypes.c_size_t()
        self.stream = libc.open_memstream(ctypes.byref(self._buffer), ctypes.byref(self._size))
        if not self.stream:
            raise MemoryError("no memory for eSpeak NG's trace")
        self._seen = 0

    def read(self) -> str:
        self._libc.fflush(self.stream)  # the buffer and its size are current after a flush
        size = self._size.value
        text = ctypes.string_at((self._buffer.value or 0) + self._seen, size - self._seen)
        self._seen = size
        return text.decode("utf-8", "replace")

    def close(self) -> None:
        self._libc.fclose(self.stream)
        self._libc.free(self._buffer)


def say_words(words: list[str], language: str = "en-us") -> dict[str, Said]:
    """How eSpeak NG says each of WORDS on its own in LANGUAGE, and whether its dictionary
    knows it (the trace's "Found:") or its rules spell it out ("Translate")."""
    out: dict[str, Said] = {}
    with _lock:
        lib = _library()
        _set_language(lib, language)
        trace = _Trace()
        lib.espeak_SetPhonemeTrace(_PHONEMES_TRACE, trace.stream)
        try:
            for word in dict.fromkeys(words):
                ipa = _phonemes(lib, word, _PHONEMES_IPA)
                said = trace.read()
                out[word] = Said(ipa, "Found: " in said and "Translate " not in said)
        finally:
            lib.espeak_SetPhonemeTrace(0, None)
            trace.close()
    return out


def spoken_phonemes(text: str, language: str = "en-us", phoneme_input: bool = False) -> str:
    """The phonemes eSpeak NG speaks for TEXT, as its mnemonics (what `espeak-ng -x` prints):
    TEXT is synthesised (the audio is thrown away) with its phoneme trace on, so `[[...]]`
    mnemonics (PHONEME_INPUT) are read as a render reads them."""
    encoded = text.encode("utf-8")
    with _lock:
        lib = _library()
        _set_language(lib, language)
        trace = _Trace()
        lib.espeak_SetPhonemeTrace(_PHONEMES_SHOW, trace.stream)
        try:
            flags = _CHARS_UTF8 | (_PHONEMES_INPUT if phoneme_input else 0)
            lib.espeak_SetSynthCallback(_DISCARD)
            status = lib.espeak_Synth(encoded, len(encoded) + 1, 0, 1, 0, flags, None, None)
            if status != 0:
                raise RuntimeError(f"eSpeak NG could not synthesise (status {status})")
            return " ".join(trace.read().split())
        finally:
            lib.espeak_SetPhonemeTrace(0, None)
            trace.close()
