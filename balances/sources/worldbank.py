"""World Bank World Development Indicators: GDP (current US$), population, GDP per capita at PPP.

GDP (``NY.GDP.MKTP.CD``) and population (``SP.POP.TOTL``) come from the
datahub.io "core datasets" long CSVs; GDP per capita at PPP in constant 2021
international $ (``NY.GDP.PCAP.PP.KD``) from Our World in Data's re-export,
a separate catalogue entry because it is a different redistributor and WDI
vintage. Files are keyed by ISO3 code; World Bank and OWID aggregates and
non-sovereign territories are dropped by name, any other unknown code raises.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.countries import add_codes, is_known_iso3
from balances.io import check_known, check_unique, read_csv
from balances.schema import POSITIVE
from balances.sources import table
from balances.sources.raw import RawFiles

SOURCE = "worldbank_wdi"
SOURCE_PPP = "worldbank_wdi_owid_ppp"
GDP_FILE = "wdi_gdp_current_usd.csv"
POP_FILE = "wdi_population.csv"
PPP_FILE = "owid_gdp_per_capita_ppp_worldbank.csv"

_WDI_COLUMNS = {"Country Name": "str", "Country Code": "str", "Year": "int", "Value": "float"}
_PPP_COLUMNS = {"Entity": "str", "Code": "str", "Year": "int", "GDP per capita": "float"}

#: The World Bank's world total: kept in ``wdi_world``.
WB_WORLD = "WLD"
#: World Bank regional, income, lending and demographic groups: not states.
WB_AGGREGATES = frozenset(
    {
        "AFE",
        "AFW",
        "ARB",
        "CEB",
        "CSS",
        "EAP",
        "EAR",
        "EAS",
        "ECA",
        "ECS",
        "EMU",
        "EUU",
        "FCS",
        "HIC",
        "HPC",
        "IBD",
        "IBT",
        "IDA",
        "IDB",
        "IDX",
        "LAC",
        "LCN",
        "LDC",
        "LIC",
        "LMC",
        "LMY",
        "LTE",
        "MEA",
        "MIC",
        "MNA",
        "NAC",
        "OED",
        "OSS",
        "PRE",
        "PSS",
        "PST",
        "SAS",
        "SSA",
        "SSF",
        "SST",
        "TEA",
        "TEC",
        "TLA",
        "TMN",
        "TSA",
        "TSS",
        "UMC",
    }
)
#: OWID's own aggregates (EU, income groups) and its copies of World Bank regions.
OWID_AGGREGATES = frozenset(
    {
        "OWID_EU27",
        "OWID_HIC",
        "OWID_LIC",
        "OWID_LMC",
        "OWID_UMC",
        "WB_EAP",
        "WB_ECA",
        "WB_LAC",
        "WB_MENAP",
        "WB_NA",
        "WB_SA",
        "WB_SSA",
    }
)
#: OWID's own codes: Kosovo (no ISO 3166 code; the project uses XKX) and the
#: world, whose per-capita figure is the World Bank's WLD series.
OWID_CODE_FIXES: dict[str, str] = {"OWID_KOS": "XKX", "OWID_WRL": WB_WORLD}
#: Dependent territories, special administrative regions and Palestine: no COW
#: state code, so no row in a state-year table (China's figures exclude Hong
#: Kong and Macao, as the World Bank publishes them).
TERRITORIES = frozenset(
    {
        "ABW",
        "ASM",
        "BMU",
        "CHI",
        "CUW",
        "CYM",
        "FRO",
        "GIB",
        "GRL",
        "GUM",
        "HKG",
        "IMN",
        "MAC",
        "MAF",
        "MNP",
        "NCL",
        "PRI",
        "PSE",
        "PYF",
        "SXM",
        "TCA",
        "VGB",
        "VIR",
    }
)

_VALUES = ("gdp_current_usd", "population", "gdp_pc_ppp_const2021")
_COLUMN_DOCS = {
    "gdp_current_usd": "GDP, current US$ (WDI NY.GDP.MKTP.CD; market exchange rates)",
    "population": "population, persons (WDI SP.POP.TOTL, mid-year)",
    "gdp_pc_ppp_const2021": (
        "GDP per capita, PPP, constant 2021 international $ (WDI NY.GDP.PCAP.PP.KD, via OWID)"
    ),
    "gdp_ppp_const2021": (
        "GDP, PPP, constant 2021 international $, computed here as gdp_pc_ppp_const2021 x "
        "population (NaN if either is missing)"
    ),
}


def _check_codes(df: pd.DataFrame, column: str, path: Path, dropped: frozenset[str]) -> None:
    """Raise on the first code that is neither a known state nor a named drop."""
    codes = pd.unique(df[column].dropna())
    known = {c for c in codes if is_known_iso3(c)} | dropped
    check_known(df, column, known, path, what="country code")


def read_wdi(raw: RawFiles, name: str) -> pd.DataFrame:
    """One datahub WDI file as published: ``iso3`` (WB code), ``year``, ``value``."""
    path = raw.path(SOURCE, name)
    df = read_csv(path, _WDI_COLUMNS)
    check_unique(df, ["Country Code", "Year"], path)
    _check_codes(df, "Country Code", path, WB_AGGREGATES | TERRITORIES | {WB_WORLD})
    return df.rename(columns={"Country Code": "iso3", "Year": "year", "Value": "value"})[
        ["iso3", "year", "value"]
    ]


def read_ppp(raw: RawFiles) -> pd.DataFrame:
    """OWID's re-export of WDI GDP per capita at PPP: ``iso3`` (fixed), ``year``, ``value``."""
    path = raw.path(SOURCE_PPP, PPP_FILE)
    df = read_csv(path, _PPP_COLUMNS)
    df["Code"] = df["Code"].replace(OWID_CODE_FIXES)
    check_unique(df, ["Code", "Year"], path)
    _check_codes(df, "Code", path, OWID_AGGREGATES | TERRITORIES | {WB_WORLD})
    return df.rename(columns={"Code": "iso3", "Year": "year", "GDP per capita": "value"})[
        ["iso3", "year", "value"]
    ]


