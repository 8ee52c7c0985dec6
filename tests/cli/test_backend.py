"""Backend options shared by check, compare, calibrate and sweep: bad combinations named."""

from __future__ import annotations

import argparse

import pytest

from sim.cli import backend


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    backend.add_options(p)
    return p.parse_args(argv)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--workers", "0"), "--workers: value 0: must be at least 1"),
        (("--executor", "local", "--scheduler", "tls://h:8786"), "--scheduler: needs --executor"),
        (("--dashboard", "127.0.0.1:8787"), "--dashboard: needs --executor dask"),
        (
            ("--scheduler", "tls://h:8786", "--dashboard", ":8787"),
            "--dashboard: only for the cluster omo starts",
        ),
    ],
)
def test_bad_combinations_are_named(argv, message):
    assert any(message in p for p in backend.problems(parse(*argv)))


def test_a_scheduler_alone_means_dask():
    args = parse("--scheduler", "tls://h:8786")
    assert backend.problems(args) == [] and backend.executor(args) == "dask"


@pytest.mark.parametrize("command", ["check", "compare", "calibrate", "sweep"])
def test_every_study_command_offers_the_backend_options(command):
    from sim.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {o for a in sub.choices[command]._actions for o in a.option_strings}
    assert {"--workers", "--executor", "--scheduler", "--dashboard"} <= options
