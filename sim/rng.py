"""Randomness: one root seed, named streams, and per-person counter-based draws.

Two layers give common random numbers (CRN) between scenarios run with the same seed:

* ``Streams.gen(name)`` — a ``numpy.random.Generator`` per named process, spawned from the root
  ``SeedSequence`` with a spawn key derived from the *name* (not from creation order), so adding a
  process or changing one process's parameters never shifts another's draws.
* ``Streams.uniform(name, pid, step)`` — a uniform number per (process, person, step), computed by
  hashing (root seed, process, person id, step) with the SplitMix64 finaliser (Steele, Lea & Flood
  2014). The same person meets the same luck in both scenarios, whatever the population size or row
  order, which is what makes paired comparisons sharp. Vectorised over numpy uint64 columns.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

# Constants as 0-d uint64 arrays: ufuncs take them about twice as fast as numpy scalars.
_M1 = np.array(0xBF58476D1CE4E5B9, dtype=np.uint64)
_M2 = np.array(0x94D049BB133111EB, dtype=np.uint64)
_GOLD = np.array(0x9E3779B97F4A7C15, dtype=np.uint64)
_S30, _S27, _S31 = (np.array(k, dtype=np.uint64) for k in (30, 27, 31))
_TO_UNIT = 1.0 / float(1 << 53)
_S11 = np.array(11, dtype=np.uint64)
_MASK = 0xFFFFFFFFFFFFFFFF


def _mix_int(z: int) -> int:
    """SplitMix64 finaliser on a Python int (same function as ``_mix``)."""
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & _MASK
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, in place on a uint64 array (wrapping arithmetic is intended)."""
    t = np.empty_like(z)
    np.right_shift(z, _S30, out=t)
    np.bitwise_xor(z, t, out=z)
    np.multiply(z, _M1, out=z)
    np.right_shift(z, _S27, out=t)
    np.bitwise_xor(z, t, out=z)
    np.multiply(z, _M2, out=z)
    np.right_shift(z, _S31, out=t)
    np.bitwise_xor(z, t, out=z)
    return z


def name_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC32; independent of Python's hash seed)."""
    return zlib.crc32(name.encode())


class Streams:
    """All randomness of one run, derived from ``seed``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._root = np.random.SeedSequence(self.seed)
        self._gens: dict[str, np.random.Generator] = {}
        self._keys: dict[tuple[str, int], np.ndarray] = {}
        # 64-bit salt for the counter-based draws, itself derived from the root.
        self._salt = int(np.random.SeedSequence(self.seed, spawn_key=(0xC0FFEE,))
                         .generate_state(1, np.uint64)[0])

    def gen(self, name: str) -> np.random.Generator:
        """The Generator of a named process (created on first use, keyed by name)."""
        g = self._gens.get(name)
        if g is None:
            ss = np.random.SeedSequence(self.seed, spawn_key=(name_key(name),))
            g = self._gens[name] = np.random.default_rng(ss)
        return g

    def child_seed(self, name: str) -> int:
        """A 32-bit integer seed for a library that wants an int (Mesa, networkx)."""
        ss = np.random.SeedSequence(self.seed, spawn_key=(name_key(name), 1))
        return int(ss.generate_state(1, np.uint32)[0])

    def _key(self, name: str, step: int) -> np.ndarray:
        """The 64-bit key of (stream, step), mixed in plain Python integers (cheap for a scalar)."""
        k = self._keys.get((name, step))
        if k is None:
            x = (self._salt ^ (name_key(name) * 0x100000001B3)) & _MASK
            x ^= ((step & 0xFFFFFFFF) * 0x9E3779B97F4A7C15) & _MASK
            k = np.array(_mix_int(x), dtype=np.uint64)
            if len(self._keys) > 4096:
                self._keys.clear()
            self._keys[(name, step)] = k
        return k

    def uniform(self, name: str, pid: np.ndarray, step: int) -> np.ndarray:
        """Uniform [0, 1) per person id for this process and step (counter-based, order-free)."""
        # Wrapping uint64 arithmetic on arrays raises no overflow warnings: no errstate needed.
        z = pid.astype(np.uint64)
        np.multiply(z, _GOLD, out=z)
        np.bitwise_xor(z, self._key(name, step), out=z)
        _mix(z)
        np.right_shift(z, _S11, out=z)
        return z * _TO_UNIT  # uint64 -> float64 inside the ufunc: same values as astype first

    def normal(self, name: str, pid: np.ndarray, step: int) -> np.ndarray:
        """Standard normal per person id (inverse-CDF of ``uniform``; same CRN property)."""
        u = self.uniform(name, pid, step)
        np.maximum(u, 1e-12, out=u)  # same as clipping to [1e-12, 1 - 1e-12], in place
        np.minimum(u, 1 - 1e-12, out=u)
        return ndtri(u, out=u)
