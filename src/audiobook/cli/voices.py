"""voices and say: the voices the installed engines offer, and one of them tried on a few words."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from audiobook.cli.shared import DEFAULT_VOICES, JsonOpt, VoicesOpt, err, out, require_explicit
from audiobook.core.errors import InputError

if TYPE_CHECKING:
    from audiobook.core.audio import Speech


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
    rate: Annotated[
        int | None, typer.Option("--rate", min=80, max=450, help="Words per minute.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write it to a .wav (as spoken) or .mp3 (mastered) file."
        ),
    ] = None,
    play_it: Annotated[
        bool | None,
        typer.Option(
            "--play/--no-play",
            help="Play it (the default without -o; a player on PATH, or AUDIOBOOK_PLAYER).",
        ),
    ] = None,
    language: Annotated[str, typer.Option(help="For numbers, dates and heteronyms.")] = "en",
    voices: VoicesOpt = DEFAULT_VOICES,
) -> None:
    """Speak TEXT as a render would (lexicon, numbers, heteronyms), and play it.

    To try a voice, a word or a lexicon entry before a render."""
    if not text.strip():
        raise InputError(
            "nothing to say", hint='give a word or a sentence: audiobook say "Hermione"'
        )
    import tempfile

    from audiobook import engines
    from audiobook.cli.player import find_player, play
    from audiobook.core.config import Voice, load_cast
    from audiobook.engines.voices import resolve_voice, resolve_voices, voice_language
    from audiobook.pronunciation.lexicon import Lexicon
    from audiobook.pronunciation.spoken import spoken

    if output is not None and output.suffix.lower() not in (".wav", ".mp3"):
        raise InputError("the output must be a .wav or .mp3 file", path=output)
    player = find_player() if play_it or (play_it is None and output is None) else None
    if play_it and player is None:
        raise InputError(
            "no audio player found (ffplay, pw-play, paplay, aplay, afplay, play, mpv)",
            hint="install one, set AUDIOBOOK_PLAYER, or write a file with -o",
        )
    if output is None and player is None:
        output = Path("say.wav")
        err.print("audiobook: note: no audio player found: writing say.wav", markup=False)
    require_explicit(voices)
    written = load_cast(voices, engines.ENGINES)
    with contextlib.ExitStack() as stack:
        # Where the WAV to play goes (without -o), made first: a fault there costs no speech.
        work = None
        if player is not None and output is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="audiobook-say-")))
        engine = stack.enter_context(contextlib.closing(engines.create()))
        available = engine.voices()
        cast = resolve_voices(written, language, available, voices)
        chosen = cast.voices().get(voice)
        if chosen is None:  # an engine's voice id: the narrator's rate and volume, its engine
            loose = Voice(voice=voice, rate=written.narrator.rate, volume=written.narrator.volume)
            try:
                chosen = resolve_voice(loose, "narrator", language, available, "--voice")
            except InputError as exc:  # say where it was looked for, in both places
                named = ", ".join(cast.voices())
                raise InputError(
                    f"--voice {voice!r} is neither a voice of {voices} ({named}) nor an "
                    f"engine's voice ({exc.message.split('; ', 1)[0].rsplit(': ', 1)[-1]})",
                    hint=exc.hint or "`audiobook voices` lists the engines' voices",
                ) from None
        if rate is not None:
            chosen = chosen.model_copy(update={"rate": rate})
        dialect = voice_language(chosen, available)
        said = spoken(text, language, Lexicon(cast.lexicon), {voice}, dialect)
        speech = engine.synthesize(said, chosen)
        pace = rate or engine.pace(chosen)
        heard = output if output is not None else work / "say.wav" if work else None
        if heard is not None:
            _write_speech(speech, heard, cast.output.profile)
        err.print(
            f"said {said!r} with {chosen.engine} {chosen.voice} at {pace:.0f} wpm"
            + (f": {output}" if output is not None else ""),
            markup=False,
        )
        if player is not None and heard is not None:
            play(heard, player)


def _write_speech(speech: Speech, output: Path, profile: str) -> None:
    """SPEECH as a WAV (as spoken) or an MP3 (mastered with PROFILE), written atomically."""
    import tempfile
    import wave

    from audiobook.core.audio import Pause
    from audiobook.core.files import atomic_write
    from audiobook.mastering.loudness import master_to_mp3
    from audiobook.mastering.profiles import PROFILES
    from audiobook.mastering.stitch import stitch

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
                master_to_mp3(stitched, PROFILES[profile], tmp)
