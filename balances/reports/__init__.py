"""notebooks -> reports: run each period's notebooks with papermill, export HTML, index them.

The periods file (``notebooks/params/periods.yml``) names periods with their
parameters; it is loaded strictly and every parameter is checked before any
notebook runs (:func:`load_periods`). :func:`run_reports` then executes each
(period, notebook) pair with papermill in a worker process of its own,
exports the executed notebook to HTML with nbconvert, and writes under ``out``::

    <period>/<notebook>.html          the report (code hidden unless with_input)
    <period>/<notebook>.ipynb         the executed notebook (its cache key in its metadata)
    <period>/<notebook>.stamp.json    its inputs, cache key and the two files' hashes
    <period>/<notebook>.failed.ipynb  the partially executed notebook of a failed run
    <period>/<notebook>.failed.json   when and how it failed
    index.html                        every period, its status and a summary across periods
    manifest.json                     what ran, with which inputs, and how it went
    .cache/                           the summary scores and figure, by the key of their inputs

Modules: :mod:`~balances.reports.periods` (the periods file),
:mod:`~balances.reports.safety` (parameters as literals),
:mod:`~balances.reports.cache` (keys, stamps, the folder lock),
:mod:`~balances.reports.execution` (one report, the executors),
:mod:`~balances.reports.summary` (scores and figure across periods),
:mod:`~balances.reports.index` (the page), :mod:`~balances.reports.run` (the run),
:mod:`~balances.reports.notebook` (what the report notebooks display).
"""

from __future__ import annotations

from balances.reports.cache import cache_key, data_hashes, package_hash, user_indicators
from balances.reports.execution import DEFAULT_TIMEOUT, Job, export_html, run_job
from balances.reports.index import render_index
from balances.reports.loading import load_periods, load_periods_cached
from balances.reports.periods import (
    DEFAULT_NOTEBOOKS,
    DEFAULT_NOTEBOOKS_DIR,
    DEFAULT_PERIODS_FILE,
    Period,
    PeriodsConfig,
)
from balances.reports.run import INDEX_FILE, MANIFEST_FILE, RunResult, check_out, run_reports
from balances.reports.safety import PARAMETER_NAMES, check_parameters_cell, declared_parameters

__all__ = [
    "DEFAULT_NOTEBOOKS",
    "DEFAULT_NOTEBOOKS_DIR",
    "DEFAULT_PERIODS_FILE",
    "DEFAULT_TIMEOUT",
    "INDEX_FILE",
    "MANIFEST_FILE",
    "PARAMETER_NAMES",
    "Job",
    "Period",
    "PeriodsConfig",
    "RunResult",
    "cache_key",
    "check_out",
    "check_parameters_cell",
    "data_hashes",
    "declared_parameters",
    "export_html",
    "load_periods",
    "load_periods_cached",
    "package_hash",
    "render_index",
    "run_job",
    "run_reports",
    "user_indicators",
]
