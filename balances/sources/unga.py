"""UN General Assembly roll-call votes and ideal points (Voeten, Strezhnev & Bailey).

Two releases of the roll-call votes are read:

* the Voeten release prepared for Miller's ``fpsim`` (source
  ``unga_votes_voeten_fpsim``): 855,890 country-votes, sessions 1-78, dated
  1946-01 to 2024-06, with COW codes;
* the release packaged in the R package ``unvotes`` (source
  ``unga_votes_unvotes_pkg``): 870,109 country-votes to session 74 (2019),
  with country names and roll-call metadata (US "important vote" flag).

Which release for which year (:func:`read_votes`): the Voeten release is
primary for every year. It is one release with one roll-call id system over the
whole span, and every one of its roll calls of 1946-2019 is in ``unvotes``
with the same date and the same vote of every state once both are harmonised
as below (tested). ``unvotes`` adds 419 separate paragraph/amendment votes
(1997-2013, 2016-2017); mixing them in up to 2019 and not after would put a
seam in the vote set at 2019/2020. ``unvotes`` is used
for the US-important-vote agreement and as the check; ``primary="unvotes"``
gives the alternative vote set (unvotes to 2019, Voeten from 2020).

Harmonisation, applied to both releases:

* USSR and Russia are COW 365 throughout (both releases already do so);
* China's seat: the Republic of China (COW 713, ``TWN``) until 1971, the PRC
  (710) from its first vote on 15 November 1971
  (:func:`balances.countries.un_seat_holder`); Miller's recode of the ROC's
  1946-49 votes to 710 is undone;
* the Ukrainian and Byelorussian SSR seats (1946-1990) are dropped: COW codes
  369/370 mean the independent states from 1991 (as in Miller's extract);
* West Germany's and North Yemen's 1990 votes count as unified Germany (255) and
  Yemen (679), COW's codes for 1990.

Years are calendar years of the roll call's date, not session years; the
Voeten release's own ``year`` column labels the 87 roll calls of session 78
(September 2023 - June 2024) and 7 of 2023 as 2022, and is not used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.config import DYAD_STATES
from balances.countries import add_codes, name_to_iso3, to_ccode, to_iso3, un_seat_holder
from balances.errors import DataError, ParameterError
from balances.io import check_unique, read_csv
from balances.schema import COUNT, KAPPA, REQUIRED_INT, REQUIRED_STR, SHARE, Col
from balances.similarity import MEASURES, similarity
from balances.sources import table
from balances.sources.raw import RawFiles

SOURCE_VOETEN = "unga_votes_voeten_fpsim"
SOURCE_UNVOTES = "unga_votes_unvotes_pkg"
SOURCE_IDEAL = "unga_ideal_points_voeten"

VOETEN_VOTES = "unvotes_voeten_1946_2022__converted_from_qs2.csv.gz"
UNVOTES_VOTES = "un_votes__converted_from_un_votes.csv.gz"
UNVOTES_ROLL_CALLS = "un_roll_calls__converted_from_un_roll_calls.csv"
IDEAL_POINTS = "IdealpointsJuly2025__converted_from_dta.csv"

#: How ``unvotes`` spells the vote codes.
UNVOTES_VOTE_CODES: dict[str, int] = {"yes": 1, "abstain": 2, "no": 3}

#: Last year of ``unvotes``: its data end with session 74 in December 2019, bar
#: one roll call of 14 January 2020, too few to stand for 2020.
UNVOTES_LAST_YEAR = 2019

#: Last calendar year with all its roll calls in the Voeten release. The release
#: ends with session 78; 2024 holds only that session's six roll calls of
#: March-June 2024 (session 79, September-December 2024, is absent).
VOTES_LAST_COMPLETE_YEAR = 2023

#: Soviet republics that held their own UN seat before independence: their votes
#: (and ideal points) up to this year are dropped, so COW codes 369 and 370 mean
#: the independent states (COW members from 1991), as in Miller's fpsim extract.
SOVIET_REPUBLIC_SEATS: dict[str, int] = {"UKR": 1990, "BLR": 1990}

#: The PRC delegation first sat on 15 November 1971 (after UNGA resolution 2758
#: of 25 October). ``unvotes`` gives China votes on 3-14 November 1971 that the
#: Voeten release (as Miller prepared it) drops as possibly contaminated; they are
#: dropped from both so the releases agree.
PRC_FIRST_VOTE = pd.Timestamp("1971-11-15")

#: (resid, ccode) pairs the Voeten release records twice, with the same vote
#: under two dates (session 78): the first row is kept.
VOETEN_DUPLICATE_VOTES: frozenset[tuple[int, int]] = frozenset(
    {(78015, 679), (78022, 552), (78078, 551)}
)

_VOTE_COLUMNS = ["rcid", "session", "date", "year", "ccode", "iso3", "vote", "source"]


def _parse_dates(df: pd.DataFrame, column: str, path: object) -> pd.Series:
    """ISO dates of ``column``; the first unreadable one raises with its line."""
    dates = pd.to_datetime(df[column], format="%Y-%m-%d", errors="coerce")
    bad = dates.isna()
    if bad.any():
        line = bad.idxmax()
        raise DataError(
            path,
            f"date {df.loc[line, column]!r} is not a YYYY-MM-DD date",
            row=int(line),
            column=column,
            fix="correct the date",
        )
    return dates


def _check_codes(df: pd.DataFrame, column: str, allowed: object, path: object, fix: str) -> None:
    """Raise on the first value of ``column`` not in ``allowed``, naming line and value."""
    bad = ~df[column].isin(allowed)
    if bad.any():
        line = bad.idxmax()
        value = df.loc[line, column]
        value = value.item() if isinstance(value, np.generic) else value
        raise DataError(path, f"unknown {column} {value!r}", row=int(line), column=column, fix=fix)


def _check_ccodes(df: pd.DataFrame, path: object) -> None:
    uniq = [int(c) for c in pd.unique(df["ccode"])]
    known = [c for c, iso in zip(uniq, to_iso3(uniq, strict=False), strict=True) if iso]
    _check_codes(
        df,
        "ccode",
        known,
        path,
        "use a Correlates of War state code, or teach balances.countries the new one",
    )


def _harmonise(votes: pd.DataFrame) -> pd.DataFrame:
    """Seat-holder rule for China, Soviet republics' seats, PRC's first vote."""
    pairs = votes[["iso3", "year"]].drop_duplicates()
    holder = [un_seat_holder(i, int(y)) for i, y in zip(pairs["iso3"], pairs["year"], strict=True)]
    moved = pairs.assign(holder=holder).query("holder != iso3")
    if len(moved):
        holders = pd.unique(moved["holder"])
        holder_ccode = dict(zip(holders, to_ccode(holders), strict=True))
        key = pd.MultiIndex.from_frame(votes[["iso3", "year"]])
        new_iso3 = pd.Series(
            moved.set_index(["iso3", "year"])["holder"].reindex(key).to_numpy(), index=votes.index
        )
        swap = new_iso3.notna()
        votes = votes.assign(
            iso3=votes["iso3"].where(~swap, new_iso3),
            ccode=votes["ccode"].where(~swap, new_iso3.map(holder_ccode)),
        )
    soviet = votes["iso3"].map(SOVIET_REPUBLIC_SEATS)
    votes = votes[~(soviet.notna() & (votes["year"] <= soviet))]
    return votes[~((votes["iso3"] == "CHN") & (votes["date"] < PRC_FIRST_VOTE))]


def read_voeten_votes(raw: RawFiles) -> pd.DataFrame:
    """Roll-call votes of the Voeten release prepared for fpsim (1946 - mid-2024).

    Returns
    -------
    pandas.DataFrame
        ``rcid`` (Voeten's ``resid``), ``session`` (``resid // 1000``), ``date``
        (the roll call's date: the most common date among its rows, as a few
        rows carry a later one), ``year`` (calendar year of ``date``),
        ``ccode``, ``iso3``, ``vote`` (1 yes, 2 abstain, 3 no) and ``source``,
        harmonised as the module says. Absences are not rows.
    """
    path = raw.path(SOURCE_VOETEN, VOETEN_VOTES)
    vote = Col(
        "int",
        nullable=False,
        isin=tuple(UNVOTES_VOTE_CODES.values()),
        fix="vote codes are 1 (yes), 2 (abstain), 3 (no); absences have no row",
    )
    df = read_csv(
        path, {"resid": REQUIRED_INT, "ccode": REQUIRED_INT, "date": REQUIRED_STR, "vote": vote}
    )
    _check_ccodes(df, path)
    known = [r * 1000 + c for r, c in VOETEN_DUPLICATE_VOTES]  # COW codes are < 1000
    repeated = df.duplicated(["resid", "ccode", "vote"])
    known_dup = repeated & (df["resid"] * 1000 + df["ccode"]).isin(known)
    df = df[~known_dup]
    check_unique(df, ["resid", "ccode"], path)
    df = df.assign(date=_parse_dates(df, "date", path))
    modal = (
        df.groupby(["resid", "date"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["resid", "n", "date"], ascending=[True, False, True])
        .drop_duplicates("resid")
        .set_index("resid")["date"]
    )
    df = df.assign(date=df["resid"].map(modal))
    df = df.assign(year=df["date"].dt.year, session=df["resid"] // 1000, source="voeten")
    df = add_codes(df.rename(columns={"resid": "rcid"}), from_col="ccode", kind="ccode")
    return _finish(_harmonise(df))


def read_roll_calls(raw: RawFiles) -> pd.DataFrame:
    """Roll-call metadata of the ``unvotes`` release (1946-2019).

    Returns
    -------
    pandas.DataFrame
        ``rcid, session, date, year, important`` (1 if the US State Department
        listed the vote as important, 0 if not, missing where the release does
        not say: all roll calls before 1983 are 0, 2018-2019 and the separate
        paragraph votes are missing) and ``unres`` (resolution symbol).
    """
    path = raw.path(SOURCE_UNVOTES, UNVOTES_ROLL_CALLS)
    rc = read_csv(
        path,
        {
            "rcid": REQUIRED_INT,
            "session": REQUIRED_INT,
            "date": REQUIRED_STR,
            "importantvote": Col("int", isin=(0, 1)),
            "unres": "str",
        },
    )
    check_unique(rc, ["rcid"], path)
    rc = rc.assign(date=_parse_dates(rc, "date", path))
    rc = rc.rename(columns={"importantvote": "important"})
    rc["year"] = rc["date"].dt.year
    return rc[["rcid", "session", "date", "year", "important", "unres"]]


def read_unvotes_votes(raw: RawFiles) -> pd.DataFrame:
    """Roll-call votes of the ``unvotes`` release, 1946-2019, with COW codes.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`read_voeten_votes` plus ``important`` (see
        :func:`read_roll_calls`); ``ccode`` from the country name and the year.
    """
    path = raw.path(SOURCE_UNVOTES, UNVOTES_VOTES)
    vote = Col("str", nullable=False, isin=tuple(UNVOTES_VOTE_CODES))
    df = read_csv(path, {"rcid": REQUIRED_INT, "country": REQUIRED_STR, "vote": vote})
    names = pd.unique(df["country"])
    iso3 = dict(zip(names, name_to_iso3(names), strict=True))
    df["iso3"] = df["country"].map(iso3)
    if df["iso3"].isna().any():
        line = df["iso3"].isna().idxmax()
        raise DataError(
            path,
            f"unknown country name {df.loc[line, 'country']!r}",
            row=int(line),
            column="country",
            fix="add it to balances.countries.NAME_FIXES",
        )
    rc = read_roll_calls(raw)
    _check_codes(df, "rcid", rc["rcid"], path, f"every rcid needs a row in {UNVOTES_ROLL_CALLS}")
    df = df.rename_axis("line").reset_index()  # merges below renumber rows; errors cite the line
    df = df.merge(rc.drop(columns="unres"), on="rcid", how="left", validate="many_to_one")
    df = df[df["year"] <= UNVOTES_LAST_YEAR]
    df = add_codes(
        df.assign(vote=df["vote"].map(UNVOTES_VOTE_CODES), source="unvotes"),
        from_col="iso3",
        kind="iso3",
    )
    df = _harmonise(df)
    check_unique(df.set_index("line"), ["rcid", "ccode"], path)
    return _finish(df, extra=["important"])


def _finish(df: pd.DataFrame, extra: list[str] | None = None) -> pd.DataFrame:
    cols = _VOTE_COLUMNS + (extra or [])
    out = df[cols].astype(
        {"rcid": "int64", "session": "int64", "year": "int64", "ccode": "int64", "vote": "int64"}
    )
    return out.sort_values(["year", "rcid", "ccode"], kind="mergesort").reset_index(drop=True)


#: The releases :func:`read_votes` can take as primary.
PRIMARY_RELEASES = ("voeten", "unvotes")


def read_votes(raw: RawFiles, primary: str = "voeten") -> pd.DataFrame:
    """UNGA roll-call votes 1946-2024, one release per year.

    Parameters
    ----------
    raw
        The raw files.
    primary
        ``"voeten"`` (default): the Voeten release for every year (it covers
        them all, see the module docstring for why it is primary).
        ``"unvotes"``: the ``unvotes`` release for 1946-2019 (with its separate
        paragraph/amendment votes) and the Voeten release from 2020. A year is
        never assembled from two releases: their roll-call ids differ.

    Returns
    -------
    pandas.DataFrame
        ``rcid, session, date, year, ccode, iso3, vote, source`` (``source``
        names the release of the row); one row per roll call and voting state.
        2024 is incomplete (see :data:`VOTES_LAST_COMPLETE_YEAR`).
    """
    if primary not in PRIMARY_RELEASES:
        raise ParameterError("primary", primary, f"one of {list(PRIMARY_RELEASES)}")
    voeten = read_voeten_votes(raw)
    if primary == "voeten":
        return voeten
    early = read_unvotes_votes(raw)[_VOTE_COLUMNS]
    out = pd.concat([early, voeten[voeten["year"] > UNVOTES_LAST_YEAR]], ignore_index=True)
    return _finish(out)


_SIM_DESCRIPTIONS = {
    "agreement": "share of those roll calls on which both cast the same vote (yes, abstain and no "
    "distinct), 0-1",
    "kappa": "Cohen's kappa: agreement corrected for chance with each state's own vote shares "
    "(Häge 2011, nominal), -1 to 1; NaN if both cast one kind of vote only",
    "pi": "Scott's pi: agreement corrected for chance with the pair's pooled vote shares "
    "(Häge 2011, nominal), -1 to 1; NaN if both cast one kind of vote only",
    "s_abs": "Signorino-Ritter S, absolute distance on yes=1 < abstain=2 < no=3, range 2: "
    "1 - mean|x-y|, -1 to 1 (Voeten's agreement score = (1 + s_abs)/2)",
    "s_sq": "Signorino-Ritter S, squared distance on the same scale: 1 - mean((x-y)^2)/2, -1 to 1",
}


@table(
    "unga_similarity",
    level="dyad_year",
    sources=(SOURCE_VOETEN, SOURCE_UNVOTES),
    description=(
        "Similarity of UN General Assembly votes, directed dyad-years among config.DYAD_STATES, "
        "1946-2023 (calendar years), from the Voeten release prepared for fpsim; measures from "
        "balances.similarity over the roll calls of the year on which both states voted "
        "(absences ignored). A dyad-year with no such roll call has no row: China (PRC) from "
        "1971 (the Republic of China held the seat before), Germany as 260 to 1989 and 255 from "
        "1990, the Koreas from 1991, Ukraine from 1991 (Soviet-era seat dropped), 1964 absent "
        "(no recorded votes). Caveats: the release has no roll call dated January-October 2022 "
        "and none matching the emergency special session resolutions on Ukraine (ES-11/1-6, "
        "2022-23), so 2022-23 miss those votes; 2024 is left out (only 6 roll calls). "
        "Agreement is agenda-sensitive: prefer unga_idealpoint_distance for trends."
    ),
    columns={
        "n_votes": "number of roll calls in the year on which both states voted (count)",
        **_SIM_DESCRIPTIONS,
        "n_important": "number of US State Department 'important votes' of the year on which "
        "both voted (unvotes release, 1983-2017; missing outside those years)",
        "agreement_important": "agreement (as `agreement`) on those important votes only, 0-1; "
        "missing outside 1983-2017 or without a shared important vote",
    },
    schema={
        "n_votes": Col("int", nullable=False, ge=1),
        "agreement": SHARE,
        "kappa": KAPPA,
        "pi": KAPPA,
        "s_abs": KAPPA,
        "s_sq": KAPPA,
        "agreement_important": SHARE,
    },
)
def unga_similarity(raw: RawFiles) -> pd.DataFrame:
    votes = read_votes(raw)
    votes = votes[votes["year"] <= VOTES_LAST_COMPLETE_YEAR]
    sim = similarity(votes, measures=tuple(MEASURES), states=DYAD_STATES)
    unv = read_unvotes_votes(raw)
    important = similarity(unv[unv["important"] == 1], measures=("agreement",), states=DYAD_STATES)
    important = important.rename(
        columns={"agreement": "agreement_important", "n_votes": "n_important"}
    )
    keys = ["year", "iso3_1", "iso3_2", "ccode1", "ccode2"]
    out = sim.merge(important, on=keys, how="left", validate="one_to_one")
    out["n_important"] = out["n_important"].astype("Int64")
    return out


_IDEAL_COLUMNS = {
    "idealpointfp": "ideal_fp",
    "q5fp": "ideal_fp_q05",
    "q95fp": "ideal_fp_q95",
    "nvotesfp": "nvotes_fp",
    "idealpointall": "ideal_all",
    "q5all": "ideal_all_q05",
    "q95all": "ideal_all_q95",
    "nvotesall": "nvotes_all",
    "idealpointlegacy": "ideal_legacy",
    "nvotesLegacy": "nvotes_legacy",
}


def read_ideal_points(raw: RawFiles) -> pd.DataFrame:
    """Voeten's UNGA ideal points, July 2025 release, as published (renamed columns).

    The Soviet republics' seats before 1991 are dropped (:data:`SOVIET_REPUBLIC_SEATS`);
    ``iso3`` comes from ``ccode`` (the file's own ``iso3c`` labels COW 680 as
    ``YAR`` and is blank on 17 legacy-only rows).
    """
    path = raw.path(SOURCE_IDEAL, IDEAL_POINTS)
    kinds = {
        "ccode": REQUIRED_INT,
        "year": REQUIRED_INT,
        **{c: "int" if c.lower().startswith("nvotes") else "float" for c in _IDEAL_COLUMNS},
    }
    df = read_csv(path, kinds)
    _check_ccodes(df, path)
    check_unique(df, ["ccode", "year"], path)
    df = add_codes(df.rename(columns=_IDEAL_COLUMNS), from_col="ccode", kind="ccode")
    soviet = df["iso3"].map(SOVIET_REPUBLIC_SEATS)
    return df[~(soviet.notna() & (df["year"] <= soviet))].reset_index(drop=True)


@table(
    "unga_ideal_points",
    level="state_year",
    sources=(SOURCE_IDEAL,),
    description=(
        "UNGA ideal points (Bailey, Strezhnev & Voeten 2017 method), Voeten's July 2025 release, "
        "all states 1946-2024 by calendar year: one latent dimension of state preferences on a "
        "common scale across years (higher = closer to the US-led liberal order). Estimates "
        "as published, with the 5% and 95% posterior quantiles (no standard error is "
        "published). Final-passage estimates to 2024, all-vote estimates to 2023, legacy "
        "session-based estimates (year = session + 1945) to 2023; 17 rows hold only a legacy "
        "estimate. China is the Republic of China (713, TWN) to 1971 and the PRC (710) from "
        "1971; Germany 1990 has rows for 260 (legacy only) and 255; the Ukrainian and "
        "Byelorussian SSR seats before 1991 are dropped."
    ),
    columns={
        "ideal_fp": "ideal point from final-passage votes (posterior mean; scale units = 1 SD "
        "of all state-years)",
        "ideal_fp_q05": "5% posterior quantile of ideal_fp",
        "ideal_fp_q95": "95% posterior quantile of ideal_fp",
        "nvotes_fp": "number of final-passage votes the estimate rests on (count)",
        "ideal_all": "ideal point from all votes incl. paragraph and amendment votes (to 2023)",
        "ideal_all_q05": "5% posterior quantile of ideal_all",
        "ideal_all_q95": "95% posterior quantile of ideal_all",
        "nvotes_all": "number of votes ideal_all rests on (count)",
        "ideal_legacy": "session-based ideal point of earlier releases, year = session + 1945 "
        "(to 2023)",
        "nvotes_legacy": "number of votes ideal_legacy rests on (count)",
    },
    schema={"nvotes_fp": COUNT, "nvotes_all": COUNT, "nvotes_legacy": COUNT},
)
def unga_ideal_points(raw: RawFiles) -> pd.DataFrame:
    return read_ideal_points(raw)


@table(
    "unga_idealpoint_distance",
    level="dyad_year",
    sources=(SOURCE_IDEAL,),
    description=(
        "Absolute distance between two states' UNGA ideal points (Voeten, July 2025 release), "
        "directed dyad-years among config.DYAD_STATES, 1946-2024; a row wherever both states "
        "have a final-passage or all-vote estimate in the year. Smaller = closer preferences; "
        "unlike vote agreement it is comparable across years (Bailey, Strezhnev & Voeten 2017)."
    ),
    columns={
        "distance_fp": "|ideal_fp(1) - ideal_fp(2)|, final-passage ideal points (to 2024), "
        "ideal-point units",
        "distance_all": "|ideal_all(1) - ideal_all(2)|, all-vote ideal points (to 2023), "
        "ideal-point units",
    },
    schema={"distance_fp": COUNT, "distance_all": COUNT},
)
def unga_idealpoint_distance(raw: RawFiles) -> pd.DataFrame:
    ip = read_ideal_points(raw)
    ip = ip.loc[ip["iso3"].isin(DYAD_STATES), ["ccode", "iso3", "year", "ideal_fp", "ideal_all"]]
    pairs = ip.merge(ip, on="year", suffixes=("1", "2"))
    pairs = pairs[pairs["ccode1"] != pairs["ccode2"]]
    out = pairs.rename(columns={"iso31": "iso3_1", "iso32": "iso3_2"}).assign(
        distance_fp=(pairs["ideal_fp1"] - pairs["ideal_fp2"]).abs(),
        distance_all=(pairs["ideal_all1"] - pairs["ideal_all2"]).abs(),
    )
    out = out[out[["distance_fp", "distance_all"]].notna().any(axis=1)]
    cols = ["ccode1", "ccode2", "iso3_1", "iso3_2", "year", "distance_fp", "distance_all"]
    return out[cols].astype({"ccode1": np.int64, "ccode2": np.int64})