def _combined(raw: RawFiles) -> pd.DataFrame:
    """The three series side by side, keyed by code and year (outer join)."""
    parts = [
        read_wdi(raw, GDP_FILE).rename(columns={"value": "gdp_current_usd"}),
        read_wdi(raw, POP_FILE).rename(columns={"value": "population"}),
        read_ppp(raw).rename(columns={"value": "gdp_pc_ppp_const2021"}),
    ]
    df = parts[0]
    for p in parts[1:]:
        df = df.merge(p, on=["iso3", "year"], how="outer", validate="one_to_one")
    df["gdp_ppp_const2021"] = df["gdp_pc_ppp_const2021"] * df["population"]
    return df[df[list(_VALUES)].notna().any(axis=1)]


@table(
    "wdi",
    level="state_year",
    sources=(SOURCE, SOURCE_PPP),
    description=(
        "World Bank WDI by state-year: GDP in current US$ (1960-2023), population (1960-2024) "
        "and GDP per capita at PPP in constant 2021 international $ (1990-2024, OWID re-export), "
        "with total PPP GDP computed as per-capita PPP x population. Aggregates and non-sovereign "
        "territories dropped. Codes are the World Bank's ISO3 mapped to COW: RUS before 1991 "
        "(GDP from 1989, population from 1960) is today's Russian Federation territory, not the "
        "USSR, though it carries COW 365; likewise DEU and YEM before 1990 are the unified "
        "territories under the COW codes of West Germany (260) and North Yemen (678). Current-US$ "
        "GDP swings with exchange rates (Russia 1998, 2014-15, 2022-23): prefer PPP for power."
    ),
    columns=_COLUMN_DOCS,
    schema={
        "gdp_current_usd": POSITIVE,
        "population": POSITIVE,
        "gdp_pc_ppp_const2021": POSITIVE,
        "gdp_ppp_const2021": POSITIVE,
    },
)
def wdi(raw: RawFiles) -> pd.DataFrame:
    df = _combined(raw)
    dropped = WB_AGGREGATES | OWID_AGGREGATES | TERRITORIES | {WB_WORLD}
    df = df[~df["iso3"].isin(dropped)]
    df = df[df["year"].between(PANEL_START, PANEL_END)]
    return add_codes(df, from_col="iso3", kind="iso3")


@table(
    "wdi_world",
    level="system_year",
    sources=(SOURCE, SOURCE_PPP),
    description=(
        "World totals of the wdi columns: the World Bank's 'World' (WLD) GDP in current US$ "
        "(1960-2023) and population (1960-2024), OWID's 'World' GDP per capita at PPP (constant "
        "2021 int-$, 1990-2024; the World Bank's world figure), and world PPP GDP = that per "
        "capita x WLD population. Denominators for shares of the world."
    ),
    columns={
        "gdp_current_usd": "world GDP, current US$ (WDI NY.GDP.MKTP.CD, WLD)",
        "population": "world population, persons (WDI SP.POP.TOTL, WLD)",
        "gdp_pc_ppp_const2021": "world GDP per capita, PPP, constant 2021 int-$ (WDI, via OWID)",
        "gdp_ppp_const2021": "world PPP GDP, constant 2021 int-$ (per capita x population)",
    },
    schema={"gdp_current_usd": POSITIVE, "population": POSITIVE},
)
def wdi_world(raw: RawFiles) -> pd.DataFrame:
    df = _combined(raw)
    return df[df["iso3"] == WB_WORLD].drop(columns="iso3")
