"""Dask backend: a cluster omo starts is private (TLS, no HTTP routes); a bad
``--scheduler`` fails fast with exit 2."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

import sim.study.backends.dask as dask_backend
from sim.cli.main import main
from sim.study.backends.dask import DaskEvaluator


@pytest.fixture(scope="module")
def cluster():
    with DaskEvaluator(workers=1) as ev:
        yield ev


@pytest.mark.slow
def test_the_cluster_speaks_tls_only(cluster):
    assert cluster.cluster.scheduler_address.startswith("tls://")


@pytest.mark.slow
def test_a_client_without_the_credentials_cannot_connect(cluster):
    from distributed import Client
    from distributed.security import Security

    address = cluster.cluster.scheduler_address
    with pytest.raises(TypeError, match="TLS expects a `ssl_context`"):
        Client(address, timeout="5s")  # no TLS at all
    with pytest.raises(OSError):  # plain TCP to the TLS port
        Client(address.replace("tls://", "tcp://"), timeout="5s")
    # TLS with a certificate of its own: refused (probed: a Client here may hang)
    with pytest.raises(Exception, match="cannot connect"):
        dask_backend.probe_scheduler(address, Security.temporary(), 5)


@pytest.mark.slow
def test_the_scheduler_serves_no_http_pages(cluster):
    scheduler = cluster.cluster.scheduler
    ports = {s.getsockname()[1] for s in scheduler.http_server._sockets.values()}
    assert 8787 not in ports
    for port in ports:
        for path in ("/", "/info/main/workers.html", "/json/identity.json", "/health", "/status"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            assert err.value.code == 404


@pytest.mark.slow
def test_the_workers_serve_no_http_pages(cluster):
    def http_ports(dask_worker) -> list[int]:
        return [s.getsockname()[1] for s in dask_worker.http_server._sockets.values()]

    ports = [p for ps in cluster.client.run(http_ports).values() for p in ps]
    assert ports
    for port in ports:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
        assert err.value.code == 404


@pytest.mark.slow
def test_jobs_run_on_it(cluster):
    from sim.scenario.config import ScenarioConfig

    job = {"run_id": "r", "config": ScenarioConfig(name="t").to_dict(), "seed": 0}
    job["overrides"] = {"population.size": 100, "horizon_days": 3}
    (outcome,) = cluster.evaluate([job])
    assert outcome["status"] == "ok"


def silent_server() -> tuple[socket.socket, int]:
    """A TCP server that accepts connections and never says anything."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(srv.accept()[0]), daemon=True).start()
    return srv, srv.getsockname()[1]


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def sweep_file(tmp_path):
    from pathlib import Path

    import yaml

    base = Path(__file__).resolve().parents[1] / "configs" / "baseline.yaml"
    spec = {
        "name": "t",
        "base": str(base),
        "set": {"population.size": 200, "horizon_days": 5},
        "parameters": {"stores.count": {"lower": 50, "upper": 60, "integer": True}},
        "design": {"kind": "grid", "grid_points": 2},
        "replications": 1,
        "kpis": ["revenue"],
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.mark.parametrize("where", ["silent", "closed"])
def test_scheduler_that_is_not_dask_fails_within_its_timeout_with_exit_2(
    where, sweep_file, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT_S", 2.0)
    if where == "silent":
        srv, port = silent_server()
    else:
        port = closed_port()
    out = tmp_path / "out"
    started = time.monotonic()
    code = main(
        ["sweep", str(sweep_file), "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out)]
    )
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2
    assert elapsed < 2.0 + 3.0, f"took {elapsed:.1f} s against a 2 s timeout"
    assert f"--scheduler tcp://127.0.0.1:{port}" in err and "Traceback" not in err
    assert not out.exists()
    if where == "silent":
        assert "no answer from a Dask scheduler within 2 s" in err
        srv.close()


@pytest.mark.slow
def test_ctrl_c_on_a_dask_sweep_prints_one_line_and_exits_130(tmp_path):
    """Ctrl-C signals the terminal's whole process group, workers included: only the
    command may react (no worker tracebacks), and it leaves no process behind."""
    import os
    import signal

    import yaml
    from processes import ROOT, alive, descendants, start_omo, wait_for

    spec = {
        "name": "c",
        "base": str(ROOT / "configs" / "baseline.yaml"),
        "set": {"population.size": 3000, "horizon_days": 120},
        "parameters": {"stores.count": {"lower": 50, "upper": 400, "integer": True}},
        "design": {"kind": "lhs", "samples": 30},
        "replications": 2,
        "kpis": ["revenue"],
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    args = ("sweep", "s.yaml", "--executor", "dask", "--workers", "2", "--out", "out")
    proc = start_omo(*args, cwd=tmp_path, group=True)
    wait_for(lambda: len(list((tmp_path / "out").rglob("*.parquet"))) >= 3, 120, "some runs")
    children = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("interrupted: finished runs are kept in out")
    assert len(err.strip().splitlines()) <= 3, err
    wait_for(lambda: not alive(children), 15, "the cluster's processes to exit")
