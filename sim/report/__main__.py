"""CLI of :mod:`sim.report`: ``python -m sim.report DIR [--pdf] [--lang nl]``."""

from __future__ import annotations

import argparse
import sys

from sim.compare import CompareError
from sim.report import ReportError, build_report


def main(argv: list[str] | None = None) -> int:
    """Write the report; print its path. Exit 2 on bad input, with a message saying why."""
    ap = argparse.ArgumentParser(prog="python -m sim.report",
                                 description="A self-contained HTML (and PDF) report of a demo "
                                             "or sweep directory.")
    ap.add_argument("directory", help="a demo directory (outputs/demo/<time>) or a sweep directory")
    ap.add_argument("--lang", default="en", choices=("en", "nl"), help="language (default en)")
    ap.add_argument("--pdf", action="store_true", help="also print report.pdf (A4) with Chromium")
    ap.add_argument("--reference", help="scenario to compare with (default: no_programme if "
                                        "present, else baseline, else the first)")
    ap.add_argument("--by", help="column that names a scenario (default: scenario_name, or the "
                                 "swept knob(s))")
    a = ap.parse_args(argv)
    try:
        path = build_report(a.directory, lang=a.lang, reference=a.reference, by=a.by, pdf=a.pdf)
    except (ReportError, CompareError, FileNotFoundError) as exc:
        print(f"wijksim: {exc}", file=sys.stderr)
        return 2
    print(f"report: {path}")
    if a.pdf:
        print(f"pdf:    {path.with_name('report.pdf' if a.lang == 'en' else f'report.{a.lang}.pdf')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
