"""``run_reports``: plan which reports must run, run them, write the manifest and the index.

The plan rests on each report's own stamp (:mod:`balances.reports.cache`);
``manifest.json`` is written for people and tools after every finished report,
and rebuilt from the stamps on the folder, so it always agrees with the files.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import balances.reports.cache as cache
from balances import __version__
from balances.errors import ParameterError
from balances.reports._fs import remove_temporaries, sha256_file, write_text_atomic
from balances.reports.execution import DEFAULT_TIMEOUT, HELD_FDS, USER_ENV, Job, now
from balances.reports.periods import Period, PeriodsConfig

MANIFEST_FILE = "manifest.json"
INDEX_FILE = "index.html"

#: Fields of a report's record that its stamp supplies when it is reused.
_FROM_STAMP = ("started", "finished", "duration_s", "spec_digest")


@dataclass
class RunResult:
    """What :func:`run_reports` did."""

    out: Path
    manifest: dict[str, Any]
    reports: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.reports if r["status"] == "failed"]

    @property
    def index(self) -> Path:
        return self.out / INDEX_FILE


def check_out(out: str | os.PathLike[str]) -> Path:
    """The output folder, created; refused before anything runs if it cannot be one.

    Raises
    ------
    ParameterError
        On an empty path, an existing file, or a folder this process cannot write to.
    """
    if str(out).strip() == "":
        raise ParameterError("out", str(out), "a folder path (an empty one would write here)")
    path = Path(out).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ParameterError("out", str(out), "a folder; this path is an existing file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(
            "out", str(out), f"a folder that can be created ({exc.strerror})"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ParameterError("out", str(out), "a folder this user can write to")
    # os.access says yes to root everywhere: a read-only mount is found only by writing
    try:
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".balances-probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise ParameterError(
            "out", str(out), f"a folder this process can write to ({exc.strerror})"
        ) from None
    return path


def _user_dir(indicators_dir: str | os.PathLike[str] | None) -> str | None:
    chosen = indicators_dir if indicators_dir is not None else os.environ.get(USER_ENV)
    return str(Path(chosen).expanduser().resolve()) if chosen else None


def current_inputs(user_dir: str | None, out_dir: Path | None = None) -> dict[str, Any]:
    """What every report depends on besides its notebook and parameters."""
    return {
        "package_version": __version__,
        "package_sha256": cache.package_hash(),
        "data": cache.data_hashes(),
        "user_indicators": cache.user_indicators(
            user_dir, out_dir / ".cache" if out_dir is not None else None
        ),
    }


def _record(
    config: PeriodsConfig,
    p: Period,
    nb: str,
    inputs: Mapping[str, Any],
    nb_sha: str,
    with_input: bool,
) -> dict[str, Any]:
    rel = f"{p.name}/{nb}"
    rec: dict[str, Any] = {
        "period": p.name,
        "notebook": nb,
        "parameters": p.parameters(),
        **inputs,
        "notebook_file": str(config.notebook_path(nb)),
        "notebook_sha256": nb_sha,
        "with_input": with_input,
        "html": f"{rel}.html",
        "ipynb": f"{rel}.ipynb",
    }
    rec["cache_key"] = cache.cache_key(rec)
    rec["inputs"] = cache.key_inputs(rec)
    return rec


def _on_disk(out_dir: Path, rec: dict[str, Any]) -> dict[str, Any] | None:
    """The record of a report not run now, from its files: cached, stale, failed or absent."""
    folder, nb = out_dir / rec["period"], rec["notebook"]
    failed = cache.read_json(cache.failed_path(folder, nb))
    reason, stamp = cache.verify(folder, nb, rec["cache_key"])
    if failed is not None:
        out = {**rec, **{k: failed.get(k) for k in ("started", "finished", "duration_s", "error")}}
        out["status"] = "failed"
        _failure_links(out_dir, out)
        return out
    if stamp is None:
        return None
    out = {**rec, **{k: stamp.get(k) for k in _FROM_STAMP}}
    if reason is None:
        out.update(status="cached", error=None)
    else:
        out.update(status="stale", error=None, reason=reason)
    return out


def _failure_links(out_dir: Path, rec: dict[str, Any]) -> None:
    folder, nb = out_dir / rec["period"], rec["notebook"]
    rel = f"{rec['period']}/{nb}"
    rec["failed_ipynb"] = (
        f"{rel}.failed.ipynb" if (folder / f"{nb}.failed.ipynb").is_file() else None
    )
    rec["failed_html"] = f"{rel}.failed.html" if (folder / f"{nb}.failed.html").is_file() else None
    good = cache.verify(folder, nb)[0] is None
    rec["last_good_html"] = rec["html"] if good else None


class _Progress:
    """A tqdm bar on a terminal; one line per finished report anywhere else (logs, CI)."""

    def __init__(self, total: int, enabled: bool, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.done = total, 0
        self.counts = {"ok": 0, "failed": 0}
        self.bar = None
        self.lines = enabled and not _isatty(self.stream)
        self._tqdm = enabled and not self.lines and total > 0

    def running(self, jobs: list[Job], workers: int | None) -> None:
        if not self._tqdm:
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.total,
                desc="reports",
                unit="report",
                file=self.stream,
                dynamic_ncols=True,
            )
        shown = jobs[:workers] if workers else jobs
        names = ", ".join(f"{j.period}/{j.notebook}" for j in shown[:3])
        more = f" +{len(shown) - 3}" if len(shown) > 3 else ""
        self.bar.set_postfix_str(f"running: {names}{more}" if shown else "", refresh=True)

    def finished(self, job: Job, rec: Mapping[str, Any]) -> None:
        self.done += 1
        self.counts[rec["status"]] = self.counts.get(rec["status"], 0) + 1
        if self.lines:
            err = rec.get("error") or {}
            detail = f"  {err.get('ename')}: {err.get('evalue')}" if err else ""
            print(
                f"[{self.done}/{self.total}] {rec['status']:<6} {job.period}/{job.notebook}"
                f"  {rec.get('duration_s') or 0:.1f} s{detail}",
                file=self.stream,
                flush=True,
            )
        elif self.bar is not None:
            self.bar.set_description_str(
                f"reports ({self.counts['ok']} ok, {self.counts['failed']} failed)"
            )
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str("", refresh=True)
            self.bar.close()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


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
    timeout: float = DEFAULT_TIMEOUT,
    indicators_dir: str | os.PathLike[str] | None = None,
    on_report: Callable[[dict[str, Any]], None] | None = None,
) -> RunResult:
    """Execute every (period, notebook) report that is not already up to date, then write the
    index and the manifest.

    Parameters
    ----------
    config
        From :func:`load_periods` (already validated).
    only
        Period names to run (default all). The other periods appear in the index
        and the manifest as their files on disk are.
    out
        Output folder (locked for the run: a second run into it is refused).
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
        Show progress on stderr: a tqdm bar on a terminal, otherwise one line per
        finished report.
    timeout
        Seconds one report may take; a report that takes longer is stopped and
        fails alone.
    indicators_dir
        The user's indicator directory (default ``$BALANCES_USER_DIR``); its
        files are part of every report's cache key.
    on_report
        Called with each report's record as it finishes.

    Returns
    -------
    RunResult
        The manifest written and one record per selected report.

    Notes
    -----
    A report is ``cached`` (not run) when its stamp's cache key equals the key of
    today's inputs (notebook, parameters, package version and source, data
    table hashes, user indicator files, ``with_input``) and its HTML and
    notebook hash to what the stamp recorded.
    """
    workers = _checked_run_args(executor, scheduler, jobs, timeout)
    selected, out_dir, user_dir, inputs = _selection(config, only, out, indicators_dir)
    with _holding(out_dir):
        return _run_locked(
            config,
            selected,
            out_dir,
            inputs,
            user_dir,
            workers,
            with_input,
            force,
            executor,
            scheduler,
            progress,
            float(timeout),
            on_report,
        )


def _checked_run_args(
    executor: str, scheduler: str | None, jobs: int | None, timeout: float
) -> int:
    """Check the executor, scheduler, jobs and timeout of :func:`run_reports`; the workers."""
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
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ParameterError("timeout", timeout, "a positive number of seconds")
    return workers


def _selection(
    config: PeriodsConfig,
    only: Iterable[str] | None,
    out: str | os.PathLike[str],
    indicators_dir: str | os.PathLike[str] | None,
) -> tuple[list[Period], Path, str | None, dict[str, Any]]:
    """The periods selected, the checked output folder, the user's directory and today's inputs."""
    selected = config.select(only)
    out_dir = check_out(out)
    user_dir = _user_dir(indicators_dir)
    return selected, out_dir, user_dir, current_inputs(user_dir, out_dir)


@contextlib.contextmanager
def _holding(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock for the run; forked workers close its descriptor."""
    with cache.OutputLock(out_dir) as lock:
        HELD_FDS.add(lock._fd)  # type: ignore[arg-type]
        try:
            yield
        finally:
            HELD_FDS.discard(lock._fd)  # type: ignore[arg-type]


