"""Correlates of War Formal Alliances v4.1, dyad-years (via peacesciencer)."""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_START
from balances.io import check_unique, read_csv
from balances.schema import FLAG
from balances.sources import table
from balances.sources._spine import BINARY, MEMBERSHIP_SOURCE, dyad_spine, keep_dyad_states
from balances.sources.raw import RawFiles

SOURCE = "cow_alliance"
FILE = "cow_alliance_v4_1_dyad_year.csv"
#: COW Formal Alliances v4.1 ends in 2012: no row (not 0) after it.
COW_ALLIANCE_END = 2012
#: Upstream column -> name in the processed table (peacesciencer's names).
TYPES = {
    "defense": "cow_defense",
    "neutrality": "cow_neutral",
    "nonaggression": "cow_nonagg",
    "entente": "cow_entente",
}
_COLUMNS = {"ccode1": "int", "ccode2": "int", "year": "int", **dict.fromkeys(TYPES, BINARY)}
_KEYS = ["ccode1", "ccode2", "year"]


def read_cow_alliance(raw: RawFiles) -> pd.DataFrame:
    """Read the COW alliance dyad-year file as published (allied dyad-years only).

    The four type columns are 0/1; a few 19th- and early 20th-century cells are
    missing upstream and stay missing.
    """
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    check_unique(df, _KEYS, path)
    return df


@table(
    "cow_alliance_dyad",
    level="dyad_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "COW Formal Alliances v4.1 (Gibler 2009), dyad-years among the dyad states, 1946-2012, for "
        "every dyad-year in which both states were COW system members (from COW NMC). The COW "
        "file lists only allied dyad-years, so an unlisted dyad-year is a true 0; after 2012 "
        "there is no row. Both orders of each pair are present with the same values (COW types "
        "are not directed). COW v4.1 keeps West Germany (260) in the Western European Union "
        "after 1990; those dyad-years lie outside the state system and are dropped - unified "
        "Germany's (255) rows with the same partners already carry equal or higher codes. "
        "Germany is 260 to 1989 and 255 from 1990 (COW lists both in 1990; only 255 is kept)."
    ),
    columns={
        "cow_ally": "1 if the two states share at least one COW formal alliance that year "
        "(the dyad-year is in COW's file), else 0",
        "cow_defense": "1 if an alliance that year is a defence pact (COW type I), else 0",
        "cow_neutral": "1 if an alliance that year is a neutrality pact (COW type IIa), else 0",
        "cow_nonagg": "1 if an alliance that year is a non-aggression pact (COW type IIb), else 0",
        "cow_entente": "1 if an alliance that year is an entente (COW type III), else 0",
    },
    schema={
        **dict.fromkeys(
            (
                "cow_ally",
                "cow_defense",
                "cow_neutral",
                "cow_nonagg",
                "cow_entente",
            ),
            FLAG,
        )
    },
)
def cow_alliance_dyad(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, FILE)
    cow = read_cow_alliance(raw)
    cow = cow[cow["year"].between(PANEL_START, COW_ALLIANCE_END)]
    cow = keep_dyad_states(cow, path).rename(columns=TYPES)
    spine = dyad_spine(raw, PANEL_START, COW_ALLIANCE_END)
    df = spine.merge(
        cow, on=[*_KEYS, "iso3_1", "iso3_2"], how="left", validate="one_to_one", indicator=True
    )
    df["cow_ally"] = (df.pop("_merge") == "both").astype("int64")
    listed = df["cow_ally"] == 1
    for col in TYPES.values():
        # unlisted dyad-years are true zeros; a cell missing upstream in a listed row stays missing
        df[col] = df[col].where(listed, 0.0)
    return df
