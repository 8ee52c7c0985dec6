"""Print how ``omo`` handles malformed input: tried / refused / accepted / wrong, per kind.

Run from the repository root: ``python -m tests.fuzz_report`` judges the same seeded cases
as the test suite; ``python -m tests.fuzz_report 3`` three times as many per kind. The
README's fuzzing table is this script's output; wrong cases, if any, go to stderr.
"""

from __future__ import annotations

import sys

from tests.fuzzing import COUNTS, STRATEGIES, run_kind


def run(scale: int = 1) -> None:
    """Judge every case of every kind; print one table row per kind and the total."""
    wrong = [line for kind in STRATEGIES for line in run_kind(kind, scale)]
    print("| input | tried | refused (exit 2) | accepted (exit 0/1, sane) | wrong |")
    print("|---|---:|---:|---:|---:|")
    total = {"tried": 0, "refused": 0, "accepted": 0, "wrong": 0}
    for kind, counts in COUNTS.items():
        row = {"tried": sum(counts.values())}
        row |= {k: counts.get(k, 0) for k in ("refused", "accepted", "wrong")}
        total = {k: total[k] + row[k] for k in total}
        print(
            f"| {kind} | {row['tried']} | {row['refused']} | {row['accepted']} | {row['wrong']} |"
        )
    print(
        f"| **all** | {total['tried']} | {total['refused']} | {total['accepted']} | "
        f"{total['wrong']} |"
    )
    for line in wrong:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
