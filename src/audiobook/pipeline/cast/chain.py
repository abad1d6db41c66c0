"""The chain of turns: who says each turn of a conversation, read forward and backward.

Each turn has a likelihood for each participant (its own evidence, `attribution`), and turns
alternate: the next speaker is rarely the last one, often the one before (two people talking),
and otherwise someone else, the more likely the more the conversation is theirs (the
participants' weights: their tags, the lines spoken to them, the narration's mentions). The
forward-backward pass over pairs (last speaker, this speaker) gives each turn the probability
of each participant. Plain numbers in and out; deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

# How likely the next turn's speaker is the last one again, or the one before that (the rest
# goes to the others, by weight), right after a turn and after narration between them.
_SAME, _BACK = 0.04, 0.9
_SAME_AFTER_NARRATION, _BACK_AFTER_NARRATION = 0.12, 0.7

Pairs = dict[tuple[int, int], float]


def posteriors(
    emissions: Sequence[Sequence[float]], gaps: Sequence[int], weights: Sequence[float]
) -> list[list[float]]:
    """For each turn, the probability of each participant. EMISSIONS: each turn's likelihood
    of each; GAPS: the paragraphs from the turn before (1: none between); WEIGHTS: how much
    each participant is in the conversation (the first speaker, and one who is neither of the
    last two, is chosen in proportion)."""
    n = len(weights)
    start = n  # "nobody" before the first turn
    mass = sum(weights)

    def transition(z: int, a: int, b: int, gap: int) -> float:
        same, back = (_SAME, _BACK) if gap <= 1 else (_SAME_AFTER_NARRATION, _BACK_AFTER_NARRATION)
        if b == a:
            return same
        if z in (start, a) or n < 3:
            return (1 - same) * weights[b] / max(1e-9, mass - weights[a])
        if b == z:
            return back
        return (1 - same - back) * weights[b] / max(1e-9, mass - weights[a] - weights[z])

    # alpha[i][(a, b)]: turns up to i, with a the speaker of turn i-1 and b of turn i.
    first = {(start, b): emissions[0][b] * weights[b] for b in range(n)}
    alphas: list[Pairs] = [_normalised(first)]
    for i in range(1, len(emissions)):
        current: Pairs = {}
        for (z, a), value in alphas[-1].items():
            if value == 0.0:
                continue
            for b in range(n):
                key = (a, b)
                current[key] = current.get(key, 0.0) + value * transition(z, a, b, gaps[i])
        alphas.append(_normalised({k: v * emissions[i][k[1]] for k, v in current.items()}))
    betas: list[Pairs] = [dict.fromkeys(alphas[-1], 1.0)]
    for i in range(len(emissions) - 1, 0, -1):
        after = betas[0]
        current = {}
        for z, a in alphas[i - 1]:
            total = 0.0
            for b in range(n):
                total += transition(z, a, b, gaps[i]) * emissions[i][b] * after.get((a, b), 0.0)
            current[(z, a)] = total
        betas.insert(0, _normalised(current))
    found = []
    for alpha, beta in zip(alphas, betas, strict=True):
        marginal = [0.0] * n
        for key, value in alpha.items():
            marginal[key[1]] += value * beta.get(key, 0.0)
        total = sum(marginal) or 1.0
        found.append([m / total for m in marginal])
    return found


def _normalised(values: Pairs) -> Pairs:
    total = sum(values.values())
    if total <= 0.0:
        return dict.fromkeys(values, 1.0 / max(1, len(values)))
    return {k: v / total for k, v in values.items()}
