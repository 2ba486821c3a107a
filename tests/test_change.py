"""Statistics of change (balances.change) on seeded synthetic series with known answers."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.diagnostic import breaks_cusumolsresid
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tools.tools import add_constant
from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

from balances.change import (
    KO_BREAKS,
    LATER_BREAKS,
    chow_tests,
    compare_regimes_with_periods,
    hac_maxlags,
    lagged_correlations,
    markov_regimes,
    residual_gap,
    trend_by_period,
    unknown_break,
)
from balances.errors import ParameterError

YEARS = np.arange(1991, 2025)


def yearly(values: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=YEARS[: len(values)])


def level_shift(seed: int = 0, at: int = 2003, size: float = 1.0, sd: float = 0.25) -> pd.Series:
    rng = np.random.default_rng(seed)
    return yearly((YEARS >= at) * size + rng.normal(0, sd, YEARS.size))


def no_break(seed: int = 0, slope: float = 0.02, sd: float = 0.25) -> pd.Series:
    rng = np.random.default_rng(seed)
    return yearly(slope * (YEARS - YEARS[0]) + rng.normal(0, sd, YEARS.size))


@pytest.fixture(autouse=True)
def no_stray_warnings():
    """Every warning is captured into a caution: none may reach the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------------ trends


def test_hac_maxlags_rule_of_thumb():
    assert [hac_maxlags(n) for n in (3, 10, 34, 100, 1000)] == [1, 2, 3, 4, 6]


def test_trend_recovers_known_slope_with_hac_errors():
    rng = np.random.default_rng(11)
    noise = signal.lfilter([1.0], [1.0, -0.5], rng.normal(0, 0.1, YEARS.size))
    s = yearly(0.05 * (YEARS - 2000) + noise)
    out = trend_by_period(s, {"all": (1991, 2024)})
    row = out.iloc[0]
    assert row["n"] == 34
    assert row["slope"] == pytest.approx(0.05, abs=0.01)
    half = stats.t.ppf(0.975, 32) * row["se"]  # t reference with n - 2 degrees of freedom
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (row["slope"] - half, row["slope"] + half)
    )
    assert row["slope"] == pytest.approx(np.polyfit(YEARS, s.to_numpy(), 1)[0])
    ref = OLS(s.to_numpy(), add_constant(YEARS.astype(float))).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}, use_t=True
    )
    assert row["se"] == pytest.approx(ref.bse[1])
    assert row["p_value"] == pytest.approx(ref.pvalues[1])
    assert row["caution"] == ""


def test_trend_explicit_maxlags_changes_se_not_slope():
    s = no_break(3)
    a = trend_by_period(s, {"all": (1991, 2024)}).iloc[0]
    b = trend_by_period(s, {"all": (1991, 2024)}, maxlags=1).iloc[0]
    assert a["slope"] == pytest.approx(b["slope"])
    assert a["se"] != pytest.approx(b["se"])


def test_trend_small_periods_keep_rows_with_cautions():
    s = no_break(1)
    s.iloc[:2] = np.nan  # NaN at the ends are simply not observed
    periods = {
        "early": (1991, 1995),
        "tiny": (1991, 1993),
        "out": (1960, 1970),
        "late": (2020, 2030),
    }
    out = trend_by_period(s, periods)
    assert out["period"].tolist() == list(periods)
    early, tiny, outside, late = (out.iloc[i] for i in range(4))
    assert early["n"] == 3 and np.isfinite(early["slope"])
    # n = 3 < 8: the p-value is the exact permutation one (1/3: 2 of 6 orderings as steep)
    assert "exact permutation" in early["caution"] and "data cover 1993-1995" in early["caution"]
    assert early["p_method"] == "exact permutation" and np.isnan(early["se"])
    assert early["p_value"] >= 1 / 3 - 1e-9
    assert tiny["n"] == 1 and np.isnan(tiny[["slope", "se", "t", "p_value"]].astype(float)).all()
    assert "not estimated" in tiny["caution"]
    assert outside["n"] == 0 and "not estimated" in outside["caution"]
    assert late["n"] == 5 and "data cover 2020-2024 only" in late["caution"]


