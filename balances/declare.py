"""One strict loader for every YAML file the project reads, and one error format.

The indicator registry and the user's indicator files, the source catalogue,
scoring specs, Ko's claims and the periods file are all read through
:func:`load_yaml` and validated through :func:`validate`. The loader is a
``yaml.SafeLoader`` (no tag ever builds a Python object) that also refuses:

- a key given twice in one mapping (YAML keeps the last silently, so
  ``direction: -1`` then ``direction: 1`` would flip an indicator's sign);
- aliases (``*name``) and merge keys (``<<``): nothing the project declares
  needs them, and an alias lets a few hundred bytes expand to gigabytes;
- nesting deeper than :data:`MAX_DEPTH` and files larger than :data:`MAX_BYTES`.

Every error is a :class:`DeclarationError` naming the file, the line and the
column when known, and what is wrong; any value quoted in a message is cut to
:data:`~balances.errors.MAX_SHOWN` characters by :func:`~balances.errors.shown`.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.yml"
>>> _ = p.write_text("direction: -1\\ndirection: 1\\n")
>>> load_yaml(p)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
balances.declare.DeclarationError: .../x.yml, line 2, column 1: not valid YAML: duplicate key 'direction' (first at line 1)
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from balances.errors import MAX_SHOWN, RegistryError, shown

__all__ = [
    "MAX_SHOWN",
    "DeclarationError",
    "Document",
    "StrictLoader",
    "describe",
    "load_model",
    "load_yaml",
    "load_yaml_text",
    "read_document",
    "shown",
    "validate",
]

#: Largest YAML file read (the biggest the project ships is a few tens of kB).
MAX_BYTES = 2_000_000
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 64

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


class DeclarationError(RegistryError):
    """A declaration file is invalid: the message names file, line, column and problem."""

    def __init__(
        self, path: object, problem: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {problem}")


class _Refused(yaml.MarkedYAMLError):
    """Raised inside the loader; turned into a DeclarationError by :func:`load_yaml`."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without duplicate keys, aliases, merge keys or deep nesting."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                problem=f"alias *{shown(event.anchor, 40)[1:-1]} is not allowed; "
                "write the value out in full (aliases and merge keys are refused)",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                problem=f"nesting deeper than {MAX_DEPTH} levels is not allowed",
                problem_mark=self.peek_event().start_mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # noqa: D102
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(
                    problem="merge key '<<' is not allowed; write the keys out in full",
                    problem_mark=key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise _Refused(
                    problem=f"a key must be a scalar, not {shown(key)}",
                    problem_mark=key_node.start_mark,
                ) from None
            if key in first:
                raise _Refused(
                    problem=f"not valid YAML: duplicate key {shown(key)} (first at line {first[key]})",
                    problem_mark=key_node.start_mark,
                )
            first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class Document:
    """A loaded YAML file: its data, and where each mapping key and list item sits.

    ``marks`` maps a location (keys and list indices from the root) to its
    1-based (line, column), so validation errors can point into the file.
    """

    path: Path
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict, repr=False)

    def position(self, loc: Loc) -> tuple[int | None, int | None]:
        """Line and column of ``loc``, or of its nearest enclosing entry."""
        for n in range(len(loc), -1, -1):
            if tuple(loc[:n]) in self.marks:
                return self.marks[tuple(loc[:n])]
        return None, None

    def error(self, loc: Loc, problem: str) -> DeclarationError:
        """A :class:`DeclarationError` at ``loc`` in this file."""
        line, column = self.position(loc)
        return DeclarationError(self.path, problem, line=line, column=column)


def _walk(node: yaml.Node, loc: Loc, marks: dict[Loc, tuple[int, int]]) -> None:
    marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                names: list[str | int] = [key_node.value]
                if key_node.value.isdigit():
                    names.append(int(key_node.value))  # pydantic names an int key by its value
                for name in names:
                    _walk(value_node, (*loc, name), marks)
                    marks[(*loc, name)] = (
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), marks)


