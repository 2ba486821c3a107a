"""SIPRI Arms Transfers Database: TIV tables (1950-2021) and the trade register (1950-2024).

The supplier -> recipient -> year figures are read from SIPRI's own "TIV of arms
exports from <supplier>" tables (one CSV per supplier, generated 28 July 2022
from the March 2022 release), as published. 360info's tidy dyad-year file in
the same folder is a convenience copy of those tables: it leaves out 901 of
their 22,225 non-blank cells (most West German rows 1953-1990) and codes armed
non-state recipients with their host state's COW code, so it is only used in
the tests, as a cross-check. The deal-level trade register (generated 13 March
2025, deliveries to 2024) gives orders and the years deliveries were made, but
no TIV per year: the table built from it is approximate by construction.

Conventions, decided here once:

* SIPRI's "Soviet Union" (to 1991) and "Russia" (from 1992) are one state, COW
  365 (:mod:`balances.countries`); likewise "Yugoslavia" and "Serbia" (COW 345)
  and "North Yemen" / "Yemen Arab Republic" (COW 678). Where two SIPRI entries
  fall on one state in one year their TIVs are added.
* SIPRI's "Germany" is West Germany until 1990 (COW 260) and Germany after
  (COW 255); "East Germany (GDR)" is COW 265.
* A blank TIV cell means SIPRI registers no deliveries; a "0" means deliveries
  worth less than 0.5 million TIV. Both print as 0 in ``tiv_usd_m``; the
  ``delivered`` column tells them apart.
* The rows of a table are the state-years (dyad-years) in which the states are
  members of the COW state system (NMC v7.0, read by :mod:`balances.sources._spine`), plus any
  in which SIPRI registers a transfer outside COW membership (colonies before
  independence, West Germany before 1955): ``cow_member(s)`` flags them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from balances.config import DYAD_STATES
from balances.countries import add_codes, name_to_iso3, to_ccode
from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import COUNT, FLAG, Col
from balances.sources import table
from balances.sources._spine import (
    MEMBERSHIP_SOURCE,
    add_dyad_codes,
    both_orders,
    dyad_spine,
    system_members,
)
from balances.sources.raw import RawFiles

SOURCE = "sipri_arms_transfers"
TRADEMAP_DIR = "tiv_trademap_1950_2021"
REGISTER = "sipri_trade_register_1950_2024_clean_utf8.csv"
TIV_START, TIV_END = 1950, 2021
#: The register lists deals with deliveries from 1950; orders before 1950 appear
#: only if delivered later, so order counts start in 1950.
REGISTER_START, REGISTER_END = 1950, 2024

#: Title line and notes above the header row of every TIV table.
_NOTES_LINES = 10
_TITLE = re.compile(r"TIV of arms exports from (?P<supplier>.+), (?P<start>\d{4})-(?P<end>\d{4})")
_TOTAL = "Total"

#: International organisations (SIPRI marks them "**").
ORGANISATIONS = frozenset(
    {
        "African Union**",
        "European Union**",
        "NATO**",
        "OSCE**",
        "Regional Security System**",
        "United Nations**",
    }
)
#: Armed non-state actors (SIPRI marks them "*"). country_converter would place
#: most of them in their host state ("UNITA (Angola)*" -> AGO): never let it.
ARMED_NON_STATE = frozenset(
    {
        "ANC (South Africa)*",
        "Amal (Lebanon)*",
        "Anti-Castro rebels (Cuba)*",
        "Armas (Guatemala)*",
        "Contras (Nicaragua)*",
        "Darfur rebels (Sudan)*",
        "ELF (Ethiopia)*",
        "EPLF (Ethiopia)*",
        "FAN (Chad)*",
        "FMLN (El Salvador)*",
        "FNLA (Angola)*",
        "FRELIMO (Portugal)*",
        "GUNT (Chad)*",
        "Haiti rebels*",
        "Hamas (Palestine)*",
        "Hezbollah (Lebanon)*",
        "Houthi rebels (Yemen)*",
        "Indonesia rebels*",
        "Khmer Rouge (Cambodia)*",
        "Kurdistan Regional Government (Iraq)*",
        "LF (Lebanon)*",
        "LRA (Uganda)*",
        "LTTE (Sri Lanka)*",
        "Lebanon Palestinian rebels*",
        "Libya HoR*",
        "MNLF (Philippines)*",
        "MPLA (Portugal)*",
        "MTA (Myanmar)*",
        "Mujahedin (Afghanistan)*",
        "NLA (Macedonia)*",
        "NTC (Libya)*",
        "Northern Alliance (Afghanistan)*",
        "PAIGC (Portugal)*",
        "PIJ (Israel/Palestine)*",
        "PKK (Turkey)*",
        "PKK (Turkiye)*",
        "PLO (Israel)*",
        "PRC (Israel/Palestine)*",
        "Pathet Lao (Laos)*",
        "Provisional IRA (UK)*",
        "RPF (Rwanda)*",
        "RUF (Sierra Leone)*",
        "SLA (Lebanon)*",
        "SNA (Somalia)*",
        "SPLA (Sudan)*",
        "Southern rebels (Yemen)*",
        "Syria rebels*",
        "UIC (Somalia)*",
        "UNITA (Angola)*",
        "Ukraine Rebels*",
        "United Wa State (Myanmar)*",
        "Viet Cong (South Vietnam)*",
        "Viet Minh (France)*",
        "ZAPU (Zimbabwe)*",
    }
)
#: Unattributed transfers (the 2025 register spells them in lower case).
UNKNOWN = frozenset(
    {
        "Unknown supplier(s)",
        "Unknown recipient(s)",
        "Unknown rebel group*",
        "unknown supplier(s)",
        "unknown recipient(s)",
        "unknown rebel group*",
    }
)
#: Entities without an asterisk that are not COW states: a constituent country
#: of the Netherlands, secessionist or unrecognised governments, and
#: non-member territories. country_converter would place "Northern Cyprus" in CYP.
NON_STATE_ENTITIES = frozenset(
    {
        "Aruba",
        "Biafra",
        "Katanga",
        "Northern Cyprus",
        "Palestine",
        "Western Sahara",
    }
)
#: Every SIPRI name dropped from the state tables on purpose.
NOT_STATES = ORGANISATIONS | ARMED_NON_STATE | UNKNOWN | NON_STATE_ENTITIES

_DEAL = "every deal has a recipient, a supplier and a year of order"
_REGISTER_COLUMNS = {
    "recipient": Col("str", nullable=False, fix=_DEAL),
    "supplier": Col("str", nullable=False, fix=_DEAL),
    "year_of_order": Col("int", nullable=False, fix=_DEAL),
    "year_of_order_uncertain": "str",
    "number_ordered": "float",
    "years_of_delivery": "str",
    "tiv_total_order": "float",
    "tiv_delivered": "float",
}
_DELIVERY_YEARS = re.compile(r"\d{4}(; \d{4})*")


def read_trademap(raw: RawFiles, name: str) -> pd.DataFrame:
    """Read one SIPRI TIV table ("TIV of arms exports from <supplier>") as published.

    Parameters
    ----------
    raw
        The raw files.
    name
        File name, e.g. ``"TIV-Export-RUS-1950-2021.csv"``.

    Returns
    -------
    pandas.DataFrame
        One row per non-blank cell: ``supplier`` (SIPRI's name, from the title
        line), ``recipient`` (``"Total"`` for the table's total row), ``year``,
        ``tiv`` (TIV millions) and ``line`` (line in the file).

    Raises
    ------
    DataError
        On a missing year column, a non-numeric cell, a duplicated recipient, or a
        total row that does not match its column (beyond rounding).
    """
    return _read_tables(raw, [name]).drop(columns="file")


def _read_tables(raw: RawFiles, names: Sequence[str]) -> pd.DataFrame:
    """Tables parsed one by one (layout checks), then checked and reshaped together.

    The cell checks and the reshaping run once over every table: per table they cost
    40 ms of pandas overhead each, five seconds for SIPRI's 134 tables.
    """
    wide = pd.concat([_wide_table(raw, n) for n in names])
    long = _long_cells(wide, raw)
    _check_total_row(long, raw)
    return long[["supplier", "recipient", "year", "tiv", "line", "file"]]


def _trademap_path(raw: RawFiles, name: str) -> Path:
    return raw.path(SOURCE, f"{TRADEMAP_DIR}/{name}")


def _wide_table(raw: RawFiles, name: str) -> pd.DataFrame:
    """One table as published (recipient rows, year columns as text), layout checked."""
    path = _trademap_path(raw, name)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(path, f"cannot be read as CSV ({exc})", fix="re-download the file") from exc
    title = rows[0][0] if rows and rows[0] else ""
    m = _TITLE.fullmatch(title)
    if m is None or len(rows) <= _NOTES_LINES:
        raise DataError(
            path,
            f"title {title!r} is not 'TIV of arms exports from <supplier>, <start>-<end>'",
            row=1,
            fix="use SIPRI's TIV-table export unchanged",
        )
    years = [str(y) for y in range(int(m["start"]), int(m["end"]) + 1)]
    header = rows[_NOTES_LINES]
    expected = ["", *years, _TOTAL]
    if header != expected:
        bad = next((e for h, e in zip(header, expected, strict=False) if h != e), expected[-1])
        raise DataError(
            path,
            f"expected column {bad!r} not found; the header line is {header[:3]}...{header[-2:]}",
            row=_NOTES_LINES + 1,
            column=bad,
            fix="the upstream layout changed: update the loader",
        )
    width = len(expected)
    # separator lines carry one more (empty) field than the header: only a value there is wrong
    extra = [i for i, r in enumerate(rows[_NOTES_LINES + 1 :], _NOTES_LINES + 2) if any(r[width:])]
    if extra:
        raise DataError(path, f"more values than the header's {width} columns", row=extra[0])
    df = pd.DataFrame(
        [(r + [""] * width)[:width] for r in rows[_NOTES_LINES + 1 :]],
        columns=["recipient", *years, _TOTAL],
        index=pd.RangeIndex(_NOTES_LINES + 2, len(rows) + 1, name="line"),
    )
    df = df[df["recipient"] != ""]
    check_unique(df, ["recipient"], path)
    return df.drop(columns=_TOTAL).assign(supplier=m["supplier"], file=name)


def _long_cells(df: pd.DataFrame, raw: RawFiles) -> pd.DataFrame:
    """The tables' non-blank year cells, one per row, with ``tiv`` numeric (checked)."""
    long = df.reset_index().melt(
        id_vars=["file", "line", "supplier", "recipient"], var_name="year", value_name="cell"
    )
    long = long[long["cell"].fillna("").str.strip() != ""]
    long["tiv"] = pd.to_numeric(long["cell"], errors="coerce")
    bad = long["tiv"].isna()
    if bad.any():
        cell = long[bad].sort_values(["file", "line"]).iloc[0]
        raise DataError(
            _trademap_path(raw, cell["file"]),
            f"non-numeric value {cell['cell']!r} in a numeric column",
            row=int(cell["line"]),
            column=cell["year"],
            fix="correct the cell or mark it missing",
        )
    long["year"] = long["year"].astype(int)
    return long.sort_values(["file", "year", "line"], kind="stable").reset_index(drop=True)


def _check_total_row(long: pd.DataFrame, raw: RawFiles) -> None:
    """Each table's "Total" row must equal the sum of its column within rounding.

    Each published cell is rounded to a whole million, so the sum can be off by
    up to 0.5 per cell (plus 0.5 for the total's own rounding).
    """
    is_total = long["recipient"] == _TOTAL
    lacking = sorted(set(long["file"]) - set(long.loc[is_total, "file"]))
    if lacking:
        raise DataError(
            _trademap_path(raw, lacking[0]),
            "no 'Total' row",
            fix="use SIPRI's TIV-table export unchanged",
        )
    cells = long[~is_total].groupby(["file", "year"])["tiv"].agg(["sum", "size"])
    total = long[is_total].set_index(["file", "year"])[["tiv", "line"]]
    both = cells.join(total, how="outer").sort_index()
    bad = ~(
        np.abs(both["sum"].fillna(0) - both["tiv"].fillna(0)) <= 0.5 * both["size"].fillna(0) + 0.5
    ) | (both["tiv"].isna() != both["sum"].isna())
    if bad.any():
        file, year = both.index[bad.to_numpy()][0]
        row = both.loc[(file, year)]
        line = long.loc[is_total & (long["file"] == file), "line"].iloc[0]
        raise DataError(
            _trademap_path(raw, file),
            f"the Total row gives {row['tiv']:g} for {year} but "
            f"the recipients' cells add up to {row['sum']:g}",
            row=int(line),
            column=str(year),
            fix="a row or cell was changed or lost: re-download the table",
        )


def read_trademaps(raw: RawFiles) -> pd.DataFrame:
    """All TIV tables the catalogue declares, stacked (see :func:`read_trademap`).

    Adds ``file`` (the table's file name) so errors can name it.
    """
    names = [
        f.path.rsplit("/", 1)[1]
        for f in raw.source(SOURCE).files
        if f.path.startswith(f"{SOURCE}/{TRADEMAP_DIR}/")
    ]
    df = _read_tables(raw, sorted(names))
    suppliers = df.drop_duplicates(["supplier", "file"])
    twice = suppliers["supplier"].duplicated(keep=False)
    if twice.any():
        first = suppliers.loc[twice].iloc[0]
        files = sorted(suppliers.loc[suppliers["supplier"] == first["supplier"], "file"])
        raise DataError(
            raw.path(SOURCE, f"{TRADEMAP_DIR}/{first['file']}"),
            f"supplier {first['supplier']!r} has more than one TIV table: {files}",
            row=1,
            fix="keep one table per supplier",
        )
    return df


def state_iso3(names: pd.Series, lines: pd.Series, paths: pd.Series, column: str) -> pd.Series:
    """ISO3 of each SIPRI name; ``None`` for the named non-states of :data:`NOT_STATES`.

    Parameters
    ----------
    names
        SIPRI country names.
    lines, paths
        Line and file of each name (same index as ``names``), for errors.
    column
        Column named in errors.

    Raises
    ------
    DataError
        Naming file, line and name, for a name country_converter cannot place
        (or places in a territory without a COW code), or an asterisked
        (non-state) name missing from the drop-lists.
    """
    uniq = sorted(set(names.dropna()) - NOT_STATES)
    iso = dict(zip(uniq, name_to_iso3(uniq), strict=True))
    for name in uniq:
        marked = name.endswith("*")
        if marked or iso[name] is None or to_ccode([iso[name]], strict=False)[0] is None:
            first = (names == name).idxmax()
            problem = (
                f"{name!r} is marked by SIPRI as a non-state actor or organisation but is "
                "in no drop-list"
                if marked
                else f"unknown country {name!r}"
            )
            raise DataError(
                paths[first],
                problem,
                row=int(lines[first]),
                column=column,
                fix="add it to balances.countries.NAME_FIXES, or to ARMED_NON_STATE / "
                "NON_STATE_ENTITIES in balances/sources/sipri_arms.py if not a state",
            )
    return names.map(iso)


def _tiv_codes(raw: RawFiles, df: pd.DataFrame) -> pd.DataFrame:
    """Add ``iso3_1`` (supplier) and ``iso3_2`` (recipient); non-states and totals get ``None``."""
    files = {f: raw.path(SOURCE, f"{TRADEMAP_DIR}/{f}") for f in df["file"].unique()}
    paths = df["file"].map(files)
    cells = df["recipient"] != _TOTAL
    out = df.assign(iso3_2=None)
    # the supplier's name is on the title line
    out["iso3_1"] = state_iso3(df["supplier"], pd.Series(1, index=df.index), paths, "supplier")
    out.loc[cells, "iso3_2"] = state_iso3(
        df.loc[cells, "recipient"], df.loc[cells, "line"], paths[cells], "recipient"
    )
    return out


def _on_spine(
    observed: pd.DataFrame, members: pd.DataFrame, keys: list[str], flag: str
) -> pd.DataFrame:
    """Observed values on the membership spine, ``flag`` = 1 on members' rows.

    Rows are the members' plus the observed ones; for dyads the reverse of an
    observed dyad-year is added too, so both orders are present.
    """
    members = members[keys].assign(**{flag: 1})
    seen = both_orders(observed[keys]) if "iso3_1" in keys else observed[keys]
    spine = pd.concat([members[keys], seen]).drop_duplicates()
    spine = spine.merge(members, on=keys, how="left", validate="one_to_one")
    spine[flag] = spine[flag].fillna(0).astype(int)
    return spine.merge(observed, on=keys, how="left", validate="one_to_one")


@table(
    "arms_tiv_dyad",
    level="dyad_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "SIPRI arms transfers, directed supplier (1) -> recipient (2), dyads among "
        "config.DYAD_STATES, 1950-2021, from SIPRI's TIV tables (March 2022 release, generated "
        "28 July 2022). TIV is SIPRI's trend-indicator value: a volume index of military "
        "capability transferred, based on unit production costs at constant (1990) prices, "
        "expressed in millions; not money, and revised in every release. The USSR (to 1991) "
        "is COW 365 / RUS, continued by Russia (SIPRI lists them separately). Rows: dyad-years "
        "in which both states are COW system members (NMC v7.0), plus any other dyad-year with "
        "a registered transfer (cow_members = 0)."
    ),
    columns={
        "tiv_usd_m": (
            "SIPRI TIV of deliveries from 1 to 2, millions (constant 1990 prices), as published "
            "(whole millions). 0 = no deliveries registered (SIPRI covers every state, so a "
            "blank cell is a true zero) or deliveries under 0.5 m (see `delivered`)"
        ),
        "delivered": "1 if SIPRI registers a delivery from 1 to 2 that year (incl. '0' = < 0.5 m)",
        "cow_members": "1 if both states are COW system members that year (NMC v7.0)",
    },
    schema={"tiv_usd_m": COUNT, "delivered": FLAG},
)
def arms_tiv_dyad(raw: RawFiles) -> pd.DataFrame:
    tiv = _tiv_codes(raw, read_trademaps(raw))
    tiv = tiv[
        (tiv["recipient"] != _TOTAL)
        & tiv["iso3_1"].isin(DYAD_STATES)
        & tiv["iso3_2"].isin(DYAD_STATES)
    ]
    keys = ["iso3_1", "iso3_2", "year"]
    observed = tiv.groupby(keys, as_index=False)["tiv"].sum().rename(columns={"tiv": "tiv_usd_m"})
    observed["delivered"] = 1
    df = _on_spine(observed, dyad_spine(raw, TIV_START, TIV_END), keys, "cow_members")
    df = df.fillna({"tiv_usd_m": 0.0, "delivered": 0}).astype({"delivered": int})
    return add_dyad_codes(df)


