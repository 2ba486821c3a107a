"""The explorer without a browser: figures, readout, caching, its notebook, and `balances lab`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import ipywidgets
import jupytext
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from balances import analysis, cli, explore, explore_data, lab, lenses
from balances.config import PROJECT_DIR
from balances.errors import ParameterError
from balances.params import RunParams

NOTEBOOK = PROJECT_DIR / "notebooks" / "explore.ipynb"
TWIN = PROJECT_DIR / "notebooks" / "explore.py"
EQUAL = {"power": 1.0, "threat": 1.0, "interests": 1.0}


def nominal_mean(
    focal: str,
    reference: str,
    start: int,
    end: int,
    preset: str,
    lens_weights: dict[str, float] | None,
    normalise: str | None = None,
) -> float:
    """The overall mean as the package computes it, with no Monte Carlo draws."""
    spec = explore.spec_for(preset, lens_weights, normalise)
    res = analysis.score(focal, reference, start, end, spec=spec, draws=0)
    return float(analysis.period_summary(res).set_index("lens").loc["overall", "mean"])


@pytest.fixture(scope="module")
def explorer() -> explore.Explorer:
    return explore.Explorer(draws=20)


@pytest.fixture(scope="module")
def drawn(explorer: explore.Explorer) -> dict:
    """One update with its figures, shared by the tests that look at the figures."""
    return explorer.update("RUS,CHN", "USA", 1995, 2015, "default", EQUAL)


def test_update_returns_figures_and_readout(explorer: explore.Explorer, drawn: dict) -> None:
    out = drawn
    assert set(out["figures"]) == set(explore.FIGURES)
    assert all(isinstance(f, Figure) for f in out["figures"].values())
    assert set(out["readout"]) == {"overall_mean", "overall_last", "n_years", "band", "spec_digest"}
    assert out["readout"]["n_years"] == 21
    assert (
        out["readout"] == explorer.state("RUS,CHN", "USA", 1995, 2015, "default", EQUAL)["readout"]
    )
    assert 0 <= out["readout"]["overall_mean"] <= 100
    assert out["readout"]["spec_digest"] == explore.spec_for("default", EQUAL).digest()
    assert out["result"].bands is not None
    assert explorer.last_update_s is not None


def test_lens_weight_changes_overall_mean(explorer: explore.Explorer) -> None:
    # the readout is the state's (update adds the figures, tested above)
    base = explorer.state(lens_weights=EQUAL)["readout"]
    heavier = explorer.state(lens_weights=EQUAL | {"threat": 3.0})["readout"]
    assert heavier["spec_digest"] != base["spec_digest"]
    assert abs(heavier["overall_mean"] - base["overall_mean"]) > 0.01


@pytest.mark.parametrize(
    ("focal", "reference", "start", "end", "preset", "weights", "normalise"),
    [
        ("RUS,CHN", "USA", 1992, 2024, "default", EQUAL, None),
        ("RUS,CHN", "USA", 1999, 2008, "ko", {"power": 0.5, "threat": 2.0, "interests": 1.0}, None),
        ("RUS,CHN", "USA", 2014, 2024, "default", {"power": 0.0, "interests": 3.0}, "zscore"),
        ("IND,RUS", "USA", 2000, 2020, "rank_geometric", EQUAL, None),
        (
            "CHN,PAK",
            "IND",
            1992,
            2024,
            "pca",
            {"power": 2.0, "threat": 1.5, "interests": 0.0},
            "rank",
        ),
    ],
)
def test_readout_equals_score(
    explorer: explore.Explorer,
    focal: str,
    reference: str,
    start: int,
    end: int,
    preset: str,
    weights: dict[str, float],
    normalise: str | None,
) -> None:
    """The number shown is analysis.score's overall mean for the same choices, draws aside."""
    readout = explorer.state(focal, reference, start, end, preset, weights, normalise)["readout"]
    expected = nominal_mean(focal, reference, start, end, preset, weights, normalise)
    assert readout["overall_mean"] == pytest.approx(expected, abs=1e-9)


