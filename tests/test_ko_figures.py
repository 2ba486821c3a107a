"""Tests for balances.ko_figures: Ko Sangtu's figures and their comparison with SIPRI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from balances.ko_figures import (
    COMPARISON_COLUMNS,
    KO_COLUMNS,
    compare_with_sipri,
    default_ko_path,
    load_ko_figures,
)

# Current SIPRI values (Milex April 2025 release, data 1949-2024), typed from the workbook
# SIPRI-Milex-data-1949-2024_2.xlsx so that the tests do not need the raw data folder.
RUS_CONST = {1999: 17632.271635, 2003: 29863.595168, 2004: 31213.874689}  # constant 2023 US$ m
RUS_CURRENT = {1999: 6469.035211, 2003: 16973.739085, 2004: 20955.413571}  # current US$ m
RUS_SHARE = {1999: 0.030733, 2003: 0.036708, 2004: 0.033004}
USA_CURRENT_2004 = 492999.376159
CHN_CURRENT_2004 = 37904.571827


@pytest.fixture(scope="module")
def ko() -> pd.DataFrame:
    return load_ko_figures()


def _val(ko: pd.DataFrame, figure_id: str) -> float:
    sel = ko.loc[ko["figure_id"] == figure_id, "value"]
    assert len(sel) == 1, figure_id
    return float(sel.iloc[0])


# --------------------------------------------------------------------------- loading


def test_default_path_is_repo_data_dir() -> None:
    assert default_ko_path() == Path(__file__).resolve().parents[1] / "data" / "ko_figures.csv"


def test_shape_and_types(ko: pd.DataFrame) -> None:
    assert list(ko.columns) == list(KO_COLUMNS)
    assert len(ko) == 87
    assert ko["table"].value_counts().to_dict() == {"table2": 55, "text": 20, "table1": 12}
    assert ko["figure_id"].is_unique
    assert str(ko["year"].dtype) == "Int64"
    assert ko["value"].dtype == "float64"


def test_text_figures(ko: pd.DataFrame) -> None:
    assert _val(ko, "text_usa_milex_current_usd_bn_2004") == 455.3
    assert _val(ko, "text_usa_share_world_milex_pct_2004") == 47
    assert _val(ko, "text_rus_gdp_growth_pct_2004") == 7.1
    assert _val(ko, "text_rus_trade_surplus_usd_bn_2003") == 59.8
    assert _val(ko, "text_rus_trade_surplus_usd_bn_2004") == 87
    assert _val(ko, "text_rus_stabilization_fund_usd_bn_2006") == 76.6
    assert _val(ko, "text_uzb_us_aid_usd_m_2001") == 83.5
    assert _val(ko, "text_uzb_us_aid_usd_m_2002") == 155
    assert _val(ko, "text_rus_defence_industry_output_change_pct_1990_1996") == -53
    assert _val(ko, "text_eur_milex_share_gdp_pct_upper_bound") == 2
    assert _val(ko, "text_usa_milex_share_gdp_pct_lower_bound") == 3
    row = ko.set_index("figure_id").loc["text_rus_defence_industry_output_change_pct_1990_1996"]
    assert (row["year"], row["period"]) == (1996, "1990-1996")


def test_table1_values(ko: pd.DataFrame) -> None:
    t1 = ko[ko["table"] == "table1"]
    const = t1[t1["measure"] == "milex_const2003_usd_m"].set_index("year")["value"]
    share = t1[t1["measure"] == "milex_share_gdp_pct"].set_index("year")["value"]
    assert const.to_dict() == {
        1999: 10400,
        2000: 14100,
        2001: 15700,
        2002: 17400,
        2003: 18500,
        2004: 19300,
    }
    assert share.to_dict() == {1999: 3.4, 2000: 3.7, 2001: 4.1, 2002: 4.3, 2003: 4.3, 2004: 3.9}


def test_table2_values_and_internal_consistency(ko: pd.DataFrame) -> None:
    assert _val(ko, "t2_rus_chn_tiv_1999") == 1378
    assert _val(ko, "t2_rus_ind_tiv_2003") == 2340
    assert _val(ko, "t2_rus_chn_tiv_total_1999_2004") == 12490
    assert _val(ko, "t2_rus_wld_tiv_total_1999_2004") == 30687
    assert _val(ko, "t2_rus_chn_share_pct_1999_2004") == 40.70
    assert _val(ko, "t2_rus_irn_share_pct_1999_2004") == 6.27
    # Vietnam 2000 is blank in Ko's table: no row
    assert "t2_rus_vnm_tiv_2000" not in set(ko["figure_id"])
    t2 = ko[(ko["table"] == "table2") & (ko["measure"] == "tiv_const1990_usd_m")]
    yearly = t2[t2["period"] == ""]
    totals = t2[t2["period"] == "1999-2004"].set_index("partner")["value"]
    # each row's years add up to its printed total
    assert yearly.groupby("partner")["value"].sum().to_dict() == totals.to_dict()
    # the recipients add up to the Total row, year by year
    by_year = yearly[yearly["partner"] != "WLD"].groupby("year")["value"].sum()
    wld = yearly[yearly["partner"] == "WLD"].set_index("year")["value"]
    assert by_year.to_dict() == wld.to_dict()


# --------------------------------------------------------------------------- validation


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    df = pd.DataFrame(rows, columns=list(KO_COLUMNS)).fillna("")
    path = tmp_path / "ko.csv"
    df.to_csv(path, index=False)
    return path


def _good_row(fid: str, value: str = "1") -> dict:
    return {
        "figure_id": fid,
        "table": "text",
        "country": "RUS",
        "partner": "",
        "year": "2004",
        "period": "",
        "measure": "m",
        "value": value,
        "unit": "u",
        "ko_source": "s",
        "location": "l",
        "note": "n",
    }


def test_small_valid_file(tmp_path: Path) -> None:
    ko = load_ko_figures(_write(tmp_path, [_good_row("a_1"), _good_row("b_2", "2.5")]))
    assert ko["value"].tolist() == [1.0, 2.5]


def test_rejects_duplicate_id(tmp_path: Path) -> None:
    path = _write(tmp_path, [_good_row("a_1"), _good_row("b_2"), _good_row("a_1")])
    with pytest.raises(ValueError, match=r"ko\.csv, row 4: duplicate figure_id 'a_1'"):
        load_ko_figures(path)


def test_rejects_non_numeric_value(tmp_path: Path) -> None:
    path = _write(tmp_path, [_good_row("a_1"), _good_row("b_2", "12,490")])
    with pytest.raises(ValueError, match=r"ko\.csv, row 3: .*value '12,490' is not numeric"):
        load_ko_figures(path)


def test_rejects_unknown_table(tmp_path: Path) -> None:
    row = _good_row("a_1")
    row["table"] = "table3"
    with pytest.raises(ValueError, match=r"ko\.csv, row 2: .*unknown table 'table3'"):
        load_ko_figures(_write(tmp_path, [row]))


def test_rejects_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "ko.csv"
    pd.DataFrame([_good_row("a_1")]).drop(columns="value").to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"ko\.csv: missing column"):
        load_ko_figures(path)


# --------------------------------------------------------------------------- comparison


@pytest.fixture()
def milex() -> pd.DataFrame:
    rows = [
        {
            "iso3": "RUS",
            "year": y,
            "milex_const_usd_m": RUS_CONST[y],
            "milex_current_usd_m": RUS_CURRENT[y],
            "milex_share_gdp": RUS_SHARE[y],
        }
        for y in RUS_CONST
    ]
    rows += [
        {
            "iso3": "USA",
            "year": 2004,
            "milex_const_usd_m": 795293.517152,
            "milex_current_usd_m": USA_CURRENT_2004,
            "milex_share_gdp": 0.040163,
        },
        {
            "iso3": "CHN",
            "year": 2004,
            "milex_const_usd_m": 69026.330134,
            "milex_current_usd_m": CHN_CURRENT_2004,
            "milex_share_gdp": 0.019385,
        },
        # an aggregate row must not enter the world sum
        {
            "iso3": "EUU",
            "year": 2004,
            "milex_const_usd_m": 1e6,
            "milex_current_usd_m": 1e6,
            "milex_share_gdp": None,
        },
    ]
    return pd.DataFrame(rows)


@pytest.fixture()
def tiv() -> pd.DataFrame:
    # current SIPRI TIV (tables generated July 2022), Russia -> selected recipients
    data = {
        "CHN": {1999: 1462, 2000: 2231, 2001: 2495, 2002: 2536, 2003: 2066, 2004: 2872},
        "IND": {1999: 952, 2000: 642, 2001: 912, 2002: 1788, 2003: 2096, 2004: 1463},
        "GRC": {1999: 369, 2004: 22},
    }
    rows = [
        {"supplier_iso3": "RUS", "recipient_iso3": r, "year": y, "tiv_usd_m": v}
        for r, d in data.items()
        for y, v in d.items()
    ]
    rows.append(
        {"supplier_iso3": "RUS", "recipient_iso3": "CHN", "year": 2005, "tiv_usd_m": 3077}
    )  # outside Ko's period
    rows.append(
        {"supplier_iso3": "UKR", "recipient_iso3": "CHN", "year": 2000, "tiv_usd_m": 500}
    )  # other supplier
    return pd.DataFrame(rows)


@pytest.fixture()
def comparison(ko: pd.DataFrame, milex: pd.DataFrame, tiv: pd.DataFrame) -> pd.DataFrame:
    return compare_with_sipri(ko, milex, tiv).set_index("figure_id")


def test_comparison_columns(ko: pd.DataFrame, milex: pd.DataFrame, tiv: pd.DataFrame) -> None:
    out = compare_with_sipri(ko, milex, tiv)
    assert list(out.columns) == list(COMPARISON_COLUMNS)
    assert out["figure_id"].is_unique


def test_us_2004_spending_and_share(comparison: pd.DataFrame) -> None:
    us = comparison.loc["text_usa_milex_current_usd_bn_2004"]
    assert us["ko_value"] == 455.3
    assert us["current_value"] == pytest.approx(493.0, abs=0.05)
    assert "-7.6%" in us["comparison"]
    share = comparison.loc["text_usa_share_world_milex_pct_2004"]
    world = USA_CURRENT_2004 + CHN_CURRENT_2004 + RUS_CURRENT[2004]  # EUU excluded
    assert share["ko_value"] == 47
    assert share["current_value"] == pytest.approx(100 * USA_CURRENT_2004 / world)
    assert share["current_value"] == pytest.approx(89.33, abs=0.005)


def test_us_share_with_real_world_sum(
    ko: pd.DataFrame, milex: pd.DataFrame, tiv: pd.DataFrame
) -> None:
    # Sum of current US$ over the 152 countries with a 2004 figure in the April 2025 release
    world_2004 = 1075235.828225
    rest = world_2004 - USA_CURRENT_2004 - CHN_CURRENT_2004 - RUS_CURRENT[2004]
    filler = pd.DataFrame(
        [
            {
                "iso3": "XXA",
                "year": 2004,
                "milex_const_usd_m": rest,
                "milex_current_usd_m": rest,
                "milex_share_gdp": 0.02,
            }
        ]
    )
    out = compare_with_sipri(ko, pd.concat([milex, filler]), tiv).set_index("figure_id")
    share = out.loc["text_usa_share_world_milex_pct_2004"]
    assert share["current_value"] == pytest.approx(45.85, abs=0.005)
    assert "1,075.2 US$ bn summed over 4 reporting countries" in share["comparison"]


def test_table1_rebased_and_share(comparison: pd.DataFrame) -> None:
    r04 = comparison.loc["t1_rus_milex_const2003_usd_m_2004"]
    assert r04["ko_value"] == 19300
    # rebased to 2003 prices: 31,213.9 * 16,973.7 / 29,863.6
    assert r04["current_value"] == pytest.approx(17741.2, abs=0.1)
    assert "31,214" in r04["comparison"]
    # in the rebase year the rebased value equals the current-dollar value
    r03 = comparison.loc["t1_rus_milex_const2003_usd_m_2003"]
    assert r03["current_value"] == pytest.approx(RUS_CURRENT[2003])
    s04 = comparison.loc["t1_rus_milex_share_gdp_pct_2004"]
    assert (s04["ko_value"], s04["current_value"]) == (3.9, pytest.approx(3.3004))
    # years absent from the current frame give NaN, not an error
    assert pd.isna(comparison.loc["t1_rus_milex_const2003_usd_m_2001", "current_value"])


def test_growth_factor(comparison: pd.DataFrame) -> None:
    g = comparison.loc["derived_rus_milex_growth_factor_1999_2004"]
    assert g["ko_value"] == pytest.approx(19300 / 10400)
    assert g["ko_value"] == pytest.approx(1.86, abs=0.005)
    assert g["current_value"] == pytest.approx(1.77, abs=0.005)
    assert "x1.86" in g["comparison"] and "x1.77" in g["comparison"]


def test_table2_totals_and_china_share(comparison: pd.DataFrame) -> None:
    chn = comparison.loc["t2_rus_chn_tiv_total_1999_2004"]
    assert (chn["ko_value"], chn["current_value"]) == (12490, 13662)
    ind = comparison.loc["t2_rus_ind_tiv_total_1999_2004"]
    assert (ind["ko_value"], ind["current_value"]) == (7522, 7853)
    total = 13662 + 7853 + 369 + 22
    assert comparison.loc["t2_rus_wld_tiv_total_1999_2004", "current_value"] == total
    # Others = all minus the five recipients Ko names (here only Greece)
    assert comparison.loc["t2_rus_oth_tiv_total_1999_2004", "current_value"] == 391
    assert comparison.loc["t2_rus_wld_tiv_2004", "current_value"] == 2872 + 1463 + 22
    for fid, ko_value in [
        ("t2_rus_chn_share_pct_1999_2004", 40.70),
        ("text_rus_chn_share_arms_exports_pct_1999_2004", 40),
    ]:
        row = comparison.loc[fid]
        assert row["ko_value"] == ko_value
        assert row["current_value"] == pytest.approx(100 * 13662 / total)
    g = comparison.loc["derived_rus_arms_exports_growth_factor_1999_2004"]
    assert g["ko_value"] == pytest.approx(6196 / 3757)
    assert g["current_value"] == pytest.approx((2872 + 1463 + 22) / (1462 + 952 + 369))


def test_rejects_percent_share(ko: pd.DataFrame, milex: pd.DataFrame, tiv: pd.DataFrame) -> None:
    bad = milex.assign(milex_share_gdp=milex["milex_share_gdp"] * 100)
    with pytest.raises(ValueError, match="fraction"):
        compare_with_sipri(ko, bad, tiv)


def test_rejects_missing_input_column(
    ko: pd.DataFrame, milex: pd.DataFrame, tiv: pd.DataFrame
) -> None:
    with pytest.raises(ValueError, match="tiv frame lacks"):
        compare_with_sipri(ko, milex, tiv.drop(columns="tiv_usd_m"))


def test_revisions_from_committed_tables() -> None:
    """Ko's figures beside the committed SIPRI tables: revisions shown, not hidden."""
    from balances.ko_figures import revisions

    r = revisions().set_index("figure_id")
    us = r.loc["text_usa_milex_current_usd_bn_2004"]
    assert us["ko_value"] == 455.3 and us["current_value"] == pytest.approx(493.0, abs=0.1)
    growth = r.loc["derived_rus_milex_growth_factor_1999_2004"]
    assert growth["ko_value"] == pytest.approx(1.86, abs=0.01)
    assert growth["current_value"] == pytest.approx(1.77, abs=0.01)
    china = r.loc["t2_rus_chn_tiv_total_1999_2004"]
    assert (china["ko_value"], china["current_value"]) == (12490, 13662)
    assert r.loc["t2_rus_chn_share_pct_1999_2004", "current_value"] == pytest.approx(44.2, abs=0.1)