@table(
    "arms_tiv_state",
    level="state_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "SIPRI arms exports and imports by state, 1950-2021, in TIV millions (see arms_tiv_dyad), "
        "from SIPRI's TIV tables (March 2022 release). Exports are the supplier table's published "
        "Total row; imports add up every supplier's cell for the recipient (whole millions each, "
        "so the sum can differ from SIPRI's own importer total by rounding). USSR and Russia are "
        "one state (365); West Germany is 260 until 1990. Rows: COW system members (NMC v7.0) "
        "plus any other state-year with a registered transfer (cow_member = 0: colonies before "
        "independence, West Germany 1953-54)."
    ),
    columns={
        "tiv_exports": (
            "TIV of the state's arms exports, millions, to all recipients incl. non-state actors, "
            "organisations and unknown recipients; 0 = none registered (or < 0.5 m)"
        ),
        "tiv_imports": (
            "TIV of the state's arms imports, millions, from all suppliers incl. non-state, "
            "organisations and unknown suppliers (sum of the published cells); 0 = none registered"
        ),
        "cow_member": "1 if the state is a COW system member that year (NMC v7.0)",
    },
    schema={
        **dict.fromkeys(
            (
                "tiv_exports",
                "tiv_imports",
            ),
            COUNT,
        )
    },
)
def arms_tiv_state(raw: RawFiles) -> pd.DataFrame:
    tiv = _tiv_codes(raw, read_trademaps(raw))
    is_total = tiv["recipient"] == _TOTAL
    exports = (
        tiv[is_total & tiv["iso3_1"].notna()]
        .groupby(["iso3_1", "year"])["tiv"]
        .sum()
        .rename("tiv_exports")
    )
    imports = (
        tiv[~is_total & tiv["iso3_2"].notna()]
        .groupby(["iso3_2", "year"])["tiv"]
        .sum()
        .rename("tiv_imports")
    )
    exports.index.names = imports.index.names = ["iso3", "year"]
    observed = pd.concat([exports, imports], axis=1).reset_index()
    members = system_members(raw, TIV_START, TIV_END)[["iso3", "year"]].drop_duplicates()
    df = _on_spine(observed, members, ["iso3", "year"], "cow_member")
    df = df.fillna({"tiv_exports": 0.0, "tiv_imports": 0.0})
    return add_codes(df, from_col="iso3", kind="iso3")


