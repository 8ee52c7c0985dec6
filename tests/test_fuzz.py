"""Fuzzing every input of ``omo``: each malformed case is refused cleanly or accepted sanely.

Seeded (``derandomize``) and bounded (:data:`tests.fuzzing.EXAMPLES` cases per kind, each
case capped in time and memory), so a failure reproduces and the suite stays around a
minute. What counts as clean and sane is in :mod:`tests.fuzzing`;
``python -m tests.fuzz_report`` prints the counts of these same cases for the README.
"""

from __future__ import annotations

import pytest

from tests.fuzzing import STRATEGIES, run_kind


@pytest.mark.parametrize("kind", list(STRATEGIES))
def test_malformed_input_is_refused_cleanly_or_accepted_sanely(kind):
    """Exit 2 naming the field with nothing written, or exit 0 with sane outputs; never a
    traceback, an escaped exception, a hang, a half-written folder or nonsense accepted."""
    wrong = run_kind(kind)
    assert not wrong, "\n".join(wrong[:5])
