"""Bad inputs around the report runner (issue 15): spec weights, YAML bombs and merge keys in the
periods file, notebooks listed twice, long values in errors, unusable output folders. Each is one
clear error; none runs a notebook."""

from __future__ import annotations

import json
import math
import textwrap
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from balances.errors import ParameterError, RegistryError
from balances.reports import load_periods, run_reports
from balances.reports.loading import load_periods_cached
from balances.scoring import ScoringSpec, resolve_spec

TEST_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"

GOOD = """\
a_1992_1995:
  title: First
  description: One line.
  start: 1992
  end: 1995
"""


def write(path: Path, periods: str, top: str = "notebooks: [ok]\n") -> Path:
    path.write_text(
        f"notebooks_dir: {TEST_NOTEBOOKS}\n{top}periods:\n"
        + textwrap.indent(textwrap.dedent(periods), "  "),
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------- Medium 4: spec weights


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"lens_weights": {"power": math.nan, "threat": 1.0, "interests": 1.0}}, "lens_weights"),
        ({"lens_weights": {"power": math.inf, "threat": 1.0, "interests": 1.0}}, "lens_weights"),
        ({"weights": "manual", "manual_weights": {}}, "manual_weights"),
        ({"weights": "manual", "manual_weights": {"x": math.nan}}, "manual_weights"),
        ({"aggregate": "generalised", "power": math.inf}, "power"),
    ],
)
def test_non_finite_or_empty_weights_are_refused_naming_the_key(fields: dict, key: str) -> None:
    with pytest.raises(ValidationError, match=key):
        ScoringSpec(**fields)
    with pytest.raises(ParameterError, match=key):
        resolve_spec(fields)


def test_spec_file_with_a_nan_weight_names_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "spec.yml"
    path.write_text("lens_weights: {power: .nan, threat: 1, interests: 1}\n")
    with pytest.raises(RegistryError, match=r"spec\.yml.*lens_weights"):
        resolve_spec(str(path))


def test_a_misspelt_exclude_id_is_an_error() -> None:
    from balances.analysis import score

    with pytest.raises(ParameterError, match=r"'exclude' = \['milex_shaer'\]"):
        score(start=2000, end=2001, draws=0, spec={"exclude": ["milex_shaer"]})


# ---------------------------------------------------------------- Medium 9 and Low: the periods file

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text(BOMB + "periods: *i\n")
    assert len(BOMB) < 500
    t0 = time.perf_counter()
    with pytest.raises(RegistryError, match=r"alias \*a is not allowed") as info:
        load_periods(path)
    assert time.perf_counter() - t0 < 1.0
    assert len(str(info.value)) < 1000


def test_merge_keys_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yml", GOOD + "b_1996_1999:\n  <<: {title: T, description: D}\n")
    with pytest.raises(RegistryError, match=r"merge key '<<' is not allowed"):
        load_periods(path)


def test_a_notebook_listed_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yml", GOOD, top="notebooks: [ok, ok]\n")
    with pytest.raises(RegistryError, match=r"'ok' is listed twice"):
        load_periods(path)


def test_values_in_errors_are_truncated(tmp_path: Path) -> None:
    path = write(tmp_path / "p.yml", GOOD + f"  focal: {'X' * 100_000}\n")
    with pytest.raises(RegistryError) as info:
        load_periods(path)
    msg = str(info.value)
    assert "parameter 'focal'" in msg and "(100002 characters)" in msg
    assert len(msg) < 1000


@pytest.mark.parametrize("content", [b"- a\n- b\n", b"\x00\xff\xfe binary"])
def test_a_periods_file_that_is_a_list_or_binary_is_one_error(tmp_path: Path, content: bytes):
    path = tmp_path / "p.yml"
    path.write_bytes(content)
    with pytest.raises(RegistryError, match=r"p\.yml"):
        load_periods(path)


# ---------------------------------------------------------------- Low: the output folder


