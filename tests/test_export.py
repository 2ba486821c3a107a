"""Exports researchers use: Stata, Excel, Parquet and CSV, with labels from the registry (point 10)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from balances.analysis import indicator_panel, score
from balances.errors import ParameterError
from balances.indicators.panel import wide
from balances.io import export, variable_labels


@pytest.fixture(scope="module")
def result():
    return score(start=2000, end=2004, draws=50, seed=3)


@pytest.fixture(scope="module")
def panel_wide():
    panel, registry = indicator_panel()
    return wide(panel).reset_index(), registry


def test_stata_scores_with_labels_and_missing_bands(result, tmp_path: Path) -> None:
    table = result.table()
    meta = {"focal": "RUS,CHN", "reference": "USA", "spec": "default", "seed": 3}
    path = export(table, tmp_path / "scores.dta", meta=meta)
    back = pd.read_stata(path)
    assert list(back.columns) == list(table.columns)
    np.testing.assert_allclose(back["score"], table["score"])
    reader = pd.io.stata.StataReader(path)
    labels = reader.variable_labels()
    assert labels["score"].startswith("Score, 0-100")
    assert labels["low"] == "Lower bound of the 5-95% Monte Carlo band, 0-100"
    assert "focal RUS,CHN" in reader.data_label and "seed 3" in reader.data_label


def test_stata_wide_panel_takes_titles_from_the_registry(panel_wide, tmp_path: Path) -> None:
    frame, registry = panel_wide
    path = export(frame, tmp_path / "panel.dta", registry=registry)
    labels = pd.io.stata.StataReader(path).variable_labels()
    iid = "focal_milex_vs_ref"
    assert labels[iid] == f"{registry[iid].title} ({registry[iid].unit})"[:80]
    assert labels["year"] == "Year"
    back = pd.read_stata(path)
    # a missing value stays missing in Stata, never 0
    assert back[iid].isna().sum() == frame[iid].isna().sum()


def test_excel_has_data_variables_and_about_sheets(result, tmp_path: Path) -> None:
    table = result.table()
    path = export(table, tmp_path / "scores.xlsx", meta={"seed": 3, "balances_version": "0.1.0"})
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"data", "variables", "about"}
    np.testing.assert_allclose(sheets["data"]["score"], table["score"])
    var = sheets["variables"].set_index("variable")["label"]
    assert var["n_indicators"] == "Number of indicators with a value that year"
    assert sheets["about"].set_index("parameter").loc["seed", "value"] == "3"


def test_parquet_and_csv(result, tmp_path: Path) -> None:
    table = result.table()
    p = export(table, tmp_path / "scores.parquet", meta={"seed": 3})
    pd.testing.assert_frame_equal(pd.read_parquet(p), table)
    extra = json.loads(pq.read_schema(p).metadata[b"balances"])
    assert extra["meta"] == {"seed": 3} and extra["labels"]["year"] == "Year"
    c = export(table, tmp_path / "scores.csv")
    pd.testing.assert_frame_equal(pd.read_csv(c), table, check_dtype=False)


def test_unknown_suffix_and_long_stata_name(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="output"):
        export(pd.DataFrame({"a": [1]}), tmp_path / "x.sav")
    with pytest.raises(ParameterError, match="32 characters"):
        export(pd.DataFrame({"a" * 33: [1]}), tmp_path / "x.dta")
    assert not list(tmp_path.iterdir())


def test_variable_labels_unknown_columns_have_none() -> None:
    assert variable_labels(pd.DataFrame({"year": [1], "mystery": [2]})) == {"year": "Year"}
