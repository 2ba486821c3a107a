"""notebooks -> reports: run each period's notebooks with papermill, export HTML, index them.

The periods file (``notebooks/params/periods.yml``) names periods with their
parameters. It is loaded strictly and every parameter is checked before any
notebook runs (:func:`load_periods`). :func:`run_reports` then executes each
(period, notebook) pair with papermill in its own process and kernel, exports
the executed notebook to HTML with nbconvert, and writes under ``out``::

    <period>/<notebook>.html         the report (code hidden unless with_input)
    <period>/<notebook>.ipynb        the executed notebook
    <period>/<notebook>.failed.ipynb the partially executed notebook of a failed run
    index.html                       every period, its status and a summary across periods
    manifest.json                    what ran, with which inputs, and how it went

A report is written to a temporary file and renamed into place only when it
succeeded, so a failing or interrupted run never replaces the last good one.
A report whose notebook, parameters, package source and data are all
unchanged is not run again (status ``cached``) unless ``force`` is given.

Parameters reach a notebook as papermill parameters, which papermill writes
into the notebook as Python assignments. Only ints and strings matching
narrow patterns (or one line of plain text for the title) are accepted, and
the assignments papermill would write are parsed back and compared with the
values (:func:`check_parameters_cell`), so no value can become code.
"""

from __future__ import annotations

import ast
import base64
import concurrent.futures as cf
import contextlib
import hashlib
import html
import io
import json
import os
import re
import sys
import time
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from balances import __version__
from balances.config import PACKAGE_DIR, PANEL_END, PROJECT_DIR, STUDY_START, processed_dir
from balances.declare import load_yaml, shown
from balances.errors import ParameterError, RegistryError
from balances.io import atomic_path, sha256, write_text_atomic
from balances.params import (
    DEFAULT_DRAWS,
    DEFAULT_FOCAL,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    DEFAULT_SPEC,
)

if TYPE_CHECKING:
    import nbformat
    import pandas as pd
    from matplotlib.axes import Axes

#: Where the periods file and the notebooks live in the project.
DEFAULT_PERIODS_FILE = PROJECT_DIR / "notebooks" / "params" / "periods.yml"
DEFAULT_NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
DEFAULT_NOTEBOOKS = ("alignment_report", "ko_comparison")
MANIFEST_FILE = "manifest.json"
INDEX_FILE = "index.html"

#: Period, notebook and preset names: they become folder and file names under
#: ``out``, so no '/', no '.', nothing absolute.
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NAME_RULE = (
    "lowercase letters, digits, '_' and '-', starting with a letter or digit (no '/', '.' or '..')"
)
FOCAL_PATTERN = r"^[A-Z]{3},[A-Z]{3}$"
ISO3_PATTERN = r"^[A-Z]{3}$"
#: One line of plain text: no control characters (newlines included) and no backslash.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f\\]+$"
MAX_SEED = 2**63 - 1

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

Status = Literal["ok", "failed", "cached"]

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=64)]
Focal = Annotated[str, StringConstraints(pattern=FOCAL_PATTERN)]
Iso3 = Annotated[str, StringConstraints(pattern=ISO3_PATTERN)]
Title = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=200)]
Description = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=500)]


def _allowed() -> dict[str, str]:
    """What each key accepts, in words, for error messages."""
    from balances.analysis import MAX_DRAWS
    from balances.scoring import PRESETS

    return {
        "name": NAME_RULE,
        "notebooks_dir": "a folder path, relative to the periods file",
        "defaults": "a mapping of focal, reference, spec, draws, seed",
        "periods": "a mapping of period name -> title, description, start, end and overrides",
        "notebooks": f"a list of notebook names ({NAME_RULE}), "
        "files <name>.ipynb in the notebooks folder",
        "title": "one line of text, at most 200 characters, without backslashes",
        "description": "one line of text, at most 500 characters, without backslashes",
        "start": f"a year in {STUDY_START}-{PANEL_END}",
        "end": f"a year in {STUDY_START}-{PANEL_END}",
        "focal": "two upper-case ISO3 codes separated by a comma, e.g. RUS,CHN",
        "reference": "one upper-case ISO3 code, e.g. USA",
        "spec": f"a scoring preset among {sorted(PRESETS)}",
        "draws": f"an integer in 0-{MAX_DRAWS}",
        "seed": f"an integer in 0-{MAX_SEED}",
    }


