"""The indicator registry: declared YAML blocks, loaded strictly.

Indicators live in ``balances/indicators/*.yml`` (one file per lens), in a
user directory (``--indicators-dir`` or ``BALANCES_USER_DIR``: YAML files and
tidy CSV tables), and in installed plugins (entry point group
``balances.indicators`` pointing at a callable that returns such a directory).
Loading fails with the file and the indicator named on an unknown key, a
duplicate id, an unknown operation or argument, a table the indicator does not
declare, or a column the table lacks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from balances.errors import RegistryError
from balances.indicators.ops import NESTED, NESTED_LISTS, OPS, SIGNATURES, Context, OpError

BUILTIN_DIR = Path(__file__).resolve().parent
USER_ENV = "BALANCES_USER_DIR"
ENTRY_POINT_GROUP = "balances.indicators"

Lens = Literal["power", "threat", "interests", "alignment"]
LENSES: tuple[str, ...] = ("power", "threat", "interests")


class Indicator(BaseModel):
    """One declared indicator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    lens: Lens
    title: str
    unit: str
    level: Literal["monadic", "dyadic", "system"]
    direction: Literal[1, -1] = Field(
        description="+1 if a higher value pushes the focal pair toward alignment against the reference"
    )
    concept: str = Field(description="the concept operationalised, in the lens's theory")
    citation: str
    sources: list[str] = Field(min_length=1, description="tables the computation reads")
    compute: dict[str, Any]
    notes: str = ""
    estimate: dict[str, Any] | None = Field(
        default=None,
        description="expression that is 1 in years the value rests on a source's estimate",
    )
    only_for: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3},[A-Z]{3},[A-Z]{3}$",
        description="'FOCAL1,FOCAL2,REFERENCE' when the data exist only for that triad (focal order free)",
    )
    ko_condition: Literal["capability", "allies", "security_climate", "none"] = "none"
    origin: str = Field(default="", description="file the indicator was declared in (set on load)")

    @field_validator("compute")
    @classmethod
    def _has_op(cls, v: dict[str, Any]) -> dict[str, Any]:
        if "op" not in v:
            raise ValueError("compute needs an 'op'")
        return v


def check_expression(
    node: Any, sources: Iterable[str], columns: Mapping[str, Iterable[str]], path: str = "compute"
) -> None:
    """Validate an expression tree against the vocabulary and the available tables.

    Raises
    ------
    ValueError
        Naming the path inside the expression (e.g. ``compute.num.table``).
    """
    if not isinstance(node, Mapping) or "op" not in node:
        raise ValueError(f"{path}: expected a mapping with an 'op'")
    name = node["op"]
    if name not in OPS:
        raise ValueError(f"{path}.op: unknown operation {name!r}; known: {sorted(OPS)}")
    required, optional = SIGNATURES[name]
    args = set(node) - {"op"}
    if missing := required - args:
        raise ValueError(f"{path}: operation {name!r} needs {sorted(missing)}")
    if unknown := args - required - optional:
        raise ValueError(
            f"{path}: operation {name!r} does not take {sorted(unknown)}; "
            f"allowed: {sorted(required | optional)}"
        )
    if "table" in node:
        table = node["table"]
        if table not in set(sources):
            raise ValueError(f"{path}.table: {table!r} is not among the indicator's sources")
        if table not in columns:
            raise ValueError(f"{path}.table: no table {table!r}; available: {sorted(columns)}")
        for key in ("column", "year_column", "start_column", "end_column"):
            if key in node and node[key] not in set(columns[table]):
                raise ValueError(f"{path}.{key}: table {table!r} has no column {node[key]!r}")
        for col in node.get("where") or {}:
            if col not in set(columns[table]):
                raise ValueError(f"{path}.where: table {table!r} has no column {col!r}")
    for key in NESTED & args:
        check_expression(node[key], sources, columns, f"{path}.{key}")
    for key in NESTED_LISTS & args:
        if not isinstance(node[key], list) or not node[key]:
            raise ValueError(f"{path}.{key}: expected a non-empty list of expressions")
        for i, sub in enumerate(node[key]):
            check_expression(sub, sources, columns, f"{path}.{key}[{i}]")


def evaluate(node: Mapping[str, Any], ctx: Context) -> pd.Series:
    """Evaluate an expression tree to a float Series indexed by year."""
    try:
        return OPS[node["op"]](node, ctx).astype("float64")
    except OpError:
        raise
    except KeyError as exc:
        raise OpError(f"operation {node['op']!r}: {exc}") from exc


def indicator_dirs(user_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Directories to read indicators from: built-in, plugins, then the user's."""
    dirs = [BUILTIN_DIR]
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        target = ep.load()
        dirs.append(Path(target() if callable(target) else target))
    chosen = user_dir if user_dir is not None else os.environ.get(USER_ENV)
    if chosen:
        path = Path(chosen)
        if not path.is_dir():
            raise RegistryError(
                f"indicators directory {path} (from {'--indicators-dir' if user_dir else USER_ENV}) "
                "does not exist"
            )
        dirs.append(path)
    return dirs


def load_registry(
    columns: Mapping[str, Iterable[str]],
    dirs: Iterable[Path] | None = None,
) -> dict[str, Indicator]:
    """Load and validate every indicator.

    Parameters
    ----------
    columns
        Table name -> its columns, for every table available (processed and user).
    dirs
        Directories holding ``*.yml`` files with an ``indicators:`` list.

    Returns
    -------
    dict
        Indicators keyed by id, in file order.
    """
    out: dict[str, Indicator] = {}
    for d in dirs if dirs is not None else indicator_dirs():
        for path in sorted(Path(d).glob("*.yml")):
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise RegistryError(f"{path}: not valid YAML ({exc})") from exc
            if (
                not isinstance(doc, dict)
                or set(doc) != {"indicators"}
                or not isinstance(doc["indicators"], list)
            ):
                raise RegistryError(
                    f"{path}: expected one top-level key 'indicators' holding a list"
                )
            for i, block in enumerate(doc["indicators"]):
                name = block.get("id", f"#{i + 1}") if isinstance(block, dict) else f"#{i + 1}"
                where = f"{path}, indicator {name!r}"
                if not isinstance(block, dict):
                    raise RegistryError(f"{where}: expected a mapping")
                try:
                    ind = Indicator(**block, origin=str(path))
                except ValidationError as exc:
                    problems = "; ".join(
                        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                    )
                    raise RegistryError(f"{where}: {problems}") from exc
                if ind.id in out:
                    raise RegistryError(
                        f"{where}: duplicate id (first declared in {out[ind.id].origin})"
                    )
                missing = [s for s in ind.sources if s not in columns]
                if missing:
                    raise RegistryError(
                        f"{where}: source table(s) {missing} not found; "
                        f"available: {sorted(columns)}"
                    )
                try:
                    check_expression(ind.compute, ind.sources, columns)
                    if ind.estimate is not None:
                        check_expression(ind.estimate, ind.sources, columns, "estimate")
                except ValueError as exc:
                    raise RegistryError(f"{where}: {exc}") from exc
                out[ind.id] = ind
    return out


TableLoader = Callable[[str], pd.DataFrame]
