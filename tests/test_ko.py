"""Ko's and Korolev's claims: strict loading, evidence rules, no circularity, verdicts pinned.

The numbers behind each pinned verdict are recomputed here from the processed tables, not
copied from the output, and the verdict is checked against them.
"""

from __future__ import annotations

import copy
import functools
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from balances.alignment import against, dyad_scores
from balances.cli import main
from balances.data import load_table
from balances.errors import RegistryError
from balances.indicators.panel import Tables
from balances.ko import (
    CLAIM_FILES,
    CLAIMS_FILE,
    EVIDENCE_KINDS,
    KOROLEV_FILE,
    MIN_HAC_N,
    Evaluator,
    circularity,
    exact_permutation_p,
    judge,
    load_claims,
    sensitivity,
    stance_agreement,
    validate_claims,
)
from balances.ladder import ladder
from balances.walt import (
    CONDITION_TABLES,
    PARTNERSHIP_TABLES,
    REVEALED_INPUTS,
    RULE,
    RULE_INPUTS,
    WaltRule,
    conditions,
    revealed_stance,
    rule_indicators,
)

EV = Evaluator()


@functools.cache
def _judged() -> tuple:
    """Both authors' claims judged once per process, on first use (not at collection)."""
    ko, korolev = judge("ko", evaluator=EV), judge("korolev", evaluator=EV)
    return ko, korolev, pd.concat([ko.claims, korolev.claims]).set_index("claim_id")


def claims() -> pd.DataFrame:
    return _judged()[2]


@functools.cache
def unga() -> pd.DataFrame:
    return load_table("unga_similarity")


@functools.cache
def levels() -> pd.Series:
    return ladder()["levels"].set_index("year")["level"]


def _sim(a: str, b: str, col: str = "kappa") -> pd.Series:
    d = unga()[(unga()["iso3_1"] == a) & (unga()["iso3_2"] == b)]
    return d.set_index("year")[col]


def _mean(s: pd.Series, lo: int, hi: int) -> float:
    return float(s.loc[lo:hi].mean())


# ------------------------------------------------------------------ the registry


@pytest.mark.parametrize("author", ["ko", "korolev"])
def test_claims_load_resolve_and_all_are_judged(author: str) -> None:
    doc = load_claims(CLAIM_FILES[author])
    validate_claims(CLAIM_FILES[author])
    assert doc.author == author
    assert {c.id for c in doc.claims} <= set(claims().index)
    judged = claims()[claims()["author"] == author]
    assert judged["verdict"].isin(["supported", "contradicted", "inconclusive"]).all()
    assert (judged["reason"] != "").all() and (judged["measured"] != "").all()
    assert judged["fragility"].str.match(r"^(robust|fragile: .+)$").all()


@pytest.mark.parametrize("author", ["ko", "korolev"])
def test_every_closeness_claim_names_its_kinds_and_reads_no_raw_agreement(author: str) -> None:
    doc = load_claims(CLAIM_FILES[author])
    closeness = [c for c in doc.claims if c.closeness]
    assert len(closeness) >= 4
    for c in closeness:
        assert all(t.evidence in EVIDENCE_KINDS for t in c.tests)
        for t in c.tests:
            for m in (t.measure, t.compare):
                assert m is None or not m.raw_agreement(), (c.id, m.describe())
            assert "indicator:unga_agreement_gap" not in t.tables()


def test_raw_agreement_in_a_closeness_claim_is_rejected(tmp_path: Path) -> None:
    raw = {
        "expr": {
            "op": "value",
            "table": "unga_similarity",
            "column": "agreement",
            "dyad": ["focal1", "reference"],
        }
    }
    p = _write(tmp_path, lambda d: d["claims"][0]["tests"][0].update(measure=raw))
    with pytest.raises(
        RegistryError,
        match="raw UN vote agreement.*kozyrev_votes_with_west|kozyrev_votes_with_west.*raw UN vote agreement",
    ):
        load_claims(p)


def test_each_verdict_carries_its_evidence_rows() -> None:
    for j in _judged()[:2]:
        assert set(j.claims["claim_id"]) == set(j.evidence["claim_id"])
        assert j.evidence["evidence"].isin(EVIDENCE_KINDS).all()


# ------------------------------------------------------------------ circularity and trend test


class _Recording(Tables):
    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def __call__(self, name: str) -> pd.DataFrame:
        self.read.add(name)
        return super().__call__(name)


