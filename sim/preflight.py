"""Check a ``python -m sim.run`` command line before Hydra sees it; claim the run directory.

Every bad input gets one message in wijksim's voice naming the key, the value, what is allowed
and, for a typo, the closest valid names (:class:`sim.config.ConfigError`; ``sim.run`` prints it
and exits with code 2) -- *before anything is written*. Hydra and OmegaConf would otherwise answer
some inputs in their own words (``Value 'abc' of type 'str' could not be converted to Float``,
``use +key=...``), coerce others silently (``programme.enabled=2`` -> true, ``~seed`` -> the
default seed), or fail with a traceback (a 5000-digit number).

Order: parse each override on its own; check its key and value(s) against the schema
(:mod:`sim.knobs`) strictly, before OmegaConf converts them; compose the config as Hydra will and
translate any remaining Hydra error; validate the composed config with :func:`sim.config.validate`
(the same check ``simulate()`` runs); check the launcher, sweeper and design settings; and for a
single run, claim the run directory (:func:`claim_run_dir`).
"""

from __future__ import annotations

import fnmatch
import os
import re
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import ConfigError, check_value
from sim.knobs import CONFIG_DIR, all_knobs, did_you_mean, presets, sections

# Hydra keys that users set and we check ourselves (the rest is checked by composing).
START_METHODS = ("fork", "forkserver", "spawn")
_MODEL_SPEC = re.compile(r"sim(\.[a-z_][a-z0-9_]*)+:[A-Za-z_][A-Za-z0-9_]*")
HYDRA_GROUPS = ("hydra/launcher", "hydra/sweeper", "hydra/job_logging", "hydra/hydra_logging",
                "hydra/help", "hydra/hydra_help", "hydra/output", "hydra/env", "hydra/callbacks")
# What Hydra itself may leave in a run directory (besides wijksim's own files).
_HYDRA_OWN = {".hydra", "run.log", ".wijksim.lock"}
_HYDRA_FILES = {"config.yaml", "hydra.yaml", "overrides.yaml"}


def _fail(errors: list[str]) -> None:
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(dict.fromkeys(errors)))


