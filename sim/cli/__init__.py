"""Subcommands of ``omo`` beyond run and kpis; each module exposes ``register(subparsers)``."""
