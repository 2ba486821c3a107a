"""Checks of the alignment outcome against what it never saw, and against its own sources stopping.

* **Formal alliances.** ROC AUC of the score against ATOP 5.1 defence pacts
  over all pairs of UN members, 1992-2018, pooled and by year: the chance
  that a random allied pair-year outscores a random non-allied one (0.5 is
  guessing). UNGA kappa alone gives about 0.75 (``MEASUREMENT.md``).
* **Allies and rivals.** Mean score of defence-pact pair-years against the
  strategic rivals' (Thompson, Sakuwa & Suhas), and the AUC between the two.
* **Relationship levels.** Spearman's rank correlation of the score with the
  Peace Scale (Goertz, Diehl & Balas), an expert coding of the politically
  relevant pairs from severe rivalry to security community, 1946-2020, and
  the mean score at each of its five levels.
* **Sources stopping.** With the fitted parameters held, each input is made
  unobserved everywhere in turn (as when a source stops for good) and every
  dyad-year re-smoothed: the mean absolute move in units of the dyad-year's
  own 90% interval (its full width). And the mean year-on-year move of all dyads in the first year
  after each source ends, against the median move of the other years.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata, spearmanr

from balances.alignment.hostility import combine
from balances.alignment.model import smooth
from balances.data import load_table
from balances.errors import ParameterError

if TYPE_CHECKING:
    from balances.alignment.outcome import Fitted

ALLY_YEARS = (1992, 2018)
#: Last year of the Peace Scale, and its levels' names (Goertz, Diehl & Balas 2016).
PEACE_END = 2020
PEACE_LEVELS = {
    0.0: "severe rivalry",
    0.25: "lesser rivalry",
    0.5: "negative peace",
    0.75: "warm peace",
    1.0: "security community",
}


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney) of ``score`` for ``label`` 1 against 0; NaN scores are dropped.

    Examples
    --------
    >>> auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    """
    keep = ~np.isnan(score)
    s, y = score[keep], label[keep].astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(s)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _pair_year_key(df: pd.DataFrame) -> np.ndarray:
    """One integer per (ccode1, ccode2, year): COW codes stay below 1000, years below 10000."""
    c1, c2 = df["ccode1"].to_numpy(np.int64), df["ccode2"].to_numpy(np.int64)
    out_of_range = (np.minimum(c1, c2) < 0) | (np.maximum(c1, c2) > 999)
    if out_of_range.any():
        first = int(np.argmax(out_of_range))
        raise ParameterError("ccode", (int(c1[first]), int(c2[first])), "COW state codes, 0-999")
    return (c1 * 1000 + c2) * 10_000 + df["year"].to_numpy(np.int64)


def _labelled(outcome: pd.DataFrame, key: np.ndarray, directory=None) -> pd.DataFrame:
    """Year and score of each outcome row, with 0/1 ``defense`` and ``rivalry`` labels.

    The validation tables list only the pair-years that hold, once each; rows are matched
    on one packed key, ``key`` (a three-key merge of 900k rows took a second)."""
    index = pd.Index(key)  # hashed look-ups, not np.isin's sort
    pacts = load_table("validation_defense_pacts", directory)
    rivals = load_table("validation_rivalries", directory)
    return pd.DataFrame(
        {
            "year": outcome["year"].to_numpy(np.int64),
            "score": outcome["score"].to_numpy(np.float64),
            "defense": index.isin(_pair_year_key(pacts[pacts["defense"] == 1])).astype(float),
            "rivalry": index.isin(_pair_year_key(rivals[rivals["rivalry"] == 1])).astype(float),
        }
    )


def _with_peace(scores: pd.DataFrame, key: np.ndarray, directory=None) -> pd.DataFrame:
    """``score`` and the Peace Scale's ``peace`` for the pair-years its authors coded."""
    peace = load_table("validation_peace_scale", directory)
    at = pd.Index(_pair_year_key(peace)).get_indexer(key)
    hit = at >= 0
    return pd.DataFrame(
        {
            "score": scores["score"].to_numpy()[hit],
            "peace": peace["peace"].to_numpy()[at[hit]],
        }
    )