def test_trend_rejects_bad_periods():
    with pytest.raises(ParameterError, match="periods"):
        trend_by_period(no_break(), {"backwards": (2000, 1990)})
    with pytest.raises(ParameterError, match="series"):
        trend_by_period([1.0, 2.0], {"all": (1991, 1992)})


# ------------------------------------------------------------------ Chow


def test_chow_rejects_level_shift_at_2003():
    out = chow_tests(level_shift(0), [2003]).iloc[0]
    assert (out["n_before"], out["n_after"], out["df1"], out["df2"]) == (12, 22, 2, 30)
    assert out["p_value"] < 0.01


def test_chow_does_not_reject_without_a_break():
    out = chow_tests(no_break(5), [1996]).iloc[0]
    assert out["p_value"] > 0.05
    # with independent errors the F test holds its size
    p = [chow_tests(no_break(seed), [1996]).loc[0, "p_value"] for seed in range(300)]
    assert 0.02 < np.mean(np.array(p) < 0.05) < 0.09


def test_chow_f_equals_statsmodels_f_test_on_interacted_model():
    s = level_shift(4, size=0.5)
    b = 2001
    t = s.index.to_numpy(float)
    d = (t >= b).astype(float)
    x = np.column_stack([np.ones_like(t), t, d, d * t])
    ref = OLS(s.to_numpy(), x).fit().f_test(np.array([[0, 0, 1, 0], [0, 0, 0, 1]]))
    out = chow_tests(s, [b]).iloc[0]
    assert out["F"] == pytest.approx(float(np.squeeze(ref.fvalue)), rel=1e-9)
    assert out["p_value"] == pytest.approx(float(ref.pvalue), rel=1e-7)
    assert (out["df1"], out["df2"]) == (ref.df_num, ref.df_denom)


def test_chow_default_breaks_and_untestable_rows():
    s = no_break(2)
    assert chow_tests(s)["break_year"].tolist() == list(KO_BREAKS + LATER_BREAKS)
    out = chow_tests(s, [1980, 1993, 2023, 2003])
    assert out["break_year"].tolist() == [1980, 1993, 2023, 2003]
    assert out[["n_before", "n_after"]].values.tolist() == [[0, 34], [2, 32], [32, 2], [12, 22]]
    assert out.loc[:2, ["F", "p_value", "df2"]].isna().all().all()
    assert out.loc[:2, "caution"].str.startswith("not testable").all()
    assert np.isfinite(out.loc[3, "F"]) and out.loc[3, "caution"] == ""


# ------------------------------------------------------------------ unknown break


@pytest.mark.parametrize("at", [1999, 2003, 2014])
def test_supf_finds_the_break_year(at):
    out = unknown_break(level_shift(7, at=at), n_boot=499)
    assert abs(out["break_year"] - at) <= 1
    assert out["p_value"] < 0.05
    supf = out["supf"]
    assert out["sup_f"] == pytest.approx(supf["F"].max())
    # the sup-F curve is the Chow F at each candidate year
    chow = chow_tests(level_shift(7, at=at), supf["year"])
    np.testing.assert_allclose(supf["F"], chow["F"])


def test_supf_trims_candidates_and_reports_cusum():
    s = no_break(9)
    out = unknown_break(s, trim=0.15)
    years = out["supf"]["year"]
    assert years.min() == 1991 + 6 and years.max() == 2024 - 5  # ceil(0.15 * 34) = 6 each side
    assert out["p_value"] > 0.05
    resid = OLS(s.to_numpy(), add_constant(YEARS.astype(float))).fit().resid
    stat, p, _ = breaks_cusumolsresid(resid, ddof=2)
    assert out["cusum_stat"] == pytest.approx(stat) and out["cusum_p"] == pytest.approx(p)
    assert "34 observations" in out["caution"]


def test_supf_deterministic_given_seed():
    s = level_shift(2, size=0.4)
    a, b = unknown_break(s, seed=3), unknown_break(s, seed=3)
    assert a["p_value"] == b["p_value"] and a["break_year"] == b["break_year"]
    pd.testing.assert_frame_equal(a["supf"], b["supf"])


