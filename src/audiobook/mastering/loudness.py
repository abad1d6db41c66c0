"""Mastering a stitched chapter: its loudness set to the profile, encoded, and proven.

A chapter's level is set once, so it never jumps inside a chapter: one gain for the whole stitched
chapter is found so that, after a peak limiter, the RMS meets the profile. ffmpeg applies gain,
limiter and resampling, and encodes; the result is proven on the decoded file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from audiobook.core.errors import ToolError
from audiobook.mastering import ffmpeg
from audiobook.mastering.levels import SILENCE_DB, Levels, measure_file
from audiobook.mastering.profiles import Profile
from audiobook.mastering.stitch import STITCH_RATE, Stitched

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
class Mastered:
    duration_ms: int
    gain_db: float
    levels: Levels  # of the limited audio as encoded, RMS less the codec's loss


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
