"""The one strict YAML loader: every file type refuses duplicate keys, aliases and merge keys.

Each YAML file type the project reads (the indicator registry, a user's
indicator file in either suffix, a source catalogue file, a scoring spec, Ko's
claims, the periods file) is loaded through :mod:`balances.declare`; one test
per type shows a duplicate key fails there with the file, line and column.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from balances.declare import (
    MAX_SHOWN,
    DeclarationError,
    load_yaml,
    load_yaml_text,
    shown,
)
from balances.errors import RegistryError
from balances.indicators.registry import BUILTIN_DIR, load_registry
from balances.ko import CLAIMS_FILE, load_claims
from balances.reports import DEFAULT_PERIODS_FILE, load_periods
from balances.scoring import ScoringSpec
from balances.sources.catalogue import CATALOGUE_DIR, load_catalogue

COLUMNS = {"nmc": ["iso3", "ccode", "year", "cinc", "milex"]}

INDICATOR = """indicators:
  - id: dup_direction
    lens: power
    title: T
    unit: share
    level: monadic
    direction: -1
    direction: 1
    concept: C
    citation: X
    sources: [nmc]
    compute: {op: value, table: nmc, column: cinc, state: focal1}
"""


def _duplicate_first_key(text: str) -> str:
    """``text`` with its first ``key: value`` line repeated (same indentation)."""
    lines = text.splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if ":" in line and not line.startswith("#"))
    return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])


def _registry(d: Path) -> object:
    return load_registry(COLUMNS, [d])


def _catalogue(d: Path) -> object:
    load_catalogue.cache_clear()
    return load_catalogue(d)


def _user_yml(tmp: Path) -> tuple[Path, Callable[[], object]]:
    d = tmp / "mine"
    d.mkdir()
    (d / "mine.yml").write_text(INDICATOR)
    return d / "mine.yml", lambda: _registry(d)


def _user_yaml(tmp: Path) -> tuple[Path, Callable[[], object]]:
    d = tmp / "mine"
    d.mkdir()
    (d / "mine.yaml").write_text(INDICATOR)
    return d / "mine.yaml", lambda: _registry(d)


def _builtin(tmp: Path) -> tuple[Path, Callable[[], object]]:
    d = tmp / "builtin"
    d.mkdir()
    text = (BUILTIN_DIR / "power.yml").read_text(encoding="utf-8")
    text = text.replace("    direction: ", "    direction: 1\n    direction: ", 1)
    (d / "power.yml").write_text(text)
    return d / "power.yml", lambda: load_registry({}, [d])


def _catalogue_file(tmp: Path) -> tuple[Path, Callable[[], object]]:
    d = tmp / "cat"
    d.mkdir()
    src = sorted(CATALOGUE_DIR.glob("*.yml"))[0]
    (d / src.name).write_text(_duplicate_first_key(src.read_text(encoding="utf-8")))
    return d / src.name, lambda: _catalogue(d)


def _spec(tmp: Path) -> tuple[Path, Callable[[], object]]:
    p = tmp / "spec.yml"
    p.write_text("normalise: zscore\nnormalise: rank\n")
    return p, lambda: ScoringSpec.load(p)


def _claims(tmp: Path) -> tuple[Path, Callable[[], object]]:
    p = tmp / "claims.yml"
    text = CLAIMS_FILE.read_text(encoding="utf-8")
    text = text.replace("stance: bandwagon,", "stance: balance, stance: bandwagon,", 1)
    p.write_text(text)
    return p, lambda: load_claims.__wrapped__(p)


def _periods(tmp: Path) -> tuple[Path, Callable[[], object]]:
    p = tmp / "periods.yml"
    p.write_text(_duplicate_first_key(DEFAULT_PERIODS_FILE.read_text(encoding="utf-8")))
    return p, lambda: load_periods(p)


FILE_TYPES: dict[str, Callable[[Path], tuple[Path, Callable[[], object]]]] = {
    "builtin_indicators": _builtin,
    "user_indicators_yml": _user_yml,
    "user_indicators_yaml": _user_yaml,
    "source_catalogue": _catalogue_file,
    "scoring_spec": _spec,
    "ko_claims": _claims,
    "periods": _periods,
}


@pytest.mark.parametrize("kind", sorted(FILE_TYPES))
def test_duplicate_key_fails_in_every_yaml_file_type(tmp_path: Path, kind: str) -> None:
    path, load = FILE_TYPES[kind](tmp_path)
    with pytest.raises(DeclarationError) as info:
        load()
    err = info.value
    assert err.path == str(path)
    assert err.line is not None and err.column is not None
    assert "duplicate key" in str(err)
    assert str(err).startswith(f"{path}, line {err.line}, column {err.column}: ")


def test_indicator_direction_given_twice_does_not_flip_the_sign(tmp_path: Path) -> None:
    """Issue 15 item 14: ``direction: -1`` then ``direction: 1`` used to load as +1."""
    path, load = _user_yml(tmp_path)
    with pytest.raises(RegistryError, match=r"line 8, column 5: .*duplicate key 'direction'"):
        load()


BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
            for i in range(8)
        ),
    ]
)


@pytest.mark.parametrize("kind", sorted(FILE_TYPES))
def test_alias_bomb_is_refused_at_once_in_every_file_type(tmp_path: Path, kind: str) -> None:
    """Issue 15 item 9: 9**9 'lol's in a few hundred bytes are refused, not expanded."""
    path, load = FILE_TYPES[kind](tmp_path)
    path.write_text(BOMB)
    assert len(BOMB) < 600
    t0 = time.perf_counter()
    with pytest.raises(DeclarationError, match=r"line 2, column \d+: alias \*a is not allowed"):
        load()
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("base: &b {x: 1}\nother:\n  <<: {x: 2}\n", r"line 3, column 3: merge key '<<'"),
        ("a: &x 1\nb: *x\n", r"line 2, column 4: alias \*x"),
        ("a: " + "[" * 200 + "]" * 200 + "\n", r"nesting deeper than 64 levels"),
        ("? [1, 2]\n: x\n", r"a key must be a scalar"),
        ("a: 1\n  b: 2\n", r"line 2, column 4: not valid YAML: mapping values are not allowed"),
    ],
)
def test_refusals_name_line_and_column(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "x.yml"
    p.write_text(text)
    with pytest.raises(DeclarationError, match=match):
        load_yaml(p)


def test_python_tags_are_never_run(tmp_path: Path) -> None:
    p = tmp_path / "x.yml"
    p.write_text("a: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(DeclarationError, match="could not determine a constructor"):
        load_yaml(p)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\xff\xfe\x00binary", "not UTF-8 text"),
        (b"a: \x07\n", "not valid YAML: special characters are not allowed"),
    ],
)
def test_binary_files_are_one_clear_error(tmp_path: Path, content: bytes, match: str) -> None:
    p = tmp_path / "x.yml"
    p.write_bytes(content)
    with pytest.raises(DeclarationError, match=match):
        load_yaml(p)


def test_missing_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(DeclarationError, match="scoring spec not found"):
        ScoringSpec.load(tmp_path / "none.yml")
    big = tmp_path / "big.yml"
    big.write_text("a: '" + "x" * 2_100_000 + "'\n")
    with pytest.raises(DeclarationError, match="at most 2000000 are read"):
        load_yaml(big)


def test_every_value_shown_in_an_error_is_truncated(tmp_path: Path) -> None:
    """A huge value is quoted in at most MAX_SHOWN characters, in every loader."""
    huge = "x" * 100_000
    d = tmp_path / "mine"
    d.mkdir()
    (d / "m.yml").write_text(INDICATOR.replace("    direction: 1\n", "").replace("share", huge))
    (d / "m.yml").write_text(
        INDICATOR.replace("    direction: 1\n", "").replace("lens: power", f"lens: {huge}")
    )
    spec = tmp_path / "spec.yml"
    spec.write_text(f"normalise: {huge}\n")
    periods = tmp_path / "periods.yml"
    periods.write_text(
        f"periods:\n  a:\n    title: T\n    description: D\n    start: 1992\n    end: 1995\n"
        f"    focal: {huge}\n"
    )
    for load in (
        lambda: _registry(d),
        lambda: ScoringSpec.load(spec),
        lambda: load_periods(periods),
    ):
        with pytest.raises(RegistryError) as info:
            load()
        assert huge[:MAX_SHOWN] not in str(info.value)
        assert len(str(info.value)) < 1500, str(info.value)[:300]


def test_spec_file_that_is_a_list_is_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "spec.yml"
    p.write_text("- zscore\n- rank\n")
    with pytest.raises(
        DeclarationError, match=r"line 1, column 1: expected a mapping of normalise"
    ):
        ScoringSpec.load(p)


def test_integer_key_in_an_indicator_block_is_one_clear_error(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "m.yml").write_text(INDICATOR.replace("    direction: 1\n", "    1: one\n"))
    with pytest.raises(
        RegistryError,
        match=r"line 8, column 5: indicator 'dup_direction': 1: Keys should be strings",
    ):
        _registry(d)


def test_shown_and_text_loader() -> None:
    assert len(shown("y" * 10_000)) <= MAX_SHOWN + 20
    assert load_yaml_text("a: [1, 2]\n") == {"a": [1, 2]}
    with pytest.raises(DeclarationError, match="<string>, line 2, column 1: not valid YAML: dup"):
        load_yaml_text("a: 1\na: 2\n")


def test_project_yaml_files_all_load_strictly() -> None:
    """Every YAML file shipped with the project loads through the strict loader."""
    root = Path(__file__).resolve().parents[1]
    files = [
        *root.glob("balances/**/*.yml"),
        *root.glob("data/*.yml"),
        *root.glob("notebooks/params/*.yml"),
    ]
    assert len(files) > 20
    for f in files:
        assert load_yaml(f) == yaml.safe_load(f.read_text(encoding="utf-8")), f


def test_no_module_parses_yaml_outside_the_declaration_layer() -> None:
    """Only balances/declare.py calls the YAML parser; the rest goes through it."""
    pkg = Path(__file__).resolve().parents[1] / "balances"
    offenders = [
        p.relative_to(pkg).as_posix()
        for p in pkg.rglob("*.py")
        if p.name != "declare.py"
        and any(
            call in p.read_text(encoding="utf-8")
            for call in ("yaml.safe_load", "yaml.load(", "yaml.full_load", "yaml.unsafe_load")
        )
    ]
    assert offenders == []


def test_copy_of_the_project_files_still_loads(tmp_path: Path) -> None:
    """The real registry, catalogue, claims and periods load unchanged through the loader."""
    d = tmp_path / "cat"
    shutil.copytree(CATALOGUE_DIR, d)
    assert len(_catalogue(d)) == len(list(CATALOGUE_DIR.glob("*.yml")))
    assert load_claims.__wrapped__(CLAIMS_FILE).claims
    assert load_periods().periods


def test_every_declaration_model_rejects_unknown_fields() -> None:
    """Each pydantic model of the package forbids unknown keys (one loader, one strictness)."""
    import importlib
    import pkgutil

    from pydantic import BaseModel

    import balances

    for info in pkgutil.walk_packages(balances.__path__, "balances."):
        importlib.import_module(info.name)
    seen: list[type[BaseModel]] = []
    todo = list(BaseModel.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("balances."):
            seen.append(cls)
    assert len(seen) >= 10
    lax = [f"{c.__module__}.{c.__name__}" for c in seen if c.model_config.get("extra") != "forbid"]
    assert lax == []
