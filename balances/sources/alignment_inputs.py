"""Behaviour that aligned states show, for every pair of UN members and year: the outcome's inputs.

This module builds one undirected dyad-year table (``ccode1 < ccode2``) over a
declared population: **every pair of states that both have a UNGA ideal point
in the year** (Voeten's July 2025 release, so UN members that voted; 1946-2024).
Each column is one observed *behaviour*; :mod:`balances.alignment` treats them
as noisy views of one latent alignment per dyad-year. A cell is missing where
its source does not cover the year or the pair (never a made-up zero): the
model then treats it as unobserved.

Inputs and their population coverage (all sources are in the catalogue):

``unga_kappa``
    Cohen's kappa of the two states' votes over the roll calls of the calendar
    year (yes/abstain/no nominal; :mod:`balances.similarity`), 1946-2024, from the
    Voeten release **plus** the UN Digital Library extracts it lacks: the six
    emergency special session votes on Ukraine (ES-11/1-6, 2022-23) and 90
    votes of 2022 and Sep-Dec 2024. Chance-corrected, so a state that votes
    against everyone is nobody's particular rival.
``unga_ideal_close``
    Minus the absolute distance between the two states' UNGA ideal points
    (Bailey, Strezhnev & Voeten; final-passage votes, the one estimate
    that reaches 2024), 1946-2024.
``igo_jaccard``
    Shared full IGO memberships over the IGOs either belongs to (Jaccard:
    shared / (n1 + n2 - shared)), COW IGO v3, 1946-2014. A share, so states
    that join many IGOs do not look close to everyone.
``trade_share``
    log10 of the mean of the two states' shares of their total trade that the
    pair's trade makes up (COW Trade v4.0, current US$), 1946-2014; +1e-4 so
    that zero trade is finite. Dependence, not volume.
``arms_transfer``
    1 if SIPRI registers a delivery of major arms between the two in either
    direction that year, else 0: the TIV tables (March 2022 release) to 2021,
    then the delivery years the trade register (March 2025 release) lists for
    each deal, 2022-2024 (flagged in ``arms_from_register``). The register
    reproduces the tables' presence with Cohen's kappa 0.985, 0.975 and 0.95
    in 1992-2004, 2005-14 and 2015-21 over all pairs (a test pins it), so
    the splice is not a change of measure. Presence, not volume: large
    suppliers' volumes would make them close to every client.
``us_troops_hosted``
    For pairs with the United States only: 1 if the other state hosts 1,000 or
    more US military personnel that year (DMDC via the troopdata rebuild,
    1950-2024; the garrison threshold of the threat lens, above embassy
    detachments and attachés), else 0; missing in 2008 (the rebuild file
    doubles every host that year) and for every pair without the US, whose
    basing no source here records. Hosting a power's forces is alignment
    behaviour; it is observed for all of the US's pairs, allies or not.
``exercise``
    1 if the two took part in a joint or multinational military exercise that
    year, else 0: MME v7 (1980-2010) and JME v3 (1974-2010), every pair.
``exercise_partial``
    The same after 2010, only where a source keeps listing a pair's
    exercises: the Russian MoD list (Russia's pairs, 2011-2018) and the
    sourced China-Russia table (2011-2024); missing elsewhere. Kept apart
    because it covers only the pairs someone chose to document.
``mid``
    1 if the two are in a militarized interstate dispute that year (COW-MID
    v5.0, whittled dyad-years), else 0; 1946-2014.
``armed_conflict``
    1 if the two are on opposite sides of an interstate armed conflict with
    25+ battle deaths that year (UCDP/PRIO ACD v25.1), else 0; 1946-2024.
    Kept apart from ``mid`` so that the end of the MIDs in 2014 is a source
    stopping (unobserved), not a fall in hostility.
``icb_crisis``
    1 if the two are on opposite sides of an international crisis that year
    (International Crisis Behavior dyadic data v15), else 0; 1946-2020.
``contiguity``
    Not behaviour but opportunity: the closest COW direct-contiguity type of
    the pair that year (1 land/river, 2-5 water of at most 12/24/150/400
    miles), missing if not contiguous; 2017-2024 carried from 2016.

Formal alliance data (ATOP, COW alliances, hand-coded treaties) are never read
here: they are what the outcome is validated against (a test checks the
declared sources).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from balances.countries import gw_to_cow, to_ccode, to_iso3
from balances.io import read_csv
from balances.schema import FLAG, KAPPA, SHARE, Col
from balances.similarity import similarity
from balances.sources import table
from balances.sources._spine import spell_years
from balances.sources.contiguity import HOST_THRESHOLD, SUSPECT_TROOP_YEARS, read_contiguity
from balances.sources.cow_igo import DYAD_FILE as IGO_DYAD_FILE
from balances.sources.cow_igo import SOURCE as IGO_SOURCE
from balances.sources.cow_igo import STATE_FILE as IGO_STATE_FILE
from balances.sources.cow_trade import SOURCE as TRADE_SOURCE
from balances.sources.exercises import CR_SOURCED as CR_SOURCED_SOURCE
from balances.sources.exercises import (
    JME,
    MME,
    RUS_MOD,
    read_cr_sourced,
    read_jme,
    read_mme,
    read_rus_mod,
)
from balances.sources.raw import RawFiles
from balances.sources.sipri_arms import SOURCE as SIPRI_SOURCE
from balances.sources.sipri_arms import (
    _tiv_codes,
    delivery_years,
    read_trademaps,
    register_states,
)
from balances.sources.troops import TROOPS as TROOPS_SOURCE
from balances.sources.troops import us_troops
from balances.sources.unga import SOURCE_IDEAL, SOURCE_VOETEN, read_ideal_points, read_voeten_votes

SOURCE_ES11 = "unga_es11_undl"
SOURCE_UNDL = "unga_votes_2022_2024_undl"
SOURCE_UCDP = "ucdp_acd"
SOURCE_MID = "cow_mid_v5"
SOURCE_ICB = "icb_dyadic_v15"
ICB_FILE = "icb_v15_peacescale_v3_dcid2_cybercrises/icbdy_v15.csv"
ES11_FILE = "unga_es11_undl_extract/unga_es11_1to6_undl_long.csv"
UNDL_FILE = "unga_votes_2022_2024_undl_extract/rows_long.csv"
UCDP_FILE = "ucdp_acd_peacesciencer/ucdp_acd__converted_from_rda.csv"
MID_FILE = "rivalry_threat/cow_mid_v5_dyad_year_nodup.csv"
TRADE_DYAD_FILE = (
    "cow_trade_v4_0_ndy_peacesciencer/cow_trade_ndy__converted_from_cow_trade_ndy.csv.gz"
)
TRADE_STATE_FILE = "cow_trade_v4_0_ndy_peacesciencer/cow_trade_sy__converted_from_cow_trade_sy.csv"

#: First and last year of the population (the ideal points' span).
FIRST_YEAR, LAST_YEAR = 1946, 2024
#: COW code of the United States: the one state whose basing abroad is recorded here.
US_CCODE = 2
#: Last year of the SIPRI TIV tables; later arms deliveries come from the register.
TIV_END = 2021
#: Last year of each input's coverage for every pair (after it: missing).
COVERAGE: dict[str, tuple[int, int]] = {
    "unga_kappa": (1946, 2024),
    "unga_ideal_close": (1946, 2024),
    "igo_jaccard": (1946, 2014),
    "trade_share": (1946, 2014),
    "arms_transfer": (1950, 2024),
    "us_troops_hosted": (1950, 2024),
    "exercise": (1974, 2010),
    "exercise_partial": (2011, 2024),
    "mid": (1946, 2014),
    "armed_conflict": (1946, 2024),
    "icb_crisis": (1946, 2020),
}
#: The inputs, in the order of the table.
INPUTS: tuple[str, ...] = tuple(COVERAGE)
SOURCE_CONTIGUITY = "cow_contiguity"
#: UN Digital Library vote words -> the package's codes (blank/absent: no vote).
UNDL_VOTES: dict[str, int] = {"YES": 1, "ABSTAIN": 2, "NO": 3}
#: Pseudo roll-call ids for the UNDL rows (Voeten's ids stay below this).
_UNDL_RCID_BASE = 10_000_000
#: Trade shares are floored at this before log10 (zero trade is finite).
TRADE_FLOOR = 1e-4


def population(raw: RawFiles) -> pd.DataFrame:
    """Every pair of states with a UNGA ideal point in the same year: ``ccode1 < ccode2, year``."""
    ip = read_ideal_points(raw)
    ip = ip[ip["year"].between(FIRST_YEAR, LAST_YEAR) & ip["ideal_fp"].notna()]
    frames = []
    for year, g in ip.groupby("year"):
        codes = np.sort(g["ccode"].to_numpy(dtype=np.int64))
        i, j = np.triu_indices(len(codes), k=1)
        frames.append(
            pd.DataFrame(
                {
                    "ccode1": codes[i],
                    "ccode2": codes[j],
                    "year": int(year),
                    "ideal_1": g.set_index("ccode").loc[codes[i], "ideal_fp"].to_numpy(),
                    "ideal_2": g.set_index("ccode").loc[codes[j], "ideal_fp"].to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["unga_ideal_close"] = -(out["ideal_1"] - out["ideal_2"]).abs()
    return out.drop(columns=["ideal_1", "ideal_2"])


def read_undl_votes(raw: RawFiles, source: str, name: str) -> pd.DataFrame:
    """A UN Digital Library long extract as votes (``rcid, year, ccode, vote``); blanks dropped."""
    path = raw.path(source, name)
    vote = Col("str", nullable=False, isin=(*UNDL_VOTES, "absent_or_nonvoting"))
    df = read_csv(
        path,
        {"resolution": "str", "date": "str", "undl_record": "int", "iso3": "str", "vote": vote},
    )
    df = df[df["vote"].isin(list(UNDL_VOTES))].copy()
    df["year"] = pd.to_datetime(df["date"]).dt.year
    df["ccode"] = to_ccode(df["iso3"], df["year"])
    return pd.DataFrame(
        {
            "rcid": _UNDL_RCID_BASE + df["undl_record"].astype("int64"),
            "year": df["year"].astype("int64"),
            "ccode": df["ccode"].astype("int64"),
            "iso3": df["iso3"],
            "vote": df["vote"].map(UNDL_VOTES).astype("int64"),
        }
    )


def read_all_votes(raw: RawFiles) -> pd.DataFrame:
    """Voeten's release plus the UNDL extracts it lacks (ES-11/1-6; 2022 and Sep-Dec 2024)."""
    voeten = read_voeten_votes(raw)[["rcid", "year", "ccode", "iso3", "vote"]]
    extra = [
        read_undl_votes(raw, SOURCE_ES11, ES11_FILE),
        read_undl_votes(raw, SOURCE_UNDL, UNDL_FILE),
    ]
    return pd.concat([voeten, *extra], ignore_index=True)


