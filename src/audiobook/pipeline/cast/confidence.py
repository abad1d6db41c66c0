"""How sure a line's speaker is: the precision measured of its rule at the chain's probability.

A line's confidence is not the chain's probability itself but the precision measured on the gold
novels (bench/cast.py, PDNC) of the lines its rule (`how`) decided at that probability:
(probability, precision) points, interpolated between. Ordering lines by it covers more at the
same precision than the chain's probability does, since the rules are not equally sure at equal
probability: a tag's line is right nine times in ten even where the chain doubts it.
"""

from __future__ import annotations

import itertools

# Fitted by bench/cast.py's figures on PDNC (28 novels, 2026-12-07): for each rule, the lines in
# bins of the chain's probability, their mean probability and precision (made monotone; at
# most 0.99).
CALIBRATION: dict[str, tuple[tuple[float, float], ...]] = {
    "epithet": ((0.64, 0.526), (0.89, 0.688), (0.982, 0.769), (0.999, 0.892)),
    "first_person": ((0.795, 0.937), (0.969, 0.981), (0.985, 0.99), (0.992, 0.99), (0.999, 0.99)),
    "noun": ((0.494, 0.364), (0.779, 0.379), (0.875, 0.585), (0.926, 0.597), (0.984, 0.691)),
    "pronoun": ((0.265, 0.26), (0.424, 0.447), (0.545, 0.503), (0.65, 0.579), (0.776, 0.641),
                (0.876, 0.676), (0.927, 0.808), (0.966, 0.863), (0.985, 0.874), (0.992, 0.893),
                (0.998, 0.967)),
    "setup": ((0.43, 0.391), (0.546, 0.507), (0.644, 0.631), (0.756, 0.632), (0.825, 0.69),
              (0.909, 0.764), (0.967, 0.9), (0.984, 0.95), (0.996, 0.951)),
    "tag": ((0.45, 0.7), (0.673, 0.851), (0.895, 0.872), (0.967, 0.91), (0.985, 0.922),
            (0.992, 0.957), (0.999, 0.973)),
    "turn": ((0.258, 0.215), (0.414, 0.349), (0.548, 0.461), (0.65, 0.536), (0.75, 0.598),
             (0.825, 0.662), (0.874, 0.755), (0.926, 0.772), (0.966, 0.852), (0.985, 0.908),
             (0.993, 0.943)),
    "vocative": ((0.482, 0.508), (0.653, 0.667), (0.784, 0.746), (0.91, 0.808), (0.973, 0.923),
                 (0.992, 0.973), (0.997, 0.983)),
}  # fmt: skip


def calibrated(how: str, probability: float) -> float:
    """The precision of HOW's lines at PROBABILITY (CALIBRATION); other lines keep theirs."""
    points = CALIBRATION.get(how)
    if points is None:
        return probability
    if probability >= points[-1][0]:
        return points[-1][1]
    if probability <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if probability < x1:
            return round(y0 + (y1 - y0) * (probability - x0) / (x1 - x0), 3)
    return points[-1][1]
