"""notebooks -> the analyst: start JupyterLab on the project's notebooks (``balances lab``).

JupyterLab runs with this Python, so its ``python3`` kernel imports
:mod:`balances` (jupyter_client runs a kernelspec whose command is ``python``
with the server's own interpreter; ``make install`` registers that kernelspec
in the virtualenv).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from balances.config import PROJECT_DIR
from balances.errors import ParameterError

#: The project's notebooks (the explorer is ``explore.ipynb``).
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"


def lab_command(
    port: int | None = None,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    *,
    open_browser: bool = True,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command line that starts JupyterLab on ``notebooks_dir``.

    ``extra_args`` go to JupyterLab as they are (e.g. ``--allow-root`` in a container).
    """
    root = Path(notebooks_dir)
    if not root.is_dir():
        raise ParameterError("notebooks_dir", str(root), "an existing directory of notebooks")
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root.resolve()}"]
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ParameterError("port", port, "an integer in 1-65535")
        cmd.append(f"--ServerApp.port={port}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd + list(extra_args)


def lab(
    port: int | None = None,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    *,
    open_browser: bool = True,
    extra_args: Sequence[str] = (),
) -> int:
    """Run JupyterLab on the project's notebooks until it stops; returns its exit code.

    JupyterLab inherits the terminal: it prints its URL and token there and
    handles Ctrl-C itself (asking for confirmation), so this process waits
    for it rather than dying on the first Ctrl-C and orphaning its kernels.
    """
    proc = subprocess.Popen(
        lab_command(port, notebooks_dir, open_browser=open_browser, extra_args=extra_args)
    )
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m balances.lab [--port N] [--no-browser] [JUPYTERLAB OPTIONS]``."""
    parser = argparse.ArgumentParser(
        prog="balances lab",
        description=lab.__doc__.splitlines()[0],
        epilog="Other options go to JupyterLab (e.g. --allow-root).",
    )
    parser.add_argument(
        "--port", type=int, help="port (default: JupyterLab's, 8888 or the next free one)"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    args, extra = parser.parse_known_args(argv)
    try:
        return lab(args.port, open_browser=not args.no_browser, extra_args=extra)
    except ParameterError as exc:
        print(f"balances: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
