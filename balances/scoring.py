"""indicators -> scores: normalise, impute, weight, aggregate (OECD/JRC Handbook, COINr).

Each method is a small function reached by name (:data:`NORMALISERS`,
:data:`IMPUTERS`, :data:`AGGREGATORS`, :data:`WEIGHTINGS`); a
:class:`ScoringSpec` names the choices and can be saved, hashed and passed
into notebooks. Scores are on a 0-100 scale where higher means closer
alignment of the focal pair against the reference power: every indicator is
first oriented by its declared direction, then normalised across the whole
panel so that years are comparable.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy.special import ndtr

from balances.declare import describe, read_document, validate
from balances.errors import ParameterError
from balances.indicators.registry import LENSES, Indicator

# ---------------------------------------------------------------- normalisation
# Each takes a (years x indicators) array already oriented (higher = more
# alignment) and returns values in [0, 100], NaN kept.


def norm_minmax(x: np.ndarray, ref_row: int | None = None) -> np.ndarray:
    """Min-max over the panel: 0 at the series' minimum, 100 at its maximum."""
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    span = np.where(hi > lo, hi - lo, np.nan)
    out = 100 * (x - lo) / span
    return np.where(np.isfinite(x) & ~np.isfinite(span), 50.0, out)


def norm_zscore(x: np.ndarray, ref_row: int | None = None) -> np.ndarray:
    """z-score over the panel, mapped to 0-100 through the normal CDF (order kept, 50 = mean)."""
    mu, sd = np.nanmean(x, axis=0), np.nanstd(x, axis=0, ddof=1)
    z = (x - mu) / np.where(sd > 0, sd, np.nan)
    out = 100 * ndtr(z)
    return np.where(np.isfinite(x) & ~(sd > 0), 50.0, out)


def norm_rank(x: np.ndarray, ref_row: int | None = None) -> np.ndarray:
    """Percentile rank over the panel (ties averaged): 0 lowest, 100 highest."""
    ranks = pd.DataFrame(x).rank(axis=0, method="average").to_numpy()
    n = np.sum(np.isfinite(x), axis=0)
    return np.where(n > 1, 100 * (ranks - 1) / np.maximum(n - 1, 1), 50.0) * np.where(
        np.isfinite(x), 1, np.nan
    )


def norm_distance(x: np.ndarray, ref_row: int | None = None) -> np.ndarray:
    """Distance to a reference year: 50 at the reference year's value, 0/100 at the largest
    departure below/above it (a symmetric scale, so the sign of change is kept)."""
    if ref_row is None:
        raise ParameterError(
            "reference_year", None, "a year inside the panel for 'distance' normalisation"
        )
    ref = x[ref_row]
    dev = x - ref
    scale = np.nanmax(np.abs(dev), axis=0)
    out = 50 + 50 * dev / np.where(scale > 0, scale, np.nan)
    return np.where(np.isfinite(x) & np.isfinite(ref) & ~(scale > 0), 50.0, out)


NORMALISERS: dict[str, Callable[[np.ndarray, int | None], np.ndarray]] = {
    "minmax": norm_minmax,
    "zscore": norm_zscore,
    "rank": norm_rank,
    "distance": norm_distance,
}

# ---------------------------------------------------------------- imputation


