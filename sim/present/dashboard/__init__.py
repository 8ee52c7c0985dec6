"""``omo dashboard``: a browser workbench for strategists, built with Solara.

Pick a preset or scenario file, move the levers, watch a run's daily series and funnel
grow (redrawn every N days), stop and read one consumer's journey, run two strategies on
the same seeds and see the paired difference in money, and open finished experiment,
sweep and optimisation results. The pieces that do the work live in the study layer
(:mod:`sim.study.live`, :mod:`sim.study.side_by_side`, :mod:`sim.study.results`); this
package only lays them out.
"""
