"""Paper-grade charts (issue 13, point 4): registry titles, units, source line, data-end marks,
colour-blind-safe colours, column width, PNG/SVG/PDF, missing years left missing, no overlaps."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pytest

from balances import __version__, ko, plots
from balances.analysis import score
from balances.data import load_table


@pytest.fixture(scope="module")
def res():
    return score(start=1992, end=2024, draws=100, seed=1)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax, gid):
    return [t for t in ax.figure.findobj(matplotlib.text.Text) if t.get_gid() == gid]


def _extent(artist):
    return artist.get_window_extent(renderer=artist.figure.canvas.get_renderer())


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_lens_scores_from_a_result(res):
    ax = plots.lens_scores(res)
    ax.figure.canvas.draw()
    assert ax.get_title(loc="left") == "RUS-CHN vs USA, 1992-2024"
    assert "0-100" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Power", "Threat", "Interests", "Overall", "5-95% band"]
    # lens colours are Okabe-Ito and lenses differ by line style as well
    okabe = {c.lower() for c in plots.OKABE_ITO.values()}
    assert {mcolors.to_hex(line.get_color()) for line in ax.get_lines()[:4]} <= okabe
    assert len({line.get_linestyle() for line in ax.get_lines()[:3]}) == 3
    (note,) = _texts(ax, "source-note")
    assert "23 data sets" in note.get_text().replace("\n", " ") or "data sets" in note.get_text()
    assert f"balances {__version__}" in note.get_text().replace("\n", " ")
    assert res.spec.digest() in note.get_text().replace("\n", " ")
    # one band only (the overall score's), so four bands do not muddy the chart
    assert len(ax.collections) == 1


def test_data_end_marks_where_a_source_stops(res):
    ends = plots.data_ends(res)
    atop = ends[ends["source"] == "atop"]
    assert atop["last_year"].tolist() == [2018]
    # the veto list continues in its 2022-2024 extension: no end mark for it
    assert "unsc_vetoes_yordan" not in set(ends["source"])
    ax = plots.lens_scores(res)
    ax.figure.canvas.draw()
    marks = _texts(ax, "data-end")
    assert any(t.get_text() == "atop end" for t in marks)
    assert {round(t.get_position()[0], 1) for t in marks} >= {2018.5}
    for a, b in itertools.combinations(marks, 2):
        assert not _overlap(_extent(a), _extent(b)), (a.get_text(), b.get_text())


def test_legend_title_and_source_do_not_overlap_the_plot(res):
    ax = plots.lens_scores(res)
    fig = ax.figure
    fig.canvas.draw()
    plot_area = _extent(ax.patch)
    legend = _extent(ax.get_legend())
    title = _extent(ax.title)
    (note,) = _texts(ax, "source-note")
    assert not _overlap(legend, plot_area)
    assert not _overlap(title, legend)
    assert not _overlap(_extent(note), _extent(ax.xaxis.label))
    assert _extent(note).y1 <= plot_area.y0


def test_one_column_width_and_legible_fonts(res):
    ax = plots.lens_scores(res)
    assert ax.figure.get_figwidth() == pytest.approx(plots.COLUMN_WIDTH)
    ax.figure.canvas.draw()
    sizes = [t.get_fontsize() for t in ax.figure.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= 5.5 and max(sizes) <= 9


def test_contributions_draw_missing_years_as_missing(res):
    panel = res.panel
    scored = panel["indicator"].isin(res.normalised.columns)
    missing = panel[(panel["status"] == "missing") & panel["year"].between(1992, 2024) & scored]
    year, iid = missing.iloc[0][["year", "indicator"]]
    grid = plots.contribution_grid(res.contributions, panel, start=1992, end=2024)
    lens = res.registry[iid].lens
    assert np.isnan(grid.loc[(lens, iid), year])
    # the scoring carries the source's last value there: the heatmap must not show it as observed
    raw = res.contributions.query("year == @year and indicator == @iid")["contribution"]
    assert np.isfinite(raw.iloc[0])
    ax = plots.contributions(res)
    mesh = ax.collections[0]
    arr = np.ma.masked_invalid(mesh.get_array()).reshape(grid.shape)
    r, c = list(grid.index).index((lens, iid)), list(grid.columns).index(year)
    assert np.ma.is_masked(arr[r, c])
    # rows are titled from the registry, not by id
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[r].startswith(res.registry[iid].title[:30])
    assert iid not in " ".join(labels)


def test_ko_periods_labels_do_not_overlap(res):
    fig, ax = plots.figure("column")
    plots.lens_scores(res.table(), ax=ax)
    plots.shade_periods(ko.periods_frame(), ax, label_col="id")
    fig.canvas.draw()
    labels = _texts(ax, "period-label")
    assert len(labels) == len(ko.periods_frame())
    for a, b in itertools.combinations(labels, 2):
        assert not _overlap(_extent(a), _extent(b)), (a.get_text(), b.get_text())


def test_verdict_legend_sits_above_the_bars():
    claims = ko.evaluate_claims()
    ax = plots.verdicts(claims)
    ax.figure.canvas.draw()
    assert not _overlap(_extent(ax.get_legend()), _extent(ax.patch))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "supported",
        "inconclusive",
        "contradicted",
    ]


def test_similarity_units_source_and_data_end():
    sim = load_table("unga_similarity")
    ax = plots.similarity(sim[sim["year"].between(1991, 2024)], end=2024)
    assert ax.get_ylabel() == "Vote agreement (share of roll calls, 0-1)"
    (note,) = _texts(ax, "source-note")
    assert "United Nations General Assembly" in note.get_text().replace("\n", " ")
    last = int(sim.dropna(subset=["agreement"])["year"].max())
    assert last < 2024
    assert [t.get_text() for t in _texts(ax, "data-end")] == ["UNGA votes end"]


def test_save_png_svg_pdf(res, tmp_path):
    ax = plots.lens_scores(res)
    files = plots.save(ax, tmp_path / "lens")
    assert [f.suffix for f in files] == [".png", ".svg", ".pdf"]
    assert files[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files[2].read_bytes()[:5] == b"%PDF-"
    svg = files[1].read_text()
    assert "RUS-CHN vs USA, 1992-2024" in svg  # text stays text, searchable and editable
    width = plt.imread(files[0]).shape[1]
    assert width >= plots.COLUMN_WIDTH * 300 * 0.9  # 300 dpi at (about) column width


def test_source_text_names_few_sources_by_title():
    text = plots.source_text(["sipri_milex"])
    assert text.startswith("Source: SIPRI Military Expenditure Database.")
