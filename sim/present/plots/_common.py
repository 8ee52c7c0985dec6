"""What every plot module shares: the colour cycle and "draw here or make a figure"."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """The given axes and their figure, or a new figure of ``size`` inches."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax
