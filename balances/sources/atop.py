"""Alliance Treaty Obligations and Provisions (ATOP) v5.1: directed dyad-years (peacesciencer)."""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_START
from balances.io import check_unique, read_csv
from balances.schema import FLAG
from balances.sources import table
from balances.sources._spine import BINARY_INT, MEMBERSHIP_SOURCE, dyad_spine, keep_dyad_states
from balances.sources.raw import RawFiles

SOURCE = "atop"
FILE = "atop_v5_1_dyad_year.csv"
#: ATOP 5.1 ends in 2018: no row (not 0) after it.
ATOP_END = 2018
#: The five obligations ATOP codes, as peacesciencer names them.
OBLIGATIONS = ("atop_defense", "atop_offense", "atop_neutral", "atop_nonagg", "atop_consul")
_COLUMNS = {
    "ccode1": "int",
    "ccode2": "int",
    "year": "int",
    **dict.fromkeys(OBLIGATIONS, BINARY_INT),
}
_KEYS = ["ccode1", "ccode2", "year"]


def read_atop(raw: RawFiles) -> pd.DataFrame:
    """Read the ATOP 5.1 directed dyad-year file as published (allied dyad-years only).

    Every row is a directed dyad-year in which the two states share at least one
    ATOP alliance; the obligation columns are 0/1.
    """
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    check_unique(df, _KEYS, path)
    return df


@table(
    "atop_dyad",
    level="dyad_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "ATOP 5.1 alliance obligations, directed dyad-years among the dyad states, 1946-2018, "
        "for every dyad-year in which both states were COW system members (system membership "
        "from COW NMC). ATOP lists only allied dyad-years, so a dyad-year it does not list is a "
        "true 0 (no alliance in ATOP's complete census of alliances); after 2018 there is no row. "
        "ATOP dates an alliance from the year it was signed, not the year it entered into force. "
        "Alliances signed before a member entered the system (West Germany 1954, Japan 1951, "
        "Ukraine 1990) have no dyad in the system and are dropped, as peacesciencer does. "
        "Russia-China: defence pacts coded 1946-1980 (the 1945 treaty with the Republic of "
        "China, then the 1950 Sino-Soviet treaty), no alliance 1981-1991, "
        "non-aggression from 1992 and consultation from 2001 (Treaty of Good-Neighbourliness), "
        "never a defence pact after 1980. Germany is West Germany (260) to 1989 and unified "
        "Germany (255) from 1990 (COW lists both in 1990; only 255 is kept)."
    ),
    columns={
        "atopally": "1 if the two states share at least one ATOP alliance in force that year "
        "(the dyad-year is in ATOP's file), else 0",
        "atop_defense": "1 if an alliance that year carries a defence obligation of ccode1 "
        "toward ccode2 (ATOP codes obligations per direction; asymmetric treaties differ by "
        "order), else 0",
        "atop_offense": "1 if an alliance that year carries an offence obligation (directed as "
        "atop_defense), else 0",
        "atop_neutral": "1 if an alliance that year carries a neutrality obligation, else 0",
        "atop_nonagg": "1 if an alliance that year carries a non-aggression obligation, else 0",
        "atop_consul": "1 if an alliance that year carries a consultation obligation, else 0",
    },
    schema={
        **dict.fromkeys(
            (
                "atopally",
                "atop_defense",
                "atop_offense",
                "atop_neutral",
                "atop_nonagg",
                "atop_consul",
            ),
            FLAG,
        )
    },
)
def atop_dyad(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, FILE)
    atop = read_atop(raw)
    atop = atop[atop["year"].between(PANEL_START, ATOP_END)]
    atop = keep_dyad_states(atop, path).astype(dict.fromkeys([*_KEYS, *OBLIGATIONS], "int64"))
    spine = dyad_spine(raw, PANEL_START, ATOP_END)
    df = spine.merge(
        atop, on=[*_KEYS, "iso3_1", "iso3_2"], how="left", validate="one_to_one", indicator=True
    )
    df["atopally"] = (df.pop("_merge") == "both").astype("int64")
    df[list(OBLIGATIONS)] = df[list(OBLIGATIONS)].fillna(0).astype("int64")
    return df