def test_readout_equals_cli_with_saved_spec(
    explorer: explore.Explorer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`balances score --spec FILE` prints the scores behind the readout."""
    weights = {"power": 1.0, "threat": 2.5, "interests": 0.5}
    spec_file = tmp_path / "spec.yml"
    explore.spec_for("ko", weights).save(spec_file)
    readout = explorer.state("RUS,CHN", "USA", 2000, 2012, "ko", weights)["readout"]
    assert (
        cli.main(
            [
                "score",
                "--spec",
                str(spec_file),
                "--start",
                "2000",
                "--end",
                "2012",
                "--draws",
                "0",
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = [r for r in json.loads(capsys.readouterr().out) if r["lens"] == "overall"]
    mean = sum(r["score"] for r in rows) / len(rows)
    # the JSON carries 6 decimals
    assert readout["overall_mean"] == pytest.approx(mean, abs=1e-5)


def test_spec_for() -> None:
    assert explore.spec_for() == analysis.resolve_spec("default")
    ko = explore.spec_for("ko", {"threat": 2})
    assert (ko.normalise, ko.reference_year) == ("distance", 1999)
    assert ko.lens_weights == {"power": 1.0, "threat": 2.0, "interests": 1.0}
    assert explore.spec_for("ko", None, "rank").normalise == "rank"
    assert explore.spec_for("ko", None, "population_zscore").normalise == "population_zscore"
    with pytest.raises(ParameterError, match="preset"):
        explore.spec_for("nope")
    with pytest.raises(ParameterError, match="lens_weights"):
        explore.spec_for("default", {"ideas": 1.0})
    with pytest.raises(ParameterError, match="normalise"):
        explore.spec_for("default", None, "log")
    with pytest.raises(ParameterError, match="lens_weights"):
        explore.Explorer(draws=0).update(lens_weights={"power": 0, "threat": 0, "interests": 0})


def test_defaults_are_those_of_balances_score() -> None:
    """Draws, seed, spec and period come from the one run-parameter model, as in the CLI."""
    defaults = RunParams()
    ex = explore.Explorer()
    assert (ex.draws, ex.seed) == (defaults.draws, defaults.seed)
    assert explore.DEFAULT_DRAWS == defaults.draws
    assert explore.spec_for() == defaults.scoring_spec
    assert explore.spec_for().normalise == "population"
    assert (explore.FIRST_YEAR, explore.LAST_YEAR) == defaults.years
    assert set(explore.NORMALISATIONS) >= {"population", "population_zscore", "minmax", "distance"}


def test_lens_table_is_balances_lenses(explorer: explore.Explorer) -> None:
    """Mean, band and R² on year per lens are those `balances lenses` prints (same draws)."""
    table = explorer.state("CHN,PAK", "USA", 1995, 2015)["lenses"].set_index("lens")
    assert list(table.index) == list(explore.SUMMARY_LENSES)
    cli_table = lenses.triad_table(
        [("CHN,PAK", "USA")], 1995, 2015, draws=explorer.draws, seed=explorer.seed
    ).set_index("lens")
    for lens in ("power", "threat", "interests", "overall"):
        for ours, theirs in (("mean", "mean"), ("low", "low"), ("high", "high")):
            assert table.loc[lens, ours] == pytest.approx(cli_table.loc[lens, theirs], nan_ok=True)
        r2 = cli_table.loc[lens, "r2_year"]
        assert table.loc[lens, "r2_year"] == pytest.approx(r2, nan_ok=True)
        lo, hi = table.loc[lens, "printed_low"], table.loc[lens, "printed_high"]
        assert lo <= table.loc[lens, "mean"] <= hi


def test_lens_table_shows_outcome_and_coverage(explorer: explore.Explorer) -> None:
    st = explorer.state("RUS,CHN", "USA", 1992, 2024)
    table, res = st["lenses"].set_index("lens"), st["result"]
    outcome = res.alignment[res.alignment["year"].between(1992, 2024)]
    assert table.loc["alignment", "mean"] == pytest.approx(outcome["score"].mean())
    assert table.loc["alignment", "band"] != table.loc["alignment", "band"]  # NaN: no period band
    # the MIDs stop in 2014: the threat lens says so, the power lens does not
    assert (
        "2014" in table.loc["threat", "data_end"] and "cow_mid" in table.loc["threat", "data_end"]
    )
    assert "2014" not in table.loc["power", "data_end"]
    last = res.scores[res.scores["year"] == 2024].set_index("lens")
    for lens in ("power", "threat", "interests", "overall"):
        assert table.loc[lens, "n_indicators"] == last.loc[lens, "n_indicators"]
        assert table.loc[lens, "coverage"] == pytest.approx(last.loc[lens, "coverage"])
    html = explore.lens_table_html(st["lenses"], 1992, 2024)
    assert "R² on year" in html and "indicators in 2024" in html and "alignment" in html
    assert "population scale" in html
    assert "own history" in explore.lens_table_html(st["lenses"], 1992, 2024, "distance")


@pytest.mark.parametrize(
    ("focal", "reference", "start", "end"),
    [
        ("RUS,CHN", "USA", 1992, 2024),
        ("IND,RUS", "USA", 2000, 2020),
        ("FRA,DEU", "USA", 2005, 2024),
    ],
)
def test_printed_bounds_agree_across_seeds(
    focal: str, reference: str, start: int, end: int
) -> None:
    """Issue 13, point 2: with the default draws, another seed moves no printed bound by more
    than its last printed digit.

    Each bound is printed to the digits its Monte Carlo error makes stable (whole points or
    tens), rounded outward. Any rounding of a random number can tip across a boundary, so the
    check is that the unrounded bounds of two seeds differ by less than one unit of the coarser
    printed precision, and the printed ones by at most one unit.
    """
    tables = [
        explore.Explorer(seed=seed).state(focal, reference, start, end)["lenses"].set_index("lens")
        for seed in (0, 1)
    ]
    a, b = tables
    for lens in ("power", "threat", "interests", "overall"):
        unit = 10.0 ** -min(a.loc[lens, "decimals"], b.loc[lens, "decimals"])
        for raw, shown in (("low", "printed_low"), ("high", "printed_high")):
            assert abs(a.loc[lens, raw] - b.loc[lens, raw]) < unit, (lens, raw, unit)
            assert abs(a.loc[lens, shown] - b.loc[lens, shown]) <= unit + 1e-9, (lens, shown)
        assert a.loc[lens, "decimals"] <= 0  # never decimals at the default draws


def test_band_rounding() -> None:
    assert explore.round_band(50.0, 41.26, 57.01, 0) == (41.0, 58.0)
    assert explore.round_band(50.0, 41.26, 57.01, -1) == (40.0, 60.0)
    # a band that misses its point is widened to hold it
    assert explore.round_band(50.0, 50.4, 57.0, 0) == (50.0, 57.0)
    assert explore.band_text(40.0, 60.0, -1) == "[40, 60]"
    # 1000 draws spread evenly over 0-1 (bounds move by hundredths: whole points, never
    # decimals) and over 0-100 (bounds move by a point or two: tens)
    steady = np.arange(1000.0)
    assert explore.band_decimals(steady / 1000.0) == 0
    assert explore.band_decimals(steady / 10.0) == -1


def test_functions_are_short() -> None:
    """No function of the explorer (either module) is longer than 80 lines."""
    for module in (explore, explore_data):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        long = {
            node.name: node.end_lineno - node.lineno + 1
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > 80
        }
        assert not long, module.__name__


def test_explore_re_exports_its_numbers_and_text() -> None:
    """What moved to explore_data is still importable, as the same object, from explore."""
    moved = [n for n in explore_data.__all__ if n not in ("readout_html", "claims_html")]
    assert {n: getattr(explore, n) for n in moved} == {n: getattr(explore_data, n) for n in moved}


@pytest.mark.slow  # a fresh interpreter importing the explorer
def test_import_stays_light() -> None:
    """Importing the explorer loads neither Ko's claims nor statsmodels' models: they load
    once the first plot is shown (the lens table, Ko's claims)."""
    code = (
        "import sys, balances.explore; "
        "print(sorted(m for m in ('balances.ko', 'balances.change', 'statsmodels.api',"
        " 'statsmodels.regression') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_period_change_reuses_the_scored_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heavy work is cached: a new period re-plots without scoring again."""
    calls = []
    real = analysis.score
    monkeypatch.setattr(analysis, "score", lambda *a, **k: calls.append(a) or real(*a, **k))
    ex = explore.Explorer(draws=10)
    first = ex.update(start=1992, end=2024)["readout"]
    second = ex.update(start=2001, end=2008)["readout"]
    ex.state(start=1992, end=2024, lens_weights={"power": 2.0})  # update's scoring step
    again = ex.state(start=1992, end=2024)["readout"]
    assert len(calls) == 2
    assert second["n_years"] == 8 and second["spec_digest"] == first["spec_digest"]
    assert again == first
    res = ex.state()["result"]
    assert ex.png("lens_scores", res) is ex.png("lens_scores", ex.state()["result"])


def test_claims_in_period(explorer: explore.Explorer) -> None:
    claims = explorer.update(start=1996, end=1999)["claims"]
    assert list(claims.columns) == explore.CLAIM_COLUMNS
    assert len(claims) > 0
    spans = claims["period"].str.split("-", expand=True).astype(int)
    assert ((spans[0] <= 1999) & (spans[1] >= 1996)).all()
    assert explorer.update("IND,RUS", "USA")["claims"].empty


def test_build_ui_redraws_on_a_slider(
    explorer: explore.Explorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the wiring is under test here: each figure is drawn, not rasterised (figure_png is
    # tested with the explorer's PNG cache above); a raster costs 0.3-0.6 s
    drawn: list[Figure] = []
    monkeypatch.setattr(explore, "figure_png", lambda fig: drawn.append(fig) or b"\x89PNG")
    ui = explore.build_ui(explorer, start=2000, end=2020)
    readout = next(w for w in _walk(ui) if explore.READOUT_CLASS in w._dom_classes)
    table = next(w for w in _walk(ui) if explore.LENS_TABLE_CLASS in w._dom_classes)
    threat = next(w for w in _walk(ui) if "balances-weight-threat" in w._dom_classes)
    tabs = next(w for w in _walk(ui) if isinstance(w, ipywidgets.Tab))
    tabs.selected_index = 1  # Ko's claims: the heatmap is then not redrawn (the slowest plot)
    heatmaps = sum(key[0] == "contributions" for key in explorer._pngs)
    before, table_before = readout.value, table.value
    assert "Overall driver score (mean, 2000-2020):" in before
    band = explorer.state(start=2000, end=2020)["readout"]["band"]
    assert band and f"</b> {band}" in before
    assert "R² on year" in table_before and "indicators in 2020" in table_before
    threat.value = 2.5
    assert readout.value != before and table.value != table_before
    expected = nominal_mean("RUS,CHN", "USA", 2000, 2020, "default", EQUAL | {"threat": 2.5})
    assert _shown_mean(readout.value) == pytest.approx(expected, abs=1e-9)
    norm = next(w for w in _walk(ui) if getattr(w, "description", "") == "Normalisation")
    assert norm.value == explore.AS_PRESET
    norm.value = "zscore"
    expected = nominal_mean(
        "RUS,CHN", "USA", 2000, 2020, "default", EQUAL | {"threat": 2.5}, "zscore"
    )
    assert _shown_mean(readout.value) == pytest.approx(expected, abs=1e-9)
    norm.value = "population_zscore"
    expected = nominal_mean(
        "RUS,CHN", "USA", 2000, 2020, "default", EQUAL | {"threat": 2.5}, "population_zscore"
    )
    assert _shown_mean(readout.value) == pytest.approx(expected, abs=1e-9)
    threat.value = 0.0
    for other in _walk(ui):
        if other is not threat and "balances-weight-" in " ".join(other._dom_classes):
            other.value = 0.0
    assert "Cannot score these choices" in readout.value
    assert sum(key[0] == "contributions" for key in explorer._pngs) == heatmaps
    # lens figure and heatmap at the opening, then a lens figure per accepted choice (threat
    # 2.5, z-score, population z-score, threat 0, power 0; interests 0 is refused)
    assert len(drawn) == 2 + 5


def _shown_mean(readout_html: str) -> float:
    return float(readout_html.split('data-mean="')[1].split('"')[0])


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_lens_figure_shows_the_outcome_and_data_ends(drawn: dict) -> None:
    fig = drawn["figures"]["lens_scores"]
    top, bottom = fig.axes[:2]
    assert bottom.get_title(loc="left").startswith("Outcome: how much closer RUS and CHN")
    assert any(t.get_gid() == "data-end" for t in top.texts)
    assert any(t.get_gid() == "source-note" for t in bottom.texts)


def test_save_figures(drawn: dict, tmp_path: Path) -> None:
    # plots.save's 300 dpi default is tested in test_plots; 100 dpi renders in half the time
    written = explore.save_figures(drawn["figures"], tmp_path / "figs", dpi=100)
    expected = [f"{name}.{ext}" for name in explore.FIGURES for ext in ("png", "svg")]
    assert sorted(p.name for p in written) == sorted(expected)
    assert all(p.stat().st_size > 1000 for p in written)
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width = plt.imread(written[0]).shape[1]  # bbox_inches="tight" trims or pads a little
    assert 80 <= width / drawn["figures"][written[0].stem].get_figwidth() <= 120  # not 300


def test_notebook_twin_in_sync() -> None:
    """explore.ipynb is `jupytext --to ipynb notebooks/explore.py`, committed without outputs."""
    ipynb, py = jupytext.read(NOTEBOOK), jupytext.read(TWIN)

    def cells(nb):
        return [(c.cell_type, c.source) for c in nb.cells]

    assert cells(ipynb) == cells(py)
    code = [c for c in ipynb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert ipynb.metadata["kernelspec"]["name"] == "python3"


def test_notebook_parameters() -> None:
    import papermill

    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert set(params) == {
        "focal",
        "reference",
        "start",
        "end",
        "preset",
        "draws",
        "seed",
        "power_weight",
        "threat_weight",
        "interests_weight",
    }
    assert int(params["draws"]["default"]) == explore.DEFAULT_DRAWS
    for name, p in params.items():  # papermill --help-notebook: a type and a help line each
        value = ast.literal_eval(p["default"])
        assert p["inferred_type_name"] == type(value).__name__, f"{name}: Unknown type"
        assert p["help"].strip(), f"{name}: no help comment"
    defaults = RunParams()
    for name in ("focal", "reference", "start", "end", "seed"):
        assert ast.literal_eval(params[name]["default"]) == getattr(defaults, name), name


@pytest.mark.slow
def test_notebook_runs_headless(tmp_path: Path) -> None:
    """Under papermill with its defaults the notebook leaves the readout as text."""
    import papermill

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(tmp_path), progress_bar=False)
    text = "".join(
        o.get("text", "")
        for c in jupytext.read(out).cells
        if c.cell_type == "code"
        for o in c.outputs
        if o["output_type"] == "stream"
    )
    mean = nominal_mean("RUS,CHN", "USA", 1992, 2024, "default", EQUAL)
    assert f"Overall driver score (mean, 1992-2024): {mean:.1f}" in text


def test_lab_command(tmp_path: Path) -> None:
    cmd = lab.lab_command(8899, tmp_path, open_browser=False, extra_args=["--allow-root"])
    assert cmd[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in cmd
    assert "--ServerApp.port=8899" in cmd and "--no-browser" in cmd and cmd[-1] == "--allow-root"
    assert "--no-browser" not in lab.lab_command(None, tmp_path)
    with pytest.raises(ParameterError, match="port"):
        lab.lab_command(0, tmp_path)
    with pytest.raises(ParameterError, match="notebooks_dir"):
        lab.lab_command(None, tmp_path / "missing")
    assert (lab.NOTEBOOKS_DIR / "explore.ipynb").is_file()
