"""UN Security Council vetoes, 1946-2024: Yordan's list to 2022 and its verified extension.

Carlos L. Yordan (World Politics Data Lab) scraped the Dag Hammarskjöld
Library's veto list (one row per vetoed draft resolution) to July 2022 and
published it in September 2022. The project's scouts verified the vetoes of
August 2022 to December 2024 against stored pages, in the same layout. The two
files are row-bound; a veto listed in both (same date, same vetoing members) is
counted once, from Yordan's file. Draft symbols are not used to match: most
symbols of the extension are leads.
"""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_END, PANEL_START
from balances.countries import name_to_iso3
from balances.errors import DataError
from balances.io import read_csv
from balances.schema import COUNT, FLAG, Col
from balances.sources import TABLES, table
from balances.sources.raw import RawFiles

YORDAN_SOURCE = "unsc_vetoes_yordan"
YORDAN_FILE = "unsc_vetoes_1946_sept2022.csv"
VERIFIED_SOURCE = "unsc_vetoes_2022_2024"
VERIFIED_FILE = "unsc_vetoes_2022-08_2024-12_verified.csv"

#: The verified extension covers vetoes from 1 August 2022. Yordan's file was uploaded on
#: 16 September 2022 (commit f389b3f; last veto listed 8 July 2022): a veto of August or
#: September 2022 could be in both.
VERIFIED_START = pd.Timestamp("2022-08-01")

#: Permanent members, ISO3 -> column. The USSR's vetoes are Russia's (COW continuity).
P5 = {"USA": "usa", "RUS": "rus", "CHN": "chn", "GBR": "gbr", "FRA": "fra"}
#: Yordan's per-member dummy columns -> ISO3.
DUMMIES = {
    "USA": "USA",
    "USSR": "RUS",
    "Russia": "RUS",
    "China": "CHN",
    "UK": "GBR",
    "France": "FRA",
}
#: Columns naming the vetoing members. They, not the dummies, say who vetoed: Yordan's
#: dummies miss 26 named vetoes (eleven of the US, 1975-1985; nine of France, 1976-1981;
#: six of the USSR, 1966-1980), and the named totals match the UN list's.
VETOER_COLUMNS = ("member_veto1", "member_veto2", "member_veto3")

_COLUMNS = {
    "year": "int",
    "date": "str",
    "draft": "str",
    "meeting_record": "str",
    "agenda_item": "str",
    "crisis_topic": "str",
    "region": "str",
    **dict.fromkeys(VETOER_COLUMNS, "str"),
    **dict.fromkeys(DUMMIES, "int"),
}
_VERIFIED_COLUMNS = {
    **_COLUMNS,
    "draft_symbol_status": "str",
    "verification_status": Col("str", nullable=False, fix="say how the row was verified"),
}


def _read(path: object, columns: dict) -> pd.DataFrame:
    """Read one veto file, parse dates and code the vetoing members from their names."""
    df = read_csv(path, columns)
    dates = pd.to_datetime(df["date"], format="%m/%d/%Y", errors="coerce")
    for bad, problem in (
        (dates.isna(), "is not a M/D/YYYY date"),
        (dates.notna() & (dates.dt.year != df["year"]), "is not in the row's year"),
    ):
        if bad.any():
            line = bad.idxmax()
            raise DataError(
                path, f"date {df.loc[line, 'date']!r} {problem}", row=int(line), column="date"
            )
    df["date"] = dates
    names = (
        df[list(VETOER_COLUMNS)]
        .rename_axis("line")
        .reset_index()
        .melt(id_vars="line", var_name="column", value_name="name")
        .dropna(subset=["name"])
    )
    names["iso3"] = name_to_iso3(names["name"].str.strip())
    bad = ~names["iso3"].isin(list(P5))
    if bad.any():
        first = names[bad].sort_values(["line", "column"]).iloc[0]
        raise DataError(
            path,
            f"{first['name']!r} is not a permanent member of the Council",
            row=int(first["line"]),
            column=first["column"],
            fix="name one of USA, USSR, Russia, China, UK, France",
        )
    named = (
        pd.crosstab(names["line"], names["iso3"])
        .reindex(index=df.index, columns=list(P5), fill_value=0)
        .clip(upper=1)
    )
    none = named.sum(axis=1) == 0
    if none.any():
        raise DataError(
            path, "no vetoing member named", row=int(none.idxmax()), column=VETOER_COLUMNS[0]
        )
    for dummy, code in DUMMIES.items():
        unnamed = (df[dummy] == 1) & (named[code] == 0)
        if unnamed.any():
            raise DataError(
                path,
                f"{dummy} = 1 but {dummy} is not among the named vetoing members",
                row=int(unnamed.idxmax()),
                column=dummy,
            )
    df[list(P5.values())] = named.rename(columns=P5).astype("int64")
    df["vetoers"] = named.mul([f"{c}+" for c in P5], axis=1).sum(axis=1).str.rstrip("+")
    return df


