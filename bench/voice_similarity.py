"""Benchmark: how alike the 28 English Kokoro-82M voices sound, from their spectra and pitch.

The same passage of ordinary prose (Pride and Prejudice, chapter 3, from its first paragraph,
whole sentences until --words words, 150, are reached) is spoken by every English Kokoro voice
(af_*, am_* in "en-us", bf_*, bm_* in "en-gb"), sentence by sentence, at speed 1.0, with one
ONNX Runtime thread. Each sentence's edge silence is trimmed (frames 40 dB below its loudest)
and the sentences are joined with no gap, so the timing is the voice's own.

Per voice, on 32 ms frames every 10 ms:

- voiced frames: within 35 dB of the loudest frame and periodic (the normalised cross-correlation
  of the frame with itself peaks at 0.6 or more between 50 and 500 Hz); F0 from the shortest lag
  whose peak is within 10 % of the best (against octave errors);
- timbre: the mean of MFCC 1-19 (Hann window, 40 mel bands 50 Hz - 8 kHz, DCT-II of the log
  band energies; c0, the level, left out) over the voiced frames;
- pitch: the median of log F0 over the voiced frames.

Each feature is standardised over the 28 voices (z-scores: every coefficient weighs the same,
and what all voices share drops out). The distance between two voices gives timbre and pitch
the same weight:

    distance = sqrt((timbre^2 + pitch^2) / 2)
    timbre = Euclidean distance of the z-scored MFCC means / sqrt(19)
    pitch = difference of the z-scored log median F0s

(about 1.4 for two voices drawn at random from a Gaussian cloud; 0 for identical features).
For scale, each voice is also measured against itself: the first half of its audio against the
second ("self", the distance that the measure's own noise gives). Checks reported alongside:
the pitch difference in semitones; "mel", the cosine distance of the z-scored mean log-mel
spectra (level removed) alone; and "style", the cosine distance of the voice files' style vectors
(rows averaged), the model's side, not heard. Per voice: words per minute (passage words over the
trimmed audio), RMS level in dBFS over the active frames (within 40 dB of the loudest), peak, F0.

Pairs at most --threshold apart are proposed as "sounds alike"; by default the threshold sits in
the widest relative gap between consecutive distances among the 20 closest pairs.

Run with the project's venv (the `kokoro` extra; about 20 minutes of synthesis on one core, 40 s a
voice):

    .venv/bin/python bench/voice_similarity.py [--model M] [--voices-dir D] [--out J]
        [--wav-dir W] [--words N] [--threshold T] [--show N]

--wav-dir keeps each voice's audio there, as float32 .npy (reused by the next run: the analysis
alone takes seconds) and as a 16-bit WAV to listen to (clipped at full scale, which the model's
output can exceed: see the peaks). --out gets every pairwise distance, each voice's figures and
the proposal as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
import wave
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "pride-and-prejudice.txt"
DEFAULT_VOICES = ROOT / "src" / "audiobook" / "engines" / "kokoro_data" / "voices"  # shipped
DEFAULT_OUT = Path("voice-similarity.json")
RATE = 24000
MAX_TOKENS = 510
FRAME = 768  # 32 ms
HOP = 240  # 10 ms
NFFT = 1024
MELS = 40
MEL_RANGE = (50.0, 8000.0)
MFCCS = 19
F0_RANGE = (50.0, 500.0)
VOICING = 0.6
VOICED_DB = 35.0
ACTIVE_DB = 40.0
GAP_AMONG = 20  # where the default threshold is looked for: the closest pairs

Array = NDArray[np.float64]
_HEADING = re.compile(r"^\s*chapter\s+([0-9]+)\b", re.IGNORECASE)
# After . ! ? (and a closing quote), but not after a title such as "Mr." or "Mrs."
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"”]))(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)\s+"
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")


def passage(words: int, path: Path = BOOK, chapter: int = 3) -> list[str]:
    """The first sentences of CHAPTER, whole, until they hold at least WORDS words."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if (m := _HEADING.match(line)) and m[1] == str(chapter)
    )
    end = next((i for i in range(start + 1, len(lines)) if _HEADING.match(lines[i])), len(lines))
    text = " ".join(line.strip() for line in lines[start + 1 : end] if line.strip())
    text = text.replace("_", "").replace("--", ", ")
    sentences, count = [], 0
    for sentence in _SENTENCE_END.split(text):
        sentences.append(sentence)
        count += word_count(sentence)
        if count >= words:
            break
    return sentences


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def language(voice: str) -> str:
    return "en-gb" if voice.startswith("b") else "en-us"


