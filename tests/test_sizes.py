"""Rooms stay small: no module over 700 lines, no function over 80 (issue 14).

The modules and functions still over the limits are listed, so the rule holds for
everything else now and a new oversized room fails at once. Shrinking one is done
by splitting it and removing its entry here.
"""

from __future__ import annotations

import ast

import pytest
from test_architecture import PACKAGE, _module

MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80
#: Over the limits when this test was written (module, or module:function).
OVERSIZE = frozenset(
    {
        "balances.cli",
        "balances.cli:build_parser",
        "balances.plots",
        "balances.change",
        "balances.change:trend_by_period",
        "balances.change:unknown_break",
        "balances.change:markov_regimes",
        "balances.change:residual_gap",
        "balances.ko_figures",
        "balances.ko_figures:load_ko_figures",
        "balances.ko_figures:compare_with_sipri",
        "balances.indicators.panel:read_user_table",
        "balances.indicators.panel:compute_panel",
        "balances.lenses:comparative_test",
        "balances.io:export",
        "balances.sources.sipri_arms:read_trademap",
        "balances.reports.periods_file:load_strict",
        "balances.reports.run:run_reports",
        "balances.reports.summary:plot_periods",
        "balances.explore",
        "balances.explore:build_ui",
        "balances.similarity:similarity",
        "balances.analysis:breaks",
    }
)


def _rooms() -> dict[str, int]:
    """Lines of every module and of every function (``module:function``) in the package."""
    sizes = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = _module(path)
        sizes[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                key = f"{name}:{node.name}"  # the longest, when a name is used twice
                sizes[key] = max(sizes.get(key, 0), node.end_lineno - node.lineno + 1)
    return sizes


SIZES = _rooms()


@pytest.mark.parametrize("kind", ["module", "function"])
def test_no_new_room_is_too_big(kind: str) -> None:
    limit = MAX_FUNCTION_LINES if kind == "function" else MAX_MODULE_LINES
    big = {
        name: n
        for name, n in SIZES.items()
        if (":" in name) == (kind == "function") and n > limit and name not in OVERSIZE
    }
    assert big == {}, f"over {limit} lines: {big}; split along a real seam"
