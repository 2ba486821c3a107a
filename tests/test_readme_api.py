"""The README shows the Python API a user needs (issue 13, point 9), and every name it shows exists."""

from __future__ import annotations

import ast
import importlib
import re

from balances.config import PROJECT_DIR


def _python_example() -> ast.Module:
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    m = re.search(r"From Python:\s*```python\n(.*?)```", text, re.S)
    assert m, "README: no 'From Python:' example"
    return ast.parse(m.group(1))


def test_the_python_example_names_the_helpers_and_each_exists() -> None:
    tree = _python_example()
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("balances"):
            for alias in node.names:
                name = alias.asname or alias.name
                full = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(full)
                    modules[name] = full
                except ModuleNotFoundError:
                    module = importlib.import_module(node.module)
                    assert hasattr(module, alias.name), f"README imports {full}, which is gone"
    used = {
        (node.value.id, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
    }
    for name, attr in sorted(used):
        assert hasattr(importlib.import_module(modules[name]), attr), f"README: {name}.{attr}"
    for needed in ("explain_change", "breaks", "alignment_gap"):
        assert ("analysis", needed) in used, needed
    assert {attr for name, attr in used if name == "plots"} >= {"lens_scores", "save"}
