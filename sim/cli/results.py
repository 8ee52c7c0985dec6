"""``omo results``: summarise a sweep folder, or query it with SQL (DuckDB)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.scenario.config import ConfigError

#: Parameters with more distinct values than this are shown in quantile bins.
MAX_LEVELS = 6
BINS = 4
#: DuckDB column types shown in bins when they have many values (others: one row per value).
NUMERIC_TYPES = ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "TINYINT")

EPILOG = """\
views: design, kpis, failures, runs (design joined to kpis, with status), timeseries
(when kept). Parameter columns are named by config path: quote them in SQL.

examples:
  omo results runs/sweeps/coupon_value
  omo results runs/sweeps/coupon_value --kpis revenue,coupon_cost
  omo results runs/sweeps/coupon_value --sql \\
    'select "coupons.redeemable_in", avg(revenue) from runs group by 1'
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``omo results`` to the command line."""
    p = subparsers.add_parser(
        "results",
        help="summarise a sweep folder or query it with SQL",
        description="Runs ok/failed/missing and KPI means by parameter, through DuckDB; "
        "or any SQL over the views design, kpis, failures, runs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sweep_dir", help="a sweep folder written by `omo sweep`")
    p.add_argument(
        "--sql",
        help="run this query and print the result (it can read the sweep's own files only, "
        "and write none)",
    )
    p.add_argument("--kpis", help="comma-separated KPIs for the summary (default: first 4)")
    p.add_argument("--csv", action="store_true", help="print --sql results as CSV")
    p.set_defaults(handler=_results)


def _results(args: argparse.Namespace) -> int:
    import duckdb

    path = Path(args.sweep_dir)
    try:
        return _answer(args, path)
    except duckdb.Error as exc:
        raise ConfigError(
            [
                f"{path}: a file of the sweep cannot be read ({str(exc).splitlines()[0]}); "
                "run the same `omo sweep` command again: it sets damaged parts aside and "
                "redoes those runs"
            ]
        ) from None


def _answer(args: argparse.Namespace, path: Path) -> int:
    import duckdb

    from sim.study.results import connect

    con = connect(path)
    try:
        if args.sql:
            try:
                frame = con.execute(args.sql).df()
            except duckdb.Error as exc:
                raise ConfigError([f"--sql: {str(exc).splitlines()[0]}"]) from None
            print(
                frame.to_csv(index=False).rstrip("\n") if args.csv else frame.to_string(index=False)
            )
            return 0
        _summary(con, path, args.kpis)
    finally:
        con.close()
    return 0


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _summary(con: Any, path: Path, kpi_arg: str | None) -> None:
    import pandas as pd

    from sim.study.sweep.store import read_design_meta

    meta = read_design_meta(path)
    spec = meta["spec"]
    kpis = list(meta["kpis"])
    if kpi_arg:
        chosen = list(dict.fromkeys(k.strip() for k in kpi_arg.split(",") if k.strip()))
        unknown = [k for k in chosen if k not in kpis]
        if unknown:
            raise ConfigError(
                [f"--kpis: {', '.join(unknown)}: not kept by this sweep (kept: {', '.join(kpis)})"]
            )
        kpis = chosen
    else:
        kpis = kpis[:4]
    counts = dict(con.execute("select status, count(*) from runs group by 1").fetchall())
    total = sum(counts.values())
    d = spec["design"]
    print(
        f"{path}: sweep {spec['name']!r}, {d['kind']} design, {total} runs "
        f"({spec['replications']} replications, root seed {spec['root_seed']})"
    )
    print(
        f"  ok {counts.get('ok', 0)}  failed {counts.get('failed', 0)}  "
        f"missing {counts.get('missing', 0)}" + ("  [smoke]" if meta.get("smoke") else "")
    )
    engines = con.execute("select count(distinct engine) from kpis").fetchone()[0] or 0
    if engines > 1:
        print(
            f"  warning: finished runs come from {engines} versions of the simulator code "
            "(edited mid-sweep?); see: select engine, count(*) from kpis group by 1"
        )
    fails = con.execute("select run_id, error from failures order by run_id limit 5").fetchall()
    for run_id, error in fails:
        print(f"  failed {run_id}: {error}")
    if not counts.get("ok"):
        return
    means = ", ".join(f"avg({_q(k)}) as {_q(k)}" for k in kpis)
    overall = con.execute(f"select count(*) as n, {means} from runs where status = 'ok'").df()
    print("\nKPI means, all finished runs:")
    overall.index = ["all"]
    print(_fmt(overall))
    pd.set_option("display.width", 160)
    for param in spec["parameters"]:
        col = _q(param)
        distinct = con.execute(f"select count(distinct {col}) from runs").fetchone()[0]
        kind = con.execute(f"select typeof({col}) from design limit 1").fetchone()[0]
        numeric = kind in NUMERIC_TYPES
        label = (
            f"printf('%.4g', {col})" if kind in ("DOUBLE", "FLOAT") else f"cast({col} as varchar)"
        )
        if distinct <= MAX_LEVELS or not numeric:
            query = (
                f"select {label} as level, count(*) as n, {means} from runs "
                f"where status = 'ok' group by {col} order by {col}"
            )
        else:
            query = (
                f"select printf('%.4g..%.4g', min({col})::double, max({col})::double) "
                "as level, count(*) as n, "
                f"{means} from (select *, ntile({BINS}) over (order by {col}) as bin "
                f"from runs where status = 'ok') group by bin order by bin"
            )
        frame = con.execute(query).df().set_index("level")
        frame.index.name = param
        print(f"\nKPI means by {param}:")
        print(_fmt(frame))
    if d["kind"] in ("sobol", "morris"):
        _sensitivity(path, kpis)


#: Index columns shown per method (SALib's names), and what they mean.
_INDEX_COLUMNS = {
    "sobol": (["S1", "S1_conf", "ST", "ST_conf"], "first-order S1 and total ST, +- 95% conf"),
    "morris": (["mu_star", "mu_star_conf", "sigma"], "mu* (mean |effect|) +- 95% conf, sigma"),
}


def _sensitivity(path: Path, kpis: list[str]) -> None:
    """Sobol or Morris indices per KPI and parameter, as :func:`sensitivity.indices` gives."""
    from sim.study import results
    from sim.study.sweep import sensitivity as sa

    idx = sa.indices(results.load(path), kpis)
    method = idx.attrs["method"]
    columns, meaning = _INDEX_COLUMNS[method]
    print(f"\nSensitivity ({method.capitalize()}: {meaning}):")
    if len(idx):
        table = idx.set_index(["kpi", "parameter"])[columns]
        print(table.to_string(float_format=lambda v: f"{v:.3g}"))
    for kpi, why in idx.attrs["skipped"].items():
        print(f"  {kpi}: no indices ({why})")


def _fmt(frame: Any) -> str:
    from sim.present.numbers import plain

    return frame.to_string(float_format=plain)