def test_walt_rule_reads_no_votes_and_is_checked_against_votes_only() -> None:
    assert not RULE_INPUTS & REVEALED_INPUTS
    rec = _Recording()
    conditions(source=rec)
    assert rec.read <= RULE_INPUTS and "unga_similarity" not in rec.read
    rec = _Recording()
    revealed_stance(source=rec)
    assert rec.read <= REVEALED_INPUTS
    for path in (CLAIMS_FILE, KOROLEV_FILE):
        assert (circularity(path)["overlap"] == "").all()
    assert "multivector_2000" in set(circularity()["claim_id"])


def test_one_trend_implementation_hac_and_permutation_below_eight_points() -> None:
    from balances import change

    row = claims().loc["alignment_deepens@2008-2024"]
    p = change.trend_by_period(levels().astype(float), {"x": (2008, 2024)}).iloc[0]["p_value"]
    assert f"HAC p={p:.3f}, n=17" in row["measured"]
    assert MIN_HAC_N == 8
    # brute force over orderings: share with |slope| at least the observed one
    y = np.array([2.0, 2, 3, 2, 3])
    t = np.arange(5) - 2.0
    stats = [abs(np.dot(t, perm)) for perm in itertools.permutations(y)]
    assert exact_permutation_p(y) == pytest.approx(np.mean(np.array(stats) >= abs(t @ y) - 1e-12))


# ------------------------------------------------------------------ the five pinned verdicts


def test_kozyrev_supported_on_kappa_though_raw_agreement_says_otherwise() -> None:
    k_us, k_cn = _sim("RUS", "USA").loc[1992:1995], _sim("RUS", "CHN").loc[1992:1995]
    a_us, a_cn = (
        _sim("RUS", "USA", "agreement").loc[1992:1995],
        _sim("RUS", "CHN", "agreement").loc[1992:1995],
    )
    assert (k_us > k_cn).all() and (a_us < a_cn).all()
    assert k_us.mean() == pytest.approx(0.132, abs=0.001)
    row = claims().loc["kozyrev_votes_with_west"]
    assert row["verdict"] == "supported" and row["fragility"] == "robust"
    assert f"means {k_us.mean():.3g} vs {k_cn.mean():.3g}" in row["measured"]
    assert row["evidence"] == "votes supported; statements supported; outcome silent"
    # the alignment outcome cannot separate the two dyads in 1992-1995: its 90% bands overlap
    out = dyad_scores([("RUS", "USA"), ("RUS", "CHN")], 1992, 1995)
    us, cn = (out[out["iso3_2"] == c].set_index("year") for c in ("USA", "CHN"))
    assert not ((us["low"] > cn["high"]) | (cn["low"] > us["high"])).any()


def test_post_911_votes_flat_on_kappa_bases_cooperative_so_inconclusive() -> None:
    k = _sim("RUS", "USA")
    before, after = _mean(k, 1999, 2000), _mean(k, 2001, 2002)
    assert abs(after - before) < 0.03  # flat: 0.020 -> 0.026
    assert before == pytest.approx(0.020, abs=0.001) and after == pytest.approx(0.026, abs=0.001)
    bases = load_table("us_bases_central_asia")
    assert set(bases["open_year"]) == {2001}
    row = claims().loc["post_911_rapprochement"]
    assert f"change {after - before:+.3g}" in row["measured"]
    assert "mean 2001-2002 2 vs 1999-2000 0" in row["measured"]
    assert row["evidence"] == (
        "votes inconclusive; military supported; disputes supported; outcome supported"
    )
    assert row["verdict"] == "inconclusive" and "kinds disagree" in row["reason"]


def test_neither_ally_nor_enemy_and_confronting_cannot_contradict_each_other() -> None:
    a, b = claims().loc["neither_ally_nor_enemy"], claims().loc["confront_us_cooperate_china"]
    assert a["verdict"] == "supported"
    # the outcome's 90% bands do not tell RUS-CHN (95.9) from RUS-USA (87.4) in 2003-07: that
    # kind is silent, the three that speak agree, so both claims hold together
    assert b["verdict"] == "supported" and "outcome silent" in b["evidence"]
    doc = load_claims()
    tests = {c.id: c.tests for c in doc.claims}
    shared = [t for t in tests["neither_ally_nor_enemy"] if t.evidence == "disputes"]
    assert shared and shared[0] in tests["confront_us_cooperate_china"]
    mid = load_table("mid_dyad")
    rus_usa = mid[
        (mid["iso3_1"] == "RUS") & (mid["iso3_2"] == "USA") & mid["year"].between(2003, 2007)
    ]
    assert (rus_usa["cow_mid"] == 0).all()
    sens = sensitivity("ko", evaluator=EV)
    pair = sens[sens["claim_id"].isin(["neither_ally_nor_enemy", "confront_us_cooperate_china"])]
    for _, g in pair.groupby(["parameter", "value"]):
        assert {"supported", "contradicted"} - set(g["verdict"]) or len(set(g["verdict"])) == 1


