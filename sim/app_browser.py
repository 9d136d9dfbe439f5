"""Start the interactive view for real and drive it with a real browser (tests and the screenshot).

``serve()`` starts ``python -m sim.app`` (``solara run``) on 127.0.0.1 and a free port and stops it
again; ``chromium(playwright)`` launches Debian's Chromium through Playwright (``playwright install``
cannot download browsers here, and the system browser is what CI installs, see .ci/system-deps).

``python -m sim.app_browser docs/img/app.png`` (``make screenshot``) opens the view, steps it through
two years and saves a screenshot of the page.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOST = "127.0.0.1"


def chromium_path() -> str:
    """Debian's Chromium; a clear error when it is missing."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium")
                                        else None)
    if path is None:
        raise RuntimeError("chromium not found: install it with `apt-get install chromium` "
                           "(.ci/system-deps does this)")
    return path


def chromium(playwright: Any) -> Any:
    """A headless Chromium browser from Playwright, using the system's Chromium."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(port: int | None = None, timeout: float = 180.0, cwd: str | Path | None = None,
          log: Path | None = None) -> Iterator[str]:
    """Run ``python -m sim.app`` on 127.0.0.1 until the block ends; yield its URL.

    The server runs in its own process group so that stopping it stops everything it started.
    ``cwd`` is where it runs (a temporary directory in tests: solara must write nothing elsewhere).
    """
    port = port or free_port()
    url = f"http://{HOST}:{port}/"
    env = dict(os.environ, SOLARA_TELEMETRY_MIXPANEL_ENABLE="false", PYTHONUNBUFFERED="1")
    out = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "sim.app", "--host", HOST, "--port", str(port)],
                            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"python -m sim.app exited with {proc.returncode} before serving"
                                   + (f"; see {log}" if log else ""))
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"python -m sim.app did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.5)  # polling a server that is starting, not waiting on the page
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if out is not subprocess.DEVNULL:
            out.close()


def step(page: Any, times: int, timeout_ms: float = 120_000) -> None:
    """Press Step ``times`` times, each time waiting until the page shows the next quarter."""
    for _ in range(times):
        year = _year(page)
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Programme year: {year + 0.25:.2f}").wait_for(timeout=timeout_ms)


def _year(page: Any) -> float:
    text = page.locator(".wijk-status strong").first.inner_text()
    return float(text.split(":")[1])


def screenshot(path: Path, years: int = 2) -> None:
    """Open the view, step it ``years`` years and save a screenshot of the page at 1400 x 1000."""
    from playwright.sync_api import sync_playwright

    path.parent.mkdir(parents=True, exist_ok=True)
    with serve() as url, sync_playwright() as pw:
        browser = chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_text("Programme year: 0.00").wait_for(timeout=180_000)
        step(page, 4 * years)
        page.get_by_role("button", name="crime").click()
        page.get_by_text("Buurten coloured by crime").wait_for(timeout=60_000)
        page.screenshot(path=str(path), full_page=True)
        browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.app_browser", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="where to write the PNG screenshot")
    ap.add_argument("--years", type=int, default=2, help="years to step before the shot (default 2)")
    args = ap.parse_args(argv)
    screenshot(args.out, args.years)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
