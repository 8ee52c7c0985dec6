"""omo-sim: an agent-based simulator of omnichannel consumer journeys."""

__version__ = "0.1.0"
