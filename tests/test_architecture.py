"""The import graph follows the architecture table in the README: no cycle, no layer skip."""

from __future__ import annotations

import ast
import fnmatch
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "balances"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere (function-level imports included).

    Parsed once per process; callers must not change the graph.
    """
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                if node.level:
                    pkg = (
                        name.split(".")[: -node.level]
                        if path.name != "__init__.py"
                        else name.split(".")
                    )
                    base = ".".join([*pkg, node.module])
                if base.split(".")[0] != "balances":
                    continue
                deps.add(base)
                deps.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.split(".")[0] == "balances")
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def architecture() -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """The README's table: layer -> module patterns, and layer -> layers it may import."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Architecture") :]
    section = section[: section.index("\n## ", 3)]
    patterns: dict[str, list[str]] = {}
    allowed: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("layer", "") or set(cells[0]) <= {"-"}:
            continue
        layer, mods, may = cells
        patterns[layer] = [
            "balances" if m == "balances" else f"balances.{m}"
            for m in re.findall(r"`([^`]+)`", mods)
        ]
        allowed[layer] = (
            set(patterns) - {layer}
            if may == "all of the above"
            else {x.strip() for x in may.split(",") if x.strip()}
        )
    return patterns, allowed


def layer_of(module: str, patterns: dict[str, list[str]]) -> list[str]:
    return [
        layer
        for layer, pats in patterns.items()
        if any(fnmatch.fnmatchcase(module, p) for p in pats)
    ]


def test_the_table_names_real_layers() -> None:
    patterns, allowed = architecture()
    assert len(patterns) >= 6
    for layer, may in allowed.items():
        assert may <= set(patterns), (layer, may - set(patterns))


def test_every_module_is_in_exactly_one_layer() -> None:
    patterns, _ = architecture()
    placed = {m: layer_of(m, patterns) for m in import_graph()}
    assert {m: ls for m, ls in placed.items() if len(ls) != 1} == {}


def test_imports_follow_the_layers() -> None:
    patterns, allowed = architecture()
    graph = import_graph()
    bad = []
    for module, deps in sorted(graph.items()):
        (layer,) = layer_of(module, patterns)
        for dep in sorted(deps):
            (target,) = layer_of(dep, patterns)
            if target != layer and target not in allowed[layer]:
                bad.append(f"{module} ({layer}) imports {dep} ({target})")
    assert bad == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    # Tarjan's strongly connected components: any component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_checker_sees_a_violation() -> None:
    """The rule is not vacuous: the reading side importing the build side is caught."""
    patterns, allowed = architecture()
    (data,) = layer_of("balances.data", patterns)
    (build,) = layer_of("balances.build", patterns)
    assert build not in allowed[data]
    assert "balances.indicators.registry" not in import_graph()["balances.indicators.ops"]


#: Most lines a module may have, and a function (docstring included), counted by ast.
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80

#: Items allowed over the limits: "path" for a module, "path:function" for a function, with
#: its length. Empty: every room fits; an entry must come with the reason it cannot be split.
_OVER_LIMIT_TODO: dict[str, int] = {}


def sizes(package: Path = PACKAGE) -> dict[str, int]:
    """Every module and every function (methods and nested functions too) over the limits."""
    over: dict[str, int] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        n_lines = len(text.splitlines())
        if n_lines > MAX_MODULE_LINES:
            over[rel] = n_lines
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > MAX_FUNCTION_LINES:
                    over[f"{rel}:{node.name}"] = length
    return over


def test_no_module_or_function_is_too_long() -> None:
    """Issue #14: no module over 700 lines, no function over 80 (split it along a seam)."""
    over = {k: v for k, v in sizes().items() if k not in _OVER_LIMIT_TODO}
    assert over == {}, "\n".join(
        f"{k}: {v} lines (limit {MAX_FUNCTION_LINES if ':' in k else MAX_MODULE_LINES})"
        for k, v in sorted(over.items())
    )


def test_the_over_limit_list_is_not_stale() -> None:
    """An allow-listed item that now fits the limits must leave the list."""
    fixed = sorted(set(_OVER_LIMIT_TODO) - set(sizes()))
    assert fixed == [], f"now within the limits, remove from _OVER_LIMIT_TODO: {fixed}"


def test_the_size_check_sees_long_modules_and_functions(tmp_path: Path) -> None:
    """The check is not vacuous: it names the file, the function and the length."""
    pkg = tmp_path / "balances"
    (pkg / "sub").mkdir(parents=True)
    fits = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 1))
    (pkg / "sub" / "ok.py").write_text(f"def f():\n{fits}", encoding="utf-8")
    method = "".join(f"        x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    blank = "\n" * MAX_MODULE_LINES
    (pkg / "long.py").write_text(f"class C:\n    def m(self):\n{method}{blank}", encoding="utf-8")
    assert sizes(pkg) == {
        "balances/long.py": 2 + MAX_FUNCTION_LINES + MAX_MODULE_LINES,
        "balances/long.py:m": MAX_FUNCTION_LINES + 1,
    }
