"""The field helper of the config schema: a default plus its allowed range and a one-line doc."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def _f(default: Any, lo: float | None = None, hi: float | None = None, doc: str = "",
       lo_open: bool = False, pattern: str | None = None, pattern_doc: str | None = None) -> Any:
    """A dataclass field with an allowed range ``[lo, hi]`` (``(lo, hi]`` when ``lo_open``).

    Text fields may give a ``pattern`` (a regular expression the whole value must match) and
    ``pattern_doc``, the words that messages and ``python -m sim.run knobs`` use for it.
    """
    return field(default=default, metadata={"lo": lo, "hi": hi, "doc": doc, "lo_open": lo_open,
                                            "pattern": pattern, "pattern_doc": pattern_doc})