def read_document(path: str | os.PathLike[str], what: str = "declaration file") -> Document:
    """Read and parse one YAML file strictly.

    Raises
    ------
    DeclarationError
        If the file is missing, too large, not UTF-8 text, not valid YAML, or
        uses a duplicate key, an alias, a merge key or too deep a nesting.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise DeclarationError(
                file,
                f"{what} is {size} bytes; at most {MAX_BYTES} are read (is it the right file?)",
            )
        text = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DeclarationError(file, f"{what} not found") from None
    except UnicodeDecodeError as exc:
        raise DeclarationError(
            file, f"{what} is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None
    except OSError as exc:
        raise DeclarationError(file, f"cannot read the {what} ({exc.strerror or exc})") from None
    data, marks = _parse(str(file), text)
    return Document(file, copy.deepcopy(data), dict(marks))


@functools.lru_cache(maxsize=256)
def _parse(name: str, text: str) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Parse ``text`` strictly, once per distinct (file, content): the registry, catalogue and
    claims are read many times in one process. Callers get a deep copy; errors are not cached."""
    file = Path(name)
    try:
        loader = StrictLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise DeclarationError(
            file,
            f"not valid YAML: {exc.reason} (character #x{exc.character:04x})",
            line=line,
            column=column,
        ) from None
    try:
        node = loader.get_single_node()
        marks: dict[Loc, tuple[int, int]] = {}
        if node is not None:
            _walk(node, (), marks)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        if not isinstance(exc, _Refused):
            problem = f"not valid YAML: {problem}"
        raise DeclarationError(
            file,
            problem,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise DeclarationError(file, f"not valid YAML: {shown(str(exc), 200)}") from None
    except RecursionError:
        raise DeclarationError(file, f"nesting too deep (at most {MAX_DEPTH} levels)") from None
    finally:
        loader.dispose()
    return data, marks


def load_yaml(path: str | os.PathLike[str], what: str = "declaration file") -> Any:
    """The data of one YAML file, read strictly (see :func:`read_document`)."""
    return read_document(path, what).data


def load_yaml_text(text: str, name: str = "<string>") -> Any:
    """Parse YAML text with the strict loader (for tests and in-memory declarations).

    Examples
    --------
    >>> load_yaml_text("a: 1\\nb: [x, y]\\n")
    {'a': 1, 'b': ['x', 'y']}
    """
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise DeclarationError(
            name,
            exc.problem or "not valid YAML",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    finally:
        loader.dispose()


def problems(exc: ValidationError, limit: int = 5) -> list[tuple[Loc, str]]:
    """Each pydantic error as (location, one-line message with the value truncated).

    The one place pydantic errors are turned into words.
    """
    out: list[tuple[Loc, str]] = []
    for err in exc.errors(include_url=False)[:limit]:
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        msg = f"{key}: {err['msg']}"
        if err["type"] not in ("missing", "extra_forbidden"):
            msg += f" (got {shown(err.get('input'))})"
        out.append((loc, msg))
    return out


def describe(exc: ValidationError) -> str:
    """A pydantic error as one line: every problem, values truncated.

    Examples
    --------
    >>> from pydantic import BaseModel, ConfigDict
    >>> class M(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     n: int
    >>> try:
    ...     M(n="x" * 500, extra=1)
    ... except ValidationError as e:
    ...     print(describe(e))
    n: Input should be a valid integer, unable to parse string as an integer (got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...[502 chars]); extra: Extra inputs are not permitted
    """
    found = problems(exc)
    more = exc.error_count() - len(found)
    text = "; ".join(msg for _, msg in found)
    return text + (f"; and {more} more" if more > 0 else "")


def entry_label(data: Any, loc: Loc) -> str | None:
    """Name the innermost list entry on ``loc`` that has an ``id``: ``claim 'x'``.

    Examples
    --------
    >>> entry_label({"claims": [{"id": "a"}, {"id": "b"}]}, ("claims", 1, "colour"))
    "claim 'b'"
    """
    label = None
    node = data
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and i > 0 and isinstance(node, Mapping) and "id" in node:
            label = f"{str(loc[i - 1]).removesuffix('s')} {shown(node['id'], 60)}"
    return label


def validate(
    model: type[M],
    data: Any,
    doc: Document | None = None,
    *,
    loc: Loc = (),
    where: str | None = None,
    **extra: Any,
) -> M:
    """Validate ``data`` (found at ``loc`` in ``doc``) as ``model``.

    Parameters
    ----------
    model
        A pydantic model, normally with ``extra="forbid"``.
    data
        The mapping to validate.
    doc
        The document it came from, so the error can name the line and column.
    loc
        Where ``data`` sits in ``doc``.
    where
        Words placed before the problem (e.g. "indicator 'x'").
    extra
        Fields added to ``data`` before validating (e.g. ``origin``).

    Raises
    ------
    DeclarationError
        Naming the file, line, column, the entry and each problem.
    """
    if not isinstance(data, Mapping):
        text = f"expected a mapping of {', '.join(model.model_fields)}, got {shown(data)}"
        prefix = f"{where}: " if where else ""
        if doc is not None:
            raise doc.error(loc, prefix + text)
        raise DeclarationError(where or model.__name__, text)
    try:
        return model.model_validate({**data, **extra} if extra else data)
    except ValidationError as exc:
        found = problems(exc)
        first_loc = found[0][0] if found else ()
        where = where or entry_label(data, first_loc)
        prefix = f"{where}: " if where else ""
        if doc is not None:
            raise doc.error((*loc, *first_loc), prefix + describe(exc)) from None
        raise DeclarationError(where or model.__name__, describe(exc)) from None


def load_model(
    model: type[M], path: str | os.PathLike[str], what: str = "declaration file", **extra: Any
) -> M:
    """Read one YAML file strictly and validate it whole as ``model``."""
    doc = read_document(path, what)
    return validate(model, doc.data, doc, **extra)


def require_list(doc: Document, key: str) -> Sequence[Any]:
    """The list under the only top-level key ``key`` of ``doc``."""
    data = doc.data
    if not isinstance(data, dict) or set(data) != {key} or not isinstance(data[key], list):
        got = sorted(map(str, data)) if isinstance(data, dict) else type(data).__name__
        raise doc.error((), f"expected one top-level key {key!r} holding a list (got {shown(got)})")
    return data[key]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m balances.declare FILE...``: check that each YAML file loads strictly."""
    import sys

    failed = 0
    for name in sys.argv[1:] if argv is None else argv:
        try:
            read_document(name, "YAML file")
        except DeclarationError as exc:
            print(exc, file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
