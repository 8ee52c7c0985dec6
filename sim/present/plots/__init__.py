"""Matplotlib plots of runs and experiments.

Every function takes an optional ``ax`` and returns the figure, so the same call draws into
a notebook cell or a PNG file. Scripts should select the Agg backend before importing pyplot.
"""

from sim.present.plots.experiment import (
    channel_bars,
    forest_plot,
    money_forest,
    pairing_gain,
    timeseries_bands,
)

__all__ = ["channel_bars", "forest_plot", "money_forest", "pairing_gain", "timeseries_bands"]
