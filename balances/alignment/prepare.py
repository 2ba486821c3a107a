"""From the committed ``alignment_inputs`` table to the model's frame, as the spec declares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from balances.alignment.spec import OutcomeSpec
from balances.errors import ParameterError

KEYS = ["ccode1", "ccode2", "year"]


def double_centre(df: pd.DataFrame, column: str) -> np.ndarray:
    """``x_ij - mean_i - mean_j + mean`` within each year, over the population's observed cells.

    ``mean_i`` is state i's mean over all its pairs that year: what remains is
    how much closer the two are than each usually is with anyone.

    Examples
    --------
    >>> df = pd.DataFrame({"ccode1": [1, 1, 2], "ccode2": [2, 3, 3], "year": 2000,
    ...                    "x": [0.9, 0.1, 0.2]})
    >>> np.round(double_centre(df, "x"), 3).tolist()
    [0.25, -0.15, -0.1]
    """
    val = df[column].to_numpy(dtype=float)
    year = df["year"].to_numpy()
    both = pd.DataFrame(
        {
            "c": np.r_[df["ccode1"].to_numpy(), df["ccode2"].to_numpy()],
            "year": np.r_[year, year],
            "v": np.r_[val, val],
        }
    )
    state_mean = both.groupby(["c", "year"])["v"].mean()
    year_mean = df.groupby("year")[column].mean()
    m1 = state_mean.reindex(pd.MultiIndex.from_arrays([df["ccode1"], year])).to_numpy()
    m2 = state_mean.reindex(pd.MultiIndex.from_arrays([df["ccode2"], year])).to_numpy()
    return val - m1 - m2 + year_mean.reindex(year).to_numpy()


def prepare(inputs: pd.DataFrame, spec: OutcomeSpec) -> pd.DataFrame:
    """The model's frame: ``ccode1, ccode2, year`` and one column per declared input
    (cooperation and hostility).

    Parameters
    ----------
    inputs
        The ``alignment_inputs`` table (or a user's extension of it with more
        columns, each named by an input's ``column``).
    spec
        The declaration.
    """
    declared = (*spec.inputs, *spec.hostility)
    missing = [i.column for i in declared if i.column not in inputs.columns]
    if missing:
        raise ParameterError(
            "inputs", missing, f"columns of the alignment inputs table: {list(inputs.columns)}"
        )
    out = inputs[KEYS].copy()
    opportunity = inputs["contiguity"].notna().to_numpy() if "contiguity" in inputs else None
    for i in declared:
        if i.prep == "double_centre":
            out[i.name] = double_centre(inputs, i.column)
        elif i.prep == "opportunity":
            if opportunity is None:
                raise ParameterError(
                    f"inputs.{i.name}.prep", i.prep, "an inputs table with a contiguity column"
                )
            out[i.name] = inputs[i.column].where(opportunity)
        else:
            out[i.name] = inputs[i.column]
    return out
