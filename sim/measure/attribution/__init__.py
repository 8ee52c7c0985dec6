"""Attribution of revenue to touchpoints, from the event log, as a marketer's tools do it.

A **journey** is the marketing touchpoints a consumer met before a purchase: content views
(by channel), word of mouth heard from a friend and coupons claimed, since their previous
purchase and within a lookback window (:mod:`~sim.measure.attribution.journeys`). App
sessions and store visits are where a purchase happens, not what brought the consumer, so
they are not touchpoints here. Purchases with no touchpoint in the window stay unattributed
(a real report would call them "direct").

Methods (``METHODS``), each crediting every converting journey's revenue to its channels:

- rule based (:mod:`~sim.measure.attribution.rules`): last touch, first touch, linear,
  time decay, position based (40/20/40);
- data driven: Markov removal effect (:mod:`~sim.measure.attribution.markov`) and path
  Shapley (:mod:`~sim.measure.attribution.path_shapley`), which also learn from the
  journeys that did not convert.

No maintained Python library covers these: ``ChannelAttribution`` (Markov and three
heuristics, a C++ build from source) lacks time decay, position based and Shapley, and the
others on PyPI are unmaintained; the methods are small and each is tested on hand-made
journeys with known answers.
"""

from __future__ import annotations

from sim.measure.attribution.credit import METHODS, attribute

__all__ = ["METHODS", "attribute"]
