"""Strict loading of the periods file (imports yaml and pydantic: only when a file is read)."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from balances.errors import ParameterError, RegistryError
from balances.params import (
    DEFAULT_DRAWS,
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    DEFAULT_SPEC,
)
from balances.reports.periods import (
    DEFAULT_NOTEBOOKS,
    DEFAULT_NOTEBOOKS_DIR,
    DEFAULT_PERIODS_FILE,
    FOCAL_PATTERN,
    ISO3_PATTERN,
    MAX_SEED,
    NAME_PATTERN,
    NAME_RULE,
    TEXT_PATTERN,
    Period,
    PeriodsConfig,
    _allowed,
    shown,
)
from balances.reports.safety import PARAMETER_NAMES, check_parameters_cell, declared_parameters

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=64)]
Focal = Annotated[str, StringConstraints(pattern=FOCAL_PATTERN)]
Iso3 = Annotated[str, StringConstraints(pattern=ISO3_PATTERN)]
Title = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=200)]
Description = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Defaults(_Strict):
    focal: Focal = DEFAULT_FOCAL
    reference: Iso3 = DEFAULT_REFERENCE
    spec: Name = DEFAULT_SPEC
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED


class _PeriodEntry(_Strict):
    title: Title
    description: Description
    start: int
    end: int
    focal: Focal | None = None
    reference: Iso3 | None = None
    spec: Name | None = None
    draws: int | None = None
    seed: int | None = None
    notebooks: list[Name] | None = Field(default=None, min_length=1)


class _PeriodsFile(_Strict):
    notebooks_dir: str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    notebooks: list[Name] = Field(default_factory=lambda: list(DEFAULT_NOTEBOOKS), min_length=1)
    periods: dict[Any, Any] = Field(min_length=1)


def _pydantic_problem(where: str, exc: ValidationError, fields: Iterable[str]) -> RegistryError:
    """A RegistryError naming the place, the key and what it accepts, from a pydantic error."""
    allowed = _allowed()
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = loc[0] if loc else "?"
    if err["type"] == "extra_forbidden":
        return RegistryError(f"{where}: unknown key {key!r}; allowed keys: {', '.join(fields)}")
    if err["type"] == "missing":
        expected = allowed.get(key, "a value")
        return RegistryError(f"{where}: missing key {key!r}; expected {expected}")
    what = f"parameter {key!r}" + (f" (item {loc[1]})" if len(loc) > 1 else "")
    return RegistryError(
        f"{where}, {what}: {shown(err['input'])} is not allowed ({err['msg']}); "
        f"expected {allowed.get(key, 'a valid value')}"
    )


def _read_yaml(path: Path) -> Any:
    """The periods file through the one strict loader (duplicate keys, aliases, merge keys refused)."""
    from balances.declare import load_yaml

    if not path.is_file():
        raise RegistryError(f"{path}: periods file not found")
    return load_yaml(path, "periods file")


def _check_semantics(where: str, values: Mapping[str, Any]) -> None:
    """Check years, countries, preset, draws and seed with the package's own validators."""
    from balances.analysis import MAX_DRAWS, check_period
    from balances.scoring import PRESETS, resolve_spec
    from balances.triad import Triad

    allowed = _allowed()
    try:
        if "start" in values:
            check_period(values["start"], values["end"])
        Triad.parse(values["focal"], values["reference"])
        if values["spec"] not in PRESETS:
            raise ParameterError("spec", values["spec"], allowed["spec"])
        resolve_spec(values["spec"])
        if not 0 <= values["draws"] <= MAX_DRAWS:
            raise ParameterError("draws", values["draws"], allowed["draws"])
        if not 0 <= values["seed"] <= MAX_SEED:
            raise ParameterError("seed", values["seed"], allowed["seed"])
    except ParameterError as exc:
        # Triad names the member (focal1, focal2); the file's key is `focal`
        key = "focal" if exc.name in ("focal1", "focal2", "focal/reference") else exc.name
        raise RegistryError(
            f"{where}, parameter {key!r}: {shown(exc.value)} is not allowed; expected {exc.allowed}"
        ) from exc