def read_register(raw: RawFiles) -> pd.DataFrame:
    """The SIPRI trade register (one row per deal), clean UTF-8 copy, checked.

    An empty "Number ordered" means SIPRI has no data yet; the export then prints
    0 as the total-order TIV, which is set to NaN here. ``years_of_delivery`` must
    be empty or a ``"; "``-separated list of years, and a deal without delivery
    years must have no delivered TIV.
    """
    path = raw.path(SOURCE, REGISTER)
    df = read_csv(path, _REGISTER_COLUMNS)
    years = df["years_of_delivery"].fillna("")
    bad = ~years.str.fullmatch(_DELIVERY_YEARS.pattern) & (years != "")
    if bad.any():
        line = int(bad.idxmax())
        raise DataError(
            path,
            f"years of delivery {years[line]!r} are not a '; '-separated list of years",
            row=line,
            column="years_of_delivery",
        )
    lost = (years == "") & (df["tiv_delivered"].fillna(0) > 0)
    if lost.any():
        raise DataError(
            path,
            "delivered TIV without any year of delivery",
            row=int(lost.idxmax()),
            column="tiv_delivered",
        )
    df["tiv_total_order"] = df["tiv_total_order"].where(df["number_ordered"].notna())
    return df.assign(years_of_delivery=years)