def parse(overrides: Sequence[str]) -> tuple[list[Any], list[str]]:
    """Hydra's parse of each override, one at a time, so a bad one is named."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed, errors = [], []
    for text in overrides:
        try:
            o = parser.parse_overrides([text])[0]
        except ValueError as exc:  # Python's int() refused a huge literal
            key = text.split("=", 1)[0]
            errors.append(f"{key} = a {len(text) - len(key) - 1}-character value: cannot be read "
                          f"as a number ({str(exc).split(';')[0]})")
            continue
        except Exception as exc:  # noqa: BLE001 - Hydra's grammar errors have several types
            why = str(exc).splitlines()
            why = [w for w in why if w.strip() and "hydra.cc" not in w]
            reason = why[-1].strip() if why else "syntax"
            errors.append(f"{text!r}: cannot be read as an override ({reason}); "
                          "write KEY=VALUE, e.g. seed=3 or staffing.turnover_rate=0.2")
            continue
        if not o.key_or_group:
            errors.append(f"{text!r}: no key before '='; write KEY=VALUE, e.g. seed=3")
            continue
        parsed.append(o)
    return parsed, errors


def _values(o: Any) -> list[Any]:
    """The value(s) of an override: one for a plain value, every choice of a sweep."""
    from hydra.core.override_parser.types import ValueType

    if o.value_type == ValueType.ELEMENT:
        return [o.value()]
    if o.value_type == ValueType.INTERVAL_SWEEP:
        return []
    if o.value_type == ValueType.GLOB_CHOICE_SWEEP:
        return []
    return list(o.sweep_iterator())


def _leaf(key: str) -> tuple[Any, dict] | None:
    """(type, metadata) of a leaf knob of the schema."""
    import dataclasses

    from sim.config import WijksimConfig

    tp: Any = WijksimConfig
    meta: dict = {}
    for part in key.split("."):
        if not dataclasses.is_dataclass(tp):
            return None
        fields = {f.name: f for f in dataclasses.fields(tp)}
        if part not in fields:
            return None
        meta = dict(fields[part].metadata)
        tp = typing.get_type_hints(tp)[part]
    return (None if dataclasses.is_dataclass(tp) else tp), meta


def check_overrides(parsed: list[Any], multirun: bool) -> list[str]:
    """Problems with the keys and values of the model's overrides (hydra.* are checked later)."""
    from hydra.core.override_parser.types import ValueType

    errors: list[str] = []
    keys = [k.key for k in all_knobs()] + list(sections())
    groups = [g for g in ("neighbourhood", "funding", "staffing", "politics", "governance",
                          "scenario", "experiment", "sweep") if presets(g)]
    for o in parsed:
        key = o.key_or_group
        shown = o.input_line
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            if o.is_delete():
                errors.append(f"{shown}: removing Hydra settings is not allowed")
            continue
        if o.is_delete():
            errors.append(f"{shown}: removing a key is not allowed (it would silently fall back "
                          f"to a default); set a value instead, e.g. {key}=...")
            continue
        if o.package is not None:
            errors.append(f"{shown}: '@package' overrides are not supported; write KEY=VALUE")
            continue
        if o.is_sweep_override() and not multirun:
            errors.append(f"{shown}: several values need a sweep: add -m (python -m sim.run -m "
                          f"{shown}); for one list value write {key}=[...]")
            continue
        if o.value_type == ValueType.INTERVAL_SWEEP:
            errors.append(f"{shown}: interval() needs a sampler; use a design "
                          "(hydra.sweeper.design, docs/sweeps.md) or list the values")
            continue
        if key in groups:  # a preset choice
            opts = presets(key)
            if o.is_add():
                errors.append(f"{shown}: {key} is a preset group already in the config; write "
                              f"{key}=PRESET without '+' (allowed: {', '.join(opts)})")
                continue
            if o.value_type == ValueType.GLOB_CHOICE_SWEEP:
                if not [p for p in opts if any(fnmatch.fnmatch(p, g) for g in o.value().include)]:
                    errors.append(f"{shown}: matches no preset; allowed: {', '.join(opts)}")
                continue
            for v in _values(o):
                if v is None and key in ("experiment",):
                    continue
                if not isinstance(v, str) or v not in opts:
                    errors.append(f"{key} = {v!r}: no such preset; allowed: {', '.join(opts)}"
                                  f"{did_you_mean(str(v), opts)}")
            continue
        leaf = _leaf(key)
        if leaf is None:
            errors.append(f"{key}: unknown key{did_you_mean(key, keys + groups)} "
                          "(`python -m sim.run knobs` lists every key)")
            continue
        ftype, meta = leaf
        if ftype is None:
            errors.append(f"{key} = {o.value() if not o.is_sweep_override() else '...'!r}: is a "
                          f"group of keys; set its keys (e.g. {key}.<key>=...) or pick a preset"
                          + (f" ({key}=" + "|".join(presets(key)) + ")" if presets(key) else ""))
            continue
        if o.is_add() and not o.is_force_add():
            errors.append(f"{shown}: {key} is already in the config; write {key}=... without '+'")
            continue
        if o.value_type == ValueType.GLOB_CHOICE_SWEEP:
            errors.append(f"{shown}: glob() selects presets of a group, not values of a key")
            continue
        for v in _values(o):
            problem = check_value(key, ftype, meta, v)
            if problem:
                errors.append(problem)
    return errors