def unga_kappa(raw: RawFiles) -> pd.DataFrame:
    """Cohen's kappa of every pair's votes per calendar year: ``ccode1, ccode2, year, unga_kappa``."""
    sim = similarity(read_all_votes(raw), measures=("kappa",), directed=False)
    sim = sim[sim["year"].between(FIRST_YEAR, LAST_YEAR)]
    return sim[["ccode1", "ccode2", "year", "kappa"]].rename(columns={"kappa": "unga_kappa"})


def igo_jaccard(raw: RawFiles) -> pd.DataFrame:
    """Shared full IGO memberships over the union of the two states' full memberships."""
    dy = read_csv(
        raw.path(IGO_SOURCE, IGO_DYAD_FILE),
        {"ccode1": "int", "ccode2": "int", "year": "int", "dyadigos": "int"},
    )
    st = read_csv(
        raw.path(IGO_SOURCE, IGO_STATE_FILE), {"ccode": "int", "year": "int", "sum_igo_full": "int"}
    )
    n = st.set_index(["ccode", "year"])["sum_igo_full"]
    dy = dy[dy["year"] >= FIRST_YEAR].astype("int64")
    n1 = n.reindex(pd.MultiIndex.from_frame(dy[["ccode1", "year"]])).to_numpy(dtype=float)
    n2 = n.reindex(pd.MultiIndex.from_frame(dy[["ccode2", "year"]])).to_numpy(dtype=float)
    shared = dy["dyadigos"].to_numpy(dtype=float)
    union = n1 + n2 - shared
    # a few COW rows count more shared IGOs than a member's own total: capped at 1
    dy["igo_jaccard"] = np.clip(
        np.where(union > 0, shared / np.where(union > 0, union, 1), 0.0), 0, 1
    )
    return _undirected(dy[["ccode1", "ccode2", "year", "igo_jaccard"]], "max")