def register_states(raw: RawFiles) -> pd.DataFrame:
    """:func:`read_register` with ``iso3_1`` (supplier) and ``iso3_2`` (recipient); ``None``
    for the named non-states."""
    reg = read_register(raw)
    path = raw.path(SOURCE, REGISTER)
    lines = pd.Series(reg.index, index=reg.index)
    paths = pd.Series(path, index=reg.index)
    reg["iso3_1"] = state_iso3(reg["supplier"], lines, paths, "supplier")
    reg["iso3_2"] = state_iso3(reg["recipient"], lines, paths, "recipient")
    return reg


def delivery_years(reg: pd.DataFrame) -> pd.DataFrame:
    """One row per deal and year of delivery (``year``), with ``share``: the deal's delivered
    TIV spread evenly over its delivery years (the register gives no yearly quantities)."""
    delivering = reg[reg["years_of_delivery"] != ""].assign(
        year=lambda d: d["years_of_delivery"].str.split("; ")
    )
    return (
        delivering.assign(
            share=delivering["tiv_delivered"].fillna(0) / delivering["year"].str.len()
        )
        .explode("year")
        .astype({"year": int})
    )


@table(
    "arms_register_orders",
    level="dyad_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "Approximate arms-transfer activity from the SIPRI trade register (March 2025 release, "
        "deals with deliveries or orders to 2024), directed supplier (1) -> recipient (2), dyads "
        "among config.DYAD_STATES, 1950-2024. The register is deal-level: it gives the order "
        "year (often marked uncertain), the TIV of the order and of the weapons delivered, and "
        "the list of delivery years but not the quantity per year. Order counts and order TIVs "
        "are the register's own; delivered TIV per year spreads each deal's delivered TIV "
        "evenly over its delivery years (an approximation; SIPRI's tables allocate by actual "
        "yearly quantities). Use arms_tiv_dyad through 2021; this table extends to 2022-2024 "
        "and must not be spliced with it silently (different release, approximate allocation). "
        "USSR deals count as Russia (365). Rows: both states COW members (NMC v7.0; 2022 "
        "membership carried to 2023-2024), plus any dyad-year with a deal (cow_members = 0)."
    ),
    columns={
        "n_deals_ordered": "deals ordered that year (register's year of order); 0 = none listed",
        "n_deals_ordered_uncertain": "of these, deals whose order year SIPRI marks uncertain ('?')",
        "tiv_ordered": (
            "SIPRI TIV for the total order, millions, summed over deals ordered that year; deals "
            "with unknown number ordered are left out (see n_deals_ordered_no_tiv)"
        ),
        "n_deals_ordered_no_tiv": "deals ordered that year whose number (so TIV) is not yet known",
        "n_deals_delivering": "deals with a delivery that year (listed in 'Year(s) of delivery')",
        "tiv_delivered_spread": (
            "approximate TIV delivered that year, millions: each deal's delivered TIV divided "
            "evenly among its delivery years, summed over deals"
        ),
        "approximate": "always 1: register-based, approximate figures (see the description)",
        "cow_members": "1 if both states are COW system members that year (NMC v7.0)",
    },
    schema={
        **dict.fromkeys(
            (
                "n_deals_ordered",
                "n_deals_ordered_uncertain",
                "tiv_ordered",
                "n_deals_ordered_no_tiv",
                "n_deals_delivering",
                "tiv_delivered_spread",
            ),
            COUNT,
        )
    },
)
def arms_register_orders(raw: RawFiles) -> pd.DataFrame:
    reg = register_states(raw)
    reg = reg[reg["iso3_1"].isin(DYAD_STATES) & reg["iso3_2"].isin(DYAD_STATES)]
    keys = ["iso3_1", "iso3_2", "year"]
    ordered = (
        reg.rename(columns={"year_of_order": "year"})
        .assign(
            uncertain=lambda d: (d["year_of_order_uncertain"] == "?").astype(int),
            no_tiv=lambda d: d["tiv_total_order"].isna().astype(int),
        )
        .groupby(keys)
        .agg(
            n_deals_ordered=("supplier", "size"),
            n_deals_ordered_uncertain=("uncertain", "sum"),
            tiv_ordered=("tiv_total_order", "sum"),
            n_deals_ordered_no_tiv=("no_tiv", "sum"),
        )
    )
    delivered = (
        delivery_years(reg)
        .groupby(keys)
        .agg(n_deals_delivering=("supplier", "size"), tiv_delivered_spread=("share", "sum"))
    )
    observed = ordered.join(delivered, how="outer").reset_index()
    observed = observed[observed["year"].between(REGISTER_START, REGISTER_END)]
    df = _on_spine(observed, dyad_spine(raw, REGISTER_START, REGISTER_END), keys, "cow_members")
    counts = [
        "n_deals_ordered",
        "n_deals_ordered_uncertain",
        "n_deals_ordered_no_tiv",
        "n_deals_delivering",
    ]
    df = df.fillna(dict.fromkeys([*counts, "tiv_ordered", "tiv_delivered_spread"], 0))
    df = df.astype(dict.fromkeys(counts, int)).assign(approximate=1)
    return add_dyad_codes(df)


