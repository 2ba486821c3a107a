"""The project's run defaults, written once (read by :mod:`balances.params` and the command line).

No heavy imports here: ``balances report`` on a cached run starts in well under a second.
"""

from __future__ import annotations

from balances.config import PANEL_END

DEFAULT_FOCAL = "RUS,CHN"
DEFAULT_REFERENCE = "USA"
#: First year scored by default: 1991 is the normalisation panel's first year,
#: and a change needs a year before it.
DEFAULT_START = 1992
DEFAULT_END = PANEL_END
DEFAULT_SPEC = "default"
#: Monte Carlo draws: enough for the printed digits of a 5-95% band to be stable.
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 0
#: Upper bounds: draws allocate (draws x years x indicators) floats; a seed is a 64-bit int.
MAX_DRAWS = 200_000
MAX_SEED = 2**63 - 1
