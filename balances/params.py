"""The parameters of one scoring run, declared and validated once.

:class:`RunParams` holds the triad, the years, the scoring spec, the Monte
Carlo draws and seed and the user's indicator directory. Its defaults are the
project's defaults (the constants below are the only place they are written),
and constructing one checks every value, raising
:class:`~balances.errors.ParameterError` that names the parameter and what it
accepts. The Python API (:func:`balances.analysis.run`), the command line and
the notebooks' :func:`balances.analysis.validate_parameters` all build one.

Examples
--------
>>> p = RunParams(focal="chn, rus", start=2000, end=2004, draws=0)
>>> p.focal, p.triad.label, p.years
('CHN,RUS', 'CHN-RUS vs USA', (2000, 2004))
>>> RunParams(draws=-1)
Traceback (most recent call last):
...
balances.errors.ParameterError: parameter 'draws' = -1 is not allowed; expected an integer in 0-200000
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from balances.config import PANEL_END, STUDY_START
from balances.errors import ParameterError, shown

if TYPE_CHECKING:
    from balances.scoring import ScoringSpec
    from balances.triad import Triad

# The project's defaults are written once, in balances.defaults (no heavy imports, so the
# command line can show them without loading pydantic); re-exported here.
from balances.defaults import (  # noqa: E402
    DEFAULT_DRAWS,
    DEFAULT_END,
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    DEFAULT_SPEC,
    DEFAULT_START,
    MAX_DRAWS,
    MAX_SEED,
)

#: What each parameter accepts, in words (for error messages and help texts).
ALLOWED: dict[str, str] = {
    "focal": "two ISO3 codes separated by a comma, e.g. RUS,CHN",
    "reference": "one ISO3 code, e.g. USA",
    "start": f"a year in {STUDY_START}-{PANEL_END}",
    "end": f"a year in {STUDY_START}-{PANEL_END}",
    "spec": "a preset name (balances.scoring.PRESETS), a ScoringSpec, a mapping of its fields "
    "or a YAML file",
    "draws": f"an integer in 0-{MAX_DRAWS}",
    "seed": f"an integer in 0-{MAX_SEED}",
    "indicators_dir": "an existing directory of indicator YAML files and CSV tables",
}


def check_period(start: int, end: int) -> None:
    """Validate a period against the study panel, naming the parameter.

    Examples
    --------
    >>> check_period(2000, 1999)
    Traceback (most recent call last):
    ...
    balances.errors.ParameterError: parameter 'start' = 2000 is not allowed; expected a year not after end=1999
    """
    for name, year in (("start", start), ("end", end)):
        if type(year) is not int or not STUDY_START <= year <= PANEL_END:
            raise ParameterError(name, year, ALLOWED[name])
    if start > end:
        raise ParameterError("start", start, f"a year not after end={end}")


def _check_int(name: str, value: Any, high: int) -> None:
    if type(value) is not int or not 0 <= value <= high:
        raise ParameterError(name, value, ALLOWED[name])


def _as_custom(exc: ParameterError) -> PydanticCustomError:
    """Carry a ParameterError through pydantic (which wraps every ValueError)."""
    return PydanticCustomError(
        "parameter", "{allowed}", {"name": exc.name, "value": exc.value, "allowed": exc.allowed}
    )


class RunParams(BaseModel):
    """One run's parameters, validated when built; frozen.

    Parameters
    ----------
    focal, reference
        ISO3 codes: ``"RUS,CHN"`` (or a pair) and ``"USA"``; stored upper-case.
    start, end
        The years reported.
    spec
        A preset name, a YAML path, a mapping of :class:`ScoringSpec` fields or a spec.
    draws, seed
        Monte Carlo draws over the scoring choices (0: none) and the seed.
    indicators_dir
        A directory of the user's own indicators (``None``: ``$BALANCES_USER_DIR``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    focal: str = DEFAULT_FOCAL
    reference: str = DEFAULT_REFERENCE
    start: int = DEFAULT_START
    end: int = DEFAULT_END
    spec: Any = Field(
        DEFAULT_SPEC, description="a preset name or YAML path (str), or a ScoringSpec"
    )
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    indicators_dir: Path | None = None

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _parameter_error(exc) from None

    @model_validator(mode="before")
    @classmethod
    def _check(cls, values: Any) -> Any:
        """Check and normalise every value before pydantic stores it."""
        if not isinstance(values, Mapping):
            return values
        from balances.triad import Triad  # country codes: loaded when a run is built

        out = dict(values)
        try:
            focal, reference = (
                out.get("focal", DEFAULT_FOCAL),
                out.get("reference", DEFAULT_REFERENCE),
            )
            if not isinstance(reference, str):
                raise ParameterError("reference", reference, ALLOWED["reference"])
            if not isinstance(focal, str | tuple | list):
                raise ParameterError("focal", focal, ALLOWED["focal"])
            triad = Triad.parse(focal if isinstance(focal, str) else tuple(focal), reference)
            out["focal"], out["reference"] = f"{triad.focal1},{triad.focal2}", triad.reference
            check_period(out.get("start", DEFAULT_START), out.get("end", DEFAULT_END))
            _check_int("draws", out.get("draws", DEFAULT_DRAWS), MAX_DRAWS)
            _check_int("seed", out.get("seed", DEFAULT_SEED), MAX_SEED)
            from balances.scoring import ScoringSpec, resolve_spec

            spec = out.get("spec", DEFAULT_SPEC)
            if spec is None or isinstance(spec, Mapping):
                out["spec"] = resolve_spec(spec)
            elif isinstance(spec, os.PathLike | str):
                resolve_spec(str(spec))
                out["spec"] = str(spec)
            elif not isinstance(spec, ScoringSpec):
                raise ParameterError("spec", spec, ALLOWED["spec"])
            user = out.get("indicators_dir")
            if user is not None:
                if (
                    not isinstance(user, str | os.PathLike)
                    or not str(user)
                    or not Path(user).is_dir()
                ):
                    raise ParameterError("indicators_dir", user, ALLOWED["indicators_dir"])
                out["indicators_dir"] = Path(user)
        except ParameterError as exc:
            raise _as_custom(exc) from None
        return out

    @functools.cached_property
    def triad(self) -> Triad:
        """The focal pair and reference as a :class:`~balances.triad.Triad`."""
        from balances.triad import Triad

        a, b = self.focal.split(",")
        return Triad(a, b, self.reference)

    @functools.cached_property
    def scoring_spec(self) -> ScoringSpec:
        """The spec resolved to a :class:`~balances.scoring.ScoringSpec`."""
        from balances.scoring import resolve_spec

        return resolve_spec(self.spec)

    @property
    def years(self) -> tuple[int, int]:
        """``(start, end)``."""
        return (self.start, self.end)

    def notebook_parameters(self) -> dict[str, str | int]:
        """The values as a report notebook's parameters cell declares them."""
        spec = self.spec if isinstance(self.spec, str) else self.scoring_spec.digest()
        return {
            "focal": self.focal,
            "reference": self.reference,
            "start": self.start,
            "end": self.end,
            "spec": spec,
            "draws": self.draws,
            "seed": self.seed,
        }


def _parameter_error(exc: ValidationError) -> ParameterError:
    """The ParameterError behind a RunParams validation error."""
    err = exc.errors(include_url=False)[0]
    ctx = err.get("ctx") or {}
    if err["type"] == "parameter":
        return ParameterError(ctx["name"], ctx["value"], ctx["allowed"])
    name = str(err["loc"][0]) if err["loc"] else "parameters"
    if err["type"] == "extra_forbidden":
        return ParameterError(name, shown(err.get("input")), f"one of {', '.join(ALLOWED)}")
    return ParameterError(name, err.get("input"), ALLOWED.get(name, err["msg"]))


def defaults() -> RunParams:
    """The defaults, as one object."""
    return RunParams()
