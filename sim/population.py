"""Columnar state of persons, households and dwellings, and the ``Resident`` agent handle.

docs/model.md: residents are Mesa agents, but their numeric state lives in numpy columns owned by the
``Population``; a ``Resident`` reads and writes its row. Rules are vectorised over the columns. Rows
hold every *active* person: living in the wijk, or a tracked cohort member living elsewhere. Rows of
people who leave the model (died, or moved out untracked) stay as inert rows (``leave``, buurt -1)
until they are a tenth of all rows, then ``compact()`` drops them; ``row_of[pid]`` maps a person id to
its current row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import Neighbourhood

# Education levels: not yet decided, below start qualification, start qualification, higher.
EDU_UNDECIDED, EDU_NONE, EDU_START, EDU_HIGHER = -1, 0, 1, 2
# Tenure of a household's dwelling.
TENURE_CORPORATION, TENURE_PRIVATE, TENURE_OWNER = 0, 1, 2
TENURE_NAMES = {TENURE_CORPORATION: "corporation", TENURE_PRIVATE: "private", TENURE_OWNER: "owner"}

PERSON_COLUMNS: dict[str, tuple[type, object]] = {
    "pid": (np.int64, -1),
    "age": (np.float64, 0.0),
    "female": (np.bool_, False),
    "death_age": (np.float64, np.inf),  # drawn once (see mechanisms.demography)
    "hh": (np.int64, -1),  # household id; -1 for a tracked person living elsewhere
    "dependent": (np.bool_, False),  # a child living in the parental household
    "buurt": (np.int8, -1),  # -1 = elsewhere
    "parent_rank": (np.float64, 50.0),  # parents' household income rank (national percentile)
    "skill": (np.float64, 0.0),  # latent ability, standard normal
    "attain": (np.float64, 0.0),  # accumulated school attainment
    "in_school": (np.bool_, False),
    "school_end_age": (np.float64, 0.0),
    "edu": (np.int8, EDU_UNDECIDED),
    "employed": (np.bool_, False),
    "income_rank": (np.float64, 0.0),
    "rank_noise": (np.float64, 0.0),  # persistent personal component of the income rank
    "trust": (np.float64, 0.5),
    "suspect_ever": (np.bool_, False),
    "suspect_last": (np.float64, -1e9),  # model year of the last registration
    "network_ever": (np.bool_, False),
    "network": (np.int32, -1),  # id of the criminal network the person belongs to, or -1
    "net_role": (np.int8, -1),  # 0 runner, 1 facilitator, 2 leader
    "initiative": (np.int32, -1),  # id of the residents' initiative the person takes part in
    "exposure": (np.float64, 0.0),  # age-weighted neighbourhood exposure (see mechanisms.school)
    "place_pct": (np.float64, 0.5),  # national percentile of the place a person lives elsewhere
    "tracked": (np.bool_, False),
    "origin_buurt": (np.int8, -1),
    "age_at_start": (np.float64, np.nan),
    "years_in_wijk": (np.float64, 0.0),  # childhood (<18) years lived in the wijk
    "moved_out": (np.bool_, False),
    "leave": (np.bool_, False),  # scratch: marked for removal this step
    "slot": (np.int32, -1),  # the person's Resident handle: index into ``Neighbourhood.handles``
}

HOUSEHOLD_COLUMNS: dict[str, tuple[type, object]] = {
    "key": (np.int64, -1),  # permanent household number (keys its random draws; rows are renumbered)
    "alive": (np.bool_, False),
    "dwelling": (np.int64, -1),
    "tenure": (np.int8, TENURE_CORPORATION),
    "head_birth": (np.float64, 0.0),  # model year the head was born
    "moved_in": (np.float64, 0.0),  # model year the household moved in
    "rank": (np.float64, 50.0),  # household standardised income rank (national percentile; mechanisms.income)
}


class Columns:
    """A set of equally long numpy columns with spare capacity (amortised appends).

    ``cols.age`` is a view of the live rows of the ``age`` column; views are refreshed whenever the
    row count changes, so reading a column is a plain attribute lookup.
    """

    def __init__(self, spec: dict[str, tuple[type, object]], capacity: int) -> None:
        d = self.__dict__
        d["spec"] = spec
        d["n"] = 0
        d["_cap"] = max(16, capacity)
        d["_arrays"] = {name: np.full(d["_cap"], fill, dtype=dtype)
                        for name, (dtype, fill) in spec.items()}
        self._refresh()

    def _refresh(self) -> None:
        d = self.__dict__
        n = d["n"]
        for name, arr in d["_arrays"].items():
            d[name] = arr[:n]

    def __setattr__(self, name: str, value: object) -> None:
        # ``cols.age += dt`` assigns back to the attribute: write into the column, never shadow it.
        d = self.__dict__
        if name in d["spec"]:
            if value is not d[name]:
                d[name][...] = value
            return
        d[name] = value

    def grow(self, k: int) -> slice:
        """Append ``k`` rows filled with defaults; return their slice."""
        d = self.__dict__
        n = d["n"]
        need = n + k
        if need > d["_cap"]:
            new_cap = max(need, int(d["_cap"] * 1.5))
            for name, (dtype, fill) in self.spec.items():
                arr = np.full(new_cap, fill, dtype=dtype)
                arr[:n] = d["_arrays"][name][:n]
                d["_arrays"][name] = arr
            d["_cap"] = new_cap
        # Rows past ``n`` always hold the defaults (new arrays are filled; ``keep`` refills the
        # rows it frees), so growing is only a matter of moving the mark.
        sl = slice(n, need)
        d["n"] = need
        self._refresh()
        return sl

    def keep(self, mask: np.ndarray) -> None:
        """Keep only rows where ``mask`` is true, preserving order."""
        d = self.__dict__
        idx = np.flatnonzero(mask)
        k = idx.size
        n = d["n"]
        for name, arr in d["_arrays"].items():
            arr[:k] = arr.take(idx)  # take: cheaper than fancy indexing for a gather
            arr[k:n] = self.spec[name][1]
        d["n"] = k
        self._refresh()


class Population:
    """Persons (rows), households (ids) and dwellings (grid cells) of one run."""

    def __init__(self, n_dwellings: int, capacity: int) -> None:
        self.p = Columns(PERSON_COLUMNS, capacity)
        self.h = Columns(HOUSEHOLD_COLUMNS, capacity // 2)
        self.row_of = np.full(max(16, capacity * 4), -1, dtype=np.int64)
        self.next_pid = 0
        self.next_hkey = 0
        # Dwellings: one per grid cell; ``occupant`` is a household id or -1 (vacant).
        self.occupant = np.full(n_dwellings, -1, dtype=np.int64)
        self.vacant_since = np.zeros(n_dwellings, dtype=np.float64)

    # -- persons ----------------------------------------------------------------------------
    def add_persons(self, k: int) -> slice:
        """Append ``k`` new persons with fresh ids; return their row slice."""
        sl = self.p.grow(k)
        pids = np.arange(self.next_pid, self.next_pid + k, dtype=np.int64)
        self.next_pid += k
        self.p.pid[sl] = pids
        if self.next_pid > self.row_of.size:
            grown = np.full(max(self.next_pid, int(self.row_of.size * 1.5)), -1, dtype=np.int64)
            grown[: self.row_of.size] = self.row_of
            self.row_of = grown
        self.row_of[pids] = np.arange(sl.start, sl.stop)
        return sl

    def compact(self) -> np.ndarray:
        """Drop rows marked ``leave``; return the ids of the dropped persons."""
        p = self.p
        gone = p.pid[p.leave].copy()
        if gone.size:
            self.row_of[gone] = -1
            p.keep(~p.leave)
            self.row_of[p.pid] = np.arange(p.n)
        return gone

    # -- households ---------------------------------------------------------------------------
    def add_households(self, k: int) -> np.ndarray:
        """Append ``k`` households; return their ids (row indices; see ``compact_households``)."""
        sl = self.h.grow(k)
        self.h.alive[sl] = True
        self.h.key[sl] = np.arange(self.next_hkey, self.next_hkey + k)
        self.next_hkey += k
        return np.arange(sl.start, sl.stop)

    def compact_households(self) -> None:
        """Drop the rows of households that ended and renumber the rest, keeping their order.

        Household ids are row indices, so they change here; ``key`` is the permanent number (it keys
        the households' random draws, so results do not depend on when rows are dropped).
        """
        h = self.h
        alive = h.alive.copy()
        new_id = np.full(h.n + 1, -1, dtype=np.int64)  # the spare last entry maps -1 to -1
        new_id[:-1][alive] = np.arange(np.count_nonzero(alive))
        h.keep(alive)
        p = self.p
        p.hh = new_id[p.hh]
        self.occupant = new_id[self.occupant]

    def household_sizes(self) -> np.ndarray:
        """Members per household id (persons in the wijk)."""
        hh = self.p.hh
        return np.bincount(hh[hh >= 0], minlength=self.h.n)

    def in_wijk(self) -> np.ndarray:
        return self.p.buurt >= 0


class Resident(mesa.Agent):
    """Handle of one person: attributes read and write that person's row in the columns.

    Residents have no ``step()``: their rules are vectorised in ``sim.mechanisms``. A handle owns a
    fixed ``slot``; which person it stands for is ``model.handle_pid[slot]``, so handles are re-bound
    to newcomers by one vectorised assignment (see ``Neighbourhood._sync_agents``).
    """

    def __init__(self, model: Neighbourhood, slot: int) -> None:
        super().__init__(model)
        self.slot = slot

    @property
    def pid(self) -> int:
        """Id of the person this handle stands for (-1 while the handle is unbound)."""
        return int(self.model.handle_pid[self.slot])

    def _row(self) -> int:
        pid = self.pid
        r = int(self.model.pop.row_of[pid]) if pid >= 0 else -1
        if r < 0:
            raise LookupError(f"person {pid} is no longer in the model")
        return r

    def set(self, name: str, value: object) -> None:
        """Write one column of this person's row."""
        if name not in PERSON_COLUMNS or name in ("pid", "slot"):
            raise KeyError(f"{name!r} is not a writable person column")
        getattr(self.model.pop.p, name)[self._row()] = value

    @property
    def household(self) -> int:
        """Permanent number (``key``) of this person's household; -1 if none (living elsewhere)."""
        hh = int(self.model.pop.p.hh[self._row()])
        return int(self.model.pop.h.key[hh]) if hh >= 0 else -1


def _column_property(name: str) -> property:
    def get(self: Resident) -> object:
        return getattr(self.model.pop.p, name)[self._row()].item()

    return property(get, doc=f"This person's ``{name}`` (read from the column).")


# Read-only attributes for every person column (write with ``Resident.set``). Explicit properties,
# not ``__getattr__``, so numpy's protocol probes on handles fail fast.
for _name in PERSON_COLUMNS:
    if _name not in ("pid", "slot"):
        setattr(Resident, _name, _column_property(_name))
