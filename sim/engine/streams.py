"""Common random numbers: every random decision is keyed to who makes it, when and why.

Two kinds of draws:

* Market-level sampling (who walks past a store today) uses a generator per
  (source, day): ``SeedSequence(seed, spawn_key=(source, day))``.
* Consumer decisions (reached by content, consider, visit, buy, abandon, share, rebuy,
  ...) use *keyed* uniforms: consumer i's number for a decision depends only on (seed, source, day,
  decision label, i), computed by a SplitMix64 hash. It does not depend on who else
  is deciding that day, so a lever that changes some consumers' paths leaves every
  other consumer's draws exactly as they were.

Two scenarios that differ in one lever therefore differ only where the lever acts,
which is what makes paired comparisons tight.
"""

from __future__ import annotations

import zlib
from enum import IntEnum

import numpy as np
from scipy.special import ndtri


class Source(IntEnum):
    """Sources of randomness. Append new ones at the end: renumbering changes every run.

    Codes 4, 9 and 10 were word of mouth, basket and inventory, never used; they stay
    free so no draw of an older run changes meaning.
    """

    population = 0
    network = 1
    stores = 2
    content = 3
    app = 5
    coupons = 6
    visits = 7
    purchases = 8
    sharing = 11
    membership = 12
    retention = 13
    market = 14
    competition = 15


class Streams:
    """Hands out the generator for a (source, day) pair; day -1 is set-up."""

    def __init__(self, seed: int):
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)

    def get(self, source: Source, day: int = -1) -> np.random.Generator:
        """A fresh generator for ``source`` on ``day``: same inputs, same numbers, any process."""
        key = (int(source), day + 1)
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
        )

    def draws(self, source: Source, day: int) -> Draws:
        """Keyed per-consumer uniforms for ``source`` on ``day``."""
        return Draws(self.seed, source, day)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijective mix of 64-bit integers (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


def _splitmix64_inplace(x: np.ndarray) -> None:
    """:func:`_splitmix64` overwriting ``x`` (one scratch array instead of six)."""
    tmp = np.empty_like(x)
    for shift, mix in ((30, _MIX1), (27, _MIX2)):
        np.right_shift(x, np.uint64(shift), out=tmp)
        np.bitwise_xor(x, tmp, out=x)
        np.multiply(x, mix, out=x)
    np.right_shift(x, np.uint64(31), out=tmp)
    np.bitwise_xor(x, tmp, out=x)


class Draws:
    """Uniforms keyed by (seed, source, day, label, consumer) for one process and day.

    ``label`` names the decision ("consider", "buy", ...); the same consumer asking for
    the same label twice in a day gets the same number, so a call site that draws twice
    for one consumer must use two labels.
    """

    def __init__(self, seed: int, source: Source, day: int):
        self.seed, self.source, self.day = seed, int(source), day
        self._keys: dict[str, np.uint64] = {}

    def _key(self, label: str) -> np.uint64:
        key = self._keys.get(label)
        if key is None:
            tag = zlib.crc32(label.encode())
            seq = np.random.SeedSequence(self.seed, spawn_key=(self.source, self.day + 1, tag))
            key = self._keys[label] = seq.generate_state(1, np.uint64)[0]
        return key

    def uniform(self, who: np.ndarray, label: str) -> np.ndarray:
        """One U[0, 1) number per entry of ``who`` (consumer row indices).

        The same numbers as ``(splitmix64(who * golden + key) >> 11) / 2**53``, computed in
        place in one scratch buffer: drawn for every consumer every day, the temporaries of
        the plain expression were the content process's main cost.
        """
        x = np.asarray(who).astype(np.uint64)
        np.multiply(x, _GOLDEN, out=x)
        np.add(x, self._key(label), out=x)
        _splitmix64_inplace(x)
        np.right_shift(x, np.uint64(11), out=x)
        out = x.astype(np.float64)
        out *= 1.0 / 9007199254740992.0
        return out

    def bernoulli(self, who: np.ndarray, p, label: str) -> np.ndarray:
        """Whether each of ``who`` says yes, with chance ``p`` (scalar or per entry)."""
        return self.uniform(who, label) < p

    def geometric(self, who: np.ndarray, mean: float, label: str) -> np.ndarray:
        """Failures before the first success, with the given mean (0, 1, 2, ...)."""
        if mean <= 0:
            return np.zeros(len(who), np.int64)
        q = mean / (1.0 + mean)  # chance of another failure
        u = 1.0 - self.uniform(who, label)  # in (0, 1]
        return np.floor(np.log(u) / np.log(q)).astype(np.int64)

    def normal(self, who: np.ndarray, label: str) -> np.ndarray:
        """Standard normal numbers by inversion, so they stay keyed too."""
        u = self.uniform(who, label)
        return ndtri(np.clip(u, 1e-300, 1.0 - 2**-53))
