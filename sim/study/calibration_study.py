"""The calibration's Optuna study on disk: where it lives, who may use it, how it resumes.

A study is an SQLite file next to the calibrated scenario (``<out>.study.db``). It is used by
one ``omo calibrate`` at a time (``<out>.study.db.lock``, held with ``flock``, which the
operating system releases when its holder dies, even by ``kill -9``). That makes resuming
safe: a trial still marked RUNNING when the next process opens the study was abandoned by a
killed process, so it is marked FAILED (failed trials do not count as finished; the search
runs that many more), and the warm start (the scenario's own values) is queued again until
it has been evaluated, so the search never ends worse than where it began.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.scenario.config import ConfigError

STUDY_NAME = "calibration"


def study_storage(out: str | Path) -> tuple[Path, str]:
    """``<out>.study.db`` and its SQLAlchemy URL."""
    db = Path(f"{out}.study.db")
    return db, f"sqlite:///{db.resolve()}"


def fingerprint(setup: dict[str, Any]) -> str:
    """A short hash of what makes two calibrations the same one."""
    text = json.dumps(setup, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextlib.contextmanager
def study_lock(db: Path) -> Iterator[None]:
    """Hold ``<db>.lock`` for the whole calibration: one process per study at a time.

    Raises:
        ConfigError: another process holds it.
    """
    with open(f"{db}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                [f"{db}: another omo calibrate is using this study; wait for it to finish"]
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_study(
    db: Path,
    url: str,
    setup: dict[str, Any],
    warm_start: dict[str, float],
    *,
    trials: int,
    fresh: bool,
    sampler_seed: int,
    sampler: str = "tpe",
    study_name: str = STUDY_NAME,
    x0: dict[str, float] | None = None,
    sigma0: float = 0.3,
    extra_starts: list[dict[str, float]] | None = None,
) -> tuple[Any, int]:
    """Create or resume the study (call under :func:`study_lock`).

    Args:
        sampler: ``tpe`` (Optuna's multivariate TPE) or ``cmaes`` (CMA-ES, searching the
            unit cube the bounds define, from ``x0`` with step ``sigma0``).
        study_name: one study per search stage in the same file.
        extra_starts: more points queued after the warm start (the best of a previous
            stage), each once.

    Returns:
        the study and the number of trials it already holds finished.

    Raises:
        ConfigError: the stored study was made for a different setup.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # Ctrl-C: no traceback
    storage = optuna.storages.RDBStorage(url)
    if fresh:
        with contextlib.suppress(KeyError):
            optuna.delete_study(study_name=study_name, storage=storage)
    done = _finished(optuna, storage, study_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)  # x0/sigma0: deprecated, kept until 6
        if sampler == "cmaes":
            chosen = optuna.samplers.CmaEsSampler(
                x0=x0, sigma0=sigma0, seed=sampler_seed + done, n_startup_trials=0
            )
        else:
            chosen = optuna.samplers.TPESampler(
                seed=sampler_seed + done,
                multivariate=True,
                n_startup_trials=max(5, min(10, trials // 5)),
            )
    study = optuna.create_study(
        study_name=study_name, storage=storage, sampler=chosen, load_if_exists=True
    )
    stored = study.user_attrs.get("fingerprint")
    if stored is None:
        study.set_user_attr("fingerprint", fingerprint(setup))
        study.set_user_attr("setup", json.loads(json.dumps(setup, default=str)))
    elif stored != fingerprint(setup):
        raise ConfigError(
            [
                f"{db}: holds a calibration of a different setup (scenario, targets, params or "
                "seeds changed); pass --fresh to start over, or choose another --out"
            ]
        )
    _fail_abandoned(optuna, study, storage)
    if not _warm_start_pending_or_done(optuna, study):
        study.enqueue_trial(warm_start, user_attrs={"warm_start": True})
        for point in extra_starts or []:
            study.enqueue_trial(point, user_attrs={"carried_over": True})
    return study, done


def _fail_abandoned(optuna: Any, study: Any, storage: Any) -> None:
    """Mark trials left RUNNING by a killed process as FAILED, so none stays running forever."""
    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    for trial in running:
        storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)


def _warm_start_pending_or_done(optuna: Any, study: Any) -> bool:
    """Whether the scenario's own values are queued or were evaluated (complete or pruned).

    Studies made before the warm start was tagged count their trial 0 as the warm start.
    """
    states = optuna.trial.TrialState
    for t in study.get_trials(deepcopy=False):
        warm = t.user_attrs.get("warm_start") or (
            t.number == 0 and "warm_start" not in t.user_attrs
        )
        if warm and t.state in (states.WAITING, states.COMPLETE, states.PRUNED):
            return True
    return False


def _finished(optuna: Any, storage: Any, study_name: str = STUDY_NAME) -> int:
    """Finished (complete or pruned) trials already stored; interrupted ones do not count."""
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        return 0
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))
