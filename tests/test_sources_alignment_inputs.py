"""The alignment outcome's hostility inputs read Gleditsch-Ward codes as COW codes of their year."""

from __future__ import annotations

from balances.sources.alignment_inputs import ucdp_interstate
from balances.sources.raw import RawFiles


def test_the_yemeni_wars_of_1972_and_1979_are_between_north_and_south(raw: RawFiles) -> None:
    pairs = set(ucdp_interstate(raw).itertuples(index=False, name=None))
    # North Yemen (COW 678) against South Yemen (680): lost when 678 was read as 679 in every year
    assert (678, 680, 1972) in pairs and (678, 680, 1979) in pairs
    assert not any(679 in (a, b) and year < 1990 for a, b, year in pairs)
    # Russia-Ukraine, 2022 (COW 365, 369), read through the same map
    assert (365, 369, 2022) in pairs
