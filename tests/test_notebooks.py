"""The notebooks run top to bottom, with their own parameters, within a minute each.

They are executed with nbclient in a throwaway copy, from a temporary working directory,
with the repository root passed as the ``ROOT`` parameter (a cell injected after the one
tagged ``parameters``, as papermill does). The kernel is this interpreter: a kernelspec
written to a temporary ``JUPYTER_PATH`` runs ``sys.executable -m ipykernel_launcher``, so
the test needs only what ``pip install -e .[dev]`` installs, and never picks up another
Python's kernel that happens to be installed on the machine.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "omo-sim-tests"
TIMEOUT_S = 60


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernelspec for this interpreter, found first through a temporary JUPYTER_PATH."""
    jupyter_path = tmp_path_factory.mktemp("jupyter")
    spec = jupyter_path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "omo-sim tests",
                "language": "python",
                # Inline figures even when the test run exports MPLBACKEND=Agg.
                "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
            }
        )
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(jupyter_path))
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        yield KERNEL


def _inject(nb: nbformat.NotebookNode, **params) -> None:
    """Add a cell setting ``params`` right after the cell tagged ``parameters``."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged, "the notebook needs a code cell tagged 'parameters'"
    lines = [f"{name} = {value!r}" for name, value in params.items()]
    nb.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell("\n".join(lines)))


def _execute(name: str, kernel: str, cwd: Path) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    _inject(nb, ROOT=str(ROOT))
    started = time.perf_counter()
    NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=kernel,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    return nb, time.perf_counter() - started


def _outputs(nb: nbformat.NotebookNode, kind: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if kind in o]


@pytest.mark.parametrize("name", ["01_explore_a_run.ipynb", "02_compare_strategies.ipynb"])
def test_notebook_is_committed_without_outputs(name: str):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)


def test_explore_a_run_notebook_runs(kernel_name: str, tmp_path: Path):
    nb, seconds = _execute("01_explore_a_run.ipynb", kernel_name, tmp_path)
    assert seconds < TIMEOUT_S  # a failing cell has already raised CellExecutionError
    # Funnel, flows, time series and revenue: at least four figures.
    images = [o for o in _outputs(nb, "data") if "image/png" in o["data"]]
    assert len(images) >= 4
    text = "".join(o.get("text", "") for o in _outputs(nb, "text"))
    for who in ("referred customer", "store-only customer", "lapsed customer"):
        assert who in text
    assert not list(tmp_path.iterdir())  # nothing written to the working directory


def test_compare_strategies_notebook_runs(kernel_name: str, tmp_path: Path):
    nb, seconds = _execute("02_compare_strategies.ipynb", kernel_name, tmp_path)
    assert seconds < TIMEOUT_S
    tables = [o["data"]["text/plain"] for o in _outputs(nb, "data") if "text/plain" in o["data"]]
    assert any("clear" in t and "95% interval" in t for t in tables)  # the summary table
    images = [o for o in _outputs(nb, "data") if "image/png" in o["data"]]
    assert len(images) >= 4  # forest plot, two time-series bands, channel bars, pairing gain
    assert not list(tmp_path.iterdir())
