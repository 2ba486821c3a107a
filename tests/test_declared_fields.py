"""A field that is declared is read: every field of every pydantic model in ``balances``.

A field nobody reads is a promise the code does not keep (``ko_condition`` sat on
eight indicators while the Walt rule restated its inputs in Python). The test
finds every model by its class statement, then looks for the field's name being
read (``x.field``, ``x["field"]``, ``x.get("field")`` or ``getattr(x, "field")``)
in the modules that can hold the model: the one that declares it, the modules
importing that one and the modules importing those. The annotated name in the
class body (the declaration itself) is not a read.
"""

from __future__ import annotations

import ast
import functools
import importlib

from pydantic import BaseModel
from test_architecture import PACKAGE, _module, import_graph


@functools.cache
def _trees() -> dict[str, ast.Module]:
    return {_module(p): ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}


@functools.cache
def _models() -> list[type[BaseModel]]:
    """Every class in the package that derives from ``BaseModel`` (directly or not).

    Found when a test first asks (importing every model's module at collection would
    cost every test worker two seconds).
    """
    found = []
    for name, tree in sorted(_trees().items()):
        classes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.bases]
        if not classes:
            continue
        module = importlib.import_module(name)
        for cls in classes:
            obj = getattr(module, cls, None)
            if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == name:
                found.append(obj)
    return found


def _reads(tree: ast.AST) -> set[str]:
    """Names read as an attribute, a constant subscript, ``.get`` or ``getattr``."""
    out: set[str] = set()
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            out.add(node.attr)
        elif isinstance(node, ast.Subscript):
            key = node.slice
        elif isinstance(node, ast.Call):
            func, args = node.func, node.args
            if isinstance(func, ast.Attribute) and func.attr == "get" and args:
                key = args[0]
            elif isinstance(func, ast.Name) and func.id == "getattr" and len(args) > 1:
                key = args[1]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            out.add(key.value)
    return out


def _near(module: str) -> set[str]:
    """The module, the modules importing it, and the modules importing those."""
    graph = import_graph()
    users = {m for m, deps in graph.items() if module in deps}
    return {module} | users | {m for m, deps in graph.items() if deps & users}


#: Documentation fields whose reader is the command line (``balances indicators`` and
#: ``balances sources`` in ``cli.py``), which does not show them yet. Remove an entry when
#: the field is shown: the test fails until then, and fails again if it is left behind.
NOT_YET_SHOWN: dict[str, set[str]] = {}


def test_the_declaration_models_are_found() -> None:
    names = {m.__name__ for m in _models()}
    assert {"Indicator", "Source", "SourceFile", "ScoringSpec", "RunParams"} <= names
    assert {"ClaimsFile", "Claim", "Test", "Measure", "Similarity", "Period"} <= names


def test_an_unread_field_is_found() -> None:
    tree = ast.parse(
        "class M(BaseModel):\n    kept: int\n    lost: int\n\nM(kept=1, lost=2).kept\n"
    )
    assert "kept" in _reads(tree) and "lost" not in _reads(tree)


def test_every_declared_field_is_read() -> None:
    reads = {name: _reads(tree) for name, tree in _trees().items()}
    unread_by_model = {}
    for model in _models():
        read = set().union(*(reads[m] for m in _near(model.__module__)))
        unread = {name for name in model.model_fields if name not in read}
        qualified = f"{model.__module__}.{model.__name__}"
        if unread != NOT_YET_SHOWN.get(qualified, set()):
            unread_by_model[qualified] = sorted(unread)
    assert not unread_by_model, f"fields never read: {unread_by_model}"
