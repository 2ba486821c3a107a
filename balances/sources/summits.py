"""China-Russia leader summits, state visits and key bilateral documents, 1991-2024 (sourced).

Compiled by the project's scouts from stored web pages, one or two URLs and a
quote per row. Not an exhaustive list of leader meetings (Xi and Putin met 38
times from 2013 to February 2022; most are not here).
"""

from __future__ import annotations

import pandas as pd

from balances.errors import DataError
from balances.io import check_unique, read_csv
from balances.schema import Col
from balances.sources import table
from balances.sources.raw import RawFiles

SOURCE = "china_russia_summits"
FILE = "china_russia_summits_documents_1991_2024.csv"

#: Event types as compiled -> the table's three types. A state or official
#: visit (with whatever it signed) is a "state visit"; other leader meetings
#: are "summit"; events that are a document without a leaders' meeting are
#: "document".
EVENT_TYPES: dict[str, str] = {
    "state visit": "state visit",
    "official visit": "state visit",
    "official visit (pre-1992, USSR)": "state visit",
    "state visit / border agreement": "state visit",
    "state visit / treaty": "state visit",
    "state visit (with Joint Sea-2014 launch)": "state visit",
    "informal summit": "summit",
    "informal summit (2nd)": "summit",
    "multilateral founding summit": "summit",
    "bilateral meeting on SCO summit sidelines": "summit",
    "visit (Winter Olympics opening)": "summit",
    "recognition": "document",
    "foreign-minister meeting / border protocol": "document",
    "treaty extension": "document",
}
#: Official labels of the relationship, lowest first (the sequence the sources
#: name: 1992, 1994, 1996, 2001, by 2013, 2019); rank = position + 1.
PARTNERSHIP_LEVELS: tuple[str, ...] = (
    "friendly countries",
    "constructive partnership",
    "strategic partnership",
    "strategic cooperative partnership",
    "comprehensive strategic partnership of coordination",
    "comprehensive strategic partnership of coordination for a new era",
)

_COLUMNS = {
    "event_id": "int",
    "date_start": "str",
    "date_end": "str",
    "date_precision": "str",
    "location": "str",
    "event_type": Col("str", nullable=False, isin=tuple(EVENT_TYPES)),
    "leaders": "str",
    "documents_or_outcome": "str",
    "relationship_label_after_event": Col("str", isin=tuple(PARTNERSHIP_LEVELS)),
    "source_url_1": Col(
        "str", nullable=False, fix="every row of a compiled table needs a source URL"
    ),
    "source_url_2": "str",
    "source_quote": "str",
    "evidence": "str",
}


@table(
    "cr_summits",
    level="event",
    keys=("event_id",),
    sources=(SOURCE,),
    schema={
        "year": Col("int", nullable=False, ge=1991, le=2030),
        "type": Col("str", nullable=False, isin=tuple(sorted(set(EVENT_TYPES.values())))),
        "event_type": Col("str", nullable=False, isin=tuple(EVENT_TYPES)),
        "partnership_label": Col("str", isin=PARTNERSHIP_LEVELS),
        "partnership_rank": Col("int", ge=1, le=len(PARTNERSHIP_LEVELS)),
        "source_url_1": Col("str", nullable=False),
    },
    description=(
        "China-Russia leader summits, state visits and key bilateral documents, 1991-2024: 22 "
        "events compiled from stored web pages, each with source URLs and a quote, and the "
        "official partnership label the sources name after the event. Leads from pages, not an "
        "exhaustive list of meetings (many Xi-Putin meetings, Hu Jintao's visits and the 2005 "
        "joint statement on the international order are missing)."
    ),
    columns={
        "year": "year of the event (from date_start)",
        "date_start": "start date as compiled (YYYY, YYYY-MM or YYYY-MM-DD)",
        "date_end": "end date as compiled",
        "date_precision": "precision of the dates, with the compiler's note",
        "type": "'state visit', 'summit' (other leaders' meeting) or 'document' (no meeting)",
        "event_type": "event type as compiled (e.g. 'state visit / treaty')",
        "location": "place",
        "leaders": "leaders or officials meeting or signing",
        "title": "documents signed or outcome, as compiled",
        "partnership_label": "official label of the relationship named after the event (missing if "
        "the sources name none)",
        "partnership_rank": (
            "rank of the label, 1 'friendly countries' ... 6 'comprehensive strategic "
            "partnership of coordination for a new era'"
        ),
        "source_url_1": "first source page (URL)",
        "source_url_2": "second source page (URL)",
        "source_quote": "quote from the source supporting the row",
        "evidence": "compiler's note on the evidence",
    },
)
def cr_summits(raw: RawFiles) -> pd.DataFrame:
    path = raw.path(SOURCE, FILE)
    df = read_csv(path, _COLUMNS)
    check_unique(df, ["event_id"], path)
    year = pd.to_numeric(df["date_start"].str.extract(r"^(\d{4})", expand=False), errors="coerce")
    if year.isna().any():
        line = year.isna().idxmax()
        raise DataError(
            path,
            f"{df.loc[line, 'date_start']!r} does not start with a year",
            row=int(line),
            column="date_start",
            fix="write dates as YYYY, YYYY-MM or YYYY-MM-DD",
        )
    rank = {label: i + 1 for i, label in enumerate(PARTNERSHIP_LEVELS)}
    return df.assign(
        year=year.astype(int),
        type=df["event_type"].map(EVENT_TYPES),
        partnership_rank=df["relationship_label_after_event"].map(rank).astype("Int64"),
    ).rename(
        columns={
            "documents_or_outcome": "title",
            "relationship_label_after_event": "partnership_label",
        }
    )
