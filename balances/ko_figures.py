"""Ko Sangtu's figures beside the current SIPRI release: what the revisions of the data change.

The figures and their file are described in :mod:`balances.ko_figures_file`; the names it defines
are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from balances.ko_figures_file import (
    _PERIOD_RE,
    AGGREGATE_CODES,
    KO_COLUMNS,
    KO_TABLES,
    default_ko_path,
    load_ko_figures,
)

__all__ = [
    "KO_COLUMNS",
    "KO_TABLES",
    "COMPARISON_COLUMNS",
    "MILEX_COLUMNS",
    "TIV_COLUMNS",
    "AGGREGATE_CODES",
    "default_ko_path",
    "load_ko_figures",
    "compare_with_sipri",
    "EU15",
    "eu15_milex_shares",
    "compare_text_figures",
]

MILEX_COLUMNS: tuple[str, ...] = (
    "iso3",
    "year",
    "milex_const_usd_m",
    "milex_current_usd_m",
    "milex_share_gdp",
)
"""Columns :func:`compare_with_sipri` needs in its ``milex`` input.

``milex_const_usd_m`` is US$ m at the constant prices of the SIPRI release (2023 prices in the
April 2025 release), ``milex_current_usd_m`` US$ m at current prices and exchange rates, and
``milex_share_gdp`` a **fraction** of GDP (0.035 = 3.5 %). One row per country-year.
"""

TIV_COLUMNS: tuple[str, ...] = ("supplier_iso3", "recipient_iso3", "year", "tiv_usd_m")
"""Columns :func:`compare_with_sipri` needs in its ``tiv`` input (SIPRI TIV, millions, at
constant 1990 prices; one row per supplier-recipient-year with deliveries)."""

COMPARISON_COLUMNS: tuple[str, ...] = (
    "figure_id",
    "measure",
    "ko_value",
    "ko_unit",
    "current_value",
    "current_unit",
    "current_source",
    "comparison",
)
"""Columns of the frame returned by :func:`compare_with_sipri`."""


# Ko's Table 2 partner codes that are not single recipients.
_OTHERS = "OTH"
_ALL = "WLD"


def _check_columns(df: pd.DataFrame, needed: Iterable[str], name: str) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"{name} frame lacks column(s) {missing}")


def _milex_at(milex: pd.DataFrame, iso3: str, year: int, col: str) -> float:
    sel = milex.loc[(milex["iso3"] == iso3) & (milex["year"] == year), col].dropna()
    if len(sel) > 1:
        raise ValueError(f"milex frame has {len(sel)} rows for {iso3} {year}")
    return float(sel.iloc[0]) if len(sel) else math.nan


def _period_years(period: str) -> range:
    m = _PERIOD_RE.match(period)
    if not m:
        raise ValueError(f"bad period {period!r}")
    return range(int(m.group(1)), int(m.group(2)) + 1)


def _pct_diff(ko: float, cur: float) -> str:
    if math.isnan(cur) or cur == 0:
        return "n/a"
    return f"{100 * (ko - cur) / cur:+.1f}%"


def _fmt(x: float, nd: int = 0) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.{nd}f}"


def _row(fig: pd.Series | dict, current: float, cur_unit: str, source: str, text: str) -> dict:
    return {
        "figure_id": fig["figure_id"],
        "measure": fig["measure"],
        "ko_value": float(fig["value"]),
        "ko_unit": fig["unit"],
        "current_value": current,
        "current_unit": cur_unit,
        "current_source": source,
        "comparison": text,
    }


def compare_with_sipri(
    ko: pd.DataFrame,
    milex: pd.DataFrame,
    tiv: pd.DataFrame,
    *,
    milex_source: str = "SIPRI Military Expenditure Database, current release",
    tiv_source: str = "SIPRI Arms Transfers Database, TIV tables, current release",
    const_base_year: int = 2023,
) -> pd.DataFrame:
    """Set Ko's figures beside the values the current SIPRI data give for the same quantity.

    Compared figures: Table 1 Russian spending (constant 2003 US$) and share of GDP; US 2004
    spending and its share of world spending; Table 2 period totals per recipient (including
    "Others" and "Total"), the yearly Table 2 grand totals, and China's share of Russian
    deliveries 1999-2004 (table and text). Two derived rows give the growth factor 2004/1999
    of Russian military spending and of Russian arms deliveries, Ko's versus current.

    Parameters
    ----------
    ko : pandas.DataFrame
        Ko's figures as returned by :func:`load_ko_figures`.
    milex : pandas.DataFrame
        Tidy SIPRI military expenditure with the columns of :data:`MILEX_COLUMNS`
        (``milex_share_gdp`` as a fraction of GDP).
    tiv : pandas.DataFrame
        Tidy SIPRI arms transfers with the columns of :data:`TIV_COLUMNS` (TIV at constant
        1990 prices, US$ m equivalent).
    milex_source, tiv_source : str, optional
        Labels written to ``current_source`` (name the release being compared).
    const_base_year : int, optional
        Price base of ``milex_const_usd_m`` (2023 in SIPRI's April 2025 release); used only in
        unit labels.

    Returns
    -------
    pandas.DataFrame
        One row per compared figure with the columns of :data:`COMPARISON_COLUMNS`.
        ``current_value`` is NaN where the current data lack the quantity.

    Raises
    ------
    ValueError
        If an input frame lacks a needed column, or ``milex_share_gdp`` looks like a
        percentage rather than a fraction (median above 0.5).

    Notes
    -----
    *Constant-price levels.* Ko's Table 1 is in constant 2003 US$, the current release in
    constant ``const_base_year`` US$. Within one SIPRI release, a country's constant-dollar
    series is its local-currency series deflated by the national CPI and converted at the
    base year's exchange rate, so its value in the base year equals the current-dollar value.
    The current series is therefore rebased to 2003 prices exactly by multiplying it by
    Russia's 2003 ratio of current to constant US$; ``current_value`` is that rebased level
    and the comparison text also gives the unrebased constant figure.

    *World total.* The US share of world spending uses, as the denominator, the sum of
    ``milex_current_usd_m`` over all countries present in ``milex`` for the year (group codes
    in :data:`AGGREGATE_CODES` excluded). SIPRI's own world total adds estimates for countries
    with missing data, so this sum is a lower bound of the world total and the resulting share
    an upper bound of the US share.

    *Table 2.* Current "Others" is all Russian deliveries in the period minus those to the
    recipients Ko names; "Total" is all deliveries. Shares are computed from the same sums.
    These are sums of SIPRI's rounded cells, so they can differ by a few units from the
    "Total" printed in SIPRI's own TIV tables.
    TIV figures are revised in every SIPRI release, so differences measure revisions plus
    any changes in coverage.
    """
    ko, milex, tiv = _checked_inputs(ko, milex, tiv)
    out: list[dict] = []
    out += _compare_table1(ko, milex, milex_source, const_base_year)
    out += _compare_us(ko, milex, milex_source)
    out += _compare_table2(ko, tiv, tiv_source)
    out += _growth_rows(ko, milex, tiv, milex_source, tiv_source, const_base_year)
    return pd.DataFrame(out, columns=list(COMPARISON_COLUMNS))


def _checked_inputs(
    ko: pd.DataFrame, milex: pd.DataFrame, tiv: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The inputs of :func:`compare_with_sipri`, checked, with integer years and no NaN codes."""
    _check_columns(
        ko,
        ("figure_id", "table", "country", "partner", "year", "period", "measure", "value", "unit"),
        "ko",
    )
    _check_columns(milex, MILEX_COLUMNS, "milex")
    _check_columns(tiv, TIV_COLUMNS, "tiv")
    # Shares above 1 do occur (Kuwait 1991: 1.17), so test the typical value, not the maximum.
    share_med = pd.to_numeric(milex["milex_share_gdp"], errors="coerce").median()
    if pd.notna(share_med) and share_med > 0.5:
        raise ValueError(
            "milex_share_gdp must be a fraction of GDP (0.035 = 3.5 %); "
            f"its median is {share_med:g}, which looks like a percentage"
        )

    milex = milex.assign(year=pd.to_numeric(milex["year"]).astype("int64"))
    tiv = tiv.assign(year=pd.to_numeric(tiv["year"]).astype("int64"))
    ko = ko.copy()
    ko["partner"] = ko["partner"].fillna("")
    ko["period"] = ko["period"].fillna("")
    return ko, milex, tiv


def _compare_table1(ko: pd.DataFrame, milex: pd.DataFrame, source: str, base: int) -> list[dict]:
    rows: list[dict] = []
    t1 = ko[(ko["table"] == "table1") & (ko["country"] == "RUS")]
    ref_year = 2003
    cur_ref = _milex_at(milex, "RUS", ref_year, "milex_current_usd_m")
    const_ref = _milex_at(milex, "RUS", ref_year, "milex_const_usd_m")
    factor = cur_ref / const_ref if const_ref and not math.isnan(const_ref) else math.nan
    for _, fig in t1.iterrows():
        year = int(fig["year"])
        if fig["measure"] == "milex_const2003_usd_m":
            const = _milex_at(milex, "RUS", year, "milex_const_usd_m")
            cur = const * factor
            text = (
                f"Ko {_fmt(fig['value'])} vs current {_fmt(cur)} US$ m at 2003 prices "
                f"(Ko {_pct_diff(fig['value'], cur)}); unrebased: {_fmt(const)} US$ m at "
                f"constant {base} prices"
            )
            rows.append(
                _row(
                    fig,
                    cur,
                    f"US$ m, constant 2003 prices (constant {base} series rebased by Russia's "
                    "2003 current/constant ratio)",
                    f"{source}: milex_const_usd_m, milex_current_usd_m",
                    text,
                )
            )
        elif fig["measure"] == "milex_share_gdp_pct":
            cur = 100 * _milex_at(milex, "RUS", year, "milex_share_gdp")
            gap = "n/a" if math.isnan(cur) else f"{fig['value'] - cur:+.2f}"
            text = f"Ko {fig['value']:.1f}% vs current {_fmt(cur, 2)}% of GDP ({gap} points)"
            rows.append(_row(fig, cur, "% of GDP", f"{source}: milex_share_gdp", text))
    return rows


def _world_current(milex: pd.DataFrame, year: int) -> tuple[float, int]:
    sel = milex[(milex["year"] == year) & ~milex["iso3"].isin(AGGREGATE_CODES)]
    vals = sel["milex_current_usd_m"].dropna()
    return float(vals.sum()) if len(vals) else math.nan, int(len(vals))


def _compare_us(ko: pd.DataFrame, milex: pd.DataFrame, source: str) -> list[dict]:
    rows: list[dict] = []
    us = ko[(ko["table"] == "text") & (ko["country"] == "USA")]
    for _, fig in us.iterrows():
        if pd.isna(fig["year"]):
            continue
        year = int(fig["year"])
        if fig["measure"] == "milex_current_usd_bn":
            cur = _milex_at(milex, "USA", year, "milex_current_usd_m") / 1000
            text = (
                f"Ko {fig['value']:.1f} vs current {_fmt(cur, 1)} US$ bn "
                f"(Ko {_pct_diff(fig['value'], cur)})"
            )
            rows.append(
                _row(
                    fig,
                    cur,
                    f"US$ bn, current {year} prices",
                    f"{source}: milex_current_usd_m",
                    text,
                )
            )
        elif fig["measure"] == "share_of_world_milex_pct":
            us_cur = _milex_at(milex, "USA", year, "milex_current_usd_m")
            world, n = _world_current(milex, year)
            cur = 100 * us_cur / world if world else math.nan
            text = (
                f"Ko {fig['value']:g}% vs current {_fmt(cur, 1)}% (US {_fmt(us_cur / 1000, 1)} "
                f"of {_fmt(world / 1000, 1)} US$ bn summed over {n} reporting countries; "
                "upper bound, SIPRI's world total adds estimates)"
            )
            rows.append(
                _row(
                    fig,
                    cur,
                    "% of summed reported world spending, current US$",
                    f"{source}: milex_current_usd_m, sum over countries",
                    text,
                )
            )
    return rows


def _tiv_sum(
    tiv: pd.DataFrame,
    years: Iterable[int],
    recipients: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> float:
    sel = tiv[(tiv["supplier_iso3"] == "RUS") & tiv["year"].isin(list(years))]
    if recipients is not None:
        sel = sel[sel["recipient_iso3"].isin(list(recipients))]
    if exclude is not None:
        sel = sel[~sel["recipient_iso3"].isin(list(exclude))]
    return float(sel["tiv_usd_m"].sum())


def _current_tiv_for(
    tiv: pd.DataFrame, partner: str, years: Iterable[int], named: list[str]
) -> float:
    years = list(years)
    if partner == _ALL:
        return _tiv_sum(tiv, years)
    if partner == _OTHERS:
        return _tiv_sum(tiv, years, exclude=named)
    return _tiv_sum(tiv, years, recipients=[partner])


def _compare_table2(ko: pd.DataFrame, tiv: pd.DataFrame, source: str) -> list[dict]:
    rows: list[dict] = []
    t2 = ko[(ko["table"] == "table2") & (ko["country"] == "RUS")]
    named = sorted(set(t2["partner"]) - {_OTHERS, _ALL, ""})
    unit = "SIPRI TIV, US$ m at constant 1990 prices"
    # period totals per recipient
    tot = t2[(t2["measure"] == "tiv_const1990_usd_m") & (t2["period"] != "")]
    for _, fig in tot.iterrows():
        cur = _current_tiv_for(tiv, fig["partner"], _period_years(fig["period"]), named)
        text = (
            f"{fig['partner']} {fig['period']}: Ko {_fmt(fig['value'])} vs current "
            f"{_fmt(cur)} TIV (Ko {_pct_diff(fig['value'], cur)})"
        )
        rows.append(_row(fig, cur, unit, f"{source}: tiv_usd_m, supplier RUS", text))
    # yearly grand totals
    yearly = t2[
        (t2["measure"] == "tiv_const1990_usd_m") & (t2["period"] == "") & (t2["partner"] == _ALL)
    ]
    for _, fig in yearly.iterrows():
        cur = _current_tiv_for(tiv, _ALL, [int(fig["year"])], named)
        text = (
            f"all recipients {int(fig['year'])}: Ko {_fmt(fig['value'])} vs current "
            f"{_fmt(cur)} TIV (Ko {_pct_diff(fig['value'], cur)})"
        )
        rows.append(_row(fig, cur, unit, f"{source}: tiv_usd_m, supplier RUS", text))
    # China's share (table and text)
    shares = ko[
        (ko["country"] == "RUS")
        & (ko["partner"] == "CHN")
        & (ko["measure"] == "share_of_rus_arms_exports_pct")
    ]
    for _, fig in shares.iterrows():
        years = list(_period_years(fig["period"]))
        chn = _current_tiv_for(tiv, "CHN", years, named)
        allr = _current_tiv_for(tiv, _ALL, years, named)
        cur = 100 * chn / allr if allr else math.nan
        text = (
            f"China's share {fig['period']}: Ko {fig['value']:g}% vs current {_fmt(cur, 2)}% "
            f"({_fmt(chn)} of {_fmt(allr)} TIV)"
        )
        rows.append(
            _row(
                fig,
                cur,
                "% of Russian TIV in the period",
                f"{source}: tiv_usd_m, supplier RUS",
                text,
            )
        )
    return rows


def _ko_value(ko: pd.DataFrame, **match: object) -> float:
    sel = ko
    for col, val in match.items():
        sel = sel[sel[col] == val]
    if len(sel) != 1:
        return math.nan
    return float(sel["value"].iloc[0])


def _growth_rows(
    ko: pd.DataFrame,
    milex: pd.DataFrame,
    tiv: pd.DataFrame,
    milex_source: str,
    tiv_source: str,
    base: int,
) -> list[dict]:
    rows: list[dict] = []
    y0, y1 = 1999, 2004
    k0 = _ko_value(ko, table="table1", country="RUS", measure="milex_const2003_usd_m", year=y0)
    k1 = _ko_value(ko, table="table1", country="RUS", measure="milex_const2003_usd_m", year=y1)
    if not (math.isnan(k0) or math.isnan(k1)):
        c0 = _milex_at(milex, "RUS", y0, "milex_const_usd_m")
        c1 = _milex_at(milex, "RUS", y1, "milex_const_usd_m")
        kg, cg = k1 / k0, c1 / c0 if c0 else math.nan
        rows.append(
            _row(
                {
                    "figure_id": f"derived_rus_milex_growth_factor_{y0}_{y1}",
                    "measure": "milex_growth_factor",
                    "value": kg,
                    "unit": f"ratio {y1}/{y0}, constant 2003 US$ (Ko Table 1)",
                },
                cg,
                f"ratio {y1}/{y0}, constant {base} US$",
                f"{milex_source}: milex_const_usd_m",
                f"Russian spending {y0}->{y1}: Ko x{kg:.2f} vs current x{_fmt(cg, 2)}",
            )
        )
    a0 = _ko_value(
        ko,
        table="table2",
        country="RUS",
        partner=_ALL,
        measure="tiv_const1990_usd_m",
        year=y0,
        period="",
    )
    a1 = _ko_value(
        ko,
        table="table2",
        country="RUS",
        partner=_ALL,
        measure="tiv_const1990_usd_m",
        year=y1,
        period="",
    )
    if not (math.isnan(a0) or math.isnan(a1)):
        t0 = _tiv_sum(tiv, [y0])
        t1 = _tiv_sum(tiv, [y1])
        kg, cg = a1 / a0, t1 / t0 if t0 else math.nan
        rows.append(
            _row(
                {
                    "figure_id": f"derived_rus_arms_exports_growth_factor_{y0}_{y1}",
                    "measure": "arms_exports_growth_factor",
                    "value": kg,
                    "unit": f"ratio {y1}/{y0}, SIPRI TIV (Ko Table 2)",
                },
                cg,
                f"ratio {y1}/{y0}, SIPRI TIV",
                f"{tiv_source}: tiv_usd_m, supplier RUS",
                f"Russian arms deliveries {y0}->{y1}: Ko x{kg:.2f} vs current x{_fmt(cg, 2)}",
            )
        )
    return rows


#: The fifteen EU members of 1995-2004: the "Europe" of Ko's (and Kagan's) comparison.
EU15: tuple[str, ...] = (
    "AUT", "BEL", "DEU", "DNK", "ESP", "FIN", "FRA", "GBR",
    "GRC", "IRL", "ITA", "LUX", "NLD", "PRT", "SWE",
)  # fmt: skip


def eu15_milex_shares(
    milex: pd.DataFrame, start: int = 2000, end: int = 2006, bound: float = 0.02
) -> pd.DataFrame:
    """Each EU-15 member's military spending as a share of GDP, against Ko's 2 % bound.

    Returns
    -------
    pandas.DataFrame
        iso3, years (with data), mean, min, max (fractions of GDP), years_above
        (how many years at or above ``bound``), above (mean at or above ``bound``),
        sorted by mean, highest first.
    """
    _check_columns(milex, ("iso3", "year", "milex_share_gdp"), "milex")
    sel = milex[milex["iso3"].isin(EU15) & milex["year"].between(start, end)]
    g = sel.dropna(subset=["milex_share_gdp"]).groupby("iso3")["milex_share_gdp"]
    out = pd.DataFrame(
        {
            "years": g.size(),
            "mean": g.mean(),
            "min": g.min(),
            "max": g.max(),
            "years_above": g.apply(lambda x: int((x >= bound).sum())),
        }
    )
    out["above"] = out["mean"] >= bound
    return out.reset_index().sort_values("mean", ascending=False, ignore_index=True)


def compare_text_figures(
    ko: pd.DataFrame,
    milex: pd.DataFrame,
    wdi: pd.DataFrame,
    *,
    milex_source: str = "SIPRI Military Expenditure Database, current release",
    wdi_source: str = "World Bank WDI",
) -> pd.DataFrame:
    """Ko's text figures that SIPRI's tables alone cannot check.

    Russia's real GDP growth in 2004 (WDI GDP at PPP, constant 2021 international $),
    and Europe's defence effort below 2 % of GDP, member by member (EU-15, 2000-2006):
    one row per member at or above the bound on average, and one for the aggregate.
    """
    _check_columns(wdi, ("iso3", "year", "gdp_ppp_const2021", "gdp_current_usd"), "wdi")
    out: list[dict] = []
    fig = ko[ko["figure_id"] == "text_rus_gdp_growth_pct_2004"]
    if len(fig):
        f = fig.iloc[0]
        year = int(f["year"])
        g = wdi[wdi["iso3"] == "RUS"].set_index("year")["gdp_ppp_const2021"]
        cur = 100 * (g.get(year, math.nan) / g.get(year - 1, math.nan) - 1)
        text = f"Ko {f['value']:g}% vs current {_fmt(cur, 1)}% real growth {year}"
        out.append(
            _row(f, cur, "% real GDP growth (GDP PPP, constant 2021 int. $)", wdi_source, text)
        )
    fig = ko[ko["figure_id"] == "text_eur_milex_share_gdp_pct_upper_bound"]
    if len(fig):
        f = fig.iloc[0]
        bound = float(f["value"]) / 100
        shares = eu15_milex_shares(milex, bound=bound)
        above = shares[shares["above"]]
        sel = milex[milex["iso3"].isin(EU15) & milex["year"].between(2000, 2006)]
        gdp = wdi[wdi["iso3"].isin(EU15) & wdi["year"].between(2000, 2006)]
        agg = 100 * sel["milex_current_usd_m"].sum() / (gdp["gdp_current_usd"].sum() / 1e6)
        names = ", ".join(f"{r.iso3} {100 * r.mean:.1f}%" for r in above.itertuples())
        text = (
            f"Ko below {f['value']:g}% vs EU-15 aggregate {_fmt(agg, 2)}% (2000-2006); "
            f"{len(above)} of {len(shares)} members at or above on average: {names or 'none'}"
        )
        out.append(_row(f, agg, "% of GDP, EU-15 aggregate 2000-2006", milex_source, text))
        for r in above.itertuples():
            row = _row(
                f,
                100 * r.mean,
                f"% of GDP, {r.iso3} mean 2000-2006",
                milex_source,
                f"{r.iso3}: mean {100 * r.mean:.2f}% (range {100 * r.min:.2f}-{100 * r.max:.2f}%), "
                f"at or above {f['value']:g}% in {r.years_above} of {r.years} years",
            )
            row["figure_id"] = f"{f['figure_id']}_{r.iso3.lower()}"
            out.append(row)
    return pd.DataFrame(out, columns=list(COMPARISON_COLUMNS))


def revisions() -> pd.DataFrame:
    """Ko's figures beside the committed SIPRI tables (milex; TIV exports by recipient).

    Uses the processed tables ``milex`` (current release, constant 2023 US$),
    ``arms_tiv_exports_by_recipient`` (TIV tables to 2021) and ``wdi`` (for Ko's growth
    figure and Europe's shares of GDP), so it works offline.
    """
    from balances.data import load_table, tables

    prov = tables()
    milex = load_table("milex")[list(MILEX_COLUMNS)]
    tiv = load_table("arms_tiv_exports_by_recipient").rename(
        columns={"iso3_1": "supplier_iso3", "iso3_2": "recipient_iso3"}
    )[list(TIV_COLUMNS)]
    m_version = prov["milex"]["sources"]["sipri_milex"]["version"]
    t_version = prov["arms_tiv_exports_by_recipient"]["sources"]["sipri_arms_transfers"]["version"]
    ko = load_ko_figures()
    sipri = compare_with_sipri(
        ko,
        milex,
        tiv,
        milex_source=f"SIPRI Milex ({m_version})",
        tiv_source=f"SIPRI Arms Transfers ({t_version})",
    )
    w_version = prov["wdi"]["sources"]["worldbank_wdi_owid_ppp"]["version"]
    text = compare_text_figures(
        ko,
        load_table("milex"),
        load_table("wdi"),
        milex_source=f"SIPRI Milex ({m_version})",
        wdi_source=f"World Bank WDI ({w_version})",
    )
    return pd.concat([sipri, text], ignore_index=True)
