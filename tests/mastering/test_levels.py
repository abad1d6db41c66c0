from __future__ import annotations

import numpy as np
import pytest

from audiobook.mastering.levels import Levels, measure_f32_stream

RATE = 44100


def measure_samples(samples: np.ndarray, rate: int) -> Levels:
    """SAMPLES measured as measure_file measures what ffmpeg decodes: float32 bytes, in chunks
    cut anywhere (mid-sample too)."""
    data = samples.astype("<f4").tobytes()
    return measure_f32_stream((data[i : i + 4097] for i in range(0, len(data), 4097)), rate)


def test_full_scale_sine_measures_minus_3_db_rms_and_0_db_peak() -> None:
    t = np.arange(RATE * 2) / RATE
    levels = measure_samples(np.sin(2 * np.pi * 440 * t), RATE)
    assert levels.rms_db == pytest.approx(-3.01, abs=0.02)
    assert levels.peak_db == pytest.approx(0.0, abs=0.01)
    assert levels.seconds == pytest.approx(2.0)


def test_noise_floor_is_the_quietest_0_4_s_window() -> None:
    loud = np.full(RATE, 0.5)
    quiet = np.full(RATE // 2, 0.001)  # -60 dBFS, longer than one window
    levels = measure_samples(np.concatenate([loud, quiet, loud]), RATE)
    assert levels.noise_floor_db == pytest.approx(-60.0, abs=0.1)


def test_digital_silence_is_not_minus_infinity() -> None:
    levels = measure_samples(np.zeros(RATE), RATE)
    assert levels.noise_floor_db <= -140
