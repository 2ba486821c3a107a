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
from pydantic import BaseModel, ConfigDict, Field, field_validator

from balances.countries import is_known_iso3
from balances.declare import read_document, require_list, shown, validate
from balances.errors import RegistryError
from balances.indicators.ops import (  # noqa: F401 - evaluate is part of this module's API
    NESTED,
    NESTED_LISTS,
    OPS,
    SIGNATURES,
    Context,
    OpError,
    evaluate,
)
from balances.triad import ROLES

BUILTIN_DIR = Path(__file__).resolve().parent
USER_ENV = "BALANCES_USER_DIR"
ENTRY_POINT_GROUP = "balances.indicators"
#: Suffixes of indicator files (both spellings of YAML are read).
YAML_SUFFIXES = (".yml", ".yaml")
#: Group names a ``states`` or ``among`` argument may use instead of a list.
STATE_GROUPS = ("all", "great_powers", "triad")

#: ``context``: measured for claims and reports, never scored (behaviour, or a condition
#: no lens's theory names at the level of the pair).
Lens = Literal["power", "threat", "interests", "alignment", "context"]
LENSES: tuple[str, ...] = ("power", "threat", "interests")

#: Tables recording alignment behaviour (voting together, vetoes, treaties and alliances,
#: exercises, summits, arms and trade between states, co-membership). They measure the
#: outcome the lenses explain, so no driver lens may read them.
BEHAVIOUR_TABLES: frozenset[str] = frozenset(
    {
        "alliance_s_dyad",
        "arms_register_orders",
        "arms_tiv_dyad",
        "atop_dyad",
        "bloc_membership",
        "cow_alliance_dyad",
        "cow_trade_dyad",
        "cr_exercises",
        "cr_summits",
        "exercises_dyad",
        "gdelt_dyad",
        "icews_dyad",
        "igo_dyad",
        "igo_informal_dyad",
        "imf_dots_dyad",
        "trade_official",
        "unga_similarity",
        "unsc_vetoes",
        "unsc_vetoes_year",
    }
)
#: Processed dyad tables that record what two states do to each other (or how they vote):
#: on the focal pair itself they are the outcome, not a driver. A user's own dyad table is
#: the user's to declare.
PAIR_CONDUCT_TABLES: frozenset[str] = BEHAVIOUR_TABLES | frozenset(
    {"mid_dyad", "unga_idealpoint_distance", "arms_races"}
)


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
    ko_condition: Literal["capability", "allies", "security_climate", "none"] = Field(
        default="none",
        description="the Walt condition, as Ko reads it, the indicator measures: the Walt rule "
        "(balances.walt.RULE) takes its inputs from indicators so declared, and a claim about "
        "a condition measures only indicators declared for it (or for none)",
    )
    subconcept: str = Field(
        default="",
        pattern=r"^[a-z_]*$",
        description="the part of the lens's theory the indicator measures (e.g. preponderance); "
        "indicators of one sub-concept share its weight, so a concept is counted once",
    )
    reference_only: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="ISO3 of the only reference power the data describe (US troops, NATO)",
    )
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
        raise ValueError(f"{path}.op: unknown operation {shown(name)}; known: {sorted(OPS)}")
    required, optional = SIGNATURES[name]
    args = set(node) - {"op"}
    if missing := required - args:
        raise ValueError(f"{path}: operation {shown(name)} needs {sorted(missing)}")
    if unknown := args - required - optional:
        raise ValueError(
            f"{path}: operation {shown(name)} does not take {shown(sorted(unknown))}; "
            f"allowed: {sorted(required | optional)}"
        )
    if "table" in node:
        table = node["table"]
        if table not in set(sources):
            raise ValueError(f"{path}.table: {shown(table)} is not among the indicator's sources")
        if table not in columns:
            raise ValueError(f"{path}.table: no table {shown(table)}; available: {sorted(columns)}")
        for key in ("column", "year_column", "start_column", "end_column"):
            if key in node and node[key] not in set(columns[table]):
                raise ValueError(f"{path}.{key}: table {table!r} has no column {shown(node[key])}")
        for col in node.get("where") or {}:
            if col not in set(columns[table]):
                raise ValueError(f"{path}.where: table {table!r} has no column {shown(col)}")
    _check_states(node, path)
    for key in NESTED & args:
        check_expression(node[key], sources, columns, f"{path}.{key}")
    for key in NESTED_LISTS & args:
        if not isinstance(node[key], list) or not node[key]:
            raise ValueError(f"{path}.{key}: expected a non-empty list of expressions")
        for i, sub in enumerate(node[key]):
            check_expression(sub, sources, columns, f"{path}.{key}[{i}]")


