"""Ground truth: what each content channel and touchpoint family really causes.

A simulator knows the counterfactual a real brand never sees. ``omo truth`` runs paired arms
on common random numbers (the same seeds in every arm, :mod:`sim.engine.streams`): every
subset of content channels for an exact Shapley split, each touchpoint family switched off,
and small budget steps for the marginal return, until a stated precision is reached.

- :mod:`~sim.study.truth.summary`: one run's outcomes by week, segment and city tier
  (computed on the worker, so the event log never travels).
- :mod:`~sim.measure.shapley`: exact and sampled Shapley values over a value function.
- :mod:`~sim.study.truth.spec`: what to measure and when to stop; the arms it needs.
- :mod:`~sim.study.truth.runner`: rounds of seeds on an evaluator, resumable.
- :mod:`~sim.study.truth.estimates`: effects with intervals, tidy.
"""