def read_vetoes(raw: RawFiles) -> pd.DataFrame:
    """Both veto files, row-bound, each veto once.

    Returns
    -------
    pandas.DataFrame
        One row per vetoed draft, in date order, with the P5 0/1 columns,
        ``status``, ``draft_status`` and ``source_file``.
    """
    ypath = raw.path(YORDAN_SOURCE, YORDAN_FILE)
    vpath = raw.path(VERIFIED_SOURCE, VERIFIED_FILE)
    yordan = _read(ypath, _COLUMNS).assign(
        status="published", draft_status="as in the UN veto list", source_file=YORDAN_FILE
    )
    verified = _read(vpath, _VERIFIED_COLUMNS)
    listed = set(zip(yordan["date"], yordan["vetoers"], strict=True))
    duplicate = pd.Series(
        [key in listed for key in zip(verified["date"], verified["vetoers"], strict=True)],
        index=verified.index,
    )
    verified = verified[~duplicate]
    early = verified["date"] < VERIFIED_START
    if early.any():
        line = early.idxmax()
        raise DataError(
            vpath,
            f"veto of {verified.loc[line, 'date']:%Y-%m-%d} precedes the file's "
            f"coverage (from {VERIFIED_START:%Y-%m-%d}) and is not in {YORDAN_FILE}",
            row=int(line),
            column="date",
            fix="check the date or add the veto to the right file",
        )
    verified = verified.assign(
        status=verified["verification_status"].str.split(":").str[0].str.strip(),
        draft_status=verified["draft_symbol_status"],
        source_file=VERIFIED_FILE,
    )
    df = pd.concat([yordan, verified], ignore_index=True).sort_values("date", kind="mergesort")
    return df.reset_index(drop=True)


@table(
    "unsc_vetoes",
    level="event",
    keys=("veto_id",),
    sources=(YORDAN_SOURCE, VERIFIED_SOURCE),
    schema={
        "year": Col("int", nullable=False, ge=1946, le=2030),
        **dict.fromkeys(("usa", "rus", "chn", "gbr", "fra"), FLAG),
    },
    description=(
        "Vetoed draft resolutions of the UN Security Council, 16 Feb 1946 - 20 Nov 2024, one row "
        "per vetoed draft. To July 2022 from Yordan's scrape of the UN Dag Hammarskjold Library "
        "veto list (published); August 2022 - December 2024 from the project's verified "
        "extension (every veto's date, vetoing members, subject and tally confirmed against "
        "stored pages; most draft symbols are leads, see draft_status). A veto in both files "
        "(same date and vetoing members; they overlap from Aug 2022 to Yordan's upload on "
        "16 Sep 2022) is kept once, from Yordan's file. "
        "Vetoing members are coded from the named members (Yordan's dummy columns miss 26 "
        "vetoes). The list counts vetoed drafts, not vetoes of paragraphs or amendments (so "
        "the Republic of China's lone veto of 1955 and the US veto of a Russian amendment on "
        "22 Dec 2023 are not in it). The USSR's vetoes are coded as Russia's."
    ),
    columns={
        "date": "date of the vote (YYYY-MM-DD)",
        "year": "year of the vote",
        "draft": "symbol of the vetoed draft (S/...); early entries give the meeting record",
        "meeting_record": "symbol(s) of the meeting record (S/PV....), as listed",
        "subject": "agenda item, as listed",
        "topic": "crisis or topic (Yordan's coding, followed by the extension)",
        "region": "region of the topic (Yordan's coding)",
        "usa": "1 if the United States vetoed the draft, else 0",
        "rus": "1 if the Soviet Union (to 1991) or Russia vetoed the draft, else 0",
        "chn": "1 if China (the PRC; no Republic of China veto is listed) vetoed the draft, else 0",
        "gbr": "1 if the United Kingdom vetoed the draft, else 0",
        "fra": "1 if France vetoed the draft, else 0",
        "status": "'published' (Yordan's list) or 'verified' (extension: date, vetoers, "
        "subject and tally confirmed against stored pages)",
        "draft_status": "how far the draft symbol is confirmed: 'as in the UN veto list' for "
        "Yordan's rows; for the extension whether the symbol was found in a stored page or is "
        "a lead from public repositories",
        "source_file": "raw file the row comes from",
    },
)
def unsc_vetoes(raw: RawFiles) -> pd.DataFrame:
    df = read_vetoes(raw)
    seq = df.groupby("date").cumcount() + 1
    df["veto_id"] = df["date"].dt.strftime("%Y-%m-%d") + "/" + seq.astype(str)
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    df = df.rename(columns={"agenda_item": "subject", "crisis_topic": "topic"})
    return df[["veto_id", *TABLES["unsc_vetoes"].columns]]


@table(
    "unsc_vetoes_year",
    level="system_year",
    sources=(YORDAN_SOURCE, VERIFIED_SOURCE),
    description=(
        "Vetoes in the UN Security Council per year, 1946-2024, from the unsc_vetoes events "
        "(Yordan's list to 2022 and the verified extension to 2024; vetoed drafts, not "
        "paragraphs or amendments). A year without a veto is a true 0: both lists are "
        "complete for their period. The USSR's vetoes count as Russia's."
    ),
    columns={
        "vetoes": "number of draft resolutions vetoed, count",
        "usa": "number of drafts vetoed by the United States, count",
        "rus": "number of drafts vetoed by the Soviet Union (to 1991) or Russia, count",
        "chn": "number of drafts vetoed by China (PRC), count",
        "gbr": "number of drafts vetoed by the United Kingdom, count",
        "fra": "number of drafts vetoed by France, count",
        "rus_chn": "number of drafts vetoed jointly by Russia and China, count",
    },
    schema={
        **dict.fromkeys(
            (
                "vetoes",
                "usa",
                "rus",
                "chn",
                "gbr",
                "fra",
                "rus_chn",
            ),
            COUNT,
        )
    },
)
def unsc_vetoes_year(raw: RawFiles) -> pd.DataFrame:
    df = read_vetoes(raw)
    df["vetoes"] = 1
    df["rus_chn"] = df["rus"] * df["chn"]
    cols = ["vetoes", *P5.values(), "rus_chn"]
    years = pd.RangeIndex(PANEL_START, PANEL_END + 1, name="year")
    out = df.groupby(df["date"].dt.year.rename("year"))[cols].sum().reindex(years, fill_value=0)
    return out.astype("int64").reset_index()
