"""Interest fades: each morning every consumer keeps ``0.5 ** (1 / half-life)`` of it."""

from __future__ import annotations

from sim.engine.context import DayContext


def fade(ctx: DayContext, day: int) -> None:
    """Interest decays overnight, before the day's first touchpoint."""
    ctx.state.interest *= ctx.policy.interest_retention