def test_alignment_deepens_2003_07_not_significant_on_five_ladder_points() -> None:
    y = levels().loc[2003:2007].astype(float)
    assert y.tolist() == [2, 2, 3, 2, 3]
    ols = OLS(y.to_numpy(), add_constant(np.arange(2003, 2008.0))).fit()
    assert ols.pvalues[1] == pytest.approx(0.31, abs=0.01)
    p = exact_permutation_p(y.to_numpy())
    assert p == pytest.approx(0.4)
    row = claims().loc["alignment_deepens"]
    assert f"exact permutation p={p:.3f}, n=5" in row["measured"]
    assert "caution" in row["reason"]
    # the outcome is flat at 96 in 2003-07 (Russia-China already near the top of all pairs)
    assert row["evidence"] == "military inconclusive; votes supported; outcome inconclusive"
    assert row["verdict"] == "inconclusive"


def test_korolev_forecast_out_of_sample() -> None:
    lad = levels().astype(float)
    assert _mean(lad, 2021, 2024) - _mean(lad, 2016, 2020) == pytest.approx(0.6)
    k = _sim("RUS", "CHN")
    d = _mean(k, 2021, 2024) - _mean(k, 2016, 2020)
    assert -0.05 < d < 0  # votes flat, slightly down
    row = claims().loc["korolev_alignment_continues"]
    assert row["scope"] == "out_of_sample" and row["period"] == "2021-2024"
    assert f"(change {d:+.3g})" in row["measured"]
    assert row["evidence"] == (
        "military supported; votes inconclusive; outcome inconclusive; statements supported"
    )
    a = against(("RUS", "CHN"), "USA").set_index("year")["score"]
    gain = _mean(a, 2021, 2024) - _mean(a, 2016, 2020)
    # the committed outcome (cooperation less 3 x hostility; arms 2022-24 from the SIPRI
    # register; US troop hosting): both reference pairs were already near the bottom by 2016-20,
    # so "aligned against" gains 1.43 points, under the claim's 2
    assert gain == pytest.approx(1.43, abs=0.01)
    assert f"(change {gain:+.3g})" in row["measured"]
    assert row["verdict"] == "inconclusive"
    pact = claims().loc["korolev_full_alliance"]
    assert pact["verdict"] == "inconclusive" and "possibility" in pact["reason"]


def test_korolev_trajectory_and_shared_threat() -> None:
    assert claims().loc["korolev_steady_progress", "verdict"] == "supported"
    row = claims().loc["korolev_shared_threat"]
    vetoes = load_table("unsc_vetoes_year").set_index("year")["rus_chn"].loc[1992:2020]
    assert f"total {vetoes.sum():g} over 29 years" in row["measured"]
    assert row["verdict"] == "supported" and row["fragility"].startswith("fragile")


# ------------------------------------------------------------------ Ko's figures


def test_milex_burden_judged_on_kos_own_band() -> None:
    m = load_table("milex")
    share = m[(m["iso3"] == "RUS") & m["year"].between(1999, 2004)].set_index("year")[
        "milex_share_gdp"
    ]
    inside = share.between(0.034, 0.043)
    assert inside.sum() == 3
    row = claims().loc["russian_milex_burden"]
    assert row["verdict"] == "contradicted"
    assert "3 of 6 years in [0.034, 0.043]" in row["measured"]
    assert "band=0.005 -> supported" in row["fragility"]


def test_us_share_in_current_dollars_and_growth() -> None:
    m = load_table("milex")
    y = m[(m["year"] == 2004) & ~m["iso3"].isin(["WLD", "EUR", "EUU", "OTH"])]
    share = y.loc[y["iso3"] == "USA", "milex_current_usd_m"].sum() / y["milex_current_usd_m"].sum()
    assert share == pytest.approx(0.459, abs=0.001)
    assert f"mean {share:.3g}" in claims().loc["us_preponderance_2004", "measured"]
    europe = claims().loc["us_europe_divergence"]
    assert "at or above 2% of GDP on average: GRC 3.0%, GBR 2.4%, FRA 2.1%" in europe["measured"]
    assert claims().loc["russian_growth_2004", "verdict"] == "supported"
    assert "range 0.072-0.072" in claims().loc["russian_growth_2004", "measured"]