def translate(exc: BaseException) -> str:
    """A Hydra/OmegaConf composition error in wijksim's words (key, value, allowed, closest)."""
    text = str(exc)
    m = re.search(r"Could not find '([^']+)/([^'/]+)'", text)
    if m:
        group, name = m.groups()
        opts = re.findall(r"^\t(\S+)$", text, re.M)
        return (f"{group} = {name!r}: no such preset; allowed: {', '.join(opts) or 'see configs/'}"
                f"{did_you_mean(name, opts)}")
    m = re.search(r"Could not override '([^']+)'", text) or re.search(
        r"Key '([^']+)' (?:is not in struct|not in)", text)
    if m:
        key = m.group(1)
        return f"{key}: unknown key{did_you_mean(key, _hydra_keys() + [k.key for k in all_knobs()])}"
    m = re.search(r"An item is already at '([^']+)'", text)
    if m:
        return f"+{m.group(1)}: {m.group(1)} is already in the config; write it without '+'"
    m = re.search(r"Value '([^']*)' (?:of type '\w+' )?could not be converted to (\w+)", text)
    k = re.search(r"full_key: (\S+)", text)
    if m:
        return (f"{k.group(1) if k else 'a key'} = {m.group(1)!r}: must be "
                f"{m.group(2).lower().replace('integer', 'a whole number')}")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return f"the configuration could not be composed: {first}"


_HYDRA_KEYS: list[str] = []


def _hydra_keys() -> list[str]:
    return list(_HYDRA_KEYS)


def compose_config(overrides: Sequence[str], config_name: str = "config",
                   hydra_cfg: bool = False) -> Any:
    """The composed config (with ``hydra`` when asked); Hydra errors become ``ConfigError``."""
    from hydra import compose, initialize_config_dir
    from hydra.core.config_store import ConfigStore
    from hydra.core.global_hydra import GlobalHydra

    import hydra_plugins.wijksim_design_sweeper.sweeper  # noqa: F401  (its resolver and schema)
    from sim.config import WijksimConfig

    ConfigStore.instance().store(name="wijksim_schema", node=WijksimConfig)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name=config_name, overrides=list(overrides),
                          return_hydra_config=hydra_cfg)
    except Exception as exc:  # noqa: BLE001 - every Hydra/OmegaConf error is translated
        if not _HYDRA_KEYS:
            try:
                _HYDRA_KEYS.extend(_flat_keys(compose_config([], config_name, True).hydra,
                                              "hydra."))
            except ConfigError:
                pass
        raise ConfigError("invalid configuration:\n  " + translate(exc)) from None
    finally:
        GlobalHydra.instance().clear()
    return cfg


def _flat_keys(node: Any, prefix: str) -> list[str]:
    from omegaconf import DictConfig

    out = []
    for k in node.keys() if isinstance(node, DictConfig) else []:
        child = node._get_node(k)
        if isinstance(child, DictConfig):
            out += _flat_keys(child, f"{prefix}{k}.")
        out.append(f"{prefix}{k}")
    return out


def _get(cfg: Any, dotted: str, default: Any = None) -> Any:
    from omegaconf import OmegaConf

    try:
        v = OmegaConf.select(cfg, dotted, default=default, throw_on_resolution_failure=True)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"invalid configuration:\n  {dotted}: cannot be resolved "
                          f"({str(exc).splitlines()[0]})") from None
    return OmegaConf.to_container(v, resolve=True) if hasattr(v, "_is_missing") else v


