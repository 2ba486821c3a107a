"""balances: China-Russia alignment against the United States through three lenses."""

__version__ = "0.1.0"
