"""The indicator registry: strict loading, user indicators from a directory of their own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from balances.errors import BalancesWarning, DataError, RegistryError
from balances.indicators.panel import Tables, compute_panel, read_user_table
from balances.indicators.registry import BUILTIN_DIR, load_registry
from balances.scoring import score_panel
from balances.triad import Triad

COLUMNS = {"nmc": ["ccode", "iso3", "year", "cinc", "cinc5"]}

BLOCK = """indicators:
  - id: {id}
    lens: power
    title: t
    unit: u
    level: system
    direction: 1
    concept: c
    citation: x
    sources: [nmc]
    compute: {compute}
{extra}"""
GOOD_COMPUTE = "{op: value, table: nmc, column: cinc, state: reference}"


def _reg(tmp_path: Path, *texts: str) -> Path:
    d = tmp_path / "ind"
    d.mkdir()
    for i, t in enumerate(texts):
        (d / f"f{i}.yml").write_text(t)
    return d


def _load(d: Path) -> dict:
    return load_registry(COLUMNS, [d])


def test_good_block_loads(tmp_path: Path) -> None:
    reg = _load(_reg(tmp_path, BLOCK.format(id="a", compute=GOOD_COMPUTE, extra="")))
    assert list(reg) == ["a"]


@pytest.mark.parametrize(
    ("compute", "extra", "match"),
    [
        (GOOD_COMPUTE, "    colour: red\n", r"indicator 'bad'.*colour: Extra inputs"),
        ("{op: eval, table: nmc}", "", r"indicator 'bad'.*unknown operation 'eval'"),
        (
            "{op: value, table: nmc, column: gdp, state: reference}",
            "",
            r"compute\.column: table 'nmc' has no column 'gdp'",
        ),
        (
            "{op: value, table: wdi, column: gdp, state: reference}",
            "",
            r"not among the indicator's sources",
        ),
        ("{op: value, table: nmc, column: cinc, country: USA}", "", r"does not take \['country'\]"),
        (
            "{op: ratio, num: {op: value, table: nmc, column: cinc, state: focal1}}",
            "",
            r"needs \['den'\]",
        ),
        ("{op: \"__import__('os').system('true')\"}", "", r"unknown operation"),
    ],
)
def test_bad_blocks_fail_with_file_and_entry_named(
    tmp_path: Path, compute: str, extra: str, match: str
) -> None:
    d = _reg(tmp_path, BLOCK.format(id="bad", compute=compute, extra=extra))
    with pytest.raises(RegistryError, match=match) as e:
        _load(d)
    assert "f0.yml" in str(e.value)


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    block = BLOCK.format(id="a", compute=GOOD_COMPUTE, extra="")
    with pytest.raises(
        RegistryError,
        match=r"f1\.yml, line 2, column 5: indicator 'a': duplicate id \(first declared in .*f0\.yml",
    ):
        _load(_reg(tmp_path, block, block))


def test_missing_source_table(tmp_path: Path) -> None:
    text = BLOCK.format(id="a", compute=GOOD_COMPUTE, extra="").replace(
        "sources: [nmc]", "sources: [nmc, gone]"
    )
    with pytest.raises(RegistryError, match=r"source table\(s\) \['gone'\] not found"):
        _load(_reg(tmp_path, text))


USER_CSV = "iso3,year,bases\nRUS,1995,1\nRUS,2000,3\nCHN,2000,2\nUSA,2000,10\n"
USER_YML = """indicators:
  - id: user_bases_ratio
    lens: threat
    title: Focal pair's bases relative to the reference's
    unit: ratio
    level: system
    direction: -1
    concept: a user's own threat measure
    citation: the user's own data
    sources: [my_bases]
    compute:
      op: ratio
      num: {op: sum, table: my_bases, column: bases, states: [focal1, focal2]}
      den: {op: value, table: my_bases, column: bases, state: reference}
"""


def test_user_indicator_from_a_directory_is_computed_and_scored(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "my_bases.csv").write_text(USER_CSV)
    (d / "mine.yml").write_text(USER_YML)
    source = Tables(d)
    assert "user_bases_ratio" in source.registry()
    with pytest.warns(BalancesWarning, match="one value"):  # data for 2000 only
        panel = compute_panel(Triad(), start=1995, end=2000, source=source)
    row = panel.query("indicator == 'user_bases_ratio'").set_index("year")
    assert row.loc[2000, "value"] == pytest.approx(0.5)
    assert row.loc[1995, "status"] == "missing"  # CHN and USA absent: NaN, never 0
    scored = score_panel(panel, source.registry())
    assert "user_bases_ratio" in scored["weights"].index
    builtin = Tables()
    base = score_panel(
        compute_panel(Triad(), start=1995, end=2000, source=builtin), builtin.registry()
    )
    n = {
        name: r["scores"].query("lens == 'threat' and year == 2000")["n_indicators"].iloc[0]
        for name, r in (("user", scored), ("builtin", base))
    }
    assert n["user"] == n["builtin"] + 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("iso3,year,v\nRUS,2000,1\nRUS,2000,2\n", r"line 3: duplicated key"),
        (
            "iso3,year,v\nRUS,2000,1\nRUS,2001,many\n",
            r"line 3, column 'v': non-numeric value 'many'",
        ),
        (
            "iso3,year,v\nRUS,2000,1\nXXX,2001,2\n",
            r"line 3, column 'iso3': unknown ISO3 code 'XXX'",
        ),
        ("iso3,year,v\nRUS,1800,1\n", r"line 2, column 'year': year 1800 outside the panel"),
        ("country,year,v\nRussia,2000,1\n", r"column 'country': non-numeric"),
        ("ccode,yr,v\n365,2000,1\n", r"no 'year' column"),
    ],
)
def test_bad_user_csv_names_file_and_row(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "t.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=match) as e:
        read_user_table(p)
    assert str(p) in str(e.value)


def test_ccode_keyed_user_table_gets_iso3(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("ccode,year,v\n365,2000,1\n710,2000,2\n")
    df = read_user_table(p)
    assert df["iso3"].tolist() == ["RUS", "CHN"]


def test_builtin_files_exist() -> None:
    assert {p.stem for p in BUILTIN_DIR.glob("*.yml")} >= {"power"}


def test_panel_is_nan_not_zero_outside_coverage() -> None:
    # strategic rivalries (TSS) end in 2020: 2021 on is missing, never 0
    panel = compute_panel(Triad(), start=2018, end=2024, ids=["rivalry_ref_focal1"])
    by_year = panel.set_index("year")
    assert by_year.loc[2024, "status"] == "missing" and pd.isna(by_year.loc[2024, "value"])
    assert by_year.loc[2020, "status"] == "present"


def test_indicator_set_shipped_as_a_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed package can ship indicators through the `balances.indicators` entry point group."""
    from importlib import metadata

    from balances.indicators import registry as reg

    d = tmp_path / "plugin"
    d.mkdir()
    (d / "my_bases.csv").write_text(USER_CSV)
    (d / "mine.yml").write_text(USER_YML)

    class FakeEntryPoint:
        def load(self):
            return lambda: d

    original = metadata.entry_points

    def fake_entry_points(group: str):
        return [FakeEntryPoint()] if group == reg.ENTRY_POINT_GROUP else original(group=group)

    monkeypatch.setattr(reg.metadata, "entry_points", fake_entry_points)
    assert "user_bases_ratio" in Tables().registry()
