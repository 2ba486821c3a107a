"""Parameter safety: every value reaches a notebook as a plain literal, never as code.

Parameters reach a notebook as papermill parameters, which papermill writes
into the notebook as Python assignments. Only ints and strings are accepted,
and the assignments papermill would write are parsed back and compared with
the values (:func:`check_parameters_cell`), so no value can become code.
Values that reach HTML are escaped where they are displayed
(:mod:`balances.reports.notebook`).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from balances.errors import RegistryError

#: The parameters every report notebook declares in its cell tagged ``parameters``.
PARAMETER_NAMES = (
    "focal",
    "reference",
    "start",
    "end",
    "spec",
    "draws",
    "seed",
    "period_name",
    "period_title",
)


def declared_parameters(path: Path) -> list[str]:
    """Names assigned in the cell tagged ``parameters`` of a notebook.

    Raises
    ------
    RegistryError
        If the notebook cannot be read or has no such cell.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        cells = doc["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{path}: not a readable notebook ({exc})") from exc
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "parameters" in tags:
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            try:
                tree = ast.parse(src)
            except SyntaxError as exc:
                raise RegistryError(
                    f"{path}: the parameters cell is not valid Python ({exc})"
                ) from exc
            names: list[str] = []
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else ([node.target] if isinstance(node, ast.AnnAssign) else [])
                )
                names += [t.id for t in targets if isinstance(t, ast.Name)]
            return names
    raise RegistryError(
        f"{path}: no code cell tagged 'parameters'; add one declaring {', '.join(PARAMETER_NAMES)}"
    )


def check_parameters_cell(parameters: Mapping[str, Any], where: str = "parameters") -> str:
    """Check that papermill would pass every value as a plain literal, and return its code.

    The values must be ints or strings. The cell papermill would inject is
    rendered with papermill's own Python translator, parsed, and must consist
    of exactly one ``name = <constant>`` per parameter, each equal to the
    value given: a string crafted to close the literal and run code fails.

    Raises
    ------
    RegistryError
        Naming the parameter that would not arrive as a literal.
    """
    from papermill.translators import PythonTranslator

    for name, value in parameters.items():
        if not name.isidentifier() or type(value) not in (int, str):
            raise RegistryError(
                f"{where}, parameter {name!r}: {value!r} is not allowed; "
                "expected an int or a string"
            )
    code = PythonTranslator.codify(dict(parameters), comment="Parameters")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise RegistryError(
            f"{where}: the parameters would not be valid Python in the notebook "
            f"({exc.msg}); refusing to run it"
        ) from exc
    found: dict[str, Any] = {}
    for node in tree.body:
        ok = (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
        )
        if not ok:
            stmt = ast.unparse(node)[:80]
            raise RegistryError(
                f"{where}: the parameters would inject a statement that is not "
                f"a plain assignment ({stmt!r}); refusing to run it"
            )
        found[node.targets[0].id] = node.value.value  # type: ignore[union-attr,attr-defined]
    for name, value in parameters.items():
        if name not in found or found[name] != value or type(found[name]) is not type(value):
            raise RegistryError(
                f"{where}, parameter {name!r}: {value!r} would not reach the "
                "notebook as the same literal; refusing to run it"
            )
    extra = sorted(set(found) - set(parameters))
    if extra:
        raise RegistryError(
            f"{where}: the parameters would assign {extra} as well; refusing to run it"
        )
    return code
