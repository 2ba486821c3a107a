"""Bloc membership: NATO, SCO and CST/CSTO, from hand-compiled tables (and a verified twin).

Both tables were typed by the project's data scouts: they are leads, not
facts, and every value in the processed table carries the status of the row it
comes from. The NATO table lists official accession dates (nato.int "Member
countries"), cross-checked against ATOP and public code lists but not verified
row by row. The SCO/CSTO table was verified row by row against stored pages;
its twin adds the result and the sources.

A state is coded a member in a year if it was a member on 31 December of that
year (accessions count from their own year; a lapse, non-renewal or suspension
counts from its year), or on its last day in the state system (West Germany
stays a NATO member in 1990).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.config import PANEL_END
from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import FLAG, Col
from balances.sources import table
from balances.sources._spine import MEMBERSHIP_SOURCE, iso3_from_ccode, system_members
from balances.sources.raw import RawFiles

NATO_SOURCE = "nato_membership"
NATO_FILE = "nato_membership_handcompiled.csv"
SCO_CSTO_SOURCE = "sco_csto_membership"
SCO_CSTO_FILE = "sco_csto_membership_handcompiled.csv"
SCO_CSTO_VERIFIED_FILE = "sco_csto_membership_handcompiled_verified.csv"

BLOCS = ("nato", "sco", "csto")
#: Organisation names in the SCO/CSTO table -> bloc.
ORGANISATIONS = {"SCO": "sco", "CST/CSTO": "csto"}

#: Armenia's ``exit_or_suspension_year`` 2024 is a de-facto freeze of
#: participation, not a legal exit: the CSTO Secretariat received no formal
#: request (verified twin, row Armenia, ``verification_note``). Armenia stays a member.
CSTO_FREEZES_NOT_EXITS: dict[int, int] = {371: 2024}

#: Uzbekistan's return to the CSTO (Minsk summit 23 June 2006, protocol 16 August 2006)
#: and its suspension (Collective Security Council decision 19 December 2012) are in the
#: hand table's notes only; the verified twin confirms both (TASS archive pages), so
#: they form a second spell: member 2006-2011 at year end. (ccode, join year, exit year).
CSTO_EXTRA_SPELLS: tuple[tuple[int, int, int], ...] = ((704, 2006, 2012),)

_NATO_COLUMNS = {
    "country": "str",
    "iso3c": "str",
    "ccode": "int",
    "accession_date": "str",
    "accession_year": "int",
    "source": "str",
}
_SCO_CSTO_COLUMNS = {
    "organization": Col(
        "str",
        nullable=False,
        isin=tuple(ORGANISATIONS),
        fix=f"expected one of {sorted(ORGANISATIONS)}",
    ),
    "country": "str",
    "iso3c": "str",
    "ccode": "int",
    "join_date": "str",
    "join_year": "int",
    "exit_or_suspension_year": "int",
    "notes": "str",
    "verification_status": "str",
}
_VERIFIED_COLUMNS = {
    **_SCO_CSTO_COLUMNS,
    "verification_result": Col(
        "str",
        nullable=False,
        fix="every row of the verified twin says whether it was verified",
    ),
    "verification_source_1": "str",
    "verification_source_2": "str",
    "verification_note": "str",
}


def _check_year_of_date(df: pd.DataFrame, date: str, year: str, path: object) -> None:
    """Where a date is given, its year must equal the year column."""
    dates = pd.to_datetime(df[date], format="%Y-%m-%d", errors="coerce")
    unparsed = df[date].notna() & dates.isna()
    mismatch = dates.notna() & (dates.dt.year != df[year])
    for bad, problem in (
        (unparsed, "is not a YYYY-MM-DD date"),
        (mismatch, f"disagrees with {year}"),
    ):
        if bad.any():
            line = bad.idxmax()
            raise DataError(
                path, f"{date} {df.loc[line, date]!r} {problem}", row=int(line), column=date
            )


def read_nato(raw: RawFiles) -> pd.DataFrame:
    """Read the hand-compiled NATO accession table (one row per member; West Germany separate)."""
    path = raw.path(NATO_SOURCE, NATO_FILE)
    df = read_csv(path, _NATO_COLUMNS)
    check_unique(df, ["ccode"], path)
    iso3_from_ccode(df, path, typed="iso3c")
    _check_year_of_date(df, "accession_date", "accession_year", path)
    return df


def read_sco_csto(raw: RawFiles) -> pd.DataFrame:
    """Read the verified SCO/CSTO table, checking it repeats the hand table row for row."""
    hand_path = raw.path(SCO_CSTO_SOURCE, SCO_CSTO_FILE)
    path = raw.path(SCO_CSTO_SOURCE, SCO_CSTO_VERIFIED_FILE)
    hand = read_csv(hand_path, _SCO_CSTO_COLUMNS)
    df = read_csv(path, _VERIFIED_COLUMNS)
    if len(df) != len(hand):
        raise DataError(
            path,
            f"{len(df)} rows, but the hand table {hand_path.name} has {len(hand)}",
            fix="the verified twin must keep every row of the hand table",
        )
    for col in _SCO_CSTO_COLUMNS:
        differs = ~((df[col] == hand[col]) | (df[col].isna() & hand[col].isna()))
        if differs.any():
            line = differs.idxmax()
            raise DataError(
                path,
                f"{df.loc[line, col]} differs from the hand table's {hand.loc[line, col]}",
                row=int(line),
                column=col,
                fix="the verified twin repeats the hand table's columns unchanged",
            )
    check_unique(df, ["organization", "ccode"], path)
    iso3_from_ccode(df, path, typed="iso3c")
    _check_year_of_date(df, "join_date", "join_year", path)
    return df


def membership_spells(raw: RawFiles) -> pd.DataFrame:
    """Membership spells of the three blocs.

    Returns
    -------
    pandas.DataFrame
        ``bloc, ccode, start, end, status, verified_by, path, line``: member from
        ``start`` to ``end - 1`` (``end`` missing while still a member).
    """
    nato = read_nato(raw)
    spells = [
        pd.DataFrame(
            {
                "bloc": "nato",
                "ccode": nato["ccode"],
                "start": nato["accession_year"],
                "end": pd.Series(pd.NA, index=nato.index, dtype="Int64"),
                "status": "handcompiled",
                "verified_by": pd.Series(None, index=nato.index, dtype=object),
                "path": str(raw.path(NATO_SOURCE, NATO_FILE)),
                "line": nato.index,
            }
        )
    ]
    sc = read_sco_csto(raw)
    end = sc["exit_or_suspension_year"].astype("Int64")
    frozen = sc["ccode"].map(CSTO_FREEZES_NOT_EXITS).astype("Int64")
    end = end.mask(((sc["organization"] == "CST/CSTO") & (end == frozen)).fillna(False))
    verified_by = sc["verification_source_1"].str.cat(
        sc["verification_source_2"], sep=" ; ", na_rep=""
    )
    spells.append(
        pd.DataFrame(
            {
                "bloc": sc["organization"].map(ORGANISATIONS),
                "ccode": sc["ccode"],
                "start": sc["join_year"],
                "end": end,
                "status": sc["verification_result"],
                "verified_by": verified_by.str.strip(" ;"),
                "path": str(raw.path(SCO_CSTO_SOURCE, SCO_CSTO_VERIFIED_FILE)),
                "line": sc.index,
            }
        )
    )
    csto = spells[-1][spells[-1]["bloc"] == "csto"].set_index("ccode")
    extra = pd.DataFrame(CSTO_EXTRA_SPELLS, columns=["ccode", "start", "end"])
    extra = extra.assign(
        bloc="csto",
        **{c: extra["ccode"].map(csto[c]) for c in ("status", "verified_by", "path", "line")},
    )
    spells.append(extra)
    out = pd.concat(spells, ignore_index=True)
    return out.astype({"ccode": "int64", "start": "int64", "end": "Int64"})


@table(
    "bloc_membership",
    level="state_year",
    sources=(NATO_SOURCE, SCO_CSTO_SOURCE, MEMBERSHIP_SOURCE),
    schema={"nato": FLAG, "sco": FLAG, "csto": FLAG},
    description=(
        "Membership of NATO, the SCO and the CST/CSTO, state-years for every COW system member "
        "1946-2024 (COW NMC to 2022, its 2022 members carried to 2024). Each bloc's column is "
        "1 for a member on 31 December of the year (or on its last day in the system: West "
        "Germany in 1990), 0 for a non-member from the bloc's first year (NATO 1949, CST 1992, "
        "SCO 2001; the member lists are complete, so non-membership is a true 0), missing "
        "before it. Built from hand-compiled tables - leads, not facts: the *_status columns "
        "say which rows were verified. NATO: official accession dates (nato.int), "
        "cross-checked with ATOP, not verified row by row. SCO/CSTO: every row verified "
        "against stored pages. CST/CSTO: Azerbaijan, Georgia and Uzbekistan left in 1999 "
        "(non-renewal); Uzbekistan was a member again 2006-2011 (suspended December 2012); "
        "Armenia froze its participation in 2024 without a legal exit and stays coded 1."
    ),
    columns={
        "nato": "1 if a NATO member on 31 December, 0 if not (from 1949), missing before 1949",
        "nato_status": "status of a member year: 'handcompiled' (accession table typed from "
        "nato.int); empty for non-member years, which rest on the completeness of that list",
        "sco": "1 if a member of the Shanghai Cooperation Organisation on 31 December, 0 if "
        "not (from 2001), missing before 2001 (the Shanghai Five of 1996 is not coded)",
        "sco_status": "status of a member year: the verified twin's result ('verified'); empty "
        "for non-member years (the completeness of the member list was not verified)",
        "sco_verified_by": "URLs of the stored pages that verified the membership row, "
        "separated by ' ; ' (member years only)",
        "csto": "1 if a party to the Collective Security Treaty (Tashkent 1992; CSTO from 2002) "
        "on 31 December, 0 if not (from 1992), missing before 1992",
        "csto_status": "status of a member year: the verified twin's result ('verified'; "
        "'verified (with nuance)' for Armenia, whose 2024 freeze is no legal exit; 'verified "
        "(year); day conflicting' for Georgia); empty for non-member years",
        "csto_verified_by": "URLs of the stored pages that verified the membership row, "
        "separated by ' ; ' (member years only)",
    },
)
def bloc_membership(raw: RawFiles) -> pd.DataFrame:
    states = system_members(raw)
    spells = membership_spells(raw)
    present = states.set_index(["ccode", "year"]).index
    out = states.copy()
    for bloc in BLOCS:
        sp = spells[spells["bloc"] == bloc]
        not_in_system = [
            (r.path, r.line, r.ccode, r.start)
            for r in sp.itertuples()
            if (r.ccode, r.start) not in present
        ]
        if not_in_system:
            path, line, ccode, start = not_in_system[0]
            raise DataError(
                path,
                f"COW code {ccode} is not a system member in its join year {start}",
                row=int(line),
                column="ccode",
                fix="check the code and the join year",
            )
        years = sp.assign(
            year=[
                list(range(s, (e if e is not pd.NA else PANEL_END + 1)))
                for s, e in zip(sp["start"], sp["end"], strict=True)
            ]
        ).explode("year")
        years = years.astype({"year": "int64"}).drop_duplicates(["ccode", "year"])
        merged = out[["ccode", "year"]].merge(
            years[["ccode", "year", "status", "verified_by"]],
            on=["ccode", "year"],
            how="left",
            indicator=True,
            validate="one_to_one",
        )
        member = (merged["_merge"] == "both").to_numpy()
        founded = int(sp["start"].min())
        exists = (out["year"] >= founded).to_numpy()
        out[bloc] = np.where(member, 1.0, np.where(exists, 0.0, np.nan))
        out[f"{bloc}_status"] = np.where(member, merged["status"], None)
        if bloc != "nato":
            out[f"{bloc}_verified_by"] = np.where(member, merged["verified_by"], None)
    return out
