"""The reference the engine is held to: the same text spoken the way the `espeak-ng` command line
speaks it (`espeak-ng -v VOICE -s RATE -w out.wav TEXT`).

The command line is used when it is installed and the engine speaks with the system's library
(the command line's own). Otherwise the library the engine loads (AUDIOBOOK_ESPEAK: the bundled
one, or the one named) is called the way the command line calls it: synchronous mode, the whole
text in one call, with its real size (the command line's own code path, without pyttsx3). It runs
in a child process, so that a crash in the library would show as a failure and not take the
tests down.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from audiobook.engines.espeak import ESPEAK_ENV

_CHILD = r"""
import ctypes, sys, time
from audiobook.engines.espeak import load_espeak_library
load_espeak_library()
lib = ctypes.CDLL("libespeak-ng.so.1")
start = time.perf_counter()
voice, rate, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(path, encoding="utf-8").read().encode("utf-8")
sample_rate = lib.espeak_Initialize(2, 0, None, 0)  # AUDIO_OUTPUT_SYNCHRONOUS
lib.espeak_SetVoiceByName(voice.encode())
lib.espeak_SetParameter(1, rate, 0)  # espeakRATE
count = [0]
out = open(sys.argv[4], "wb") if len(sys.argv) > 4 else None
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
def on_audio(wav, samples, events):
    if samples > 0:
        count[0] += samples
        if out:
            out.write(ctypes.string_at(wav, samples * 2))
    return 0
callback = CALLBACK(on_audio)
lib.espeak_SetSynthCallback(callback)
# espeakCHARS_UTF8 | espeakENDPAUSE, as the command line passes them.
lib.espeak_Synth(text, len(text) + 1, 0, 1, 0, 1 | 0x1000, None, None)
lib.espeak_Synchronize()
if out:
    out.close()
# Seconds of speech, and the seconds the library took from its start to the end of the text.
print(count[0] / sample_rate, time.perf_counter() - start)
"""


def _command_line() -> str | None:
    """espeak-ng's command line, if it speaks with the library the engine loads."""
    if os.environ.get(ESPEAK_ENV, "").strip() not in ("", "system"):
        return None  # the bundled library, or one named: the command line's is another
    return shutil.which("espeak-ng")


def speak_to_wav(text_file: Path, voice: str, rate: int, wav: Path) -> float | None:
    """`espeak-ng -v VOICE -s RATE -w WAV -f TEXT_FILE`, or the library the same way.

    Returns, for the library, how long it took without starting Python (None for the CLI).
    """
    cli = _command_line()
    if cli:
        cmd = [cli, "-v", voice, "-s", str(rate), "-w", str(wav), "-f", str(text_file)]
        subprocess.run(cmd, check=True)
        return None
    raw = wav.with_suffix(".raw")
    cmd = [sys.executable, "-c", _CHILD, voice, str(rate), str(text_file), str(raw)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(raw.read_bytes())
    raw.unlink()
    return float(done.stdout.split()[1])


def reference_seconds(text: str, voice: str, rate: int) -> float:
    """How long espeak-ng's command line takes to say TEXT."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "text.txt"
        source.write_text(text, encoding="utf-8")
        cli = _command_line()
        if cli:
            out = Path(tmp) / "out.wav"
            subprocess.run(
                [cli, "-v", voice, "-s", str(rate), "-w", str(out), "-f", str(source)], check=True
            )
            with wave.open(str(out)) as wav:
                return wav.getnframes() / wav.getframerate()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, voice, str(rate), str(source)],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(done.stdout.split()[0])
