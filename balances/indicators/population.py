"""One scale across pairs: each indicator normalised against a declared population of triads.

A lens score should mean the same for France-Germany against the US as for
Russia-China against the US. Each driver indicator is therefore scored against
its distribution over a declared population of triads and years
(:data:`POPULATION`), not over one triad's own history: a value's score is its
mid-rank percentile in that pooled distribution (0 = the lowest value any pair
in any year shows, 100 = the highest). A constant indicator keeps its level: a
pair with no rivalry in any year scores as high as "no rivalry" ranks among all
pairs, not 50.

The population's distribution of every built-in indicator is committed in
``population.csv`` beside this module (201 quantiles, mean, standard deviation
and the root-mean-square yearly change of the percentile score, which sets how
fast the band widens when a value is carried past the end of its source). Each
row carries the digest of its indicator's declaration, so a changed indicator
cannot be scored on a stale distribution; ``balances lenses --build-population``
rebuilds the file.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from balances.config import DYAD_STATES, PANEL_END, STUDY_START
from balances.errors import RegistryError
from balances.indicators.registry import LENSES, Indicator
from balances.triad import Triad

POPULATION_FILE = Path(__file__).resolve().parent / "population.csv"
#: Points of the committed quantile grid (0, 0.5, ..., 100th percentile).
GRID = 201


@dataclass(frozen=True)
class Population:
    """A declared population of triads and years.

    The default: every pair of the dyad states (:data:`balances.config.DYAD_STATES`,
    the states whose dyads the committed tables keep) other than the reference,
    against the United States, 1991-2024 - 91 triads, 3,094 triad-years. The US
    is the reference because the theories under test are about aligning against
    the dominant power of the post-Cold War system, and because the US-troop and
    NATO indicators exist for it only.
    """

    reference: str = "USA"
    states: tuple[str, ...] = DYAD_STATES
    start: int = STUDY_START
    end: int = PANEL_END

    def triads(self) -> list[Triad]:
        others = [s for s in self.states if s != self.reference]
        return [Triad(a, b, self.reference) for a, b in itertools.combinations(others, 2)]

    @property
    def label(self) -> str:
        n = len(self.triads())
        return (
            f"{n} pairs of {len(self.states)} states vs {self.reference}, {self.start}-{self.end}"
        )


POPULATION = Population()


def digest(ind: Indicator) -> str:
    """Short hash of what an indicator computes (its population row is stale if it changes)."""
    blob = json.dumps(
        {"compute": ind.compute, "direction": ind.direction, "ref": ind.reference_only},
        sort_keys=True,
    ).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def mid_percentile(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Mid-rank percentile (0-100) of ``values`` in a sorted quantile ``grid``.

    A value between two grid points is interpolated; a value equal to a run of
    grid points (a tie, such as the 0 of a 0/1 indicator) takes the middle of
    the run, so a value shared by 80% of the population scores 40, not 0 or 80.
    Outside the grid the score is 0 or 100; NaN stays NaN.

    Examples
    --------
    >>> g = np.r_[np.zeros(161), np.ones(40)]
    >>> mid_percentile(np.array([0.0, 1.0, np.nan]), g).round(1).tolist()
    [40.0, 90.2, nan]
    """
    v = np.asarray(values, dtype=float)
    n = grid.size
    left = np.searchsorted(grid, v, side="left").astype(float)
    right = np.searchsorted(grid, v, side="right").astype(float)
    tie = right > left
    lo = np.clip(left - 1, 0, n - 1).astype(int)
    hi = np.clip(left, 0, n - 1).astype(int)
    span = grid[hi] - grid[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(span > 0, (v - grid[lo]) / span, 0.0)
    pos = np.where(tie, (left + right - 1) / 2, lo + frac)
    pos = np.where(v < grid[0], 0.0, np.where(v > grid[-1], n - 1.0, pos))
    out = 100 * pos / (n - 1)
    return np.where(np.isfinite(v), out, np.nan)


def _stats(values: np.ndarray) -> dict[str, float]:
    v = values[np.isfinite(values)]
    return {"n": float(v.size), "mean": float(v.mean()), "sd": float(v.std(ddof=1))}


def build_population(
    population: Population = POPULATION, source: object | None = None
) -> pd.DataFrame:
    """Pool every built-in driver indicator over the population and summarise it.

    Returns
    -------
    DataFrame
        One row per indicator: ``indicator, digest, n, mean, sd, step, q000 ... q200``
        (values as computed, before orientation).
    """
    from balances.indicators.panel import Tables, compute_panel

    source = source or Tables()
    registry = source.registry()
    ids = [
        i
        for i, ind in registry.items()
        if ind.lens in LENSES and ind.origin.startswith(str(Path(__file__).resolve().parent))
    ]
    frames = []
    for triad in population.triads():
        p = compute_panel(triad, start=population.start, end=population.end, source=source, ids=ids)
        frames.append(p.assign(triad=triad.label)[["triad", "year", "indicator", "value"]])
    pooled = pd.concat(frames, ignore_index=True)
    rows = []
    qs = np.linspace(0, 1, GRID)
    for iid in ids:
        d = pooled[pooled["indicator"] == iid]
        v = d["value"].to_numpy(dtype=float)
        if not np.isfinite(v).any():
            continue
        grid = np.quantile(v[np.isfinite(v)], qs)
        pct = d.assign(p=mid_percentile(v, grid)).pivot(index="year", columns="triad", values="p")
        step = float(np.sqrt(np.nanmean(pct.diff().to_numpy() ** 2)))
        row = {"indicator": iid, "digest": digest(registry[iid]), **_stats(v), "step": step}
        row.update({f"q{k:03d}": float(g) for k, g in enumerate(grid)})
        rows.append(row)
    return pd.DataFrame(rows)


def write_population(path: Path = POPULATION_FILE, **kwargs: object) -> Path:
    """Build the population table and write it (values to 10 significant digits)."""
    df = build_population(**kwargs)  # type: ignore[arg-type]
    df.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
    load_population.cache_clear()
    return path


@functools.cache
def load_population(path: Path = POPULATION_FILE) -> pd.DataFrame:
    """The committed population table, indexed by indicator (empty if the file is absent)."""
    if not Path(path).is_file():
        return pd.DataFrame(columns=["digest", "n", "mean", "sd", "step"])
    return pd.read_csv(path).set_index("indicator")


def grid_of(iid: str, table: pd.DataFrame) -> np.ndarray:
    return table.loc[iid, [f"q{k:03d}" for k in range(GRID)]].to_numpy(dtype=float)


def covered(registry: Mapping[str, Indicator], ids: Iterable[str]) -> dict[str, bool]:
    """Which indicators have a current population row (built-in, digest unchanged).

    Raises
    ------
    RegistryError
        If a built-in indicator's row is stale (its declaration changed since the
        file was built): rebuild with ``balances lenses --build-population``.
    """
    table = load_population()
    out = {}
    for iid in ids:
        if iid in table.index:
            if table.loc[iid, "digest"] != digest(registry[iid]):
                raise RegistryError(
                    f"{POPULATION_FILE}: the population row of {iid!r} was built for another "
                    "declaration of the indicator; rebuild it with "
                    "`balances lenses --build-population`"
                )
            out[iid] = True
        else:
            out[iid] = False
    return out


def normalise(
    raw: pd.DataFrame, registry: Mapping[str, Indicator], kind: str = "rank"
) -> tuple[pd.DataFrame, list[str]]:
    """Score each column of ``raw`` (years x indicators, values as computed) on 0-100.

    ``kind`` is ``rank`` (mid-rank percentile in the population), ``zscore``
    (population z-score through the normal CDF) or ``minmax`` (population
    minimum to maximum, clipped). Orientation follows each indicator's
    direction. Indicators without a population row (a user's own) are scored
    by percentile rank over the triad's own years and listed in the second
    return value.
    """
    table = load_population()
    has = covered(registry, raw.columns)
    out = pd.DataFrame(np.nan, index=raw.index, columns=raw.columns)
    own = []
    for iid in raw.columns:
        v = raw[iid].to_numpy(dtype=float)
        sign = registry[iid].direction
        if not has[iid]:
            own.append(iid)
            r = pd.Series(sign * v).rank(method="average").to_numpy()
            n = np.isfinite(v).sum()
            out[iid] = np.where(np.isfinite(v), 100 * (r - 1) / max(n - 1, 1), np.nan)
            continue
        if kind == "rank":
            s = mid_percentile(v, grid_of(iid, table))
        elif kind == "zscore":
            mu, sd = table.loc[iid, "mean"], table.loc[iid, "sd"]
            s = 100 * ndtr((v - mu) / sd) if sd > 0 else np.where(np.isfinite(v), 50.0, np.nan)
        elif kind == "minmax":
            g = grid_of(iid, table)
            span = g[-1] - g[0]
            s = np.clip(100 * (v - g[0]) / span, 0, 100) if span > 0 else v * 0 + 50.0
        else:
            raise ValueError(f"unknown population normalisation {kind!r}")
        out[iid] = s if sign > 0 else 100 - s
    return out, own


def step_sd(ids: Iterable[str]) -> np.ndarray:
    """Root-mean-square yearly change of each indicator's percentile score in the population.

    Sets the widening of the band for a value carried past its source's end: after
    ``k`` years the carried score's standard deviation is ``step * sqrt(k)`` (a random
    walk). Indicators without a population row get the median step of those with one.
    """
    table = load_population()
    default = float(table["step"].median()) if len(table) else 5.0
    return np.array([float(table.loc[i, "step"]) if i in table.index else default for i in ids])
