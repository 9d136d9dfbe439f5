"""The field helper of the config schema: a default plus its allowed range and a one-line doc."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def _f(default: Any, lo: float | None = None, hi: float | None = None, doc: str = "",
       lo_open: bool = False) -> Any:
    """A dataclass field with an allowed range ``[lo, hi]`` (``(lo, hi]`` when ``lo_open``)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "doc": doc, "lo_open": lo_open})
