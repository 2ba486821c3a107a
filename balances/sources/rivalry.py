"""Threat auxiliaries packaged in peacesciencer: rivalries, MIDs, territorial threat, arms races.

Steven V. Miller's R package peacesciencer ships Thompson & Dreyer's strategic
rivalries (to 2010), Thompson, Sakuwa & Suhas's (to 2020), the COW-MID v5.0 and
Gibler-Miller-Little v2.2.1 directed dispute dyad-years (whittled to one
dispute per dyad-year), Miller's latent external territorial threat and
Gibler, Rider & Hutchison's arms races; the CSVs here are conversions of its
``.rda`` files. Dyad-year tables cover the dyad states in the years both are
COW system members (see :mod:`balances.sources._spine`). Only rivalries, races
and dispute years that reach 1946 are read: earlier ones involve states
:mod:`balances.countries` does not code (Austria-Hungary, COW 300, and other
states that left the system by 1918).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from balances.config import PANEL_START
from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import FLAG, Col
from balances.sources import table
from balances.sources._spine import (
    MEMBERSHIP_SOURCE,
    add_dyad_codes,
    both_orders,
    dyad_spine,
    iso3_from_ccode,
    keep_dyad_states,
)
from balances.sources.raw import RawFiles

TD = "td_rivalries"
TSS = "tss_rivalries"
COW_MID = "cow_mid_v5"
GML_MID = "gml_mid_v2_2_1"
TERR = "miller_terrthreat"
GRH = "grh_arms_races"

#: Last year each source covers: TD right-bounds ongoing rivalries at 2010,
#: TSS (as recoded by Miller) at 2020; COW-MID v5.0 ends 2014, GML v2.2.1 2010;
#: Gibler, Rider & Hutchison study strategic rivals 1816-1993.
TD_END, TSS_END, COW_MID_END, GML_MID_END, GRH_END = 2010, 2020, 2014, 2010, 1993
#: TSS rivalry types, in the order they are listed in ``tss_type``.
TSS_TYPES = ("positional", "spatial", "ideological", "interventionary")
#: COW-MID codes an unknown fatality level -9.
UNKNOWN = -9


def _rivalry_years(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """One row per rivalry-year (both orders of the dyad), from start/end years."""
    out = df.loc[df.index.repeat((df[end] - df[start] + 1).to_numpy(dtype=int))]
    out = out.assign(year=(out[start] + out.groupby(level=0).cumcount()).astype("int64"))
    return both_orders(out)


def _check_no_overlap(df: pd.DataFrame, path: object, what: str) -> None:
    dup = df.duplicated(["iso3_1", "iso3_2", "year"])
    if dup.any():
        row = df[dup].iloc[0]
        raise DataError(
            path,
            f"two {what} rivalries overlap for {row['iso3_1']}-{row['iso3_2']} in {row['year']}",
            fix="decide how to combine them in the loader",
        )


def read_td(raw: RawFiles) -> pd.DataFrame:
    """Thompson & Dreyer rivalries of the dyad states reaching 1946, per year, both orders."""
    path = raw.path(TD, "thompson_dreyer_strategic_rivalries.csv")
    df = read_csv(
        path,
        {
            "rivalryno": "int",
            "rivalryname": "str",
            "ccode1": "int",
            "ccode2": "int",
            "styear": "int",
            "endyear": "int",
            "type1": "str",
            "type2": "str",
            "type3": "str",
        },
    )
    check_unique(df, ["rivalryno"], path)
    df = keep_dyad_states(df[df["endyear"] >= PANEL_START], path)
    df["td_type"] = df[["type1", "type2", "type3"]].apply(
        lambda r: ";".join(t for t in r if isinstance(t, str)), axis=1
    )
    out = _rivalry_years(df.rename(columns={"rivalryno": "td_id"}), "styear", "endyear")
    _check_no_overlap(out, path, "Thompson-Dreyer")
    return out[["iso3_1", "iso3_2", "year", "td_id", "td_type"]].assign(td_rivalry=1)


def read_tss(raw: RawFiles) -> pd.DataFrame:
    """Thompson-Sakuwa-Suhas rivalries of the dyad states reaching 1946, per year, both orders."""
    path = raw.path(TSS, "thompson_sakuwa_suhas_rivalries_to2020.csv")
    flags = (*TSS_TYPES, "principal", "aprin")
    df = read_csv(
        path,
        {
            "tssr_id": "int",
            "rivalry": "str",
            "ccode1": "int",
            "ccode2": "int",
            "start": "int",
            "end": "int",
            **dict.fromkeys(flags, "int"),
        },
    )
    check_unique(df, ["tssr_id"], path)
    df = keep_dyad_states(df[df["end"] >= PANEL_START], path)
    coded = df[list(flags)].eq(1).fillna(False).astype(bool)
    df["tss_type"] = coded[list(TSS_TYPES)].apply(
        lambda r: ";".join(t for t in TSS_TYPES if r[t]), axis=1
    )
    df["tss_principal"] = coded["principal"].astype(int)
    df["tss_aprin"] = coded["aprin"].astype(int)
    out = _rivalry_years(df.rename(columns={"tssr_id": "tss_id"}), "start", "end")
    _check_no_overlap(out, path, "Thompson-Sakuwa-Suhas")
    return out[
        ["iso3_1", "iso3_2", "year", "tss_id", "tss_type", "tss_principal", "tss_aprin"]
    ].assign(tss_rivalry=1)


@table(
    "rivalry_dyad",
    level="dyad_year",
    sources=(TD, TSS, MEMBERSHIP_SOURCE),
    description=(
        "Strategic rivalries (Thompson's coding: states that see each other as competitors, "
        "enemies and sources of threat) among the dyad states, 1946-2020, in years both are COW "
        "system members: Thompson & Dreyer (2012) to 2010 and Thompson, Sakuwa & Suhas (2022) "
        "to 2020, where Miller recoded ongoing rivalries to end in 2020. Symmetric (both orders "
        "carry the same values). Inside each source's coverage 0 means no rivalry coded; after "
        "its last year the columns are missing."
    ),
    columns={
        "td_rivalry": "1 if Thompson & Dreyer code an ongoing strategic rivalry, else 0 (to 2010)",
        "td_id": "Thompson & Dreyer rivalry number (missing without a rivalry)",
        "td_type": "rivalry types, primary first, ';'-separated (spatial, positional, ideological, "
        "interventionary)",
        "tss_rivalry": "1 if Thompson, Sakuwa & Suhas code an ongoing rivalry, else 0 (to 2020)",
        "tss_id": "Thompson, Sakuwa & Suhas rivalry id (missing without a rivalry)",
        "tss_type": "types coded 1, ';'-separated in the order positional, spatial, ideological, "
        "interventionary",
        "tss_principal": "1 if the rivals' principal rivalry, else 0 (missing without a rivalry)",
        "tss_aprin": "1 if an asymmetric principal rivalry (principal for one side only)",
    },
    schema={
        **dict.fromkeys(
            (
                "td_rivalry",
                "tss_rivalry",
            ),
            FLAG,
        )
    },
)
def rivalry_dyad(raw: RawFiles) -> pd.DataFrame:
    out = dyad_spine(raw, PANEL_START, TSS_END)
    keys = ["iso3_1", "iso3_2", "year"]
    for part, end, flag in (
        (read_td(raw), TD_END, "td_rivalry"),
        (read_tss(raw), TSS_END, "tss_rivalry"),
    ):
        out = out.merge(
            part[part["year"] >= PANEL_START], on=keys, how="left", validate="one_to_one"
        )
        out[flag] = out[flag].fillna(0).where(out["year"] <= end).astype("Int64")
    for col in ("td_id", "tss_id", "tss_principal", "tss_aprin"):
        out[col] = out[col].astype("Int64")
    return out


@dataclass(frozen=True)
class MidRelease:
    """One MID release as packaged by peacesciencer."""

    source: str
    file: str
    prefix: str
    end: int


MID_RELEASES: tuple[MidRelease, ...] = (
    MidRelease(COW_MID, "cow_mid_v5_dyad_year_nodup.csv", "cow", COW_MID_END),
    MidRelease(GML_MID, "gml_mid_v2_2_1_dyad_year_nodup.csv", "gml", GML_MID_END),
)


def read_mid(raw: RawFiles, release: MidRelease) -> pd.DataFrame:
    """One whittled directed dispute dyad-year file among the dyad states from 1946, summarised."""
    path = raw.path(release.source, release.file)
    onset = f"{release.prefix}midonset"
    cols = {
        "dispnum": "int",
        "ccode1": "int",
        "ccode2": "int",
        "year": "int",
        onset: "int",
        "hostlev1": "int",
        "hostlev2": "int",
        "fatality1": "int",
        "fatality2": "int",
    }
    df = read_csv(path, cols)
    check_unique(df, ["ccode1", "ccode2", "year"], path)
    df = keep_dyad_states(df[df["year"] >= PANEL_START], path)
    check_unique(df, ["iso3_1", "iso3_2", "year"], path)
    fatal = df[["fatality1", "fatality2"]]
    p = release.prefix
    return pd.DataFrame(
        {
            "iso3_1": df["iso3_1"],
            "iso3_2": df["iso3_2"],
            "year": df["year"],
            f"{p}_mid": 1,
            f"{p}_onset": df[onset],
            f"{p}_dispnum": df["dispnum"],
            f"{p}_hostlev": df[["hostlev1", "hostlev2"]].max(axis=1),
            f"{p}_fatality": fatal.max(axis=1).where(~fatal.eq(UNKNOWN).any(axis=1)),
        }
    )


_MID_COLUMNS = {
    "mid": "1 if the dyad is in an ongoing MID this year, else 0 (inside coverage). The whittled "
    "file keeps one dispute per dyad-year, so this is 0/1, not a count of MIDs",
    "onset": "1 if the dispute kept for the dyad-year began this year, else 0",
    "dispnum": "MID number of the dispute kept (missing without a MID)",
    "hostlev": (
        "highest hostility level reached by either state in the dispute (2 threat, 3 display, "
        "4 use of force, 5 war; missing without a MID)"
    ),
    "fatality": "highest fatality level of either state (0 none, 1: 1-25, 2: 26-100, 3: 101-250, "
    "4: 251-500, 5: 501-999, 6: > 999 deaths; missing without a MID or if unknown)",
}


@table(
    "mid_dyad",
    level="dyad_year",
    sources=(COW_MID, GML_MID, MEMBERSHIP_SOURCE),
    description=(
        "Militarized interstate disputes among the dyad states, 1946-2014, in years both are "
        "COW system members: COW-MID v5.0 (to 2014, columns cow_*) and Gibler-Miller-Little "
        "v2.2.1 (to 2010, gml_*), as directed dispute dyad-years whittled by Miller "
        "(peacesciencer) to one dispute per dyad-year (onsets first). Symmetric in the columns "
        "kept. Inside a "
        "release's coverage a dyad-year without a dispute has mid = 0 and the dispute columns "
        "missing; after its last year every column of the release is missing."
    ),
    columns={
        f"{r.prefix}_{k}": f"{r.prefix.upper()}: {v}"
        for r in MID_RELEASES
        for k, v in _MID_COLUMNS.items()
    },
    schema={
        **dict.fromkeys(
            (
                "cow_mid",
                "cow_onset",
                "gml_mid",
                "gml_onset",
            ),
            FLAG,
        ),
        "cow_hostlev": Col("float", ge=0, le=5),
        "gml_hostlev": Col("float", ge=0, le=5),
    },
)
def mid_dyad(raw: RawFiles) -> pd.DataFrame:
    out = dyad_spine(raw, PANEL_START, COW_MID_END)
    keys = ["iso3_1", "iso3_2", "year"]
    for release in MID_RELEASES:
        p = release.prefix
        out = out.merge(read_mid(raw, release), on=keys, how="left", validate="one_to_one")
        inside = out["year"] <= release.end
        for col in (f"{p}_mid", f"{p}_onset"):
            out[col] = out[col].fillna(0).where(inside).astype("Int64")
        for col in (f"{p}_dispnum", f"{p}_hostlev", f"{p}_fatality"):
            out[col] = out[col].astype("Int64")
    return out


@table(
    "territorial_threat",
    level="state_year",
    sources=(TERR,),
    # a latent scale (no natural range): kinds only
    schema=dict.fromkeys(("terrthreat", "terrthreat_lwr", "terrthreat_upr"), Col("float")),
    description=(
        "Latent external territorial threat (Miller 2022): a random-item response model of the "
        "territorial threat a state faces from its neighbourhood, 1946-2010, for every COW state "
        "(posterior mean and 90% interval). In 1990 both Germanys (260, 255) and both Yemens "
        "(678, 679) have rows, as in COW."
    ),
    columns={
        "terrthreat": (
            "posterior mean of latent territorial threat (latent scale, higher = more threat; "
            "USA about 0, China 0.43 in 1991)"
        ),
        "terrthreat_lwr": "lower bound of the 90% interval",
        "terrthreat_upr": "upper bound of the 90% interval",
    },
)
def territorial_threat(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(TERR, "miller_latent_territorial_threat_1816_2010.csv")
    cols = {"ccode": "int", "year": "int", "lterrthreat": "float", "lwr": "float", "upr": "float"}
    df = read_csv(path, cols)
    check_unique(df, ["ccode", "year"], path)
    df = df[df["year"] >= PANEL_START].rename(
        columns={"lterrthreat": "terrthreat", "lwr": "terrthreat_lwr", "upr": "terrthreat_upr"}
    )
    return df.assign(iso3=iso3_from_ccode(df, path))


@table(
    "arms_races",
    level="dyad_year",
    sources=(GRH, TD, MEMBERSHIP_SOURCE),
    description=(
        "Conventional arms races (Gibler, Rider & Hutchison 2005: mutual military build-ups "
        "between strategic rivals) among the dyad states, 1946-1993. GRH looked for arms races "
        "only between strategic rivals, so rows are the dyad-years of a Thompson & Dreyer rivalry "
        "(1946-1993, both states COW members): arms_race is 0 or 1 there and undefined "
        "elsewhere (no row). Symmetric."
    ),
    columns={
        "arms_race": "1 if GRH code an arms race in this rivalry year, else 0",
        "race_id": "GRH arms-race identifier (missing without a race)",
        "td_id": "Thompson & Dreyer rivalry number of the dyad-year",
    },
    schema={"arms_race": FLAG},
)
def arms_races(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(GRH, "gibler_rider_hutchison_arms_races.csv")
    df = read_csv(
        path,
        {"race_id": "int", "ccode1": "int", "ccode2": "int", "styear": "int", "endyear": "int"},
    )
    check_unique(df, ["race_id"], path)
    races = _rivalry_years(
        keep_dyad_states(df[df["endyear"] >= PANEL_START], path), "styear", "endyear"
    )
    check_unique(races, ["iso3_1", "iso3_2", "year"], path)
    keys = ["iso3_1", "iso3_2", "year"]
    spine = dyad_spine(raw, PANEL_START, GRH_END)
    rivals = spine.merge(read_td(raw)[[*keys, "td_id"]], on=keys, validate="one_to_one")
    out = rivals.merge(races[[*keys, "race_id"]], on=keys, how="left", validate="one_to_one")
    outside = races[races["year"].between(PANEL_START, GRH_END)].merge(rivals, on=keys, how="left")
    if outside["td_id"].isna().any():
        row = outside[outside["td_id"].isna()].iloc[0]
        raise DataError(
            path,
            f"arms race {row['race_id']} ({row['iso3_1']}-{row['iso3_2']}, "
            f"{row['year']}) falls outside a Thompson-Dreyer rivalry",
            fix="widen the table's rows beyond rivalry years",
        )
    out["arms_race"] = out["race_id"].notna().astype(int)
    out["race_id"] = out["race_id"].astype("Int64")
    return add_dyad_codes(out[[*keys, "arms_race", "race_id", "td_id"]])
