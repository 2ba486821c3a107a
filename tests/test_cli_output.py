"""CLI output (issue 13, point 8): help and defaults, --output, run parameters, width, triads."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from balances import __version__
from balances.cli import TABLE_WIDTH, build_parser, main
from balances.scoring import resolve_spec


def _subparsers(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", sub
                yield from _subparsers(sub, f"{prefix}{name} ")


#: The claims commands judge each author once per process here (tests/test_ko.py checks the
#: judging; these tests check what is printed).
pytestmark = pytest.mark.usefixtures("judge_once")
COMMANDS = dict(_subparsers(build_parser()))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_has_help_and_shows_its_default(command):
    sub = COMMANDS[command]
    formatter = sub._get_formatter()
    for action in sub._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        name = f"{command} {action.option_strings[0]}"
        assert action.help and action.help.strip(), name
        d = action.default
        if d not in (None, argparse.SUPPRESS) and not isinstance(d, bool):
            shown = formatter._expand_help(action)
            assert "default" in shown, f"{name} hides its default {d!r}"
            assert str(d) in shown or "(default)" in shown, f"{name}: {shown}"


def test_score_help_shows_draws_and_seed_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 1000)" in out and "--seed SEED random seed (default: 0)" in out


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["ko"],
        ["indicators"],
        ["score", "--start", "2000", "--end", "2003", "--draws", "0"],
        ["data", "sources"],
    ],
)
def test_tables_fit_120_characters(capsys, argv):
    out = _run(capsys, *argv)
    widths = [len(line) for line in out.splitlines()]
    assert max(widths) <= TABLE_WIDTH
    assert len(widths) > 3


def test_ko_table_keeps_claim_ids_whole(capsys):
    out = _run(capsys, "ko")
    first_col = {line.split()[0] for line in out.splitlines() if line[:1].strip()}
    assert "kozyrev_votes_with_west" in first_col


def test_csv_and_json_carry_triad_spec_seed_and_version(capsys):
    args = ["score", "--focal", "IND,RUS", "--start", "2010", "--end", "2011"]
    args += ["--draws", "20", "--seed", "7", "--spec", "zscore"]
    df = pd.read_csv(io.StringIO(_run(capsys, *args, "--format", "csv")))
    row = df.iloc[0]
    assert (row["focal"], row["reference"], row["spec"], row["seed"], row["draws"]) == (
        "IND,RUS",
        "USA",
        "zscore",
        7,
        20,
    )
    assert row["spec_hash"] == resolve_spec("zscore").digest()
    assert row["balances_version"] == __version__
    records = json.loads(_run(capsys, *args, "--format", "json"))
    assert {r["seed"] for r in records} == {7} and records[0]["focal"] == "IND,RUS"
    # the text table stays the result alone
    assert "balances_version" not in _run(capsys, *args)


def test_output_file_by_suffix(capsys, tmp_path: Path):
    base = ["score", "--start", "2000", "--end", "2001", "--draws", "0"]
    for suffix in (".csv", ".json", ".dta", ".xlsx", ".parquet", ".txt"):
        target = tmp_path / f"scores{suffix}"
        assert main([*base, "--output", str(target)]) == 0
        captured = capsys.readouterr()
        assert captured.out == ""
        assert f"wrote 10 rows to {target}" in captured.err
    dta = pd.read_stata(tmp_path / "scores.dta")
    assert list(dta["seed"].unique()) == [0] and len(dta) == 10  # 5 lenses x 2 years
    labels = pd.io.stata.StataReader(tmp_path / "scores.dta").variable_labels()
    assert labels["spec_hash"] == "Digest of the scoring specification"
    assert pd.read_excel(tmp_path / "scores.xlsx")["year"].tolist() == [2000] * 5 + [2001] * 5
    assert json.loads((tmp_path / "scores.json").read_text())[0]["focal"] == "RUS,CHN"
    assert "overall" in (tmp_path / "scores.txt").read_text()
    assert main([*base, "--output", str(tmp_path / "x.sav")]) == 2
    assert "x.sav" in capsys.readouterr().err


def _user_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "my_bases.csv").write_text(
        "iso3,year,bases\n"
        + "".join(f"{c},2000,{n}\n" for c, n in [("RUS", 3), ("CHN", 2), ("USA", 10)])
    )
    (d / "mine.yml").write_text(
        """indicators:
  - id: my_bases_ratio
    lens: threat
    title: Focal pair's bases relative to the reference's
    unit: ratio
    level: system
    direction: -1
    concept: bases
    citation: test
    sources: [my_bases]
    compute:
      op: ratio
      num: {op: sum, table: my_bases, column: bases, states: [focal1, focal2]}
      den: {op: value, table: my_bases, column: bases, state: reference}
"""
    )
    return d


def test_indicators_dir_before_or_after_the_subcommand(capsys, tmp_path: Path):
    d = str(_user_dir(tmp_path))
    after = _run(capsys, "indicators", "--lens", "threat", "--indicators-dir", d, "--format", "csv")
    before = _run(
        capsys, "--indicators-dir", d, "indicators", "--lens", "threat", "--format", "csv"
    )
    assert "my_bases_ratio" in after
    assert before == after
    assert "my_bases_ratio" not in _run(capsys, "indicators", "--lens", "threat", "--format", "csv")


def test_breaks_and_ko_take_the_triad(capsys):
    default = pd.read_csv(
        io.StringIO(_run(capsys, "breaks", "--series", "vote_gap", "--format", "csv"))
    )
    india = pd.read_csv(
        io.StringIO(
            _run(capsys, "breaks", "--series", "vote_gap", "--focal", "RUS,IND", "--format", "csv")
        )
    )
    assert india["focal"].iloc[0] == "RUS,IND" and default["focal"].iloc[0] == "RUS,CHN"
    assert not india["statistic"].equals(default["statistic"])
    # Ko's claims concern his triad; the focal order is free, another triad is refused
    assert main(["ko", "--focal", "CHN,RUS", "--format", "csv"]) == 0
    capsys.readouterr()
    assert main(["ko", "--focal", "IND,RUS"]) == 2
    assert "claims are about Russia, China and the US" in capsys.readouterr().err


def test_an_ascii_terminal_gets_escapes_not_a_traceback():
    """`PYTHONIOENCODING=ascii`: citations with accents print as escapes, exit 0."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    res = subprocess.run(
        [sys.executable, "-m", "balances.cli", "data", "sources", "--format", "csv"],
        capture_output=True,
        text=False,
        env=env,
    )
    assert res.returncode == 0, res.stderr.decode("ascii", "replace")[-500:]
    assert b"Traceback" not in res.stderr
    out = res.stdout.decode("ascii")  # every byte is ASCII
    assert "Ther\\xe9se Pettersson" in out  # UCDP's citation, escaped


def test_indicator_listing_reads_one_block_per_indicator(capsys):
    """Eleven columns squeezed to 120 characters broke titles into 7-letter stacks."""
    out = _run(capsys, "indicators", "--lens", "threat")
    blocks = out.strip().split("\n\n")
    first = blocks[0].splitlines()
    assert first[0].split() == ["nato_border_focal", "threat", "proximity", "+", "1991-2024"]
    assert any(line.startswith("    title: ") for line in first)
    assert any(line.startswith("    citation: ") for line in first)
    assert len(blocks) == out.count("    title: ")  # every indicator, one block each


def test_claims_name_the_works_they_paraphrase(capsys):
    out = _run(capsys, "claims", "--author", "all")
    assert "Claims paraphrased from:" in out
    assert "korolev: Korolev, Alexander (2021)" in out
