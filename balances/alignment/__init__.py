"""The alignment outcome: how closely two states are aligned, for every pair of UN members and year.

What states *do* together (vote alike, join the same organisations, trade,
ship arms, exercise), read as noisy views of one latent cooperation per
dyad-year by a dynamic factor model (:mod:`.model`), less how likely they are to
fight or face off (disputes, armed conflicts, crises: :mod:`.hostility`), on one
scale for every pair (:mod:`.outcome`), validated against formal alliances it
never saw (:mod:`.validate`). The driver lenses (power, threat, interests)
are tested against it.

>>> from balances.alignment import dyad_scores, against
>>> dyad_scores(["RUS,CHN"], 2020, 2020)["score"].between(0, 100).all()
np.True_
"""

import importlib
from typing import Any

#: Public name -> the submodule that defines it. Imported on first use, so that
#: ``balances.alignment.cli`` (which the command line loads for its help) pulls
#: in no numpy or pandas until the command runs.
_EXPORTS = {
    "Outcome": "outcome",
    "add_alignment": "outcome",
    "against": "outcome",
    "dyad_scores": "outcome",
    "fit_outcome": "outcome",
    "load_outcome": "outcome",
    "save_outcome": "outcome",
    "DEFAULT_INPUTS": "spec",
    "HOSTILE_INPUTS": "spec",
    "OutcomeInput": "spec",
    "OutcomeSpec": "spec",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"balances.alignment.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'balances.alignment' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