def trade_share(raw: RawFiles) -> pd.DataFrame:
    """log10 of the mean share of the pair's trade in each state's total trade (COW Trade v4.0)."""
    dy = read_csv(
        raw.path(TRADE_SOURCE, TRADE_DYAD_FILE),
        {"ccode1": "int", "ccode2": "int", "year": "int", "flow1": "float", "flow2": "float"},
    )
    st = read_csv(
        raw.path(TRADE_SOURCE, TRADE_STATE_FILE),
        {"ccode": "int", "year": "int", "imports": "float", "exports": "float"},
    )
    dy = dy[dy["year"] >= FIRST_YEAR]
    total = (st["imports"] + st["exports"]).set_axis(
        pd.MultiIndex.from_arrays([st["ccode"].astype("int64"), st["year"].astype("int64")])
    )
    dyad = (dy["flow1"] + dy["flow2"]).to_numpy(dtype=float)
    key1 = pd.MultiIndex.from_arrays([dy["ccode1"].astype("int64"), dy["year"].astype("int64")])
    key2 = pd.MultiIndex.from_arrays([dy["ccode2"].astype("int64"), dy["year"].astype("int64")])
    t1 = total.reindex(key1).to_numpy(dtype=float)
    t2 = total.reindex(key2).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 0.5 * (np.where(t1 > 0, dyad / t1, np.nan) + np.where(t2 > 0, dyad / t2, np.nan))
    out = dy[["ccode1", "ccode2", "year"]].astype("int64")
    out["trade_share"] = np.log10(np.clip(share, 0, 1) + TRADE_FLOOR)
    return out.dropna()


