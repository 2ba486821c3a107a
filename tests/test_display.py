"""Result objects print short (issue 13, point 9): one-line repr, small HTML repr."""

from __future__ import annotations

import pytest

from balances.analysis import period_summary, score
from balances.display import MAX_REPR


@pytest.fixture(scope="module")
def res():
    return score(start=2003, end=2007, draws=50, seed=2)


def test_repr_is_one_short_line(res):
    text = repr(res)
    assert "\n" not in text and len(text) <= MAX_REPR
    assert text.startswith(f"ScoreResult(RUS-CHN vs USA, 2003-2007, spec {res.spec.digest()}")
    last = res.table().query("lens == 'overall' and year == 2007").iloc[0]
    assert f"overall 2007: {last['score']:.1f} [{last['low']:.1f}, {last['high']:.1f}]" in text


def test_repr_without_draws():
    text = repr(score(start=2003, end=2004, draws=0))
    assert "no bands" in text and "[" not in text.split("overall")[-1]


def test_html_repr_is_a_small_summary(res):
    html = res._repr_html_()
    assert len(html) < 5000
    assert "<table" in html and "RUS-CHN vs USA, 2003-2007" in html
    mean = period_summary(res).set_index("lens").loc["overall", "mean"]
    assert f"{mean:.1f}" in html