def test_capability_claims_and_reruns() -> None:
    doubling = claims().loc["russian_milex_doubles"]
    assert doubling["verdict"] == "supported" and "2004/1999 = 1.77" in doubling["measured"]
    arms = claims().loc["china_main_arms_client"]
    assert arms["verdict"] == "supported" and "mean 0.439" in arms["measured"]
    assert "40.7" in arms["ko_figures"]
    assert claims().loc["russian_economy_recovers@2008-2024", "verdict"] == "contradicted"
    # the outcome's bands part in 71% of the years (the claim's bar is 75%): inconclusive, fragile
    rerun = claims().loc["confront_us_cooperate_china@2008-2024"]
    assert rerun["verdict"] == "inconclusive" and "outcome inconclusive" in rerun["evidence"]
    assert "fragile" in rerun["fragility"]


# ------------------------------------------------------------------ stances and sensitivity


def test_stance_agreement_for_both_authors() -> None:
    res = stance_agreement()
    s = res["summary"].set_index("compared")
    assert set(s.index) == {
        "ko vs walt_rule",
        "ko vs votes",
        "korolev vs walt_rule",
        "korolev vs votes",
    }
    years = res["years"].set_index("year")
    ko_votes = years.loc[1992:2007, ["ko", "votes"]].dropna()
    assert s.loc["ko vs votes", "agreement"] == pytest.approx(
        (ko_votes["ko"] == ko_votes["votes"]).mean()
    )
    assert "2001 (bandwagon vs balance)" in s.loc["ko vs votes", "disagreements"]
    assert years.loc[2003, "votes"] == "bandwagon"  # kappa gap -0.001


def test_walt_rule_reads_its_inputs_from_the_registry() -> None:
    """The rule's inputs are registry entries declared for the condition they feed."""
    declared = rule_indicators()
    assert {i.indicator for i in RULE if i.indicator} == set(declared)
    for inp in RULE:
        if inp.indicator:
            assert declared[inp.indicator].ko_condition == inp.condition
    for condition in ("capability", "allies"):
        inputs = [i for i in RULE if i.condition == condition]
        tables = {t for i in inputs if i.indicator for t in declared[i.indicator].sources}
        computed = PARTNERSHIP_TABLES if any(i.indicator is None for i in inputs) else set()
        assert tables | computed == CONDITION_TABLES[condition]
    c = conditions(start=1999, end=2004).set_index("year")
    values = EV.panel.pivot_table(index="year", columns="indicator", values="value")
    assert c["gdp_vs_ref"].tolist() == values.loc[1999:2004, "focal1_gdp_vs_ref"].tolist()
    assert c["partner_cinc_vs_ref"].tolist() == values.loc[1999:2004, "focal2_cinc_vs_ref"].tolist()


def test_walt_rule_refuses_an_input_declared_for_another_condition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = Tables().registry()
    wrong = registry["focal2_cinc_vs_ref"].model_copy(update={"ko_condition": "capability"})
    monkeypatch.setattr(Tables, "registry", lambda self: {**registry, wrong.id: wrong})
    with pytest.raises(RegistryError, match="focal2_cinc_vs_ref.*allies.*ko_condition: capability"):
        conditions(start=2004, end=2004)


def test_a_claim_about_a_condition_measures_indicators_declared_for_it(tmp_path: Path) -> None:
    def mutate(d: dict) -> None:
        claim = next(c for c in d["claims"] if c["id"] == "china_available_ally")
        claim["tests"][0]["measure"] = {"indicator": "focal1_milex_share_gdp"}

    with pytest.raises(
        RegistryError, match="china_available_ally.*declared for ko_condition: capability"
    ):
        validate_claims(_write(tmp_path, mutate))


def test_walt_rule_thresholds_are_parameters() -> None:
    default = conditions(start=2003, end=2003).iloc[0]
    assert default["predicted"] == "balance"
    strict = conditions(None, WaltRule(ally_partnership_min=5), start=2003, end=2003).iloc[0]
    assert strict["allies"] == 0 and strict["predicted"] == "hedge"


