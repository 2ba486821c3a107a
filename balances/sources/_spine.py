"""The COW state-system spine and the COW-code helpers shared by the loaders.

Rules, decided once here for every loader:

* **System membership.** A state is a member of the COW state system in a year
  when COW's National Material Capabilities v7.0 (:data:`MEMBERSHIP_SOURCE`,
  one row per member state-year, 1816-2022) has a row for it. NMC ends in
  2022; no state has entered or left the system since South Sudan (2011), none
  of :data:`~balances.config.DYAD_STATES` in particular, so the members of
  NMC's last year are carried forward to :data:`~balances.config.PANEL_END`
  (:func:`system_members`). Every table built on membership reads it through
  this module and declares :data:`MEMBERSHIP_SOURCE` among its sources.
* **Germany and Yemen in 1990.** COW lists both West Germany (260) and Germany
  (255), and both North Yemen (678) and Yemen (679), as members in 1990.
  State-year tables keep both rows, as COW does: their key is ``ccode, iso3,
  year``. Dyad-year tables must be unique on ``(iso3_1, iso3_2, year)``: from
  1990 they keep the unified state's row (255, 679) and drop the
  pre-unification code's (:func:`drop_superseded`). This is the code
  :func:`balances.countries.to_ccode` gives for 1990, so a dyad-year table
  coded from ISO3 (:func:`add_dyad_codes`) and one built on the spine
  (:func:`dyad_spine`) agree.
* **Dyad spine.** A dyad-year table covers the directed dyads among
  :data:`~balances.config.DYAD_STATES`, both orders and no self-dyads, in the
  years both states are system members (:func:`dyad_spine`). Sources that list
  only positive dyad-years (ATOP, COW alliances, MIGO memberships) say nothing
  about a pair they do not list: a zero is meaningful only on the spine, for a
  dyad that existed.
* **COW codes.** An unknown COW code in an upstream file raises a
  :class:`~balances.errors.DataError` naming file, line and column
  (:func:`iso3_from_ccode`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from balances.config import DYAD_STATES, PANEL_END, PANEL_START
from balances.countries import COW_BEFORE_1990, to_ccode, to_iso3
from balances.errors import DataError
from balances.schema import Col
from balances.sources.cow_nmc import SOURCE as MEMBERSHIP_SOURCE
from balances.sources.cow_nmc import read_nmc
from balances.sources.raw import RawFiles

#: NMC release and file that list the system members (state-years 1816-2022).
MEMBERSHIP_VERSION, MEMBERSHIP_FILE = "7.0", "nmc_v7_0_abridged.csv"
#: First year of the unified Germany (255) and Yemen (679) in the dyad-year
#: tables; the year from which :func:`balances.countries.to_ccode` gives their codes.
UNIFICATION_YEAR = 1990


def iso3_from_ccode(
    df: pd.DataFrame, path: object, column: str = "ccode", *, typed: str | None = None
) -> pd.Series:
    """ISO3 code of each row's COW code.

    Parameters
    ----------
    df
        Rows read from ``path``; ``df.index`` is the line number reported.
    path
        The file, named in errors.
    column
        Column holding the COW codes; missing codes stay missing.
    typed
        Column holding the ISO3 code the file gives beside the COW code (hand-compiled
        tables): it must be the code's ISO3.

    Returns
    -------
    pandas.Series
        ISO3 codes (West Germany 260 and Germany 255 both ``DEU``), index of ``df``.

    Raises
    ------
    DataError
        On the first code that names no state, or (with ``typed``) whose ISO3 is not
        the one typed beside it, with its line and column.
    """
    codes = pd.unique(df[column].dropna())
    mapping = dict(zip(codes, to_iso3(codes, strict=False), strict=True))
    iso3 = df[column].map(mapping)
    unknown = iso3.isna() & df[column].notna()
    if unknown.any():
        first = int(unknown.to_numpy().argmax())
        raise DataError(
            path,
            f"unknown COW state code {int(df[column].iloc[first])}",
            row=int(df.index[first]),
            column=column,
            fix="correct the code, add the state to balances.countries (HISTORICAL_COW for a "
            "former state), or drop the entry as a named non-state",
        )
    if typed is not None:
        bad = iso3 != df[typed]
        if bad.any():
            first = int(bad.to_numpy().argmax())
            raise DataError(
                path,
                f"{typed} {df[typed].iloc[first]!r} does not match COW code "
                f"{int(df[column].iloc[first])} ({iso3.iloc[first]})",
                row=int(df.index[first]),
                column=typed,
                fix="correct the code or the ISO3",
            )
    return iso3


def keep_dyad_states(
    df: pd.DataFrame, path: object, states: Sequence[str] = DYAD_STATES
) -> pd.DataFrame:
    """Rows of a ``ccode1``/``ccode2`` file between two of ``states``, with ``iso3_1``/``iso3_2``.

    Every code of the file is checked first (:func:`iso3_from_ccode`); a state's
    former codes count as the state (West Germany 260 as ``DEU``).
    """
    iso3_1 = iso3_from_ccode(df, path, "ccode1")
    iso3_2 = iso3_from_ccode(df, path, "ccode2")
    keep = iso3_1.isin(list(states)) & iso3_2.isin(list(states))
    return df[keep].assign(iso3_1=iso3_1[keep], iso3_2=iso3_2[keep])


def drop_superseded(
    df: pd.DataFrame, columns: Iterable[str] = ("ccode1", "ccode2")
) -> pd.DataFrame:
    """Drop the rows coded with a pre-unification COW code from :data:`UNIFICATION_YEAR` on.

    West Germany (260) and North Yemen (678) are both COW members in 1990 beside
    Germany (255) and Yemen (679); dropping their 1990 rows keeps
    ``(iso3_1, iso3_2, year)`` unique in a dyad-year table (see the module's rules).
    """
    old = list(COW_BEFORE_1990.values())
    superseded = pd.concat([df[c].isin(old) for c in columns], axis=1).any(axis=1)
    return df[~(superseded & (df["year"] >= UNIFICATION_YEAR))]


def system_members(raw: RawFiles, start: int = PANEL_START, end: int = PANEL_END) -> pd.DataFrame:
    """Members of the COW state system by year, from NMC v7.0.

    Parameters
    ----------
    raw
        The raw files.
    start, end
        Years to keep. Years after NMC's last (2022) repeat that year's members
        (no state has entered or left the system since 2011).

    Returns
    -------
    pandas.DataFrame
        ``ccode, iso3, year``, one row per member and year; both German and both
        Yemeni codes in 1990, as COW codes them.
    """
    nmc = read_nmc(raw, MEMBERSHIP_VERSION)[["ccode", "year"]].astype("int64")
    last = int(nmc["year"].max())
    carried = [nmc[nmc["year"] == last].assign(year=y) for y in range(last + 1, end + 1)]
    out = pd.concat([nmc, *carried])
    out = out[out["year"].between(start, end)]
    out = out.assign(iso3=iso3_from_ccode(out, raw.path(MEMBERSHIP_SOURCE, MEMBERSHIP_FILE)))
    return out[["ccode", "iso3", "year"]].reset_index(drop=True)


def dyad_spine(
    raw: RawFiles, start: int, end: int, states: Sequence[str] = DYAD_STATES
) -> pd.DataFrame:
    """Directed dyad-years among ``states`` from ``start`` to ``end`` in which both are members.

    Returns
    -------
    pandas.DataFrame
        ``ccode1, ccode2, iso3_1, iso3_2, year``: both orders of every dyad, no
        self-dyads, unique on ``(iso3_1, iso3_2, year)`` (Germany is 255 from 1990,
        see :func:`drop_superseded`).
    """
    members = drop_superseded(system_members(raw, start, end), ["ccode"])
    members = members[members["iso3"].isin(list(states))]
    pairs = members.merge(members, on="year", suffixes=("1", "2"))
    pairs = pairs[pairs["iso31"] != pairs["iso32"]]
    pairs = pairs.rename(columns={"iso31": "iso3_1", "iso32": "iso3_2"})
    return pairs[["ccode1", "ccode2", "iso3_1", "iso3_2", "year"]].reset_index(drop=True)


def add_dyad_codes(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``ccode1``/``ccode2`` from ``iso3_1``/``iso3_2`` and ``year``.

    Year-aware (:func:`balances.countries.to_ccode`): Germany is 260 before 1990
    and 255 from 1990, Yemen 678 and 679. The index is reset.
    """
    out = df.reset_index(drop=True)
    for side in ("1", "2"):
        iso = f"iso3_{side}"
        keys = out[[iso, "year"]].drop_duplicates()
        codes = pd.Series(to_ccode(keys[iso], keys["year"]), index=keys.index, dtype="int64")
        keys = keys.assign(**{f"ccode{side}": codes})
        out = out.merge(keys, on=[iso, "year"], how="left", validate="many_to_one")
    return out


def both_orders(
    df: pd.DataFrame, pairs: Sequence[tuple[str, str]] = (("iso3_1", "iso3_2"),)
) -> pd.DataFrame:
    """Stack ``df`` with a copy whose paired columns are swapped (undirected -> directed).

    Parameters
    ----------
    df
        One row per undirected dyad (either order).
    pairs
        Column pairs to swap, e.g. ``(("ccode1", "ccode2"), ("iso3_1", "iso3_2"))``.
    """
    swap = {}
    for a, b in pairs:
        swap[a], swap[b] = b, a
    return pd.concat([df, df.rename(columns=swap)[df.columns]], ignore_index=True)


def spell_years(
    df: pd.DataFrame, first: pd.Series, last: pd.Series, columns: Sequence[str]
) -> pd.DataFrame:
    """One row per year of each spell: ``columns`` of ``df`` repeated, and ``year``.

    ``first``/``last`` (aligned with ``df``) bound each spell, both included; a
    spell with ``last < first`` gives no row.

    >>> spells = pd.DataFrame({"ccode1": [2, 365], "ccode2": [20, 710]})
    >>> spell_years(spells, pd.Series([2000, 2010]), pd.Series([2001, 2009]), ["ccode1", "ccode2"])
       ccode1  ccode2  year
    0       2      20  2000
    1       2      20  2001
    """
    start = first.to_numpy(dtype=np.int64)
    n = (last.to_numpy(dtype=np.int64) - start + 1).clip(min=0)
    rep = np.repeat(np.arange(len(df)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    out = {c: df[c].to_numpy()[rep] for c in columns}
    return pd.DataFrame({**out, "year": start[rep] + offset})


#: A raw 0/1 column (an obligation, a membership); missing cells pass and stay missing.
BINARY = Col("float", isin=(0, 1), fix="correct the cell (1 = present, 0 = absent)")
#: The same, read as integers (for files without missing cells).
BINARY_INT = dataclasses.replace(BINARY, kind="int")