def test_supf_short_series_gives_caution_not_error():
    out = unknown_break(yearly([1.0, 2.0, 2.5, 4.0, 4.1]))
    assert out["supf"].empty and out["break_year"] is None and np.isnan(out["sup_f"])
    assert "no candidate break" in out["caution"]
    with pytest.raises(ParameterError, match="trim"):
        unknown_break(no_break(), trim=0.6)


# ------------------------------------------------------------------ Markov regimes


def two_levels(seed: int = 0) -> pd.Series:
    """High (3) until 2002, low (0) from 2003: relabelling must make the low one regime 0."""
    rng = np.random.default_rng(seed)
    return yearly(np.where(YEARS < 2003, 3.0, 0.0) + rng.normal(0, 0.4, YEARS.size))


@pytest.fixture(scope="module")
def two_level_fit() -> dict:
    """The default two-regime fit of :func:`two_levels`, shared by the tests that read it."""
    return markov_regimes(two_levels())


def test_markov_recovers_levels_and_switch_year(two_level_fit):
    out = two_level_fit
    spells = out["regimes"]
    assert spells[["regime", "start", "end"]].values.tolist() == [[1, 1991, 2002], [0, 2003, 2024]]
    means = out["params"].set_index("parameter")["estimate"]
    assert means["const[0]"] == pytest.approx(0.0, abs=0.25)
    assert means["const[1]"] == pytest.approx(3.0, abs=0.25)
    assert spells["mean_level"].tolist() == pytest.approx([means["const[1]"], means["const[0]"]])
    probs = out["probabilities"]
    assert list(probs.columns) == ["regime_0", "regime_1"] and probs.index.name == "year"
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs.loc[2003, "regime_0"] > 0.9 and probs.loc[2002, "regime_1"] > 0.9
    trans = out["params"].query("kind == 'transition'")
    np.testing.assert_allclose(trans.groupby("regime")["estimate"].sum(), 1.0)
    assert out["caution"].startswith("34 observations: regime estimates are indicative only")
    assert isinstance(out["result"].model, MarkovRegression)


def test_markov_deterministic_given_seed():
    s = two_levels(3) + no_break(3)
    # five seeded random starting points are enough to show the seed fixes the fit
    a, b = markov_regimes(s, seed=1, search_reps=5), markov_regimes(s, seed=1, search_reps=5)
    pd.testing.assert_frame_equal(a["params"], b["params"])
    pd.testing.assert_frame_equal(a["probabilities"], b["probabilities"])


def test_markov_drops_missing_years_and_says_so():
    s = two_levels(1)
    s.iloc[[0, 1, -1]] = np.nan
    out = markov_regimes(s, switching_variance=True)
    assert out["probabilities"].index[[0, -1]].tolist() == [1993, 2023]
    assert "1993-2023 (31 years)" in out["caution"]
    assert out["params"].query("kind == 'variance'")["regime"].tolist() == [0, 1]


def test_markov_short_series_is_not_estimated():
    out = markov_regimes(yearly([0.0, 0.1, 3.0, 3.1, 2.9, 0.2]))
    assert out["result"] is None and out["regimes"].empty and out["probabilities"].empty
    assert "6 observations: regime estimates are indicative only" in out["caution"]
    assert "not estimated" in out["caution"]


def test_markov_warnings_go_to_caution(monkeypatch):
    fit = MarkovRegression.fit

    def noisy_fit(self, *args, **kwargs):
        warnings.warn(
            "Maximum Likelihood optimization failed to converge", ConvergenceWarning, stacklevel=2
        )
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MarkovRegression, "fit", noisy_fit)
    out = markov_regimes(two_levels())
    assert "ConvergenceWarning: Maximum Likelihood optimization failed" in out["caution"]


def test_markov_failed_fits_are_reported_not_raised(monkeypatch):
    def broken_fit(self, *args, **kwargs):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(MarkovRegression, "fit", broken_fit)
    out = markov_regimes(two_levels())
    assert out["result"] is None and out["regimes"].empty and out["params"].empty
    assert "LinAlgError: SVD did not converge" in out["caution"]
    assert out["caution"].endswith("not estimated: no fit succeeded")


