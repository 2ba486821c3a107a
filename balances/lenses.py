"""The three lenses as tested explanations: lens scores across triads, and how they trend.

Korolev (2021) explains the China-Russia alignment by three balances - of
power, of threat and of interests. This module puts the lens scores of several
triads side by side on the one scale the population normalisation gives
(:mod:`balances.indicators.population`), with each lens's R² on the year so a
reader sees which series mostly measure time.

``triad_table``
    Mean lens score per triad over a period, its band from the Monte Carlo
    draws of the period mean, coverage, and the R² of each lens on the year.
``FIVE_TRIADS``
    The default comparison: the focal triad, two other pairs Korolev and Ko
    discuss as candidate partners against the US, one pair of allies
    (France-Germany, NATO members) and one pair of rivals (India-Pakistan).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from balances.analysis import period_summary, score
from balances.change import r2_on_year
from balances.config import PANEL_END
from balances.errors import ParameterError
from balances.triad import Triad

#: (focal pair, reference, what a reader expects to see).
FIVE_TRIADS: tuple[tuple[str, str, str], ...] = (
    ("RUS,CHN", "USA", "the case: aligning against the US"),
    ("RUS,IRN", "USA", "partners under US pressure"),
    ("CHN,PAK", "USA", "China's 'all-weather' partner"),
    ("FRA,DEU", "USA", "allies of the US and of each other: low"),
    ("IND,PAK", "USA", "rivals: mutual threat keeps them apart"),
)
LENS_ORDER = ("power", "threat", "interests", "overall")


def triad_table(
    triads: Iterable[tuple[str, str] | tuple[str, str, str]] = FIVE_TRIADS,
    start: int = 1992,
    end: int = PANEL_END,
    *,
    draws: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Lens scores of several triads over one period, on the population scale.

    Parameters
    ----------
    triads
        ``(focal pair, reference)`` or ``(focal pair, reference, note)`` tuples.
    start, end
        The period.
    draws, seed
        Monte Carlo draws for the bands of the period means.

    Returns
    -------
    DataFrame
        ``triad, lens, mean, low, high, first, last, years_scored, n_last, r2_year``:
        the period mean and its 5-95% band (from the draws of the period mean),
        the first and last scored values, the number of indicators the last
        scored year rests on, and the lens's R² on the year over the period.
    """
    rows = []
    for item in triads:
        if len(item) < 2:
            raise ParameterError("triads", item, "(focal pair, reference) tuples")
        focal, reference = item[0], item[1]
        res = score(focal, reference, start, end, draws=draws, seed=seed)
        summary = period_summary(res).set_index("lens")
        tab = res.table()
        label = Triad.parse(focal, reference).label
        for lens in LENS_ORDER:
            s = tab[tab["lens"] == lens].set_index("year")
            scored = s.dropna(subset=["score"])
            row = summary.loc[lens] if lens in summary.index else pd.Series(dtype=float)
            rows.append(
                {
                    "triad": label,
                    "lens": lens,
                    "mean": row.get("mean", np.nan),
                    "low": row.get("mean_low", np.nan),
                    "high": row.get("mean_high", np.nan),
                    "first": row.get("first", np.nan),
                    "last": row.get("last", np.nan),
                    "years_scored": int(row.get("years_scored", 0) or 0),
                    "n_last": int(scored["n_indicators"].iloc[-1]) if len(scored) else 0,
                    "r2_year": r2_on_year(s["score"]),
                }
            )
    return pd.DataFrame(rows)


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """One row per triad: each lens's period mean with its band, and its R² on the year."""
    out = {}
    for triad, d in table.groupby("triad", sort=False):
        d = d.set_index("lens")
        row = {}
        for lens in LENS_ORDER:
            r = d.loc[lens]
            band = (
                f"{r['mean']:.0f} [{np.floor(r['low']):.0f}, {np.ceil(r['high']):.0f}]"
                if np.isfinite(r["mean"])
                else "missing"
            )
            row[lens] = band
            row[f"R2 {lens}"] = round(float(r["r2_year"]), 2)
        out[triad] = row
    return pd.DataFrame.from_dict(out, orient="index")
