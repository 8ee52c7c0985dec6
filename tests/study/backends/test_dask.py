"""Dask backend: a cluster omo starts is private (TLS, no HTTP routes); a bad
``--scheduler`` fails fast with exit 2."""

from __future__ import annotations

import concurrent.futures
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


def run_one_job(evaluator: DaskEvaluator, timeout_s: float) -> dict:
    """One tiny job through ``evaluator``, failing (not hanging) after ``timeout_s``."""
    from sim.scenario.config import ScenarioConfig

    job = {"run_id": "r", "config": ScenarioConfig(name="t").to_dict(), "seed": 0}
    job["overrides"] = {"population.size": 100, "horizon_days": 3}
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:  # bounded: a hang must fail the test, not stall the suite
        (outcome,) = pool.submit(lambda: list(evaluator.evaluate([job]))).result(timeout=timeout_s)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return outcome


@pytest.mark.slow
def test_jobs_run_on_a_tls_cluster(cluster):
    assert run_one_job(cluster, timeout_s=120)["status"] == "ok"


@pytest.mark.slow
def test_a_client_that_failed_to_connect_does_not_stall_later_jobs(cluster):
    """A failed ``Client(...)`` became the process's default client, and results were awaited
    on its loop: the next job took 30-50 s, or never came back (the hang once seen in full
    runs). On a running cluster a job takes well under a second; 15 s is a wide margin."""
    from distributed import Client

    with pytest.raises(TypeError):
        Client(cluster.cluster.scheduler_address, timeout="5s")  # no TLS: refused
    assert run_one_job(cluster, timeout_s=15)["status"] == "ok"


def silent_server() -> tuple[socket.socket, int]:
    """A TCP server that accepts connections and never says anything."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []  # kept referenced: a collected socket would reset

    def accept_forever() -> None:
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:  # the server was closed
                return

    threading.Thread(target=accept_forever, daemon=True).start()
    silent_server.held = held  # type: ignore[attr-defined]
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

    base = Path(__file__).resolve().parents[3] / "configs" / "baseline.yaml"
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


def write_long_sweep(path) -> None:
    """60 runs of a few seconds on two workers: long enough to interrupt midway. A 30-day
    past, not the baseline's year, which made each run take ten times as long."""
    import yaml

    from tests.omo_process import ROOT

    spec = {
        "name": "long",
        "base": str(ROOT / "configs" / "baseline.yaml"),
        "set": {"population.size": 3000, "horizon_days": 120, "market.burn_in_days": 30},
        "parameters": {"stores.count": {"lower": 50, "upper": 400, "integer": True}},
        "design": {"kind": "lhs", "samples": 30},
        "replications": 2,
        "kpis": ["revenue"],
    }
    path.write_text(yaml.safe_dump(spec))


@pytest.mark.slow
def test_ctrl_c_on_a_dask_sweep_prints_one_line_and_exits_130(tmp_path):
    """Ctrl-C signals the terminal's whole process group, workers included: only the
    command may react (no worker tracebacks), and it leaves no process behind."""
    import os
    import signal

    from tests.omo_process import alive, descendants, start_omo, wait_for

    write_long_sweep(tmp_path / "s.yaml")
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


def write_certificates(folder) -> dict[str, str]:
    """A CA and one node certificate signed by it (PEM files), as a cluster admin makes."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject, issuer, public, signer, ca: bool):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256())
        )

    ca_key, node_key = key(), key()
    ca = cert(name("omo-test-ca"), name("omo-test-ca"), ca_key.public_key(), ca_key, True)
    node = cert(name("omo-test-node"), ca.subject, node_key.public_key(), ca_key, False)
    files = {"ca": folder / "ca.pem", "cert": folder / "node.pem", "key": folder / "node.key"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(node.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        node_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return {k: str(v) for k, v in files.items()}


@pytest.mark.slow
def test_the_readme_recipe_secures_a_users_own_cluster(tmp_path, sweep_file, monkeypatch):
    """A TLS scheduler and worker started as the README says: omo refuses to connect
    without the client settings, and runs the sweep with them (exported as the README
    shows)."""
    import json
    import os
    import subprocess
    import sys

    from tests.omo_process import ROOT, start_omo, wait_for

    tls = write_certificates(tmp_path)
    flags = ["--tls-ca-file", tls["ca"], "--tls-cert", tls["cert"], "--tls-key", tls["key"]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    info = tmp_path / "scheduler.json"
    started = []
    try:
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_scheduler", "--protocol", "tls"]
                + ["--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0"]
                + ["--scheduler-file", str(info), *flags],
                env=env,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(info.exists, 60, "the scheduler")
        address = json.loads(info.read_text())["address"]
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address]
                + ["--nworkers", "1", "--nthreads", "1", *flags],
                env=env,
                stderr=subprocess.DEVNULL,
            )
        )
        args = ("sweep", str(sweep_file), "--scheduler", address, "--quiet")
        refused = start_omo(*args, "--out", "refused", cwd=tmp_path)
        _, err = refused.communicate(timeout=60)
        assert refused.returncode == 2 and "needs this machine's Dask TLS settings" in err

        client_settings = {
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": tls["ca"],
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": tls["cert"],
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": tls["key"],
            "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
        }
        for name, value in client_settings.items():  # start_omo passes them on
            monkeypatch.setenv(name, value)
        ok = start_omo(*args, "--out", "ok", cwd=tmp_path)
        _, err = ok.communicate(timeout=120)
        assert ok.returncode == 0, err
        assert len(list((tmp_path / "ok").rglob("parts/*.parquet"))) == 2
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.slow
def test_kill_9_of_a_dask_sweep_leaves_no_cluster_processes(tmp_path):
    from tests.omo_process import kill9_leaves_no_orphans, start_omo, wait_for

    write_long_sweep(tmp_path / "s.yaml")
    args = ("sweep", "s.yaml", "--executor", "dask", "--workers", "2", "--out", "out")
    proc = start_omo(*args, "--quiet", cwd=tmp_path)
    wait_for(lambda: len(list((tmp_path / "out").rglob("*.parquet"))) >= 3, 120, "some runs")
    kill9_leaves_no_orphans(proc, within_s=20)
