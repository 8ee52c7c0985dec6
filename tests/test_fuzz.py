"""Fuzzing every input of ``omo``: each malformed case is refused cleanly or accepted sanely.

Seeded (``derandomize``) and bounded (:data:`tests.fuzzing.EXAMPLES` cases per kind, each
case capped in time and memory), so a failure reproduces and the suite stays around a
minute. What counts as clean and sane is in :mod:`tests.fuzzing`;
``python -m tests.fuzz_report`` prints the counts of these same cases for the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.fuzzing import STRATEGIES, Case, judge, run_kind


@pytest.mark.parametrize("kind", list(STRATEGIES))
def test_malformed_input_is_refused_cleanly_or_accepted_sanely(kind):
    """Exit 2 naming the field with nothing written, or exit 0 with sane outputs; never a
    traceback, an escaped exception, a hang, a half-written folder or nonsense accepted."""
    wrong = run_kind(kind)
    assert not wrong, "\n".join(wrong[:5])


def _fake(behaviour):
    def main(argv):
        return behaviour(argv)

    return main


def _crash(argv):
    raise RuntimeError("boom")


def _silent_refusal(argv):
    return 2


def _refusal_that_writes(argv):
    out = argv[argv.index("--out") + 1]
    Path(out).mkdir()
    sys.stderr.write("error: --out refused\n")
    return 2


def _refusal_naming_nothing(argv):
    sys.stderr.write("error: something is wrong somewhere\n")
    return 2


@pytest.mark.parametrize(
    "behaviour", [_crash, _silent_refusal, _refusal_that_writes, _refusal_naming_nothing]
)
def test_the_judge_calls_each_kind_of_failure_wrong(monkeypatch, behaviour):
    """The verdicts can fail: an escaped exception, a refusal without a message, a refusal
    that wrote something and one naming no field are each judged wrong."""
    import tests.fuzzing

    monkeypatch.setattr(tests.fuzzing, "main", _fake(behaviour))
    case = Case("scenario", b"population: {size: true}\n", ["population", "size"])
    assert judge(case)[0] == "wrong"