# --- synthesis --------------------------------------------------------------------------------


class Kokoro:
    """The ONNX model on one thread, and kokoro-onnx's tokenizer."""

    def __init__(self, model: Path) -> None:
        import onnxruntime as ort
        from kokoro_onnx.tokenizer import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer()
        self._tokens: dict[tuple[str, str], list[list[int]]] = {}

    def tokens(self, sentence: str, lang: str) -> list[list[int]]:
        """The sentence's token batches (more than one only past the model's context)."""
        from kokoro_onnx.chunker import split_phonemes

        key = (sentence, lang)
        if key not in self._tokens:
            phonemes = self.tokenizer.phonemize(sentence, lang)
            self._tokens[key] = [
                self.tokenizer.tokenize(batch) for batch in split_phonemes(phonemes, MAX_TOKENS)
            ]
        return self._tokens[key]

    def speak(self, voice: NDArray[np.float32], tokens: list[int]) -> NDArray[np.float32]:
        feed = {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": voice[len(tokens) - 1],
            "speed": np.array([1.0], dtype=np.float32),
        }
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32).ravel()


def load_voice(path: Path) -> NDArray[np.float32]:
    return np.fromfile(path, dtype="<f4").reshape(-1, 1, 256)


def trim(audio: NDArray[np.float32]) -> NDArray[np.float32]:
    """AUDIO without the frames at its edges that are ACTIVE_DB below its loudest frame."""
    power = frame_power(audio.astype(np.float64))
    loud = np.flatnonzero(power >= power.max() * 10 ** (-ACTIVE_DB / 10))
    if loud.size == 0:
        return audio
    return audio[loud[0] * HOP : min(len(audio), loud[-1] * HOP + FRAME)]


def synthesise(kokoro: Kokoro, voice: Path, sentences: list[str]) -> NDArray[np.float32]:
    style = load_voice(voice)
    lang = language(voice.stem)
    parts = [
        trim(kokoro.speak(style, batch))
        for sentence in sentences
        for batch in kokoro.tokens(sentence, lang)
    ]
    return np.concatenate(parts)


