"""experiments/calibration_report.py: the source of docs/model.md §9, at a small size (2,000 residents)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from sim.mechanisms.moving import CBS_AGES, cbs_rate

SCRIPT = Path(__file__).resolve().parent.parent / "experiments" / "calibration_report.py"
RESIDENTS = 2000
HEADINGS = ("**Moving rates by age**", "**Other figures**", "**Generation outcomes**",
            "**Scenario presets**", "**Burn-in and exposure**")


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibration_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


cr = _load()


@pytest.fixture(scope="module")
def runs() -> dict:
    return cr.run_all(0, RESIDENTS)


@pytest.fixture(scope="module")
def text(runs) -> str:
    return cr.report(runs, RESIDENTS)


def md_table(text: str, heading: str) -> list[list[str]]:
    """Rows (header first, separator dropped) of the first markdown table after ``heading``."""
    after = text[text.index(heading):]
    lines = after.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def numbers(cell: str) -> list[float]:
    """Every number in a cell (unicode minus and thousands separators understood)."""
    return [float(x.replace(",", "")) for x in re.findall(r"[-−]?\d[\d,]*(?:\.\d+)?",
                                                           cell.replace("−", "-"))]


def test_every_table_present_in_order_and_shaped(text):
    pos = [text.index(h) for h in HEADINGS]
    assert pos == sorted(pos)
    assert re.search(r"Commit `([0-9a-f]{4,}|unknown)", text)
    moving = md_table(text, HEADINGS[0])
    assert [r[0] for r in moving] == ["Age", "model", "CBS 2020", "ratio"]
    assert all(len(r) == 1 + len(CBS_AGES) - 1 for r in moving)
    assert len(md_table(text, HEADINGS[1])) == 1 + 10
    gen = md_table(text, HEADINGS[2])
    assert gen[0] == ["", "by origin", "by place", "movers", "stayers"] and len(gen) == 1 + 9
    presets = md_table(text, HEADINGS[3])
    assert presets[0][1:] == [f"`{n}`" for n in cr.SCENARIOS] and len(presets) == 1 + 8
    assert "n/a" not in text  # the full default years: every figure exists


def test_moving_ratio_is_model_over_cbs_of_the_printed_values(text):
    header, model, cbs, ratio = md_table(text, HEADINGS[0])
    ages = [int(a) for a in header[1:]]
    assert ages == CBS_AGES[:-1].astype(int).tolist()
    m, c, r = (np.array([float(x) for x in row[1:]]) for row in (model, cbs, ratio))
    # CBS row from the model's own CBS table, independently of the summary
    assert np.allclose(c, np.round(100 * cbs_rate(np.array(ages, dtype=float)), 1))
    # printed values carry 0.05 (rates) and 0.005 (ratio) rounding error
    assert np.all(np.abs(r - m / c) <= 0.05 / c + 0.0051)
    assert np.all(m > 0)


def test_shares_lie_in_unit_interval(text, runs):
    gen = md_table(text, HEADINGS[2])
    for row in gen[1:]:
        vals = [float(x.replace(",", "")) for x in row[1:]]
        if row[0] == "income rank at 25":
            assert all(0 <= v <= 100 for v in vals)
        elif row[0] != "persons":
            assert all(0 <= v <= 1 for v in vals), row
    pcts = [float(x) for x in re.findall(r"(−?\d+\.?\d*) %", text.replace("−", "-"))]
    assert pcts and all(0 <= v <= 100 for v in pcts)
    pc = cr.participation_vs_crime(runs["default"])
    assert -1 <= pc["corr"] <= 1 and 0 <= pc["lowest"] <= 1 and 0 <= pc["highest"] <= 1


def test_generation_persons_add_up(text, runs):
    head = text[text.index(HEADINGS[2]):].splitlines()[0]
    tagged, moved, died, censored = (int(re.search(rf"([\d,]+) {w}", head).group(1).replace(",", ""))
                                     for w in ("tagged", "moved out", "died", "censored"))
    persons = [int(x.replace(",", "")) for x in md_table(text, HEADINGS[2])[-1][1:]]
    origin, place, movers, stayers = persons
    assert origin == tagged - died - censored
    assert movers + stayers == origin and movers <= moved
    assert tagged == runs["default"].summary["cohort_counts"]["tagged"]


def test_poorest_fifth_groups_are_consistent(runs):
    pf = cr.poorest_fifth(runs["default"])
    o = runs["default"].outcomes
    assert 0 < pf["n"] <= len(o)
    assert pf["top"] <= pf["top_two"]
    assert pf["poorest"] + pf["top_two"] <= 1.0  # disjoint rank ranges
    # the same shares from a histogram of own rank over the five fifths
    child = o.loc[o["parent_income_rank"] < 20, "income_rank_at_25"].to_numpy(dtype=float)
    counts, _ = np.histogram(child, bins=[-np.inf, 20, 40, 60, 80, np.inf])
    shares = counts / child.size
    assert child.size == pf["n"]
    assert (pf["poorest"], pf["top"], pf["top_two"]) == pytest.approx(
        (shares[0], shares[4], shares[3] + shares[4]))


def test_wijk_means_use_the_summarys_period(runs):
    r = runs["default"]
    w, c = cr.wijk(r), r.summary["calibration"]
    # build_outputs averages over year >= 0: the report's other means must cover the same rows
    assert w["youth_suspect_share"] == pytest.approx(c["youth_suspect_share"])
    assert len(r.post) == 1 + round(r.summary["years"]["after_start"] / r.cfg.years.step)
    assert w["live_year0"] == pytest.approx(r.post["liveability"].iloc[0])


def test_participation_extremes_match_a_year_by_year_count(runs):
    bu = runs["default"].tables["buurten"]
    hi, lo = [], []
    for _, g in bu[bu["year"] >= 0].groupby("year"):
        crime = g["crime_rate"].to_numpy()
        part = g["participation"].to_numpy()
        hi.append(part[np.argmax(crime)])
        lo.append(part[np.argmin(crime)])
    pc = cr.participation_vs_crime(runs["default"])
    assert pc["highest"] == pytest.approx(np.mean(hi))
    assert pc["lowest"] == pytest.approx(np.mean(lo))
    post = bu[bu["year"] >= 0]
    assert pc["corr"] == pytest.approx(post["participation"].corr(post["crime_rate"]))
    assert pc["buurt_years"] == len(post)


def test_no_programme_column_is_the_default_run(text, runs):
    assert "`no_programme` is identical to the default run" in text
    other = {r[0]: r[1] for r in md_table(text, HEADINGS[1])[1:]}
    live = next(v for k, v in other.items() if k.startswith("Wijk liveability"))
    presets = md_table(text, HEADINGS[3])
    mean_after = numbers(live)[-1]
    assert numbers(presets[1][1])[0] == mean_after  # liveability mean after start
    # the programme presets really differ after the start but share the burn-in
    assert not cr.same_run(runs["no_programme"], runs["long_term"])
    assert all(cell.endswith("yes") for cell in presets[-1][1:])


def test_cli_writes_the_printed_report_and_rejects_its_own_keys(tmp_path, capsys, text):
    out = tmp_path / "sub" / "report.md"
    assert cr.main(["--residents", str(RESIDENTS), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    written = out.read_text()
    assert printed.rstrip("\n") == written.rstrip("\n")
    # run times aside, a second measurement of the same seed gives the same report
    times = re.compile(r"Run times: [^\n]*")
    assert times.search(written) and times.sub("", written) == times.sub("", text)
    for bad in ("seed=3", "scenario=long_term", "neighbourhood.residents=10"):
        with pytest.raises(SystemExit):
            cr.parse_args([bad])


def test_short_burn_in_says_na_instead_of_inventing(tmp_path):
    r = cr.run_one(cr.DEFAULT, 0, 1000, ["years.burn_in=5", "years.after_start=2"])
    row = md_table(cr.reading_table(r), "| Figure")[1]
    cells = row[1].split(" / ")
    assert cells[0] == "n/a" and numbers(cells[1])  # no year −15 in a 5-year burn-in; year −5 exists


def test_commit_is_unknown_outside_a_git_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setattr(cr, "ROOT", tmp_path)
    assert cr.commit() == "unknown"