def test_markov_too_many_regimes_is_flagged(capsys):
    out = markov_regimes(two_levels(), k_regimes=3, switching_variance=True)
    assert "collapsed" in out["caution"] or "no fit succeeded" in out["caution"]
    # statsmodels' convergence warnings go to the caution, not to the screen
    assert capsys.readouterr() == ("", "")


def test_compare_regimes_with_periods():
    spells = pd.DataFrame(
        {"regime": [1, 0, 1], "start": [1991, 2001, 2011], "end": [2000, 2010, 2024]}
    )
    periods = {"1990s": (1991, 2000), "straddle": (1996, 2005), "future": (2030, 2035)}
    out = compare_regimes_with_periods(spells, periods).set_index("period")
    assert out.loc["1990s", ["share_regime_0", "share_regime_1"]].tolist() == [0.0, 1.0]
    assert (
        out.loc["straddle", "share_regime_0"] == 0.5 and out.loc["straddle", "dominant_regime"] == 0
    )
    assert out.loc["1990s", "dominant_regime"] == 1
    assert out.loc["future", "n_years"] == 0 and pd.isna(out.loc["future", "dominant_regime"])


def test_compare_uses_markov_output(two_level_fit):
    out = two_level_fit
    cmp = compare_regimes_with_periods(out["regimes"], {"Ko I": (1991, 1995), "late": (2014, 2024)})
    assert cmp["dominant_regime"].tolist() == [1, 0]


# ------------------------------------------------------------------ gap


def drivers_and_outcome(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(34, 2)), index=YEARS, columns=["power", "threat"])
    y = 2 * x["power"].shift(1) + rng.normal(0, 0.2, 34)
    return x, y


def test_residual_gap_recovers_coefficient():
    x, y = drivers_and_outcome()
    out = residual_gap(y, x, lags=1)
    coefs = out["coefficients"].set_index("term")
    assert coefs.loc["power", "estimate"] == pytest.approx(2.0, abs=0.1)
    assert coefs.loc["threat", "estimate"] == pytest.approx(0.0, abs=0.15)
    assert coefs.loc["power", "lag"] == 1
    gap = out["gap"]
    inside = gap[gap["in_sample"]]
    assert inside["year"].tolist() == list(range(1992, 2025)) and out["n"] == 33
    np.testing.assert_allclose(inside["gap"], inside["outcome"] - inside["fitted"])
    np.testing.assert_allclose(inside["gap"], out["result"].resid)
    # the 2024 drivers predict 2025, which has no outcome yet
    assert gap.iloc[-1]["year"] == 2025 and pd.isna(gap.iloc[-1]["gap"])


def test_residual_gap_flags_ordinal_outcome_and_small_samples():
    x, y = drivers_and_outcome()
    ladder = y.round().clip(-2, 2)
    assert "integer values: treated as an interval scale" in residual_gap(ladder, x)["caution"]
    tiny = residual_gap(y.iloc[:3], x)
    assert tiny["result"] is None and tiny["coefficients"]["estimate"].isna().all()
    assert "not estimated" in tiny["caution"]


def test_lagged_correlations_peak_at_true_lag():
    x, y = drivers_and_outcome()
    out = lagged_correlations(y, x, max_lag=3)
    assert len(out) == 8 and set(out.columns) == {"driver", "lag", "r", "n"}
    power = out[out["driver"] == "power"].set_index("lag")
    assert power["r"].idxmax() == 1 and power.loc[1, "r"] > 0.95
    assert power["n"].tolist() == [33, 33, 32, 31]


# ------------------------------------------------------------------ the module as a whole


def test_nothing_is_printed(capsys):
    s = two_levels()
    trend_by_period(s, {"a": (1991, 1993)})
    chow_tests(s)
    unknown_break(s, n_boot=99)
    markov_regimes(s)  # the failing three-regime fit: test_markov_too_many_regimes_is_flagged
    x, y = drivers_and_outcome()
    residual_gap(y, x)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("module", ["_common", "trend", "breaks", "regimes", "gap"])
def test_every_module_has_docstring_examples(module):
    """Each statistics module shows how it is called; pytest --doctest-modules runs them."""
    mod = importlib.import_module(f"balances.change.{module}")
    examples = [t for t in doctest.DocTestFinder().find(mod) if t.examples]
    assert examples, module
