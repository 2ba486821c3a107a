"""US forces abroad: troop deployments (Kane; Allen, Flynn & Machain), bases (Vine), Central Asia.

Troops and bases are read from the data-raw files of Michael Flynn's R package
troopdata: the DMDC-based "rebuild" country-year troop file (1950-2024) and
David Vine's list of US base sites (a cross-section without dates). The US
bases in Central Asia (Karshi-Khanabad, Manas) are a hand-compiled table of
leads whose verification against stored pages is kept beside each row.
"""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.countries import to_ccode
from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import COUNT, FLAG, Col
from balances.sources import table
from balances.sources._spine import iso3_from_ccode
from balances.sources.raw import RawFiles

TROOPS = "troops_kane_afm"
BASES = "vine_bases"
CENTRAL_ASIA = "central_asia_us_bases"
TROOP_FILE = "troopdata-rebuild-country-year.csv"

#: Host entries of the troop file that are not states, dropped on purpose:
#: dependencies and territories (US, British, Dutch, Danish, Portuguese ...),
#: Antarctica, nuclear-test task forces and Kashmir. The file gives them COW-like
#: codes of 1000 and above (Puerto Rico 6).
TROOP_NON_STATES = frozenset(
    {
        "Aden",
        "American Samoa",
        "Antarctica",
        "Antigua",
        "Aruba",
        "Ascension Island",
        "Azores",
        "Bermuda",
        "British Virgin Islands",
        "British West Indies",
        "Diego Garcia",
        "Easter Island",
        "Eniwetok (J.T.F. 7",
        "Fiji and Tonga",
        "Gibraltar",
        "Greenland",
        "Guam",
        "Hong Kong",
        "Johnston Island",
        "Kashmir",
        "Line Islands",
        "Mariana Islands",
        "Midway Islands",
        "Netherlands Antilles",
        "Puerto Rico",
        "Sarawak",
        "St. Helena",
        "Turks and Caicos Islands",
        "US Virgin Islands",
        "Wake Island",
        "Western Sahara",
    }
)
#: Colony rows before independence under a territory code, dropped: Seychelles
#: 1951-52 is coded 1036 (the state, COW 591, has its own rows from 1964).
TROOP_COLONY_CODES: dict[str, int] = {"Seychelles": 1036}

_TROOP_COLUMNS = {
    "countryname": "str",
    "year": "int",
    "ccode": "int",
    "iso3c": "str",
    "region": "str",
    "troops_ad": "int",
}


def read_troops(raw: RawFiles) -> pd.DataFrame:
    """The rebuild troop file as published, non-states dropped, with ``iso3`` from ``ccode``."""
    path = raw.path(TROOPS, TROOP_FILE)
    df = read_csv(path, _TROOP_COLUMNS)
    check_unique(df, ["countryname", "year"], path)
    colony = (df["ccode"] == df["countryname"].map(TROOP_COLONY_CODES)).fillna(False).astype(bool)
    df = df[~df["countryname"].isin(TROOP_NON_STATES) & ~colony]
    return df.assign(iso3=iso3_from_ccode(df, path))


def merge_name_variants(df: pd.DataFrame, path: object) -> pd.DataFrame:
    """One row per state-year: sum the rows DMDC reports under variant names.

    Some years carry a state twice under two names ("Czechia"/"Czech Republic",
    "Myanmar"/"Myanmar (Burma)" in 2013 and 2024 ...), and "Yemen" (679) appears
    beside the Yemen Arab Republic before unification. In every such group at
    most one row is non-zero, so the sum counts nobody twice; a group with two
    non-zero rows raises.
    """
    keys = ["iso3", "year"]
    clash = (df["troops_ad"] > 0).groupby([df["iso3"], df["year"]]).transform("sum") > 1
    if clash.any():
        line = clash.idxmax()
        raise DataError(
            path,
            f"state-year {df.loc[line, 'iso3']} {df.loc[line, 'year']} has two "
            "non-zero rows under different names",
            row=int(line),
            column="troops_ad",
            fix="decide which DMDC row counts and name the fix in the loader",
        )
    regions = df.groupby(keys)["region"].nunique()
    if (regions > 1).any():
        iso3, year = regions[regions > 1].index[0]
        raise DataError(path, f"rows of {iso3} {year} give different regions", column="region")
    return df.groupby(keys, as_index=False).agg(
        troops=("troops_ad", "sum"), region=("region", "first")
    )


