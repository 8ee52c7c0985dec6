"""Fuzzing every input of ``omo``: each malformed case is refused cleanly or accepted sanely.

Seeded (``derandomize``) and bounded (:data:`tests.fuzzing.EXAMPLES` cases per kind), so a
failure reproduces and the suite stays around a minute. What counts as clean and sane is in
:mod:`tests.fuzzing`; ``python -m tests.fuzz_report`` prints the counts the README quotes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzzing import EXAMPLES, STRATEGIES, Case, judge


@pytest.mark.parametrize("kind", list(STRATEGIES))
def test_malformed_input_is_refused_cleanly_or_accepted_sanely(kind):
    """Exit 2 naming the field with nothing written, or exit 0 with sane outputs; never a
    traceback, an escaped exception, a half-written folder or nonsense accepted."""

    @settings(
        max_examples=EXAMPLES[kind],
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(STRATEGIES[kind])
    def check(case: Case) -> None:
        outcome, detail = judge(case)
        assert outcome != "wrong", f"{case.content[:300]!r}\n{detail}"

    check()