@pytest.mark.parametrize(
    ("out", "fragment"),
    [("", "an empty one would write here"), ("FILE", "an existing file")],
)
def test_unusable_out_is_refused_before_anything_runs(
    tmp_path: Path, out: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from balances.cli import main

    path = write(tmp_path / "p.yml", GOOD)
    if out == "FILE":
        out = str(tmp_path / "a-file")
        Path(out).write_text("keep me")
    with pytest.raises(ParameterError, match=fragment):
        run_reports(load_periods(path), out=out, progress=False)
    assert main(["report", "--periods", str(path), "--out", out]) == 2
    assert fragment in capsys.readouterr().err
    if out.endswith("a-file"):
        assert Path(out).read_text() == "keep me"


def test_a_read_only_out_is_refused_even_for_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """os.access says yes to root everywhere; /sys is read-only even for root."""
    from balances.cli import main

    ro = Path("/sys/kernel")
    if not ro.is_dir():
        pytest.skip("no /sys/kernel on this machine")
    path = write(tmp_path / "p.yml", GOOD)
    assert main(["report", "--periods", str(path), "--out", str(ro)]) == 2
    err = capsys.readouterr().err
    assert "parameter 'out'" in err and "can write to" in err
    assert "Traceback" not in err


def test_a_validated_periods_file_is_not_validated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached run does not pay for validation; any edit to the file validates again."""
    from balances.reports import periods_file

    path = write(tmp_path / "p.yml", GOOD)
    out = tmp_path / "out"
    out.mkdir()
    first = load_periods_cached(path, out)
    assert first == load_periods(path)
    monkeypatch.setattr(periods_file, "load_strict", lambda *a, **k: pytest.fail("validated"))
    assert load_periods_cached(path, out) == first
    monkeypatch.undo()
    write(path, GOOD + "  draws: -1\n")
    with pytest.raises(RegistryError, match="parameter 'draws'"):
        load_periods_cached(path, out)
    cached = list((out / ".cache").glob("periods-*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["config"]["periods"]


def test_a_full_disk_never_leaves_a_truncated_file_under_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Low: a truncated .failed.ipynb under a full disk. Writes are fsynced before the rename,
    so a failed write leaves the old file (or none) and no temporary."""
    import errno
    import os

    from balances.reports import _fs

    target = tmp_path / "x.failed.ipynb"
    target.write_text("the previous one")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_fs.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        _fs.write_text_atomic(target, "{" + " " * 10_000)
    assert target.read_text() == "the previous one"
    assert os.listdir(tmp_path) == ["x.failed.ipynb"]


def test_the_cache_key_covers_user_and_plugin_files_by_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    from balances.reports import cache

    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "p.yml").write_text("indicators: []\n")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "t.csv").write_text("year,v\n2000,1\n")

    class EntryPoint:
        name = "theirs"

        def load(self):
            return lambda: plugin

    original = metadata.entry_points
    monkeypatch.setattr(
        metadata,
        "entry_points",
        lambda group: [EntryPoint()] if group == "balances.indicators" else original(group=group),
    )
    folder = tmp_path / "cache"
    folder.mkdir()

    def key() -> str:
        return cache.cache_key({"user_indicators": cache.user_indicators(mine, folder)})

    first = key()
    assert cache.user_indicators(mine, folder)["plugins"] == {
        "theirs": {"p.yml": cache.sha256_file(plugin / "p.yml")}
    }
    (plugin / "p.yml").write_text("indicators: [] # edited\n")
    second = key()
    assert second != first
    (mine / "t.csv").write_text("year,v\n2000,2\n")
    third = key()
    assert third != second
    moved = tmp_path / "elsewhere"
    mine.rename(moved)  # the same files elsewhere make the same report
    assert cache.cache_key({"user_indicators": cache.user_indicators(moved, folder)}) == third
    monkeypatch.setattr(metadata, "entry_points", lambda group: pytest.fail("scanned again"))
    assert cache.user_indicators(moved, folder)["plugins"]["theirs"]
    assert cache.user_indicators(None, folder)["dir"] is None
    with pytest.raises(ParameterError, match="indicators_dir"):
        cache.user_indicators(tmp_path / "nope", folder)
