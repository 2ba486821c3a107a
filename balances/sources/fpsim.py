"""Alliance-portfolio similarity (Signorino-Ritter S from ATOP 5.1) from Steven V. Miller's fpsim.

fpsim codes each directed dyad-year of the COW system with a valued alliance
tie from ATOP 5.1 - 3 defence or offence, 2 neutrality or consultation, 1
non-aggression only, 0 none, and 3 for a state with itself - and computes, for
every pair (i, j) of the n system members of a year, S = 1 - 2 d / (n d_max)
over their rows of ties: d the sum of absolute (d_max = 3) or squared (d_max =
9) differences. The two files are author-provided intermediate results.
"""

from __future__ import annotations

import pandas as pd

from balances.config import PANEL_START
from balances.errors import DataError
from balances.schema import KAPPA
from balances.sources import table
from balances.sources._spine import drop_superseded, keep_dyad_states
from balances.sources.raw import RawFiles

SOURCE = "fpsim_alliance_s"
#: Distance -> (file, upstream column). In the absolute-distance file the scout
#: renamed the upstream column, misnamed ``sallyvs``, to ``sallyva`` (SOURCE.md).
FILES = {
    "absolute": ("SALLYVA__converted_from_qs2.parquet", "sallyva"),
    "squared": ("SALLYVS__converted_from_qs2.parquet", "sallyvs"),
}
#: The ATOP 5.1 input ends in 2018.
FPSIM_END = 2018
_KEYS = ["ccode1", "ccode2", "year"]


def read_sally(raw: RawFiles, distances: str) -> pd.DataFrame:
    """Read one fpsim S file (all COW dyad-years 1816-2018, self-dyads included).

    Parameters
    ----------
    distances
        ``"absolute"`` (SALLYVA) or ``"squared"`` (SALLYVS).

    Returns
    -------
    pandas.DataFrame
        ``ccode1, ccode2, year, s``; the index is the 1-based record number.
    """
    name, col = FILES[distances]
    path = raw.path(SOURCE, name)
    try:
        df = pd.read_parquet(path)
    except ImportError as exc:
        raise DataError(
            path,
            f"reading parquet needs pyarrow ({exc})",
            fix="install pyarrow (pip install pyarrow)",
        ) from exc
    except (OSError, ValueError) as exc:
        raise DataError(
            path, f"cannot be read as parquet ({exc})", fix="re-download the file"
        ) from exc
    missing = [c for c in [*_KEYS, col] if c not in df.columns]
    if missing:
        raise DataError(
            path,
            f"expected column(s) {missing} not found; the file has {list(df.columns)}",
            column=missing[0],
            fix="the upstream layout changed: update the loader",
        )
    df = df[[*_KEYS, col]].rename(columns={col: "s"})
    df.index = pd.RangeIndex(1, len(df) + 1, name="record")
    for c in _KEYS:
        if not pd.api.types.is_integer_dtype(df[c]):
            raise DataError(path, f"column of type {df[c].dtype}, integers expected", column=c)
    bad = ~df["s"].between(-1, 1) & df["s"].notna()
    if bad.any():
        rec = bad.idxmax()
        raise DataError(
            path, f"record {rec}: S = {float(df.loc[rec, 's'])} outside [-1, 1]", column=col
        )
    dup = df.duplicated(_KEYS)
    if dup.any():
        rec = dup.idxmax()
        raise DataError(
            path,
            f"record {rec}: duplicated key {df.loc[rec, _KEYS].to_dict()}",
            fix="remove the duplicate record",
        )
    return df.astype({c: "int64" for c in _KEYS})


@table(
    "alliance_s_dyad",
    level="dyad_year",
    sources=(SOURCE,),
    description=(
        "Alliance-portfolio similarity, Signorino & Ritter's S over valued ATOP 5.1 ties "
        "(3 defence/offence, 2 neutrality/consultation, 1 non-aggression, 0 none; 3 with "
        "oneself), unweighted, computed by Steven V. Miller's fpsim over all COW system members "
        "of each year; directed dyad-years among the dyad states, 1946-2018 (S is symmetric, "
        "both orders present). 1 = identical alliance portfolios, -1 = opposite. S is dominated "
        "by the many pairs allied with nobody and drifts upward as the system grows: compare "
        "dyads within a year. Missing where fpsim has no value (a state entering or leaving "
        "the system during the year: Germany in 1990, where fpsim has no S for either code). "
        "Germany is 260 to 1989 and 255 from 1990 (COW lists both in 1990; only 255 is kept). "
        "Provisional author files, deleted upstream a day after upload; recomputed from "
        "atop_dyad's source in the tests."
    ),
    columns={
        "s_valued_abs": "S with absolute distances (fpsim sallyva), -1 to 1",
        "s_valued_sq": "S with squared distances (fpsim sallyvs), -1 to 1",
    },
    schema={"s_valued_abs": KAPPA, "s_valued_sq": KAPPA},
)
def alliance_s_dyad(raw: RawFiles) -> pd.DataFrame:
    frames = []
    for distances, name in (("absolute", "s_valued_abs"), ("squared", "s_valued_sq")):
        df = read_sally(raw, distances)
        df = df[df["year"].between(PANEL_START, FPSIM_END) & (df["ccode1"] != df["ccode2"])]
        df = drop_superseded(keep_dyad_states(df, raw.path(SOURCE, FILES[distances][0])))
        frames.append(df.rename(columns={"s": name}).set_index([*_KEYS, "iso3_1", "iso3_2"]))
    return frames[0].join(frames[1], how="outer").reset_index()
