"""The periods file: named periods and the parameters their notebooks run with.

``notebooks/params/periods.yml`` is loaded strictly (:func:`load_periods`):
duplicate keys, YAML aliases and merge keys, unknown keys, names that are not
slugs, years outside the panel, unknown countries or presets, and values that
would not reach a notebook as plain literals are errors naming the file, the
period and the parameter. Values shown in an error are truncated, so a crafted
file cannot make the message itself expensive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from balances.config import PANEL_END, PROJECT_DIR, STUDY_START
from balances.errors import ParameterError

#: Where the periods file and the notebooks live in the project.
DEFAULT_PERIODS_FILE = PROJECT_DIR / "notebooks" / "params" / "periods.yml"
DEFAULT_NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
DEFAULT_NOTEBOOKS = ("alignment_report", "ko_comparison")

#: Period, notebook and preset names: they become folder and file names under
#: ``out``, so no '/', no '.', nothing absolute.
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NAME_RULE = (
    "lowercase letters, digits, '_' and '-', starting with a letter or digit (no '/', '.' or '..')"
)
FOCAL_PATTERN = r"^[A-Z]{3},[A-Z]{3}$"
ISO3_PATTERN = r"^[A-Z]{3}$"
#: One line of plain text: no control characters (newlines included) and no backslash.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f\\]+$"
MAX_SEED = 2**63 - 1

#: Longest rendering of a value quoted in an error message.
SHOWN = 80


def shown(value: object) -> str:
    """``repr(value)`` cut to :data:`SHOWN` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text)} characters)"


def _allowed() -> dict[str, str]:
    """What each key accepts, in words, for error messages."""
    from balances.analysis import MAX_DRAWS
    from balances.scoring import PRESETS

    return {
        "name": NAME_RULE,
        "notebooks_dir": "a folder path, relative to the periods file",
        "defaults": "a mapping of focal, reference, spec, draws, seed",
        "periods": "a mapping of period name -> title, description, start, end and overrides",
        "notebooks": f"a list of notebook names ({NAME_RULE}), "
        "files <name>.ipynb in the notebooks folder",
        "title": "one line of text, at most 200 characters, without backslashes",
        "description": "one line of text, at most 500 characters, without backslashes",
        "start": f"a year in {STUDY_START}-{PANEL_END}",
        "end": f"a year in {STUDY_START}-{PANEL_END}",
        "focal": "two upper-case ISO3 codes separated by a comma, e.g. RUS,CHN",
        "reference": "one upper-case ISO3 code, e.g. USA",
        "spec": f"a scoring preset among {sorted(PRESETS)}",
        "draws": f"an integer in 0-{MAX_DRAWS}",
        "seed": f"an integer in 0-{MAX_SEED}",
    }


# ---------------------------------------------------------------- the periods file


@dataclass(frozen=True)
class Period:
    """One named period and the parameters its notebooks run with."""

    name: str
    title: str
    description: str
    start: int
    end: int
    focal: str
    reference: str
    spec: str
    draws: int
    seed: int
    notebooks: tuple[str, ...]

    def parameters(self) -> dict[str, str | int]:
        """The papermill parameters of this period's notebooks."""
        return {
            "focal": self.focal,
            "reference": self.reference,
            "start": self.start,
            "end": self.end,
            "spec": self.spec,
            "draws": self.draws,
            "seed": self.seed,
            "period_name": self.name,
            "period_title": self.title,
        }


@dataclass(frozen=True)
class PeriodsConfig:
    """A validated periods file."""

    path: Path
    notebooks_dir: Path
    defaults: dict[str, str | int]
    periods: dict[str, Period]

    def select(self, only: Iterable[str] | None = None) -> list[Period]:
        """The periods named in ``only`` (all when ``None``), in file order.

        Raises
        ------
        ParameterError
            On a name the file does not declare, listing the declared ones.
        """
        if only is None:
            return list(self.periods.values())
        wanted = list(dict.fromkeys(only))
        unknown = [n for n in wanted if n not in self.periods]
        if unknown:
            raise ParameterError(
                "only",
                unknown[0] if len(unknown) == 1 else unknown,
                f"period names declared in {self.path}: {', '.join(self.periods)}",
            )
        return [p for n, p in self.periods.items() if n in wanted]

    def notebook_path(self, name: str) -> Path:
        """The file of a notebook name."""
        return self.notebooks_dir / f"{name}.ipynb"

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (see :meth:`from_json`)."""
        return {
            "path": str(self.path),
            "notebooks_dir": str(self.notebooks_dir),
            "defaults": dict(self.defaults),
            "periods": [
                {**asdict(p), "notebooks": list(p.notebooks)} for p in self.periods.values()
            ],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PeriodsConfig:
        """The config :meth:`to_json` wrote (already validated when it was written)."""
        periods = {
            p["name"]: Period(**{**p, "notebooks": tuple(p["notebooks"])}) for p in doc["periods"]
        }
        return cls(
            path=Path(doc["path"]),
            notebooks_dir=Path(doc["notebooks_dir"]),
            defaults=dict(doc["defaults"]),
            periods=periods,
        )