@table(
    "us_troops",
    level="state_year",
    sources=(TROOPS,),
    description=(
        "US military personnel (active duty) stationed in each host state, 1950-2024, from the "
        "DMDC-based country-year 'rebuild' of Kane's and Allen, Flynn & Machain's troop data "
        "(troopdata). The USA row is personnel at home. Dependencies and territories (Guam, "
        "Puerto Rico, Diego Garcia, Greenland ...) are dropped; West Germany takes COW 260 before "
        "1990. DMDC counts permanently assigned personnel: contingency and rotational deployments "
        "(Manas and K2 in 2001-05, Iraq and Afghanistan in some years, Poland and the Baltics "
        "after 2014) are under-counted. A state-year absent from the file has no row (not 0)."
    ),
    columns={
        "troops": "US active-duty military personnel in the host (persons; 0 = DMDC reported none)",
        "region": "World Bank region of the host as troopdata gives it (for aggregating later)",
    },
    schema={"troops": COUNT},
)
def us_troops(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(TROOPS, TROOP_FILE)
    df = merge_name_variants(read_troops(raw), path)
    df = df[df["year"].between(PANEL_START, PANEL_END)]
    df["ccode"] = to_ccode(df["iso3"], df["year"])
    return df


_BASE_COLUMNS = {
    "countryname": "str",
    "ccode": "int",
    "iso3c": "str",
    "basename": "str",
    "base": "int",
    "lilypad": "int",
    "fundedsite": "int",
}
#: Upstream code fixes: (countryname, basename) -> COW code. Dungu is in the
#: Democratic Republic of the Congo (COW 490); the file codes it 484 (Congo).
BASE_CCODE_FIXES: dict[tuple[str, str], int] = {("Congo, Democratic Republic", "Dungu"): 490}
#: Sites listed twice with identical fields: (countryname, basename).
BASE_DUPLICATES = frozenset({("Italy", "Naval Support Activity Naples")})
#: Entries that are dependencies of the state whose code the file gives them
#: (Guam -> USA, Greenland -> DNK, Hong Kong -> CHN, McMurdo -> NZL ...).
BASE_DEPENDENCIES = frozenset(
    {
        "American Samoa",
        "Antarctica",
        "Aruba",
        "Ascension Island",
        "BR Indian Ocean Territory",
        "Greenland",
        "Guam",
        "Hong Kong",
        "Johnston Atoll",
        "Netherlands Antilles",
        "Northern Mariana Islands",
        "Puerto Rico",
        "Virgin Islands",
        "Wake Island",
    }
)


def read_bases(raw: RawFiles) -> pd.DataFrame:
    """Vine's US base sites abroad (troopdata ``basedata.csv``), fixes applied, one row per site."""
    path = raw.path(BASES, "basedata.csv")
    df = read_csv(path, _BASE_COLUMNS)
    for (country, site), code in BASE_CCODE_FIXES.items():
        df.loc[(df["countryname"] == country) & (df["basename"] == site), "ccode"] = code
    dup = df.duplicated(["countryname", "basename"], keep="first")
    named = pd.Series(list(zip(df["countryname"], df["basename"], strict=True)), index=df.index)
    df = df[~(dup & named.isin(BASE_DUPLICATES))]
    check_unique(df, ["countryname", "basename"], path)
    return df.assign(iso3=iso3_from_ccode(df, path))


@table(
    "us_bases",
    level="event",
    keys=("iso3",),
    sources=(BASES,),
    schema=dict.fromkeys(
        ("n_sites", "n_major_bases", "n_lilypads", "n_funded_sites", "n_sites_dependencies"),
        COUNT,
    ),
    description=(
        "US military base sites abroad per state, counted from David Vine's list as updated to "
        "2018 in troopdata (basedata.csv). A cross-section, not a panel: the list holds sites "
        "open at some point up to 2018 with no opening or closing dates, so no year is given. "
        "Sites in dependencies count for the sovereign the file names (Guam and Puerto Rico for "
        "the USA, Greenland for Denmark, Hong Kong for China); see n_sites_dependencies. No "
        "Central Asian site is listed (K2 and Manas closed in 2005 and 2014): see "
        "us_bases_central_asia. A state absent from the list has no row."
    ),
    columns={
        "ccode": "COW code of the state (present-day code)",
        "n_sites": "number of US base sites listed (count)",
        "n_major_bases": "sites Vine codes as bases (base = 1)",
        "n_lilypads": "sites coded 'lily pads' (< 200 US personnel or other small sites)",
        "n_funded_sites": "host-nation bases with US funding (fundedsite = 1)",
        "n_sites_dependencies": "of n_sites, those in a dependency of the state (Guam for USA)",
    },
)
def us_bases(raw: RawFiles) -> pd.DataFrame:
    df = read_bases(raw)
    df["dependency"] = df["countryname"].isin(BASE_DEPENDENCIES).astype(int)
    out = df.groupby("iso3", as_index=False).agg(
        n_sites=("basename", "size"),
        n_major_bases=("base", "sum"),
        n_lilypads=("lilypad", "sum"),
        n_funded_sites=("fundedsite", "sum"),
        n_sites_dependencies=("dependency", "sum"),
    )
    out["ccode"] = to_ccode(out["iso3"])
    return out


_CA_COLUMNS = {
    "host_country": "str",
    "iso3c": "str",
    "ccode": "int",
    "facility": "str",
    "us_use_start": "str",
    "us_use_end": "str",
    "notes": "str",
    "verification_status": "str",
}
_CA_VERIFIED_COLUMNS = {
    **_CA_COLUMNS,
    "verification_result": "str",
    "verified_facts": "str",
    "verification_source_1": "str",
    "verification_source_2": "str",
    "verification_note": "str",
}


def read_central_asia(raw: RawFiles) -> pd.DataFrame:
    """The verified twin, checked to carry the hand-compiled rows unchanged."""
    hand_path = raw.path(CENTRAL_ASIA, "central_asia_us_bases_handcompiled.csv")
    path = raw.path(CENTRAL_ASIA, "central_asia_us_bases_handcompiled_verified.csv")
    hand = read_csv(hand_path, _CA_COLUMNS)
    ver = read_csv(path, _CA_VERIFIED_COLUMNS)
    check_unique(ver, ["iso3c", "facility"], path)
    if not ver[list(_CA_COLUMNS)].equals(hand[list(_CA_COLUMNS)]):
        raise DataError(
            path,
            "the hand-compiled columns differ from central_asia_us_bases_handcompiled.csv",
            fix="the verified twin must repeat the original rows unchanged",
        )
    return ver.assign(iso3=iso3_from_ccode(ver, path, typed="iso3c"))


@table(
    "us_bases_central_asia",
    level="event",
    keys=("iso3", "facility"),
    sources=(CENTRAL_ASIA,),
    schema={
        "open_year": Col("int", nullable=False, ge=1991, le=2030),
        "close_year": Col("int", ge=1991, le=2030),
        "verified": FLAG,
    },
    description=(
        "US bases in Central Asia after 2001 (Karshi-Khanabad in Uzbekistan, Manas in "
        "Kyrgyzstan): one row per base with the spell of US use. Hand-compiled LEADS, not a "
        "published dataset; each row carries its verification against stored pages "
        "(status, facts and sources). The DMDC troop counts miss these deployments."
    ),
    columns={
        "ccode": "COW code of the host state",
        "host_country": "host state as written in the table",
        "us_use_start": "start of US use as compiled (YYYY-MM or YYYY-MM-DD)",
        "us_use_end": "end of US use as compiled (YYYY-MM-DD)",
        "open_year": "year US use began (from us_use_start)",
        "close_year": "year US use ended (from us_use_end)",
        "notes": "compiler's note on the base",
        "compiled_status": "compiler's own caveat (hand-compiled, not from a dataset)",
        "status": "verification result as recorded ('verified', 'verified (start approx., ...)')",
        "verified": "1 if the verification confirmed the row, else 0",
        "verified_facts": "facts the verification established, with dates",
        "source_1": "first verification source (URL)",
        "source_2": "second verification source (URL)",
        "verification_note": "further sources and limits of the verification",
    },
)
def us_bases_central_asia(raw: RawFiles) -> pd.DataFrame:
    df = read_central_asia(raw)
    path = raw.path(CENTRAL_ASIA, "central_asia_us_bases_handcompiled_verified.csv")
    for col, out in (("us_use_start", "open_year"), ("us_use_end", "close_year")):
        year = pd.to_numeric(df[col].str.extract(r"^(\d{4})", expand=False), errors="coerce")
        if year.isna().any():
            line = year.isna().idxmax()
            raise DataError(
                path,
                f"{df.loc[line, col]!r} does not start with a year",
                row=int(line),
                column=col,
                fix="write dates as YYYY, YYYY-MM or YYYY-MM-DD",
            )
        df[out] = year.astype(int)
    df = df.rename(
        columns={
            "verification_status": "compiled_status",
            "verification_result": "status",
            "verification_source_1": "source_1",
            "verification_source_2": "source_2",
        }
    )
    df["verified"] = df["status"].str.startswith("verified").astype(int)
    return df.drop(columns=["iso3c"])
