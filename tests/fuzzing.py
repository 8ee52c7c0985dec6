"""Malformed input for every file and option ``omo`` reads, and the verdict on each case.

Each input starts from a small valid example (a scenario, an experiment, a sweep, a
targets file, a params file, a ``--set`` option) and is broken the way people and attackers
break files: a field set to a boolean, a huge or negative number, infinity, NaN, text, a
list or a mapping; a field deleted; an unknown key added; or the whole file replaced by
hostile YAML (alias bombs, repeated keys, deep nesting, non-UTF-8 bytes, truncation).
Paths come from the valid example itself, so every field of the schema is reachable.

:func:`judge` runs the command in this process (``sim.cli.main.main``) in a fresh folder
and sorts the outcome into

* ``refused``: exit 2, every stderr line an ``error:`` (or argparse usage) line, one of
  them naming the broken field (or the file, for whole-file attacks), and nothing written;
* ``accepted``: exit 0 (1 for ``check``/``calibrate``: a verdict, not an error) and the
  outputs are sane (a complete run folder with finite numbers, a parseable report...);
* ``wrong``: anything else (a traceback, an escaped exception, a half-written output,
  nonsense accepted). The tests require zero of these; ``python -m tests.fuzz_report``
  prints the counts.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.scenario.config import ScenarioConfig, from_dict, with_overrides

ROOT = Path(__file__).resolve().parents[1]

#: Outcome counts per kind of input, filled by :func:`judge` (read by the report script).
COUNTS: dict[str, Counter[str]] = {}


def tiny_scenario() -> dict[str, Any]:
    """A valid scenario small enough that an accepted case runs in a few hundredths of a s."""
    config = with_overrides(
        ScenarioConfig(name="tiny"),
        {
            "population.size": 150,
            "horizon_days": 8,
            "schedule": [{"day": 3, "set": {"coupons.value": 5}}],
        },
    )
    return config.to_dict()


#: Stands for the scenario file's path in experiments and sweeps (known only per case).
SCENARIO = "@SCENARIO@"


def tiny_experiment() -> dict[str, Any]:
    return {
        "name": "fuzz",
        "base": SCENARIO,
        "set": {"coupons.value": 10},
        "arms": {"a": {"set": {"coupons.redeemable_in": "online"}}, "b": {}},
        "kpis": ["revenue", "customers"],
        "replications": 2,
        "root_seed": 1,
        "suggest": {"revenue": 100.0},
    }


def tiny_sweep() -> dict[str, Any]:
    return {
        "name": "fuzz",
        "base": SCENARIO,
        "set": {"coupons.threshold": 0},
        "parameters": {
            "coupons.value": {"lower": 5, "upper": 40},
            "coupons.redeemable_in": {"levels": ["online", "everywhere"]},
        },
        "design": {"kind": "grid", "grid_points": 3},
        "replications": 2,
        "root_seed": 3,
        "kpis": ["revenue", "coupon_cost"],
    }


def tiny_targets() -> dict[str, Any]:
    return {
        "levels": {
            "omnichannel_customer_share": {
                "value": 0.2,
                "tolerance": 0.5,
                "source": "s",
                "definition": "d",
            }
        }
    }


def tiny_params() -> dict[str, Any]:
    return {
        "parameters": [{"path": "coupons.value", "low": 5.0, "high": 30.0, "log": False}],
        "weights": {"omnichannel_customer_share": 1.0},
    }


# ---- strategies ---------------------------------------------------------------------------
NASTY = [
    True, False, None, 0, -1, 1, 2, 2**31, 2**63, 2**64, 10**30, -(10**9), -1e-9, 0.5, 1.5,
    1e308, math.inf, -math.inf, math.nan, "", "abc", "1e5", "0x10", "yes", "../../x", "$\\x$",
    "\u00e9\u4e2d", "x" * 5000, [], [1, 2], {}, {"a": 1}, [[[[[]]]]],
]  # fmt: skip

nasty_values = st.one_of(
    st.sampled_from(NASTY),
    st.integers(-5, 120),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.text(max_size=12),
)


def plausible(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same type near the valid one, so that some cases pass and their outputs
    get judged too (a fuzzer whose every case is refused tests only the refusals)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(0, max(2 * value, 3))
    if isinstance(value, float):
        return st.floats(0.0, max(2.0 * value, 1.0))
    if isinstance(value, str):
        return st.sampled_from([value, value.upper(), "online", "store", "everywhere", "pooled"])
    return nasty_values


def leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in nested dicts and lists (mappings and lists included)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += leaf_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += leaf_paths(value, (*prefix, i))
    return out


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


@dataclass
class Case:
    """One broken input: the file bytes (or ``--set`` text) and the fields it broke."""

    kind: str
    content: bytes
    fields: list[str]  # names one of which a refusal must mention
    whole_file: bool = False


@st.composite
def mutated(draw: Any, kind: str, valid: dict[str, Any]) -> Case:
    """A valid document with one to three fields broken, or a hostile whole file."""
    if draw(st.integers(0, 9)) == 0:
        return Case(kind, draw(hostile_files), [], whole_file=True)
    data = json.loads(json.dumps(valid))
    fields: list[str] = []
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        paths = leaf_paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        how = draw(st.sampled_from(["set", "set", "set", "delete", "unknown"]))
        if how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif how == "unknown" and isinstance(parent, dict):
            unknown = draw(st.sampled_from(["colour", "sizee", "on", "1"]))
            parent[unknown] = 1
            fields.append(unknown)
        else:
            current = parent[path[-1]]
            near = draw(st.booleans())
            parent[path[-1]] = draw(plausible(current) if near else nasty_values)
        fields += [str(k) for k in path if not isinstance(k, int)]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return Case(kind, text.encode("utf-8"), fields)


BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    + ["name: *i"]
).encode()

hostile_files = st.one_of(
    st.sampled_from(
        [
            BOMB,
            b"name: a\nname: b\n",
            b"name: " + b"[" * 3000 + b"]" * 3000,
            "name: caf\u00e9\n".encode("latin-1"),
            b"\xff\xfe\x00n\x00a",
            b"",
            b"- just\n- a list\n",
            b"name: [unclosed\n",
            b"\tname: tab\n",
            b"!!python/object/apply:os.system ['echo hi']\n",
            b"name: &x [*x]\n",
            b"42\n",
        ]
    ),
    st.binary(max_size=60),
)

set_paths = st.one_of(
    st.sampled_from([".".join(map(str, p)) for p in leaf_paths(tiny_scenario())]),
    st.text(max_size=15),
)
set_values = st.one_of(
    st.sampled_from([json.dumps(v) if not isinstance(v, str) else v for v in NASTY[:30]]),
    st.sampled_from(["{stores: {count: 5}}", ".inf", ".nan", "[1, 2", "&a [*a]", "true"]),
    st.sampled_from(["0", "1", "0.3", "5", "online", "pooled", "false"]),
    st.text(max_size=20),
)


@st.composite
def set_options(draw: Any) -> Case:
    path = draw(set_paths)
    text = f"{path}={draw(set_values)}"
    fields = ["--set", *(p for p in path.split(".") if p)]
    return Case("--set", text.encode("utf-8", "surrogatepass"), fields)


# ---- running and judging ------------------------------------------------------------------
def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


#: Bounds on one case: a hang or a memory blow-up becomes a "wrong" verdict, not a stuck suite.
CASE_SECONDS = 60
CASE_EXTRA_BYTES = 3 * 2**30


def _virtual_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def _bounded() -> Any:
    """Raise TimeoutError after CASE_SECONDS and MemoryError beyond CASE_EXTRA_BYTES more
    address space than the process holds now (Linux; elsewhere unbounded)."""
    import resource
    import signal

    def timeout(signum: int, frame: Any) -> None:
        raise TimeoutError(f"case ran over {CASE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(CASE_SECONDS)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    size = _virtual_size()
    if size:
        cap = size + CASE_EXTRA_BYTES
        hard = limits[1]
        resource.setrlimit(
            resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard)
        )
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, limits)


def _call(argv: list[str]) -> tuple[int | str, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with _bounded(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: int | str = main(argv)
        except SystemExit as exc:  # argparse refuses an option
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - an escaped exception is what we look for
            code = "exception: " + traceback.format_exc(limit=3)
    return code, out.getvalue(), err.getvalue()


def _finite_json(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite_json(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite_json(v) for v in value)
    return True


def _sane_run(folder: Path) -> str | None:
    from sim.io.runs import load_run

    run = load_run(folder)
    if not all(v is None or math.isfinite(v) for v in run["kpis"].values()):
        return "non-finite KPI"
    config = from_dict(run["manifest"]["config"])
    if config.config_hash() != run["manifest"]["config_hash"]:
        return "manifest hash does not match its config"
    if (run["kpis"].get("revenue") or 0) < 0:
        return "negative revenue"
    return None


def _sane_results(folder: Path) -> str | None:
    import pandas as pd

    runs = pd.read_csv(folder / "runs.csv")
    numbers = runs.select_dtypes("number").to_numpy(dtype=float)
    if (abs(numbers) == math.inf).any():
        return "infinite value in runs.csv"
    meta = json.loads((folder / "manifest.json").read_text())
    if len(runs) != len(meta["arms"]) * meta["replications"]:
        return "runs.csv does not hold arms x replications rows"
    return None if (folder / "report.html").stat().st_size else "empty report"


def _sane_check(stdout: str) -> str | None:
    report = json.loads(stdout)
    judged = len(report["levels"]) + len(report["effects"])
    return None if judged and isinstance(report["passed"], bool) else "check judged nothing"


def _sane_calibration(out: Path) -> str | None:
    from sim.scenario.config import load_scenario

    load_scenario(out)
    return None if (out.parent / f"{out.stem}_fit" / "fit.md").exists() else "no fit report"


@dataclass
class Command:
    """How one kind of input is fed to omo, and how its accepted outputs are judged."""

    argv: Callable[[Path, Path], list[str]]  # (input file, work folder) -> arguments
    accept: tuple[int, ...]
    sane: Callable[[Path, str], str | None]  # (work folder, stdout) -> problem or None


def _write_inputs(work: Path) -> dict[str, Path]:
    scenario = work / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(tiny_scenario(), sort_keys=False))
    targets = work / "targets.yaml"
    targets.write_text(yaml.safe_dump(tiny_targets(), sort_keys=False))
    params = work / "params.yaml"
    params.write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    return {"scenario": scenario, "targets": targets, "params": params}


COMMANDS: dict[str, Command] = {
    "scenario": Command(
        lambda f, w: ["run", str(f), "--out", str(w / "out"), "--quiet"],
        (0,),
        lambda w, _: _sane_run(w / "out"),
    ),
    "--set": Command(
        lambda f, w: ["run", str(w / "scenario.yaml"), "--out", str(w / "out"), "--quiet"],
        (0,),
        lambda w, _: _sane_run(w / "out"),
    ),
    "experiment": Command(
        lambda f, w: ["compare", str(f), "--out", str(w / "out"), "--workers", "1", "--quiet"],
        (0,),
        lambda w, _: _sane_results(w / "out"),
    ),
    "sweep": Command(
        lambda f, w: ["sweep", str(f), "--out", str(w / "out"), "--dry-run"],
        (0,),
        lambda w, out: None if "runs" in out else "dry run printed no design",
    ),
    "targets": Command(
        lambda f, w: [
            "check",
            str(w / "scenario.yaml"),
            "--targets",
            str(f),
            "--replications",
            "2",
            "--workers",
            "1",
            "--json",
        ],  # fmt: skip
        (0, 1),
        lambda w, out: _sane_check(out),
    ),
    "params": Command(
        lambda f, w: [
            "calibrate",
            str(w / "scenario.yaml"),
            "--targets",
            str(w / "targets.yaml"),
            "--params",
            str(f),
            "--trials",
            "1",
            "--seeds",
            "1",
            "--check-replications",
            "1",
            "--workers",
            "1",
            "--out",
            str(w / "out" / "cal.yaml"),
        ],  # fmt: skip
        (0, 1),
        lambda w, _: _sane_calibration(w / "out" / "cal.yaml"),
    ),
}


def judge(case: Case) -> tuple[str, str]:
    """Run one case in a fresh folder; return (outcome, detail) and count the outcome."""
    command = COMMANDS[case.kind]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inputs = _write_inputs(work)
        target = work / "input.yaml"
        argv_extra: list[str] = []
        if case.kind == "--set":
            argv_extra = ["--set", case.content.decode("utf-8", "surrogatepass")]
        else:
            target.write_bytes(case.content.replace(SCENARIO.encode(), bytes(inputs["scenario"])))
        argv = command.argv(target, work) + argv_extra
        before = _snapshot(work)
        code, stdout, stderr = _call(argv)
        outcome, detail = _verdict(case, command, work, before, code, stdout, stderr, target)
    COUNTS.setdefault(case.kind, Counter())[outcome] += 1
    return outcome, detail


def _verdict(
    case: Case,
    command: Command,
    work: Path,
    before: set[str],
    code: int | str,
    stdout: str,
    stderr: str,
    target: Path,
) -> tuple[str, str]:
    if isinstance(code, str) or "Traceback" in stderr:
        return "wrong", f"{code}\n{stderr[-2000:]}"
    if code == 2:
        written = _snapshot(work) - before
        if written:
            return "wrong", f"refused but wrote {sorted(written)}"
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        if not lines:
            return "wrong", "exit 2 without a message"
        if case.whole_file:
            named = str(target) in stderr or "usage:" in stderr
        else:
            named = any(f in stderr for f in case.fields) or not case.fields
        return ("refused", "") if named else ("wrong", f"message names no field: {stderr}")
    if code in command.accept:
        try:
            problem = command.sane(work, stdout)
        except Exception as exc:  # noqa: BLE001 - unreadable output is the finding
            problem = f"outputs unreadable: {exc!r}"
        return ("wrong", problem) if problem else ("accepted", "")
    return "wrong", f"exit {code}: {stderr[-1000:]}"


#: The generator of each kind of input, from its valid example.
STRATEGIES = {
    "scenario": mutated("scenario", tiny_scenario()),
    "--set": set_options(),
    "experiment": mutated("experiment", tiny_experiment()),
    "sweep": mutated("sweep", tiny_sweep()),
    "targets": mutated("targets", tiny_targets()),
    "params": mutated("params", tiny_params()),
}

#: Cases per kind in the test suite (and by default in the report): enough to reach every
#: field of the small examples several times, few enough for about a minute in total.
EXAMPLES = {
    "scenario": 100,
    "--set": 60,
    "experiment": 25,
    "sweep": 40,
    "targets": 25,
    "params": 15,
}


def run_kind(kind: str, scale: int = 1) -> list[str]:
    """Judge ``EXAMPLES[kind] * scale`` seeded cases of one kind; return the wrong ones.

    The test suite and ``python -m tests.fuzz_report`` both call this, so they judge the
    very same cases (hypothesis derives the seed from this function).
    """
    wrong: list[str] = []

    @settings(
        max_examples=EXAMPLES[kind] * scale,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(STRATEGIES[kind])
    def one(case: Case) -> None:
        outcome, detail = judge(case)
        if outcome == "wrong":
            wrong.append(f"{case.kind}: {case.content[:300]!r}\n  {detail}")

    one()
    return wrong
