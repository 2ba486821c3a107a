"""The triad under study: a focal pair and a reference power (default RUS, CHN vs USA)."""

from __future__ import annotations

from dataclasses import dataclass

from balances.countries import is_known_iso3
from balances.errors import ParameterError

#: Great powers for system-level measures (shares, concentration): the P5 plus
#: the other states COW or Maoz list as major/global powers in the period.
GREAT_POWERS: tuple[str, ...] = ("USA", "RUS", "CHN", "GBR", "FRA", "DEU", "JPN", "IND")

#: Roles an indicator can name instead of a country code.
ROLES = ("focal1", "focal2", "reference")


@dataclass(frozen=True)
class Triad:
    """Focal pair and reference power, as ISO3 codes.

    Examples
    --------
    >>> Triad.parse("RUS,CHN", "USA").label
    'RUS-CHN vs USA'
    """

    focal1: str = "RUS"
    focal2: str = "CHN"
    reference: str = "USA"

    def __post_init__(self) -> None:
        codes = (self.focal1, self.focal2, self.reference)
        for name, code in zip(ROLES, codes, strict=True):
            if not isinstance(code, str) or not is_known_iso3(code):
                raise ParameterError(
                    name, code, "an ISO3 code of a state, e.g. RUS, CHN, USA, IND, PAK"
                )
        if len(set(codes)) != 3:
            raise ParameterError("focal/reference", codes, "three different states")

    @classmethod
    def parse(cls, focal: str | tuple[str, str] = "RUS,CHN", reference: str = "USA") -> Triad:
        """Build from ``"RUS,CHN"`` (or a pair) and ``"USA"``."""
        pair = (
            [p.strip().upper() for p in focal.split(",")] if isinstance(focal, str) else list(focal)
        )
        if len(pair) != 2:
            raise ParameterError("focal", focal, "two comma-separated ISO3 codes, e.g. RUS,CHN")
        return cls(pair[0], pair[1], reference.strip().upper())

    def resolve(self, who: str) -> str:
        """ISO3 code of a role name, or the code itself."""
        return getattr(self, who) if who in ROLES else who

    @property
    def label(self) -> str:
        return f"{self.focal1}-{self.focal2} vs {self.reference}"

    @property
    def members(self) -> tuple[str, str, str]:
        return (self.focal1, self.focal2, self.reference)
