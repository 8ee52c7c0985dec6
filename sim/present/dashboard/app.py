"""The dashboard page (Solara): levers in the sidebar; Run, Compare and Results tabs.

Started by ``omo dashboard`` (which passes its options in ``OMO_DASHBOARD_*`` environment
variables). Module-level reactive values are per browser session in Solara, so two
strategists on one server do not share levers or runs.

Why not Mesa's ``SolaraViz``: it rebuilds a model from keyword parameters and steps one
model; this workbench starts from scenario files, runs two strategies on the same seeds
through the study backends and opens finished results, so it uses Solara directly, with the
same idea SolaraViz offers Mesa users: play, stop, and redraw every N days.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.present.dashboard import charts, explore
from sim.present.dashboard import levers as lv
from sim.scenario.config import ConfigError, ScenarioConfig, load_scenario, with_overrides

#: Scenario files offered as presets: every YAML of this folder.
PRESETS_DIR = Path(os.environ.get("OMO_DASHBOARD_PRESETS", "configs"))
DEFAULT_SCENARIO = os.environ.get("OMO_DASHBOARD_SCENARIO", str(PRESETS_DIR / "baseline.yaml"))
DEFAULT_POPULATION = int(os.environ.get("OMO_DASHBOARD_POPULATION", "10000"))
DEFAULT_DAYS = int(os.environ.get("OMO_DASHBOARD_DAYS", "0")) or None
DEFAULT_RESULTS = os.environ.get("OMO_DASHBOARD_RESULTS", "")
WORKERS = int(os.environ.get("OMO_DASHBOARD_WORKERS", "2"))


def presets() -> list[str]:
    found = sorted(str(p) for p in PRESETS_DIR.glob("*.yaml"))
    return found if DEFAULT_SCENARIO in found else [DEFAULT_SCENARIO, *found]


def _load(path: str, population: int, days: int | None) -> ScenarioConfig:
    sets: dict[str, Any] = {"population.size": population}
    if days:
        sets["horizon_days"] = days
    return load_scenario(path, sets)


# ---- session state --------------------------------------------------------------------
scenario_path = solara.reactive(DEFAULT_SCENARIO)
population = solara.reactive(DEFAULT_POPULATION)
horizon = solara.reactive(DEFAULT_DAYS or 365)
seed = solara.reactive(0)
every = solara.reactive(30)
lever_values: solara.Reactive[dict[str, Any]] = solara.reactive({})
lever_source = solara.reactive("")  # the scenario (file, size, days) the levers were read from
schedule_text = solara.reactive("")
problem = solara.reactive("")

live_state: solara.Reactive[dict[str, Any]] = solara.reactive({})
journey_id = solara.reactive(0)
journey_rows = solara.reactive(None)

strategy_a: solara.Reactive[dict[str, Any] | None] = solara.reactive(None)
compare_seeds = solara.reactive(4)
compare_progress = solara.reactive(0.0)
compare_result = solara.reactive(None)

results_path = solara.reactive(DEFAULT_RESULTS)
results_kpi = solara.reactive("profit")

_live: dict[str, Any] = {}  # the session's LiveRun (not reactive: it is mutated in place)


def base_config() -> ScenarioConfig:
    """The chosen scenario at the chosen size and horizon, levers untouched."""
    return _load(scenario_path.value, population.value, horizon.value)


def strategy() -> tuple[ScenarioConfig, dict[str, Any]]:
    """The scenario with the levers as set, and the overrides that makes."""
    base = base_config()
    return lv.apply(base, lever_values.value, schedule_text.value)


def reset_levers() -> None:
    try:
        lever_values.set(lv.current_values(base_config()))
        problem.set("")
    except ConfigError as exc:
        problem.set("; ".join(exc.problems))


# ---- the run ---------------------------------------------------------------------------
@solara.lab.task(prefer_threaded=True)
def run_live() -> None:
    from sim.study.live import FUNNEL, LiveRun

    try:
        config, over = strategy()
    except ConfigError as exc:
        problem.set("; ".join(exc.problems))
        return
    problem.set("")
    live = LiveRun(config, seed.value)
    _live["run"] = live
    journey_rows.set(None)
    # What this run is: the levers it moved, and the stores its model has converted.
    this_run = {
        "overrides": over,
        "converted": live.stores_converted(),
        "stores": config.stores.count,
    }
    live_state.set({"day": 0, "horizon": live.horizon, "running": True, **this_run})
    # Built once per run; each redraw updates them in place and sends the pictures.
    daily = charts.DailyChart(live.horizon, config.population.currency)
    funnel = charts.FunnelChart(list(FUNNEL), config.population.size)
    while not live.done:
        if live.advance(max(1, every.value)) == 0:
            break  # stopped
        series = live.series()  # reads only the events logged since the last redraw
        live_state.set(
            {
                **this_run,
                "converted": live.stores_converted(),  # a schedule may convert more
                "day": live.days_done,
                "horizon": live.horizon,
                "running": not live.done,
                "daily_png": charts.png(daily.update(series)),
                "funnel_png": charts.png(funnel.update(live.funnel(series))),
                "drawn": time.monotonic(),
            }
        )
        if live._stop.is_set():
            break
    live_state.set({**live_state.value, "running": False})
    example = live.example_customer()
    if example is not None:
        journey_id.set(example)


def stop_live() -> None:
    live = _live.get("run")
    if live is not None:
        live.stop()


def show_journey() -> None:
    live = _live.get("run")
    if live is not None:
        journey_rows.set(live.journey(int(journey_id.value)))


# ---- the comparison ----------------------------------------------------------------------
@solara.lab.task(prefer_threaded=True)
def run_compare() -> None:
    from sim.study.backends import make_evaluator
    from sim.study.side_by_side import compare_strategies

    try:
        base = base_config()
        _, b = strategy()
        a = strategy_a.value if strategy_a.value is not None else {}
        with_overrides(base, a)
    except ConfigError as exc:
        problem.set("; ".join(exc.problems))
        return
    compare_progress.set(0.0)
    seeds = list(range(1000, 1000 + compare_seeds.value))
    with make_evaluator("local", WORKERS) as ev:
        result = compare_strategies(
            base, a, b, seeds, ev, on_run=lambda i, n: compare_progress.set(100 * i / n)
        )
    compare_result.set({"result": result, "a": a, "b": b, "base": base})


# ---- components --------------------------------------------------------------------------
def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower())


@solara.component
def LeverControl(lever: lv.Lever) -> None:
    values = lever_values.value
    value = values.get(lever.path)

    def set_value(v: Any) -> None:
        lever_values.set({**lever_values.value, lever.path: v})

    with solara.Div(classes=[f"omo-lever-{_slug(lever.path)}"]):
        if lever.path not in values or (value is None and not lever.optional):
            return
        if lever.kind == "subset":
            SubsetControl(lever, list(value), set_value)
        elif lever.optional and lever.kind == "switch":
            OptionalSwitch(lever, value, set_value)
        elif lever.optional:
            OptionalLevel(lever, value, set_value)
        elif lever.kind in ("int", "float"):
            Slider(lever, value, set_value)
        elif lever.kind == "choice":
            solara.Select(lever.label, values=list(lever.choices), value=value, on_value=set_value)
        else:
            solara.Switch(label=lever.label, value=bool(value), on_value=set_value)


def Slider(lever: lv.Lever, value: float, set_value: Any) -> None:
    slider, number = (solara.SliderInt, int) if lever.kind == "int" else (solara.SliderFloat, float)
    slider(
        f"{lever.label}: {lever.fmt.format(value)}", value=number(value),
        min=number(lever.low), max=number(lever.high), step=number(lever.step),
        on_value=set_value,
    )  # fmt: skip


def OptionalLevel(lever: lv.Lever, value: float | None, set_value: Any) -> None:
    """A switch (a level of its own, or the other stores') and, when on, its slider; turned
    on it starts at the top of the range: a conversion is an upgrade."""
    own = value is not None
    solara.Switch(
        label=f"{lever.label}: {'set here' if own else 'as the other stores'}",
        value=own,
        on_value=lambda on: set_value(lever.high if on else None),
    )
    if own:
        Slider(lever, value, set_value)


def SubsetControl(lever: lv.Lever, chosen: list[str], set_value: Any) -> None:
    """One switch per choice; the value keeps the choices' own order."""
    for choice in lever.choices:

        def toggle(on: bool, choice: str = choice) -> None:
            now = set(lever_values.value.get(lever.path) or [])
            now = now | {choice} if on else now - {choice}
            set_value([c for c in lever.choices if c in now])

        with solara.Div(classes=[f"omo-choice-{choice}"]):
            solara.Switch(label=f"{lever.label} {lever.choice_label(choice)}",
                          value=choice in chosen, on_value=toggle)  # fmt: skip


#: An optional switch's three settings (``None``: left to the other stores' setting).
OPTIONAL_SETTINGS = {"as the other stores": None, "yes": True, "no": False}


def OptionalSwitch(lever: lv.Lever, value: bool | None, set_value: Any) -> None:
    names = {v: k for k, v in OPTIONAL_SETTINGS.items()}
    solara.Select(lever.label, values=list(OPTIONAL_SETTINGS), value=names[value],
                  on_value=lambda name: set_value(OPTIONAL_SETTINGS[name]))  # fmt: skip


@solara.component
def Sidebar() -> None:
    solara.Select("Scenario", values=presets(), value=scenario_path)
    solara.InputText("…or a scenario file", value=scenario_path)
    solara.SliderInt(f"Consumers: {population.value:,}", value=population, min=1000,
                     max=100_000, step=1000)  # fmt: skip
    solara.SliderInt(f"Days: {horizon.value}", value=horizon, min=30, max=730, step=5)
    solara.InputInt("Seed", value=seed)
    solara.SliderInt(f"Redraw every {every.value} days", value=every, min=1, max=60)
    try:
        config = base_config()
    except ConfigError as exc:
        solara.Error("; ".join(exc.problems))
        return
    if lever_source.value != scenario_path.value:  # a new scenario: show its own values
        lever_source.set(scenario_path.value)
        lever_values.set(lv.current_values(config))
    solara.Markdown("**Levers**")
    group = ""
    for lever in lv.all_levers(config):
        if lever.group != group:
            if group == lv.CONVERSION:
                ConversionSummary(config)
            group = lever.group
            solara.Markdown(f"**{group}**")
        LeverControl(lever)
    if group == lv.CONVERSION:
        ConversionSummary(config)
    solara.InputTextArea(
        "Schedule of phases (YAML)",
        value=schedule_text,
        rows=3,
        placeholder="- {day: 120, set: {coupons.redeemable_in: everywhere}}",
    )
    solara.Button("Back to the scenario's values", on_click=reset_levers, text=True)


def ConversionSummary(config: ScenarioConfig) -> None:
    """How many stores the conversion levers convert from day 0, as set now."""
    try:
        text = lv.conversion_text(lv.apply(config, lever_values.value)[0])
    except ConfigError as exc:
        text = "; ".join(exc.problems)
    solara.Text(text, classes=["omo-conversion"], style={"font-size": "0.85em"})


@solara.component
def RunTab() -> None:
    state = live_state.value
    with solara.Row():
        solara.Button("Run", on_click=run_live, color="primary", classes=["omo-run"],
                      disabled=run_live.pending)  # fmt: skip
        solara.Button("Stop", on_click=stop_live, classes=["omo-stop"],
                      disabled=not run_live.pending)  # fmt: skip
    if run_live.error:
        solara.Error(f"the run failed: {run_live.exception}")
    if not state:
        solara.Info("Set the levers, then Run: the charts redraw as the days pass.")
        return
    pct = 100 * state["day"] / max(state["horizon"], 1)
    solara.ProgressLinear(pct if state.get("running") else False)
    solara.Text(
        f"simulated day {state['day']} of {state['horizon']}"
        + (" (running)" if state.get("running") else ""),
        classes=["omo-status"],
    )
    solara.Text(
        f"This run: {state['overrides'] or 'the scenario as it is'}; "
        f"{state['converted']:,} of {state['stores']:,} stores converted",
        classes=["omo-run-config"],
        style={"font-size": "0.85em"},
    )
    if "daily_png" not in state:
        return
    with solara.Div(classes=["omo-daily"]):
        solara.Image(state["daily_png"])
    with solara.Row():
        with solara.Div(classes=["omo-funnel"]):
            solara.Image(state["funnel_png"])
        with solara.Column():
            solara.Markdown("**One consumer's journey** (stop or finish, then pick a consumer)")
            solara.InputInt("Consumer id", value=journey_id)
            solara.Button("Show journey", on_click=show_journey, disabled=run_live.pending,
                          classes=["omo-journey"])  # fmt: skip
            if journey_rows.value is not None:
                solara.DataFrame(journey_rows.value, items_per_page=12)


def _money(x: float) -> str:
    return f"{x / 1e6:+,.2f}M" if abs(x) >= 1e5 else f"{x:+,.4g}"


def _number(x: float) -> str:
    return f"{x / 1e6:,.2f}M" if abs(x) >= 1e5 else f"{x:,.4g}"


@solara.component
def CompareTab() -> None:
    solara.Markdown(
        "Strategy **A** is a snapshot of the levers; strategy **B** is the levers as they are "
        "now. Both run on the same seeds; the difference B - A is paired seed by seed."
    )
    with solara.Row():
        solara.Button(
            "Use the levers as they are as A",
            on_click=lambda: strategy_a.set(_safe_overrides()),
            classes=["omo-snapshot"],
        )
        solara.SliderInt(f"Seeds: {compare_seeds.value}", value=compare_seeds, min=2, max=20)
    a = strategy_a.value
    solara.Text(f"A: {a if a else 'the scenario as it is'}", classes=["omo-strategy-a"])
    solara.Text(f"B: {_safe_overrides() or 'the scenario as it is'}", classes=["omo-strategy-b"])
    solara.Button("Run A and B on the same seeds", on_click=run_compare, color="primary",
                  disabled=run_compare.pending, classes=["omo-compare"])  # fmt: skip
    if run_compare.pending:
        solara.ProgressLinear(compare_progress.value or True)
    if run_compare.error:
        solara.Error(f"the comparison failed: {run_compare.exception}")
    done = compare_result.value
    if not done:
        return
    result = done["result"]
    row = result.table.set_index("kpi").loc["profit"]
    solara.Markdown(
        f"**Profit, paired difference B - A**: {_money(row['difference'])} {result.currency} "
        f"(95% interval {_money(row['ci_low'])} to {_money(row['ci_high'])}) over "
        f"{len(result.seeds)} seeds, in market money.",
        style={"font-size": "1.1em"},
    )
    solara.Text(
        f"Ran A: {done['a'] or 'the scenario as it is'}; B: {done['b'] or 'the scenario as it is'}",
        classes=["omo-compare-ran"],
        style={"font-size": "0.85em"},
    )
    table = result.table.copy()
    for col in ("A", "B", "difference", "ci_low", "ci_high"):
        table[col] = table[col].map(_number)
    with solara.Div(classes=["omo-paired"]):
        solara.DataFrame(table, items_per_page=10)
    pop = done["base"].population
    solara.FigureMatplotlib(
        charts.paired_figure(result.runs, "profit", pop.market_size / pop.size, result.currency),
        dependencies=[id(result)],
        format="png",
    )


def _safe_overrides() -> dict[str, Any]:
    try:
        return strategy()[1]
    except ConfigError:
        return {}


@solara.component
def ResultsTab() -> None:
    solara.InputText(
        "Result folder (omo compare, sweep, optimize or truth output)",
        value=results_path,
        classes=["omo-results-path"],
    )
    solara.InputText(
        "KPI for curves (truth: revenue or profit)", value=results_kpi, classes=["omo-results-kpi"]
    )
    if not results_path.value:
        solara.Info("Give the folder of a finished experiment, sweep, optimisation or truth run.")
        return
    try:
        opened = explore.open_result(results_path.value, results_kpi.value)
    except (ConfigError, OSError, ValueError, KeyError) as exc:
        text = "; ".join(exc.problems) if isinstance(exc, ConfigError) else str(exc)
        solara.Error(text)
        return
    with solara.Div(classes=["omo-results", f"omo-results-{opened.kind}"]):
        solara.Markdown(opened.markdown)
        for title, fig in opened.figures:
            solara.Markdown(f"**{title}**")
            with solara.Div(classes=["omo-result-figure"]):
                solara.FigureMatplotlib(
                    fig, dependencies=[results_path.value, results_kpi.value, title]
                )
        for title, table in opened.tables:
            solara.Markdown(f"**{title}**")
            with solara.Div(classes=["omo-result-table"]):
                solara.DataFrame(table, items_per_page=10)


@solara.component
def Page() -> None:
    solara.Title("omo-sim workbench")
    with solara.AppBar():
        solara.AppBarTitle("omo-sim workbench")
    with solara.Sidebar():
        Sidebar()
    if problem.value:
        solara.Error(problem.value, classes=["omo-problem"])
    with solara.lab.Tabs():
        with solara.lab.Tab("Run"):
            RunTab()
        with solara.lab.Tab("Compare"):
            CompareTab()
        with solara.lab.Tab("Results"):
            ResultsTab()
