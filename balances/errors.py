"""Exceptions raised by :mod:`balances`.

Every error says what went wrong, where (file, row, column, parameter) and,
when there is one, the fix. Catching :class:`BalancesError` catches them all.
"""

from __future__ import annotations

from typing import Any

#: Longest repr of a value quoted in an error message.
MAX_SHOWN = 80


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages.

    Examples
    --------
    >>> shown("x" * 200, limit=12)
    "'xxxxxxx...[202 chars]"
    >>> shown(3)
    '3'
    """
    try:
        text = repr(value)
    except RecursionError:
        text = f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 4, 1)]}...[{len(text)} chars]"


class BalancesError(Exception):
    """Base class of every error raised on purpose by :mod:`balances`."""


class DataError(BalancesError):
    """A raw or processed data file is missing, corrupt or not as expected.

    Parameters
    ----------
    path
        The file concerned.
    problem
        What is wrong, in words a researcher can act on.
    row, column
        Where in the file, when known. ``row`` is the 1-based line number in the
        file as a text editor shows it (the header is line 1).
    fix
        What to do about it.
    """

    def __init__(
        self,
        path: object,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.row = row
        self.column = column
        self.fix = fix
        where = self.path
        if row is not None:
            where += f", line {row}"
        if column is not None:
            where += f", column {column!r}"
        msg = f"{where}: {problem}"
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


class RegistryError(BalancesError):
    """A declarative file (source catalogue, indicator registry, spec) is invalid."""


class ParameterError(BalancesError, ValueError):
    """A user-supplied parameter is out of range or unknown.

    The message names the parameter and the allowed values.
    """

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"parameter {name!r} = {shown(value)} is not allowed; expected {allowed}")


class BalancesWarning(UserWarning):
    """Something a researcher should know that does not stop the run.

    For instance a user indicator with no value in any year, or one whose
    single value normalises to the midpoint. The command line prints these as
    ``balances: warning: ...``.
    """
