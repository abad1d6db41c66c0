"""Delivery profiles by name: the levels a decoded chapter must meet, and how it is encoded.

The registry of the mastering wing: `[output] profile` in voices.toml names one, mastering aims at
it, and `check` holds the rendered files to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """A delivery target: levels measured on the decoded file, and the encoding."""

    name: str
    rms_db: float  # the target; the decoded file lands within +/- 0.5 dB of it
    max_peak_db: float  # the decoded file's sample peak may not exceed this
    ceiling_db: float  # the limiter's ceiling: lower, because lossy encoding overshoots
    bitrate_kbps: int
    codec_loss_db: float  # measured: how much quieter the decoded file is than its input
    # Whether the encoder's input may stand for the decoded file when it is well inside the
    # profile: at 192 kbps MP3 moves levels by a steady 0.26 dB; at 64 kbps by up to 2 dB.
    trust_encoder: bool
    sample_rate: int = 44100
    channels: int = 1


PROFILES = {
    # ACX: RMS -23..-18 dBFS (aim -20), sample peak <= -3 dBFS on the decoded MP3, CBR 192k, 44.1k.
    "acx": Profile(
        "acx", rms_db=-20.0, max_peak_db=-3.0, ceiling_db=-3.5, bitrate_kbps=192,
        codec_loss_db=0.26, trust_encoder=True,
    ),
    # For downloads and phones: a third of the size and a little louder. At 64 kbps the encoder
    # overshoots peaks by up to 2 dB (measured), hence the low ceiling under the -1 dBFS limit.
    "listener": Profile(
        "listener", rms_db=-19.0, max_peak_db=-1.0, ceiling_db=-3.0, bitrate_kbps=64,
        codec_loss_db=0.45, trust_encoder=False,
    ),
}  # fmt: skip
