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

import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from balances.analysis import period_summary, score
from balances.change import r2_on_year
from balances.config import PANEL_END
from balances.errors import ParameterError
from balances.params import DEFAULT_DRAWS, DEFAULT_SEED, DEFAULT_START
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
    start: int = DEFAULT_START,
    end: int = PANEL_END,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
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


def detrended(focal: str = "RUS,CHN", reference: str = "USA", how: str = "detrend") -> pd.DataFrame:
    """The lens scores of a triad without their trend: year x lens.

    ``how`` is ``detrend`` (residuals of a straight line in the year: what is left
    when time is taken out) or ``difference`` (year-on-year changes), as in
    :func:`balances.change.detrend`.
    """
    from balances.change import detrend

    x = lens_scores(focal, reference)
    return pd.DataFrame({lens: detrend(x[lens].rename(lens), how) for lens in x.columns})


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
            r2 = float(r["r2_year"])
            row[f"R2 {lens}"] = f"{r2:.2f}" if np.isfinite(r2) else "constant"
        out[triad] = row
    return pd.DataFrame.from_dict(out, orient="index")


# ---------------------------------------------------------------- the comparative test

#: Pairs that did not align against the US in the period (allies of the US and of each
#: other), for the placebo: the same test where the outcome should not follow the lenses.
#: US treaty allies among the dyad states; their 15 pairs make the placebo.
US_ALLIES: tuple[str, ...] = ("GBR", "FRA", "DEU", "JPN", "KOR", "TUR")
PLACEBO_TRIADS: tuple[tuple[str, str], ...] = tuple(
    (f"{a},{b}", "USA") for i, a in enumerate(US_ALLIES) for b in US_ALLIES[i + 1 :]
)
DRIVERS = ("power", "threat", "interests")
#: Confidence level of the intervals in the comparative table.
LEVEL = 0.90

METHOD = (
    "Method: first differences of the alignment outcome ('aligned against', balances.alignment."
    "against: the pair's dyadic alignment minus the mean of each member's alignment with the "
    "reference) regressed on the first differences of the three lens scores one year earlier, "
    "OLS with a constant; for one triad Newey-West (HAC) standard errors with the small-sample "
    "correction; placebo: the same model pooled over pairs that did not align (US allies), errors "
    "clustered by pair; population: all triads of the declared population, with year fixed "
    "effects and errors clustered by triad. Differencing removes the shared trends that make "
    f"levels correlate whatever their relation. Intervals are {LEVEL:.0%}."
)


def lens_scores(
    focal: str, reference: str, start: int = 1991, end: int = PANEL_END
) -> pd.DataFrame:
    """Year x lens (power, threat, interests) nominal scores of one triad (no draws)."""
    from balances.analysis import indicator_panel
    from balances.scoring import score_panel

    panel, registry = indicator_panel(focal, reference)
    tab = score_panel(panel, registry)["scores"]
    wide_ = tab[tab["lens"].isin(DRIVERS)].pivot(index="year", columns="lens", values="score")
    return wide_.loc[max(start, 1991) : end, list(DRIVERS)]


def batch_against(
    items: Iterable[tuple[str, str]], start: int, end: int
) -> dict[tuple[str, str], pd.Series]:
    """:func:`balances.alignment.against` for many triads from one read of the outcome.

    The same formula, ``s(A, B) - (s(A, R) + s(B, R)) / 2``, over the dyad scores
    of :func:`balances.alignment.dyad_scores` (a test checks it equals ``against``).
    """
    from balances.alignment import dyad_scores

    items = list(items)
    triads = [Triad.parse(f, r) for f, r in items]
    keys = [
        ((t.focal1, t.focal2), (t.focal1, t.reference), (t.focal2, t.reference)) for t in triads
    ]
    d = dyad_scores(sorted({p for k in keys for p in k}), start, end)
    by = {k: g.set_index("year")["score"] for k, g in d.groupby(["iso3_1", "iso3_2"])}
    out = {}
    for item, k in zip(items, keys, strict=True):
        ab, ar, br = (by.get(p) for p in k)
        if ab is None or ar is None or br is None:
            continue
        out[item] = (ab - (ar + br) / 2).dropna()
    return out


def _default_outcome(focal: str, reference: str, start: int, end: int) -> pd.Series:
    from balances import alignment  # the outcome package (issue 10)

    pair = tuple(p.strip().upper() for p in focal.split(","))
    out = alignment.against(focal=pair, reference=reference, start=start, end=end)
    return out.set_index("year")["score"].astype(float)