def arms_transfer(raw: RawFiles) -> pd.DataFrame:
    """Pairs with a registered delivery of major arms in either direction (SIPRI TIV tables)."""
    tiv = _tiv_codes(raw, read_trademaps(raw))
    tiv = tiv[tiv["iso3_2"].notna() & tiv["iso3_1"].notna()]
    tiv = tiv[tiv["year"].between(FIRST_YEAR, TIV_END)]
    return _arms_pairs(tiv["iso3_1"], tiv["iso3_2"], tiv["year"], "arms_transfer")


def arms_register(raw: RawFiles) -> pd.DataFrame:
    """Pairs with a delivery of major arms in either direction in a year the trade register lists."""
    reg = register_states(raw)
    d = delivery_years(reg[reg["iso3_1"].notna() & reg["iso3_2"].notna()])
    d = d[d["year"].between(FIRST_YEAR, LAST_YEAR)]
    return _arms_pairs(d["iso3_1"], d["iso3_2"], d["year"], "arms_register")


def _arms_pairs(iso1: pd.Series, iso2: pd.Series, years: pd.Series, name: str) -> pd.DataFrame:
    c1 = to_ccode(iso1, years, strict=False)
    c2 = to_ccode(iso2, years, strict=False)
    df = pd.DataFrame({"ccode1": c1, "ccode2": c2, "year": years.to_numpy()}).dropna()
    df = df.astype("int64").assign(**{name: 1.0})
    return _undirected(df[df["ccode1"] != df["ccode2"]], "max")


def arms(raw: RawFiles, pop: pd.DataFrame) -> pd.DataFrame:
    """``arms_transfer`` on the population: TIV tables to 2021, register years after; the flag."""
    keys = ["ccode1", "ccode2", "year"]
    out = pop[keys].merge(arms_transfer(raw), on=keys, how="left")
    out = out.merge(arms_register(raw), on=keys, how="left")
    later = out["year"] > TIV_END
    value = out["arms_transfer"].where(~later, out["arms_register"]).fillna(0.0)
    lo, hi = COVERAGE["arms_transfer"]
    inside = out["year"].between(lo, hi)
    out["arms_transfer"] = value.where(inside)
    out["arms_from_register"] = later.astype(float).where(inside)
    return out[[*keys, "arms_transfer", "arms_from_register"]]


