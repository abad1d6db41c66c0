"""voices and say: the voices the installed engines offer, and one of them tried on a few words."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from audiobook.cli.shared import DEFAULT_VOICES, JsonOpt, VoicesOpt, err, out, require_explicit
from audiobook.core.errors import InputError


def voices(as_json: JsonOpt = False) -> None:
    """List the voices of every installed engine (use an id or name in voices.toml)."""
    from audiobook import engines

    with contextlib.closing(engines.create()) as engine:
        found = engine.voices()
    if as_json:
        doc = [
            {
                "id": v.id, "name": v.name, "languages": list(v.languages), "gender": v.gender,
                "engine": v.engine, "quality": v.quality, "sample_rate": v.sample_rate,
                "speakers": list(v.speakers), "accent": v.accent, "alike": list(v.alike),
            }
            for v in found
        ]  # fmt: skip
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    table = Table(
        "engine", "id", "name", "languages", "quality", "Hz", "gender", "accent", "sounds like"
    )
    for v in found:
        table.add_row(
            v.engine, v.id, v.name, ", ".join(v.languages), v.quality or "",
            str(v.sample_rate or ""), v.gender or "", v.accent or "", ", ".join(v.alike),
        )  # fmt: skip
    out.print(table)


def say(
    text: Annotated[str, typer.Argument(help="What to say: a word, a name, a sentence.")],
    voice: Annotated[
        str, typer.Option("--voice", help="A voice of voices.toml, or an engine voice id.")
    ] = "narrator",
    output: Annotated[
        Path, typer.Option("-o", "--output", help="A .wav (as spoken) or .mp3 (mastered) file.")
    ] = Path("say.wav"),
    language: Annotated[str, typer.Option(help="For numbers and abbreviations.")] = "en",
    voices: VoicesOpt = DEFAULT_VOICES,
) -> None:
    """Speak TEXT with a voice, the lexicon and normalisation applied: to try a voice or a word."""
    import tempfile
    import wave

    from audiobook import engines
    from audiobook.core.audio import Pause
    from audiobook.core.config import Voice, load_cast
    from audiobook.core.files import atomic_write
    from audiobook.engines.voices import resolve_voice, resolve_voices
    from audiobook.mastering.loudness import master_to_mp3
    from audiobook.mastering.profiles import PROFILES
    from audiobook.mastering.stitch import stitch
    from audiobook.readers.textnorm import apply_lexicon, normalize

    require_explicit(voices)
    written = load_cast(voices, engines.ENGINES)
    if output.suffix.lower() not in (".wav", ".mp3"):
        raise InputError("the output must be a .wav or .mp3 file", path=output)
    with contextlib.closing(engines.create()) as engine:
        available = engine.voices()
        cast = resolve_voices(written, language, available, voices)
        chosen = cast.voices().get(voice)
        if chosen is None:  # an engine's voice id: the narrator's rate and volume, its engine
            loose = Voice(voice=voice, rate=written.narrator.rate, volume=written.narrator.volume)
            chosen = resolve_voice(loose, "narrator", language, available, "--voice")
        spoken = normalize(apply_lexicon(text, cast.lexicon), language)
        speech = engine.synthesize(spoken, chosen)
        pace = engine.pace(chosen)
    with atomic_write(output) as tmp:
        if output.suffix.lower() == ".wav":
            with wave.open(str(tmp), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(speech.sample_rate)
                wav.writeframes(speech.pcm)
        else:
            with tempfile.TemporaryDirectory() as work:
                stitched = stitch([Pause(500), speech, Pause(1000)], Path(work) / "say.raw")
                master_to_mp3(stitched, PROFILES[cast.output.profile], tmp)
    err.print(
        f"said {spoken!r} with {chosen.engine} {chosen.voice} at {pace:.0f} wpm: {output}",
        markup=False,
    )
