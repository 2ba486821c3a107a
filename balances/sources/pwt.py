"""Penn World Table 10.01: real GDP at PPP, population, employment, human and physical capital.

Read from the CSV conversion of the R package pwt10's ``pwt10.01`` data set.
Only the columns that measure economic size and its inputs are kept, with two
of PWT's data-quality flags.
"""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.countries import add_codes, is_known_iso3
from balances.io import check_known, check_unique, read_csv
from balances.schema import COUNT, POSITIVE
from balances.sources import table
from balances.sources.raw import RawFiles

SOURCE = "pwt_10_01"
FILE = "pwt_10_01.csv"

#: Numeric columns kept -> description (units from the PWT 10.01 user guide / pwt10 docs).
VALUES: dict[str, str] = {
    "rgdpe": (
        "expenditure-side real GDP at chained PPPs, million 2017 US$ "
        "(size and living standards across countries and years)"
    ),
    "rgdpo": (
        "output-side real GDP at chained PPPs, million 2017 US$ "
        "(productive capacity across countries and years)"
    ),
    "rgdpna": "real GDP at constant 2017 national prices, million 2017 US$ (growth over time)",
    "pop": "population, millions",
    "emp": "number of persons engaged, millions",
    "hc": "human capital index, based on years of schooling and returns to education",
    "cn": "capital stock at current PPPs, million 2017 US$",
}
#: PWT's flags kept as published.
FLAGS: dict[str, str] = {
    "i_cig": (
        "PWT flag: how the relative prices of consumption, investment and government in this "
        "year were obtained ('benchmark', 'interpolated', 'extrapolated', "
        "'ICPPPP-benchmark+interpolated', 'ICPPPP-extrapolated')"
    ),
    "i_outlier": "PWT flag: 'yes' if the observation's price level of GDP is an outlier",
}
#: Dependent territories, special administrative regions and Palestine: no COW
#: state code, so no row in a state-year table.
TERRITORIES = frozenset(
    {
        "ABW",
        "AIA",
        "BMU",
        "CUW",
        "CYM",
        "HKG",
        "MAC",
        "MSR",
        "PSE",
        "SXM",
        "TCA",
        "VGB",
    }
)

_COLUMNS = {
    "isocode": "str",
    "year": "int",
    **dict.fromkeys(VALUES, "float"),
    **dict.fromkeys(FLAGS, "str"),
}


def read_pwt(raw: RawFiles) -> pd.DataFrame:
    """PWT 10.01 as published (kept columns), keyed by ``isocode`` and ``year``."""
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    check_unique(df, ["isocode", "year"], path)
    codes = {c for c in pd.unique(df["isocode"].dropna()) if is_known_iso3(c)}
    check_known(df, "isocode", codes | TERRITORIES, path, what="country code")
    return df


@table(
    "pwt",
    level="state_year",
    sources=(SOURCE,),
    description=(
        "Penn World Table 10.01 (Feenstra, Inklaar & Timmer 2015; base year 2017) by state-year, "
        "1950-2019: real GDP at PPP (expenditure and output side), real GDP at national prices, "
        "population, employment, human capital and capital stock. Rows where every kept value is "
        "missing are left out; territories dropped. Ends in 2019. RUS starts in 1990 and is the "
        "Russian Federation's territory (under COW 365, as for the USSR); DEU before 1990 carries "
        "West Germany's COW code 260 and YEM before 1990 North Yemen's 678, on PWT's series for "
        "today's states."
    ),
    columns=VALUES | FLAGS,
    schema={
        "rgdpe": POSITIVE,
        "rgdpo": POSITIVE,
        "rgdpna": POSITIVE,
        "pop": POSITIVE,
        "emp": COUNT,
    },
)
def pwt(raw: RawFiles) -> pd.DataFrame:
    df = read_pwt(raw)
    df = df[~df["isocode"].isin(TERRITORIES) & df[list(VALUES)].notna().any(axis=1)]
    df = df[df["year"].between(PANEL_START, PANEL_END)].rename(columns={"isocode": "iso3"})
    return add_codes(df, from_col="iso3", kind="iso3")