def test_fragile_verdicts_name_the_parameter() -> None:
    frag = claims().loc["peaceful_climate", "fragility"]
    assert frag == "fragile: rule.war_hostility_min=4 -> inconclusive"
    assert claims().loc["primakov_turn", "fragility"] == "robust"


# ------------------------------------------------------------------ command line


@pytest.mark.usefixtures("judge_once")
def test_cli_prints_every_field_within_the_width(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "--author", "all", "--width", "120"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 120
    for field in ("expected", "measured", "evidence", "fragility", "reason"):
        assert f"  {field}" in out
    assert "korolev_alignment_continues" in out and "kozyrev_votes_with_west" in out
    assert main(["ko", "--width", "80"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80 and "korolev" not in out


# ------------------------------------------------------------------ loader errors


def _write(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(CLAIMS_FILE.read_text())
    mutate(doc)
    p = tmp_path / "claims.yml"
    p.write_text(yaml.safe_dump(doc))
    return p


def test_unknown_key_names_the_claim(tmp_path: Path) -> None:
    p = _write(tmp_path, lambda d: d["claims"][0].update(colour="red"))
    with pytest.raises(
        RegistryError,
        match=r"claims\.yml, line \d+, column 3: claim 'kozyrev_votes_with_west'.*colour",
    ):
        load_claims(p)


def test_unknown_figure_and_duplicate_id(tmp_path: Path) -> None:
    p = _write(tmp_path, lambda d: d["claims"][0].update(ko_figures=["no_such_figure"]))
    with pytest.raises(RegistryError, match="unknown Ko figure"):
        load_claims(p)
    p = _write(tmp_path, lambda d: d["claims"].append(copy.deepcopy(d["claims"][0])))
    with pytest.raises(RegistryError, match="duplicate claim id"):
        load_claims(p)


def test_test_without_threshold_or_evidence_is_rejected(tmp_path: Path) -> None:
    idx = [c["id"] for c in yaml.safe_load(CLAIMS_FILE.read_text())["claims"]].index(
        "us_preponderance_2004"
    )
    p = _write(tmp_path, lambda d: d["claims"][idx]["tests"][0].pop("threshold"))
    with pytest.raises(RegistryError, match="needs a threshold"):
        load_claims(p)
    p = _write(tmp_path, lambda d: d["claims"][idx]["tests"][0].pop("evidence"))
    with pytest.raises(RegistryError, match="evidence"):
        load_claims(p)


def test_sensitivity_grid_covers_rule_revealed_and_tolerances() -> None:
    sens = sensitivity("ko", evaluator=EV)
    params = set(sens["parameter"])
    assert {"rule.ally_cinc_min", "rule.war_hostility_min", "revealed.balance_gap"} <= params
    assert any(p.startswith("test1.votes.") for p in params)
    row = sens[(sens["claim_id"] == "russian_milex_burden") & (sens["value"] == 0.005)].iloc[0]
    assert (row["verdict"], row["base_verdict"], bool(row["flips"])) == (
        "supported",
        "contradicted",
        True,
    )
    flipped = set(sens.loc[sens["flips"], "claim_id"])
    fragile = set(
        claims().index[
            claims()["fragility"].str.startswith("fragile") & (claims()["author"] == "ko")
        ]
    )
    assert flipped == fragile


@pytest.mark.usefixtures("judge_once")
def test_cli_evidence_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "--evidence", "post_911_rapprochement", "--format", "csv"]) == 0
    rows = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    bases = rows[(rows["evidence"] == "military") & (rows["series"] == "period")]
    assert bases["value"].tolist() == [2, 2]
    assert main(["claims", "--evidence", "no_such_claim"]) == 2


def test_exact_permutation_p_properties() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(st.integers(0, 5), min_size=3, max_size=7), st.integers(1, 4), st.integers(-3, 3)
    )
    def check(values: list[int], scale: int, shift: int) -> None:
        y = np.array(values, dtype=float)
        p = exact_permutation_p(y)
        assert 0 < p <= 1
        assert exact_permutation_p(scale * y + shift) == pytest.approx(p)
        assert exact_permutation_p(y[::-1]) == pytest.approx(p)

    check()


def test_ko_periods_read_alone_equal_the_validated_ones() -> None:
    from balances.ko import period_spans
    from balances.ko_periods import period_spans as light

    assert light() == period_spans()
    assert len(light()) >= 5
