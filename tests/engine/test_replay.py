"""The baseline and every preset replay to the recorded bytes on a fixed seed.

Catches a refactor that changes behaviour by accident (a reordered draw, a changed
row order, a float computed in another order). See :mod:`tests.engine.replay`.
"""

from __future__ import annotations

import json

from tests.engine.replay import RECORD, fingerprints


def test_event_logs_replay_to_the_recorded_bytes():
    assert fingerprints() == json.loads(RECORD.read_text())