def _design(y: pd.Series, x: pd.DataFrame, lag: int) -> pd.DataFrame:
    dy = y.sort_index().diff().rename("d_outcome")
    dx = x.sort_index().diff()
    dx.index = dx.index + lag
    return pd.concat([dy, dx], axis=1, join="inner").dropna()


def _verdict(lens: str, lo: float, hi: float, sign: int = 1) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{lens}: not estimable"
    if lo > 0:
        return f"{lens} moves with alignment" + ("" if sign > 0 else " (against its expected sign)")
    if hi < 0:
        return f"{lens} moves against alignment"
    return f"{lens} does not move with alignment (interval includes 0)"


def changes_on_changes(y: pd.Series, x: pd.DataFrame, lag: int = 1) -> pd.DataFrame:
    """One triad: Δoutcome[t] on Δlens[t - lag], OLS with HAC errors.

    Returns
    -------
    DataFrame
        ``lens, estimate, se, ci_low, ci_high, p_value, n, verdict``.
    """
    from statsmodels.tools.tools import add_constant

    from balances.change import _hac_ols

    d = _design(y, x, lag)
    n = len(d)
    cols = list(x.columns)
    if n < len(cols) + 3:
        return pd.DataFrame(
            {"lens": cols, "n": n, "verdict": [f"{c}: not estimable ({n} years)" for c in cols]}
        )
    res, _ = _hac_ols(d["d_outcome"], add_constant(d[cols]), None)
    ci = res.conf_int(alpha=1 - LEVEL)
    return pd.DataFrame(
        {
            "lens": cols,
            "estimate": [res.params[c] for c in cols],
            "se": [res.bse[c] for c in cols],
            "ci_low": [ci.loc[c, 0] for c in cols],
            "ci_high": [ci.loc[c, 1] for c in cols],
            "p_value": [res.pvalues[c] for c in cols],
            "n": n,
            "verdict": [_verdict(c, ci.loc[c, 0], ci.loc[c, 1]) for c in cols],
        }
    )