def us_troops_hosted(raw: RawFiles, pop: pd.DataFrame) -> pd.DataFrame:
    """``us_troops_hosted`` on the population: US pairs only, garrisons of 1,000+ personnel."""
    keys = ["ccode1", "ccode2", "year"]
    troops = us_troops(raw)
    troops = troops[troops["ccode"] != US_CCODE][["ccode", "year", "troops"]]
    us = pop[keys][(pop["ccode1"] == US_CCODE) | (pop["ccode2"] == US_CCODE)]
    other = us["ccode1"].where(us["ccode1"] != US_CCODE, us["ccode2"])
    out = us.assign(ccode=other).merge(troops, on=["ccode", "year"], how="left")
    hosted = (out["troops"].fillna(0) >= HOST_THRESHOLD).astype(float)
    lo, hi = COVERAGE["us_troops_hosted"]
    inside = out["year"].between(lo, hi) & ~out["year"].isin(SUSPECT_TROOP_YEARS)
    return out[keys].assign(us_troops_hosted=hosted.where(inside))


def _exercise_pairs(part: pd.DataFrame) -> pd.DataFrame:
    """Pairs of participants of each exercise: ``ccode1 < ccode2, year``."""
    part = part.dropna(subset=["iso3"]).copy()
    part["ccode"] = to_ccode(part["iso3"], part["year"], strict=False)
    part = part.dropna(subset=["ccode"]).astype({"ccode": "int64", "year": "int64"})
    pairs = part.merge(part, on=["exercise", "year"], suffixes=("1", "2"))
    pairs = pairs[pairs["ccode1"] < pairs["ccode2"]]
    return pairs[["ccode1", "ccode2", "year"]].drop_duplicates()


def exercise(raw: RawFiles, pop: pd.DataFrame) -> pd.DataFrame:
    """``exercise`` and ``exercise_partial`` where a source covers the pair (module docstring)."""
    mme = read_mme(raw).assign(exercise=lambda d: "mme:" + d["exercise"].astype(str))
    jme = read_jme(raw).assign(exercise=lambda d: "jme:" + d["exercise"].astype(str))
    rus = read_rus_mod(raw).assign(exercise=lambda d: "rus:" + d["exercise"].astype(str))
    cr = read_cr_sourced(raw)  # exercises and joint patrols, bilateral or with others
    cr_years = sorted(set(cr["year"].astype(int)))
    seen = _exercise_pairs(pd.concat([mme, jme, rus], ignore_index=True))
    seen = pd.concat(
        [seen, pd.DataFrame({"ccode1": 365, "ccode2": 710, "year": cr_years})], ignore_index=True
    ).drop_duplicates()
    keys = ["ccode1", "ccode2", "year"]
    out = pop[keys].merge(seen.assign(x=1.0), on=keys, how="left").fillna({"x": 0.0})
    lo, hi = COVERAGE["exercise"]
    global_cover = out["year"].between(lo, hi)
    russia = (out["ccode1"] == 365) | (out["ccode2"] == 365)
    partial = russia & out["year"].between(2011, 2018)
    partial |= (out["ccode1"] == 365) & (out["ccode2"] == 710) & out["year"].between(2011, 2024)
    out["exercise"] = out["x"].where(global_cover)
    out["exercise_partial"] = out["x"].where(partial)
    return out.drop(columns="x")


def contiguity(raw: RawFiles) -> pd.DataFrame:
    """Closest contiguity type of each contiguous pair-year (``ccode1 < ccode2``), 1946-2024.

    COW's spells of type 0 (the pair is *not* contiguous in that period, e.g. the US and
    Russia before Alaska's statehood) are not contiguity.
    """
    df = read_contiguity(raw)
    df = df[(df["ccode1"] < df["ccode2"]) & (df["conttype"] >= 1)]
    first = df["start"].clip(lower=FIRST_YEAR)
    out = spell_years(df, first, df["end"], ["ccode1", "ccode2", "conttype"])
    out = out.rename(columns={"conttype": "contiguity"}).astype({"contiguity": "float64"})
    return out.groupby(["ccode1", "ccode2", "year"], as_index=False)["contiguity"].min()


def _gw_list(values: pd.Series, years: pd.Series) -> list[list[int]]:
    out = []
    for v, year in zip(values, years.astype(int), strict=True):
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
            out.append([])
            continue
        codes = [int(float(x)) for x in str(v).replace(";", ",").split(",") if x.strip()]
        out.append([gw_to_cow(c, year) for c in codes])
    return out


