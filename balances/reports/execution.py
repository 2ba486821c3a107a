"""Running one report, and the executors that run many.

A report runs in a worker process of its own (papermill then starts the
notebook's kernel). The local executor forks one worker per report, at most
``jobs`` at a time, so that a worker killed from outside (an out-of-memory
kill) fails that report alone; a report that outlives its time limit is
killed and fails alone; workers die with the run (``PR_SET_PDEATHSIG`` on
Linux, a watchdog thread elsewhere) and kernels die with their worker
(ipykernel polls its parent). Whatever a killed worker was writing is a
temporary file, removed when the worker is reaped and at the start of every
run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balances.errors import ParameterError
from balances.reports._fs import remove_temporaries, sha256_file, write_text_atomic
from balances.reports.cache import failed_path, stamp_path
from balances.reports.safety import check_parameters_cell

if TYPE_CHECKING:
    import nbformat

#: Default time limit of one report, in seconds.
DEFAULT_TIMEOUT = 1800


def hard_limit(timeout: float) -> float:
    """When a worker is killed: after its time limit and a grace period.

    The limit applies first to each cell (nbclient interrupts the kernel and the
    partially executed notebook is kept); the kill stops a report whose cells
    each stay under the limit but not their sum, or a worker that hangs.
    """
    return timeout + max(30.0, 0.1 * timeout)


USER_ENV = "BALANCES_USER_DIR"

#: File descriptors a worker must not keep open (the output folder's lock).
HELD_FDS: set[int] = set()


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
    timeout: float = DEFAULT_TIMEOUT
    user_dir: str | None = None
    #: The inputs the report is made from (its cache key among them), written into its stamp.
    record: dict[str, Any] = field(default_factory=dict)

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

    @property
    def stamp(self) -> Path:
        return stamp_path(Path(self.out_dir), self.notebook)

    @property
    def failed_record(self) -> Path:
        return failed_path(Path(self.out_dir), self.notebook)


def now() -> str:
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


@contextlib.contextmanager
def _user_env(user_dir: str | None):
    """The kernel inherits the worker's environment: point it at exactly the job's user dir."""
    old = os.environ.get(USER_ENV)
    if user_dir is None:
        os.environ.pop(USER_ENV, None)
    else:
        os.environ[USER_ENV] = user_dir
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(USER_ENV, None)
        else:
            os.environ[USER_ENV] = old


def _execute(job: Job) -> None:
    """Run a notebook and write it and its HTML; a failed run is kept beside the last good one."""
    import nbformat
    import papermill

    title = f"{job.period} / {job.notebook}"
    check_parameters_cell(job.parameters, title)  # again: a Job can be built by hand
    Path(job.out_dir).mkdir(parents=True, exist_ok=True)
    run = Path(job.out_dir) / f".{job.notebook}.ipynb.{os.getpid()}.tmp.ipynb"
    try:
        with _user_env(job.user_dir):
            papermill.execute_notebook(
                job.source,
                str(run),
                parameters=dict(job.parameters),
                cwd=job.cwd,
                progress_bar=False,
                log_output=False,
                execution_timeout=job.timeout,  # per cell; the executor limits the whole run
                # kernels log to our stderr (a TCP-encryption warning each, shutdown noise);
                # what a notebook raises is recorded in the notebook and the manifest instead
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        nb = nbformat.read(run, as_version=4)
        nb.metadata["balances"] = {
            "cache_key": job.record.get("cache_key"),
            "parameters": dict(job.parameters),
        }
        page = export_html(nb, with_input=job.with_input, title=title)
        write_text_atomic(job.ipynb, nbformat.writes(nb))
        write_text_atomic(job.html, page)
    except Exception:
        _keep_failed(job, run, title)
        raise
    finally:
        run.unlink(missing_ok=True)


def _keep_failed(job: Job, run: Path, title: str) -> None:
    """Keep the partially executed notebook (and its HTML) of a failed run, if it is readable."""
    import nbformat

    with contextlib.suppress(Exception):
        partial = nbformat.read(run, as_version=4)  # a truncated file is not kept
        write_text_atomic(job.failed_ipynb, nbformat.writes(partial))
        write_text_atomic(job.failed_html, export_html(partial, with_input=True, title=title))


def error_info(exc: BaseException) -> dict[str, str]:
    """``ename`` and ``evalue`` of a failure (the notebook's own exception when it raised)."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename is not None:
        return {"ename": str(ename), "evalue": str(evalue)}
    return {"ename": type(exc).__name__, "evalue": str(exc)}


def _spec_digest(spec: object) -> str | None:
    from balances.scoring import resolve_spec

    with contextlib.suppress(Exception):
        return resolve_spec(str(spec)).digest()
    return None


def run_job(job: Job) -> dict[str, Any]:
    """Execute one report and stamp it; never raises for a failing notebook.

    Runs in a worker process (or a dask worker): papermill starts its own
    kernel for the notebook. The stamp is written last, after the notebook and
    its HTML, with their hashes: see :mod:`balances.reports.cache`.

    Returns
    -------
    dict
        ``status`` (``ok``/``failed``), ``started``, ``finished`` (ISO, UTC),
        ``duration_s``, ``error`` (``ename``, ``evalue``) or ``None``, and
        ``spec_digest``.
    """
    started, t0 = now(), time.perf_counter()
    error = None
    try:
        _execute(job)
    except Exception as exc:  # a failing notebook must not stop the other reports
        error = error_info(exc)
    result = {
        "status": "failed" if error else "ok",
        "started": started,
        "finished": now(),
        "duration_s": round(time.perf_counter() - t0, 3),
        "error": error,
        "spec_digest": _spec_digest(job.parameters.get("spec")),
    }
    if error is None:
        stamp = {
            **job.record,
            **result,
            "html_sha256": sha256_file(job.html),
            "ipynb_sha256": sha256_file(job.ipynb),
        }
        import json

        write_text_atomic(job.stamp, json.dumps(stamp, indent=1, default=str) + "\n")
        for stale in (job.failed_ipynb, job.failed_html, job.failed_record):
            stale.unlink(missing_ok=True)
    return result


# ---------------------------------------------------------------- executors

OnDone = Callable[[Job, dict[str, Any]], None]
OnRunning = Callable[[list[Job]], None]


def crash(ename: str, evalue: str, started: str | None = None) -> dict[str, Any]:
    """The result of a job whose worker died, timed out or could not be reached."""
    t = now()
    return {
        "status": "failed",
        "started": started or t,
        "finished": t,
        "duration_s": 0.0,
        "error": {"ename": ename, "evalue": evalue},
        "spec_digest": None,
    }


def _die_with_parent(parent: int) -> None:
    """Make this worker die when the process that started it dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    else:  # pragma: no cover - no prctl: poll instead

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _worker(job: Job, conn: Any, parent: int) -> None:
    """Body of a forked worker: run the job, send the result back."""
    for fd in HELD_FDS:
        with contextlib.suppress(OSError):
            os.close(fd)
    # the kernel inherits fds 0-2 and dies at start if one is closed (`balances report >&-`);
    # the worker writes nothing there itself
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    try:
        os.fstat(2)
    except OSError:
        os.dup2(null, 2)
    os.close(null)
    # Ctrl-C reaches the whole foreground process group: the run decides what stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    conn.send(run_job(job))
    conn.close()


@dataclass
class _Running:
    job: Job
    proc: Any
    conn: Any
    started: str
    t0: float


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            name = signal.Signals(-code).name
            hint = " (killed from outside, e.g. out of memory)" if name == "SIGKILL" else ""
            return f"the worker process died from {name}{hint}"
    return f"the worker process exited with code {code} without a result"


def _reap(r: _Running, result: dict[str, Any] | None) -> dict[str, Any]:
    if result is None:
        r.proc.join(5)
        result = crash("WorkerDied", _describe_exit(r.proc.exitcode), r.started)
    remove_temporaries(Path(r.job.out_dir), prefix=f"{r.job.notebook}.")
    return result


def run_local(jobs: Sequence[Job], workers: int, on_done: OnDone, on_running: OnRunning) -> None:
    """Run each job in a forked worker process, at most ``workers`` at a time.

    A worker that dies or outlives ``job.timeout`` fails its job alone. On an
    exception here (Ctrl-C), every running worker is killed and reaped before it
    propagates.
    """
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork")  # no re-import per report; the parent holds no threads
    queue = list(jobs)
    running: list[_Running] = []
    parent = os.getpid()
    try:
        while queue or running:
            while queue and len(running) < workers:
                job = queue.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, args=(job, send, parent), daemon=False)
                proc.start()
                send.close()
                running.append(_Running(job, proc, recv, now(), time.monotonic()))
            on_running([r.job for r in running])
            deadline = min(r.t0 + hard_limit(r.job.timeout) for r in running)
            wait_s = max(0.0, min(1.0, deadline - time.monotonic()))
            wait([r.proc.sentinel for r in running] + [r.conn for r in running], timeout=wait_s)
            for r in list(running):
                result = None
                if r.conn.poll():
                    with contextlib.suppress(EOFError, OSError):
                        result = r.conn.recv()
                if result is not None or not r.proc.is_alive():
                    r.proc.join(30)
                elif time.monotonic() - r.t0 > hard_limit(r.job.timeout):
                    r.proc.kill()
                    r.proc.join(5)
                    result = crash(
                        "TimeoutError",
                        f"the report did not finish within {r.job.timeout:g} s and was "
                        "stopped; raise --timeout if it needs longer",
                        r.started,
                    )
                else:
                    continue
                running.remove(r)
                r.conn.close()
                on_done(r.job, _reap(r, result))
    finally:
        for r in running:
            r.proc.kill()
        for r in running:
            r.proc.join(5)
            r.conn.close()
            remove_temporaries(Path(r.job.out_dir), prefix=f"{r.job.notebook}.")


def run_dask(jobs: Sequence[Job], scheduler: str, on_done: OnDone, on_running: OnRunning) -> None:
    """Run the jobs on a ``dask.distributed`` cluster whose workers see the output folder."""
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
                result = crash(*error_info(exc).values())
            on_done(job, result)