def load_strict(
    path: str | os.PathLike[str] | None = None,
    *,
    notebooks_dir: str | os.PathLike[str] | None = None,
) -> PeriodsConfig:
    """The validating reader behind :func:`balances.reports.loading.load_periods` (documented there)."""
    file = Path(path) if path is not None else DEFAULT_PERIODS_FILE
    top, defaults = _read_top(file)
    if notebooks_dir is not None:
        nb_dir = Path(notebooks_dir)
    elif top.notebooks_dir is not None:
        nb_dir = file.parent / top.notebooks_dir
    else:
        nb_dir = DEFAULT_NOTEBOOKS_DIR
    nb_dir = nb_dir.resolve()
    _check_semantics(f"{file}, defaults", defaults)

    declared: dict[str, list[str]] = {}
    check_notebooks = functools.partial(_check_notebooks, nb_dir=nb_dir, declared=declared)
    check_notebooks(f"{file}, notebooks", top.notebooks)
    periods: dict[str, Period] = {}
    for name, block in top.periods.items():
        if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name) or len(name) > 64:
            raise RegistryError(
                f"{file}: period name {shown(name)} is not allowed; names become "
                f"folders under --out, so use {NAME_RULE}, at most 64 characters"
            )
        where = f"{file}, period {name!r}"
        periods[name] = _period(where, name, block, top, defaults, check_notebooks)
    return PeriodsConfig(
        path=file.resolve(), notebooks_dir=nb_dir, defaults=defaults, periods=periods
    )


def _read_top(file: Path) -> tuple[_PeriodsFile, dict[str, Any]]:
    """The file's top-level blocks, and its defaults validated and completed."""
    raw = _read_yaml(file)
    if not isinstance(raw, dict):
        raise RegistryError(
            f"{file}: expected a mapping with keys {', '.join(_PeriodsFile.model_fields)}"
        )
    try:
        top = _PeriodsFile(**{str(k): v for k, v in raw.items()})
    except ValidationError as exc:
        raise _pydantic_problem(str(file), exc, _PeriodsFile.model_fields) from exc
    try:
        defaults = _Defaults(**{str(k): v for k, v in top.defaults.items()}).model_dump()
    except ValidationError as exc:
        raise _pydantic_problem(f"{file}, defaults", exc, _Defaults.model_fields) from exc
    return top, defaults


def _check_notebooks(
    where: str, names: Sequence[str], *, nb_dir: Path, declared: dict[str, list[str]]
) -> None:
    """Each notebook listed once, present in ``nb_dir``, declaring the run parameters.

    ``declared`` caches each notebook's declared parameters across periods.
    """
    twice = sorted({nb for nb in names if list(names).count(nb) > 1})
    if twice:
        raise RegistryError(
            f"{where}, parameter 'notebooks': {twice[0]!r} is listed twice; "
            "each notebook runs once per period and writes one report"
        )
    for nb in names:
        nb_path = nb_dir / f"{nb}.ipynb"
        if not nb_path.is_file():
            have = sorted(p.stem for p in nb_dir.glob("*.ipynb")) if nb_dir.is_dir() else []
            raise RegistryError(
                f"{where}, parameter 'notebooks': notebook {nb!r} not found as {nb_path}; "
                f"expected one of {have or '(none: the folder has no .ipynb files)'}"
            )
        if nb not in declared:
            declared[nb] = declared_parameters(nb_path)
        missing = [p for p in PARAMETER_NAMES if p not in declared[nb]]
        if missing:
            raise RegistryError(
                f"{nb_path}: the cell tagged 'parameters' does not declare "
                f"{', '.join(missing)}; a report notebook declares "
                f"{', '.join(PARAMETER_NAMES)}"
            )


def _period(
    where: str,
    name: str,
    block: object,
    top: _PeriodsFile,
    defaults: dict[str, Any],
    check_notebooks: Callable[[str, Sequence[str]], None],
) -> Period:
    """One period's block, validated, with the defaults filled in."""
    if not isinstance(block, dict):
        raise RegistryError(
            f"{where}: expected a mapping of {', '.join(_PeriodEntry.model_fields)}"
        )
    try:
        entry = _PeriodEntry(**{str(k): v for k, v in block.items()})
    except ValidationError as exc:
        raise _pydantic_problem(where, exc, _PeriodEntry.model_fields) from exc
    values = {k: v if v is not None else defaults.get(k) for k, v in entry.model_dump().items()}
    _check_semantics(where, values)
    notebooks = tuple(entry.notebooks or top.notebooks)
    check_notebooks(where, notebooks)
    period = Period(
        name=name,
        title=entry.title,
        description=entry.description,
        start=values["start"],
        end=values["end"],
        focal=values["focal"],
        reference=values["reference"],
        spec=values["spec"],
        draws=values["draws"],
        seed=values["seed"],
        notebooks=notebooks,
    )
    check_parameters_cell(period.parameters(), where)
    return period
