"""Stitching a chapter's utterances and pauses, setting its level, and encoding it.

The chapter is stitched once at the engine's sample rate (pydub brings every utterance to it),
quiet room tone is laid under the whole of it (pauses are never digital zeros), and then one gain
for the whole chapter is found so that, after a peak limiter, the RMS meets the profile: the level
never jumps inside a chapter. ffmpeg applies gain, limiter and resampling, and encodes.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from audiobook.mastering import ffmpeg

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH at import and warns when it is not there; ours may be the
    # bundled one, which ffmpeg.find_ffmpeg() knows about and which every ffmpeg call here uses.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
from audiobook.engines.worker import Speech
from audiobook.errors import ToolError
from audiobook.mastering.levels import SILENCE_DB, LevelMeter, Levels, measure_file

STITCH_RATE = 22050  # espeak-ng's own rate: stitching there avoids resampling every utterance
ROOM_TONE_PERIOD = 1 << 20  # samples
ROOM_TONE_DB = -75.0  # RMS of the room tone before the chapter gain (ACX floor: -90 to -60 dBFS)
MAX_ENCODES = 4
RMS_TOLERANCE_DB = 0.5  # the decoded RMS may be this far from the target (profiles promise 1)
PEAK_SAFETY_DB = 0.1  # keep the decoded peak this far inside the profile's limit
# The limiter lowers the RMS a little (0.2-0.4 dB on espeak's speech, measured): aim that much
# higher from the start, so that most chapters need a single pass.
LIMITER_ALLOWANCE_DB = 0.3
# libmp3lame's -q: 7 encodes twice as fast as the default (q3) for no loss on speech at 192 kbps
# (bench/encoders.py: SNR 30.4 dB at both, log-spectral distance 0.50 against 0.80 dB).
LAME_COMPRESSION_LEVEL = 7
AAC_BITRATE = "64k"  # the M4B's: speech in mono, a tenth of the MP3 set's size


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


@dataclass(frozen=True)
class Pause:
    ms: int


@dataclass(frozen=True)
class Mastered:
    duration_ms: int
    gain_db: float
    levels: Levels  # of the limited audio as encoded, RMS less the codec's loss


@dataclass(frozen=True)
class Stitched:
    """A chapter's audio before mastering: raw s16le mono at STITCH_RATE in a file."""

    path: Path
    samples: int
    levels: Levels  # RMS, peak and the quietest 0.4 s (the room tone's level), before any gain

    @property
    def rms_db(self) -> float:
        return self.levels.rms_db

    @property
    def seconds(self) -> float:
        return self.samples / STITCH_RATE


def stitch(pieces: Iterable[Speech | Pause], path: Path) -> Stitched:
    """Write speech and pauses one after another to PATH, room tone under all of it.

    Streamed: one piece is in memory at a time (the chapter goes to disk), so a two-hour chapter
    costs no more memory than a short one. pydub brings every utterance to STITCH_RATE.
    """
    position = 0
    meter = LevelMeter(STITCH_RATE)
    with path.open("wb") as out:
        for piece in pieces:
            if isinstance(piece, Pause):
                segment = AudioSegment.silent(duration=piece.ms, frame_rate=STITCH_RATE)
            else:
                segment = AudioSegment(
                    data=piece.pcm, sample_width=2, frame_rate=piece.sample_rate, channels=1
                )
                if piece.sample_rate != STITCH_RATE:  # other engines (sapi5, nsss) use other rates
                    segment = segment.set_frame_rate(STITCH_RATE)
            samples = np.frombuffer(segment.raw_data, dtype="<i2")
            mixed = _add_room_tone(samples, position)
            out.write(mixed.astype("<i2").tobytes())
            mixed *= 1 / 32768.0
            meter.feed(mixed)
            position += mixed.size
    return Stitched(path=path, samples=position, levels=meter.result())


