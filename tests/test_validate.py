"""The validation scorecard (``python -m sim.validate``) and docs/model.md §9 generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import validate as v

DOC = Path(__file__).resolve().parent.parent / "docs" / "model.md"


def _block() -> str:
    doc = DOC.read_text()
    return doc.split(v.BEGIN, 1)[1].split(v.END, 1)[0].strip()


def test_doc_section_9_holds_a_generated_scorecard():
    block = _block()
    lines = block.splitlines()
    assert lines[0].startswith("Scorecard of `python -m sim.validate --seeds 20`")
    rows = [ln for ln in lines if ln.startswith("| ") and not ln.startswith("| Statistic")]
    assert len(rows) >= 25
    assert all(ln.count("|") == 7 and ln.rstrip().endswith(("| pass |", "| **FAIL** |", "| reported |"))
               for ln in rows)


def test_scorecard_exits_non_zero_on_a_failed_row(monkeypatch, capsys):
    """A failed row makes the command exit 1 and name the row (runs replaced by one fake run)."""
    monkeypatch.setattr(v, "run_seed", lambda s: {"seed": s})
    monkeypatch.setattr(v, "run_pair", lambda s: {"seed": s})
    row = v.Row("always_fails", "a statistic", "0", "< 0", "none", lambda x: x < 0)
    monkeypatch.setattr(v, "rows_and_values", lambda runs, pairs: [(row, 1.0)])
    assert v.main(["--seeds", "1"]) == 1
    err = capsys.readouterr().err
    assert "always_fails" in err
    monkeypatch.setattr(v, "rows_and_values", lambda runs, pairs: [(row, -1.0)])
    assert v.main(["--seeds", "1"]) == 0


@pytest.mark.slow
def test_doc_section_9_is_what_the_scorecard_prints(capsys):
    """Regenerate the 20-seed scorecard and compare it with docs/model.md §9, line by line."""
    code = v.main(["--seeds", "20", "--jobs", "2"])
    printed = capsys.readouterr().out.strip()
    assert printed == _block()
    assert code == (1 if "**FAIL**" in printed else 0)


def _rows(runs, pairs=()) -> dict[str, tuple[v.Row, float]]:
    return {row.key: (row, val) for row, val in v.shape_rows(runs, list(pairs))}


@pytest.mark.slow
def test_dose_response_rows_pass_and_fail_when_exposure_never_ends():
    """Chetty & Hendren's shape on the generation's movers (seeds 0-2): the neighbourhood term of
    those who moved out young exceeds the stayers', the gain falls with the age at moving, and a
    move at 23-27 gains nothing. With exposure counting fully to 25 and fading to 30 (the age limit
    moved to the top of its range) a move at 23-27 still gains and that row fails; without the
    neighbourhood term in income (``work.rank_per_exposure = 0``) early movers gain nothing."""
    seeds = range(3)
    rows = _rows([v.run_seed(s) for s in seeds])
    for key in ("dose_early", "dose_decreasing", "dose_after23"):
        row, val = rows[key]
        assert row.check(val), (key, val)
    later = {"school": {"exposure_full_age": 25.0, "exposure_zero_age": 30.0}}  # the range's top
    row, val = _rows([v.run_seed(s, overrides=later) for s in seeds])["dose_after23"]
    print(f"\ngain at 23-27 / gain at 0-5 with exposure to 30: {val:.3f}")
    assert not row.check(val), val
    none = {"work": {"rank_per_exposure": 0.0}}  # the neighbourhood term cut
    row, val = _rows([v.run_seed(s, overrides=none) for s in seeds])["dose_early"]
    assert not row.check(val), val


@pytest.mark.slow
def test_clean_up_is_fast_and_education_slow_and_the_row_fails_without_clean_up():
    """Paired long_term / baseline runs (seeds 0-2): crime and clean-up reach >= 40 % of their
    year 8-10 effect in years 1-2, education <= 30 %. Without the clean-up effect
    (``services.clean_disorder_effect = 0``) the clean-up row fails."""
    seeds = range(3)
    rows = _rows([], [v.run_pair(s) for s in seeds])
    for key in ("fast_crime", "fast_cleanup", "slow_education"):
        row, val = rows[key]
        assert row.check(val), (key, val)
    cut = ("services.clean_disorder_effect=0",)
    row, val = _rows([], [v.run_pair(s, overrides=cut) for s in seeds])["fast_cleanup"]
    assert not row.check(val), val
