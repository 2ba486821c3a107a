"""The alignment outcome for every pair of UN members: fit, commit, load, and use.

Scale
-----
``latent`` is the pair's alignment: its cooperation (a dynamic factor of
shared votes, IGOs, trade, arms, basing and exercises, in standard units of the
population: mean 0, sd 1 over all dyad-years 1946-2024) less ``3 x`` its
hostility (the estimated probability of a militarized dispute, an armed
conflict or an international crisis between the two in the year; see
:mod:`balances.alignment.hostility`). ``score`` puts it in words a
reader can use: **the percentage of all dyad-years of pairs of UN members,
1946-2024, that are less aligned than this one**. 50 is the typical pair of
any year; 90 is closer than nine pairs in ten; 10 is as distant as the most
distant tenth. One population, one set of loadings, one reference, so a score
means the same for any two states and any year. ``low`` and ``high`` bound the
``band`` (90%) posterior interval, mapped through the same percentiles, so the
band always contains the point.

"Aligned against" for a triad (pair A, B and reference R) is
``score(A, B) - (score(A, R) + score(B, R)) / 2``, from -100 to 100: how much
closer the two are to each other than, on average, each is to the reference.
Its band takes the pair's low against the reference pairs' highs (and the
other way round), a conservative bound that contains the point.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from balances import __version__
from balances.alignment.hostility import Hostility, combine, estimate
from balances.alignment.model import Fit, Panel, Params, fit, make_panel
from balances.alignment.prepare import KEYS, prepare
from balances.alignment.spec import OutcomeSpec
from balances.config import processed_dir
from balances.countries import iso3_series, to_ccode
from balances.errors import DataError, ParameterError
from balances.io import atomic_path, sha256, write_text_atomic

#: File names of the committed outcome, in the processed directory.
OUTCOME_FILE, OUTCOME_META = "alignment_dyad.parquet", "alignment_dyad.json"
INPUTS_TABLE = "alignment_inputs"
#: Columns of :func:`dyad_scores`.
COLUMNS = [
    "iso3_1",
    "iso3_2",
    "ccode1",
    "ccode2",
    "year",
    "score",
    "low",
    "high",
    "n_indicators",
    "latent",
    "latent_sd",
    "cooperation",
    "hostility",
]


@dataclass(frozen=True)
class Outcome:
    """A fitted outcome: one row per dyad-year (``ccode1 < ccode2``) and the fit behind it."""

    #: ccode1, ccode2, year, latent, latent_sd, hostility, n_indicators (cooperation on load)
    table: pd.DataFrame
    spec: OutcomeSpec
    params: pd.DataFrame
    meta: dict

    def __repr__(self) -> str:
        return (
            f"Outcome({len(self.table):,} dyad-years, {self.table['year'].min()}-"
            f"{self.table['year'].max()}, inputs={list(self.spec.names)}, "
            f"dynamics={self.spec.dynamics})"
        )


@dataclass(frozen=True)
class Fitted:
    """Both sides of a fit: the cooperation model and the hostility rates, on one panel."""

    coop: Fit
    hostility: Hostility
    weight: float

    @property
    def panel(self) -> Panel:
        """The cooperation panel (its dyads, years and active cells are the hostility's too)."""
        return self.coop.panel

    def alignment(self) -> tuple[np.ndarray, np.ndarray]:
        """``(D, T)`` mean and variance of the alignment latent."""
        return combine(self.coop.smoothed.mean, self.coop.smoothed.var, self.hostility, self.weight)


def _panels(spec: OutcomeSpec, inputs: pd.DataFrame) -> tuple[Panel, Hostility]:
    """The cooperation panel and the hostility rates of the inputs, on one dyad-year grid."""
    frame = prepare(inputs, spec)
    panel = make_panel(frame, spec.names, transform=spec.transform)
    hp = make_panel(frame, spec.hostile_names, transform="none")  # one frame: the same grid
    hs = estimate(
        hp.y,
        spec.hostile_names,
        discount=spec.discount,
        prior=spec.hostility_prior,
        active=panel.active,
    )
    return panel, hs


def load_inputs(directory: Path | None = None) -> pd.DataFrame:
    """The committed ``alignment_inputs`` table (hash-checked)."""
    from balances.data import load_table

    return load_table(INPUTS_TABLE, directory)


def fit_outcome(
    spec: OutcomeSpec | None = None,
    inputs: pd.DataFrame | None = None,
    *,
    extra: pd.DataFrame | None = None,
    map_fn: Callable | None = None,
    chunk_size: int = 4000,
    progress: Callable[[int, float], None] | None = None,
) -> tuple[Outcome, Fitted]:
    """Estimate the outcome for every dyad-year of the population.

    Returns the outcome and the fit behind it (:class:`Fitted`: the
    cooperation model and the hostility rates).

    Parameters
    ----------
    spec
        Inputs, scaling and dynamics (default :class:`OutcomeSpec`).
    inputs
        The inputs table (default: the committed ``alignment_inputs``).
    extra
        A user's own dyad-year behaviour: ``ccode1, ccode2, year`` (or
        ``iso3_1, iso3_2, year``) and the columns that ``spec``'s extra inputs
        name; merged on the undirected pair, never filled with zeros.
    map_fn
        Runs the E-step chunks (see :func:`balances.alignment.model.fit`).
    """
    spec = spec or OutcomeSpec()
    inputs = load_inputs() if inputs is None else inputs
    if extra is not None:
        inputs = merge_extra(inputs, extra)
    t0 = time.perf_counter()
    panel, hs = _panels(spec, inputs)
    f = fit(
        panel,
        dynamics=spec.dynamics,
        max_iter=spec.max_iter,
        tol=spec.tol,
        signs=spec.signs,
        min_noise=spec.min_noise,
        chunk_size=chunk_size,
        map_fn=map_fn,
        progress=progress,
    )
    seconds = time.perf_counter() - t0
    both = Fitted(f, hs, spec.hostility_weight)
    return _outcome(both, spec, seconds), both


def _outcome(both: Fitted, spec: OutcomeSpec, seconds: float) -> Outcome:
    f, hs, panel = both.coop, both.hostility, both.panel
    # hostility is kept to 4 decimals (a probability; it compresses to a tenth), and the latent
    # made from that rounded value, so that cooperation = latent + weight * hostility exactly
    h = np.round(hs.h, 4)
    mean = f.smoothed.mean - both.weight * h
    var = f.smoothed.var + both.weight**2 * hs.h_var
    d, t = np.nonzero(panel.active)
    table = pd.DataFrame(
        {
            "ccode1": panel.dyads["ccode1"].to_numpy()[d].astype("int16"),
            "ccode2": panel.dyads["ccode2"].to_numpy()[d].astype("int16"),
            "year": panel.years[t].astype("int16"),
            "latent": mean[d, t].astype("float32"),
            "latent_sd": np.sqrt(var[d, t]).astype("float32"),
            "hostility": h[d, t].astype("float32"),
            "n_indicators": (f.smoothed.n_obs[d, t] + hs.n_obs[d, t]).astype("int8"),
        }
    )
    params = f.param_table()
    meta = {
        "n_iter": f.n_iter,
        "converged": f.converged,
        "loglik": f.loglik[-1] if f.loglik else None,
        "q": f.params.q,
        "rho": f.params.rho,
        "m0": f.params.m0,
        "p0": f.params.p0,
        "fit_seconds": round(seconds, 2),
        "hostility_base_rates": dict(zip(hs.inputs, np.round(hs.base, 6).tolist(), strict=True)),
    }
    return Outcome(table, spec, params, meta)


def held_fit(spec: OutcomeSpec | None = None, directory: Path | None = None) -> Fitted:
    """The model re-smoothed with the committed outcome's parameters (no EM): for stability checks."""
    spec = spec or OutcomeSpec()
    _, meta = load_outcome(directory)
    par = pd.DataFrame(meta["parameters"])
    params = Params(
        a=par["intercept"].to_numpy(),
        b=par["loading"].to_numpy(),
        s2=par["noise_sd"].to_numpy() ** 2,
        q=meta["fit"]["q"],
        rho=meta["fit"]["rho"],
        m0=meta["fit"]["m0"],
        p0=meta["fit"]["p0"],
    )
    panel, hs = _panels(spec, load_inputs(directory))
    f = fit(panel, params=params, max_iter=0, dynamics=spec.dynamics)
    return Fitted(f, hs, spec.hostility_weight)


def merge_extra(inputs: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Add a user's dyad-year columns to the inputs on the undirected pair (no zeros invented)."""
    extra = extra.copy()
    if "ccode1" not in extra and {"iso3_1", "iso3_2"} <= set(extra.columns):
        extra["ccode1"] = to_ccode(extra["iso3_1"], extra["year"])
        extra["ccode2"] = to_ccode(extra["iso3_2"], extra["year"])
    need = {"ccode1", "ccode2", "year"}
    if not need <= set(extra.columns):
        raise ParameterError("extra", sorted(extra.columns), "columns ccode1, ccode2, year")
    lo = np.minimum(extra["ccode1"], extra["ccode2"])
    hi = np.maximum(extra["ccode1"], extra["ccode2"])
    extra = extra.assign(ccode1=lo, ccode2=hi).drop(columns=["iso3_1", "iso3_2"], errors="ignore")
    dup = extra.duplicated(KEYS)
    if dup.any():
        raise ParameterError("extra", extra.loc[dup, KEYS].iloc[0].to_dict(), "one row per pair")
    clash = [c for c in extra.columns if c in inputs.columns and c not in KEYS]
    if clash:
        raise ParameterError("extra", clash, "column names not already in the inputs table")
    return inputs.merge(extra, on=KEYS, how="left", validate="one_to_one")


def save_outcome(outcome: Outcome, directory: Path | None = None) -> Path:
    """Write the outcome and its provenance (inputs hash, spec, parameters) atomically."""
    directory = Path(directory or processed_dir())
    from balances.data import tables

    prov = tables(directory)
    if INPUTS_TABLE not in prov:
        raise DataError(directory, f"no {INPUTS_TABLE} table", fix="run `balances data build`")
    path = directory / OUTCOME_FILE
    with atomic_path(path) as tmp:
        outcome.table.to_parquet(tmp, index=False, compression="zstd")
    meta = {
        "description": "Latent alignment of every pair of UN members, 1946-2024 (balances.alignment)",
        "inputs_table": INPUTS_TABLE,
        "inputs_sha256": prov[INPUTS_TABLE]["sha256"],
        "spec": {
            "inputs": [i.__dict__ for i in outcome.spec.inputs],
            "hostility": [i.__dict__ for i in outcome.spec.hostility],
            "discount": outcome.spec.discount,
            "hostility_weight": outcome.spec.hostility_weight,
            "hostility_prior": outcome.spec.hostility_prior,
            "dynamics": outcome.spec.dynamics,
            "transform": outcome.spec.transform,
            "band": outcome.spec.band,
            "min_noise": outcome.spec.min_noise,
        },
        "parameters": outcome.params.round(6).to_dict(orient="records"),
        "fit": outcome.meta,
        "rows": len(outcome.table),
        "sha256": sha256(path),
        "built_by": f"balances {__version__}",
    }
    write_text_atomic(directory / OUTCOME_META, json.dumps(meta, indent=1) + "\n")
    return path


@functools.cache
def _load(directory: Path) -> tuple[pd.DataFrame, dict, np.ndarray]:
    path = directory / OUTCOME_FILE
    meta_path = directory / OUTCOME_META
    if not path.is_file() or not meta_path.is_file():
        raise DataError(
            path, "the alignment outcome is missing", fix="run `balances alignment build`"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if sha256(path) != meta.get("sha256"):
        raise DataError(
            path, "content does not match alignment_dyad.json", fix="run `balances alignment build`"
        )
    df = pd.read_parquet(path)
    if "hostility" in df:  # the other side, not stored twice: latent = cooperation - w * hostility
        weight = float(meta["spec"]["hostility_weight"])
        df["cooperation"] = (df["latent"] + weight * df["hostility"]).astype("float32")
    ref = np.sort(df["latent"].to_numpy(dtype=np.float64))
    return df, meta, ref


def load_outcome(directory: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """The committed outcome table and its provenance."""
    df, meta, _ = _load(Path(directory or processed_dir()).resolve())
    return df.copy(), meta


def percentile(latent: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Share (0-100) of the reference population below each latent value (mid-rank for ties)."""
    x = np.asarray(latent, dtype=np.float64)
    # searching in sorted order reads the reference front to back (twice as fast at 900k rows)
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), dtype=np.float64)
    xs = x[order]
    ranks[order] = np.searchsorted(reference, xs, side="left") + np.searchsorted(
        reference, xs, side="right"
    )
    out = 100.0 * ranks / (2.0 * len(reference))
    return np.where(np.isnan(x), np.nan, out)


def _bands(df: pd.DataFrame, meta: dict, ref: np.ndarray) -> dict[str, np.ndarray]:
    """Score and band (percentiles of the reference population) of each row's latent."""
    z = norm.ppf(0.5 + meta["spec"]["band"] / 2)
    latent = df["latent"].to_numpy(np.float64)
    sd = df["latent_sd"].to_numpy(np.float64)
    return {
        "score": percentile(latent, ref),
        "low": percentile(latent - z * sd, ref),
        "high": percentile(latent + z * sd, ref),
    }


def _scored(df: pd.DataFrame, meta: dict, ref: np.ndarray) -> pd.DataFrame:
    return df.assign(**_bands(df, meta, ref))


@functools.cache
def _scored_all(directory: Path) -> pd.DataFrame:
    """Every dyad-year with its score, band and ISO3 codes, in :func:`dyad_scores`'s order.

    Computed once per process and directory; callers take year slices (copies).
    """
    df, meta, ref = _load(directory)
    columns = {c: df[c] for c in df.columns} | _bands(df, meta, ref)
    columns["iso3_1"] = iso3_series(df["ccode1"])
    columns["iso3_2"] = iso3_series(df["ccode2"])
    return _tidy(columns)


_TYPES = {
    "ccode1": "int64",
    "ccode2": "int64",
    "year": "int64",
    "n_indicators": "int64",
    **dict.fromkeys(("score", "low", "high"), "float64"),
    **dict.fromkeys(("latent", "latent_sd", "cooperation", "hostility"), "float64"),
}


def _tidy(columns: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """The public columns and types, sorted by pair and year, built column by column.

    Each column is taken in the sorted order and cast once (copying and re-sorting the
    whole frame took seconds at 900k rows); the sort runs on integer codes of the ISO3
    strings (in string order), not on the strings.
    """
    first = pd.factorize(np.asarray(columns["iso3_1"], dtype=object), sort=True)[0]
    second = pd.factorize(np.asarray(columns["iso3_2"], dtype=object), sort=True)[0]
    order = np.lexsort((np.asarray(columns["year"]), second, first))
    out = {}
    for c in COLUMNS:
        kind = _TYPES.get(c)
        values = pd.Series(columns[c]).to_numpy(dtype=kind) if kind else np.asarray(columns[c])
        out[c] = values[order]
    return pd.DataFrame(out, copy=False)


def _pair_codes(pairs: Iterable[Sequence[str]] | None) -> list[tuple[str, str]] | None:
    if pairs is None:
        return None
    out = []
    for p in pairs:
        codes = [p] if isinstance(p, str) else list(p)
        if len(codes) == 1:
            codes = codes[0].split(",")
        codes = [c.strip().upper() for c in codes]
        if len(codes) != 2:
            raise ParameterError("pairs", p, "two ISO3 codes, e.g. RUS,CHN")
        if codes[0] == codes[1]:
            raise ParameterError("pairs", p, "two different states")
        for c in codes:
            to_ccode([c])  # raises a ParameterError naming an unknown code
        out.append((codes[0], codes[1]))
    return out


def dyad_scores(
    pairs: Iterable[Sequence[str]] | None = None,
    start: int | None = None,
    end: int | None = None,
    *,
    directory: Path | None = None,
) -> pd.DataFrame:
    """Alignment of pairs of states per year, on the one population scale (0-100).

    Parameters
    ----------
    pairs
        ``[("RUS", "CHN"), ...]`` or ``["RUS,CHN", ...]``; default every pair.
        Each pair comes back in the order asked (``iso3_1`` first).
    start, end
        Years (default: the outcome's whole span, 1946-2024).

    Returns
    -------
    pandas.DataFrame
        ``iso3_1, iso3_2, ccode1, ccode2, year, score, low, high, n_indicators,
        latent, latent_sd``; one row per pair-year in which both are UN members.

    Examples
    --------
    >>> d = dyad_scores([("RUS", "CHN")], 2001, 2001)
    >>> d[["iso3_1", "iso3_2", "year"]].values.tolist()
    [['RUS', 'CHN', 2001]]
    >>> bool(d["low"].iloc[0] <= d["score"].iloc[0] <= d["high"].iloc[0])
    True
    """
    where = Path(directory or processed_dir()).resolve()
    codes = _pair_codes(pairs)
    # a few pairs: score just their rows; every pair: the whole table, scored once per process
    df, meta, ref = _load(where) if codes is not None else (_scored_all(where), None, None)
    y0, y1 = int(df["year"].min()), int(df["year"].max())
    start = y0 if start is None else int(start)
    end = y1 if end is None else int(end)
    for name, value in (("start", start), ("end", end)):
        if not y0 <= value <= y1:
            raise ParameterError(name, value, f"a year the outcome covers, {y0}-{y1}")
    if start > end:
        raise ParameterError("start", start, f"a year not after end ({end})")
    keep = ((df["year"] >= start) & (df["year"] <= end)).to_numpy()
    if codes is None:  # already scored, tidied and sorted: copy the kept rows column by column
        # (a boolean mask on the 13 one-column blocks merges them first: 2 s at 900k rows)
        return pd.DataFrame({c: df[c].to_numpy()[keep] for c in df.columns}, copy=False)
    sel = df[keep]
    frames = []
    for a, b in codes:
        ca = set(to_ccode([a] * 2, [1980, 2000]))
        cb = set(to_ccode([b] * 2, [1980, 2000]))
        lo_hi = [(min(x, y), max(x, y)) for x in ca for y in cb]
        m = np.zeros(len(sel), bool)
        for c1, c2 in lo_hi:
            m |= (sel["ccode1"].to_numpy() == c1) & (sel["ccode2"].to_numpy() == c2)
        part = sel[m].copy()
        first_is_a = np.isin(part["ccode1"].to_numpy(), list(ca))
        part["iso3_1"], part["iso3_2"] = a, b
        c1 = part["ccode1"].to_numpy().copy()
        part["ccode1"] = np.where(first_is_a, c1, part["ccode2"])
        part["ccode2"] = np.where(first_is_a, part["ccode2"], c1)
        frames.append(part)
    return _tidy(_scored(pd.concat(frames, ignore_index=True), meta, ref))


def against(
    focal: Sequence[str] = ("RUS", "CHN"),
    reference: str = "USA",
    start: int | None = None,
    end: int | None = None,
    *,
    directory: Path | None = None,
) -> pd.DataFrame:
    """How much more the focal pair is aligned with each other than with the reference, per year.

    ``score = s(A, B) - (s(A, R) + s(B, R)) / 2`` on the percentile scale
    (-100 to 100); ``low = low(A, B) - (high(A, R) + high(B, R)) / 2`` and
    ``high`` the other way round (a conservative band that contains the point);
    ``n_indicators`` is the fewest inputs any of the three dyads rests on.

    Examples
    --------
    >>> a = against(("RUS", "CHN"), "USA", 2020, 2020)
    >>> list(a.columns)
    ['year', 'score', 'low', 'high', 'n_indicators']
    """
    a, b = (focal.split(",") if isinstance(focal, str) else list(focal))[:2]
    if reference in (a, b):
        raise ParameterError("reference", reference, "a state outside the focal pair")
    d = dyad_scores([(a, b), (a, reference), (b, reference)], start, end, directory=directory)
    piv = {
        key: g.set_index("year")
        for key, g in d.groupby(["iso3_1", "iso3_2"])  # type: ignore[misc]
    }
    ab, ar, br = piv.get((a, b)), piv.get((a, reference)), piv.get((b, reference))
    if ab is None or ar is None or br is None:
        raise ParameterError(
            "focal", f"{a},{b} vs {reference}", "states that were UN members together"
        )
    years = ab.index.intersection(ar.index).intersection(br.index)
    ab, ar, br = ab.loc[years], ar.loc[years], br.loc[years]
    return pd.DataFrame(
        {
            "year": years.astype("int64"),
            "score": ab["score"] - (ar["score"] + br["score"]) / 2,
            "low": ab["low"] - (ar["high"] + br["high"]) / 2,
            "high": ab["high"] - (ar["low"] + br["low"]) / 2,
            "n_indicators": np.minimum(
                np.minimum(ab["n_indicators"], ar["n_indicators"]), br["n_indicators"]
            ),
        }
    ).reset_index(drop=True)


def add_alignment(
    df: pd.DataFrame,
    *,
    keys: tuple[str, str, str] = ("ccode1", "ccode2", "year"),
    directory: Path | None = None,
) -> pd.DataFrame:
    """Add the outcome to a user's dyad-year frame (as peacesciencer's ``add_*`` verbs do).

    ``keys`` names the frame's two state columns (COW codes, or ISO3 codes if
    they hold strings) and its year column. Rows are matched on the unordered
    pair; a dyad-year outside the outcome (a non-member, a year outside
    1946-2024) gets missing values, never zeros. The frame's rows and order
    are kept.

    Examples
    --------
    >>> mine = pd.DataFrame({"ccode1": [365, 2], "ccode2": [710, 365], "year": [2001, 2001]})
    >>> out = add_alignment(mine)
    >>> list(out.columns)[3:6]
    ['alignment', 'alignment_low', 'alignment_high']
    """
    s1, s2, yr = keys
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise ParameterError("keys", missing, f"columns of the frame: {list(df.columns)}")
    taken = [c for c in ("alignment", "alignment_low", "alignment_high") if c in df.columns]
    if taken:
        raise ParameterError("df", taken, "a frame without alignment columns already")
    c1, c2 = df[s1], df[s2]
    if c1.dtype == object or pd.api.types.is_string_dtype(c1):
        c1 = pd.Series(to_ccode(c1, df[yr], strict=False), index=df.index, dtype="float")
        c2 = pd.Series(to_ccode(c2, df[yr], strict=False), index=df.index, dtype="float")
    where = Path(directory or processed_dir()).resolve()
    lo = np.fmin(c1.to_numpy(float), c2.to_numpy(float))
    hi = np.fmax(c1.to_numpy(float), c2.to_numpy(float))
    idx = pd.MultiIndex.from_arrays(
        [
            pd.array(lo, dtype="Int64").fillna(-1).astype(int),
            pd.array(hi, dtype="Int64").fillna(-1).astype(int),
            df[yr].astype(int),
        ]
    )
    table, meta, ref = _load(where)
    pos = _keys(where).get_indexer(idx)
    found = pos >= 0
    hit = _scored(table.iloc[pos[found]], meta, ref)  # only the rows asked for are scored
    out = df.copy()
    for name, col in (("alignment", "score"), ("alignment_low", "low"), ("alignment_high", "high")):
        values = np.full(len(out), np.nan)
        values[found] = hit[col].to_numpy(np.float64)
        out[name] = values
    return out


@functools.cache
def _keys(directory: Path) -> pd.MultiIndex:
    """The committed outcome's (ccode1, ccode2, year) keys, to look rows up by position."""
    table = _load(directory)[0]
    return pd.MultiIndex.from_arrays([table["ccode1"], table["ccode2"], table["year"]])


def provenance_digest(meta: dict) -> str:
    """Short hash of the outcome's provenance, for cache keys and report footers."""
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:12]