def pooled_changes(data: pd.DataFrame, lag: int = 1, *, year_effects: bool = True) -> pd.DataFrame:
    """Several triads: Δoutcome on lagged Δlens, errors clustered by triad.

    ``data`` is long: ``triad, year, outcome, power, threat, interests``. With
    ``year_effects`` each year gets its own intercept, so only what differs between
    pairs in a year identifies a lens; a lens whose changes are the same for every
    pair in every year (a system-level series) is then not identified and is
    reported so instead of being estimated.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    parts = []
    for triad, d in data.groupby("triad", sort=False):
        d = d.set_index("year")
        part = _design(d["outcome"], d[list(DRIVERS)], lag)
        parts.append(part.assign(triad=triad))
    panel = pd.concat(parts).reset_index(names="year")
    identified = list(DRIVERS)
    if year_effects:
        within = panel[list(DRIVERS)] - panel.groupby("year")[list(DRIVERS)].transform("mean")
        scale = panel[list(DRIVERS)].std().replace(0, np.nan)
        identified = [c for c in DRIVERS if within[c].std() > 1e-6 * (scale[c] or 1.0)]
    x = panel[identified]
    if year_effects:
        x = pd.concat(
            [x, pd.get_dummies(panel["year"], prefix="y", drop_first=True, dtype=float)], axis=1
        )
    groups = pd.factorize(panel["triad"])[0]
    res = OLS(panel["d_outcome"], add_constant(x, has_constant="add")).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    ci = res.conf_int(alpha=1 - LEVEL)
    rows = []
    for c in DRIVERS:
        if c not in identified:
            rows.append(
                {
                    "lens": c,
                    "n": len(panel),
                    "verdict": f"{c}: not identified (its changes are the same for every pair "
                    "in a year, and year effects absorb them)",
                }
            )
            continue
        rows.append(
            {
                "lens": c,
                "estimate": res.params[c],
                "se": res.bse[c],
                "ci_low": ci.loc[c, 0],
                "ci_high": ci.loc[c, 1],
                "p_value": res.pvalues[c],
                "n": len(panel),
                "verdict": _verdict(c, ci.loc[c, 0], ci.loc[c, 1]),
            }
        )
    return pd.DataFrame(rows)


def comparative_test(
    focal: str = "RUS,CHN",
    reference: str = "USA",
    start: int = DEFAULT_START,
    end: int = PANEL_END,
    *,
    triads: Iterable[tuple[str, str]] | None = None,
    placebos: Iterable[tuple[str, str]] = PLACEBO_TRIADS,
    population: bool = True,
    outcome: object | None = None,
    lag: int = 1,
) -> dict[str, object]:
    """Which lens moves with the alignment outcome: the focal triad, a placebo, a population.

    Parameters
    ----------
    focal, reference
        The triad under study.
    start, end
        Years of the outcome and lens changes.
    triads
        The population of triads (default: the declared scoring population,
        :data:`balances.indicators.population.POPULATION`).
    placebos
        Pairs that did not align; the same test is pooled over them.
    outcome
        ``f(focal, reference, start, end) -> Series`` of the outcome by year
        (default: :func:`balances.alignment.against`).

    Returns
    -------
    dict
        ``table`` (sample, lens, estimate, ci_low, ci_high, p_value, n, verdict),
        ``method`` and ``caution``.
    """
    from balances.indicators.population import POPULATION

    get = outcome or _default_outcome
    rows = []
    one = changes_on_changes(
        get(focal, reference, start, end), lens_scores(focal, reference, start - lag, end), lag
    )
    rows.append(one.assign(sample=Triad.parse(focal, reference).label))

    # the placebo is the single-triad test pooled over pairs that did not align: the same
    # specification (a constant, no year effects), errors clustered by pair
    pooled = functools.partial(_pooled, start=start, end=end, lag=lag, outcome=outcome)
    rows.append(pooled(placebos, False).assign(sample="placebo: pairs that did not align"))
    if population:
        items = (
            list(triads)
            if triads is not None
            else [(f"{t.focal1},{t.focal2}", t.reference) for t in POPULATION.triads()]
        )
        rows.append(pooled(items, True).assign(sample=f"population: {len(items)} triads"))
    table = pd.concat(rows, ignore_index=True)
    cols = ["sample", "lens", "estimate", "ci_low", "ci_high", "p_value", "n", "verdict"]
    n1 = int(one["n"].iloc[0])
    caution = (
        f"the single triad rests on {n1} yearly changes: HAC errors are unreliable in samples "
        "this small, so read its intervals as indicative; the interests lens (UNGA ideal points) "
        "and the outcome (which uses UNGA votes) share a source, so their co-movement is partly "
        "mechanical; year fixed effects absorb the reference's preponderance (the same for every "
        "pair), so the population estimate for power rests on the pair's capacity"
    )
    return {
        "table": table.reindex(columns=cols),
        "method": METHOD,
        "caution": caution,
        "summary": summarise(table),
    }


def _pooled(
    items: Iterable[tuple[str, str]],
    year_effects: bool,
    *,
    start: int,
    end: int,
    lag: int,
    outcome: object | None,
) -> pd.DataFrame:
    """The changes-on-changes test pooled over triads (``items``: focal, reference pairs)."""
    get = outcome or _default_outcome
    items = list(items)
    batch = batch_against(items, start, end) if outcome is None else None
    frames = []
    for f, r in items:
        x = lens_scores(f, r, start - lag, end)
        if batch is not None:
            if (f, r) not in batch:
                continue
            y = batch[(f, r)].rename("outcome")
        else:
            y = get(f, r, start, end).rename("outcome")
        label = Triad.parse(f, r).label
        frames.append(x.join(y, how="outer").reset_index(names="year").assign(triad=label))
    return pooled_changes(pd.concat(frames, ignore_index=True), lag, year_effects=year_effects)


def _moves(v: object) -> int:
    text = str(v)
    return 1 if "moves with" in text else -1 if "moves against" in text else 0


def summarise(table: pd.DataFrame) -> str:
    """The comparative table in words: each lens for the triad, then across triads and in the placebo."""
    samples = list(dict.fromkeys(table["sample"]))
    one = table[table["sample"] == samples[0]].set_index("lens")["verdict"].map(_moves)
    words = {
        1: "moves with alignment",
        -1: "moves against alignment",
        0: "does not move with alignment",
    }
    parts = [f"{samples[0]}: " + "; ".join(f"{k} {words[v]}" for k, v in one.items())]
    pop = [x for x in samples if x.startswith("population")]
    placebo = [x for x in samples if x.startswith("placebo")]
    if pop:
        p = table[table["sample"] == pop[0]].set_index("lens")["verdict"]
        pl = (
            table[table["sample"] == placebo[0]].set_index("lens")["verdict"].map(_moves)
            if placebo
            else pd.Series(dtype=int)
        )
        bits = []
        for lens, v in p.items():
            if "not identified" in str(v):
                bits.append(f"{lens} is not identified")
                continue
            text = f"{lens} {words[_moves(v)]}"
            if _moves(v) != 0 and pl.get(lens, 0) == _moves(v):
                text += " (but also among pairs that did not align: not specific to alignment)"
            bits.append(text)
        parts.append(f"Across {pop[0].split(': ')[1]}: " + "; ".join(bits))
    return ". ".join(parts) + "."
