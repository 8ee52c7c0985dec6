"""Convergence of calibrations side by side: best loss so far against trials and wall time.

    python calibration/convergence.py --targets targets/omo_report_2025.yaml \
        --targets targets/omo_report_2025_cases.yaml --params calibration/params_cases.yaml \
        --out docs/calibration_convergence.png TPE=runs/cal/tpe.yaml CMA-ES=runs/cal/cmaes.yaml

Each LABEL=OUT names a calibration's output (its study is OUT.study.db, every stage). Losses are
recomputed from each trial's stored target means with the tolerance loss, so searches run with
different losses (tolerance, msm) are compared on one scale; a trial's "targets within
tolerance" is counted on the search's own seeds and population.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path


def trials(out: str, targets, weights) -> list[dict]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = f"sqlite:///{Path(out + '.study.db').resolve()}"
    rows = []
    for summary in sorted(optuna.get_all_study_summaries(storage), key=lambda s: s.study_name):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
            means = t.user_attrs.get("means", {})
            loss, passed, counted = 0.0, 0, 0
            for name, target in targets.all().items():
                if float(weights.get(name, 1.0)) == 0:
                    continue
                counted += 1
                m = means.get(name)
                if m is None or math.isnan(m):
                    loss += 1e4
                    continue
                miss = (m - target.value) / target.allowed
                loss += miss * miss
                passed += abs(miss) <= 1
            rows.append(
                {"stage": summary.study_name, "end": t.datetime_complete, "loss": loss,
                 "passed": passed, "of": counted}
            )  # fmt: skip
    rows.sort(key=lambda r: r["end"])
    return rows


def main() -> None:
    from sim.measure.targets import load_target_files
    from sim.scenario.config import read_yaml

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("runs", nargs="+", metavar="LABEL=OUT")
    p.add_argument("--targets", action="append", required=True)
    p.add_argument("--params", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    targets = load_target_files(args.targets)
    weights = (read_yaml(args.params) or {}).get("weights") or {}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), dpi=110)
    for item in args.runs:
        label, _, out = item.partition("=")
        rows = trials(out, targets, weights)
        if not rows:
            continue
        t0 = rows[0]["end"]
        best, run, best_row = [], math.inf, None
        for r in rows:
            if r["loss"] < run:
                run, best_row = r["loss"], r
            best.append(run)
        minutes = [(r["end"] - t0).total_seconds() / 60 for r in rows]
        ax1.step(range(1, len(rows) + 1), best, where="post", label=label)
        ax2.step(minutes, best, where="post", label=label)
        print(
            f"{label}: {len(rows)} trials in {minutes[-1]:.0f} min after the first; best "
            f"tolerance loss {run:.4g} with {best_row['passed']}/{best_row['of']} searched "
            "targets within tolerance (search seeds)"
        )
    for ax, xlabel in ((ax1, "trial"), (ax2, "minutes after the first trial")):
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("best tolerance loss so far")
        ax.legend()
    fig.suptitle("Calibration from schema defaults: best loss so far")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
