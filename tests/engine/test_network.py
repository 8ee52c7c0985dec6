"""The small-world social graph, built straight into CSR arrays."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.network import small_world
from sim.engine.population import draw_traits
from sim.engine.streams import Draws, Source
from sim.scenario.config import Network, from_dict


def traits_for(size: int, seed: int = 0):
    config = from_dict({"population": {"size": size}})
    return draw_traits(config, np.random.default_rng(seed))


def adjacency(graph) -> sp.csr_matrix:
    n = len(graph.indptr) - 1
    data = np.ones(len(graph.indices), np.int8)
    return sp.csr_matrix((data, graph.indices, graph.indptr), shape=(n, n))


graphs = st.tuples(
    st.integers(min_value=3, max_value=400),  # consumers
    st.integers(min_value=2, max_value=30),  # mean degree
    st.floats(min_value=0.0, max_value=1.0),  # rewiring
    st.floats(min_value=0.0, max_value=1.0),  # homophily
    st.integers(min_value=0, max_value=2**32 - 1),  # seed
)


@settings(max_examples=40, deadline=None)
@given(graphs)
def test_graph_is_symmetric_simple_and_in_range(params):
    """Friendship is mutual, nobody is their own friend, no duplicate edges, ids in range."""
    n, k, rewiring, homophily, seed = params
    graph = small_world(
        Network(mean_degree=k, rewiring=rewiring, homophily=homophily),
        traits_for(n, seed),
        np.random.default_rng(seed),
    )
    a = adjacency(graph)
    assert a.shape == (n, n)
    assert (a != a.T).nnz == 0
    assert a.diagonal().sum() == 0
    if a.nnz:  # tiny graphs with full rewiring can lose every edge
        assert a.max() <= 1
        assert graph.indices.min() >= 0 and graph.indices.max() < n
    assert (np.diff(graph.indptr) >= 0).all()


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=3, max_value=500),
    k=st.integers(min_value=2, max_value=40),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_without_rewiring_every_degree_is_exact(n, k, seed):
    """rewiring=0: a ring lattice where everyone has 2 * min(k // 2, (n - 1) // 2) friends."""
    graph = small_world(
        Network(mean_degree=k, rewiring=0.0), traits_for(n, seed), np.random.default_rng(seed)
    )
    assert (graph.degree == 2 * min(k // 2, (n - 1) // 2)).all()


def test_mean_degree_close_to_configured_with_rewiring():
    """With rewiring 0.1 the mean degree stays within 1% of mean_degree (only the rare
    duplicate or self-loop produced by rewiring is dropped)."""
    graph = small_world(
        Network(mean_degree=10, rewiring=0.1), traits_for(20_000), np.random.default_rng(1)
    )
    assert graph.degree.mean() == pytest.approx(10, rel=0.01)


def same_segment_share(homophily: float, n: int = 20_000) -> tuple[float, float, int]:
    """Share of friendships within one segment, its value under random mixing, edge count."""
    traits = traits_for(n, 5)
    graph = small_world(
        Network(mean_degree=10, rewiring=0.1, homophily=homophily),
        traits,
        np.random.default_rng(5),
    )
    src = np.repeat(np.arange(n), graph.degree)
    same = traits.segment[src] == traits.segment[graph.indices]
    shares = np.bincount(traits.segment) / n
    return float(same.mean()), float((shares**2).sum()), len(src) // 2


def test_no_homophily_mixes_segments_at_random():
    """homophily=0: same-segment share of friendships ~ sum of squared segment shares,
    within 5 binomial standard errors over the undirected edges."""
    share, random_mixing, edges = same_segment_share(0.0)
    se = np.sqrt(random_mixing * (1 - random_mixing) / edges)
    assert abs(share - random_mixing) <= 5 * se


def test_homophily_raises_same_segment_friendships():
    """homophily=0.8 gives clearly more same-segment friends than random mixing: at least
    half the way from random mixing to 0.8 of friendships being within-segment."""
    share, random_mixing, _ = same_segment_share(0.8)
    assert share > random_mixing + 0.5 * (0.8 - random_mixing)


def test_random_friends_are_friends():
    """random_friends draws per_person real friends per sender; friendless send nothing."""
    graph = small_world(Network(mean_degree=6), traits_for(300), np.random.default_rng(2))
    who = np.arange(0, 300, 7)
    senders, receivers = graph.random_friends(who, 3, Draws(0, Source.sharing, 0))
    assert len(senders) == 3 * len(who)
    a = adjacency(graph)
    assert np.all(np.asarray(a[senders, receivers]).ravel() == 1)


def test_networkx_view_has_same_edges():
    """to_networkx gives the same graph (for drawing small populations)."""
    graph = small_world(Network(mean_degree=4), traits_for(50), np.random.default_rng(3))
    g = graph.to_networkx()
    assert g.number_of_nodes() == 50
    assert 2 * g.number_of_edges() == len(graph.indices)
