"""Headless Chromium (Debian's, driven by Playwright for Python): print a report page to PDF.

Playwright's own browser download is not available everywhere (nor needed): the system Chromium
(``apt-get install chromium``, listed in ``.ci/system-deps``) is launched by path with flags that
keep it from touching the network or a GPU.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sim.rundir import _atomic_write_bytes

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PDF_MARGIN = {"top": "14mm", "bottom": "14mm", "left": "13mm", "right": "13mm"}


def chromium_path() -> str:
    """The system Chromium (``$WIJKSIM_CHROMIUM`` overrides); a clear error when there is none."""
    path = os.environ.get("WIJKSIM_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("no chromium found: install it (Debian/Ubuntu: apt-get install "
                           "chromium) or set WIJKSIM_CHROMIUM to its path")
    return path


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a running ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                      headless=True)


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, backgrounds on); written atomically."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto(Path(html_path).resolve().as_uri())
            data = page.pdf(format="A4", print_background=True, margin=PDF_MARGIN,
                            prefer_css_page_size=True)
        finally:
            browser.close()
    _atomic_write_bytes(Path(pdf_path), data)
    return Path(pdf_path)