# ---------------------------------------------------------------- the periods file


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


@dataclass(frozen=True)
class Period:
    """One named period and the parameters its notebooks run with."""

    name: str
    title: str
    description: str
    start: int
    end: int
    focal: str
    reference: str
    spec: str
    draws: int
    seed: int
    notebooks: tuple[str, ...]

    def parameters(self) -> dict[str, str | int]:
        """The papermill parameters of this period's notebooks."""
        return {
            "focal": self.focal,
            "reference": self.reference,
            "start": self.start,
            "end": self.end,
            "spec": self.spec,
            "draws": self.draws,
            "seed": self.seed,
            "period_name": self.name,
            "period_title": self.title,
        }


@dataclass(frozen=True)
class PeriodsConfig:
    """A validated periods file."""

    path: Path
    notebooks_dir: Path
    defaults: dict[str, str | int]
    periods: dict[str, Period]

    def select(self, only: Iterable[str] | None = None) -> list[Period]:
        """The periods named in ``only`` (all when ``None``), in file order.

        Raises
        ------
        ParameterError
            On a name the file does not declare, listing the declared ones.
        """
        if only is None:
            return list(self.periods.values())
        wanted = list(dict.fromkeys(only))
        unknown = [n for n in wanted if n not in self.periods]
        if unknown:
            raise ParameterError(
                "only",
                unknown[0] if len(unknown) == 1 else unknown,
                f"period names declared in {self.path}: {', '.join(self.periods)}",
            )
        return [p for n, p in self.periods.items() if n in wanted]

    def notebook_path(self, name: str) -> Path:
        """The file of a notebook name."""
        return self.notebooks_dir / f"{name}.ipynb"


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


def load_periods(
    path: str | os.PathLike[str] | None = None,
    *,
    notebooks_dir: str | os.PathLike[str] | None = None,
) -> PeriodsConfig:
    """Load and validate a periods file; nothing runs.

    Parameters
    ----------
    path
        The YAML file (default ``notebooks/params/periods.yml``).
    notebooks_dir
        Folder of the notebooks; wins over the file's ``notebooks_dir`` (which is
        relative to the file), whose default is the project's ``notebooks/``.

    Returns
    -------
    PeriodsConfig
        Periods in file order, defaults applied.

    Raises
    ------
    RegistryError
        Naming the file, the period, the parameter and the values allowed, on an
        unknown key, a bad name, a year outside the panel or start after end, an
        unknown country or preset, a missing notebook or one that does not
        declare the parameters, or a value that could not be passed safely.

    Examples
    --------
    >>> cfg = load_periods(notebooks_dir="tests/notebooks")  # doctest: +SKIP
    >>> cfg.periods["kozyrev_1992_1995"].parameters()["start"]  # doctest: +SKIP
    1992
    """
    file = Path(path) if path is not None else DEFAULT_PERIODS_FILE
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

    if notebooks_dir is not None:
        nb_dir = Path(notebooks_dir)
    elif top.notebooks_dir is not None:
        nb_dir = file.parent / top.notebooks_dir
    else:
        nb_dir = DEFAULT_NOTEBOOKS_DIR
    nb_dir = nb_dir.resolve()
    _check_semantics(f"{file}, defaults", defaults)

    declared: dict[str, list[str]] = {}

    def check_notebooks(where: str, names: Sequence[str]) -> None:
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

    check_notebooks(f"{file}, notebooks", top.notebooks)
    periods: dict[str, Period] = {}
    for name, block in top.periods.items():
        if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name) or len(name) > 64:
            raise RegistryError(
                f"{file}: period name {name!r} is not allowed; names become "
                f"folders under --out, so use {NAME_RULE}, at most 64 characters"
            )
        where = f"{file}, period {name!r}"
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
        periods[name] = period
    return PeriodsConfig(
        path=file.resolve(), notebooks_dir=nb_dir, defaults=defaults, periods=periods
    )


# ---------------------------------------------------------------- one report