def check_hydra(cfg: Any, multirun: bool, user: dict[str, Any]) -> list[str]:
    """Launcher, sweeper model and design settings (what Hydra would accept and then misuse)."""
    errors: list[str] = []
    target = str(_get(cfg, "hydra.launcher._target_", ""))
    if target.endswith("local_launcher.LocalLauncher"):
        sm = user.get("hydra.launcher.start_method", _get(cfg, "hydra.launcher.start_method"))
        if sm not in START_METHODS:
            errors.append(f"hydra.launcher.start_method = {sm!r}: allowed: "
                          f"{', '.join(START_METHODS)}{did_you_mean(str(sm), START_METHODS)}")
        nj = user.get("hydra.launcher.n_jobs", _get(cfg, "hydra.launcher.n_jobs"))
        if isinstance(nj, bool) or not isinstance(nj, int) or nj < -1 or nj > 4096:
            errors.append(f"hydra.launcher.n_jobs = {nj!r}: allowed: a whole number in [1, 4096], "
                          "or -1 (one worker per core)")
    model = _get(cfg, "hydra.sweeper.model")
    if model is not None:
        problem = check_model_spec(model)
        if problem:
            errors.append(problem)
    for key, kind in (("hydra.sweeper.progress", "bool?"), ("hydra.sweeper.collect", "bool"),
                      ("hydra.sweeper.poll_seconds", "pos"), ("hydra.sweeper.max_batch_size",
                                                               "int?")):
        v = user[key] if key in user else _get(cfg, key)  # before OmegaConf coerced it
        ok = {"bool?": v is None or isinstance(v, bool), "bool": isinstance(v, bool),
              "pos": isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 3600,
              "int?": v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1)}
        if not ok[kind]:
            allowed = {"bool?": "true, false or null", "bool": "true or false",
                       "pos": "a number of seconds in (0, 3600]",
                       "int?": "a whole number >= 1, or null"}[kind]
            errors.append(f"{key} = {v!r}: allowed: {allowed}")
    for key in ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir"):
        v = user.get(key, "x")  # as the user wrote it (the defaults interpolate Hydra's state)
        if not isinstance(v, str) or not v.strip():
            errors.append(f"{key} = {v!r}: must name a directory")
    if multirun and _get(cfg, "hydra.sweeper.design.method"):
        errors += check_design(_get(cfg, "hydra.sweeper.design"))
    return errors


def check_model_spec(model: Any) -> str | None:
    """``hydra.sweeper.model`` must name a ``ModelSpec`` in one of the project's modules: the
    sweeper imports it, so an arbitrary module name would run arbitrary code."""
    if not isinstance(model, str) or not _MODEL_SPEC.fullmatch(model):
        return (f"hydra.sweeper.model = {model!r}: allowed: null or 'sim.<module>:<NAME>' naming a "
                "wijksim ModelSpec (e.g. sim.run:SPEC); other modules are never imported")
    import importlib
    import importlib.util

    from sim.jobs import ModelSpec

    mod, _, attr = model.partition(":")
    try:
        found = importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return f"hydra.sweeper.model = {model!r}: no module {mod}; allowed: e.g. sim.run:SPEC"
    if not isinstance(getattr(importlib.import_module(mod), attr, None), ModelSpec):
        return f"hydra.sweeper.model = {model!r}: {attr} is not a ModelSpec of {mod}"
    return None


