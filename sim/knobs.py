"""Every knob of the schema with its group, type, default, allowed range and meaning.

``python -m sim.run knobs`` prints this table (``knobs GROUP`` or ``knobs WORD`` filters it);
``python -m sim.run --help`` prints the usage, the preset groups and the same table. The table is
read from the dataclasses of :mod:`sim.config` (each field's ``metadata``), so it cannot drift
from what validation enforces. :func:`closest` gives the "did you mean" names of a typo.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
# Config groups that are presets of the run (configs/<group>/*.yaml), not model sections.
PRESET_GROUPS = ("neighbourhood", "funding", "staffing", "politics", "governance", "scenario",
                 "experiment", "sweep")


@dataclass(frozen=True)
class Knob:
    """One leaf of the schema."""

    key: str  # dotted, e.g. staffing.turnover_rate
    group: str  # top-level section ("" for seed, replicates, scenario_name)
    type: str
    default: Any
    lo: float | None
    hi: float | None
    lo_open: bool
    doc: str
    optional: bool
    pattern: str | None = None
    pattern_doc: str | None = None

    def allowed(self) -> str:
        """What is allowed, in words (the same text validation messages use)."""
        from sim.config import allowed_text

        return allowed_text(self.metadata(), self.type)

    def metadata(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "lo_open": self.lo_open, "pattern": self.pattern,
                "pattern_doc": self.pattern_doc}


def _walk(dc_type: type, prefix: str, group: str) -> Iterator[Knob]:
    hints = typing.get_type_hints(dc_type)
    default = dc_type()
    for f in dataclasses.fields(dc_type):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _walk(tp, f"{prefix}{f.name}.", group or f.name)
            continue
        args = getattr(tp, "__args__", ())
        optional = type(None) in args
        base = next((a for a in args if a is not type(None)), tp) if optional else tp
        m = dict(f.metadata)
        yield Knob(f"{prefix}{f.name}", group, getattr(base, "__name__", str(base)),
                   getattr(default, f.name), m.get("lo"), m.get("hi"), bool(m.get("lo_open")),
                   m.get("doc", ""), optional, m.get("pattern"), m.get("pattern_doc"))


@functools.cache
def all_knobs() -> tuple[Knob, ...]:
    """Every leaf knob of ``WijksimConfig``, in schema order."""
    from sim.config import WijksimConfig

    return tuple(_walk(WijksimConfig, "", ""))


@functools.cache
def knob_index() -> dict[str, Knob]:
    return {k.key: k for k in all_knobs()}


@functools.cache
def sections() -> tuple[str, ...]:
    """Top-level sections of the schema (``staffing``, ``moving``, ...)."""
    return tuple(dict.fromkeys(k.group for k in all_knobs() if k.group))


def presets(group: str, config_dir: Path = CONFIG_DIR) -> list[str]:
    """The preset names of a config group (``configs/<group>/*.yaml``)."""
    d = config_dir / group
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def closest(name: str, candidates: typing.Iterable[str], n: int = 3) -> list[str]:
    """The closest valid names to a typo: within the same section when the section is right
    (``staffing.turnover_rat`` -> ``staffing.turnover_rate``), else over every name and over the
    last dotted part (``turnover_rate`` -> ``staffing.turnover_rate``)."""
    cands = list(dict.fromkeys(candidates))
    parent, _, leaf = name.rpartition(".")
    siblings = {c.rpartition(".")[2]: c for c in cands if c.rpartition(".")[0] == parent}
    if parent and siblings:
        hits = difflib.get_close_matches(leaf, list(siblings), n=n, cutoff=0.6)
        if hits:
            return [siblings[h] for h in hits]
    hits = difflib.get_close_matches(name, cands, n=n, cutoff=0.75)
    by_leaf: dict[str, list[str]] = {}
    for c in cands:
        by_leaf.setdefault(c.rpartition(".")[2], []).append(c)
    for m in difflib.get_close_matches(leaf, list(by_leaf), n=n, cutoff=0.8):
        for c in by_leaf[m]:
            if c not in hits and len(hits) < n:
                hits.append(c)
    return hits


def did_you_mean(name: str, candidates: typing.Iterable[str]) -> str:
    """``"; did you mean: a, b?"`` or ``""``."""
    hits = closest(name, candidates)
    return f"; did you mean: {', '.join(hits)}?" if hits else ""


def _fmt(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return str(v).lower()
    return repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


def table(filter_: str | None = None, width: int = 100) -> str:
    """Every knob (optionally those whose key or group contains ``filter_``) as aligned text."""
    rows = [k for k in all_knobs()
            if not filter_ or filter_.lower() in k.key.lower() or filter_ == k.group]
    if not rows:
        names = [k.key for k in all_knobs()] + list(sections())
        return f"no knob matches {filter_!r}{did_you_mean(filter_ or '', names)}"
    out = ["key  [group]  type  default  allowed  - meaning", ""]
    group = None
    for k in rows:
        if k.group != group:
            group = k.group
            presets_ = presets(group) if group in PRESET_GROUPS else []
            head = group or "run"
            if presets_:
                head += f"   (presets: {group}={'|'.join(presets_)})"
            out.append(f"[{head}]")
        out.append(f"  {k.key}  {k.type}{' | null' if k.optional else ''}  default "
                   f"{_fmt(k.default)}  allowed {k.allowed()}")
        if k.doc:
            out.append(f"      {k.doc}")
    return "\n".join(out)


USAGE = """\
usage: python -m sim.run [KEY=VALUE ...] [GROUP=PRESET ...]        one run -> outputs/...
       python -m sim.run -m KEY=V1,V2 seed=range(0,10) ...          a sweep (docs/sweeps.md)
       python -m sim.run knobs [GROUP|WORD]                         every knob (this list)
       python -m sim.run --hydra-help | --cfg job | --info          Hydra's own help and views

Every bad value is answered with one message naming the key, the value and what is allowed
(exit code 2), before anything is written. A run directory is claimed before it is written
(hydra.run.dir must be new, empty or one of wijksim's own runs) and a finished run is never
rewritten. Ctrl-C stops a run or a sweep within seconds; rerunning the same command redoes what
was not finished.
"""


def help_text() -> str:
    """``--help``: usage, the preset groups and every knob."""
    lines = [USAGE, "preset groups (GROUP=PRESET):"]
    for g in PRESET_GROUPS:
        p = presets(g)
        if p:
            lines.append(f"  {g}: {', '.join(p)}")
    lines += ["", "knobs (KEY=VALUE):", table()]
    return "\n".join(lines)