def ucdp_interstate(raw: RawFiles) -> pd.DataFrame:
    """Pairs on opposite sides of an interstate armed conflict (UCDP/PRIO ACD), any year."""
    path = raw.path(SOURCE_UCDP, UCDP_FILE)
    df = read_csv(
        path,
        {
            "conflict_id": "float",
            "year": "float",
            "gwno_a": "str",
            "gwno_a_2nd": "str",
            "gwno_b": "str",
            "gwno_b_2nd": "str",
            "type_of_conflict": "str",
        },
    )
    df = df[df["type_of_conflict"] == "interstate"]
    yr = df["year"]
    a = [
        x + y
        for x, y in zip(_gw_list(df["gwno_a"], yr), _gw_list(df["gwno_a_2nd"], yr), strict=True)
    ]
    b = [
        x + y
        for x, y in zip(_gw_list(df["gwno_b"], yr), _gw_list(df["gwno_b_2nd"], yr), strict=True)
    ]
    rows = [
        (min(i, j), max(i, j), int(year))
        for sa, sb, year in zip(a, b, df["year"], strict=True)
        for i, j in itertools.product(sa, sb)
        if i != j
    ]
    return pd.DataFrame(rows, columns=["ccode1", "ccode2", "year"]).drop_duplicates()


def mid_pairs(raw: RawFiles) -> pd.DataFrame:
    """Pairs in a militarized interstate dispute (COW-MID v5.0 dyad-years, whittled)."""
    df = read_csv(
        raw.path(SOURCE_MID, MID_FILE), {"ccode1": "int", "ccode2": "int", "year": "int"}
    ).astype("int64")
    return _undirected(df.assign(x=1.0), "max")[["ccode1", "ccode2", "year"]]


def icb_pairs(raw: RawFiles) -> pd.DataFrame:
    """Pairs on opposite sides of an international crisis (ICB dyadic v15), any year."""
    df = read_csv(
        raw.path(SOURCE_ICB, ICB_FILE), {"statea": "int", "stateb": "int", "year": "int"}
    ).astype("int64")
    df = df.rename(columns={"statea": "ccode1", "stateb": "ccode2"})
    return _undirected(df[["ccode1", "ccode2", "year"]].assign(x=1.0), "max")[
        ["ccode1", "ccode2", "year"]
    ]


def hostility(raw: RawFiles, pop: pd.DataFrame) -> pd.DataFrame:
    """``mid``, ``armed_conflict`` and ``icb_crisis`` on the population, each inside its coverage."""
    keys = ["ccode1", "ccode2", "year"]
    out = pop[keys].copy()
    for name, pairs in (
        ("mid", mid_pairs(raw)),
        ("armed_conflict", ucdp_interstate(raw)),
        ("icb_crisis", icb_pairs(raw)),
    ):
        out = out.merge(pairs.assign(**{name: 1.0}), on=keys, how="left")
        lo, hi = COVERAGE[name]
        out[name] = out[name].fillna(0.0).where(out["year"].between(lo, hi))
    return out


def _undirected(df: pd.DataFrame, how: str) -> pd.DataFrame:
    lo = np.minimum(df["ccode1"], df["ccode2"])
    hi = np.maximum(df["ccode1"], df["ccode2"])
    df = df.assign(ccode1=lo, ccode2=hi)
    return df.groupby(["ccode1", "ccode2", "year"], as_index=False).agg(how)


