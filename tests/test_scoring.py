"""Scoring: properties of normalisers and aggregators, the spec, Monte Carlo reproducibility."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from balances.errors import ParameterError, RegistryError
from balances.indicators.registry import Indicator
from balances.scoring import (
    AGGREGATORS,
    NORMALISERS,
    PRESETS,
    ScoringSpec,
    resolve_spec,
    score_panel,
)
from balances.uncertainty import monte_carlo

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
series = arrays(np.float64, st.integers(3, 30), elements=finite, unique=True)


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@given(x=series)
@settings(max_examples=60, deadline=None)
def test_normalisers_keep_order_and_bounds(name: str, x: np.ndarray) -> None:
    out = NORMALISERS[name](x[:, None], 0)[:, 0]
    assert np.all((out >= -1e-9) & (out <= 100 + 1e-9))
    order = np.argsort(x, kind="mergesort")
    assert np.all(np.diff(out[order]) >= -1e-9)


def test_normalisers_keep_missing_missing() -> None:
    x = np.array([[1.0], [np.nan], [3.0]])
    for name, fn in NORMALISERS.items():
        assert np.isnan(fn(x, 0)[1, 0]), name


def test_distance_normaliser_is_50_at_reference_year() -> None:
    x = np.array([[2.0], [5.0], [1.0]])
    assert NORMALISERS["distance"](x, 1)[1, 0] == 50.0


@pytest.mark.parametrize("name", sorted(AGGREGATORS))
@given(
    x=arrays(np.float64, st.integers(1, 12), elements=st.floats(0, 100)),
    w=arrays(np.float64, 12, elements=st.floats(0.01, 10)),
)
@settings(max_examples=80, deadline=None)
def test_aggregators_lie_between_min_and_max(name: str, x: np.ndarray, w: np.ndarray) -> None:
    out = AGGREGATORS[name](x, w[: x.size], 0.5)
    assert x.min() - 1e-7 <= out <= x.max() + 1e-7


def test_geometric_penalises_imbalance() -> None:
    x, w = np.array([0.0, 100.0]), np.array([1.0, 1.0])
    assert AGGREGATORS["geometric"](x, w, 0) < AGGREGATORS["arithmetic"](x, w, 1) == 50.0


def _toy(n_years: int = 10, seed: int = 3) -> tuple[pd.DataFrame, dict[str, Indicator]]:
    rng = np.random.default_rng(seed)
    reg, rows = {}, []
    for lens in ("power", "threat", "interests"):
        for k in range(3):
            iid = f"{lens}_{k}"
            reg[iid] = Indicator(
                id=iid,
                lens=lens,
                title=iid,
                unit="u",
                level="system",
                direction=1 if k else -1,
                concept="c",
                citation="c",
                sources=["t"],
                compute={"op": "value"},
            )
            vals = rng.normal(size=n_years).cumsum()
            rows += [
                {
                    "year": 2000 + y,
                    "indicator": iid,
                    "lens": lens,
                    "value": v,
                    "status": "present",
                    "note": "",
                }
                for y, v in enumerate(vals)
            ]
    return pd.DataFrame(rows), reg


def test_direction_orients_indicators() -> None:
    panel, reg = _toy()
    norm = score_panel(panel, reg)["normalised"]
    raw = panel.pivot(index="year", columns="indicator", values="value")
    assert norm["power_0"].idxmax() == raw["power_0"].idxmin()  # direction -1
    assert norm["power_1"].idxmax() == raw["power_1"].idxmax()


def test_scores_on_0_100_with_counts() -> None:
    panel, reg = _toy()
    scores = score_panel(panel, reg)["scores"]
    assert set(scores["lens"]) == {"power", "threat", "interests", "overall"}
    assert scores["score"].between(0, 100).all()
    assert (scores.query("lens == 'overall'")["n_indicators"] == 9).all()


def test_weights_are_reported_and_sum_to_one() -> None:
    panel, reg = _toy()
    for spec in (
        "default",
        "pca",
        ScoringSpec(weights="equal"),
        ScoringSpec(weights="manual", manual_weights={"power_0": 2, "power_1": 1, "power_2": 1}),
    ):
        w = score_panel(panel, reg, spec)["weights"]
        assert w["overall"].sum() == pytest.approx(1.0)
        assert w["effective"].sum() == pytest.approx(1.0)


def test_manual_weights_naming_unknown_indicator_fail() -> None:
    panel, reg = _toy()
    with pytest.raises(ParameterError, match="manual_weights"):
        score_panel(panel, reg, ScoringSpec(weights="manual", manual_weights={"nope": 1}))


def test_spec_round_trip_and_hash(tmp_path: Path) -> None:
    spec = ScoringSpec(normalise="rank", aggregate="geometric")
    spec.save(tmp_path / "s.yml")
    again = ScoringSpec.load(tmp_path / "s.yml")
    assert again == spec and again.digest() == spec.digest() != PRESETS["default"].digest()
    (tmp_path / "bad.yml").write_text("normalise: cubic\n")
    with pytest.raises(RegistryError, match=r"bad\.yml, line 1, column 1: normalise"):
        ScoringSpec.load(tmp_path / "bad.yml")
    assert resolve_spec("ko").reference_year == 1999
    with pytest.raises(ParameterError, match="preset"):
        resolve_spec("nonsense")


def test_monte_carlo_same_seed_same_numbers() -> None:
    panel, reg = _toy()
    a = monte_carlo(panel, reg, draws=500, seed=7)["bands"]
    b = monte_carlo(panel, reg, draws=500, seed=7)["bands"]
    c = monte_carlo(panel, reg, draws=500, seed=8)["bands"]
    pd.testing.assert_frame_equal(a, b)
    assert not a["low"].equals(c["low"])


@given(seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_weight_band_contains_the_point_score(seed: int) -> None:
    """Perturbing only the weights around the spec, the 5-95% band holds the nominal score."""
    panel, reg = _toy(seed=seed)
    bands = monte_carlo(panel, reg, draws=2000, seed=seed, vary=("weights",))["bands"]
    assert (
        (bands["low"] <= bands["score"] + 1e-9) & (bands["score"] <= bands["high"] + 1e-9)
    ).all()


def test_all_choices_varied_give_a_band_and_sensitivity() -> None:
    panel, reg = _toy()
    res = monte_carlo(panel, reg, draws=2000, seed=1)
    bands = res["bands"]
    assert (bands["low"] <= bands["high"]).all()
    assert set(res["sensitivity"]["factor"]) >= {
        "normalise",
        "aggregate",
        "leave_one_out",
        "weight_power",
    }
    assert res["sensitivity"]["first_order"].between(0, 1).all()
