"""Country codes through one door: COW ``ccode``, ISO3 and ISO2.

Backed by :mod:`country_converter` (names, ISO2/ISO3, Gleditsch-Ward codes).
country_converter has no Correlates of War column; COW codes equal the
Gleditsch-Ward codes it carries except for the states listed in
:data:`COW_FROM_ISO3_FIXES`, and two states whose COW code changed with
unification (:data:`COW_BEFORE_1990`).

Continuity rules, decided once here:

* the Soviet Union and Russia share COW 365 and ISO3 ``RUS`` (COW's own
  convention: the Russian Federation continues the USSR's system membership);
* China is COW 710 / ``CHN`` throughout. Before 25 October 1971 China's UN seat
  was held by the Republic of China (COW 713, ``TWN``): UN-based series map
  the seat to the state that held it, see :func:`un_seat_holder`.

Examples
--------
>>> to_iso3([365, 710, 2])
['RUS', 'CHN', 'USA']
>>> to_ccode(["RUS", "DEU", "DEU"], years=[2000, 1985, 2000])
[365, 260, 255]
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence

import country_converter as coco
import pandas as pd

from balances.errors import ParameterError

#: COW codes that differ from the Gleditsch-Ward code country_converter carries
#: (COW state list v2016 vs GW list v2017); checked against the (ccode, iso3c)
#: pairs of Kane/Allen-Flynn-Machain's troop data in the tests.
COW_FROM_ISO3_FIXES: dict[str, int] = {
    "DEU": 255,  # COW: Germany (unified) 255; GW keeps 260 for FRG and Germany
    "CZE": 316,  # COW: Czech Republic 316, Czechoslovakia 315
    "YEM": 679,  # COW: Yemen (unified) 679; GW keeps 678/680
    "VNM": 816,  # COW: Vietnam (DRV, then unified) 816; RVN 817
    "SRB": 345,  # COW: Yugoslavia/Serbia 345; GW Serbia 340
    "KIR": 946,
    "TUV": 947,
    "TON": 955,
    "NRU": 970,
    "VAT": 327,  # COW: Papal States 327, used for the Holy See by later datasets
}

#: States coded differently by COW before 1990: West Germany (GFR) 260 and
#: North Yemen (YAR) 678; the unified states take 255 and 679 from 1990.
COW_BEFORE_1990: dict[str, int] = {"DEU": 260, "YEM": 678}

#: Gleditsch-Ward codes that are not the COW code of the same state in the same
#: year. GW keeps 260 for West and unified Germany and 678 for North and unified
#: Yemen; COW gives the unified states 255 and 679 from 1990 (as
#: :data:`COW_BEFORE_1990`). GW's Serbia (340, from 2006) continues COW's 345.
GW_TO_COW_FROM_1990: dict[int, int] = {260: 255, 678: 679}
GW_TO_COW_ALWAYS: dict[int, int] = {340: 345}


def gw_to_cow(code: int, year: int) -> int:
    """The COW code of Gleditsch-Ward state ``code`` in ``year``.

    >>> gw_to_cow(678, 1979), gw_to_cow(678, 2015), gw_to_cow(340, 2010), gw_to_cow(2, 2000)
    (678, 679, 345, 2)
    """
    if year >= 1990 and code in GW_TO_COW_FROM_1990:
        return GW_TO_COW_FROM_1990[code]
    return GW_TO_COW_ALWAYS.get(code, code)


#: COW states without a present-day ISO3 code; pseudo-ISO3 codes in use in the
#: literature (ISO 3166-3 where one exists) so they never collide with a real one.
HISTORICAL_COW: dict[int, str] = {
    265: "DDR",  # German Democratic Republic
    315: "CSK",  # Czechoslovakia
    680: "YMD",  # Yemen People's Republic (South Yemen)
    817: "RVN",  # Republic of Vietnam (South Vietnam)
    260: "DEU",  # German Federal Republic -> Germany
    678: "YEM",  # Yemen Arab Republic -> Yemen
    347: "XKX",  # Kosovo
    511: "ZAN",  # Zanzibar (1963-64), no ISO code
}

#: Date China's UN seat passed from the Republic of China to the PRC (UNGA res. 2758).
UN_SEAT_CHANGE_YEAR = 1971


@functools.cache
def _converter() -> coco.CountryConverter:
    """One converter per process: building one reads its table (0.2 s), and
    ``coco.convert`` builds a new one on every call."""
    return coco.CountryConverter()


@functools.cache
def _table() -> pd.DataFrame:
    """ISO3, ISO2, name and COW code for every state country_converter knows."""
    data = _converter().data[["name_short", "ISO3", "ISO2", "GWcode"]].copy()
    data["ccode"] = data["ISO3"].map(COW_FROM_ISO3_FIXES)
    data["ccode"] = data["ccode"].fillna(data["GWcode"])
    data = data.dropna(subset=["ccode"]).astype({"ccode": int})
    return data[["ISO3", "ISO2", "name_short", "ccode"]].reset_index(drop=True)


@functools.cache
def _iso3_by_ccode() -> dict[int, str]:
    out = dict(zip(_table()["ccode"], _table()["ISO3"], strict=True))
    out.update(HISTORICAL_COW)
    return out


@functools.cache
def _ccode_by_iso3() -> dict[str, int]:
    return dict(zip(_table()["ISO3"], _table()["ccode"], strict=True))


def to_iso3(ccodes: Iterable[int], *, strict: bool = True) -> list[str | None]:
    """Convert COW codes to ISO3.

    Parameters
    ----------
    ccodes
        COW numeric state codes.
    strict
        Raise :class:`~balances.errors.ParameterError` on an unknown code
        (otherwise return ``None`` for it).
    """
    codes = pd.Series(list(ccodes), dtype="object")
    if strict:
        return iso3_series(codes).tolist()
    iso = codes.map(_iso3_by_ccode())
    return iso.astype(object).where(iso.notna(), None).tolist()


def iso3_series(ccodes: pd.Series) -> pd.Series:
    """:func:`to_iso3` for a column of COW codes, kept as a column (strict).

    A vectorised lookup: for the 900,000-row dyad table it takes milliseconds
    where building a list takes a second.
    """
    out = ccodes.map(_iso3_by_ccode())
    unknown = out.isna().to_numpy()
    if unknown.any():
        bad = ccodes[unknown].tolist()[0]  # a Python scalar, shown as the user wrote it
        raise ParameterError("ccode", bad, "a Correlates of War state code, e.g. 2 (USA), 365, 710")
    return out


def to_ccode(
    iso3: Iterable[str], years: Iterable[int] | None = None, *, strict: bool = True
) -> list[int | None]:
    """Convert ISO3 codes to COW codes, year-aware for Germany and Yemen.

    Parameters
    ----------
    iso3
        ISO 3166-1 alpha-3 codes (upper case).
    years
        Years of the observations; without them the present-day code is used.
    strict
        Raise on an unknown code (otherwise return ``None``).
    """
    iso3 = list(iso3)
    yrs: Sequence[int | None] = list(years) if years is not None else [None] * len(iso3)
    table = _ccode_by_iso3()
    out: list[int | None] = []
    for code, year in zip(iso3, yrs, strict=True):
        if year is not None and year < 1990 and code in COW_BEFORE_1990:
            out.append(COW_BEFORE_1990[code])
            continue
        c = table.get(code)
        if c is None:
            inverse = {v: k for k, v in HISTORICAL_COW.items() if k not in COW_BEFORE_1990.values()}
            c = inverse.get(code)
        if c is None and strict:
            raise ParameterError(
                "iso3", code, "an ISO 3166-1 alpha-3 code of a state, e.g. RUS, CHN, USA"
            )
        out.append(c)
    return out


#: Names country_converter does not place, or places where COW continuity
#: says otherwise (the USSR continues as Russia, COW 365).
NAME_FIXES: dict[str, str] = {
    "USSR": "RUS",
    "Soviet Union": "RUS",
    "Russia (Soviet Union)": "RUS",
    "Kosovo": "XKX",
    "Czechoslovakia": "CSK",  # country_converter says CZE; COW 315 to 1992, Czechia 316
    "German Democratic Republic": "DDR",  # not placed by country_converter; COW 265
    "Yugoslavia": "SRB",  # not placed by country_converter; COW 345 continues as Serbia
    "East Germany (GDR)": "DDR",  # SIPRI arms transfers; not placed by country_converter; COW 265
    "South Vietnam": "RVN",  # SIPRI arms transfers; not placed by country_converter; COW 817
    "South Yemen": "YMD",  # SIPRI; country_converter says YEM; COW 680 (Yemen PR) until 1990
    "UAE": "ARE",  # SIPRI arms transfers; not placed by country_converter
    "Serbia and Montenegro": "SRB",  # IMF DOTS 1993-2006; not placed by country_converter; COW 345
    "Yemen People's Republic": "YMD",  # UNGA votes (unvotes); country_converter says YEM; COW 680
    "Zanzibar": "ZAN",  # UNGA votes (unvotes), 1963-64; not placed by country_converter; COW 511
    "st. christopher": "KNA",  # MME v7 (St. Kitts = St. Christopher); not placed by country_converter
}
_NOT_FOUND = "\x00not-found"
#: Names country_converter has already placed (or not) in this process: the answer for a
#: name never changes, and matching its regular expressions is the slow part.
_PLACED: dict[str, str | None] = {}


def name_to_iso3(names: Iterable[str]) -> list[str | None]:
    """Convert country names as upstream files spell them to ISO3.

    Uses country_converter's regular expressions after :data:`NAME_FIXES`;
    names it cannot place come back as ``None`` so the caller can report the
    rows concerned.
    """
    names = [str(n) for n in names]
    uniq = sorted(set(names) - NAME_FIXES.keys() - _PLACED.keys())
    if uniq:
        logger = logging.getLogger("country_converter")
        level = logger.level
        logger.setLevel(logging.CRITICAL)  # unplaced names are reported by the caller
        try:
            res = _converter().convert(uniq, to="ISO3", not_found=_NOT_FOUND)
        finally:
            logger.setLevel(level)
        res = [res] if isinstance(res, str) else list(res)
        for name, r in zip(uniq, res, strict=True):
            _PLACED[name] = None if (r == _NOT_FOUND or not isinstance(r, str)) else r
    found: dict[str, str | None] = {**_PLACED, **NAME_FIXES}
    return [found[n] for n in names]


def iso2(iso3: Iterable[str]) -> list[str | None]:
    """ISO2 for ISO3 codes (``None`` where unknown)."""
    table = dict(zip(_table()["ISO3"], _table()["ISO2"], strict=True))
    return [table.get(c) or None for c in iso3]


def country_name(iso3: str) -> str:
    """Short English name of a state, for plots and reports."""
    table = dict(zip(_table()["ISO3"], _table()["name_short"], strict=True))
    if iso3 not in table:
        raise ParameterError("iso3", iso3, "an ISO 3166-1 alpha-3 code of a state")
    return str(table[iso3])


def is_known_iso3(code: str) -> bool:
    """Whether ``code`` is an ISO3 code this module can place."""
    return code in _ccode_by_iso3() or code in HISTORICAL_COW.values()


def un_seat_holder(iso3: str, year: int) -> str:
    """The state that held a UN seat in a given year.

    China's seat was held by the Republic of China (``TWN``) until 1971; every
    other code is returned unchanged.
    """
    if iso3 == "CHN" and year < UN_SEAT_CHANGE_YEAR:
        return "TWN"
    return iso3


def add_codes(df: pd.DataFrame, *, from_col: str, kind: str, suffix: str = "") -> pd.DataFrame:
    """Add ``ccode``/``iso3`` columns (with ``suffix``) derived from ``from_col``.

    Vectorised over unique values; unknown codes raise with the value named.
    ``kind`` is ``"ccode"`` or ``"iso3"``; the year-dependent COW codes need a
    ``year`` column in ``df`` when converting ISO3 to COW.
    """
    out = df.copy()
    if kind == "ccode":
        uniq = pd.unique(out[from_col].dropna().astype(int))
        mapping = dict(zip(uniq, to_iso3(uniq), strict=True))
        out["iso3" + suffix] = out[from_col].map(mapping)
        out["ccode" + suffix] = out[from_col].astype("Int64")
    elif kind == "iso3":
        if "year" in out:
            keys = out[[from_col, "year"]].drop_duplicates()
            codes = to_ccode(keys[from_col], keys["year"])
            keys = keys.assign(_cc=codes)
            out = out.merge(keys, on=[from_col, "year"], how="left")
        else:
            uniq = pd.unique(out[from_col].dropna())
            out["_cc"] = out[from_col].map(dict(zip(uniq, to_ccode(uniq), strict=True)))
        out["ccode" + suffix] = out.pop("_cc").astype("Int64")
        out["iso3" + suffix] = out[from_col]
    else:
        raise ParameterError("kind", kind, "'ccode' or 'iso3'")
    return out
