"""SIPRI military expenditure: the workbook's figures, flags, artefacts and COW continuity."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from balances.build import validate_table
from balances.data import load_table
from balances.errors import DataError
from balances.sources import TABLES
from balances.sources.raw import RawFiles
from balances.sources.sipri_milex import NO_MILITARY, WORKBOOK, milex, milex_world

FOLDER = "sipri_milex"


# The pins read the committed tables: tests/test_build.py's slow rebuild checks that the loader
# reproduces them byte for byte from the workbook.
@pytest.fixture(scope="module")
def mx() -> pd.DataFrame:
    return validate_table(TABLES["milex"], load_table("milex"))


@pytest.fixture(scope="module")
def world() -> pd.DataFrame:
    return validate_table(TABLES["milex_world"], load_table("milex_world"))


def _row(df: pd.DataFrame, iso3: str, year: int) -> pd.Series:
    hit = df[(df["iso3"] == iso3) & (df["year"] == year)]
    assert len(hit) == 1, (iso3, year)
    return hit.iloc[0]


def test_pinned_figures(mx: pd.DataFrame) -> None:
    # SOURCE.md checks: Russia 2004 31.2 bn (constant 2023 US$); USA current 2004 493.0 bn,
    # 2022 860.7 bn, 2024 997.3 bn; USA constant 1991 669.8 bn, 2024 968.4 bn.
    assert _row(mx, "RUS", 2004)["milex_const_usd_m"] == pytest.approx(31213.87, abs=0.01)
    assert _row(mx, "USA", 2004)["milex_current_usd_m"] == pytest.approx(492999.38, abs=0.01)
    assert _row(mx, "USA", 2022)["milex_current_usd_m"] == pytest.approx(860.7e3, abs=50)
    assert _row(mx, "USA", 2024)["milex_current_usd_m"] == pytest.approx(997309.0, abs=0.01)
    assert _row(mx, "USA", 1991)["milex_const_usd_m"] == pytest.approx(669.8e3, abs=50)
    assert _row(mx, "USA", 2024)["milex_const_usd_m"] == pytest.approx(968381.59, abs=0.01)
    assert _row(mx, "CHN", 1991)["milex_const_usd_m"] == pytest.approx(23363.05, abs=0.01)
    assert _row(mx, "CHN", 2024)["milex_const_usd_m"] == pytest.approx(317561.04, abs=0.01)


def test_share_of_gdp_is_a_fraction(mx: pd.DataFrame) -> None:
    assert _row(mx, "RUS", 2024)["milex_share_gdp"] == pytest.approx(0.0705, abs=5e-4)
    assert _row(mx, "CHN", 2024)["milex_share_gdp"] == pytest.approx(0.0171, abs=5e-4)
    assert _row(mx, "USA", 2004)["milex_share_gdp"] == pytest.approx(0.0402, abs=5e-4)
    assert mx["milex_share_gdp"].median() < 0.05
    # Kuwait 1991 (Gulf War) is SIPRI's one share above 1, as published
    assert _row(mx, "KWT", 1991)["milex_share_gdp"] == pytest.approx(1.1735, abs=1e-4)


def test_estimate_and_uncertain_flags(mx: pd.DataFrame) -> None:
    for iso3 in ("CHN", "RUS"):
        row = _row(mx, iso3, 2024)
        assert row["milex_const_estimate"] and row["milex_current_estimate"]
        assert row["milex_share_gdp_estimate"] and not row["milex_const_uncertain"]
    usa = mx[mx["iso3"] == "USA"]
    assert not usa.filter(like="_estimate").any().any()
    assert mx["milex_const_uncertain"].sum() > 100  # red cells exist (e.g. North Korea)
    for m in ("const", "current", "share_gdp"):
        value = {
            "const": "milex_const_usd_m",
            "current": "milex_current_usd_m",
            "share_gdp": "milex_share_gdp",
        }[m]
        flagged = mx[f"milex_{m}_estimate"] | mx[f"milex_{m}_uncertain"]
        assert mx.loc[flagged, value].notna().all(), "a flag without a figure"
        assert not (mx[f"milex_{m}_estimate"] & mx[f"milex_{m}_uncertain"]).any()


def test_zero_artefacts_are_nan_and_true_zeros_kept(mx: pd.DataFrame) -> None:
    rus92 = _row(mx, "RUS", 1992)
    assert np.isnan(rus92["milex_current_usd_m"]) and rus92["milex_zero_dropped"] == "current"
    assert rus92["milex_const_usd_m"] == pytest.approx(47565.80, abs=0.01)
    csk = _row(mx, "CSK", 1980)
    assert csk["ccode"] == 315 and np.isnan(csk["milex_current_usd_m"])
    assert csk["milex_const_usd_m"] == pytest.approx(9649.88, abs=0.01)
    assert _row(mx, "CRI", 2000)["milex_const_usd_m"] == 0.0
    assert _row(mx, "ISL", 2010)["milex_current_usd_m"] == 0.0
    assert _row(mx, "PAN", 2010)["milex_const_usd_m"] == 0.0
    zero = mx[["milex_const_usd_m", "milex_current_usd_m", "milex_share_gdp"]].eq(0).any(axis=1)
    assert set(mx.loc[zero, "sipri_country"]) <= set(NO_MILITARY)


def test_ussr_fills_russia_only_where_russia_is_empty(mx: pd.DataFrame) -> None:
    rus = mx[mx["iso3"] == "RUS"].set_index("year")
    assert rus.loc[1987:1990, "sipri_country"].eq("USSR").all()
    assert rus.loc[1992:, "sipri_country"].eq("Russia").all()
    assert rus.loc[1988, "milex_const_usd_m"] == pytest.approx(282701.39, abs=0.01)
    assert 1991 not in rus.index  # SIPRI has neither USSR nor Russia for 1991
    assert (rus["ccode"] == 365).all()


def test_keys_unique_and_coverage(mx: pd.DataFrame) -> None:
    assert not mx.duplicated(["ccode", "year"]).any()
    assert not mx.duplicated(["iso3", "year"]).any()
    assert (mx["year"].min(), mx["year"].max()) == (1949, 2024)
    assert mx["iso3"].nunique() >= 165
    assert mx.loc[mx["year"] == 2024, "iso3"].nunique() >= 140
    assert {"USA", "RUS", "CHN", "IND", "GBR", "FRA", "DEU", "JPN"} <= set(
        mx.loc[mx["year"] == 2024, "iso3"]
    )
    deu = mx[mx["iso3"] == "DEU"].set_index("year")["ccode"]
    assert (deu[1989], deu[1990]) == (260, 255)
    assert {"DDR", "CSK", "TWN", "XKX"} <= set(mx["iso3"])
    assert not mx["sipri_country"].isin(["European Union", "World", "Europe"]).any()


def test_world_total(world: pd.DataFrame, mx: pd.DataFrame) -> None:
    w = world.set_index("year")
    assert (w.index.min(), w.index.max(), len(w)) == (1988, 2024, 37)
    assert w.loc[2024, "milex_world_const_usd_m"] == pytest.approx(2676513.9, abs=0.5)
    assert np.isnan(w.loc[1991, "milex_world_const_usd_m"])
    states_2024 = mx.loc[mx["year"] == 2024, "milex_const_usd_m"].sum()
    # SIPRI's world total adds estimates for states without data: a little above the sum
    assert 0.95 < states_2024 / w.loc[2024, "milex_world_const_usd_m"] <= 1.0
    usa_share = _row(mx, "USA", 2024)["milex_const_usd_m"] / w.loc[2024, "milex_world_const_usd_m"]
    assert usa_share == pytest.approx(0.362, abs=0.002)


# --- bad input: a corrupted copy of the workbook, read without the hash check ---------------


#: The sheets the loader reads; the corrupted copies keep only these (smaller, quicker).
READ_SHEETS = ("Regional totals", "Constant (2023) US$", "Current US$", "Share of GDP")
#: Country rows the corrupted copies keep.
KEEP_ROWS = {"Tunisia", "Morocco", "United States of America", "Russia", "China", "USSR"}


@functools.cache
def _trimmed(raw_root: Path) -> bytes:
    """The workbook's values with only the sheets the loader reads and the rows tests need.

    Streamed (read-only) into a new workbook: deleting rows in place took four seconds.
    """
    src = openpyxl.load_workbook(raw_root / FOLDER / WORKBOOK, read_only=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in READ_SHEETS:
        ws = wb.create_sheet(name)
        for k, row in enumerate(src[name].iter_rows(values_only=True), 1):
            label = row[0] if row else None
            if (
                name == READ_SHEETS[0]
                or k <= 10
                or not isinstance(label, str)
                or label in KEEP_ROWS
            ):
                ws.append(row)
    src.close()
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _corrupt(raw_root: Path, tmp_path: Path, edit) -> RawFiles:
    wb = openpyxl.load_workbook(io.BytesIO(_trimmed(raw_root)))
    edit(wb)
    (tmp_path / FOLDER).mkdir()
    wb.save(tmp_path / FOLDER / WORKBOOK)
    return RawFiles(tmp_path, verify=False)


def _find(ws, name: str) -> int:
    return next(c.row for c in ws["A"] if c.value == name)


def test_non_numeric_cell_names_sheet_row_and_column(raw_root: Path, tmp_path: Path) -> None:
    rows = []

    def edit(wb):
        ws = wb["Current US$"]
        rows.append(_find(ws, "Tunisia"))
        ws.cell(rows[0], 5).value = "n/a"

    raw = _corrupt(raw_root, tmp_path, edit)
    where = rf"{re.escape(WORKBOOK)}, line {rows[0]}, column 'Current US\$!E'"
    with pytest.raises(DataError, match=where + r": sheet 'Current US\$': non-numeric value 'n/a'"):
        milex(raw)


def test_unknown_country_is_named(raw_root: Path, tmp_path: Path) -> None:
    def edit(wb):
        for sheet in ("Constant (2023) US$", "Current US$", "Share of GDP"):
            ws = wb[sheet]
            ws.cell(_find(ws, "Tunisia"), 1).value = "Atlantis"

    with pytest.raises(DataError, match=r"line \d+, column 'Country': unknown country 'Atlantis'"):
        milex(_corrupt(raw_root, tmp_path, edit))


def test_duplicated_country_row_is_reported(raw_root: Path, tmp_path: Path) -> None:
    def edit(wb):
        ws = wb["Share of GDP"]
        ws.cell(_find(ws, "Tunisia"), 1).value = "Morocco"

    with pytest.raises(
        DataError,
        match=r"line \d+, column 'Country': sheet 'Share of GDP': "
        r"duplicated key \{'name': 'Morocco'",
    ):
        milex(_corrupt(raw_root, tmp_path, edit))


def test_renamed_sheet_and_missing_world_row(raw_root: Path, tmp_path: Path) -> None:
    def edit(wb):
        wb["Share of GDP"].title = "Share of GDP (%)"
        ws = wb["Regional totals"]
        ws.cell(_find(ws, "World"), 1).value = "Globe"

    raw = _corrupt(raw_root, tmp_path, edit)
    with pytest.raises(DataError, match=r"sheet 'Share of GDP' not found"):
        milex(raw)
    with pytest.raises(DataError, match=r"no 'World' row"):
        milex_world(raw)


def test_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / FOLDER).mkdir()
    (tmp_path / FOLDER / WORKBOOK).write_text("Country,1949\nAlgeria,1\n")
    with pytest.raises(DataError, match="cannot be read as an xlsx workbook"):
        milex(RawFiles(tmp_path, verify=False))
