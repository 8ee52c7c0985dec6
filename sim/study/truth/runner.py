"""Rounds of seeds over every arm until the precision rule is met or a limit is hit.

Like AMSS's ROAS estimation, replication continues until the effects are known to a
stated precision. Round one runs ``min_seeds`` seeds in every arm; each later round adds
``seeds_per_round`` seeds; after each round the headline effects are checked
(:func:`~sim.study.truth.estimates.precision_check`). The run stops at the first of:
the rule met (``precision``), ``max_seeds`` reached (``seed limit``), or ``time_limit_s``
passed before a new round (``time limit``).

Each finished run's values are saved as it arrives in a work folder
(:class:`sim.io.parts.PartsFolder`, the same store ``omo compare`` resumes from); runs saved
by an interrupted call with the same config, seed and simulator code are not run again.
Seeds are fixed in advance, so a resumed call reaches the same rounds with the same
numbers (only the time limit depends on the clock).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io.parts import PartsFolder
from sim.scenario.config import ScenarioConfig
from sim.study.backends import (
    Evaluator,
    engine_fingerprint,
    make_evaluator,
    progress_bar,
    require_ok,
)
from sim.study.truth.estimates import estimate, keys_of, precision_check, vector
from sim.study.truth.spec import Arm, TruthSettings, build_arms, families_off_in_base

#: The worker's summariser for each time grain (see :mod:`sim.study.truth.summary`).
SUMMARISERS = {
    "week": "sim.study.truth.summary:summarise",
    "day": "sim.study.truth.summary:summarise_daily",
}


@dataclass
class TruthResult:
    """Everything ``omo truth`` measured: effects, the rule's verdict and the runs."""

    base: ScenarioConfig
    settings: TruthSettings
    arms: list[Arm]
    players: list[str]
    seeds: list[int]
    effects: pd.DataFrame
    precision: pd.DataFrame
    stopped_by: str
    runs: pd.DataFrame
    families_off: list[str]
    wall_time_s: float
    workers: int
    ran: int = 0
    reused: int = 0
    sampled_orders: int | None = None
    rounds: list[dict[str, Any]] = field(default_factory=list)
    #: The base arm's values per seed (weekly panels are built from them).
    base_values: dict[int, dict[str, float]] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return self.base.population.currency


def _run_id(config_hash: str, seed: int) -> str:
    return f"{config_hash}-seed{seed}"


