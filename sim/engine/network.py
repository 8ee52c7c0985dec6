"""The social graph, built straight into CSR arrays.

A Watts-Strogatz small world: a ring lattice where each consumer knows ``k/2``
neighbours on each side, with each edge's far end rewired to a random consumer with
probability ``rewiring``. Homophily comes from the ring order: a share of consumers is
placed sorted by (city tier, segment), so their lattice neighbours are mostly alike.
networkx would take ~10 s and >1 GB at a million nodes; this takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.engine.population import Traits
from sim.engine.streams import Draws
from sim.scenario.config import Network


@dataclass(frozen=True)
class SocialGraph:
    """Undirected friendships as CSR: friends of i are indices[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def to_networkx(self):
        """The graph as networkx, for drawing or analysing small populations."""
        import networkx as nx

        n = len(self.indptr) - 1
        matrix = sp.csr_matrix((np.ones(len(self.indices)), self.indices, self.indptr), (n, n))
        return nx.from_scipy_sparse_array(matrix)

    def random_friends(self, who: np.ndarray, per_person: int, draws: Draws):
        """``per_person`` friends drawn with replacement for each of ``who``.

        Each sender's picks are keyed to the sender (see :class:`sim.engine.streams.Draws`).
        Returns (senders, receivers); people with no friends send nothing.
        """
        deg = self.degree[who]
        has = deg > 0
        tellers = who[has]
        senders = np.repeat(tellers, per_person)
        d = np.repeat(deg[has], per_person)
        u = np.stack([draws.uniform(tellers, f"friend:{j}") for j in range(per_person)], axis=1)
        offsets = np.minimum((u.ravel() * d).astype(np.int64), d - 1)
        receivers = self.indices[self.indptr[senders] + offsets]
        return senders, receivers


def small_world(config: Network, traits: Traits, rng: np.random.Generator) -> SocialGraph:
    """Build the small-world graph described in the module docstring."""
    n = traits.size
    half = max(1, config.mean_degree // 2)
    if n < 2:
        return SocialGraph(np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    half = min(half, (n - 1) // 2) or 1
    # Ring order: homophilous consumers sorted by (tier, segment), the rest scattered.
    key = traits.city_tier.astype(np.int64) * 256 + traits.segment.astype(np.int64)
    scatter = rng.random(n) >= config.homophily
    key = np.where(scatter, rng.integers(0, 512, n), key)
    order = np.lexsort((rng.random(n), key))
    src = np.repeat(order, half)
    pos = np.empty(n, np.int64)
    pos[order] = np.arange(n)
    step = np.tile(np.arange(1, half + 1), n)
    dst = order[(pos[src] + step) % n]
    rewire = rng.random(len(src)) < config.rewiring
    dst = np.where(rewire, rng.integers(0, n, len(src)), dst)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    matrix = sp.csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n))
    matrix.sum_duplicates()
    return SocialGraph(matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32))
