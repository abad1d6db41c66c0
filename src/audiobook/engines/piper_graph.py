"""Piper's noise held fixed: the model's random nodes made inputs, fed with seeded noise.

VITS draws Gaussian noise inside its graph (two RandomNormalLike nodes), so its syntheses differ
run to run, and onnxruntime.set_seed does not fix that. Here each such node becomes
Slice(noise_input, 0, Shape(x)), and the noise is drawn by numpy's PCG64 from a seed hashed from
what is said: the same distribution the model was trained with, the same bytes on every worker.
The patched model is kept in the cache folder, so only the first worker to load a voice imports
onnx (0.7 s). Heavy imports inside the functions.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiobook.core.files import sha256_bytes


@dataclass(frozen=True)
class NoiseInput:
    name: str  # the graph input that replaced a RandomNormalLike node
    channels: int  # the noise's second dimension: 2 in the duration predictor, 192 in the flow
    per_phoneme: bool  # its last dimension is the phoneme count (else the frame count)


PATCH_VERSION = 1  # of _noise_as_inputs: a change makes every patched model again


def patched_model(path: Path) -> tuple[bytes | str, list[NoiseInput]]:
    """The model with its noise as inputs: patched once and kept in the cache folder, so later
    workers load it directly (without importing onnx); patched in memory when the cache folder
    cannot be written."""
    from audiobook.core.cache import default_cache_dir

    stat = path.stat()
    key = _key(json.dumps([str(path), stat.st_size, stat.st_mtime_ns, PATCH_VERSION]))
    folder = default_cache_dir() / "piper-models"
    patched, spec = folder / f"{path.stem}-{key}.onnx", folder / f"{path.stem}-{key}.json"
    try:
        inputs = [NoiseInput(**i) for i in json.loads(spec.read_text(encoding="utf-8"))]
        if patched.is_file():
            return str(patched), inputs
    except (OSError, ValueError, TypeError):
        pass
    graph, inputs = _noise_as_inputs(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target, data in (
            (patched, graph),
            (spec, json.dumps([i.__dict__ for i in inputs]).encode()),
        ):
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
    except OSError:  # a full or read-only cache: this worker patched it in memory, and that is all
        pass
    return graph, inputs


def _noise_as_inputs(path: Path) -> tuple[bytes, list[NoiseInput]]:
    """The model with each RandomNormalLike(X) replaced by Slice(noise, 0, Shape(X)) from a new
    input: the graph computes the same thing, with noise we give it."""
    import onnx
    from onnx import TensorProto, helper

    graph_model = onnx.load(str(path))
    graph = graph_model.graph
    inputs: list[NoiseInput] = []
    nodes = list(graph.node)
    del graph.node[:]
    zero = helper.make_tensor("audiobook_noise_zero", TensorProto.INT64, [3], [0, 0, 0])
    graph.initializer.append(zero)
    for node in nodes:
        if node.op_type != "RandomNormalLike":
            graph.node.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("mean", 0.0) != 0.0 or attrs.get("scale", 1.0) != 1.0:
            raise ValueError(f"{path.name}: unexpected noise node {node.name}")
        n = len(inputs)
        name = f"audiobook_noise_{n}"
        # The duration predictor's noise comes first and is (1, 2, phonemes); the flow's prior
        # noise is (1, channels, frames). Which one a node is shows in its name ("/dp/").
        per_phoneme = "/dp/" in node.name
        channels = 2 if per_phoneme else _flow_channels(graph_model)
        graph.input.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, channels, None])
        )
        shape = f"{name}_shape"
        graph.node.append(helper.make_node("Shape", [node.input[0]], [shape]))
        graph.node.append(helper.make_node("Slice", [name, zero.name, shape], [node.output[0]]))
        inputs.append(NoiseInput(name, channels, per_phoneme))
    if len(inputs) != 2 or sum(i.per_phoneme for i in inputs) != 1:
        raise ValueError(f"{path.name}: not a Piper VITS voice (its noise nodes were not found)")
    return graph_model.SerializeToString(), inputs


def _flow_channels(model: Any) -> int:
    """The prior's channels: the decoder's input width, from the first ConvTranspose/Conv
    weights after the flow. Piper's VITS voices all use 192; read it to be sure."""
    for init in model.graph.initializer:
        if init.name.endswith("dec.conv_pre.weight") and len(init.dims) == 3:
            return int(init.dims[1])
    return 192


def seed_for(ids: list[int], scales: bytes, sid: int | None) -> int:
    digest = hashlib.sha256(
        json.dumps([ids, scales.hex(), sid], separators=(",", ":")).encode()
    ).digest()
    return int.from_bytes(digest[:8], "little")


def noise_feeds(inputs: list[NoiseInput], seed: int, phonemes: int, frames: int) -> dict[str, Any]:
    """Standard normal noise for each input, drawn time-major so that a longer draw starts with
    the shorter one: a retry with more frames changes nothing in the frames already covered."""
    import numpy as np

    feeds = {}
    for n, spec in enumerate(inputs):
        rng = np.random.Generator(np.random.PCG64([seed, n]))
        length = phonemes if spec.per_phoneme else frames
        noise = rng.standard_normal((length, spec.channels), dtype=np.float32)
        feeds[spec.name] = np.ascontiguousarray(noise.T)[np.newaxis]
    return feeds


def _key(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))[:32]
