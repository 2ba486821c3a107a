"""Ko's claims: strict loading, every claim evaluated, verdicts and numbers pinned from the committed data."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from balances.errors import RegistryError
from balances.ko import (
    CLAIMS_FILE,
    evaluate_claims,
    load_claims,
    stance_agreement,
    validate_claims,
)
from balances.walt import WaltRule, conditions

CLAIMS = evaluate_claims().set_index("claim_id")


def test_at_least_twelve_claims_all_evaluated() -> None:
    doc = load_claims()
    assert len(doc.claims) >= 12
    assert {c.id for c in doc.claims} <= set(CLAIMS.index)
    assert CLAIMS["verdict"].isin(["supported", "contradicted", "inconclusive"]).all()
    assert (CLAIMS["reason"] != "").all() and (CLAIMS["measured"] != "").all()
    assert {"stance", "capability", "allies", "security_climate", "us_europe", "conclusion"} <= set(
        CLAIMS["condition"]
    )


def test_claims_resolve() -> None:
    validate_claims()


def test_post_911_no_rapprochement_in_un_votes() -> None:
    """UNGA voting shows no Russia-US rapprochement in 2001-2002: the claim is contradicted."""
    row = CLAIMS.loc["post_911_rapprochement"]
    assert row["verdict"] == "contradicted"
    assert "mean 2001-2002 0.212 vs 1999-2000 0.268" in row["measured"]


def test_primakov_turn_supported_by_the_vote_gap() -> None:
    row = CLAIMS.loc["primakov_turn"]
    assert row["verdict"] == "supported"
    assert "change +0.22" in row["measured"]


def test_kozyrev_years_already_voted_more_with_china() -> None:
    row = CLAIMS.loc["kozyrev_votes_with_west"]
    assert row["verdict"] == "contradicted"
    assert "means 0.352 vs 0.433" in row["measured"]


def test_capability_claims_with_ko_figures() -> None:
    doubling = CLAIMS.loc["russian_milex_doubles"]
    assert doubling["verdict"] == "supported" and "2004/1999 = 1.77" in doubling["measured"]
    arms = CLAIMS.loc["china_main_arms_client"]
    assert arms["verdict"] == "supported" and "mean 0.439" in arms["measured"]
    assert "40.7" in arms["ko_figures"]


def test_beyond_ko_reruns() -> None:
    assert CLAIMS.loc["confront_us_cooperate_china@2008-2024", "verdict"] == "supported"
    assert CLAIMS.loc["russian_economy_recovers@2008-2024", "verdict"] == "contradicted"
    assert CLAIMS.loc["alignment_deepens@2008-2024", "verdict"] == "supported"


def test_stance_agreement_kappa_and_disagreements() -> None:
    res = stance_agreement()
    summary = res["summary"].set_index("compared_with")
    assert summary.loc["predicted", "years"] == 15
    assert summary.loc["predicted", "kappa"] == pytest.approx(0.328, abs=0.001)
    assert summary.loc["revealed", "agreement"] == pytest.approx(7 / 16)
    assert "2001 (Ko bandwagon, data balance)" in summary.loc["revealed", "disagreements"]


def test_walt_rule_thresholds_are_parameters() -> None:
    default = conditions(start=2003, end=2003).iloc[0]
    assert default["predicted"] == "balance"
    strict = conditions(None, WaltRule(ally_vote_gap_min=0.9), start=2003, end=2003).iloc[0]
    assert strict["allies"] == 0 and strict["predicted"] == "hedge"


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
        match=r"claims\.yml, line 2, column 3: claim 'kozyrev_votes_with_west'.*colour",
    ):
        load_claims(p)


def test_unknown_figure_and_duplicate_id(tmp_path: Path) -> None:
    p = _write(tmp_path, lambda d: d["claims"][0].update(ko_figures=["no_such_figure"]))
    with pytest.raises(RegistryError, match="unknown Ko figure"):
        load_claims(p)
    p = _write(tmp_path, lambda d: d["claims"].append(copy.deepcopy(d["claims"][0])))
    with pytest.raises(RegistryError, match="duplicate claim id"):
        load_claims(p)


def test_test_without_threshold_is_rejected(tmp_path: Path) -> None:
    p = _write(tmp_path, lambda d: d["claims"][6]["tests"][0].pop("threshold"))
    with pytest.raises(RegistryError, match="needs a threshold"):
        load_claims(p)