@dataclass(frozen=True)
class Validation:
    """The figures :func:`validate` prints."""

    auc_pooled: float
    auc_by_period: dict[str, float]
    auc_by_year: pd.Series
    allies_mean: float
    rivals_mean: float
    others_mean: float
    auc_allies_vs_rivals: float
    n_dyad_years: int
    peace_spearman: float
    peace_means: pd.Series  # mean score by Peace Scale level (0, 0.25, ..., 1)
    n_peace: int

    def lines(self) -> list[str]:
        """Human-readable report."""
        y0, y1 = ALLY_YEARS
        by_year = self.auc_by_year
        return [
            f"ROC AUC against ATOP 5.1 defence pacts, all pairs of UN members {y0}-{y1} "
            f"({self.n_dyad_years:,} dyad-years): {self.auc_pooled:.3f} pooled "
            f"(UNGA kappa alone: about 0.75)",
            "  by period: " + ", ".join(f"{k} {v:.3f}" for k, v in self.auc_by_period.items()),
            f"  by year: lowest {by_year.min():.3f} ({int(by_year.idxmin())}), "
            f"highest {by_year.max():.3f} ({int(by_year.idxmax())})",
            f"Mean score {y0}-{y1}: allies (defence pact) {self.allies_mean:.1f}, strategic "
            f"rivals {self.rivals_mean:.1f}, all other pairs {self.others_mean:.1f}; "
            f"AUC allies vs rivals {self.auc_allies_vs_rivals:.3f}",
            f"Peace Scale v3 (expert-coded relationships of {self.n_peace:,} pair-years, "
            f"1946-{PEACE_END}): Spearman {self.peace_spearman:.2f}; mean score by level: "
            + ", ".join(f"{PEACE_LEVELS[k]} {v:.1f}" for k, v in self.peace_means.items()),
        ]


def validate(scores: pd.DataFrame, directory=None) -> Validation:
    """AUC against defence pacts and the allies-rivals gap, from a scored outcome table.

    ``scores`` has ``ccode1 < ccode2, year, score`` for every dyad-year (as
    :func:`balances.alignment.dyad_scores` returns with no pairs).
    """
    y0, y1 = ALLY_YEARS
    key = _pair_year_key(scores)  # packed once for both look-ups
    df = _labelled(scores, key, directory)
    w = df[df["year"].between(y0, y1)]
    s, lab = w["score"].to_numpy(float), w["defense"].to_numpy()
    periods = {"1992-2004": (1992, 2004), "2005-2014": (2005, 2014), "2015-2018": (2015, 2018)}
    by_period = {}
    for name, (a, b) in periods.items():
        m = w["year"].between(a, b).to_numpy()
        by_period[name] = auc(s[m], lab[m])
    by_year = w.groupby("year").apply(
        lambda g: auc(g["score"].to_numpy(float), g["defense"].to_numpy()), include_groups=False
    )
    allies = w["defense"] == 1
    rivals = (w["rivalry"] == 1) & ~allies
    both = w[allies | rivals]
    peace = _with_peace(scores, key, directory)
    level = (peace["peace"] * 4).round() / 4  # dyad-year means fall between the levels
    return Validation(
        peace_spearman=float(spearmanr(peace["score"], peace["peace"]).statistic),
        peace_means=peace.groupby(level)["score"].mean(),
        n_peace=len(peace),
        auc_pooled=auc(s, lab),
        auc_by_period=by_period,
        auc_by_year=by_year,
        allies_mean=float(w.loc[allies, "score"].mean()),
        rivals_mean=float(w.loc[rivals, "score"].mean()),
        others_mean=float(w.loc[~allies & ~rivals, "score"].mean()),
        auc_allies_vs_rivals=auc(both["score"].to_numpy(float), both["defense"].to_numpy()),
        n_dyad_years=len(w),
    )


@dataclass(frozen=True)
class Stability:
    """How the outcome moves when a source stops (parameters held)."""

    drop_one: pd.DataFrame  # input, mean |move| / interval width, share moved beyond the interval
    source_ends: pd.DataFrame  # input, last year, mean |yearly move| after, median otherwise, ratio

    def lines(self) -> list[str]:
        out = [
            "Dropping one input everywhere (parameters held): mean |move| in units of the "
            "dyad-year's own 90% interval"
        ]
        for r in self.drop_one.itertuples():
            out.append(
                f"  {r.input:<16} {r.mean_move_in_intervals:5.2f}   "
                f"dyad-years moved by more than their interval: {r.share_beyond_interval:6.1%}"
            )
        out.append("Year after a source ends: mean |yearly move| of all dyads vs other years")
        for r in self.source_ends.itertuples():
            out.append(
                f"  {r.input:<16} ends {r.last_year}: {r.move_after:.3f} vs median "
                f"{r.median_other:.3f} (ratio {r.ratio:.2f})"
            )
        return out


