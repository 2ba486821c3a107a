"""Contiguity (COW Direct Contiguity v3.2) and what stands on a state's borders.

The threat lens asks about proximity (Walt 1987): how many members of the
reference's alliance border a state, and how many of the reference's troops are
stationed in the states around it. COW's directed contiguity records (via
peacesciencer) give each pair's closest contiguity (1 land or river, 2-5 water
up to 12, 24, 150 and 400 miles) with start and end dates; coverage ends in
2016 and no border changed in 2017-2024, so the 2016 contiguities are carried
to 2024 (:data:`CONTIGUITY_CARRIED_FROM`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.io import read_csv
from balances.schema import COUNT
from balances.sources import table
from balances.sources._spine import MEMBERSHIP_SOURCE, system_members
from balances.sources.blocs import NATO_SOURCE, read_nato
from balances.sources.raw import RawFiles
from balances.sources.troops import TROOP_FILE, TROOPS, merge_name_variants, read_troops

SOURCE = "cow_contiguity"
FILE = "cow_contdir__converted_from_rda.csv"
#: Last year of COW contiguity v3.2; later years repeat its contiguities (no border changed).
CONTIGUITY_CARRIED_FROM = 2016
#: Land or river border (COW conttype 1): "bordering" in the NATO count.
LAND = 1
#: Up to 400 miles of water (COW conttype 5): the reach used for forces "near" a state.
NEAR = 5
#: Years of the DMDC rebuild troop file that are left missing: in 2008 it roughly
#: doubles every host (Germany 72,880 -> 110,855 -> 46,411 in 2007-2009; Japan
#: 35,803 -> 79,296 -> 48,017), its September 2008 report rows carry no total,
#: and the older troopdata file gives 38,788 for Germany (us_troops_bases/SOURCE.md,
#: "Warning: 2008 in the rebuild file"). A missing year is carried by the lens
#: scoring with a wider band, never read as a doubling of US forces.
SUSPECT_TROOP_YEARS: frozenset[int] = frozenset({2008})
#: The reference's own soil is not "near" a neighbour: the troop file's USA row
#: counts personnel at home (about a million), which would swamp any neighbour of
#: the USA (Russia across the Bering Strait).
HOME = "USA"
#: A state hosting at least this many US troops itself is under the reference's
#: protection: US forces around it are its allies' (Japan, South Korea, Germany).
HOST_THRESHOLD = 1000

_COLUMNS = {"ccode1": "int", "ccode2": "int", "conttype": "int", "stdate": "str", "enddate": "str"}


def read_contiguity(raw: RawFiles) -> pd.DataFrame:
    """Directed contiguity spells: ``ccode1, ccode2, conttype, start, end`` (years)."""
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    df["start"] = df["stdate"].str[:4].astype("int64")
    end = df["enddate"].str[:4].astype("int64")
    df["end"] = np.where(end >= CONTIGUITY_CARRIED_FROM, PANEL_END, end)
    return df[["ccode1", "ccode2", "conttype", "start", "end"]]


def contiguity_years(raw: RawFiles, max_type: int) -> pd.DataFrame:
    """Directed contiguous pairs by year (``ccode1, ccode2, year``) up to ``max_type``."""
    sp = read_contiguity(raw)
    sp = sp[(sp["conttype"] >= 1) & (sp["conttype"] <= max_type)]
    sp = sp[(sp["end"] >= PANEL_START)]
    starts = np.maximum(sp["start"].to_numpy(), PANEL_START)
    lengths = sp["end"].to_numpy() - starts + 1
    out = sp.loc[sp.index.repeat(lengths), ["ccode1", "ccode2"]].copy()
    out["year"] = np.concatenate(
        [np.arange(s, s + n) for s, n in zip(starts, lengths, strict=True)]
    )
    return out.drop_duplicates().reset_index(drop=True)


@table(
    "neighbours",
    level="state_year",
    sources=(SOURCE, NATO_SOURCE, TROOPS, MEMBERSHIP_SOURCE),
    description=(
        "What stands on each state's borders, state-years for every COW system member "
        "1946-2024: NATO members sharing a land or river border with it (COW contiguity type 1; "
        "from 1949), and US active-duty troops stationed in the states within 400 miles of it "
        "(contiguity types 1-5; the USA's own soil excluded). Contiguity v3.2 ends in 2016 and is "
        "carried to 2024 (no border changed). Troops come from the DMDC rebuild file: its 2008 "
        "values (every host roughly doubled) are left missing, and DMDC under-counts rotational "
        "and contingency deployments (Poland and the Baltics after 2014, Central Asia 2001-05)."
    ),
    columns={
        "nato_land_neighbours": "NATO members bordering the state by land or river on 31 "
        "December (count; missing before 1949)",
        "us_troops_near": "US active-duty troops in the states within 400 miles of the state "
        "(persons; missing in 2008, see SUSPECT_TROOP_YEARS, and before 1950)",
        "nato_member": "1 if the state is itself a NATO member on 31 December (from 1949)",
        "us_troops_hosted": "US active-duty troops stationed in the state itself (persons)",
        "nato_land_neighbours_outside": "nato_land_neighbours for a state outside NATO, 0 for a "
        "member (its NATO neighbours are its allies)",
        "us_troops_near_outside": "us_troops_near for a state that is neither a NATO member nor "
        "a host of HOST_THRESHOLD (1,000) or more US troops, 0 otherwise (forces around a "
        "protege of the reference are its protectors)",
    },
    schema={
        **dict.fromkeys(
            (
                "nato_land_neighbours",
                "us_troops_near",
                "nato_land_neighbours_outside",
                "us_troops_near_outside",
            ),
            COUNT,
        )
    },
)
def neighbours(raw: RawFiles) -> pd.DataFrame:
    spine = system_members(raw)
    land = contiguity_years(raw, LAND)
    nato = read_nato(raw)
    # The accession table lists no exit (France left the integrated command, not NATO).
    nato_years = pd.DataFrame(
        [
            (c, y)
            for c, s in zip(nato["ccode"], nato["accession_year"], strict=True)
            for y in range(int(s), PANEL_END + 1)
        ],
        columns=["ccode2", "year"],
    )
    nato_years["member"] = 1
    counts = (
        land.merge(nato_years, on=["ccode2", "year"], how="inner")
        .groupby(["ccode1", "year"])
        .size()
        .rename("nato_land_neighbours")
    )
    path = raw.path(TROOPS, TROOP_FILE)
    troops = merge_name_variants(read_troops(raw), path)
    troops = troops[troops["iso3"] != HOME]
    troop_code = (
        spine[["ccode", "iso3", "year"]]
        .merge(troops[["iso3", "year", "troops"]], on=["iso3", "year"], how="inner")
        .rename(columns={"ccode": "ccode2"})[["ccode2", "year", "troops"]]
        .drop_duplicates(["ccode2", "year"])
    )
    near = contiguity_years(raw, NEAR).merge(troop_code, on=["ccode2", "year"], how="inner")
    near_sum = near.groupby(["ccode1", "year"])["troops"].sum().rename("us_troops_near")
    out = spine.merge(
        counts.reset_index().rename(columns={"ccode1": "ccode"}), on=["ccode", "year"], how="left"
    ).merge(
        near_sum.reset_index().rename(columns={"ccode1": "ccode"}), on=["ccode", "year"], how="left"
    )
    out["nato_land_neighbours"] = np.where(
        out["year"] >= 1949, out["nato_land_neighbours"].fillna(0.0), np.nan
    )
    troop_years = troops["year"]
    covered = out["year"].between(troop_years.min(), troop_years.max()) & ~out["year"].isin(
        SUSPECT_TROOP_YEARS
    )
    out["us_troops_near"] = np.where(covered, out["us_troops_near"].fillna(0.0), np.nan)
    member = out[["ccode", "year"]].merge(
        nato_years.rename(columns={"ccode2": "ccode"}), on=["ccode", "year"], how="left"
    )["member"]
    out["nato_member"] = np.where(out["year"] >= 1949, member.fillna(0).to_numpy(), np.nan)
    hosted = out[["iso3", "year"]].merge(
        troops[["iso3", "year", "troops"]], on=["iso3", "year"], how="left"
    )
    out["us_troops_hosted"] = np.where(covered, hosted["troops"].fillna(0.0).to_numpy(), np.nan)
    out["nato_land_neighbours_outside"] = out["nato_land_neighbours"] * (1 - out["nato_member"])
    protege = (out["nato_member"] == 1) | (out["us_troops_hosted"] >= HOST_THRESHOLD)
    out["us_troops_near_outside"] = np.where(protege, 0.0, 1.0) * out["us_troops_near"]
    return out[
        [
            "ccode",
            "iso3",
            "year",
            "nato_land_neighbours",
            "us_troops_near",
            "nato_member",
            "us_troops_hosted",
            "nato_land_neighbours_outside",
            "us_troops_near_outside",
        ]
    ]