def room_tone(count: int, start: int = 0) -> np.ndarray:
    """Quiet noise at ROOM_TONE_DB, the same for the same sample positions on every machine.

    A counter-based hash (murmur3's finaliser) instead of a random generator: reproducible
    across numpy and Python versions, so the same input renders to the same bytes. The noise
    repeats every ROOM_TONE_PERIOD samples (47 s, far longer than any pause), so it is computed
    once and then only sliced.
    """
    table = _room_tone_table()
    first = start % ROOM_TONE_PERIOD
    if first + count <= ROOM_TONE_PERIOD:  # nearly always: a slice, not a copy
        return table[first : first + count]
    return np.take(table, np.arange(first, first + count), mode="wrap")


@functools.lru_cache(maxsize=1)
def _room_tone_table() -> np.ndarray:
    x = np.arange(ROOM_TONE_PERIOD, dtype=np.uint64)
    x = (x * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
    for shift, mult in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
        x ^= x >> np.uint64(shift)
        x = (x * np.uint64(mult)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    uniform = x.astype(np.float64) / 2.0**31 - 1.0  # [-1, 1), RMS 1/sqrt(3)
    table = uniform * (10 ** (ROOM_TONE_DB / 20) * np.sqrt(3.0) * 32768.0)
    table.flags.writeable = False  # room_tone() hands out slices of it
    return table


def _add_room_tone(samples: np.ndarray, start: int) -> np.ndarray:
    """SAMPLES plus room tone, rounded and clipped to 16-bit values (held as float64)."""
    mixed = samples.astype(np.float64)
    mixed += room_tone(samples.size, start)
    np.rint(mixed, out=mixed)
    return np.clip(mixed, -32768, 32767, out=mixed)


def master_to_mp3(
    stitched: Stitched, profile: Profile, out: Path, aac: Path | None = None
) -> Mastered:
    """Level STITCHED to PROFILE, encode it as an MP3 at OUT, and prove it on the decoded file.

    One ffmpeg applies gain, limiter and resampling and encodes; the spec is judged on the
    decoded MP3, so the file is decoded and measured, and a chapter that misses (the limiter
    takes more off peaky chapters, low bitrates take more off everything) is encoded again with
    the gain and the ceiling corrected. Most chapters take one encode and one decode.

    With AAC, the same ffmpeg also writes the chapter as AAC (ADTS) there: the M4B is built by
    joining these, so its encoding runs in the chapters' parallel jobs.
    """
    gain = profile.rms_db + profile.codec_loss_db + LIMITER_ALLOWANCE_DB - stitched.rms_db
    ceiling = profile.ceiling_db
    attempts: list[tuple[float, float, float, Levels]] = []  # (miss, gain, ceiling, levels)
    for _ in range(MAX_ENCODES):
        limited = _encode(stitched, gain, ceiling, profile, out, aac)
        if _safely_inside(limited, ceiling, profile):
            # What went into the encoder was measured on the way (volumedetect): well inside the
            # profile, with the codec's measured loss and overshoot allowed for. No decode.
            expected = replace(limited, rms_db=round(limited.rms_db - profile.codec_loss_db, 2))
            return Mastered(round(limited.seconds * 1000), round(gain, 2), expected)
        decoded = measure_file(out, profile.sample_rate)
        rms_off = profile.rms_db - decoded.rms_db
        peak_over = decoded.peak_db - (profile.max_peak_db - PEAK_SAFETY_DB)
        miss = max(abs(rms_off) - RMS_TOLERANCE_DB, 0.0) + max(peak_over, 0.0)
        attempts.append((miss, gain, ceiling, decoded))
        if miss == 0:
            break
        gain += rms_off
        ceiling -= max(peak_over, 0.0)
    best = min(attempts, key=lambda a: a[0])
    if best is not attempts[-1]:  # the closest attempt was not the last one: encode it again
        _encode(stitched, best[1], best[2], profile, out, aac)
    _, gain, _, decoded = best
    return Mastered(
        duration_ms=round(decoded.seconds * 1000), gain_db=round(gain, 2), levels=decoded
    )


def _safely_inside(limited: Levels, ceiling: float, profile: Profile) -> bool:
    """Whether the encoder's input is far enough inside the profile to skip decoding its output."""
    if not profile.trust_encoder:
        return False
    expected_rms = limited.rms_db - profile.codec_loss_db
    return (
        abs(expected_rms - profile.rms_db) <= RMS_TOLERANCE_DB - 0.15
        and limited.peak_db <= ceiling + 0.05  # the limiter held
        and -88.0 < limited.noise_floor_db <= -62.0
    )


def _encode(
    stitched: Stitched,
    gain: float,
    ceiling_db: float,
    profile: Profile,
    out: Path,
    aac: Path | None,
) -> Levels:
    """Encode the chapter (MP3, and AAC when asked); return the levels of what was encoded."""
    limit = 10 ** (ceiling_db / 20)
    # level=disabled: alimiter otherwise normalises its output back up to 0 dBFS (SPECS 2).
    limiter = f"alimiter=limit={limit:.5f}:attack=5:release=50:level=disabled"
    # The MP3 branch resamples before its limiter: the other way round, the resampler's ripple
    # lifted the limited peaks by 0.2 dB (measured). volumedetect measures the RMS and sample
    # peak of exactly what the MP3 encoder gets, for a fifth of what astats costs (bench/master).
    mp3_chain = f"aresample={profile.sample_rate},{limiter},volumedetect"
    # Same input, same bytes: no encoder strings or metadata that vary between runs.
    exact = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]
    mp3 = [
        "-ac", str(profile.channels), "-c:a", "libmp3lame", "-b:a", f"{profile.bitrate_kbps}k",
        "-compression_level", str(LAME_COMPRESSION_LEVEL), *exact,
        "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", "-y", str(out),
    ]  # fmt: skip
    source = ["-f", "s16le", "-ar", str(STITCH_RATE), "-ac", "1", "-i", str(stitched.path)]
    if aac:
        # The AAC twin stays at the engine's rate, which holds all there is of the voice: its
        # encoder then does half the work, and AAC was the largest cost of a render (SPECS 8).
        graph = f"[0:a]volume={gain:.3f}dB,asplit=2[m][a];[m]{mp3_chain}[mp3];[a]{limiter}[aac]"
    else:
        graph = f"[0:a]volume={gain:.3f}dB,{mp3_chain}[mp3]"
    args = [*source, "-filter_complex", graph, "-map", "[mp3]", *mp3]
    if aac:
        # -aac_coder fast: four times faster than ffmpeg's default coder and no worse on speech
        # (bench/encoders.py: SNR 28.1 against 20.0 dB).
        args += [
            "-map", "[aac]", "-ac", "1", "-c:a", "aac", "-aac_coder", "fast",
            "-b:a", AAC_BITRATE, *exact, "-f", "adts", "-y", str(aac),
        ]  # fmt: skip
    _, log = ffmpeg.run_logged(args, "info")
    # The quietest window is room tone, which the limiter leaves alone: its level is the
    # stitched one plus the gain.
    floor = stitched.levels.noise_floor_db + gain
    return _volumedetect(log, floor, stitched.seconds)


def _volumedetect(log: str, noise_floor_db: float, seconds: float) -> Levels:
    def value(name: str) -> float:
        found = re.findall(rf"{name}: (-?[\d.]+|-inf) dB", log)
        if not found:
            raise ToolError(f"ffmpeg's volumedetect did not report {name}")
        return SILENCE_DB if found[-1] == "-inf" else float(found[-1])

    return Levels(
        rms_db=value("mean_volume"),
        peak_db=value("max_volume"),
        noise_floor_db=round(noise_floor_db, 2),
        seconds=seconds,
    )