@dataclass(frozen=True)
class Job:
    """One (period, notebook) run: everything a worker process needs, picklable."""

    period: str
    notebook: str
    source: str
    parameters: dict[str, str | int]
    out_dir: str
    cwd: str
    with_input: bool = False

    @property
    def html(self) -> Path:
        return Path(self.out_dir) / f"{self.notebook}.html"

    @property
    def ipynb(self) -> Path:
        return Path(self.out_dir) / f"{self.notebook}.ipynb"

    @property
    def failed_ipynb(self) -> Path:
        return Path(self.out_dir) / f"{self.notebook}.failed.ipynb"

    @property
    def failed_html(self) -> Path:
        return Path(self.out_dir) / f"{self.notebook}.failed.html"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def export_html(
    nb: nbformat.NotebookNode, *, with_input: bool = False, title: str | None = None
) -> str:
    """An executed notebook as a standalone HTML page (nbconvert, in-process).

    Parameters
    ----------
    nb
        The notebook.
    with_input
        Keep code cells and prompts; by default only outputs and prose are shown.
    title
        The page's ``<title>`` (escaped by nbconvert's template).
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=not with_input,
        exclude_input_prompt=not with_input,
        exclude_output_prompt=not with_input,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "report"}})
    return body


def _execute(job: Job) -> None:
    """Run a notebook, write it and its HTML; a failed run is kept beside the last good one."""
    import nbformat
    import papermill

    title = f"{job.period} / {job.notebook}"
    check_parameters_cell(job.parameters, title)  # again: a Job can be built by hand
    Path(job.out_dir).mkdir(parents=True, exist_ok=True)
    with atomic_path(job.ipynb) as tmp:
        run = tmp.with_name(tmp.name + ".ipynb")  # papermill warns on other suffixes
        try:
            papermill.execute_notebook(
                job.source,
                str(run),
                parameters=dict(job.parameters),
                cwd=job.cwd,
                progress_bar=False,
                log_output=False,
                # kernels log to our stderr (a TCP-encryption warning each, shutdown noise);
                # what a notebook raises is recorded in the notebook and the manifest instead
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
            nb = nbformat.read(run, as_version=4)
            page = export_html(nb, with_input=job.with_input, title=title)
            os.replace(run, tmp)
        except Exception:
            if run.is_file() and run.stat().st_size:
                with contextlib.suppress(Exception):
                    partial = nbformat.read(run, as_version=4)
                    page = export_html(partial, with_input=True, title=title)
                    write_text_atomic(job.failed_html, page)
                with atomic_path(job.failed_ipynb) as failed:
                    os.replace(run, failed)
            raise
        finally:
            run.unlink(missing_ok=True)
    write_text_atomic(job.html, page)
    job.failed_ipynb.unlink(missing_ok=True)
    job.failed_html.unlink(missing_ok=True)


def _error_info(exc: BaseException) -> dict[str, str]:
    """``ename`` and ``evalue`` of a failure (the notebook's own exception when it raised)."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename is not None:
        return {"ename": str(ename), "evalue": str(evalue)}
    return {"ename": type(exc).__name__, "evalue": str(exc)}


def run_job(job: Job) -> dict[str, Any]:
    """Execute one report; never raises for a failing notebook.

    Runs in a worker process (or a dask worker): papermill starts its own
    kernel for the notebook.

    Returns
    -------
    dict
        ``status`` (``ok``/``failed``), ``started``, ``finished`` (ISO, UTC),
        ``duration_s`` and ``error`` (``ename``, ``evalue``) or ``None``.
    """
    started, t0 = _now(), time.perf_counter()
    error = None
    try:
        _execute(job)
    except Exception as exc:  # a failing notebook must not stop the other reports
        error = _error_info(exc)
    return {
        "status": "failed" if error else "ok",
        "started": started,
        "finished": _now(),
        "duration_s": round(time.perf_counter() - t0, 3),
        "error": error,
    }


# ---------------------------------------------------------------- caching


def package_hash() -> str:
    """SHA-256 over the package's source files (``.py``, ``.yml``, ``.yaml``), paths included."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if p.suffix in {".py", ".yml", ".yaml"} and "__pycache__" not in p.parts and p.is_file():
            h.update(p.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def data_hashes(directory: Path | None = None) -> dict[str, str]:
    """SHA-256 of each processed table, as recorded in ``provenance.json``."""
    from balances.build import read_provenance

    prov = read_provenance(Path(directory or processed_dir()))
    return {name: str(entry.get("sha256", "")) for name, entry in sorted(prov.items())}


def cache_key(record: Mapping[str, Any]) -> str:
    """Hash of everything a report depends on (see :func:`run_reports`)."""
    keys = (
        "notebook_sha256",
        "parameters",
        "package_version",
        "package_sha256",
        "data",
        "with_input",
    )
    blob = json.dumps({k: record[k] for k in keys}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


#: What a changed cache key can be blamed on, in the order checked.
_KEY_PARTS = {
    "notebook_sha256": "notebook changed",
    "parameters": "parameters changed",
    "package_version": "package version changed",
    "package_sha256": "package source changed",
    "data": "data changed",
    "with_input": "with_input changed",
}


def rerun_reason(old: Mapping[str, Any] | None, rec: Mapping[str, Any], job: Job) -> str | None:
    """Why a report must run again, or ``None`` if its previous result can be reused."""
    if old is None:
        return "no previous run"
    if old.get("status") not in ("ok", "cached"):
        return "previous run failed"
    if not (job.html.is_file() and job.ipynb.is_file()):
        return "previous output missing"
    if old.get("cache_key") != rec["cache_key"]:
        changed = (why for k, why in _KEY_PARTS.items() if old.get(k) != rec[k])
        return next(changed, "inputs changed")
    return None


def _read_manifest(out: Path) -> dict[str, Any]:
    """The previous manifest, or an empty one if there is none or it is unreadable."""
    path = out / MANIFEST_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


# ---------------------------------------------------------------- executors

OnDone = Callable[[Job, dict[str, Any]], None]
OnRunning = Callable[[list[Job]], None]


def _crash(exc: BaseException) -> dict[str, Any]:
    """The result of a job whose worker died or could not be reached."""
    now = _now()
    return {
        "status": "failed",
        "started": now,
        "finished": now,
        "duration_s": 0.0,
        "error": _error_info(exc),
    }


def _run_local(jobs: Sequence[Job], workers: int, on_done: OnDone, on_running: OnRunning) -> None:
    if workers == 1:
        for job in jobs:
            on_running([job])
            on_done(job, run_job(job))
        return
    pool = cf.ProcessPoolExecutor(max_workers=workers)
    try:
        pending = {pool.submit(run_job, job): job for job in jobs}
        while pending:
            on_running([pending[f] for f in pending if f.running()])
            done, _ = cf.wait(pending, timeout=1.0, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                job = pending.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:  # a worker died (e.g. out of memory): report it, go on
                    result = _crash(exc)
                on_done(job, result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(jobs: Sequence[Job], scheduler: str, on_done: OnDone, on_running: OnRunning) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise ParameterError(
            "executor", "dask", "'local', or install the extra: pip install 'balances[dask]'"
        ) from exc
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError(
            "scheduler",
            scheduler,
            f"the address of a running dask scheduler "
            f"(e.g. tcp://127.0.0.1:8786); connecting failed: {exc}",
        ) from exc
    with client:
        stamp = f"{os.getpid()}-{time.time_ns()}"
        futures = {
            client.submit(
                run_job, job, pure=False, key=f"report-{job.period}-{job.notebook}-{stamp}"
            ): job
            for job in jobs
        }
        on_running(list(jobs))
        for fut in as_completed(list(futures)):
            job = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # a worker died or lost the task: report it, go on
                result = _crash(exc)
            on_done(job, result)


# ---------------------------------------------------------------- summary across periods


def period_summary(period: Period) -> dict[str, Any]:
    """Mean overall score of a period and the mean of its yearly Monte Carlo band.

    Calls :func:`balances.analysis.score` with the period's parameters. A
    failure is returned as ``error`` (text) rather than raised, so the index can
    show it.
    """
    from balances.analysis import score

    out: dict[str, Any] = {
        "period": period.name,
        "mean": None,
        "low": None,
        "high": None,
        "years": None,
        "error": None,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN years in some draws
            res = score(
                focal=period.focal,
                reference=period.reference,
                start=period.start,
                end=period.end,
                spec=period.spec,
                draws=period.draws,
                seed=period.seed,
            )
        overall = res.table().query("lens == 'overall'")
        out.update(
            mean=_num(overall["score"].mean()),
            low=_num(overall["low"].mean()),
            high=_num(overall["high"].mean()),
            years=int(overall["score"].notna().sum()),
        )
    except Exception as exc:  # shown escaped in the index; the reports themselves stand
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _num(x: float) -> float | None:
    return None if x != x else round(float(x), 6)


def _lanes(periods: Sequence[Period]) -> list[tuple[Period, int]]:
    """Put each period in the lowest lane where it overlaps no other (shortest periods first)."""
    out: list[tuple[Period, int]] = []
    for p in sorted(periods, key=lambda p: (p.end - p.start, p.start)):
        lane = 0
        while any(li == lane and not (q.end < p.start or q.start > p.end) for q, li in out):
            lane += 1
        out.append((p, lane))
    return out


def plot_periods(table: pd.DataFrame, periods: Sequence[Period], ax: Axes | None = None) -> Axes:
    """Overall score per year with its Monte Carlo band, the periods shaded beneath.

    Parameters
    ----------
    table
        :meth:`balances.analysis.ScoreResult.table` (rows of lens ``overall`` are used).
    periods
        Periods to mark; overlapping ones go to separate lanes below the score.
    ax
        Axes to draw on (a new figure, not attached to pyplot, if ``None``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(9, 4.8), layout="constrained").subplots()
    overall = table[table["lens"] == "overall"]
    ax.fill_between(
        overall["year"],
        overall["low"],
        overall["high"],
        color="#4c72b0",
        alpha=0.2,
        linewidth=0,
        label="Monte Carlo band (5-95%)",
    )
    ax.plot(
        overall["year"],
        overall["score"],
        color="#4c72b0",
        marker="o",
        markersize=3,
        label="overall score",
    )
    lanes = _lanes(periods)
    lane_h = 9.0
    shades = ("#dd8452", "#55a868")
    seen: dict[int, int] = {}
    for p, lane in sorted(lanes, key=lambda t: t[0].start):
        k = seen[lane] = seen.get(lane, -1) + 1
        y = -lane_h * (lane + 1)
        colour = shades[k % 2] if lane == 0 else ("#8c8c8c", "#b0b0b0")[k % 2]
        if lane == 0:  # the first lane never overlaps itself: shade it over the score
            ax.axvspan(p.start - 0.5, p.end + 0.5, color=colour, alpha=0.08, linewidth=0)
        ax.broken_barh(
            [(p.start - 0.45, p.end - p.start + 0.9)],
            (y + 1, lane_h - 2),
            facecolors=colour,
            alpha=0.45,
        )
        label = re.sub(r"_\d{4}_\d{4}$", "", p.name)  # the years are on the axis
        ax.text(
            (p.start + p.end) / 2,
            y + lane_h / 2,
            label,
            ha="center",
            va="center",
            fontsize=6,
            clip_on=True,
        )
    n_lanes = max((lane for _, lane in lanes), default=-1) + 1
    ax.set_ylim(-lane_h * n_lanes - 1, 102)
    ax.set_yticks(range(0, 101, 20))
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("year")
    ax.set_ylabel("overall alignment score (0-100)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def _figure_png(ax: Axes) -> str:
    """The figure of ``ax`` as base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.get_figure()
    FigureCanvasAgg(fig)  # type: ignore[arg-type]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # type: ignore[union-attr]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def summary_figure(config: PeriodsConfig) -> tuple[str | None, str | None]:
    """Base64 PNG of the overall score over all periods' years (default parameters), or an error."""
    from balances.analysis import score

    periods = list(config.periods.values())
    d = config.defaults
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN years in some draws
            res = score(
                focal=str(d["focal"]),
                reference=str(d["reference"]),
                start=min(p.start for p in periods),
                end=max(p.end for p in periods),
                spec=str(d["spec"]),
                draws=int(d["draws"]),
                seed=int(d["seed"]),
            )
        return _figure_png(plot_periods(res.table(), periods)), None
    except Exception as exc:  # shown escaped in the index
        return None, f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------- index.html


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _href(path: str) -> str:
    return _e(urllib.parse.quote(path))


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}.ok{color:#1a7f37}.cached{color:#0b5cad}.failed{color:#b42318;font-weight:600}
.muted{color:#777}.err{font-family:monospace;white-space:pre-wrap;color:#b42318}
td.num{text-align:right;white-space:nowrap}img{max-width:100%}
"""


def _status_cell(rec: Mapping[str, Any] | None) -> str:
    if rec is None:
        return '<td class="muted">not run</td>'
    status = rec["status"]
    parts = [f'<span class="{_e(status)}">{_e(status)}</span>']
    if status in ("ok", "cached"):
        parts.append(
            f'<a href="{_href(rec["html"])}">report</a> · '
            f'<a href="{_href(rec["ipynb"])}">notebook</a>'
        )
    else:
        err = rec.get("error") or {}
        ename, evalue = _e(err.get("ename", "")), _e(err.get("evalue", ""))
        parts.append(f'<div class="err">{ename}: {evalue}</div>')
        links = []
        if rec.get("failed_html"):
            links.append(f'<a href="{_href(rec["failed_html"])}">failed run</a>')
        if rec.get("failed_ipynb"):
            links.append(f'<a href="{_href(rec["failed_ipynb"])}">partially executed notebook</a>')
        if rec.get("last_good_html"):
            links.append(f'<a href="{_href(rec["last_good_html"])}">last good report</a>')
        parts.append(" · ".join(links))
    if rec.get("duration_s") is not None:
        parts.append(f'<span class="muted">{rec["duration_s"]:.1f} s</span>')
    return "<td>" + "<br>".join(parts) + "</td>"


def render_index(
    config: PeriodsConfig,
    manifest: Mapping[str, Any],
    figure_png: str | None,
    figure_error: str | None,
) -> str:
    """The index page. Every text from the periods file, the data or an error is escaped."""
    records = {(r["period"], r["notebook"]): r for r in manifest["reports"]}
    summary = {s["period"]: s for s in manifest["summary"]}
    notebooks = list(dict.fromkeys(nb for p in config.periods.values() for nb in p.notebooks))
    head = "".join(f"<th>{_e(nb)}</th>" for nb in notebooks)
    rows = []
    for p in config.periods.values():
        cells = [
            f"<td><b>{_e(p.title)}</b><br><code>{_e(p.name)}</code>"
            f'<br><span class="muted">{_e(p.description)}</span></td>',
            f'<td class="num">{_e(p.start)}-{_e(p.end)}</td>',
            f"<td>{_e(p.focal)} vs {_e(p.reference)}<br>spec {_e(p.spec)}, "
            f"{_e(p.draws)} draws, seed {_e(p.seed)}</td>",
        ]
        for nb in notebooks:
            cells.append(
                _status_cell(records.get((p.name, nb)))
                if nb in p.notebooks
                else '<td class="muted">-</td>'
            )
        durations = [
            r["duration_s"]
            for nb in p.notebooks
            if (r := records.get((p.name, nb))) and r.get("duration_s") is not None
        ]
        cells.append(f'<td class="num">{sum(durations):.1f} s</td>' if durations else "<td></td>")
        s = summary.get(p.name)
        if s is None:
            cells.append("<td></td>")
        elif s["error"]:
            cells.append(f'<td class="err">{_e(s["error"])}</td>')
        elif s["mean"] is None:
            cells.append('<td class="muted">no scored years</td>')
        else:
            band = (
                f' <span class="muted">[{s["low"]:.1f}, {s["high"]:.1f}]</span>'
                if s["low"] is not None and s["high"] is not None
                else ""
            )
            cells.append(f'<td class="num">{s["mean"]:.2f}{band}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    run = manifest["run"]
    n = {k: sum(r["status"] == k for r in manifest["reports"]) for k in ("ok", "cached", "failed")}
    figure = (
        f'<img alt="overall alignment score per year with the periods shaded" '
        f'src="data:image/png;base64,{figure_png}">'
        if figure_png
        else f'<p class="err">summary figure not drawn: {_e(figure_error)}</p>'
    )
    data = ", ".join(f"{_e(k)} <code>{_e(v[:12])}</code>" for k, v in manifest["data"].items())
    failed_class = "failed" if n["failed"] else "muted"
    d = config.defaults
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>balances reports</title><style>{_CSS}</style></head>
<body>
<h1>balances: reports by period</h1>
<p>{n["ok"]} ran, {n["cached"]} cached, <span class="{failed_class}">{n["failed"]} failed</span>.
Generated {_e(run["finished"])} by balances {_e(manifest["balances_version"])}
(source <code>{_e(manifest["package_sha256"][:12])}</code>)
from <code>{_e(manifest["periods_file"])}</code>;
see <a href="{MANIFEST_FILE}">manifest.json</a> for every input.</p>
<h2>Summary across periods</h2>
<p>Overall alignment score of the focal pair against the reference power (0-100, higher is
closer alignment), per year with its Monte Carlo band, for the default parameters
({_e(d["focal"])} vs {_e(d["reference"])}, spec {_e(d["spec"])}).
Period means in the table use each period's own parameters; the band shown is the mean of the
yearly 5% and 95% bounds.</p>
{figure}
<h2>Periods</h2>
<table><thead><tr><th>period</th><th>years</th><th>parameters</th>{head}<th>run time</th>
<th>mean overall score [band]</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<p class="muted">Data: {data}.</p>
</body></html>
"""


# ---------------------------------------------------------------- the run


@dataclass
class RunResult:
    """What :func:`run_reports` did."""

    out: Path
    manifest: dict[str, Any]
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.reports if r["status"] == "failed"]

    @property
    def index(self) -> Path:
        return self.out / INDEX_FILE


def run_reports(
    config: PeriodsConfig,
    *,
    only: Iterable[str] | None = None,
    out: str | os.PathLike[str] = "reports",
    jobs: int | None = None,
    with_input: bool = False,
    force: bool = False,
    executor: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    progress: bool = True,
) -> RunResult:
    """Execute every (period, notebook) report, then write the index and the manifest.

    Parameters
    ----------
    config
        From :func:`load_periods` (already validated).
    only
        Period names to run (default all). Periods not run keep their previous
        entries in the manifest and the index.
    out
        Output folder.
    jobs
        Worker processes for the local executor (default ``os.cpu_count()``);
        each report also runs its own kernel.
    with_input
        Keep code cells in the HTML.
    force
        Run reports even when nothing they depend on changed.
    executor, scheduler
        ``"local"`` (processes on this machine) or ``"dask"`` with the address of
        a ``dask.distributed`` scheduler whose workers can import ``balances``
        and see ``out`` (same file system).
    progress
        Show a tqdm bar on stderr.

    Returns
    -------
    RunResult
        The manifest written and one record per report run or cached.

    Notes
    -----
    A report is ``cached`` (not run) when its HTML exists and the previous
    manifest recorded it as good with the same notebook SHA-256, parameters,
    package version and source hash, data table hashes and ``with_input``.
    """
    from tqdm.auto import tqdm

    if executor not in ("local", "dask"):
        raise ParameterError("executor", executor, "'local' or 'dask'")
    if executor == "dask" and not scheduler:
        raise ParameterError(
            "scheduler", scheduler, "the address of a dask scheduler with --executor dask"
        )
    if executor == "local" and scheduler:
        raise ParameterError("scheduler", scheduler, "no value unless --executor dask")
    workers = (os.cpu_count() or 1) if jobs is None else jobs
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ParameterError("jobs", jobs, "a positive number of processes")
    selected = config.select(only)
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    t_run, run_started = time.perf_counter(), _now()
    data = data_hashes()
    pkg = package_hash()
    previous = _read_manifest(out_dir)
    prev = {
        (r.get("period"), r.get("notebook")): r
        for r in previous.get("reports", [])
        if isinstance(r, dict)
    }
    nb_sha = {nb: sha256(config.notebook_path(nb)) for p in selected for nb in p.notebooks}

    from balances.scoring import resolve_spec

    records: dict[tuple[str, str], dict[str, Any]] = {}
    todo: list[Job] = []
    for p in selected:
        for nb in p.notebooks:
            rel = f"{p.name}/{nb}"
            rec: dict[str, Any] = {
                "period": p.name,
                "notebook": nb,
                "parameters": p.parameters(),
                "spec_digest": resolve_spec(p.spec).digest(),
                "data": data,
                "package_version": __version__,
                "package_sha256": pkg,
                "notebook_file": str(config.notebook_path(nb)),
                "notebook_sha256": nb_sha[nb],
                "with_input": with_input,
                "html": f"{rel}.html",
                "ipynb": f"{rel}.ipynb",
            }
            rec["cache_key"] = cache_key(rec)
            old = prev.get((p.name, nb))
            job = Job(
                period=p.name,
                notebook=nb,
                source=str(config.notebook_path(nb)),
                parameters=p.parameters(),
                out_dir=str(out_dir / p.name),
                cwd=str(config.notebooks_dir),
                with_input=with_input,
            )
            reason = "forced" if force else rerun_reason(old, rec, job)
            if reason is None:
                rec.update(
                    status="cached",
                    error=None,
                    started=old.get("started"),
                    finished=old.get("finished"),
                    duration_s=old.get("duration_s"),
                )
            else:
                rec["reason"] = reason
                todo.append(job)
            records[(p.name, nb)] = rec

    counts = {"ok": 0, "failed": 0}
    bars: list[Any] = []

    def bar() -> Any:
        # made once the pool's processes exist, so tqdm's monitor thread is never forked
        if not bars:
            bars.append(
                tqdm(
                    total=len(todo),
                    desc="reports",
                    unit="report",
                    file=sys.stderr,
                    disable=not progress,
                    dynamic_ncols=True,
                )
            )
        return bars[0]

    def on_running(running: list[Job]) -> None:
        # a process pool dispatches one job ahead of its workers: show at most `workers` names
        running = running[:workers] if executor == "local" else running
        names = ", ".join(f"{j.period}/{j.notebook}" for j in running[:3])
        more = f" +{len(running) - 3}" if len(running) > 3 else ""
        bar().set_postfix_str(f"running: {names}{more}" if running else "", refresh=True)

    def on_done(job: Job, result: dict[str, Any]) -> None:
        rec = records[(job.period, job.notebook)]
        rec.update(result)
        rel = f"{job.period}/{job.notebook}"
        if result["status"] == "failed":
            rec["failed_ipynb"] = f"{rel}.failed.ipynb" if job.failed_ipynb.is_file() else None
            rec["failed_html"] = f"{rel}.failed.html" if job.failed_html.is_file() else None
            rec["last_good_html"] = rec["html"] if job.html.is_file() else None
        counts[result["status"]] += 1
        bar().set_description_str(f"reports ({counts['ok']} ok, {counts['failed']} failed)")
        bar().update(1)

    try:
        if todo and executor == "dask":
            _run_dask(todo, str(scheduler), on_done, on_running)
        elif todo:
            _run_local(todo, min(workers, len(todo)), on_done, on_running)
        if bars:
            on_running([])
    finally:
        for b in bars:
            b.close()

    ran = {p.name for p in selected}
    kept = [
        r
        for r in previous.get("reports", [])
        if isinstance(r, dict) and r.get("period") in config.periods and r.get("period") not in ran
    ]
    reports = kept + list(records.values())
    summary = [period_summary(p) for p in config.periods.values()]
    figure_png, figure_error = summary_figure(config)
    manifest = {
        "balances_version": __version__,
        "package_sha256": pkg,
        "periods_file": str(config.path),
        "periods_file_sha256": sha256(config.path),
        "notebooks_dir": str(config.notebooks_dir),
        "data": data,
        "run": {
            "started": run_started,
            "finished": _now(),
            "duration_s": round(time.perf_counter() - t_run, 3),
            "executor": executor,
            "jobs": workers if executor == "local" else None,
            "force": force,
            "with_input": with_input,
            "only": [p.name for p in selected],
        },
        "reports": reports,
        "summary": summary,
        "figure_error": figure_error,
    }
    write_text_atomic(out_dir / MANIFEST_FILE, json.dumps(manifest, indent=1, default=str) + "\n")
    page = render_index(config, manifest, figure_png, figure_error)
    write_text_atomic(out_dir / INDEX_FILE, page)
    return RunResult(out=out_dir, manifest=manifest, reports=list(records.values()))


__all__ = [
    "DEFAULT_PERIODS_FILE",
    "Job",
    "PARAMETER_NAMES",
    "Period",
    "PeriodsConfig",
    "RunResult",
    "check_parameters_cell",
    "declared_parameters",
    "export_html",
    "load_periods",
    "package_hash",
    "period_summary",
    "plot_periods",
    "render_index",
    "rerun_reason",
    "run_job",
    "run_reports",
]