def _plan(
    config: PeriodsConfig,
    selected: list[Period],
    out_dir: Path,
    inputs: Mapping[str, Any],
    user_dir: str | None,
    with_input: bool,
    force: bool,
    timeout: float,
) -> tuple[dict[tuple[str, str], dict[str, Any]], list[Job]]:
    """A record for every selected report (cached ones complete) and the jobs to run."""
    nb_sha = {
        nb: sha256_file(config.notebook_path(nb))
        for p in config.periods.values()
        for nb in p.notebooks
    }
    records: dict[tuple[str, str], dict[str, Any]] = {}
    todo: list[Job] = []
    for p in selected:
        for nb in p.notebooks:
            rec = _record(config, p, nb, inputs, nb_sha[nb], with_input)
            folder = out_dir / p.name
            reason, stamp = cache.rerun_reason(folder, nb, rec)
            if force:
                reason = "forced"
            if reason is None and stamp is not None:
                rec.update({k: stamp.get(k) for k in _FROM_STAMP}, status="cached", error=None)
            else:
                rec["reason"] = reason
                todo.append(
                    Job(
                        period=p.name,
                        notebook=nb,
                        source=str(config.notebook_path(nb)),
                        parameters=p.parameters(),
                        out_dir=str(folder),
                        cwd=str(config.notebooks_dir),
                        with_input=with_input,
                        timeout=timeout,
                        user_dir=user_dir,
                        record=rec,
                    )
                )
            records[(p.name, nb)] = rec
    return records, todo