_DESCRIPTIONS = {
    "unga_kappa": "Cohen's kappa of the pair's UNGA votes over the roll calls of the calendar "
    "year (Voeten release + UN DL extracts: ES-11/1-6 and 90 votes of 2022 and Sep-Dec 2024), "
    "-1 to 1; missing if they shared no roll call or kappa is undefined",
    "unga_ideal_close": "minus the absolute distance between the two UNGA ideal points (Voeten, final "
    "passage votes), <= 0; 0 = the same position",
    "igo_jaccard": "shared full IGO memberships / IGOs either is a full member of (COW IGO v3), "
    "0-1; missing after 2014",
    "trade_share": "log10(mean of the pair's trade as a share of each one's total trade + 1e-4) "
    "(COW Trade v4.0, current US$); missing after 2014 or where COW has no flow",
    "arms_transfer": "1 if SIPRI registers a delivery of major arms between the two, either "
    "direction, else 0: TIV tables to 2021, the trade register's delivery years 2022-2024; "
    "missing before 1950",
    "arms_from_register": "1 where arms_transfer comes from the trade register's delivery years "
    "(2022-2024, approximate: a deal's listed years), 0 where from the TIV tables",
    "us_troops_hosted": "pairs with the US only: 1 if the other hosts 1,000+ US military "
    "personnel (DMDC, troopdata rebuild), else 0; missing in 2008 (doubled in the file) and for "
    "pairs without the US",
    "exercise": "1 if the two took part in a joint/multinational exercise, else 0: every pair "
    "1974-2010 (MME v7, JME v3); missing outside those years",
    "exercise_partial": "the same after 2010 where a source lists a pair's exercises: Russia's "
    "pairs 2011-2018 (Russian MoD list), China-Russia 2011-2024 (sourced table); missing "
    "elsewhere (not a default outcome input: partial coverage)",
    "mid": "1 if the two are in a militarized interstate dispute that year (COW-MID v5.0), else "
    "0; missing after 2014",
    "armed_conflict": "1 if on opposite sides of an interstate armed conflict with 25+ battle "
    "deaths (UCDP/PRIO ACD v25.1), else 0",
    "icb_crisis": "1 if on opposite sides of an international crisis that year (ICB dyadic v15), "
    "else 0; missing after 2020",
    "contiguity": "opportunity, not behaviour: closest COW direct-contiguity type (1 land/river; "
    "2-5 water of at most 12/24/150/400 miles), missing if not contiguous; 2017-2024 = 2016",
}


@table(
    "alignment_inputs",
    level="dyad_year",
    fmt="parquet",
    sources=(
        SOURCE_IDEAL,
        SOURCE_VOETEN,
        SOURCE_ES11,
        SOURCE_UNDL,
        IGO_SOURCE,
        TRADE_SOURCE,
        SIPRI_SOURCE,
        TROOPS_SOURCE,
        MME,
        JME,
        RUS_MOD,
        CR_SOURCED_SOURCE,
        SOURCE_MID,
        SOURCE_UCDP,
        SOURCE_ICB,
        SOURCE_CONTIGUITY,
    ),
    description=(
        "Observed alignment behaviour for every pair of UN members (both with a UNGA ideal point "
        "that year), undirected (ccode1 < ccode2), 1946-2024: the inputs of the latent alignment "
        "outcome (balances.alignment). Missing = the source does not cover the pair-year. No "
        "formal alliance table is an input."
    ),
    columns=_DESCRIPTIONS,
    schema={
        "unga_kappa": KAPPA,
        "unga_ideal_close": Col("float", le=0),
        "igo_jaccard": SHARE,
        "trade_share": Col("float", ge=-4, le=0.001),  # log10(share + 1e-4): up to log10(1.0001)
        **dict.fromkeys(
            (
                "arms_transfer",
                "arms_from_register",
                "us_troops_hosted",
                "exercise",
                "exercise_partial",
                "mid",
                "armed_conflict",
                "icb_crisis",
            ),
            FLAG,
        ),
        "contiguity": Col("float", isin=(1.0, 2.0, 3.0, 4.0, 5.0)),
    },
)
def alignment_inputs(raw: RawFiles) -> pd.DataFrame:
    keys = ["ccode1", "ccode2", "year"]
    pop = population(raw)
    out = pop.merge(unga_kappa(raw), on=keys, how="left")
    for name, frame in (("igo_jaccard", igo_jaccard(raw)), ("trade_share", trade_share(raw))):
        out = out.merge(frame, on=keys, how="left")
        lo, hi = COVERAGE[name]
        out[name] = out[name].where(out["year"].between(lo, hi))
    out = out.merge(arms(raw, pop), on=keys, how="left")
    out = out.merge(us_troops_hosted(raw, pop), on=keys, how="left")
    out = out.merge(exercise(raw, pop), on=keys, how="left")
    out = out.merge(hostility(raw, pop), on=keys, how="left")
    out = out.merge(contiguity(raw), on=keys, how="left")
    out["iso3_1"] = to_iso3(out["ccode1"])
    out["iso3_2"] = to_iso3(out["ccode2"])
    for col in INPUTS:
        out[col] = out[col].astype("float64").round(6)
    flags = ["arms_from_register", "contiguity"]
    return out[["ccode1", "ccode2", "iso3_1", "iso3_2", "year", *INPUTS, *flags]]
