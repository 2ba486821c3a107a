"""Joint military exercises: MME v7, JME v3, the Russian-MoD list, and a sourced China-Russia table.

* MME v7 (D'Orazio & Galambos, 1980-2010) and JME v3 (the predecessor coding,
  1974-2010), both shipped by troopdata: one row per exercise, participants in
  wide columns (country names in MME, ISO3 codes in JME).
* Russia's joint exercises 2009-2018 listed from Ministry of Defence pages
  (partners only; Russia is implicit).
* China-Russia joint exercises and joint patrols 2003-2024 compiled from
  stored web pages, one URL and quote per row; checked here against the
  China-Russia rows the scouts extracted from the three datasets above.
"""

from __future__ import annotations

import re

import pandas as pd

from balances.config import DYAD_STATES
from balances.countries import is_known_iso3, name_to_iso3
from balances.errors import DataError
from balances.io import check_declared, check_unique, read_csv
from balances.schema import COUNT, FLAG, Col
from balances.sources import table
from balances.sources._spine import MEMBERSHIP_SOURCE, both_orders, dyad_spine
from balances.sources.raw import RawFiles

MME = "mme_v7"
JME = "jme_v3"
RUS_MOD = "russia_mod_exercises"
CR_SOURCED = "china_russia_exercises_sourced"
CR_EXTRACT = "china_russia_exercises_extract"

MME_FILE = "mme_v7.csv"
JME_FILE = "jme_v3_sheet1_2.csv"
RUS_MOD_FILE = "russia_joint_exercises_2009_2018_raw.csv"
CR_SOURCED_FILE = "china_russia_joint_exercises_patrols_sourced.csv"
CR_EXTRACT_FILE = "china_russia_joint_exercises_extract.csv"

#: Years each dataset covers.
MME_YEARS, JME_YEARS, RUS_MOD_YEARS, CR_YEARS = (
    (1980, 2010),
    (1974, 2010),
    (2009, 2018),
    (2003, 2024),
)

#: MME participant entries that are not states, dropped on purpose: "-9" (unknown
#: participant), organisations and groups whose members are not named, and
#: dependencies (country_converter places some, but they are not COW states).
MME_NON_STATES = frozenset(
    {
        "-9",
        "NATO",
        "Baltic States",
        "Bermuda",
        "Hong Kong SAR China",
        "Netherlands Antilles",
        "New Caledonia",
    }
)
#: MMEIDs given to two different exercises each (different names, years and
#: places): every row counts as an exercise, keyed by its line.
MME_SHARED_IDS = frozenset({"mme3457", "mme3458", "mme3460"})

#: JME participant codes that are not states, dropped on purpose (after
#: stripping and upper-casing): unknown, NATO as such, Bermuda.
JME_NON_STATES = frozenset({"-9", "NATO", "8 NATO MEMBERS", "BMU"})
#: Obsolete or mistyped ISO3 codes in JME: Romania's pre-2002 ISO code.
JME_CODE_FIXES: dict[str, str] = {"ROM": "ROU"}
#: JME lines (of the CSV export) whose start year is missing or mistyped:
#: line -> (exercise name, year). The year comes from the exercise name's
#: suffix ("07") or from the end date in the same row.
JME_YEAR_FIXES: dict[int, tuple[str, int]] = {
    1531: ("Elang Ausindo 07", 2007),  # no date coded; '07' exercise in a 2007-08 annual report
    1602: ("Passex 07", 2007),  # no date coded; same 2007-08 annual report
    1668: ("Vigilant Pacific 07", 2007),  # start '10/xx/007', end '10/xx/2007'
    1699: ("", 2010),  # start '11/08/2015', end '11/15/2010' (China-Turkey training, Nov 2010)
    1732: ("Peace 09", 2009),  # start '03/05/3009', end '03/14/2009'
}
#: JME lines holding no exercise (only a default 'FTX' type typed).
JME_EMPTY_LINES = frozenset({1695})

#: Russian-MoD list rows whose partner list is known to be wrong, left out of
#: the counts: id 55 (Bold Monarch 2011) lists every NATO member "including
#: those that did not participate" (the row's own comment).
RUS_MOD_UNRELIABLE = frozenset({55})


