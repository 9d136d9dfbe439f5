"""Explicit composition: a preset plus a config group or a key gives what the user asked for.

A *preset* (``scenario=...``, ``experiment=...``; files under ``configs/scenario`` and
``configs/experiment``) chooses config groups in its defaults list (``override /funding:
stable``) and sets keys outside the groups (``programme.*``, ``slumlords.*``). The rule, from
general to specific: root defaults < preset < a group on the command line < a key on the command
line. Hydra gives exactly that as long as a preset sets no key of a config group directly:

* ``scenario=long_term funding=none``: the command line's group choice replaces the preset's
  (Hydra: command-line overrides win over a defaults list's ``override``), so no money;
* ``scenario=long_term funding.annual_budget_per_resident=0``: the key is applied last.

A preset that sets a group's key itself (``funding: {annual_budget_per_resident: 300}``) would
silently beat a group given on the command line. :func:`check_overrides` stops such a
combination with one message that names both; :func:`preset_problems` finds such presets
(``tests/test_composition.py`` keeps the shipped ones clean). Two presets that set the same key to
different values are stopped the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.config import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
PRESET_GROUPS = ("scenario", "experiment")  # groups whose files are `@package _global_` presets
_NOT_MODEL = ("hydra", "sweep", "standins")  # config dirs that do not hold model knobs


def config_groups(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The model's config groups that presets may choose (not the presets themselves)."""
    return sorted(p.name for p in config_dir.iterdir()
                  if p.is_dir() and p.name not in (*PRESET_GROUPS, *_NOT_MODEL))


@functools.cache
def _read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(d, dict):
        return {prefix.rstrip("."): d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}."))
    return out


def preset_keys(group: str, option: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """Dotted keys a preset file sets itself (its defaults list left out)."""
    path = config_dir / group / f"{option}.yaml"
    if not path.exists():
        return {}  # Hydra reports a missing option with its own message
    body = {k: v for k, v in _read(path).items() if k != "defaults"}
    return _flat(body)


def default_presets(config_dir: Path = CONFIG_DIR) -> dict[str, str]:
    """Preset choices of the root config's defaults list (``scenario: baseline``)."""
    out = {}
    for entry in _read(config_dir / "config.yaml").get("defaults", []):
        if isinstance(entry, dict):
            for k, v in entry.items():
                if k in PRESET_GROUPS and v is not None:
                    out[k] = str(v)
    return out


def _values(o: Any) -> list[str]:
    """The option(s) an override chooses: one, or each of a choice sweep (``a,b``)."""
    if o.is_sweep_override():
        return [str(v) for v in o.sweep_string_iterator()] if o.is_choice_sweep() else []
    v = o.value()
    return [] if v is None else [str(v)]


def check_overrides(overrides: Iterable[str], config_dir: Path | None = None) -> None:
    """Stop (``ConfigError``) where a preset's own value would silently beat the user's choice.

    ``overrides``: Hydra override strings as typed (``scenario=long_term``, ``funding=none``,
    ``staffing.support=0.5``; choice sweeps ``scenario=a,b`` check every option). The message
    names the preset, the group given on the command line and the keys in question, and says how
    to get either.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    config_dir = config_dir or CONFIG_DIR
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    groups = set(config_groups(config_dir))
    presets: dict[str, list[str]] = {g: [v] for g, v in default_presets(config_dir).items()}
    chosen: dict[str, str] = {}  # group -> the override as typed
    for o in parsed:
        g = o.key_or_group
        if g in PRESET_GROUPS:
            presets[g] = [] if o.is_delete() else _values(o)
        elif g in groups and not o.is_delete():
            chosen[g] = o.input_line
    problems = []
    seen: dict[str, tuple[str, Any]] = {}  # key -> (preset, value), across presets
    for pg in PRESET_GROUPS:
        for option in presets.get(pg, []):
            own = preset_keys(pg, option, config_dir)
            for g, typed in chosen.items():
                keys = {k: v for k, v in own.items() if k.startswith(f"{g}.")}
                if keys:
                    listed = ", ".join(f"{k} = {v}" for k, v in keys.items())
                    problems.append(
                        f"{pg}={option} sets {listed} itself, which would silently override "
                        f"{typed} from the command line. Give the keys instead "
                        f"({', '.join(f'{k}=...' for k in keys)}), or drop {typed}; a preset "
                        f"should choose its {g} in its defaults list (- override /{g}: ...)")
            for k, v in own.items():
                if k in seen and seen[k][0].split("=")[0] != pg and seen[k][1] != v:
                    problems.append(f"{seen[k][0]} sets {k} = {seen[k][1]} and {pg}={option} "
                                    f"sets {k} = {v}: give {k}=... on the command line to choose")
                seen.setdefault(k, (f"{pg}={option}", v))
    if problems:
        raise ConfigError("conflicting choices:\n  " + "\n  ".join(problems))


def preset_problems(config_dir: Path | None = None) -> list[str]:
    """Shipped presets that set a config group's key directly (each should be empty)."""
    config_dir = config_dir or CONFIG_DIR
    groups = config_groups(config_dir)
    out = []
    for pg in PRESET_GROUPS:
        for path in sorted((config_dir / pg).glob("*.yaml")):
            for k in preset_keys(pg, path.stem, config_dir):
                g = k.split(".")[0]
                if g in groups:
                    out.append(f"{pg}/{path.name}: sets {k} directly; choose the {g} group in "
                               f"its defaults list instead")
    return out


def validate_job(cfg: Any, overrides: Sequence[str] | None = None) -> Any:
    """``sim.config.validate`` for a Hydra job, after :func:`check_overrides` on its overrides
    (those Hydra recorded for the job, unless given)."""
    from sim.config import validate

    if overrides is None:
        from sim.jobs import task_overrides

        overrides = task_overrides()
    check_overrides(overrides)
    return validate(cfg)
