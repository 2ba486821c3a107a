"""The alignment outcome's hostility inputs read Gleditsch-Ward codes as COW codes of their year."""

from __future__ import annotations

import pandas as pd
import pytest

from balances.config import processed_dir
from balances.sources.alignment_inputs import ucdp_interstate
from balances.sources.raw import RawFiles

INPUTS_FILE = processed_dir() / "alignment_inputs.parquet"


def test_the_yemeni_wars_of_1972_and_1979_are_between_north_and_south(raw: RawFiles) -> None:
    pairs = set(ucdp_interstate(raw).itertuples(index=False, name=None))
    # North Yemen (COW 678) against South Yemen (680): lost when 678 was read as 679 in every year
    assert (678, 680, 1972) in pairs and (678, 680, 1979) in pairs
    assert not any(679 in (a, b) and year < 1990 for a, b, year in pairs)
    # Russia-Ukraine, 2022 (COW 365, 369), read through the same map
    assert (365, 369, 2022) in pairs


@pytest.mark.slow  # reads the whole trade register and all 134 TIV tables
def test_the_register_reproduces_the_tiv_tables_where_both_run(raw: RawFiles) -> None:
    """The splice of 2022-24 arms from the trade register is not a change of measure."""
    from balances.sources.alignment_inputs import arms_register, arms_transfer

    pop = pd.read_parquet(INPUTS_FILE, columns=["ccode1", "ccode2", "year"])
    pop = pop[pop["year"].between(2015, 2021)]
    keys = ["ccode1", "ccode2", "year"]
    m = pop.merge(arms_transfer(raw), on=keys, how="left").merge(
        arms_register(raw), on=keys, how="left"
    )
    a, b = m["arms_transfer"].fillna(0), m["arms_register"].fillna(0)
    po = (a == b).mean()
    pe = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    assert (po - pe) / (1 - pe) == pytest.approx(0.95, abs=0.005)


def test_arms_after_2021_come_from_the_register_and_say_so() -> None:
    t = pd.read_parquet(
        INPUTS_FILE,
        columns=["iso3_1", "iso3_2", "year", "arms_transfer", "arms_from_register"],
    )
    flag = t.groupby("year")["arms_from_register"].agg(["min", "max"])
    assert (flag.loc[2022:] == 1).all().all() and (flag.loc[1950:2021] == 0).all().all()
    assert t.loc[t["year"] >= 2022, "arms_transfer"].notna().all()
    usa_ukr = t[(t["iso3_1"] == "USA") & (t["iso3_2"] == "UKR")].set_index("year")
    assert usa_ukr.loc[2022:2024, "arms_transfer"].eq(1).all()  # US deliveries to Ukraine


def test_hosting_us_forces_is_observed_for_every_us_pair_and_no_other() -> None:
    t = pd.read_parquet(
        INPUTS_FILE, columns=["ccode1", "ccode2", "iso3_2", "year", "us_troops_hosted"]
    )
    us = t["ccode1"] == 2
    assert t.loc[~us, "us_troops_hosted"].isna().all()  # nobody records others' basing
    assert t.loc[us & (t["year"] >= 1950) & (t["year"] != 2008), "us_troops_hosted"].notna().all()
    assert t.loc[us & (t["year"] == 2008), "us_troops_hosted"].isna().all()  # doubled upstream
    h = t[us].set_index(["iso3_2", "year"])["us_troops_hosted"]
    assert h[("GBR", 2018)] == h[("JPN", 2018)] == h[("DEU", 2022)] == 1
    assert h[("RUS", 2018)] == h[("CHN", 2018)] == 0  # embassy detachments are not garrisons


def test_an_unknown_undl_vote_names_its_line(raw_root, tmp_path) -> None:
    from _checks import copy_raw

    from balances.errors import DataError
    from balances.sources.alignment_inputs import ES11_FILE, SOURCE_ES11, read_undl_votes

    raw = copy_raw(raw_root, tmp_path, ES11_FILE, head=6)
    path = tmp_path / ES11_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2].endswith(",AGO,ABSTAIN\n")
    assert read_undl_votes(raw, SOURCE_ES11, ES11_FILE)["vote"].tolist()[:2] == [1, 2]
    lines[2] = lines[2].replace(",ABSTAIN", ",MAYBE")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"line 3, column 'vote': value 'MAYBE' breaks isin"):
        read_undl_votes(raw, SOURCE_ES11, ES11_FILE)
