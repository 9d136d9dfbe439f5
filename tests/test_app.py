"""The interactive view (``python -m sim.app``): its model, and the app served for real in a browser.

The browser test starts ``python -m sim.app`` (``solara run``) on 127.0.0.1 in a temporary directory
and drives it with Playwright on Debian's Chromium: every wait is on text the page shows, never a
sleep (clicks queue up in Solara).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from sim.app_model import SLIDERS, WijkView
from sim.config import ConfigError


# -- the model behind the view (no browser) -----------------------------------------------------
def test_view_opens_at_the_programme_start_with_the_generation_tagged():
    m = WijkView()
    assert m.year == 0.0
    assert m.generation_rows[-1]["followed"] > 100
    for _ in range(4):
        m.step()
    assert m.year == 1.0
    assert len(m.generation_rows) == 5


def test_sliders_reach_the_config():
    m = WijkView(turnover_rate=0.31, reset_probability=0.2, insulation=0.4, horizon_years=7,
                 funding_stability=0.0, seed=5)
    c = m.cfg
    assert (c.staffing.turnover_rate, c.politics.reset_probability, c.governance.insulation,
            c.programme.horizon_years, c.seed) == (0.31, 0.2, 0.4, 7.0, 5)
    # stability 0 = the carousel's funding, 1 = the long-term programme's
    assert (c.funding.volatility, c.funding.cut_rate) == pytest.approx((0.3, 0.2))
    c1 = WijkView(funding_stability=1.0).cfg
    assert (c1.funding.volatility, c1.funding.cut_rate) == pytest.approx((0.05, 0.02))
    assert set(SLIDERS) <= set(WijkView.__init__.__code__.co_varnames)


def test_bad_slider_value_names_the_key():
    with pytest.raises(ConfigError, match="turnover_rate"):
        WijkView(turnover_rate=-1.0)
    with pytest.raises(ConfigError, match="funding_stability"):
        WijkView(funding_stability=2.0)


def test_grid_layers_match_the_model():
    m = WijkView()
    for _ in range(2):
        m.step()
    img = m.dwelling_image("crime")
    assert img.shape == (m.grid_height, m.grid_width)
    flat = img.ravel()[: m.dwelling_buurt.size]
    assert np.array_equal(flat, m.env.crime_rate[m.dwelling_buurt])
    posts = m.post_table()
    vacant, open_posts = m.vacancies()
    assert open_posts == posts["role"].size and vacant == int((~posts["filled"]).sum())
    with pytest.raises(KeyError, match="colouring"):
        m.buurt_values("wealth")


def test_model_stops_when_the_generation_is_grown_up():
    m = WijkView(burn_in=0, residents=1000)
    while m.running:
        m.step()
    assert m.steps == m.total_steps


def test_importing_the_app_switches_telemetry_off():
    """Even where telemetry was asked for and solara was imported first (a notebook)."""
    import subprocess
    import sys

    code = ("import solara.server.settings as s; before = s.telemetry.mixpanel_enable; "
            "import sim.app; print(before, s.telemetry.mixpanel_enable)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="true"))
    assert out.stdout.split() == ["True", "False"]


# -- the app served for real, in a real browser --------------------------------------------------
def _assert_local(urls: list[str], port: int) -> None:
    allowed = (f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", f"blob:http://127.0.0.1:{port}/",
               "data:")
    outside = [u for u in urls if not u.startswith(allowed)]
    assert not outside, f"requests left 127.0.0.1: {outside[:5]}"


def test_app_in_a_real_browser(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from sim.app_browser import chromium, serve, step

    before = set(os.listdir(tmp_path))
    with serve(cwd=tmp_path, log=tmp_path / "server.log") as url, sync_playwright() as pw:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        browser = chromium(pw)
        urls: list[str] = []
        a = browser.new_context(viewport={"width": 1400, "height": 1000})
        a.on("request", lambda r: urls.append(r.url))
        a.on("websocket", lambda ws: urls.append(ws.url))
        pa = a.new_page()
        pa.goto(url)
        pa.get_by_text("Programme year: 0.00").wait_for(timeout=180_000)
        pa.get_by_text("Staff turnover in this model: 0.07 per year").wait_for()
        chart = pa.locator(".wijk-series img").first
        chart_before = chart.screenshot()
        src_before = chart.get_attribute("src")

        # Step 4 times: the time reaches one year and the wijk's chart changes.
        step(pa, 4)
        pa.get_by_text("Programme year: 1.00").wait_for()
        pa.get_by_text("Time: 24.0").wait_for()  # Mesa's own clock: 20 burn-in quarters + 4
        # The new image is a new blob: wait until it has replaced the old one and has loaded.
        pa.wait_for_function("([old]) => { const i = document.querySelector('.wijk-series img');"
                             " return i && i.src !== old && i.complete && i.naturalWidth > 0; }",
                             arg=[src_before])
        assert chart.screenshot() != chart_before

        # A second visitor gets a model of their own, at year 0.
        b = browser.new_context(viewport={"width": 1400, "height": 1000})
        b.on("request", lambda r: urls.append(r.url))
        b.on("websocket", lambda ws: urls.append(ws.url))
        pb = b.new_page()
        pb.goto(url)
        pb.get_by_text("Programme year: 0.00").wait_for(timeout=180_000)

        # Move the turnover slider to its end (one key, so one value reaches the server: a burst of
        # arrow keys races the server's echoes of the earlier values) and reset: the model has it.
        turnover = pa.locator(".v-input", has_text="Staff turnover").locator("[role=slider]")
        turnover.focus()
        turnover.press("End")
        expect(turnover).to_have_attribute("aria-valuenow", "0.5")
        pa.get_by_role("button", name="Reset").click()
        pa.get_by_text("Staff turnover in this model: 0.50 per year").wait_for(timeout=120_000)
        pa.get_by_text("Programme year: 0.00").wait_for()

        # The first visitor's steps and slider did not reach the second visitor's model ...
        assert pb.get_by_text("Staff turnover in this model: 0.07 per year").is_visible()
        assert pb.get_by_text("Programme year: 0.00").is_visible()
        # ... and the second visitor's step does not move the first visitor's model.
        step(pb, 1)
        assert pa.get_by_text("Programme year: 0.00").is_visible()
        assert pb.get_by_text("Staff turnover in this model: 0.07 per year").is_visible()

        # Play runs the second visitor's model on its own until paused; Step is disabled meanwhile.
        pb.get_by_role("button", name="▶").click()
        pb.wait_for_function("() => parseFloat(document.querySelector('.wijk-status strong')"
                             ".innerText.split(':')[1]) >= 1.0", timeout=120_000)
        expect(pb.get_by_role("button", name="Step")).to_be_disabled()
        pb.get_by_role("button", name="❚❚").click()
        expect(pb.get_by_role("button", name="Step")).to_be_enabled(timeout=60_000)
        assert pa.get_by_text("Programme year: 0.00").is_visible()
        browser.close()

    assert len(urls) > 10
    _assert_local(urls, port)
    # The server wrote nothing but our log into its working directory.
    assert set(os.listdir(tmp_path)) - before <= {"server.log"}
