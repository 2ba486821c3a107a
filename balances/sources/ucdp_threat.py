"""Armed conflicts each state fights abroad (UCDP/PRIO ACD v25.1): the threat lens's security climate.

After COW-MID ends (2014), the UCDP/PRIO Armed Conflict Dataset (via
peacesciencer) is the record of force used to 2024. For the threat lens the
question is Walt's perceived intentions: how often a power fights outside its
own territory - in interstate wars, or on the side of another government or
rebels in someone else's civil war. A state's own civil wars (it is the
primary government side of an intrastate conflict) are not counted;
internationalised ones are (:data:`INTRASTATE` says why).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.countries import gw_to_cow
from balances.io import read_csv
from balances.schema import COUNT
from balances.sources import table
from balances.sources._spine import MEMBERSHIP_SOURCE, system_members
from balances.sources.raw import RawFiles

SOURCE = "ucdp_acd"
FILE = "ucdp_acd__converted_from_rda.csv"
#: ``type_of_conflict`` values whose primary government side fights at home.
#: Internationalised civil wars (peacesciencer's conversion writes them "II")
#: count as abroad for every party, the government side included: the file has
#: no location column, and the largest of them for the reference, the United
#: States against al-Qaida (side A, from 2001), is fought outside its territory.
INTRASTATE = frozenset({"intrastate"})

_COLUMNS = {
    "conflict_id": "float",
    "year": "float",
    "gwno_a": "str",
    "gwno_a_2nd": "str",
    "gwno_b": "str",
    "gwno_b_2nd": "str",
    "type_of_conflict": "str",
}


def _codes(value: object, year: int) -> list[int]:
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        return []
    return [gw_to_cow(int(float(x)), year) for x in str(value).split(",") if x.strip()]


def conflict_parties(raw: RawFiles) -> pd.DataFrame:
    """One row per conflict-year and state party: ``conflict_id, year, ccode, abroad``.

    ``abroad`` is False only for the government side of a civil war on its own
    territory (the primary side A of an intrastate conflict; see
    :data:`INTRASTATE` for internationalised ones). Codes are COW codes of the
    conflict's year (:func:`balances.countries.gw_to_cow`).
    """
    df = read_csv(raw.path(SOURCE, FILE), _COLUMNS)
    rows = []
    for r in df.itertuples(index=False):
        own = r.type_of_conflict in INTRASTATE
        primary = _codes(r.gwno_a, int(r.year))
        for col in ("gwno_a", "gwno_a_2nd", "gwno_b", "gwno_b_2nd"):
            for c in _codes(getattr(r, col), int(r.year)):
                home = own and col == "gwno_a" and c in primary
                rows.append((int(r.conflict_id), int(r.year), c, not home))
    out = pd.DataFrame(rows, columns=["conflict_id", "year", "ccode", "abroad"])
    return out.groupby(["conflict_id", "year", "ccode"], as_index=False)["abroad"].max()


@table(
    "armed_conflicts_state",
    level="state_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "Armed conflicts (25+ battle deaths a year, UCDP/PRIO ACD v25.1) each COW system member "
        "is a party to, 1946-2024, as a primary or secondary party on either side: all of them, "
        "and those fought abroad (every conflict except the government side of its own civil "
        "war). Gleditsch-Ward codes are read as COW codes of the same year (unified Germany 260 -> "
        "255 and unified Yemen 678 -> 679 from 1990, Serbia 340 -> 345). 0 = no conflict recorded (the data cover every state-year)."
    ),
    columns={
        "conflicts": "armed conflicts the state is a party to in the year (count)",
        "conflicts_abroad": "of which outside its own civil wars (count)",
    },
    schema={
        **dict.fromkeys(
            (
                "conflicts",
                "conflicts_abroad",
            ),
            COUNT,
        )
    },
)
def armed_conflicts_state(raw: RawFiles) -> pd.DataFrame:
    spine = system_members(raw)
    parties = conflict_parties(raw)
    counts = parties.groupby(["ccode", "year"]).agg(
        conflicts=("conflict_id", "nunique"), conflicts_abroad=("abroad", "sum")
    )
    out = spine.merge(counts.reset_index(), on=["ccode", "year"], how="left")
    out[["conflicts", "conflicts_abroad"]] = (
        out[["conflicts", "conflicts_abroad"]].fillna(0).astype("float64")
    )
    return out[["ccode", "iso3", "year", "conflicts", "conflicts_abroad"]]
