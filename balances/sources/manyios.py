"""Membership of informal IGOs: Roger & Rowan's MIGO data, via the R package manyios (globalgov).

Two informal-IGO datasets come with manyios. Only MIGO records membership per
state and year. IIGO 2.0 (Vabulas & Snidal) gives every member of an informal
IGO the organisation's own first and last year (Russia in the G8 from 1974,
South Africa in BRICS from 2009), so it cannot say who was a member in a given
year and is not used. Formal organisations (the SCO, the CSTO) are not informal
IGOs; see the COW IGO and bloc-membership tables for them. BRICS and the G20
are in MIGO.
"""

from __future__ import annotations

import pandas as pd

from balances.config import DYAD_STATES, PANEL_START
from balances.io import check_unique, read_csv
from balances.schema import COUNT, Col
from balances.sources import table
from balances.sources._spine import MEMBERSHIP_SOURCE, dyad_spine, iso3_from_ccode
from balances.sources.raw import RawFiles

SOURCE = "migo"
FILE = "MIGO__memberships__converted_from_memberships_rda.csv"
#: MIGO ends in 2010.
MIGO_END = 2010
#: MIGO membership codes: 1 full member, 2 and 3 other statuses (associate, observer).
FULL, STATUSES = 1, (1, 2, 3)

_COLUMNS = {
    "igoID": "str",
    "cowID": "int",
    "membership": Col("int", nullable=False, isin=STATUSES),
    "Year": "int",
}


def read_migo(raw: RawFiles) -> pd.DataFrame:
    """Read MIGO's state-IGO-year membership rows, 1946 onward, keyed by COW code.

    Returns
    -------
    pandas.DataFrame
        ``igo, ccode, iso3, year, membership``.
    """
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    check_unique(df, ["igoID", "cowID", "Year"], path)
    df = df[df["Year"] >= PANEL_START]
    df = df.assign(iso3=iso3_from_ccode(df, path, "cowID"))
    return df.rename(columns={"igoID": "igo", "cowID": "ccode", "Year": "year"})


@table(
    "igo_informal_dyad",
    level="dyad_year",
    sources=(SOURCE, MEMBERSHIP_SOURCE),
    description=(
        "Shared memberships in informal intergovernmental organisations (IGOs founded with "
        "non-binding instruments: BRICS, G20, G7/8, CICA, Nuclear Suppliers Group, FATF, ...), "
        "from Roger & Rowan's MIGO data (via manyios), directed dyad-years among the dyad states "
        "1946-2010 in which both states were COW system members (from COW NMC). MIGO records "
        "every member of its 244 informal IGOs each year, so 0 is a true zero inside its "
        "coverage; the number of informal IGOs grows from 5 in 1946 to 206 in 2010, so levels "
        "are not comparable across decades. No row after 2010. Formal IGOs (SCO, CSTO) are not "
        "informal IGOs; IIGO 2.0 was not used because its spells are the organisations' "
        "lifetimes, not each state's membership. Germany is 260 to 1989 and 255 from 1990 (COW "
        "lists both in 1990; only 255 is kept, MIGO records Germany's 1990 memberships under it)."
    ),
    columns={
        "migo_shared_full": "number of informal IGOs (MIGO) in which both states were full "
        "members that year, count",
        "migo_shared_any": "number of informal IGOs (MIGO) in which both states held any "
        "membership status (full, associate or observer) that year, count",
    },
    schema={
        **dict.fromkeys(
            (
                "migo_shared_full",
                "migo_shared_any",
            ),
            COUNT,
        )
    },
)
def igo_informal_dyad(raw: RawFiles) -> pd.DataFrame:
    migo = read_migo(raw)
    migo = migo[migo["year"] <= MIGO_END]
    members = migo[migo["iso3"].isin(DYAD_STATES)].drop(columns="iso3")
    pairs = members.merge(members, on=["igo", "year"], suffixes=("1", "2"))
    pairs = pairs[pairs["ccode1"] != pairs["ccode2"]]
    both_full = (pairs["membership1"] == FULL) & (pairs["membership2"] == FULL)
    counts = (
        pairs.assign(full=both_full.astype("int64"))
        .groupby(["ccode1", "ccode2", "year"])
        .agg(migo_shared_full=("full", "sum"), migo_shared_any=("igo", "size"))
        .reset_index()
    )
    spine = dyad_spine(raw, PANEL_START, MIGO_END)
    df = spine.merge(counts, on=["ccode1", "ccode2", "year"], how="left", validate="one_to_one")
    cols = ["migo_shared_full", "migo_shared_any"]
    df[cols] = df[cols].fillna(0).astype("int64")
    return df
