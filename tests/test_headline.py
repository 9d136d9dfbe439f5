"""sim.headline: the few lines a single run prints, computed from its summary."""

from __future__ import annotations

import json

from sim.headline import headline


def test_headline_shows_the_generation_by_origin_and_by_place(small_run):
    out, summary = small_run
    text = headline(out)
    g = summary["generation"]
    assert f"run directory: {out}" in text and "by origin" in text and "by place" in text
    row = next(ln for ln in text.splitlines() if ln.strip().startswith("start qualification"))
    o, p = 100 * g["by_origin"]["start_qualification"], 100 * g["by_place"]["start_qualification"]
    assert f"{o:.1f} %" in row and f"{p:.1f} %" in row
    assert f"the {g['by_origin']['n']:,} children" in text


def test_headline_of_a_directory_without_a_run(tmp_path):
    assert "no finished run" in headline(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps({"generation": {}}))
    assert "no finished run" in headline(tmp_path)  # no manifest either