def impute_none(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """No imputation."""
    return df


def impute_linear(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Linear interpolation between observed years only (never beyond a series' coverage)."""
    return df.interpolate(method="index", limit_area="inside")


def impute_locf(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Last observation carried forward for at most ``limit`` years."""
    return df.ffill(limit=limit)


def impute_carry(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Linear inside a series' coverage, its first and last values carried outside it.

    The set of indicators behind a lens then never changes from year to year, so
    a source that stops is never read as a change in the world; the band widens
    with the distance to the nearest observed year instead (see
    :func:`carry_distance` and :mod:`balances.uncertainty`).
    """
    return df.interpolate(method="index", limit_area="inside").ffill().bfill()


def carry_distance(df: pd.DataFrame) -> pd.DataFrame:
    """Years from each cell to the nearest year the series is observed (0 where observed).

    NaN for a series with no observation at all.
    """
    years = df.index.to_numpy(dtype=float)
    out = pd.DataFrame(np.nan, index=df.index, columns=df.columns)
    for col in df.columns:
        seen = years[df[col].notna().to_numpy()]
        if seen.size:
            out[col] = np.abs(years[:, None] - seen[None, :]).min(axis=1)
    return out


IMPUTERS: dict[str, Callable[[pd.DataFrame, int], pd.DataFrame]] = {
    "none": impute_none,
    "linear": impute_linear,
    "locf": impute_locf,
    "carry": impute_carry,
}
#: Normalisations against the declared population of triads (balances.indicators.population).
POPULATION_NORMALISERS: dict[str, str] = {
    "population": "rank",
    "population_zscore": "zscore",
    "population_minmax": "minmax",
}

# ---------------------------------------------------------------- aggregation
# Weighted means over the indicators present in a year; weights renormalised
# over those present. Scores are shifted by +1 for geometric/generalised means
# so a 0 does not annihilate the product (COINr does the same).


def agg_arithmetic(x: np.ndarray, w: np.ndarray, p: float = 1.0) -> np.ndarray:
    """Weighted arithmetic mean: ``x`` (..., I), ``w`` (..., I) broadcastable."""
    return agg_generalised(x, w, 1.0)


def agg_geometric(x: np.ndarray, w: np.ndarray, p: float = 0.0) -> np.ndarray:
    """Weighted geometric mean (on ``x + 1``), penalising unbalanced profiles."""
    return agg_generalised(x, w, 0.0)


def agg_generalised(x: np.ndarray, w: np.ndarray, p: float = 0.5) -> np.ndarray:
    """Weighted generalised (power) mean of order ``p`` on ``x + 1``; p=1 arithmetic, p->0 geometric."""
    present = np.isfinite(x)
    ww = np.where(present, w, 0.0)
    tot = ww.sum(axis=-1)
    xs = np.where(present, x, 0.0) + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        if p == 1.0:
            m = (ww * xs).sum(axis=-1) / tot
            return np.where(tot > 0, m - 1.0, np.nan)
        if abs(p) < 1e-12:
            m = np.exp((ww * np.log(xs)).sum(axis=-1) / tot)
        else:
            m = ((ww * xs**p).sum(axis=-1) / tot) ** (1 / p)
    return np.where(tot > 0, m - 1.0, np.nan)


AGGREGATORS: dict[str, Callable[[np.ndarray, np.ndarray, float], np.ndarray]] = {
    "arithmetic": agg_arithmetic,
    "geometric": agg_geometric,
    "generalised": agg_generalised,
}

# ---------------------------------------------------------------- spec


class ScoringSpec(BaseModel):
    """The analyst's choices, declarative: save it, hash it, pass it into a notebook.

    Examples
    --------
    >>> spec = ScoringSpec(normalise="zscore")
    >>> len(spec.digest())
    12
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    normalise: Literal[
        "population",
        "population_zscore",
        "population_minmax",
        "minmax",
        "zscore",
        "rank",
        "distance",
    ] = Field(
        "population",
        description="'population*' score each indicator against the declared population of "
        "triads (one scale across pairs); 'minmax', 'zscore', 'rank' and 'distance' against "
        "the triad's own history",
    )
    reference_year: int = Field(
        1991, description="for 'distance' normalisation (e.g. 1991, or 1999 for Ko)"
    )
    impute: Literal["none", "linear", "locf", "carry"] = "carry"
    locf_max: int = Field(3, ge=1, le=10)
    weights: Literal["equal", "equal_per_lens", "equal_per_subconcept", "pca", "manual"] = (
        "equal_per_subconcept"
    )
    manual_weights: dict[str, float] = Field(default_factory=dict)
    lens_weights: dict[str, float] = Field(default_factory=lambda: {lens: 1.0 for lens in LENSES})
    aggregate: Literal["arithmetic", "geometric", "generalised"] = "arithmetic"
    power: float = Field(0.5, description="order p of the generalised mean")
    exclude: list[str] = Field(default_factory=list)
    coverage_min: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="share of a lens's weight that must rest on observed (not carried or "
        "interpolated) values for a lens-year to be scored; below it the year is missing",
    )

    @model_validator(mode="after")
    def _finite(self) -> ScoringSpec:
        """NaN or infinite weights and powers score NaN or 0 without a word: refuse them."""
        for key, weights in (
            ("lens_weights", self.lens_weights),
            ("manual_weights", self.manual_weights),
        ):
            bad = {k: w for k, w in weights.items() if not math.isfinite(w)}
            if bad:
                raise ValueError(f"{key}: {bad} are not finite numbers")
        if self.weights == "manual" and not any(w > 0 for w in self.manual_weights.values()):
            raise ValueError(
                "manual_weights: weights 'manual' needs at least one positive weight by "
                "indicator id"
            )
        if not math.isfinite(self.power):
            raise ValueError(f"power: {self.power} is not a finite number")
        return self

    def digest(self) -> str:
        """Short SHA-256 of the canonical JSON of the spec."""
        blob = json.dumps(self.model_dump(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def save(self, path: str | Path) -> None:
        Path(path).write_text(yaml.safe_dump(self.model_dump(), sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ScoringSpec:
        """Read a spec from YAML; errors name the file and the field."""
        doc = read_document(path, "scoring spec")
        return validate(cls, {} if doc.data is None else doc.data, doc)


#: Named presets for notebooks and the explorer.
PRESETS: dict[str, ScoringSpec] = {
    "default": ScoringSpec(),
    "ko": ScoringSpec(normalise="distance", reference_year=1999),
    "zscore": ScoringSpec(normalise="population_zscore"),
    "rank_geometric": ScoringSpec(normalise="population", aggregate="geometric"),
    "pca": ScoringSpec(weights="pca"),
    "no_imputation": ScoringSpec(impute="none"),
}


def resolve_spec(spec: ScoringSpec | str | Mapping | None) -> ScoringSpec:
    """A spec from an object, a preset name, a YAML path or a mapping."""
    if spec is None:
        return PRESETS["default"]
    if isinstance(spec, ScoringSpec):
        return spec
    if isinstance(spec, Mapping):
        try:
            return ScoringSpec(**spec)
        except ValidationError as exc:
            raise ParameterError(
                "spec", dict(spec), f"fields of ScoringSpec ({describe(exc)})"
            ) from exc
    if spec in PRESETS:
        return PRESETS[spec]
    if Path(spec).is_file():
        return ScoringSpec.load(spec)
    raise ParameterError("spec", spec, f"a preset {sorted(PRESETS)} or a YAML file")


# ---------------------------------------------------------------- pipeline


def prepare(
    panel: pd.DataFrame, registry: Mapping[str, Indicator], spec: ScoringSpec
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Orient, impute and normalise the panel.

    Returns
    -------
    normalised : DataFrame
        years x indicators on 0-100 (higher = more alignment).
    imputed : DataFrame
        years x indicators booleans, True where the value was imputed.
    raw : DataFrame
        years x indicators, values as computed (before orientation).
    """
    unknown = sorted(set(spec.exclude) - set(registry))
    if unknown:
        raise ParameterError("exclude", unknown, "indicator ids of the registry")
    drivers = [
        i
        for i in dict.fromkeys(panel["indicator"])
        if i in registry and registry[i].lens in LENSES and i not in spec.exclude
    ]
    raw = panel.pivot(index="year", columns="indicator", values="value")[drivers]
    oriented = raw * np.array([registry[i].direction for i in drivers], dtype=float)
    filled = IMPUTERS[spec.impute](oriented, spec.locf_max)
    imputed = filled.notna() & oriented.isna()
    ref_row = None
    if spec.normalise == "distance":
        if spec.reference_year not in filled.index:
            raise ParameterError(
                "reference_year",
                spec.reference_year,
                f"a year in {filled.index.min()}-{filled.index.max()}",
            )
        ref_row = int(filled.index.get_loc(spec.reference_year))
    if spec.normalise in POPULATION_NORMALISERS:
        from balances.indicators.population import normalise as population_normalise

        # the population scores values as computed; orientation is applied inside
        norm_df, _ = population_normalise(
            filled * np.array([registry[i].direction for i in drivers], dtype=float),
            registry,
            POPULATION_NORMALISERS[spec.normalise],
        )
        return norm_df[drivers], imputed, raw
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # an indicator with no value in the reference year, or none at all, stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        norm = NORMALISERS[spec.normalise](filled.to_numpy(dtype=float), ref_row)
    return pd.DataFrame(norm, index=filled.index, columns=drivers), imputed, raw


def indicator_weights(
    norm: pd.DataFrame, registry: Mapping[str, Indicator], spec: ScoringSpec
) -> pd.DataFrame:
    """Nominal weights: within each lens (sum 1) and in the overall score (sum 1).

    Returns
    -------
    DataFrame
        index indicator; columns ``lens, within_lens, overall``.
    """
    ids = list(norm.columns)
    lens = pd.Series({i: registry[i].lens for i in ids})
    if spec.weights == "manual":
        unknown = sorted(set(spec.manual_weights) - set(ids))
        if unknown:
            raise ParameterError("manual_weights", unknown, f"indicator ids among {ids}")
        raw_w = pd.Series({i: float(spec.manual_weights.get(i, 0.0)) for i in ids})
    elif spec.weights == "pca":
        raw_w = pd.Series(0.0, index=ids)
        for name in LENSES:
            cols = lens.index[lens == name]
            raw_w[cols] = _pca_weights(norm[cols])
    elif spec.weights == "equal_per_subconcept":
        # each sub-concept of a lens weighs the same, shared by its indicators with data,
        # so a concept measured by three indicators is not counted three times
        has_data = norm.notna().any()
        sub = pd.Series({i: registry[i].subconcept or i for i in ids})
        key = lens + ":" + sub
        n_in = has_data.groupby(key).transform("sum").replace(0, np.nan)
        raw_w = (has_data / n_in).fillna(0.0).astype(float)
    else:
        raw_w = pd.Series(1.0, index=ids)
    if (raw_w < 0).any():
        raise ParameterError("manual_weights", raw_w[raw_w < 0].to_dict(), "non-negative weights")
    within = raw_w / raw_w.groupby(lens).transform("sum").replace(0, np.nan)
    within = within.fillna(0.0)
    lw = pd.Series({name: float(spec.lens_weights.get(name, 0.0)) for name in LENSES})
    if (lw < 0).any() or lw.sum() <= 0:
        raise ParameterError(
            "lens_weights", spec.lens_weights, "non-negative weights, not all zero"
        )
    if spec.weights == "equal":
        overall = pd.Series(1.0 / len(ids), index=ids)
    else:
        active = within.groupby(lens).sum()
        present_lens = lw[lw.index.isin(active.index[active > 0])]
        overall = within * lens.map(present_lens / present_lens.sum())
    return pd.DataFrame({"lens": lens, "within_lens": within, "overall": overall})


def _pca_weights(block: pd.DataFrame) -> np.ndarray:
    """Squared loadings of the first principal component (complete years), as weights."""
    complete = block.dropna()
    if complete.shape[0] < 3 or complete.shape[1] < 2:
        return np.ones(block.shape[1])
    z = (complete - complete.mean()) / complete.std(ddof=1).replace(0, np.nan)
    z = z.fillna(0.0).to_numpy()
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    w = vt[0] ** 2
    return w if w.sum() > 0 else np.ones(block.shape[1])


def lens_weight_matrix(weights: pd.DataFrame) -> np.ndarray:
    """(lenses + overall) x indicators weight matrix, in the order ``(*LENSES, "overall")``."""
    rows = [np.where(weights["lens"] == name, weights["within_lens"], 0.0) for name in LENSES]
    rows.append(weights["overall"].to_numpy(dtype=float))
    return np.vstack(rows).astype(float)


def coverage_share(observed: pd.DataFrame, norm: pd.DataFrame, w: np.ndarray) -> np.ndarray:
    """Share of each weight vector (rows of ``w``) resting on observed values: years x rows."""
    has = norm.notna().any().to_numpy()
    obs = observed.reindex(index=norm.index, columns=norm.columns).fillna(False).to_numpy()
    ww = w * has[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (obs.astype(float) @ ww.T) / ww.sum(axis=1)[None, :]


def aggregate_scores(
    norm: pd.DataFrame,
    weights: pd.DataFrame,
    spec: ScoringSpec,
    observed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per year: a score for each lens and the overall score, with indicators counted.

    ``n_indicators`` counts the indicators observed in the year (not carried or
    interpolated); ``coverage`` is the share of the lens's weight they carry.
    Below ``spec.coverage_min`` the lens-year's score is missing.

    Returns
    -------
    DataFrame
        columns ``year, lens, score, n_indicators, coverage`` (lens ``overall`` included).
    """
    agg = AGGREGATORS[spec.aggregate]
    x = norm.to_numpy(dtype=float)
    if observed is None:
        observed = norm.notna()
    obs = observed.reindex(index=norm.index, columns=norm.columns).fillna(False).to_numpy()
    w_all = lens_weight_matrix(weights)
    share = coverage_share(observed, norm, w_all)
    rows = []
    for k, name in enumerate((*LENSES, "overall")):
        w = w_all[k]
        score = agg(x, w[None, :], spec.power)
        n = (obs & (w[None, :] > 0)).sum(axis=1)
        cov = share[:, k]
        score = np.where(cov >= spec.coverage_min - 1e-12, score, np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "year": norm.index,
                    "lens": name,
                    "score": score,
                    "n_indicators": n,
                    "coverage": cov,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def contributions(norm: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's contribution to the overall arithmetic score, per year (long)."""
    w = weights["overall"]
    present = norm.notna()
    share = present.mul(w, axis=1)
    share = share.div(share.sum(axis=1).replace(0, np.nan), axis=0)
    contrib = norm.fillna(0) * share
    out = contrib.stack().rename("contribution").reset_index()
    out.columns = ["year", "indicator", "contribution"]
    out["lens"] = out["indicator"].map(weights["lens"])
    return out


def score_panel(
    panel: pd.DataFrame, registry: Mapping[str, Indicator], spec: ScoringSpec | str | None = None
) -> dict[str, pd.DataFrame]:
    """Score a values panel with one spec.

    Returns
    -------
    dict
        ``scores`` (year, lens, score, n_indicators), ``normalised`` (years x
        indicators), ``weights`` (nominal and effective), ``imputed`` flags,
        ``contributions``.
    """
    spec = resolve_spec(spec)
    norm, imputed, raw = prepare(panel, registry, spec)
    weights = indicator_weights(norm, registry, spec)
    scores = aggregate_scores(norm, weights, spec, observed=raw.notna())
    contrib = contributions(norm, weights)
    eff = contrib.groupby("indicator")["contribution"].sum()
    weights = weights.assign(effective=(eff / eff.sum()).reindex(weights.index))
    return {
        "scores": scores,
        "normalised": norm,
        "weights": weights,
        "imputed": imputed,
        "contributions": contrib,
    }
