"""balances: China-Russia alignment against the United States through three lenses."""

from importlib.metadata import PackageNotFoundError, version

try:
    #: The installed distribution's version: pyproject.toml is the one place it is written.
    __version__ = version("balances")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0+unknown"
