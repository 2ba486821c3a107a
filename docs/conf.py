"""Sphinx configuration of the API reference (built by tests/test_docs.py and `make docs`)."""

from balances import __version__

project = "balances"
author = "The balances developers"
release = version = __version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
# Docstrings are numpydoc-style; napoleon reads them without the numpydoc package.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Type hints name pandas, numpy and matplotlib types that have no local target.
nitpicky = False
html_theme = "alabaster"
html_title = f"balances {__version__}"
exclude_patterns = ["_build"]
