"""Print how ``omo`` handles malformed input: tried / refused / accepted / wrong, per kind.

Run from the repository root: ``python -m tests.fuzz_report`` (same seeded cases as the
test suite), or ``python -m tests.fuzz_report 3`` for three times as many per kind. The
README's fuzzing table is this script's output.
"""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, given, settings

from tests.fuzzing import COUNTS, EXAMPLES, STRATEGIES, Case, judge


def run(scale: int = 1) -> None:
    """Judge every case of every kind; print one table row per kind and the total."""
    wrong: list[str] = []
    for kind, strategy in STRATEGIES.items():

        @settings(
            max_examples=EXAMPLES[kind] * scale,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def one(case: Case) -> None:
            outcome, detail = judge(case)
            if outcome == "wrong":
                wrong.append(f"{case.kind}: {case.content[:200]!r}\n  {detail}")

        one()
    print("| input | tried | refused (exit 2) | accepted (exit 0/1, sane) | wrong |")
    print("|---|---:|---:|---:|---:|")
    total = {"tried": 0, "refused": 0, "accepted": 0, "wrong": 0}
    for kind, counts in COUNTS.items():
        tried = sum(counts.values())
        row = {"tried": tried, **{k: counts.get(k, 0) for k in ("refused", "accepted", "wrong")}}
        total = {k: total[k] + row[k] for k in total}
        print(f"| {kind} | {tried} | {row['refused']} | {row['accepted']} | {row['wrong']} |")
    print(
        f"| **all** | {total['tried']} | {total['refused']} | {total['accepted']} | "
        f"{total['wrong']} |"
    )
    for line in wrong:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
