"""sim.progress: a line every ~10 % when not on a terminal, a redrawn bar on one."""

from __future__ import annotations

import io
import re

from sim.progress import Progress


def test_plain_lines_every_ten_percent_and_failures_counted():
    out = io.StringIO()  # not a terminal
    with Progress(25, "demo", stream=out) as p:
        for i in range(25):
            p.update(ok=i != 7)
    lines = out.getvalue().splitlines()
    counts = [int(re.match(r"demo: (\d+) of 25 runs", ln).group(1)) for ln in lines]
    assert counts == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 25]  # step = round(2.5) = 2
    assert "\r" not in out.getvalue()
    assert lines[-1].startswith("demo: 25 of 25 runs (100 %), 1 failed")
    assert "failed" not in lines[2] and "1 failed" in lines[3]


def test_large_totals_print_about_ten_lines():
    out = io.StringIO()
    with Progress(1000, stream=out) as p:
        for _ in range(1000):
            p.update()
    assert len(out.getvalue().splitlines()) == 10


def test_a_terminal_gets_a_bar():
    out = io.StringIO()
    with Progress(5, "demo", stream=out, tty=True) as p:
        for _ in range(5):
            p.update()
    text = out.getvalue()
    assert "\r" in text and "5/5" in text and "of 5 runs" not in text


def test_runs_finished_before_a_resume_count_from_the_start():
    out = io.StringIO()
    with Progress(20, "sweep", stream=out, initial=6) as p:  # step 2: next line at 8
        for _ in range(14):
            p.update()
    counts = [int(re.match(r"sweep: (\d+) of 20 runs", ln).group(1))
              for ln in out.getvalue().splitlines()]
    assert counts == [8, 10, 12, 14, 16, 18, 20]
    bar = io.StringIO()
    with Progress(5, "sweep", stream=bar, tty=True, initial=3) as p:
        p.update(2)
    assert "5/5" in bar.getvalue()