def write_wav(path: Path, audio: NDArray[np.float32]) -> None:
    pcm = np.clip(np.rint(audio * 32767.0), -32767, 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


# --- analysis ---------------------------------------------------------------------------------


def frames(audio: Array) -> Array:
    """Overlapping FRAME-long frames every HOP samples (the tail zero-padded)."""
    count = max(1, 1 + math.ceil((len(audio) - FRAME) / HOP))
    padded = np.zeros((count - 1) * HOP + FRAME)
    padded[: len(audio)] = audio
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return np.asarray(padded[index])


def frame_power(audio: Array) -> Array:
    return np.asarray(np.mean(frames(audio) ** 2, axis=1) + 1e-12)


def mel_filters() -> Array:
    """A (MELS, NFFT/2+1) bank of triangular filters, equally spaced on the mel scale."""

    def mel(hz: Array) -> Array:
        return np.asarray(2595.0 * np.log10(1.0 + hz / 700.0))

    def hz(m: Array) -> Array:
        return np.asarray(700.0 * (10 ** (m / 2595.0) - 1.0))

    low_mel, high_mel = mel(np.array(MEL_RANGE))
    edges = hz(np.linspace(float(low_mel), float(high_mel), MELS + 2))
    bins = np.fft.rfftfreq(NFFT, 1.0 / RATE)
    bank = np.zeros((MELS, bins.size))
    for i in range(MELS):
        low, mid, high = edges[i : i + 3]
        rising = (bins - low) / (mid - low)
        falling = (high - bins) / (high - mid)
        bank[i] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


def dct_matrix(n: int) -> Array:
    """The orthonormal DCT-II as an (n, n) matrix: MFCCs are it times the log-mel column."""
    k = np.arange(n)[:, None]
    m = np.arange(n)[None, :]
    basis = np.cos(np.pi * k * (2 * m + 1) / (2 * n)) * math.sqrt(2.0 / n)
    basis[0] /= math.sqrt(2.0)
    return np.asarray(basis)


def periodicity(framed: Array) -> tuple[Array, Array]:
    """Each frame's normalised cross-correlation peak in the F0 range, and its F0 in Hz."""
    width = framed.shape[1]
    lags = np.arange(int(RATE / F0_RANGE[1]), int(RATE / F0_RANGE[0]) + 1)
    spectrum = np.fft.rfft(framed, 2 * NFFT)
    auto = np.fft.irfft(np.abs(spectrum) ** 2)[:, lags]
    energy = np.cumsum(framed**2, axis=1)
    head = energy[:, width - 1 - lags]  # x[0 : width - lag]
    tail = energy[:, -1:] - np.concatenate([np.zeros((len(framed), 1)), energy], axis=1)[:, lags]
    nccf = auto / np.sqrt(head * tail + 1e-20)
    best = nccf.max(axis=1)
    local = np.zeros(nccf.shape, dtype=bool)
    local[:, 1:-1] = (nccf[:, 1:-1] >= nccf[:, :-2]) & (nccf[:, 1:-1] >= nccf[:, 2:])
    near_best = local & (nccf >= 0.9 * best[:, None])
    chosen = np.where(near_best.any(axis=1), near_best.argmax(axis=1), nccf.argmax(axis=1))
    return best, RATE / lags[chosen]


def features(audio: NDArray[np.float32]) -> dict[str, Array]:
    """The voiced frames' timbre (MFCC 1-19 means), log median F0 and log-mel shape."""
    framed = frames(audio.astype(np.float64))
    power = np.mean(framed**2, axis=1) + 1e-12
    strength, f0 = periodicity(framed)
    voiced = (power >= power.max() * 10 ** (-VOICED_DB / 10)) & (strength >= VOICING)
    if voiced.sum() < 10:
        raise RuntimeError("too few voiced frames to analyse")
    energy = np.abs(np.fft.rfft(framed[voiced] * np.hanning(FRAME), NFFT)) ** 2
    log_mel = 10 * np.log10(energy @ mel_filters().T + 1e-10)
    shape = log_mel.mean(axis=0)
    return {
        "timbre": (log_mel @ dct_matrix(MELS).T)[:, 1 : MFCCS + 1].mean(axis=0),
        "pitch": np.array([np.median(np.log(f0[voiced]))]),
        "shape": shape - shape.mean(),
    }


def levels(audio: NDArray[np.float32], words: int) -> dict[str, float]:
    """Words per minute, RMS over the active frames and peak, both in dBFS."""
    x = audio.astype(np.float64)
    power = frame_power(x)
    active = power >= power.max() * 10 ** (-ACTIVE_DB / 10)
    seconds = len(x) / RATE
    return {
        "audio_s": round(seconds, 2),
        "wpm": round(words * 60.0 / seconds, 1),
        "rms_dbfs": round(10 * math.log10(float(np.mean(power[active]))), 2),
        "peak_dbfs": round(20 * math.log10(max(float(np.max(np.abs(x))), 1e-9)), 2),
    }


class Scale:
    """Z-scores of each feature, with the mean and deviation of the voices' own."""

    def __init__(self, voices: list[dict[str, Array]]) -> None:
        self.mean = {k: np.mean([v[k] for v in voices], axis=0) for k in voices[0]}
        self.std = {k: np.std([v[k] for v in voices], axis=0) + 1e-12 for k in voices[0]}

    def rows(self, voices: list[dict[str, Array]], key: str) -> Array:
        return np.array([(v[key] - self.mean[key]) / self.std[key] for v in voices])


def rms_distances(a: Array, b: Array) -> Array:
    """Euclidean distances between the rows of A and of B, over the root of their width."""
    diff = a[:, None, :] - b[None, :, :]
    return np.asarray(np.sqrt(np.sum(diff**2, axis=2) / a.shape[1]))


def cosine_distances(rows: Array) -> Array:
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(np.clip(1.0 - unit @ unit.T, 0.0, 2.0))


def distances(scale: Scale, a: list[dict[str, Array]], b: list[dict[str, Array]]) -> Array:
    """The main distance (timbre and pitch alike) between each voice in A and each in B."""
    timbre = rms_distances(scale.rows(a, "timbre"), scale.rows(b, "timbre"))
    pitch = rms_distances(scale.rows(a, "pitch"), scale.rows(b, "pitch"))
    return np.asarray(np.sqrt((timbre**2 + pitch**2) / 2))


def widest_gap(values: list[float]) -> float:
    """A threshold in the widest relative gap between consecutive sorted VALUES."""
    ordered = sorted(values)
    ratios = [ordered[i + 1] / max(ordered[i], 1e-12) for i in range(len(ordered) - 1)]
    i = int(np.argmax(ratios))
    return math.sqrt(ordered[i] * ordered[i + 1])


# --- report -----------------------------------------------------------------------------------


def report(result: dict[str, Any], shown: int) -> None:
    voices, pairs = result["voices"], result["pairs"]
    threshold = result["threshold"]
    print(f"\n{len(voices)} voices, {result['words']} words; closest {shown} pairs:")
    print(f"{'#':>3} {'pair':<26} {'dist':>6} {'timbre':>6} {'semit':>6} {'mel':>6} {'style':>6}")
    for rank, pair in enumerate(pairs[:shown], 1):
        mark = "  alike" if pair["distance"] <= threshold else ""
        print(
            f"{rank:>3} {pair['a'] + ' / ' + pair['b']:<26} {pair['distance']:>6.3f} "
            f"{pair['timbre']:>6.3f} {pair['semitones']:>6.1f} {pair['mel']:>6.3f} "
            f"{pair['style']:>6.3f}{mark}"
        )
    head = f"{'voice':<12} {'nearest':<12} {'dist':>6} {'self':>6} {'wpm':>6} {'rms dB':>7}"
    print(f"\n{head} {'peak dB':>8} {'F0 Hz':>6}")
    for name, v in voices.items():
        print(
            f"{name:<12} {v['nearest']:<12} {v['nearest_distance']:>6.3f} {v['self']:>6.3f} "
            f"{v['wpm']:>6.1f} {v['rms_dbfs']:>7.1f} {v['peak_dbfs']:>8.1f} {v['f0_hz']:>6.0f}"
        )
    selfs = sorted(v["self"] for v in voices.values())
    print(f"\nself (half against half): median {selfs[len(selfs) // 2]:.3f}, max {selfs[-1]:.3f}")
    print(f"threshold {threshold:.3f}; sounds alike:", *result["alike"] or ["none"])
    ranks = {(p["a"], p["b"]): i for i, p in enumerate(pairs, 1)}
    print(f"candidates (rank of {len(pairs)} pairs):")
    for a, b in result["candidates"]:
        i = ranks.get((a, b)) or ranks[(b, a)]
        p = pairs[i - 1]
        print(
            f"  {a} / {b}: rank {i}, distance {p['distance']:.3f} (timbre {p['timbre']:.3f}, "
            f"{p['semitones']:.1f} semitones)"
        )


CANDIDATES = [("bm_daniel", "bm_lewis"), ("af_kore", "af_nova"), ("af_heart", "bf_lily")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="default: the model the engine assembles")
    parser.add_argument("--voices-dir", type=Path, default=DEFAULT_VOICES)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON written")
    parser.add_argument("--wav-dir", type=Path, help="keep the audio here and reuse it")
    parser.add_argument("--words", type=int, default=150, help="passage length, whole sentences")
    parser.add_argument("--threshold", type=float, help="distance for 'sounds alike'")
    parser.add_argument("--show", type=int, default=20, help="closest pairs printed")
    args = parser.parse_args()

    sentences = passage(args.words)
    words = sum(word_count(s) for s in sentences)
    paths = sorted(args.voices_dir.glob("[ab][fm]_*.bin"))
    if not paths:
        parser.error(f"no English voices in {args.voices_dir}")
    if args.wav_dir:
        args.wav_dir.mkdir(parents=True, exist_ok=True)
    if args.model is None:
        from audiobook.engines.kokoro_model import model_path

        args.model = model_path()
    kokoro: Kokoro | None = None
    figures: dict[str, dict[str, Any]] = {}
    whole, first, second = [], [], []
    for path in paths:
        kept = args.wav_dir / f"{path.stem}.npy" if args.wav_dir else None
        started = time.perf_counter()
        if kept is not None and kept.exists():
            audio = np.load(kept)
        else:
            kokoro = kokoro or Kokoro(args.model)
            audio = synthesise(kokoro, path, sentences)
            if kept is not None:
                np.save(kept, audio)
                write_wav(kept.with_suffix(".wav"), audio)
        figures[path.stem] = levels(audio, words)
        whole.append(features(audio))
        first.append(features(audio[: len(audio) // 2]))
        second.append(features(audio[len(audio) // 2 :]))
        figures[path.stem]["f0_hz"] = round(float(np.exp(whole[-1]["pitch"][0])), 1)
        print(f"  {path.stem}: {len(audio) / RATE:.1f} s ({time.perf_counter() - started:.1f} s)")

    names = list(figures)
    scale = Scale(whole)
    main_distance = distances(scale, whole, whole)
    timbre = rms_distances(scale.rows(whole, "timbre"), scale.rows(whole, "timbre"))
    pitch = np.array([v["pitch"][0] for v in whole])
    mel = cosine_distances(scale.rows(whole, "shape"))
    styles = np.array([load_voice(p).reshape(-1, 256).mean(axis=0) for p in paths], np.float64)
    style = cosine_distances(styles)
    halves = np.diag(distances(scale, first, second))
    pairs: list[dict[str, Any]] = sorted(
        (
            {
                "a": names[i],
                "b": names[j],
                "distance": round(float(main_distance[i, j]), 4),
                "timbre": round(float(timbre[i, j]), 4),
                "semitones": round(float(abs(pitch[i] - pitch[j]) * 12 / math.log(2)), 2),
                "mel": round(float(mel[i, j]), 4),
                "style": round(float(style[i, j]), 4),
            }
            for i, j in combinations(range(len(names)), 2)
        ),
        key=lambda p: p["distance"],
    )
    threshold = args.threshold or widest_gap([p["distance"] for p in pairs[:GAP_AMONG]])
    for i, name in enumerate(names):
        nearest = min((j for j in range(len(names)) if j != i), key=lambda j: main_distance[i, j])
        figures[name]["nearest"] = names[nearest]
        figures[name]["nearest_distance"] = round(float(main_distance[i, nearest]), 4)
        figures[name]["self"] = round(float(halves[i]), 4)
    result = {
        "method": "distance = sqrt((timbre^2 + pitch^2) / 2) over voiced frames; timbre: "
        "z-scored MFCC 1-19 means, RMS-scaled Euclidean; pitch: z-scored log median F0; "
        "self: first half against second half of the same voice (see the script's docstring)",
        "model": str(args.model),
        "passage": " ".join(sentences),
        "words": words,
        "threshold": round(threshold, 4),
        "alike": [f"{p['a']}/{p['b']}" for p in pairs if p["distance"] <= threshold],
        "candidates": CANDIDATES,
        "voices": figures,
        "pairs": pairs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    report(result, args.show)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
