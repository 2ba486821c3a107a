"""One run-parameter model: validated once, defaults from one place, used by the API and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from balances import analysis, params
from balances.cli import build_parser, main
from balances.errors import ParameterError
from balances.params import RunParams
from balances.scoring import PRESETS, ScoringSpec

PACKAGE = Path(params.__file__).resolve().parent


def test_defaults_are_the_project_defaults() -> None:
    p = params.defaults()
    assert (p.focal, p.reference, p.start, p.end, p.spec, p.draws, p.seed) == (
        "RUS,CHN",
        "USA",
        1992,
        2024,
        "default",
        1000,
        0,
    )
    assert p.indicators_dir is None
    assert p.scoring_spec == PRESETS["default"]
    assert p.triad.label == "RUS-CHN vs USA"


def test_values_are_normalised_once() -> None:
    p = RunParams(focal=" ind, rus ", reference="usa", spec={"normalise": "zscore"})
    assert (p.focal, p.reference) == ("IND,RUS", "USA")
    assert isinstance(p.spec, ScoringSpec) and p.scoring_spec.normalise == "zscore"
    assert RunParams(focal=("CHN", "RUS")).focal == "CHN,RUS"
    assert RunParams(spec=None).scoring_spec == PRESETS["default"]


def test_frozen() -> None:
    p = RunParams()
    with pytest.raises(Exception, match="frozen"):
        p.draws = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "name", "allowed"),
    [
        ({"focal": "RUS"}, "focal", "two comma-separated ISO3 codes"),
        ({"focal": "RUS,XXX"}, "focal2", "ISO3 code"),
        ({"reference": "RUS"}, "focal/reference", "three different states"),
        ({"reference": 5}, "reference", "one ISO3 code"),
        ({"start": 1980}, "start", "a year in 1991-2024"),
        ({"start": "1992"}, "start", "a year in 1991-2024"),
        ({"end": 2099}, "end", "a year in 1991-2024"),
        ({"start": 2000, "end": 1999}, "start", "not after end=1999"),
        ({"draws": -1}, "draws", "an integer in 0-200000"),
        ({"draws": True}, "draws", "an integer in 0-200000"),
        ({"draws": 10**9}, "draws", "an integer in 0-200000"),
        ({"draws": 2.5}, "draws", "an integer"),
        ({"seed": -1}, "seed", "an integer in 0-9223372036854775807"),
        ({"seed": 2**64}, "seed", "an integer in 0-"),
        ({"spec": "nonexistent"}, "spec", "a preset"),
        ({"spec": 3}, "spec", "a preset name"),
        ({"spec": {"normalise": "cubic"}}, "spec", "fields of ScoringSpec"),
        ({"indicators_dir": "/no/such/dir"}, "indicators_dir", "an existing directory"),
        ({"indicators_dir": ""}, "indicators_dir", "an existing directory"),
        ({"colour": "red"}, "colour", "one of focal, reference"),
    ],
)
def test_each_bad_value_names_its_parameter(values: dict, name: str, allowed: str) -> None:
    with pytest.raises(ParameterError) as info:
        RunParams(**values)
    assert info.value.name == name
    assert allowed in info.value.allowed


def test_a_huge_value_is_truncated_in_the_error() -> None:
    with pytest.raises(ParameterError) as info:
        RunParams(focal="X" * 100_000)
    assert len(str(info.value)) < 300


def test_the_api_validates_through_the_model() -> None:
    """score() refuses what RunParams refuses, with the same error (seed -1 was a traceback)."""
    with pytest.raises(ParameterError, match=r"'seed' = -1 .* an integer in 0-"):
        analysis.score(seed=-1, draws=0)
    with pytest.raises(ParameterError, match="'draws'"):
        analysis.validate_parameters(draws=-5)
    assert analysis.validate_parameters(spec="zscore") == PRESETS["zscore"]


def test_run_and_score_agree() -> None:
    p = RunParams(start=2000, end=2003, draws=0)
    a = analysis.run(p).table()
    b = analysis.score(start=2000, end=2003, draws=0).table()
    assert a.equals(b)


def test_cli_defaults_come_from_the_model() -> None:
    parser = build_parser()
    args = parser.parse_args(["score"])
    d = params.defaults()
    assert (args.focal, args.reference, args.start, args.end, args.spec, args.draws, args.seed) == (
        d.focal,
        d.reference,
        d.start,
        d.end,
        d.spec,
        d.draws,
        d.seed,
    )


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["score", "--seed", "-1", "--draws", "0"], "parameter 'seed' = -1"),
        (["breaks", "--seed", "-1"], "parameter 'seed' = -1"),
        (["score", "--draws", "1000000000"], "parameter 'draws' = 1000000000"),
        (["score", "--indicators-dir", "/no/such"], "parameter 'indicators_dir'"),
        (["indicators", "--start", "1800"], "parameter 'start' = 1800"),
    ],
)
def test_cli_bad_parameters_are_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("balances: error: ") and fragment in err
    assert err.count("\n") == 1


def test_no_default_is_restated_in_the_package() -> None:
    """``draws=1000`` and the other run defaults are written only in balances/params.py."""
    pattern = re.compile(r"draws\s*(?::\s*int\s*)?=\s*1000\b|default\s*=\s*1000\b")
    offenders = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name != "params.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