#: Suppliers whose exports are kept to every recipient (Ko's Table 2 needs Russia's
#: recipients beyond the dyad states: Algeria, Vietnam, "others").
FOCAL_SUPPLIERS = ("RUS", "CHN", "USA")


@table(
    "arms_tiv_exports_by_recipient",
    level="event",
    keys=("iso3_1", "iso3_2", "year"),
    sources=(SOURCE,),
    description=(
        "SIPRI TIV deliveries from Russia (USSR before 1992), China and the United States to every "
        "state recipient, 1950-2021, one row per supplier-recipient-year with a registered delivery "
        "(no row = none registered). Non-state recipients are dropped, as in arms_tiv_dyad."
    ),
    columns={
        "ccode1": "COW code of the supplier",
        "ccode2": "COW code of the recipient",
        "tiv_usd_m": "SIPRI TIV delivered, millions at constant 1990 prices",
    },
    schema={"tiv_usd_m": COUNT},
)
def arms_tiv_exports_by_recipient(raw: RawFiles) -> pd.DataFrame:
    tiv = _tiv_codes(raw, read_trademaps(raw))
    tiv = tiv[
        (tiv["recipient"] != _TOTAL) & tiv["iso3_1"].isin(FOCAL_SUPPLIERS) & tiv["iso3_2"].notna()
    ]
    keys = ["iso3_1", "iso3_2", "year"]
    out = tiv.groupby(keys, as_index=False)["tiv"].sum().rename(columns={"tiv": "tiv_usd_m"})
    return add_dyad_codes(out)[["iso3_1", "iso3_2", "year", "ccode1", "ccode2", "tiv_usd_m"]]