def stability(fitted: Fitted, band: float = 0.90) -> Stability:
    """Drop-one-input and source-end checks on the alignment latent (see the module docstring).

    A cooperation input is dropped by re-smoothing with it unobserved (the
    parameters held); a hostility input by re-estimating the rates without it.
    """
    z = norm.ppf(0.5 + band / 2)
    panel = fitted.panel
    act = panel.active
    base_mean, base_var = fitted.alignment()
    width = 2 * z * np.sqrt(base_var)
    hs = fitted.hostility
    rows = []
    names = [*panel.inputs, *hs.inputs]
    for name in names:
        if name in panel.inputs:
            sm, _ = smooth(panel.drop_inputs([name]), fitted.coop.params)
            mean, _ = combine(sm.mean, sm.var, hs, fitted.weight)
        else:
            h2 = hs.without(name)
            mean, _ = combine(
                fitted.coop.smoothed.mean, fitted.coop.smoothed.var, h2, fitted.weight
            )
        move = np.abs(mean - base_mean)
        rows.append(
            {
                "input": name,
                "mean_move_in_intervals": float(np.nanmean((move / width)[act])),
                "share_beyond_interval": float(np.nanmean((move > width)[act])),
            }
        )
    years = panel.years
    step = np.abs(np.diff(base_mean, axis=1))  # (D, T-1): move from year t-1 to t
    both = act[:, 1:] & act[:, :-1]
    mean_step = np.where(both, step, 0.0).sum(axis=0) / np.maximum(both.sum(axis=0), 1)
    ends = []
    observed = np.concatenate([~np.isnan(panel.y), hs.observed], axis=2) & act[:, :, None]
    for k, name in enumerate(names):
        per_year = observed[:, :, k].sum(axis=0)
        seen = np.flatnonzero(per_year > 0.5 * per_year.max())
        last = int(years[seen[-1]])
        if last >= years[-1]:
            continue
        t_after = int(np.flatnonzero(years == last + 1)[0]) - 1
        other = np.delete(mean_step, t_after)
        ends.append(
            {
                "input": name,
                "last_year": last,
                "move_after": float(mean_step[t_after]),
                "median_other": float(np.nanmedian(other)),
                "ratio": float(mean_step[t_after] / np.nanmedian(other)),
            }
        )
    return Stability(pd.DataFrame(rows), pd.DataFrame(ends))


def sensitivity(
    fitted: Fitted,
    weights: tuple[float, ...] = (0.0, 1.5, 3.0, 4.5),
    discounts: tuple[float, ...] = (0.6, 0.8),
    directory=None,
) -> pd.DataFrame:
    """The validation figures with hostility weighted or discounted otherwise (both declared).

    Each row rebuilds the alignment latent ``cooperation - weight * hostility``
    (the hostility rates re-estimated for another ``discount``) and its
    percentile score over the same population, then validates it: the
    declared values were not fitted to these sets, and this shows how much
    they matter.
    """
    from balances.alignment.outcome import percentile

    hs0 = fitted.hostility
    panel = fitted.panel
    d, t = np.nonzero(panel.active)
    grid = [(w, hs0.discount) for w in weights] + [
        (fitted.weight, om) for om in discounts if om != hs0.discount
    ]
    rows = []
    for w, om in grid:
        hs = hs0 if om == hs0.discount else hs0.rediscounted(om)
        mean, _ = combine(fitted.coop.smoothed.mean, fitted.coop.smoothed.var, hs, w)
        latent = mean[d, t]
        scores = pd.DataFrame(
            {
                "ccode1": panel.dyads["ccode1"].to_numpy()[d],
                "ccode2": panel.dyads["ccode2"].to_numpy()[d],
                "year": panel.years[t],
                "score": percentile(latent, np.sort(latent)),
            }
        )
        v = validate(scores, directory)
        rows.append(
            {
                "weight": w,
                "discount": om,
                "auc_defence_pacts": v.auc_pooled,
                "allies": v.allies_mean,
                "rivals": v.rivals_mean,
                "others": v.others_mean,
                "peace_spearman": v.peace_spearman,
                "severe_rivalry": float(v.peace_means.get(0.0, np.nan)),
            }
        )
    return pd.DataFrame(rows)


def beside_ladder(focal: tuple[str, str] = ("RUS", "CHN"), start: int = 1991, end: int = 2024):
    """The evidence-coded ladder of the pair beside its outcome score, year by year.

    Returns the table (``year, level, label, uncertain, score, low, high``) and
    Spearman's rank correlation of level and score over the years the ladder
    codes without uncertainty. The ladder is coded from the pair's own
    evidence (summits, military-technical cooperation, exercises, treaties); the
    score from every pair's behaviour: two views of one relationship.
    """
    from scipy.stats import spearmanr

    from balances.alignment.outcome import dyad_scores
    from balances.ladder import ladder
    from balances.triad import Triad

    lad = ladder(Triad(focal[0], focal[1], "USA"), start=start, end=end)["levels"]
    sc = dyad_scores([focal], start, end)[["year", "score", "low", "high"]]
    out = lad[["year", "level", "label", "uncertain"]].merge(sc, on="year", how="left")
    sure = out[~out["uncertain"]].dropna(subset=["score"])
    rho = float(spearmanr(sure["level"], sure["score"]).statistic) if len(sure) > 2 else np.nan
    return out, rho
