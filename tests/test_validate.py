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
    assert all(ln.count("|") == 7 and ln.rstrip().endswith(("| pass |", "| **FAIL** |")) for ln in rows)


def test_scorecard_exits_non_zero_on_a_failed_row(monkeypatch, capsys):
    """A failed row makes the command exit 1 and name the row (runs replaced by one fake run)."""
    monkeypatch.setattr(v, "run_seed", lambda s: {"seed": s})
    row = v.Row("always_fails", "a statistic", "0", "< 0", "none", lambda x: x < 0)
    monkeypatch.setattr(v, "rows_and_values", lambda runs: [(row, 1.0)])
    assert v.main(["--seeds", "1"]) == 1
    err = capsys.readouterr().err
    assert "always_fails" in err
    monkeypatch.setattr(v, "rows_and_values", lambda runs: [(row, -1.0)])
    assert v.main(["--seeds", "1"]) == 0


@pytest.mark.slow
def test_doc_section_9_is_what_the_scorecard_prints(capsys):
    """Regenerate the 20-seed scorecard and compare it with docs/model.md §9, line by line."""
    code = v.main(["--seeds", "20", "--jobs", "2"])
    printed = capsys.readouterr().out.strip()
    assert printed == _block()
    assert code == (1 if "**FAIL**" in printed else 0)
