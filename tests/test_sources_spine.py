"""The shared COW spine (balances.sources._spine) and the key checks of balances.build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from balances.build import validate_table
from balances.config import DYAD_STATES, PANEL_END
from balances.errors import DataError, RegistryError
from balances.sources import LEVEL_KEYS, TableSpec
from balances.sources._spine import (
    add_dyad_codes,
    both_orders,
    drop_superseded,
    dyad_spine,
    iso3_from_ccode,
    keep_dyad_states,
    system_members,
)
from balances.sources.raw import RawFiles

NMC = "cow_nmc/nmc_v7_0_abridged.csv"


def _spec(level: str) -> TableSpec:
    return TableSpec("t", level, LEVEL_KEYS[level], (), "test table", {"v": "a value"}, print)


def test_system_members_keep_both_german_codes_and_carry_2022_forward(raw: RawFiles) -> None:
    members = system_members(raw, 1989, PANEL_END)
    deu = members[members["iso3"] == "DEU"].groupby("year")["ccode"].agg(set)
    assert (deu[1989], deu[1990], deu[1991]) == ({260}, {255, 260}, {255})
    assert set(members.loc[members["year"] == 1990, "ccode"]) >= {678, 679}
    last = members[members["year"] == 2022].drop(columns="year").reset_index(drop=True)
    for year in range(2023, PANEL_END + 1):
        carried = members[members["year"] == year].drop(columns="year").reset_index(drop=True)
        assert carried.equals(last), year


def test_dyad_spine_has_one_germany_in_1990(raw: RawFiles) -> None:
    spine = dyad_spine(raw, 1946, PANEL_END)
    assert not spine.duplicated(["iso3_1", "iso3_2", "year"]).any()
    assert (spine["iso3_1"] != spine["iso3_2"]).all()
    assert set(spine["iso3_1"]) == set(DYAD_STATES)
    deu = spine[spine["iso3_1"] == "DEU"].groupby("year")["ccode1"].agg(set)
    assert (deu[1989], deu[1990]) == ({260}, {255})
    assert (spine["year"].min(), spine["year"].max()) == (1946, PANEL_END)
    # both orders of every pair, and the codes are the ones to_ccode gives for the year
    flipped = both_orders(spine, (("ccode1", "ccode2"), ("iso3_1", "iso3_2")))
    assert len(flipped.drop_duplicates()) == len(spine)
    recoded = add_dyad_codes(spine.drop(columns=["ccode1", "ccode2"]))
    merged = spine.merge(recoded, on=["iso3_1", "iso3_2", "year"], suffixes=("", "_iso"))
    assert (merged["ccode1"] == merged["ccode1_iso"]).all()
    assert (merged["ccode2"] == merged["ccode2_iso"]).all()


def test_drop_superseded_only_drops_old_codes_from_1990() -> None:
    df = pd.DataFrame(
        {
            "ccode1": [260, 260, 255, 2, 678],
            "ccode2": [2, 2, 2, 260, 2],
            "year": [1989, 1990, 1990, 1990, 1991],
        }
    )
    assert drop_superseded(df).index.tolist() == [0, 2]


def test_unknown_code_names_line_and_column() -> None:
    df = pd.DataFrame({"ccode1": [2, 365, 999], "ccode2": [710, 2, 2]}, index=[2, 3, 4])
    with pytest.raises(
        DataError,
        match=r"f\.csv, line 4, column 'ccode1': unknown COW state "
        r"code 999",
    ):
        keep_dyad_states(df, "f.csv")
    assert iso3_from_ccode(df.iloc[:2], "f.csv", "ccode1").tolist() == ["USA", "RUS"]


def test_keep_dyad_states_counts_former_codes() -> None:
    df = pd.DataFrame({"ccode1": [260, 2, 20], "ccode2": [365, 710, 2]})
    kept = keep_dyad_states(df, "f.csv")
    assert kept[["iso3_1", "iso3_2"]].values.tolist() == [["DEU", "RUS"], ["USA", "CHN"]]


def test_membership_error_names_nmc_line(raw_root: Path, tmp_path: Path) -> None:
    (tmp_path / NMC).parent.mkdir(parents=True)
    shutil.copy(raw_root / NMC, tmp_path / NMC)
    lines = (tmp_path / NMC).read_text().splitlines(keepends=True)
    line = next(i for i, t in enumerate(lines, 1) if t.startswith("2,USA,") and ",2000," in t)
    lines[line - 1] = lines[line - 1].replace("2,USA,", "999,USA,", 1)
    (tmp_path / NMC).write_text("".join(lines))
    with pytest.raises(DataError, match=rf"line {line}, column 'ccode': unknown COW state code"):
        dyad_spine(RawFiles(tmp_path, verify=False), 1990, 2010)


def test_validate_table_rejects_duplicated_dyad_iso3_key() -> None:
    df = pd.DataFrame(
        {
            "ccode1": [2, 2],
            "ccode2": [260, 255],
            "iso3_1": ["USA", "USA"],
            "iso3_2": ["DEU", "DEU"],
            "year": [1990, 1990],
            "v": [1, 2],
        }
    )
    with pytest.raises(
        RegistryError,
        match=r"table 't' .*duplicated dyad_year key "
        r"\{'iso3_1': 'USA', 'iso3_2': 'DEU', 'year': 1990\}",
    ):
        validate_table(_spec("dyad_year"), df)
    assert len(validate_table(_spec("dyad_year"), df.iloc[1:])) == 1


def test_validate_table_keeps_both_germanys_in_state_years() -> None:
    df = pd.DataFrame(
        {"ccode": [260, 255], "iso3": ["DEU", "DEU"], "year": [1990, 1990], "v": [1, 2]}
    )
    assert len(validate_table(_spec("state_year"), df)) == 2
    with pytest.raises(
        RegistryError,
        match=r"duplicated key \{'ccode': 255, 'iso3': 'DEU', "
        r"'year': 1990\}",
    ):
        validate_table(_spec("state_year"), pd.concat([df, df.iloc[1:]]))


def test_typed_iso3_must_match_the_code() -> None:
    df = pd.DataFrame({"ccode": [2, 365], "iso3c": ["USA", "CHN"]}, index=[2, 3])
    with pytest.raises(
        DataError,
        match=r"line 3, column 'iso3c': iso3c 'CHN' does not match "
        r"COW code 365 \(RUS\)",
    ):
        iso3_from_ccode(df, "f.csv", typed="iso3c")
    assert iso3_from_ccode(df.iloc[:1], "f.csv", typed="iso3c").tolist() == ["USA"]