def run_truth(
    base: ScenarioConfig,
    s: TruthSettings,
    *,
    evaluator: Evaluator | None = None,
    workers: int | None = None,
    work: str | Path | None = None,
    progress: bool | None = None,
) -> TruthResult:
    """Run the arms in rounds of seeds and estimate every effect (see the module docstring).

    Args:
        base: the scenario whose truth is measured.
        s: precision rule and limits.
        evaluator: an entered backend (default: a local pool of ``workers``).
        workers: local processes when no evaluator is given (1: in this process).
        work: folder of finished runs, for resuming.
        progress: progress bar on stderr (default: when stderr is a terminal).

    Raises:
        RunFailed: a run failed in the simulator (finished runs stay in ``work``).
    """
    if progress is None:
        progress = sys.stderr.isatty()
    arms, players, orders = build_arms(base, s)
    hashes = {a.name: a.config.config_hash() for a in arms}
    parts = PartsFolder(work) if work is not None else None
    engine = engine_fingerprint()
    summariser = SUMMARISERS[s.grain]
    done: dict[tuple[str, int], dict[str, float]] = {}
    if parts is not None:
        for rec in parts.load().values():
            same = rec.get("summarise", SUMMARISERS["week"]) == summariser
            if rec.get("engine") == engine and "values" in rec and same:
                done[rec["config_hash"], rec["seed"]] = rec["values"]
    reused = len(done)
    ran = 0
    started = time.perf_counter()
    own = evaluator is None
    ev = make_evaluator("local", workers) if own else evaluator
    seeds: list[int] = []
    rounds: list[dict[str, Any]] = []
    stopped_by = "seed limit"
    effects = pd.DataFrame()
    check = pd.DataFrame()
    try:
        if own:
            ev.__enter__()
        while True:
            want = s.min_seeds if not seeds else min(s.max_seeds, len(seeds) + s.seeds_per_round)
            seeds = [s.root_seed + r for r in range(want)]
            jobs, key_of = [], {}
            for seed in seeds:
                for a in arms:
                    k = (hashes[a.name], seed)
                    if k in done or _run_id(*k) in key_of:
                        continue
                    key_of[_run_id(*k)] = k
                    jobs.append(
                        {
                            "run_id": _run_id(*k),
                            "config": a.config.to_dict(),
                            "seed": seed,
                            "summarise": summariser,
                        }
                    )
            total = len({(h, seed) for h in hashes.values() for seed in seeds})
            with progress_bar(
                total, f"truth {len(seeds)} seeds", progress, total - len(jobs)
            ) as bar:
                for outcome in ev.evaluate(jobs):
                    k = key_of[outcome["run_id"]]
                    values = require_ok(outcome)["summary"]
                    record = {
                        "config_hash": k[0],
                        "seed": k[1],
                        "engine": outcome["engine"],
                        "summarise": summariser,
                    }
                    record["values"] = json.loads(json.dumps(values))
                    if parts is not None:
                        parts.put(outcome["run_id"], record)
                    done[k] = record["values"]
                    ran += 1
                    bar.update(1)
            effects, check, keys = _estimate(s, arms, players, orders, hashes, done, seeds)
            elapsed = time.perf_counter() - started
            rounds.append(
                {"seeds": len(seeds), "met": int(check.met.sum()), "of": len(check), "s": elapsed}
            )
            if bool(check.met.all()):
                stopped_by = "precision"
                break
            if len(seeds) >= s.max_seeds:
                stopped_by = "seed limit"
                break
            if elapsed >= s.time_limit_s:
                stopped_by = "time limit"
                break
    finally:
        if own:
            ev.close()
    runs = _runs_table(arms, hashes, done, seeds)
    return TruthResult(
        base=base,
        settings=s,
        arms=arms,
        players=players,
        seeds=seeds,
        effects=effects,
        precision=check,
        stopped_by=stopped_by,
        runs=runs,
        families_off=families_off_in_base(base),
        wall_time_s=round(time.perf_counter() - started, 3),
        workers=ev.workers,
        ran=ran,
        reused=reused,
        sampled_orders=len(orders) if orders is not None else None,
        rounds=rounds,
        base_values={seed: done[hashes["base"], seed] for seed in seeds},
    )


def _estimate(
    s: TruthSettings,
    arms: list[Arm],
    players: list[str],
    orders: Any,
    hashes: dict[str, str],
    done: dict[tuple[str, int], dict[str, float]],
    seeds: list[int],
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    records = [done[hashes[a.name], seed] for a in arms for seed in seeds]
    keys = keys_of(records)
    values = {
        a.name: {seed: vector(done[hashes[a.name], seed], keys) for seed in seeds} for a in arms
    }
    effects = estimate(arms, players, values, keys, seeds, orders)
    return effects, precision_check(effects, s.precision, s.floor_share), keys


def _runs_table(
    arms: list[Arm],
    hashes: dict[str, str],
    done: dict[tuple[str, int], dict[str, float]],
    seeds: list[int],
) -> pd.DataFrame:
    """One row per arm x seed with its total-scope values (market units)."""
    rows = []
    for a in arms:
        for seed in seeds:
            vals = done[hashes[a.name], seed]
            rows.append(
                {
                    "arm": a.name,
                    "kind": a.kind,
                    "player": a.player,
                    "seed": seed,
                    "config_hash": hashes[a.name],
                    **{k.split("|")[2]: v for k, v in vals.items() if k.startswith("total|")},
                }
            )
    return pd.DataFrame(rows).fillna(0.0)