def _reads(node: Any) -> list[tuple[str, tuple[str, ...] | None]]:
    """(table, dyad roles or None) for every table an expression reads."""
    if not isinstance(node, Mapping):
        return []
    found = (
        [(node["table"], tuple(node["dyad"]) if "dyad" in node else None)]
        if "table" in node
        else []
    )
    for key in NESTED & set(node):
        found += _reads(node[key])
    for key in NESTED_LISTS & set(node):
        for sub in node[key] if isinstance(node[key], list) else []:
            found += _reads(sub)
    return found


def check_driver(ind: Indicator) -> None:
    """A driver lens holds reasons to align, never alignment behaviour.

    Raises
    ------
    ValueError
        If a power, threat or interests indicator reads a behaviour table
        (:data:`BEHAVIOUR_TABLES`) or reads a conduct table
        (:data:`PAIR_CONDUCT_TABLES`) on the focal pair itself.
    """
    if ind.lens not in LENSES:
        return
    for table, dyad in _reads(ind.compute):
        if table in BEHAVIOUR_TABLES:
            raise ValueError(
                f"table {table!r} records alignment behaviour, which is the outcome; a "
                f"{ind.lens} indicator must measure a reason to align (use lens 'alignment')"
            )
        if dyad and set(dyad) == {"focal1", "focal2"} and table in PAIR_CONDUCT_TABLES:
            raise ValueError(
                f"reads {table!r} on the focal pair itself: what the pair do to each other is "
                "behaviour (the outcome), not a reason to align"
            )


def _check_state(who: Any, path: str) -> None:
    if not (isinstance(who, str) and (who in ROLES or is_known_iso3(who))):
        raise ValueError(
            f"{path}: {shown(who)} is neither a role ({', '.join(ROLES)}) "
            "nor a known ISO3 code (e.g. RUS, CHN, USA)"
        )


def _check_states(node: Mapping[str, Any], path: str) -> None:
    """Every state an expression names is a role or a known ISO3 code, when it loads."""
    if "state" in node:
        _check_state(node["state"], f"{path}.state")
    if "dyad" in node:
        dyad = node["dyad"]
        if not isinstance(dyad, list) or len(dyad) != 2:
            raise ValueError(
                f"{path}.dyad: expected two states [from, to], e.g. [focal1, focal2]; "
                f"got {shown(dyad)}"
            )
        for i, who in enumerate(dyad):
            _check_state(who, f"{path}.dyad[{i}]")
    for key in ("states", "among"):
        if key not in node:
            continue
        group = node[key]
        if isinstance(group, str) and (
            group in STATE_GROUPS or group in ROLES or is_known_iso3(group)
        ):
            continue
        if isinstance(group, list) and group:
            for i, who in enumerate(group):
                _check_state(who, f"{path}.{key}[{i}]")
            continue
        raise ValueError(
            f"{path}.{key}: expected a group ({', '.join(STATE_GROUPS)}) or a list of roles "
            f"and ISO3 codes; got {shown(group)}"
        )


def declaration_files(directory: Path) -> list[Path]:
    """The indicator files of a directory: ``*.yml`` and ``*.yaml``, sorted by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)


def _path_loc(path: str) -> tuple[str | int, ...]:
    """``compute.args[1].table`` -> ``("compute", "args", 1, "table")``."""
    loc: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        loc.append(name)
        for idx in rest.rstrip("]").split("]["):
            if idx.isdigit():
                loc.append(int(idx))
    return tuple(loc)


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
        for path in declaration_files(Path(d)):
            doc = read_document(path, "indicator file")
            for i, block in enumerate(require_list(doc, "indicators")):
                name = block.get("id", f"#{i + 1}") if isinstance(block, dict) else f"#{i + 1}"
                where = f"indicator {shown(name, 60)}"
                ind = validate(
                    Indicator, block, doc, loc=("indicators", i), where=where, origin=str(path)
                )
                at = ("indicators", i)
                if ind.id in out:
                    raise doc.error(
                        (*at, "id"),
                        f"{where}: duplicate id (first declared in {out[ind.id].origin})",
                    )
                missing = [s for s in ind.sources if s not in columns]
                if missing:
                    raise doc.error(
                        (*at, "sources"),
                        f"{where}: source table(s) {missing} not found; "
                        f"available: {sorted(columns)}",
                    )
                try:
                    check_expression(ind.compute, ind.sources, columns)
                    if ind.estimate is not None:
                        check_expression(ind.estimate, ind.sources, columns, "estimate")
                    check_driver(ind)
                except ValueError as exc:
                    raise doc.error(
                        (*at, *_path_loc(str(exc).split(":")[0])), f"{where}: {exc}"
                    ) from exc
                out[ind.id] = ind
    return out


TableLoader = Callable[[str], pd.DataFrame]
