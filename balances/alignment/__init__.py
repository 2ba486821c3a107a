"""The alignment outcome: how closely two states are aligned, for every pair of UN members and year.

What states *do* together (vote alike, join the same organisations, trade,
ship arms, exercise, and do not fight), read as noisy views of one latent
alignment per dyad-year by a dynamic factor model (:mod:`.model`), on one
scale for every pair (:mod:`.outcome`), validated against formal alliances it
never saw (:mod:`.validate`). The driver lenses (power, threat, interests)
are tested against it.

>>> from balances.alignment import dyad_scores, against
>>> dyad_scores(["RUS,CHN"], 2020, 2020)["score"].between(0, 100).all()
np.True_
"""

from balances.alignment.outcome import (
    Outcome,
    add_alignment,
    against,
    dyad_scores,
    fit_outcome,
    load_outcome,
    save_outcome,
)
from balances.alignment.spec import DEFAULT_INPUTS, OutcomeInput, OutcomeSpec

__all__ = [
    "DEFAULT_INPUTS",
    "Outcome",
    "OutcomeInput",
    "OutcomeSpec",
    "add_alignment",
    "against",
    "dyad_scores",
    "fit_outcome",
    "load_outcome",
    "save_outcome",
]
