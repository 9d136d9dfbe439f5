"""sim.report: a small demo's report in a real headless Chromium (Debian's, via Playwright), the
escaping of labels, and captions computed from the data."""

from __future__ import annotations

import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from sim.units import OUTCOMES, fmt

# Small and short: 1000 residents, a 1-year burn-in, children 10-12 followed to 18 (8 years).
DEMO_ARGS = ["--seeds", "3", "--jobs", "1", "neighbourhood=small", "neighbourhood.residents=1000",
             "years.burn_in=1", "cohort.min_age=10", "cohort.outcome_age=18"]
SCENARIOS = ("no_programme", "project_carousel", "long_term")
A4_CONTENT_PX = (round((210 - 26) / 25.4 * 96), round((297 - 28) / 25.4 * 96))  # @page margins


def _chromium():
    pytest.importorskip("playwright.sync_api")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("no system chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """A finished small demo with its report (the code path of make demo)."""
    from sim import demo

    base = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)
        assert demo.main(DEMO_ARGS) == 0
    (root,) = list((base / "outputs" / "demo").iterdir())
    assert (root / "report" / "index.html").exists()
    return root


@pytest.fixture(scope="module")
def browser():
    _chromium()
    from playwright.sync_api import sync_playwright

    from sim.report.pdf import launch

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def _open(browser, path, **kw):
    """A page on ``path`` with every console error, page error, dialog and request recorded."""
    page = browser.new_page(**kw)
    log = {"errors": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: m.type == "error" and log["errors"].append(m.text))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri())
    return page, log


def headline_numbers(runs: pd.DataFrame) -> list[str]:
    fin = runs[runs["status"] == "finished"]
    out = []
    for name in SCENARIOS:
        for view in ("by_origin", "by_place"):
            for k in OUTCOMES:
                col = f"generation.{view}.{k}"
                if col in fin.columns:
                    out.append(fmt(fin.loc[fin.scenario_name == name, col].mean(), col))
    return out


def test_report_in_a_real_browser(demo_dir, browser, tmp_path):
    html = demo_dir / "report" / "index.html"
    page, log = _open(browser, html, viewport={"width": 1100, "height": 900})
    assert log["errors"] == []
    assert [u for u in log["requests"] if u != html.resolve().as_uri()] == []  # no network at all
    charts = page.locator("figure.chart svg")
    n = charts.count()
    assert n >= 6  # differences, three fan charts, movers, buurten
    for i in range(n):
        c = charts.nth(i)
        c.scroll_into_view_if_needed()
        box = c.bounding_box()
        assert c.is_visible() and box["width"] > 200 and box["height"] > 50, (i, box)
    assert page.locator("script").count() == 0
    text = page.inner_text("body")
    for name in SCENARIOS:
        assert name in text
    runs = pd.read_parquet(demo_dir / "runs.parquet")
    numbers = headline_numbers(runs)
    missing = [x for x in numbers if x not in text]
    assert len(numbers) >= 2 * 3 * 7 and missing == []
    assert "Of every 100 children who grew up here" in text
    assert text.index(page.inner_text("#key-message")) < text.index("What was compared")

    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.std() > 20 and (img < 128).mean() > 0.01  # dark ink on a light page, not blank

    # print layout: A4 content width; no chart taller than a page (nothing cut off)
    page.set_viewport_size({"width": A4_CONTENT_PX[0], "height": A4_CONTENT_PX[1]})
    page.emulate_media(media="print")
    heights = page.eval_on_selector_all("figure.chart", "els => els.map(e => e.offsetHeight)")
    assert heights and max(heights) <= A4_CONTENT_PX[1], heights
    sections = page.eval_on_selector_all(
        "header, section", "els => els.map(e => e.getBoundingClientRect().height)")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    # header + first section share page 1; every other section starts a page
    low = len(sections) - 1
    high = sum(math.ceil(h / A4_CONTENT_PX[1]) for h in sections) + 1
    assert low <= pages <= high, (pages, low, high, sections)
    page.close()


@pytest.mark.slow  # builds the page again, then prints it (the in-browser test prints too)
def test_pdf_from_the_cli(demo_dir):
    _chromium()
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "sim.report", str(demo_dir), "--pdf"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "report.pdf" in done.stdout
    pdf = (demo_dir / "report" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 8


def test_dutch_page(demo_dir, browser):
    from sim.report import build_report

    path = build_report(demo_dir, lang="nl")
    assert path.name == "index.nl.html"
    page, log = _open(browser, path)
    text = page.inner_text("body")
    assert log["errors"] == [] and page.locator("html[lang=nl]").count() == 1
    for phrase in ("Wat is vergeleken", "Van elke 100 kinderen die hier "
                   "opgroeiden", "Wat dit model is, en wat niet", "naar herkomst",
                   "jaren sinds de start van het programma"):
        assert phrase in text, phrase
    for english in ("Of every 100", "What was compared", "years since the programme start"):
        assert english not in text
    page.close()


def test_a_scenario_named_script_shows_as_text(demo_dir, browser, tmp_path):
    from sim.report import load, render

    evil = "<script>alert(1)</script>"
    data = load(demo_dir)
    data.runs["scenario_name"] = data.runs["scenario_name"].replace("project_carousel", evil)
    data.series["scenario_name"] = data.series["scenario_name"].replace("project_carousel", evil)
    data.scenarios = [evil if s == "project_carousel" else s for s in data.scenarios]
    html = render(data)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    path = tmp_path / "evil.html"
    path.write_text(html, encoding="utf-8")
    page, log = _open(browser, path)
    assert log["dialogs"] == [] and log["errors"] == []
    assert page.locator("script").count() == 0
    assert evil in page.inner_text("body")  # in the tables and captions, as text
    assert page.locator(f"svg text:text-is('{evil}')").count() >= 1  # and in the charts
    page.close()


def test_captions_change_with_the_data(demo_dir):
    from sim.charts import differences_data
    from sim.report import load, sections
    from sim.report.text import key_message

    data = load(demo_dir)
    col = "generation.by_origin.start_qualification"

    def texts(d):
        diffs = differences_data(d.runs, by=d.by, reference=d.reference)
        sec = sections.differences(d, diffs, "en")
        caps = re.findall(r'<ul class="notes">(.*?)</ul>', sec.body, flags=re.S)
        return key_message(diffs, d.by, d.reference, 3, "en", 18), caps, diffs

    key0, caps0, _ = texts(data)
    lt = data.runs["scenario_name"] == "long_term"
    data.runs.loc[lt, col] = data.runs.loc[lt, col] + np.array([0.20, 0.21, 0.22])
    key1, caps1, diffs1 = texts(data)
    assert key1 != key0 and caps1 != caps0
    r = diffs1[(diffs1.scenario_name == "long_term") & (diffs1.outcome == col)].iloc[0]
    assert r["verdict"] == "better"
    for part in (fmt(abs(r["difference"]), col), fmt(r["ci_low"], col, diff=True),
                 fmt(r["ci_high"], col, diff=True)):
        assert part in key1 and part in caps1[0]
    assert key1.startswith("long_term does most")


@pytest.mark.slow
def test_sweep_directory_gets_a_page(demo_dir, tmp_path):
    """A directory whose scenarios are the values of one swept knob (no scenario_name)."""
    from sim.report import load, render

    data = load(demo_dir)
    # One distinct (synthetic) knob value per scenario of the demo; scenarios not listed are dropped.
    budget = {"no_programme": 0, "project_carousel": 75, "carousel_same_money": 300, "long_term": 150}
    runs = data.runs.drop(columns=["scenario_name", "scenario"])
    runs["funding.annual_budget_per_resident"] = data.runs["scenario_name"].map(budget)
    runs = runs[runs["funding.annual_budget_per_resident"].notna()].reset_index(drop=True)
    runs["run_dir"] = [str(data.run_path(r)) for r in runs["run_dir"]]
    runs.to_parquet(tmp_path / "runs.parquet")
    swept = load(tmp_path)
    assert swept.by == "funding.annual_budget_per_resident" and swept.reference == 0
    html = render(swept)
    assert "difference from 0" in html.lower() or "differences from 0" in html.lower()


def test_what_was_compared_describes_every_designed_arm():
    """``python -m sim.demo --arms`` reports long_term, its seven leave-one-out arms and the
    comparators: each gets its plain-English description from sim.conditions; a name outside the
    designed set (a user's own scenario) gets none rather than an error."""
    from types import SimpleNamespace

    from sim import conditions
    from sim.report import sections
    from sim.report.page import esc

    names = [*conditions.SCENARIO_SET, "my_own_variant"]
    runs = pd.DataFrame({"scenario_name": names, "seed": 0, "run_dir": names,
                         "status": "finished"})
    data = SimpleNamespace(scenarios=names, finished=runs, runs=runs, by="scenario_name",
                           reference="long_term", manifest=lambda rd: {"config": {"k": rd}})
    body = sections.compared(data, "en").body
    rows = dict(re.findall(r"<tr><td>([a-z_]+)</td><td>(.*?)</td>", body))
    for n in conditions.SCENARIO_SET:
        assert rows[n] == esc(conditions.describe(n)), n
    assert rows["my_own_variant"] == ""
    assert rows["long_term_unstable_staff"].startswith("long_term without condition")


def test_the_conditions_section_maps_each_condition_to_its_arm_and_knobs():
    """It used to look for a dict in sim.conditions and, finding a tuple, left the section out."""
    from sim import conditions
    from sim.report import sections

    body = sections.conditions("en").body
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>.*?</td><td>(.*?)</td></tr>", body)
    assert [(lab, arm) for lab, arm, _ in rows] == [(c.label, c.arm) for c in conditions.CONDITIONS]
    for (_, _, knobs), c in zip(rows, conditions.CONDITIONS, strict=True):
        assert knobs.split(", ") == list(c.knobs)
