"""``omo attribute RUN``: rule-based and data-driven attribution of a run's event log."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``attribute`` subcommand (filled in below)."""
