"""Strict YAML reading: what ``yaml.safe_load`` accepts silently or dangerously is refused.

Each case goes through ``omo run`` so the whole path is checked: exit 2, one line naming
the file, no traceback, nothing written.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.scenario.reading import MAX_SHOWN, show

BILLION_LAUGHS = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    + ["name: *i"]
)


def run_file(tmp_path: Path, content: bytes, capsys) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(content)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err
    return err


def test_repeated_key_is_refused(tmp_path, capsys):
    """Defect 11: a key given twice is an error naming it and both lines, not last-one-wins."""
    err = run_file(tmp_path, b"horizon_days: 30\nname: a\nhorizon_days: 60\n", capsys)
    assert "'horizon_days' given twice (lines 1 and 3)" in err


def test_repeated_nested_key_is_refused(tmp_path, capsys):
    """Defect 11: repeated keys are found at any depth (here a segment given twice)."""
    text = b"population:\n  segments:\n    a: {share: 1}\n    a: {share: 1}\n"
    assert "'a' given twice" in run_file(tmp_path, text, capsys)


def test_merge_keys_may_be_overridden(tmp_path, capsys):
    """YAML merge keys (``<<: *base``) followed by an explicit key are not a repetition."""
    text = b"x: &d {tier12: 1.0, tier34: 2.0}\nstores: {delivery_hours: {<<: *d, tier12: 0.5}}\n"
    err = run_file(tmp_path, text, capsys)  # refused only for the unknown key x
    assert ": unknown key" in err and "twice" not in err


def test_alias_bomb_is_refused_quickly(tmp_path, capsys):
    """Defect 9: a 'billion laughs' file is refused in well under a second, message short."""
    start = time.monotonic()
    err = run_file(tmp_path, BILLION_LAUGHS.encode(), capsys)
    assert time.monotonic() - start < 2
    assert "aliases expand" in err and len(err) < 500


def test_deep_nesting_is_refused(tmp_path, capsys):
    """Defect 13: nesting far deeper than a scenario needs is refused, not a RecursionError."""
    err = run_file(tmp_path, b"name: " + b"[" * 5000 + b"]" * 5000 + b"\n", capsys)
    assert "nested more than" in err


def test_non_utf8_file_is_refused(tmp_path, capsys):
    """Defect 13: a Latin-1 file is refused naming the byte, not a UnicodeDecodeError."""
    err = run_file(tmp_path, "name: caf\u00e9\n".encode("latin-1"), capsys)
    assert "not UTF-8" in err and "0xe9" in err


@pytest.mark.parametrize(
    "value", ["x" * 10_000, list(range(10_000)), {str(i): i for i in range(999)}]
)
def test_show_keeps_echoed_values_short(value):
    """Defect 9: an error quotes at most MAX_SHOWN characters of any value."""
    assert len(show(value)) <= MAX_SHOWN
