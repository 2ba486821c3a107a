"""Column schemas declared on @table (balances.schema), checked with pandera at build time."""

from __future__ import annotations

import pandas as pd
import pytest

from balances.data import load_table
from balances.errors import RegistryError
from balances.schema import KEY_COLUMNS, Col, check
from balances.sources import LEVEL_KEYS, load_all_loaders, table

SPECS = load_all_loaders()


#: Tables large enough to check with the slow tests only (they are also checked at every build).
LARGE = {"alignment_inputs"}  # 901,612 pair-years: six seconds to load and check


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in LARGE else n for n in sorted(SPECS)]
)
def test_every_committed_table_passes_its_declared_schema(name: str) -> None:
    spec = SPECS[name]
    keys = [k for k in LEVEL_KEYS[spec.level] if k in KEY_COLUMNS]
    assert list(spec.column_schema)[: len(keys)] == keys  # the level's keys are always checked
    check(load_table(name), spec.column_schema, f"table {name!r}")


def test_central_tables_declare_their_columns() -> None:
    for name in ("alignment_inputs", "milex", "unga_similarity", "validation_defense_pacts"):
        assert SPECS[name].schema, name
    # every table declares its columns beyond its keys (events and hand-compiled lists their
    # flags, codes and years; the latent territorial threat its kinds)
    assert [name for name, spec in SPECS.items() if not spec.schema] == []
    assert SPECS["alignment_inputs"].schema["icb_crisis"].isin == (0.0, 1.0)


def test_one_error_names_every_failing_column_with_its_first_row() -> None:
    cols = {"kappa": Col("float", ge=-1, le=1), "flag": Col("float", isin=(0.0, 1.0))}
    df = pd.DataFrame({"kappa": [0.1, 1.5, 2.0], "flag": [0.0, 1.0, 0.5]})
    with pytest.raises(RegistryError) as err:
        check(df, cols, "table 't'")
    text = str(err.value)
    assert "column 'kappa', row 1: value 1.5 breaks in_range(-1, 1) (and 1 more rows)" in text
    assert "column 'flag', row 2: value 0.5 breaks isin([0.0, 1.0])" in text


def test_kinds_and_missing_values() -> None:
    with pytest.raises(RegistryError, match="column 'year': expected int values, got object"):
        check(pd.DataFrame({"year": ["1999"]}), {"year": KEY_COLUMNS["year"]}, "t")
    with pytest.raises(RegistryError, match="column 'year', row 1: a missing value"):
        check(pd.DataFrame({"year": [1999.0, None]}), {"year": KEY_COLUMNS["year"]}, "t")
    with pytest.raises(RegistryError, match="declared columns missing"):
        check(pd.DataFrame({"x": [1]}), {"y": Col("int")}, "t")


def test_a_schema_naming_an_undeclared_column_is_refused() -> None:
    with pytest.raises(RegistryError, match="schema names undeclared columns \\['typo'\\]"):
        table(
            "schema_probe",
            level="system_year",
            sources=(),
            description="probe",
            columns={"x": "a value"},
            schema={"typo": Col("float")},
        )(lambda raw: pd.DataFrame())
    with pytest.raises(RegistryError, match="kind 'integer'"):
        Col("integer")  # type: ignore[arg-type]


def test_contiguity_type_zero_is_not_contiguity() -> None:
    """COW spells of type 0 mean 'not contiguous': the US and Russia before Alaska (1959)."""
    from balances.config import processed_dir

    # two rows of the committed table (as tests/test_sources_alignment_inputs.py reads it)
    df = pd.read_parquet(
        processed_dir() / "alignment_inputs.parquet",
        columns=["year", "contiguity"],
        filters=[("ccode1", "==", 2), ("ccode2", "==", 365)],
    )
    us_ru = df.set_index("year")["contiguity"]
    assert pd.isna(us_ru.loc[1950]) and us_ru.loc[1960] == 2.0