def _run_locked(
    config: PeriodsConfig,
    selected: list[Period],
    out_dir: Path,
    inputs: dict[str, Any],
    user_dir: str | None,
    workers: int,
    with_input: bool,
    force: bool,
    executor: str,
    scheduler: str | None,
    progress: bool,
    timeout: float,
    on_report: Callable[[dict[str, Any]], None] | None,
) -> RunResult:
    t_run, run_started = time.perf_counter(), now()
    remove_temporaries(out_dir)  # left by a run that was killed; we hold the lock
    records, todo = _plan(config, selected, out_dir, inputs, user_dir, with_input, force, timeout)
    run_info = {
        "started": run_started,
        "executor": executor,
        "jobs": workers if executor == "local" else None,
        "force": force,
        "with_input": with_input,
        "timeout_s": timeout,
        "only": [p.name for p in selected],
    }
    bar = _Progress(len(todo), progress)

    def on_done(job: Job, result: dict[str, Any]) -> None:
        rec = records[(job.period, job.notebook)]
        rec.update(result)
        if result["status"] == "failed":
            failure = {k: rec.get(k) for k in ("started", "finished", "duration_s", "error")}
            write_text_atomic(job.failed_record, json.dumps(failure, indent=1) + "\n")
            _failure_links(out_dir, rec)
        bar.finished(job, rec)
        if on_report is not None:
            on_report(rec)
        _write_manifest(config, out_dir, records, inputs, {**run_info, "finished": None}, [], None)

    interrupted = False
    try:
        if todo and executor == "dask":
            from balances.reports.execution import run_dask

            run_dask(todo, str(scheduler), on_done, lambda js: bar.running(js, None))
        elif todo:
            from balances.reports.execution import run_local

            n = min(workers, len(todo))
            run_local(todo, n, on_done, lambda js: bar.running(js, n))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()

    from balances.reports.summary import cached_figure, cached_summaries, prune_cache

    summary_inputs = {k: inputs[k] for k in ("package_version", "package_sha256", "data")}
    summary_inputs["user_indicators"] = cache.key_inputs(inputs)["user_indicators"]
    if interrupted:
        summary, figure = [], (None, "the run was interrupted")
    else:
        summary = cached_summaries(list(config.periods.values()), out_dir, summary_inputs, user_dir)
        figure = cached_figure(config, out_dir, summary_inputs, user_dir)
        prune_cache(out_dir)
    run_info.update(finished=now(), duration_s=round(time.perf_counter() - t_run, 3))
    run_info["interrupted"] = interrupted
    manifest = _write_manifest(config, out_dir, records, inputs, run_info, summary, figure)
    if interrupted:
        raise KeyboardInterrupt
    return RunResult(out=out_dir, manifest=manifest, reports=list(records.values()))