def _melt(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Wide participant columns -> rows (line, column, value), blanks dropped."""
    long = (
        df[cols]
        .rename_axis("line")
        .reset_index()
        .melt(id_vars="line", var_name="column", value_name="value")
    )
    return long.dropna(subset=["value"]).sort_values(["line", "column"], kind="mergesort")


def _raise_unknown(long: pd.DataFrame, bad: pd.Series, path: object, what: str) -> None:
    if bad.any():
        row = long[bad].iloc[0]
        raise DataError(
            path,
            f"unknown {what} {row['value']!r}",
            row=int(row["line"]),
            column=str(row["column"]),
            fix="map it in balances.countries.NAME_FIXES or drop it as a named non-state",
        )


def _letters(n: int) -> list[str]:
    """Spreadsheet column suffixes A, B, ..., Z, AA, AB, ... (n of them)."""
    single = [chr(ord("A") + i) for i in range(26)]
    return (single + [f"A{c}" for c in single])[:n]


def _years(span: tuple[int, int]) -> Col:
    """A year column inside the dataset's span, on every row."""
    return Col(
        "int",
        nullable=False,
        ge=span[0],
        le=span[1],
        fix=f"the dataset covers {span[0]}-{span[1]}: correct the year or name a fix in the loader",
    )


def read_mme(raw: RawFiles) -> pd.DataFrame:
    """MME v7 participation: exercise (MMEID, or MMEID@line where shared), year, iso3."""
    path = raw.path(MME, MME_FILE)
    state_cols = [f"State{c}" for c in _letters(39)]
    df = read_csv(
        path,
        {
            "MMEID": "str",
            "Ex_Name": "str",
            "s.year": _years(MME_YEARS),
            **dict.fromkeys(state_cols, "str"),
        },
    )
    ids = df["MMEID"].where(
        ~df["MMEID"].isin(MME_SHARED_IDS), df["MMEID"] + "@" + df.index.astype(str)
    )
    check_unique(df.assign(exercise=ids), ["exercise"], path)
    long = _melt(df, state_cols)
    long["value"] = long["value"].str.strip()
    long = long[~long["value"].isin(MME_NON_STATES)]
    names = pd.unique(long["value"])
    long["iso3"] = long["value"].map(dict(zip(names, name_to_iso3(names), strict=True)))
    _raise_unknown(long, long["iso3"].isna(), path, "country name")
    long["exercise"] = long["line"].map(ids)
    long["year"] = long["line"].map(df["s.year"])
    return long[["exercise", "year", "iso3"]].drop_duplicates().reset_index(drop=True)


def read_jme(raw: RawFiles) -> pd.DataFrame:
    """JME v3 participation (CSV export of the only sheet of ``jme_v3.xls``): exercise = line."""
    path = raw.path(JME, JME_FILE)
    state_cols = [f"State {c}" for c in _letters(30)]
    df = read_csv(
        path,
        {
            "Exercise Name": "str",
            "Start Date": "str",
            "s.year": "int",
            **dict.fromkeys(state_cols, "str"),
        },
    )
    df = df.drop(index=[line for line in JME_EMPTY_LINES if line in df.index])
    df["year"] = (
        df["s.year"]
        .fillna(
            pd.to_numeric(
                df["Start Date"].str.extract(r"(?:^|\D)(\d{4})(?:\D|$)", expand=False),
                errors="coerce",
            )
        )
        .astype("Int64")
    )
    for line, (name, year) in JME_YEAR_FIXES.items():
        found = df.loc[line, "Exercise Name"] if line in df.index else None
        if line not in df.index or ("" if pd.isna(found) else found) != name:
            raise DataError(
                path,
                f"year fix expects exercise {name!r} at this line",
                row=line,
                column="Exercise Name",
                fix="the file changed: update JME_YEAR_FIXES",
            )
        df.loc[line, "year"] = year
    missing = df["year"].isna()
    if missing.any():
        line = missing.idxmax()
        raise DataError(
            path,
            f"no year in s.year or 'Start Date' {df.loc[line, 'Start Date']!r}",
            row=int(line),
            column="Start Date",
            fix="name a fix in JME_YEAR_FIXES",
        )
    check_declared(df, {"year": _years(JME_YEARS)}, path)
    long = _melt(df, state_cols)
    long["value"] = long["value"].str.strip().str.upper().replace(JME_CODE_FIXES)
    long = long[~long["value"].isin(JME_NON_STATES)]
    _raise_unknown(long, ~long["value"].map(is_known_iso3), path, "ISO3 code")
    long["exercise"] = long["line"].astype(str)
    long["year"] = long["line"].map(df["year"])
    return long.rename(columns={"value": "iso3"})[["exercise", "year", "iso3"]].drop_duplicates()


def read_rus_mod(raw: RawFiles) -> pd.DataFrame:
    """Russian-MoD list participation, Russia added to every row; unreliable rows left out."""
    path = raw.path(RUS_MOD, RUS_MOD_FILE)
    part_cols = [f"part{i}" for i in range(1, 29)]
    df = read_csv(
        path,
        {
            "id": "int",
            "name": "str",
            "yr": "int",
            **dict.fromkeys(part_cols, "str"),
            "source": "str",
        },
    )
    df = df.dropna(how="all")
    check_unique(df, ["id"], path)
    check_declared(df, {"yr": _years(RUS_MOD_YEARS)}, path)
    long = _melt(df[~df["id"].isin(RUS_MOD_UNRELIABLE)], part_cols)
    long["value"] = long["value"].str.strip()
    names = pd.unique(long["value"])
    long["iso3"] = long["value"].map(dict(zip(names, name_to_iso3(names), strict=True)))
    _raise_unknown(long, long["iso3"].isna(), path, "country name")
    long["exercise"] = long["line"].map(df["id"]).astype(str)
    long["year"] = long["line"].map(df["yr"])
    russia = long[["exercise", "year"]].drop_duplicates().assign(iso3="RUS")
    return pd.concat([long[["exercise", "year", "iso3"]], russia]).drop_duplicates()


def dyad_counts(
    part: pd.DataFrame, name: str, states: tuple[str, ...] = DYAD_STATES
) -> pd.DataFrame:
    """Exercises per directed dyad-year: every pair of ``states`` taking part in an exercise."""
    part = part[part["iso3"].isin(states)]
    pairs = part.merge(part, on=["exercise", "year"], suffixes=("_1", "_2"))
    pairs = pairs[pairs["iso3_1"] != pairs["iso3_2"]]
    return pairs.groupby(["iso3_1", "iso3_2", "year"]).size().rename(name).reset_index()


#: Columns of the sourced China-Russia table.
_CR_COLUMNS = {
    "row_id": "int",
    "year": _years(CR_YEARS),
    "name": "str",
    "name_alt": "str",
    "start_date": "str",
    "end_date": "str",
    "evidence_level": "str",
    "date_precision": "str",
    "domain": "str",
    "format": "str",
    "location": "str",
    "other_participants": "str",
    "sequence_note": "str",
    "source_url_1": Col(
        "str", nullable=False, fix="every row of a compiled table needs a source URL"
    ),
    "source_url_2": "str",
    "source_quote": "str",
    "evidence": "str",
}
#: Formats of the sourced table that mark a joint patrol rather than an exercise.
PATROL_FORMAT = "bilateral joint patrol"
#: Patrol domain -> event type.
PATROL_TYPES: dict[str, str] = {"air": "joint air patrol", "naval": "joint naval patrol"}


def read_cr_sourced(raw: RawFiles) -> pd.DataFrame:
    """The sourced China-Russia table, with event type and bilateral/multilateral scope."""
    path = raw.path(CR_SOURCED, CR_SOURCED_FILE)
    df = read_csv(path, _CR_COLUMNS)
    check_unique(df, ["row_id"], path)
    patrol = df["format"] == PATROL_FORMAT
    df["type"] = df["domain"].map(PATROL_TYPES).where(patrol, "exercise")
    bad = df["type"].isna()
    if bad.any():
        line = bad.idxmax()
        raise DataError(
            path,
            f"joint patrol with domain {df.loc[line, 'domain']!r}",
            row=int(line),
            column="domain",
            fix=f"use one of {sorted(PATROL_TYPES)} for patrols",
        )
    df["scope"] = df["other_participants"].isna().map({True: "bilateral", False: "multilateral"})
    return df


#: China-Russia exercise series as named in English or Russian, for matching
#: the sourced table with the extract (name and alternative name searched).
SERIES: dict[str, str] = {
    "Peace Mission": r"peace mission|мирная миссия",
    "Joint Sea": r"joint sea|морское взаимодейств|maritime cooperation|naval cooperation",
    "SCO Coalition/Cooperation 2003": (
        r"coalition-2003|cooperation[- ]2003|shanghai cooperation organization 2003"
    ),
}


def exercise_series(name: str) -> str | None:
    """The China-Russia series an exercise name belongs to, or ``None``.

    Examples
    --------
    >>> exercise_series("Мирная миссия-2009")
    'Peace Mission'
    >>> exercise_series("Cooperation 2007") is None
    True
    """
    for series, pattern in SERIES.items():
        if re.search(pattern, name, flags=re.IGNORECASE):
            return series
    return None


def read_cr_extract(raw: RawFiles) -> pd.DataFrame:
    """The scouts' China-Russia extract of MME, JME and the Russian-MoD list, with its series."""
    path = raw.path(CR_EXTRACT, CR_EXTRACT_FILE)
    df = read_csv(
        path,
        {"source": "str", "source_id": "str", "name": "str", "year": "int", "participants": "str"},
    )
    check_unique(df, ["source", "source_id"], path)
    df["extract_id"] = (
        df["source"]
        .str.extract(r"^(MME|JME|Joint Military)", expand=False)
        .map({"MME": "MME", "JME": "JME", "Joint Military": "RUS_MOD"})
        + ":"
        + df["source_id"]
    )
    if df["extract_id"].isna().any():
        line = df["extract_id"].isna().idxmax()
        raise DataError(
            path, f"unknown source {df.loc[line, 'source']!r}", row=int(line), column="source"
        )
    df["series"] = df["name"].fillna("").map(exercise_series)
    return df


def compare_cr_extract(raw: RawFiles) -> pd.DataFrame:
    """Match each extract row to the sourced rows of the same series and year.

    Returns
    -------
    pandas.DataFrame
        The extract rows with ``series`` and ``sourced_row_ids`` (';'-joined
        ``row_id`` of the sourced table; missing where no sourced row matches).
    """
    extract = read_cr_extract(raw)
    sourced = read_cr_sourced(raw)
    sourced["series"] = (sourced["name"] + " " + sourced["name_alt"].fillna("")).map(
        exercise_series
    )
    pairs = extract.reset_index().merge(
        sourced[["row_id", "year", "series"]].dropna(), on=["year", "series"]
    )
    ids = pairs.groupby("line")["row_id"].agg(lambda s: ";".join(map(str, sorted(s))))
    return extract.assign(sourced_row_ids=ids.reindex(extract.index))


@table(
    "exercises_dyad",
    level="dyad_year",
    sources=(MME, JME, RUS_MOD, CR_SOURCED, MEMBERSHIP_SOURCE),
    description=(
        "Joint military exercises per directed dyad-year among the dyad states, counted in each "
        "dataset separately (an exercise counts for every pair of its participants, in its start "
        "year): MME v7 1980-2010, JME v3 1974-2010, the Russian-MoD list 2009-2018 (dyads with "
        "Russia only: the list holds Russia's exercises), and the sourced China-Russia table "
        "2003-2024 (CHN-RUS only). Inside a dataset's coverage (both states COW members) 0 means "
        "no exercise recorded; elsewhere missing; rows with every count missing are left out. "
        "The datasets overlap and are not merged: do not add the columns. MME/JME cover "
        "NATO/US exercises better than SCO/CSTO ones."
    ),
    columns={
        "mme_exercises": "MME v7 exercises both states took part in (count; 1980-2010)",
        "jme_exercises": "JME v3 exercises both states took part in (count; 1974-2010)",
        "rus_mod_exercises": "exercises of Russia with the partner in the Russian-MoD list (count; "
        "2009-2018; RUS dyads only; Bold Monarch 2011 left out, its partner "
        "list names every NATO member)",
        "cr_sourced_events": (
            "China-Russia joint exercises, exercise phases and joint patrols in the sourced "
            "table (count; 2003-2024; CHN-RUS only; leads from stored pages)"
        ),
    },
    schema={
        **dict.fromkeys(
            (
                "mme_exercises",
                "jme_exercises",
                "rus_mod_exercises",
                "cr_sourced_events",
            ),
            COUNT,
        )
    },
)
def exercises_dyad(raw: RawFiles) -> pd.DataFrame:
    keys = ["iso3_1", "iso3_2", "year"]
    out = dyad_spine(raw, JME_YEARS[0], CR_YEARS[1])
    cr = read_cr_sourced(raw)
    cr_pairs = both_orders(
        cr.groupby("year")
        .size()
        .rename("cr_sourced_events")
        .reset_index()
        .assign(iso3_1="CHN", iso3_2="RUS")
    )
    # (counts, column, years covered, states every dyad inside coverage includes)
    parts = (
        (dyad_counts(read_mme(raw), "mme_exercises"), "mme_exercises", MME_YEARS, ()),
        (dyad_counts(read_jme(raw), "jme_exercises"), "jme_exercises", JME_YEARS, ()),
        (
            dyad_counts(read_rus_mod(raw), "rus_mod_exercises"),
            "rus_mod_exercises",
            RUS_MOD_YEARS,
            ("RUS",),
        ),
        (cr_pairs, "cr_sourced_events", CR_YEARS, ("CHN", "RUS")),
    )
    for counts, col, (start, end), required in parts:
        out = out.merge(counts, on=keys, how="left", validate="one_to_one")
        inside = out["year"].between(start, end)
        for state in required:
            inside &= (out["iso3_1"] == state) | (out["iso3_2"] == state)
        out[col] = out[col].fillna(0).where(inside).astype("Int64")
    counts_cols = [col for _, col, _, _ in parts]
    return out.dropna(subset=counts_cols, how="all")


@table(
    "cr_exercises",
    level="event",
    keys=("row_id",),
    sources=(CR_SOURCED, CR_EXTRACT),
    schema={
        "year": _years(CR_YEARS),
        "type": Col("str", nullable=False, isin=("exercise", *PATROL_TYPES.values())),
        "scope": Col("str", nullable=False, isin=("bilateral", "multilateral")),
        "source_url_1": Col("str", nullable=False),
        "extract_agrees": FLAG,
    },
    description=(
        "China-Russia joint military exercises, exercise phases and joint air/naval patrols, "
        "2003-2024: one row per event of the sourced table compiled from stored web pages "
        "(official and state media, wire reports), each with its URLs, quote and evidence level. "
        "Leads, not an exhaustive list (no 2011 event, no Aerospace Security drills, Peace "
        "Mission 2013 missing). extract_* columns say whether the scouts' extract of MME, JME and "
        "the Russian-MoD list (1996-2015) holds an exercise of the same series and year."
    ),
    columns={
        "year": "year of the event",
        "name": "name as given in the sources",
        "name_alt": "alternative name (Russian or Chinese designation, other transliteration)",
        "type": "'exercise', 'joint air patrol' or 'joint naval patrol'",
        "domain": "domain as compiled (naval, air, land, land/air, naval/air ...)",
        "scope": "'bilateral' (China and Russia only) or 'multilateral' (other participants named)",
        "format": "format as compiled (bilateral, bilateral joint patrol, multilateral SCO, "
        "trilateral with Iran, Russian strategic exercise with Chinese contingent ...)",
        "other_participants": "ISO3 codes of other participants, ';'-separated",
        "start_date": "start date as compiled (YYYY, YYYY-MM or YYYY-MM-DD)",
        "end_date": "end date as compiled",
        "date_precision": "precision of the dates (day, month, year, approx ...)",
        "location": "location as compiled",
        "sequence_note": "size, ordinal and notable firsts",
        "evidence_level": "A dates confirmed in a stored page; B start or approximate dates; "
        "C month or year only",
        "source_url_1": "first source page (URL)",
        "source_url_2": "second source page (URL)",
        "source_quote": "quote from the source supporting the row",
        "evidence": "compiler's note on the evidence",
        "extract_agrees": (
            "1 if the extract (1996-2015) holds an exercise of the same series and year, 0 if "
            "not; missing after 2015 (outside the extract)"
        ),
        "extract_ids": "matching extract rows, ';'-separated as SOURCE:id (MME, JME, RUS_MOD)",
    },
)
def cr_exercises(raw: RawFiles) -> pd.DataFrame:
    df = read_cr_sourced(raw)
    cmp = compare_cr_extract(raw).dropna(subset=["sourced_row_ids"])
    links = cmp.assign(row_id=cmp["sourced_row_ids"].str.split(";")).explode("row_id")
    ids = links.groupby(links["row_id"].astype(int))["extract_id"].agg(
        lambda s: ";".join(sorted(s))
    )
    df["extract_ids"] = df["row_id"].map(ids)
    last = int(read_cr_extract(raw)["year"].max())
    df["extract_agrees"] = (
        df["extract_ids"].notna().astype(int).where(df["year"] <= last).astype("Int64")
    )
    return df
