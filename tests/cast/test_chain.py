"""The chain of turns and the confidence a rule's lines get: small numbers in, small numbers out."""

from __future__ import annotations

import itertools

import pytest

from audiobook.pipeline.cast.chain import posteriors
from audiobook.pipeline.cast.confidence import CALIBRATION, calibrated

TAGGED_A = [0.995, 0.005, 0.005]
TAGGED_B = [0.005, 0.995, 0.005]
UNTAGGED = [1.0, 1.0, 1.0]


def test_an_exchange_alternates_between_its_two_speakers() -> None:
    """A said, B said, then two untagged turns: A again, then B."""
    found = posteriors([TAGGED_A, TAGGED_B, UNTAGGED, UNTAGGED], [1, 1, 1, 1], [10, 10, 2])
    assert max(range(3), key=lambda k: found[2][k]) == 0
    assert max(range(3), key=lambda k: found[3][k]) == 1
    assert all(abs(sum(p) - 1) < 1e-9 for p in found)


def test_the_people_most_in_a_conversation_are_likelier_to_speak() -> None:
    """An untagged first turn: the person with the most weight in the conversation (its tags,
    the lines spoken to them) more likely than one the narration named once."""
    found = posteriors([UNTAGGED, TAGGED_B], [1, 1], [20, 10, 2])
    assert found[0][0] > found[0][2]
    even = posteriors([UNTAGGED, TAGGED_B], [1, 1], [2, 10, 2])
    assert found[0][0] > even[0][0]


def test_a_line_s_confidence_is_its_rule_s_precision() -> None:
    """Calibrated: interpolated between a rule's measured points, held at its ends, and never
    above what was measured; a rule with no measure keeps the chain's probability."""
    for how, points in CALIBRATION.items():
        assert all(y0 <= y1 for (_, y0), (_, y1) in itertools.pairwise(points)), how
        assert calibrated(how, 1.0) == points[-1][1] <= 0.99
        assert calibrated(how, 0.0) == points[0][1]
        (x0, y0), (x1, y1) = points[0], points[1]
        assert min(y0, y1) <= calibrated(how, (x0 + x1) / 2) <= max(y0, y1)
    assert calibrated("cast.toml", 0.42) == 0.42


@pytest.mark.parametrize("how", ["tag", "turn", "pronoun", "epithet"])
def test_every_rule_the_cast_gives_is_calibrated(how: str) -> None:
    assert how in CALIBRATION
