"""SIPRI arms transfers: TIV tables (1950-2021) and the trade register (1950-2024)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from _checks import check_dyad_table, copy_raw

from balances.build import validate_table
from balances.data import load_table
from balances.errors import DataError
from balances.io import read_csv
from balances.sources import TABLES
from balances.sources.raw import RawFiles
from balances.sources.sipri_arms import (
    REGISTER,
    SOURCE,
    TRADEMAP_DIR,
    arms_register_orders,
    arms_tiv_dyad,
    arms_tiv_state,
    read_register,
    read_trademap,
    read_trademaps,
)

NMC = "cow_nmc/nmc_v7_0_abridged.csv"
RUS_TABLE = "TIV-Export-RUS-1950-2021.csv"
RUS_PATH = f"{SOURCE}/{TRADEMAP_DIR}/{RUS_TABLE}"
REGISTER_PATH = f"{SOURCE}/{REGISTER}"
RAW_REGISTER = f"{SOURCE}/sipri_trade_register_1950_2024.csv"
TIDY_360INFO = f"{SOURCE}/sipri_tiv_dyad_year_1950_2021_360info.csv"


def _edit(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in 1-based ``line`` of a text file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _line_of(path: Path, start: str) -> int:
    """1-based number of the first line of ``path`` starting with ``start``."""
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text.startswith(start):
            return i
    raise AssertionError(f"no line starts with {start!r}")


def _dyad(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    return df[(df["iso3_1"] == a) & (df["iso3_2"] == b)].set_index("year")


# Pins read the committed tables; tests/test_build.py's slow rebuild ties them to the raw files.
@pytest.fixture(scope="module")
def dyad() -> pd.DataFrame:
    return check_dyad_table("arms_tiv_dyad", load_table("arms_tiv_dyad"), 1950, 2021, complete=True)


@pytest.fixture(scope="module")
def state() -> pd.DataFrame:
    return validate_table(TABLES["arms_tiv_state"], load_table("arms_tiv_state"))


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return check_dyad_table(
        "arms_register_orders", load_table("arms_register_orders"), 1950, 2024, complete=True
    )


# --- TIV tables: values pinned from SOURCE.md and Ko (2006) -------------------------------


def test_russia_to_china_pins(dyad: pd.DataFrame) -> None:
    rc = _dyad(dyad, "RUS", "CHN")
    assert rc.loc[[1992, 2005, 2018, 2021], "tiv_usd_m"].tolist() == [1023, 3077, 1767, 773]
    assert rc.loc[1992:2021, "tiv_usd_m"].sum() == 37877
    assert rc.loc[2005, "ccode1"] == 365 and rc.loc[2005, "ccode2"] == 710


def test_soviet_union_is_russia_before_1992(dyad: pd.DataFrame, raw: RawFiles) -> None:
    usr = read_trademap(raw, "TIV-Export-USR-1950-2021.csv")
    usr_chn = usr[usr["recipient"] == "China"].set_index("year")["tiv"]
    rc = _dyad(dyad, "RUS", "CHN")
    assert usr_chn.index.max() == 1991
    assert (rc.loc[usr_chn.index, "tiv_usd_m"] == usr_chn).all()
    assert rc.loc[1955, "tiv_usd_m"] == 1730 and (rc.loc[1950:1991, "ccode1"] == 365).all()


def test_china_share_of_russian_exports_1999_2004(dyad: pd.DataFrame, state: pd.DataFrame) -> None:
    years = list(range(1999, 2005))
    chn = _dyad(dyad, "RUS", "CHN").loc[years, "tiv_usd_m"].sum()
    total = state[state["iso3"] == "RUS"].set_index("year").loc[years, "tiv_exports"].sum()
    assert (chn, total) == (13662, 31150)
    # Ko's Table 2 (SIPRI 2006 release) gave 12,490 / 30,687 = 40.7%; the 2022 release revised
    # deliveries up: China's share is 43.9%.
    assert chn / total == pytest.approx(0.4386, abs=5e-4)


def test_us_pins(dyad: pd.DataFrame, raw: RawFiles) -> None:
    assert _dyad(dyad, "USA", "JPN").loc[2021, "tiv_usd_m"] == 875
    usa = read_trademap(raw, "TIV-Export-USA-1950-2021.csv").set_index(["recipient", "year"])["tiv"]
    assert usa[("Taiwan", 2021)] == 132 and usa[("Australia", 2010)] == 1392


def test_zero_means_no_registered_delivery(dyad: pd.DataFrame) -> None:
    assert ((dyad["tiv_usd_m"] > 0) <= (dyad["delivered"] == 1)).all()
    # Russia delivered nothing to the US in 2005: a true zero inside SIPRI's coverage
    assert _dyad(dyad, "RUS", "USA").loc[2005, ["tiv_usd_m", "delivered"]].tolist() == [0, 0]
    # a '0' cell (< 0.5 m TIV) is a delivery
    assert ((dyad["tiv_usd_m"] == 0) & (dyad["delivered"] == 1)).any()


def test_coverage_follows_state_membership(dyad: pd.DataFrame, state: pd.DataFrame) -> None:
    assert _dyad(dyad, "UKR", "RUS").index.min() == 1991
    deu = dyad[dyad["iso3_1"] == "DEU"].groupby("ccode1")["year"].agg(["min", "max"])
    assert deu.loc[260].tolist() == [1955, 1989] and deu.loc[255].tolist() == [1990, 2021]
    assert len(dyad) == len(dyad.drop_duplicates(["iso3_1", "iso3_2", "year"]))
    assert state["year"].between(1950, 2021).all() and state.notna().all().all()
    # rows outside COW membership exist only for registered transfers, e.g. West Germany's
    # exports before it joined the system in 1955
    outside = state[state["cow_member"] == 0].set_index(["iso3", "year"])
    assert len(outside) == 82
    assert outside.loc[("DEU", 1953), "ccode"] == 260
    assert outside.loc[("DEU", 1953), "tiv_exports"] > 0
    assert state[(state["iso3"] == "UKR")]["year"].min() == 1991


def test_state_totals(state: pd.DataFrame, dyad: pd.DataFrame) -> None:
    s = state.set_index(["iso3", "year"])
    assert s.loc[("USA", 2021), "tiv_exports"] == 10613
    assert s.loc[("RUS", 2021), "tiv_exports"] == 2744
    assert s.loc[("CHN", 2021), "tiv_imports"] == 901
    # imports include deliveries from every supplier, so at least those from the 15 dyad states
    from_dyads = dyad.groupby(["iso3_2", "year"])["tiv_usd_m"].sum()
    joined = s["tiv_imports"].reindex(from_dyads.index)
    assert (joined >= from_dyads).all()


def test_360info_tidy_file_is_a_subset_of_the_tables(raw: RawFiles) -> None:
    tables = read_trademaps(raw)
    tables = tables[tables["recipient"] != "Total"]
    tidy = read_csv(
        raw.path(SOURCE, TIDY_360INFO.split("/", 1)[1]),
        {"supplier": "str", "recipient": "str", "year": "int", "value": "float"},
    )
    m = tables.merge(tidy, on=["supplier", "recipient", "year"], how="outer", indicator=True)
    assert (m["_merge"] != "right_only").all()
    both = m[m["_merge"] == "both"]
    assert len(both) == 21324 and (both["tiv"] == both["value"]).all()
    assert (m["_merge"] == "left_only").sum() == 901  # cells 360info dropped (most West German)


# --- trade register -------------------------------------------------------------------


def test_clean_register_matches_raw_export(raw: RawFiles) -> None:
    clean = read_register(raw)
    path = raw.path(SOURCE, RAW_REGISTER.split("/", 1)[1])
    rawreg = pd.read_csv(path, encoding="latin-1", skiprows=11, dtype=str, keep_default_na=False)
    # 4 records broken by line breaks inside Comments add 4 continuation lines
    records = rawreg[rawreg["Year of order"].str.fullmatch(r"\d{4}")].reset_index(drop=True)
    assert len(rawreg) - len(records) == 4 and len(records) == len(clean) == 29515
    clean = clean.reset_index(drop=True)
    assert (records["Supplier"] == clean["supplier"]).all()
    assert (records["Year of order"].astype(int) == clean["year_of_order"]).all()
    delivered = pd.to_numeric(records["SIPRI TIV of delivered weapons"], errors="coerce")
    same = (delivered - clean["tiv_delivered"]).abs() < 1e-9
    assert (~same).sum() == 4  # the broken records lost their TIV columns in the raw parse


def test_register_pins(raw: RawFiles, orders: pd.DataFrame) -> None:
    reg = read_register(raw)
    rc = reg[(reg["supplier"] == "Russia") & (reg["recipient"] == "China")]
    assert rc["tiv_delivered"].sum() == pytest.approx(38156, abs=0.5)  # SOURCE.md check
    # spreading keeps each deal's delivered TIV: Soviet and Russian deals delivered from 1950
    deals = reg[reg["supplier"].isin(["Russia", "Soviet Union"]) & (reg["recipient"] == "China")]
    spread = _dyad(orders, "RUS", "CHN")["tiv_delivered_spread"].sum()
    assert spread == pytest.approx(deals["tiv_delivered"].sum(), abs=1e-6)
    o = _dyad(orders, "RUS", "CHN")
    assert o.loc[2015, ["n_deals_ordered", "n_deals_ordered_no_tiv"]].tolist() == [8, 1]
    assert (orders["approximate"] == 1).all()


def test_register_reaches_2024(orders: pd.DataFrame) -> None:
    late = _dyad(orders, "RUS", "CHN").loc[2022:2024]
    assert (late["n_deals_delivering"] > 0).all() and (late["tiv_delivered_spread"] > 0).all()
    assert (_dyad(orders, "RUS", "IND").loc[2022:2024, "n_deals_delivering"] > 0).all()


# --- bad input ------------------------------------------------------------------------


def test_renamed_year_column(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, RUS_PATH)
    _edit(tmp_path / RUS_PATH, 11, ",2005,", ",2O05,")
    with pytest.raises(DataError, match=r"line 11, column '2005': expected column '2005'") as e:
        read_trademap(raw, RUS_TABLE)
    assert RUS_TABLE in str(e.value)


def test_non_numeric_cell(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, RUS_PATH)
    line = _line_of(tmp_path / RUS_PATH, "China,")
    _edit(tmp_path / RUS_PATH, line, ",3077,", ",3O77,")
    with pytest.raises(DataError, match=rf"line {line}, column '2005': non-numeric value '3O77'"):
        read_trademap(raw, RUS_TABLE)


def test_duplicated_recipient(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, RUS_PATH)
    line = _line_of(tmp_path / RUS_PATH, "Zambia,")
    _edit(tmp_path / RUS_PATH, line, "Zambia,", "Algeria,")
    with pytest.raises(DataError, match=rf"line {line}: duplicated key .*'Algeria'"):
        read_trademap(raw, RUS_TABLE)


def test_total_row_must_match(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, RUS_PATH)
    path = tmp_path / RUS_PATH
    line = _line_of(path, "China,")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[line - 1]  # lose China's row: the 2005 total no longer adds up
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"line 119, column '1992': the Total row gives 2605 for "
        r"1992 but the recipients' cells add up to 1583",
    ):
        read_trademap(raw, RUS_TABLE)


def _all_tables(raw_root: Path, tmp_path: Path) -> RawFiles:
    files = sorted((raw_root / SOURCE / TRADEMAP_DIR).glob("*.csv"))
    return copy_raw(raw_root, tmp_path, NMC, *(f"{SOURCE}/{TRADEMAP_DIR}/{f.name}" for f in files))


def test_unknown_recipient(raw_root: Path, tmp_path: Path) -> None:
    raw = _all_tables(raw_root, tmp_path)
    line = _line_of(tmp_path / RUS_PATH, "Zambia,")
    _edit(tmp_path / RUS_PATH, line, "Zambia,", "Atlantis,")
    with pytest.raises(
        DataError,
        match=rf"{re.escape(RUS_TABLE)}, line {line}, column "
        r"'recipient': unknown country 'Atlantis'",
    ):
        arms_tiv_state(raw)


def test_unlisted_non_state_actor_is_not_placed_in_its_host(raw_root: Path, tmp_path: Path) -> None:
    raw = _all_tables(raw_root, tmp_path)
    line = _line_of(tmp_path / RUS_PATH, "Zambia,")
    _edit(tmp_path / RUS_PATH, line, "Zambia,", "Zambia rebels*,")
    with pytest.raises(DataError, match=r"'Zambia rebels\*' is marked by SIPRI as a non-state"):
        arms_tiv_dyad(raw)


def _small_register(raw_root: Path, tmp_path: Path, n: int = 30) -> tuple[RawFiles, Path]:
    raw = copy_raw(raw_root, tmp_path, NMC)
    src = (raw_root / REGISTER_PATH).read_text(encoding="utf-8").splitlines(keepends=True)
    dst = tmp_path / REGISTER_PATH
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("".join(src[:n]), encoding="utf-8")
    return raw, dst


def test_register_renamed_column(raw_root: Path, tmp_path: Path) -> None:
    raw, path = _small_register(raw_root, tmp_path)
    _edit(path, 1, "tiv_delivered", "tiv_deliv")
    with pytest.raises(DataError, match=r"column 'tiv_delivered': expected column"):
        read_register(raw)


def test_register_non_numeric_and_bad_years(raw_root: Path, tmp_path: Path) -> None:
    raw, path = _small_register(raw_root, tmp_path)
    _edit(path, 2, ",2017,", ",2O17,")
    with pytest.raises(DataError, match=r"line 2, column 'year_of_order': non-numeric value"):
        read_register(raw)
    raw, path = _small_register(raw_root, tmp_path / "b")
    _edit(path, 2, ",2018,New,", ",2018-19,New,")
    with pytest.raises(DataError, match=r"line 2, column 'years_of_delivery': years of delivery"):
        read_register(raw)


def test_register_unknown_country(raw_root: Path, tmp_path: Path) -> None:
    raw, path = _small_register(raw_root, tmp_path)
    _edit(path, 3, "Afghanistan,", "Atlantis,")
    with pytest.raises(DataError, match=r"line 3, column 'recipient': unknown country 'Atlantis'"):
        arms_register_orders(raw)
