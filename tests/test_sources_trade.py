"""Bilateral trade: COW Trade v4.0, IMF DOTS 1990-2020 and official headline figures 2016-2024."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _checks import check_dyad_table, copy_raw

from balances.build import validate_table
from balances.data import load_table
from balances.errors import DataError
from balances.io import read_csv
from balances.sources import TABLES
from balances.sources.cow_trade import (
    cow_trade_state,
    read_dyadic,
    undo_float32,
)
from balances.sources.imf_dots import (
    OFFICIAL_FLAG,
    read_dots,
    trade_official,
)
from balances.sources.raw import RawFiles

COW_DIR = "cow_trade_v4_0_ndy_peacesciencer"
COW_DYADIC = f"{COW_DIR}/cow_trade_ndy__converted_from_cow_trade_ndy.csv.gz"
COW_NATIONAL = f"{COW_DIR}/cow_trade_sy__converted_from_cow_trade_sy.csv"
DOTS_DIR = "bilateral_trade_imf_dots_1990_2020_and_pages_2015_2024"
DOTS = f"{DOTS_DIR}/imf_dots_exports_dyadic_1990_2020.csv.gz"
DOTS_MAP = f"{DOTS_DIR}/imf_dots_reporter_source_file_map.csv"
DOTS_SUBSET = "imf_dots_exports_chn_rus_usa_1991_2020.csv"
DOTS_PAIRS = "chn_rus_usa_pair_year_from_dots_1991_2020.csv"
PAGES = f"{DOTS_DIR}/trade_2015_2024_from_stored_pages.csv"
IMF_NAMES = {"CHN": "China, P.R.: Mainland", "RUS": "Russian Federation", "USA": "United States"}


def _edit(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in 1-based ``line`` of a text file (gzip if ``.gz``)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    with opener(path, "wt", encoding="utf-8") as f:
        f.write("".join(lines))


def _head(raw_root: Path, tmp_path: Path, rel: str, lines: list[str]) -> RawFiles:
    """A copy of ``rel`` holding its header and the given data lines only."""
    opener = gzip.open if rel.endswith(".gz") else open
    with opener(raw_root / rel, "rt", encoding="utf-8") as f:
        header = f.readline()
    (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
    with opener(tmp_path / rel, "wt", encoding="utf-8") as f:
        f.write(header + "".join(line + "\n" for line in lines))
    return RawFiles(tmp_path, verify=False)


def _dyad(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    return df[(df["iso3_1"] == a) & (df["iso3_2"] == b)].set_index("year")


# The pins read the committed tables: tests/test_build.py's slow rebuild checks that the loaders
# reproduce them byte for byte from the upstream files, which links every pin to its source.
@pytest.fixture(scope="module")
def cow_dyad() -> pd.DataFrame:
    return check_dyad_table("cow_trade_dyad", load_table("cow_trade_dyad"), 1946, 2014)


@pytest.fixture(scope="module")
def dots() -> pd.DataFrame:
    return check_dyad_table(
        "imf_dots_dyad", load_table("imf_dots_dyad"), 1990, 2020, directed_pairs=False
    )


@pytest.fixture(scope="module")
def dots_state() -> pd.DataFrame:
    return validate_table(TABLES["imf_dots_state"], load_table("imf_dots_state"))


@pytest.fixture(scope="module")
def official(raw: RawFiles) -> pd.DataFrame:
    return validate_table(TABLES["trade_official"], trade_official(raw))


# --- COW trade ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "rus_imports", "chn_imports"),
    [
        (1992, 1669, 3512),
        (2000, 951, 6166),
        (2008, 34781, 24359),
        (2014, 51135, 42807),
    ],
)
def test_cow_russia_china_pins(
    cow_dyad: pd.DataFrame, year: int, rus_imports: int, chn_imports: int
) -> None:
    rc = _dyad(cow_dyad, "RUS", "CHN").loc[year]
    assert (rc["flow1"], rc["flow2"]) == (rus_imports, chn_imports)
    cr = _dyad(cow_dyad, "CHN", "RUS").loc[year]
    assert (cr["flow1"], cr["flow2"]) == (chn_imports, rus_imports), "reverse row has flows swapped"


def test_cow_us_pins(cow_dyad: pd.DataFrame) -> None:
    assert _dyad(cow_dyad, "USA", "RUS").loc[2014, ["flow1", "flow2"]].tolist() == [23692, 18727]
    assert _dyad(cow_dyad, "USA", "CHN").loc[2014, ["flow1", "flow2"]].tolist() == [472525, 183283]
    # West Germany is 260 (1955-1959 here: the packaged dyadic file has no West German rows
    # 1960-1989 except with Belgium and Luxembourg), unified Germany 255 from 1990
    usa_deu = _dyad(cow_dyad, "USA", "DEU")
    assert sorted(usa_deu.index) == [*range(1955, 1960), *range(1990, 2015)]
    assert usa_deu.loc[[1959, 1990], "ccode2"].tolist() == [260, 255]


def test_cow_state(raw: RawFiles) -> None:
    df = validate_table(TABLES["cow_trade_state"], cow_trade_state(raw))
    assert (df["year"].min(), df["year"].max()) == (1946, 2014)
    s = df.set_index(["ccode", "year"])
    assert s.loc[(365, 2014), "exports"] == pytest.approx(497614.861644)
    assert s.loc[(2, 2014), "imports"] == pytest.approx(2345185.753472)
    assert s.loc[(2, 1946), ["imports", "exports"]].tolist() == [5000, 9775]
    # West Germany's totals, filed under 255 in 1960-1989, are moved to 260
    assert s.loc[(260, 1970), "imports"] == 29956 and (255, 1970) not in s.index
    assert s.loc[(260, 1957), "imports"] == 7420 and s.loc[(255, 1990), "imports"] > 0
    assert df["imports"].isna().any(), "COW's missing values stay missing"


def test_float32_noise_is_undone() -> None:
    s = pd.Series([342.0299987792969, 626.5900268554688, 2345185.753472, 2818426.75, None])
    out = undo_float32(s)
    assert out.iloc[:4].tolist() == [342.03, 626.59, 2345185.753472, 2818426.75]
    assert pd.isna(out.iloc[4])


def test_cow_bad_input(raw_root: Path, tmp_path: Path) -> None:
    good = ["2,20,1992,1,2,1,2", "365,710,1992,1669,3512,1669,3512"]
    raw = _head(raw_root, tmp_path / "a", COW_DYADIC, [*good, "710,365,1993,1,2,1,2"])
    with pytest.raises(DataError, match=r"line 4, column 'ccode1': ccode1 must be below ccode2"):
        read_dyadic(raw)
    raw = _head(raw_root, tmp_path / "b", COW_DYADIC, [*good, "365,710,1993,1x,2,1,2"])
    with pytest.raises(DataError, match=r"line 4, column 'flow1': non-numeric value '1x'"):
        read_dyadic(raw)
    raw = _head(raw_root, tmp_path / "c", COW_DYADIC, [*good, "365,710,1992,1,2,1,2"])
    with pytest.raises(DataError, match=r"line 4: duplicated key .*also at line 3"):
        read_dyadic(raw)
    raw = _head(raw_root, tmp_path / "d", COW_DYADIC, [*good, "365,999,1992,1,2,1,2"])
    with pytest.raises(DataError, match=r"line 4, column 'ccode2': unknown COW state code 999"):
        read_dyadic(raw)
    raw = _head(raw_root, tmp_path / "e", COW_DYADIC, good)
    _edit(tmp_path / "e" / COW_DYADIC, 1, "smoothflow2", "smooth2")
    with pytest.raises(DataError, match=r"column 'smoothflow2': expected column"):
        read_dyadic(raw)


# --- IMF DOTS ----------------------------------------------------------------------------


def test_dots_pins(dots: pd.DataFrame, dots_state: pd.DataFrame) -> None:
    assert _dyad(dots, "CHN", "USA").loc[2020, "exports_fob_usd_m"] == pytest.approx(452832.22287)
    assert _dyad(dots, "USA", "CHN").loc[2020, "exports_fob_usd_m"] == pytest.approx(124648.519373)
    assert _dyad(dots, "RUS", "USA").loc[2020, "exports_fob_usd_m"] == pytest.approx(10827.407392)
    assert _dyad(dots, "CHN", "RUS").loc[2019, "exports_fob_usd_m"] == pytest.approx(49484.54046)
    assert _dyad(dots, "RUS", "CHN").loc[2019, "source_file"] == "data/DOTS/DOTS_162.xlsx"
    world = dots_state.set_index(["iso3", "year"])["exports_world_fob_usd_m"]
    assert world[("CHN", 2019)] == pytest.approx(2498548.63292)
    assert world[("RUS", 2019)] == pytest.approx(419731.678988)
    assert world[("USA", 2019)] == pytest.approx(1641117.823114)


def test_dots_ussr_is_russia_until_1991_only(dots: pd.DataFrame, dots_state: pd.DataFrame) -> None:
    rc = _dyad(dots, "RUS", "CHN")
    assert rc.loc[[1990, 1991], "source_file"].tolist() == ["data/DOTS/DOTS_203.xlsx"] * 2  # USSR
    assert rc.loc[1992, "source_file"] == "data/DOTS/DOTS_162.xlsx"  # Russian Federation
    assert _dyad(dots, "CHN", "RUS").loc[1991, "exports_fob_usd_m"] == pytest.approx(1823.378)
    rus = dots_state.set_index(["iso3", "year"]).loc[("RUS", 1991)]
    assert rus["source_file"] == "data/DOTS/DOTS_203.xlsx"


@pytest.mark.slow  # reads every DOTS workbook row (6 s)
def test_dots_reader_leaves_post_1991_ussr_rows_unplaced(raw: RawFiles) -> None:
    d = read_dots(raw)
    late = d[(d["partner"] == "USSR") & (d["year"] > 1991)]
    assert len(late) > 0 and late["iso3_2"].isna().all(), "post-1991 'USSR' rows are residuals"


def test_dots_agrees_with_the_scout_subsets(dots: pd.DataFrame, raw: RawFiles) -> None:
    subset = read_csv(
        raw.path("imf_dots", DOTS_SUBSET),
        {
            "reporter": "str",
            "partner": "str",
            "year": "int",
            "exports_fob_usd_mn": "float",
            "source_file": "str",
        },
    )
    for a, b in [("CHN", "RUS"), ("RUS", "CHN"), ("CHN", "USA"), ("USA", "CHN"), ("RUS", "USA")]:
        s = subset[(subset["reporter"] == IMF_NAMES[a]) & (subset["partner"] == IMF_NAMES[b])]
        mine = _dyad(dots, a, b).loc[s["year"]]
        # the committed CSV keeps the values to its float format's precision
        assert np.allclose(mine["exports_fob_usd_m"], s["exports_fob_usd_mn"], rtol=1e-9, atol=1e-6)
        assert (mine["source_file"].to_numpy() == s["source_file"].to_numpy()).all()
    pairs = read_csv(
        raw.path("imf_dots", DOTS_PAIRS),
        {
            "year": "int",
            "country_a": "str",
            "country_b": "str",
            "a_exports_to_b_reported_by_a": "float",
            "b_exports_to_a_reported_by_b": "float",
        },
    ).dropna()
    for _, p in pairs.iterrows():
        ab = _dyad(dots, p["country_a"], p["country_b"]).loc[p["year"], "exports_fob_usd_m"]
        ba = _dyad(dots, p["country_b"], p["country_a"]).loc[p["year"], "exports_fob_usd_m"]
        assert (ab, ba) == pytest.approx(
            (p["a_exports_to_b_reported_by_a"], p["b_exports_to_a_reported_by_b"]), abs=0.05
        )


def test_dots_coverage(dots: pd.DataFrame, dots_state: pd.DataFrame) -> None:
    # Ukraine reports from 1992, but its trade with Russia only from 1994, as does Russia's report
    assert dots[dots["iso3_1"] == "UKR"]["year"].min() == 1992
    assert _dyad(dots, "UKR", "RUS").index.min() == _dyad(dots, "RUS", "UKR").index.min() == 1994
    assert dots["exports_fob_usd_m"].notna().all() and set(dots["estimated"]) == {0, 1}
    assert (dots_state["year"].min(), dots_state["year"].max()) == (1990, 2020)
    assert not {"HKG", "MAC", "PSE", "VAT"} & set(dots_state["iso3"]), "territories are not states"


def test_dots_bad_input(raw_root: Path, tmp_path: Path) -> None:
    rows = [
        '"Afghanistan, Islamic Rep. of",World,1990,131.08,0',
        '"Afghanistan, Islamic Rep. of",Australia,1990,0.22,1',
        '"Afghanistan, Islamic Rep. of",Australia,1990,0.22,1',
    ]
    raw = _head(raw_root, tmp_path / "a", DOTS, rows)
    copy_raw(raw_root, tmp_path / "a", DOTS_MAP)
    assert len(read_dots(raw)) == 2, "Australia's identical second row is dropped"
    raw = _head(raw_root, tmp_path / "b", DOTS, [*rows[:2], rows[2].replace("0.22", "0.23")])
    copy_raw(raw_root, tmp_path / "b", DOTS_MAP)
    with pytest.raises(DataError, match=r"line 4: duplicated key"):
        read_dots(raw)
    afg = '"Afghanistan, Islamic Rep. of"'
    raw = _head(raw_root, tmp_path / "c", DOTS, [*rows[:2], f"{afg},Atlantis,1990,1,0"])
    copy_raw(raw_root, tmp_path / "c", DOTS_MAP)
    with pytest.raises(DataError, match=r"line 4, column 'partner': unknown country 'Atlantis'"):
        read_dots(raw)
    raw = _head(raw_root, tmp_path / "d", DOTS, [*rows[:2], f"{afg},Japan,1990,n/a?,0"])
    copy_raw(raw_root, tmp_path / "d", DOTS_MAP)
    with pytest.raises(DataError, match=r"line 4, column 'exports_fob_usd_mn': non-numeric"):
        read_dots(raw)
    raw = _head(raw_root, tmp_path / "e", DOTS, ["Atlantis,World,1990,1,0"])
    copy_raw(raw_root, tmp_path / "e", DOTS_MAP)
    with pytest.raises(DataError, match=r"reporter 'Atlantis' \(line 2 of .*\) has no spreadsheet"):
        read_dots(raw)


# --- official headline figures from stored pages -----------------------------------------


def test_official_pins(official: pd.DataFrame) -> None:
    o = official.set_index(["iso3_1", "iso3_2", "year", "measure"])
    assert o.loc[("CHN", "RUS", 2024, "total_trade"), "value"] == pytest.approx(244810)
    assert o.loc[("CHN", "RUS", 2023, "total_trade"), "value"] == pytest.approx(240110)
    assert o.loc[("USA", "CHN", 2022, "imports_from_partner"), "value"] == pytest.approx(536307)
    share = o.loc[("CHN", "RUS", 2022, "partner_share_of_total_trade_pct")]
    assert (share["value"], share["unit"]) == (3, "%")
    assert (official["flag"] == OFFICIAL_FLAG).all() and (official["status"] == "compiled").all()
    assert official["page_url"].str.startswith("http").all()
    assert (official["year"].min(), official["year"].max()) == (2016, 2024)


def _numbers(text: str) -> list[float]:
    """Numbers in a quote: '$16,901,100,000', '190,27' (decimal comma), '$244.81bn'."""
    out = []
    for token in re.findall(r"\d[\d,.]*", text):
        token = token.rstrip(".,")
        if re.fullmatch(r"\d{1,3}(,\d{3})+", token):
            out.append(float(token.replace(",", "")))
        elif re.fullmatch(r"\d+,\d{1,2}", token):
            out.append(float(token.replace(",", ".")))
        else:
            out.append(float(token))
    return out


def test_every_official_figure_is_in_its_quote(official: pd.DataFrame) -> None:
    for _, row in official.iterrows():
        quoted = row["value"] if row["unit"] == "%" else abs(row["value"]) / 1000
        nums = _numbers(row["page_quote"])
        assert any(n == pytest.approx(quoted) or n / 1e9 == pytest.approx(quoted) for n in nums), (
            row["year"],
            row["measure"],
            row["page_quote"],
        )


def test_official_bad_input(raw_root: Path, tmp_path: Path) -> None:
    raw = copy_raw(raw_root, tmp_path, PAGES)
    _edit(tmp_path / PAGES, 3, "exports_to_partner", "exports_fob")
    with pytest.raises(
        DataError, match=r"line 3, column 'measure': value 'exports_fob' breaks isin"
    ):
        trade_official(raw)
    raw = copy_raw(raw_root, tmp_path / "b", PAGES)
    _edit(tmp_path / "b" / PAGES, 2, ",China,Russia,", ",China,Atlantis,")
    with pytest.raises(DataError, match=r"line 2, column 'partner': unknown country 'Atlantis'"):
        trade_official(raw)
    raw = copy_raw(raw_root, tmp_path / "c", PAGES)
    _edit(tmp_path / "c" / PAGES, 5, ",84.07,", ",84.07bn,")
    with pytest.raises(DataError, match=r"line 5, column 'value_usd_bn': non-numeric value"):
        trade_official(raw)
