"""The Ko report's stance chart and generated explanations, checked against the package's numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from balances.ko import judge, stance_agreement  # noqa: E402
from balances.ko_plots import STRIPS, disagreement_years, explain, stance_strips  # noqa: E402


@pytest.fixture(scope="module")
def agreement() -> dict:
    """Ko's stances against the other sources, computed once for the module."""
    return stance_agreement()


def test_strips_one_per_source_with_kappa(agreement: dict) -> None:
    fig, ax = plt.subplots()
    assert stance_strips(agreement, ax=ax) is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == list(STRIPS.values())[::-1]
    text = " ".join(t.get_text() for t in ax.texts)
    k = agreement["summary"].set_index("compared").loc["ko vs walt_rule", "kappa"]
    assert f"vs walt_rule: kappa {k:.2f}" in text and "korolev: vs walt_rule: kappa 0.00" in text
    # one cross per year where Ko's stance differs from the votes'
    years = agreement["years"]
    d = years[years["ko"].notna() & years["votes"].notna() & (years["ko"] != years["votes"])]
    assert len(ax.lines[0].get_xdata()) == len(d) == 8
    plt.close(fig)


def test_disagreement_table(agreement: dict) -> None:
    t = disagreement_years(agreement).set_index("compared")
    assert "2001 (bandwagon vs balance)" in t.loc["ko vs votes", "disagreements"]
    assert t.loc["ko vs walt_rule", "kappa"] == pytest.approx(0.366, abs=0.001)


def test_explanations_generated_for_every_open_verdict() -> None:
    j = judge("ko", grid=False)
    ex = explain(j).set_index("claim_id")
    open_ = j.claims[j.claims["verdict"] != "supported"]
    assert set(ex.index) == set(open_["claim_id"])
    post = ex.loc["post_911_rapprochement", "sentence"]
    assert post.startswith("post_911_rapprochement (2001-2002) is inconclusive because the kinds")
    for _, t in j.tests[j.tests["claim_id"] == "post_911_rapprochement"].iterrows():
        assert t["measured"] in post
    burden = ex.loc["russian_milex_burden", "sentence"]
    assert "outside the band in 1999 (0.0307), 2000 (0.0331), 2004 (0.033)" in burden