def flat_knobs(knobs: Any, prefix: str = "") -> Any:
    """Design knobs with dotted keys: ``+hydra.sweeper.design.knobs.moving.riser_effect=[..]``
    reaches the sweeper nested (``{moving: {riser_effect: [..]}}``); a knob is a list or a dict
    with ``bounds``."""
    if not isinstance(knobs, dict):
        return knobs
    out: dict[str, Any] = {}
    for k, v in knobs.items():
        if isinstance(v, dict) and "bounds" not in v and "type" not in v and v:
            out.update(flat_knobs(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def check_design(design: dict) -> list[str]:
    """A design the sweeper can expand, whose knobs are keys of the schema within their range."""
    from sim.sensitivity import DesignError, make_design

    try:
        knobs, x = make_design(design.get("method"), flat_knobs(design.get("knobs") or {}),
                               design.get("n", 64), design.get("seed", 0),
                               second_order=bool(design.get("second_order")),
                               num_levels=int(design.get("num_levels", 4)),
                               file=design.get("file"))
    except DesignError as exc:
        return [f"hydra.sweeper.{exc}"]
    except Exception as exc:  # noqa: BLE001 - a file that is not a design, a bad number, ...
        return [f"hydra.sweeper.design = {design.get('file') or design.get('method')!r}: not a "
                f"usable design ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); allowed: "
                "method sobol|morris|lhs with knobs {key: [low, high]}, or method file with a CSV "
                "or parquet file whose columns are knob keys"]
    errors = []
    keys = [k.key for k in all_knobs()]
    for j, k in enumerate(knobs):
        leaf = _leaf(k.name)
        if leaf is None or leaf[0] is None:
            errors.append(f"hydra.sweeper.design.knobs.{k.name}: unknown key"
                          f"{did_you_mean(k.name, keys)}")
            continue
        for v in (x[:, j].min(), x[:, j].max()) if len(x) else ():
            val = int(round(v)) if k.kind == "int" else float(v)
            problem = check_value(k.name, leaf[0], leaf[1], val)
            if problem:
                errors.append(f"hydra.sweeper.design.knobs.{problem}")
                break
    return errors


@dataclass
class Claim:
    """A run directory this process has claimed (and holds locked) for a single run."""

    path: Path
    lock_fd: int | None = None
    created: list[Path] = field(default_factory=list)


def _is_own(p: Path) -> bool:
    """Does ``p`` hold only what wijksim and Hydra write into a run directory?"""
    from sim.jobs import JOB_FILE
    from sim.rundir import MANIFEST

    names = {c.name for c in p.iterdir()}
    if MANIFEST in names or JOB_FILE in names:
        return True
    if not names <= _HYDRA_OWN:
        return False
    hd = p / ".hydra"
    return not hd.exists() or (hd.is_dir() and {c.name for c in hd.iterdir()} <= _HYDRA_FILES)


def check_run_dir(text: str) -> tuple[Path, str | None]:
    """(absolute path, problem) of a ``hydra.run.dir`` the user named."""
    p = Path(os.path.abspath(os.path.expanduser(text)))
    if p.exists() and not p.is_dir():
        return p, f"hydra.run.dir = {text!r}: is a file, not a directory; name a new directory"
    if p.is_dir():
        try:
            own = _is_own(p)
        except OSError as exc:
            return p, f"hydra.run.dir = {text!r}: cannot be read ({exc.strerror})"
        if not own:
            shown = sorted(c.name for c in p.iterdir())[:5]
            return p, (f"hydra.run.dir = {text!r}: already holds files wijksim did not write "
                       f"({', '.join(shown)}{', ...' if len(shown) == 5 else ''}); a run is "
                       "written only into a new or empty directory or one of its own runs, so "
                       "nothing of yours is overwritten or deleted: name a new directory")
    return p, None


def claim_run_dir(path: Path, unique: bool) -> Claim:
    """Create (or, for ``unique``, create a fresh variant of) ``path`` and lock it.

    ``unique`` (the default, time-stamped name): ``mkdir`` is the atomic claim, and a name taken
    in the same second gets ``-2``, ``-3``, ... so two runs never share a directory. Otherwise the
    directory may exist (checked by :func:`check_run_dir`) and the lock is the claim.
    """
    from sim import rundir

    missing = [q for q in [path, *path.parents] if not q.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"hydra.run.dir = {str(path)!r}: cannot create it ({exc.strerror})") \
            from None
    candidate, n = path, 1
    while True:
        try:
            os.mkdir(candidate)
            break
        except FileExistsError:
            if not unique:
                break
            n += 1
            candidate = path.with_name(f"{path.name}-{n}")
        except OSError as exc:
            raise ConfigError(f"hydra.run.dir = {str(path)!r}: cannot create it "
                              f"({exc.strerror})") from None
    try:
        fd = rundir.lock_run(candidate)
    except rundir.RunBusyError as exc:
        raise ConfigError(f"hydra.run.dir = {str(candidate)!r}: {exc}; wait for it to end or "
                          "name another directory") from None
    except OSError as exc:
        raise ConfigError(f"hydra.run.dir = {str(candidate)!r}: cannot write there "
                          f"({exc.strerror})") from None
    return Claim(candidate, fd, [q for q in missing if q.exists()])
