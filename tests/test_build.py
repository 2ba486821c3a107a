"""The processed tables: rebuilt from raw, byte-identical to the committed ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from balances.build import build, check_processed, read_provenance
from balances.config import PROCESSED_DIR
from balances.data import load_table
from balances.errors import DataError
from balances.io import sha256, table_file
from balances.sources import load_all_loaders


def test_committed_tables_match_provenance() -> None:
    lines = check_processed(PROCESSED_DIR)
    assert len(lines) == len(read_provenance(PROCESSED_DIR))


def test_every_registered_table_is_committed() -> None:
    assert set(load_all_loaders()) == set(read_provenance(PROCESSED_DIR))


@pytest.mark.slow
def test_rebuild_is_byte_identical(raw_root: Path, tmp_path: Path) -> None:
    build(raw_root, tmp_path)
    committed = read_provenance(PROCESSED_DIR)
    rebuilt = read_provenance(tmp_path)
    assert rebuilt == committed
    for name in committed:
        file = table_file(name, committed[name])  # CSV, or Parquet for the large tables
        assert (tmp_path / file).read_bytes() == (PROCESSED_DIR / file).read_bytes(), name


def test_hand_edited_table_is_detected(tmp_path: Path) -> None:
    shutil.copytree(PROCESSED_DIR, tmp_path / "p")
    path = tmp_path / "p" / "nmc.csv"
    path.write_text(path.read_text().replace("0.23409663", "0.3", 1))
    with pytest.raises(DataError, match=r"nmc\.csv: content does not match"):
        check_processed(tmp_path / "p")


def test_wrong_raw_hash_builds_nothing(raw_root: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "cow_nmc"
    raw.mkdir(parents=True)
    for f in (raw_root / "cow_nmc").iterdir():
        shutil.copy(f, raw / f.name)
    with open(raw / "nmc_v7_0_abridged.csv", "a") as fh:
        fh.write("2,USA,United States of America,2023,1,1,1,1,1,1,0.1\n")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"nmc_v7_0_abridged\.csv: SHA-256"):
        build(tmp_path / "raw", out, only=["nmc"])
    assert not out.exists() or not any(out.iterdir())


def test_cinc_china_2022() -> None:
    nmc = load_table("nmc")
    row = nmc[(nmc["iso3"] == "CHN") & (nmc["year"] == 2022)].iloc[0]
    assert row["cinc"] == pytest.approx(0.234, abs=5e-4)
    assert row["upop_break"] == 1


def test_cinc_v6_ends_2016_and_break_is_flagged() -> None:
    nmc = load_table("nmc").query("iso3 == 'USA'")
    assert nmc.loc[nmc["year"] == 2016, "cinc_v6"].iloc[0] == pytest.approx(0.13306, abs=1e-5)
    assert nmc.loc[nmc["year"] == 2017, "cinc_v6"].isna().all()
    assert nmc.loc[nmc["year"] == 2016, "upop_break"].iloc[0] == 0


def test_unverified_build_records_the_hash_of_the_bytes_read(
    raw_root: Path, tmp_path: Path
) -> None:
    """`data build --no-verify` on a truncated file: provenance vouches for what was read."""
    rel = "rivalry_threat/thompson_sakuwa_suhas_rivalries_to2020.csv"
    (tmp_path / "raw" / rel).parent.mkdir(parents=True)
    lines = (raw_root / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "raw" / rel).write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    prov = build(tmp_path / "raw", out, only=["validation_rivalries"], verify=False)
    recorded = prov["validation_rivalries"]["sources"]["tss_rivalries"]["files"][rel]
    catalogued = read_provenance(PROCESSED_DIR)["validation_rivalries"]["sources"]["tss_rivalries"]
    assert recorded == sha256(tmp_path / "raw" / rel)
    assert recorded != catalogued["files"][rel]