def _write_manifest(
    config: PeriodsConfig,
    out_dir: Path,
    records: Mapping[tuple[str, str], dict[str, Any]],
    inputs: Mapping[str, Any],
    run_info: Mapping[str, Any],
    summary: list[dict[str, Any]],
    figure: tuple[str | None, str | None] | None,
) -> dict[str, Any]:
    """Write ``manifest.json`` (and ``index.html`` when ``figure`` is given) from the records of
    this run and, for every other report of the periods file, from its files."""
    from balances.reports.index import render_index

    reports = []
    nb_sha: dict[str, str] = {}
    for p in config.periods.values():
        for nb in p.notebooks:
            rec = records.get((p.name, nb))
            if rec is None or "status" not in rec:
                if nb not in nb_sha:
                    nb_sha[nb] = sha256_file(config.notebook_path(nb))
                base = _record(config, p, nb, inputs, nb_sha[nb], bool(run_info["with_input"]))
                planned = rec is not None
                if planned:  # planned but not finished (interrupted): keep the reason
                    base["reason"] = rec.get("reason")
                rec = _on_disk(out_dir, base)
                if planned and rec is not None and rec["status"] == "cached":
                    # it was not cached when planned: its valid stamp was written by this run,
                    # which was interrupted before it heard back from the worker
                    rec["status"] = "ok"
            if rec is not None:
                reports.append({k: v for k, v in rec.items() if k != "inputs"})
    manifest = {
        "balances_version": inputs["package_version"],
        "package_sha256": inputs["package_sha256"],
        "periods_file": str(config.path),
        "periods_file_sha256": sha256_file(config.path) if config.path.is_file() else None,
        "notebooks_dir": str(config.notebooks_dir),
        "data": inputs["data"],
        "user_indicators": inputs["user_indicators"],
        "run": dict(run_info),
        "reports": reports,
        "summary": summary,
        "figure_error": figure[1] if figure else None,
    }
    write_text_atomic(out_dir / MANIFEST_FILE, json.dumps(manifest, indent=1, default=str) + "\n")
    if figure is not None:
        page = render_index(config, manifest, figure[0], figure[1], out_dir / ".cache" / "jinja")
        write_text_atomic(out_dir / INDEX_FILE, page)
    return manifest
