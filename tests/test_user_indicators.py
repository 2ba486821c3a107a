"""Adding an indicator never fails silently (issue 13, item 7).

Each case a newcomer following the README runs into either works, fails with
a message naming the file, line and fix, or is warned about, and the README
documents the behaviour.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from balances.cli import main
from balances.errors import BalancesWarning, DataError, RegistryError
from balances.indicators.panel import Tables, compute_panel
from balances.triad import Triad

README = Path(__file__).resolve().parents[1] / "README.md"

BASES = "iso3,year,bases\nRUS,2000,3\nRUS,2001,4\nCHN,2000,2\nCHN,2001,2\nUSA,2000,10\nUSA,2001,9\n"
INDICATOR = """indicators:
  - id: my_bases_ratio
    lens: threat
    title: Focal pair's bases relative to the reference's
    unit: ratio
    level: {level}
    direction: -1
    concept: C
    citation: X
    sources: [{table}]
    compute:
{compute}
"""
RATIO = """      op: ratio
      num: {op: sum, table: my_bases, column: bases, states: [focal1, focal2]}
      den: {op: value, table: my_bases, column: bases, state: reference}"""


def _dir(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "mine"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text)
    return d


def _yaml(compute: str = RATIO, level: str = "system", table: str = "my_bases") -> str:
    return INDICATOR.format(compute=compute, level=level, table=table)


def _panel(d: Path, start: int = 1995, end: int = 2005):
    return compute_panel(Triad(), start=start, end=end, source=Tables(d), lenses=["threat"])


def test_a_yaml_suffix_is_read_like_yml(tmp_path: Path) -> None:
    d = _dir(tmp_path, {"my_bases.csv": BASES, "mine.yaml": _yaml()})
    assert "my_bases_ratio" in Tables(d).registry()
    with warnings.catch_warnings():
        warnings.simplefilter("error", BalancesWarning)
        row = _panel(d).query("indicator == 'my_bases_ratio'").set_index("year")
    assert row.loc[2000, "value"] == pytest.approx(0.5)


def test_files_the_directory_does_not_read_are_named(tmp_path: Path) -> None:
    d = _dir(tmp_path, {"my_bases.csv": BASES, "mine.yml": _yaml(), "mine.json": "{}"})
    (d / "README.md").write_text("notes")
    with pytest.warns(BalancesWarning, match=r"ignored mine\.json; .* \.yml or \.yaml") as rec:
        Tables(d)
    assert "README" not in str(rec[0].message)


def test_an_unknown_role_fails_at_load_naming_the_place(tmp_path: Path) -> None:
    d = _dir(
        tmp_path, {"my_bases.csv": BASES, "mine.yml": _yaml(RATIO.replace("reference}", "ref}"))}
    )
    with pytest.raises(
        RegistryError,
        match=r"mine\.yml, line 14, column 56: indicator 'my_bases_ratio': compute\.den\.state: "
        r"'ref' is neither a role \(focal1, focal2, reference\) nor a known ISO3 code",
    ):
        Tables(d).registry()


@pytest.mark.parametrize(
    ("compute", "match"),
    [
        (
            "      {op: sum, table: my_bases, column: bases, states: [focal1, ruski]}",
            r"states\[1\]: 'ruski'",
        ),
        (
            "      {op: sum, table: my_bases, column: bases, states: everyone}",
            r"compute\.states: expected a group .* got 'everyone'",
        ),
        (
            "      {op: value, table: my_bases, column: bases, dyad: [focal1]}",
            r"compute\.dyad: expected two states",
        ),
    ],
)
def test_other_unknown_states_fail_at_load(tmp_path: Path, compute: str, match: str) -> None:
    d = _dir(tmp_path, {"my_bases.csv": BASES, "mine.yml": _yaml(compute)})
    with pytest.raises(RegistryError, match=match):
        Tables(d).registry()


def test_an_indicator_with_no_value_is_warned_about(tmp_path: Path) -> None:
    compute = "      {op: value, table: my_bases, column: bases, state: FRA}"
    d = _dir(tmp_path, {"my_bases.csv": BASES, "mine.yml": _yaml(compute, level="monadic")})
    with pytest.warns(
        BalancesWarning,
        match=r"indicator 'my_bases_ratio' \(.*mine\.yml\) has no value in 1995-2005: "
        r"my_bases has no rows for FRA",
    ):
        panel = _panel(d)
    assert panel.query("indicator == 'my_bases_ratio'")["status"].eq("missing").all()


def test_a_one_year_example_says_it_scores_50(tmp_path: Path) -> None:
    one_year = "iso3,year,bases\nRUS,2000,3\nCHN,2000,2\nUSA,2000,10\n"
    d = _dir(tmp_path, {"my_bases.csv": one_year, "mine.yml": _yaml()})
    with pytest.warns(
        BalancesWarning, match=r"one value \(0\.5\) in 1 year of 1995-2005: .* scores 50"
    ):
        panel = _panel(d)
    row = panel.query("indicator == 'my_bases_ratio'").set_index("year")
    assert "scores 50 (the midpoint)" in row.loc[2000, "note"]
    assert row.loc[2001, "note"] == "outside the sources' coverage"


def test_a_reversed_dyad_row_is_named(tmp_path: Path) -> None:
    dyads = "iso3_1,iso3_2,year,visits\nCHN,RUS,2000,2\nCHN,RUS,2001,3\n"
    compute = "      {op: value, table: my_visits, column: visits, dyad: [focal1, focal2]}"
    d = _dir(
        tmp_path,
        {"my_visits.csv": dyads, "mine.yml": _yaml(compute, level="dyadic", table="my_visits")},
    )
    with pytest.warns(
        BalancesWarning,
        match=r"rows for the dyad CHN-RUS but none for RUS-CHN: dyad rows are directed .*"
        r"add rows RUS,CHN or write dyad: \[focal2, focal1\]",
    ):
        _panel(d)
    reversed_ = _yaml(
        compute.replace("[focal1, focal2]", "[focal2, focal1]"), "dyadic", "my_visits"
    )
    (d / "mine.yml").write_text(reversed_)
    row = _panel(d).query("indicator == 'my_visits' or indicator == 'my_bases_ratio'")
    assert row.set_index("year").loc[2001, "value"] == 3


def test_the_command_line_prints_the_warning_as_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compute = "      {op: value, table: my_bases, column: bases, state: FRA}"
    d = _dir(tmp_path, {"my_bases.csv": BASES, "mine.yml": _yaml(compute, level="monadic")})
    code = main(
        [
            "indicators",
            "--lens",
            "threat",
            "--start",
            "1999",
            "--end",
            "2001",
            "--indicators-dir",
            str(d),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert re.search(
        r"^balances: warning: indicator 'my_bases_ratio' .* no value in 1999-2001", err, re.M
    )


def test_readme_documents_levels_roles_and_dyads() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Adding an indicator") : text.index("## Data")]
    for fragment in (
        "`monadic`",
        "`dyadic`",
        "`system`",
        "dyad: [focal1, focal2]",
        "directed",
        "`.yml` or `.yaml`",
        "states: [focal1, focal2]",
        "among: great_powers",
        "scores 50",
        "balances: warning:",
    ):
        assert fragment in section, fragment


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"my_bases\.csv: the file is empty"),
        ("iso3,year,bases\nRUS,2000,inf\n", r"line 2, column 'bases': infinite value inf"),
        ("iso3,year,bases\nRUS,2000,3\nCHN,2000,-inf\n", r"line 3, column 'bases': infinite value"),
        ("iso3,year,bases\nRUS,2000," + "9" * 5000 + "x\n", r"non-numeric value '9{70}"),
    ],
)
def test_an_empty_or_infinite_user_table_is_one_clear_error(
    tmp_path: Path, text: str, match: str
) -> None:
    d = _dir(tmp_path, {"my_bases.csv": text, "mine.yml": _yaml()})
    with pytest.raises(DataError, match=match) as info:
        Tables(d).registry()
    assert len(str(info.value)) < 400


def test_huge_values_in_user_files_are_quoted_truncated(tmp_path: Path) -> None:
    huge = "Z" * 50_000
    d = _dir(tmp_path, {"my_bases.csv": f"iso3,year,bases\n{huge},2000,1\n", "mine.yml": _yaml()})
    with pytest.raises(DataError, match="unknown ISO3 code 'ZZZ") as info:
        Tables(d).registry()
    assert len(str(info.value)) < 400
    (tmp_path / "b").mkdir()
    d2 = _dir(
        tmp_path / "b",
        {"my_bases.csv": BASES, "mine.yml": _yaml(RATIO.replace("op: ratio", f"op: {huge}"))},
    )
    with pytest.raises(RegistryError, match="unknown operation 'ZZZ") as info2:
        Tables(d2).registry()
    assert len(str(info2.value)) < 1200