def test_text_figures_growth_and_european_members() -> None:
    """Ko's 7.1% growth and 'Europe below 2%' member by member, from the committed tables."""
    from balances.data import load_table
    from balances.ko_figures import EU15, compare_text_figures, eu15_milex_shares

    milex, wdi = load_table("milex"), load_table("wdi")
    shares = eu15_milex_shares(milex)
    assert len(shares) == len(EU15) == 15
    assert shares.loc[shares["above"], "iso3"].tolist() == ["GRC", "GBR", "FRA"]
    gbr = milex[(milex["iso3"] == "GBR") & milex["year"].between(2000, 2006)]
    assert shares.set_index("iso3").loc["GBR", "mean"] == pytest.approx(
        gbr["milex_share_gdp"].mean()
    )
    r = compare_text_figures(load_ko_figures(), milex, wdi).set_index("figure_id")
    assert r.loc["text_rus_gdp_growth_pct_2004", "current_value"] == pytest.approx(7.2, abs=0.01)
    eur = r.loc["text_eur_milex_share_gdp_pct_upper_bound"]
    assert eur["current_value"] == pytest.approx(1.71, abs=0.01)
    assert (
        "3 of 15 members at or above on average: GRC 3.0%, GBR 2.4%, FRA 2.1%" in eur["comparison"]
    )
    assert r.loc["text_eur_milex_share_gdp_pct_upper_bound_fra", "comparison"].endswith(
        "6 of 7 years"
    )
