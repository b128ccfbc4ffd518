"""`rectiflow check`: a worker or portal beyond one machine is refused, with every reason
named, when it could only fail (no secret, another secret, the shared folder not mounted,
no organisation, Prefect not answering); a portal only warns about Prefect and the relay."""

import os
import subprocess
import sys
from pathlib import Path

from tests.mail import free_port

EXE = Path(sys.executable).parent / "rectiflow"
ORG = Path(__file__).resolve().parents[2] / "models" / "data" / "demo_org.yaml"


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    # In the test's folder: the relative RECTIFLOW_DATA_DIR below must not land in the checkout.
    return subprocess.run([str(EXE), *args], env=env, cwd=env["RECTIFLOW_TEST_CWD"], capture_output=True, text=True,
                          timeout=120)


def test_check_names_what_a_worker_lacks_and_passes_once_it_is_there(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    env.update(RECTIFLOW_DATA_DIR=str(tmp_path / "worker"), RECTIFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'l.db'}",
               RECTIFLOW_FILES_DIR=str(tmp_path / "shared"), RECTIFLOW_SECRET_KEY="a" * 32,
               PREFECT_API_URL=f"http://127.0.0.1:{free_port()}/api", RECTIFLOW_SMTP_PORT=str(free_port()),
               RECTIFLOW_MESSENGER_SINK_PORT=str(free_port()),
               PREFECT_CLIENT_MAX_RETRIES="0", COLUMNS="200", RECTIFLOW_TEST_CWD=str(tmp_path))
    assert run(env, "db", "upgrade").returncode == 0
    assert (tmp_path / "shared" / ".rectiflow-ledger").exists()  # the shared folder names its ledger

    lacking = {**env, "RECTIFLOW_FILES_DIR": str(tmp_path / "not-mounted"), "RECTIFLOW_SECRET_KEY": ""}
    done = run({**lacking, "RECTIFLOW_DATA_DIR": "worker-data"}, "check", "--role", "worker")
    assert done.returncode == 2, done.stdout
    for said in ("RECTIFLOW_DATA_DIR=worker-data: must be absolute on a worker", "RECTIFLOW_SECRET_KEY is not set",
                 f"{tmp_path / 'not-mounted'} is not the ledger's shared folder",
                 "organisation and negative list: not loaded", "Prefect API", "not answering", "! mail relay"):
        assert said in done.stdout, (said, done.stdout)

    assert run(env, "org", "load", str(ORG)).returncode == 0
    assert run(env, "file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "窗口推诿",
               "--as", "zhou.jing@example.org").returncode == 0  # an event anchored with the deployment's key
    other = run({**env, "RECTIFLOW_SECRET_KEY": "b" * 32}, "check", "--role", "portal")
    assert other.returncode == 2 and "RECTIFLOW_SECRET_KEY differs" in other.stdout, other.stdout

    portal = run(env, "check", "--role", "portal")  # Prefect down only delays a portal's runs
    assert portal.returncode == 0, portal.stdout
    assert "✓ secret key" in portal.stdout and f"✓ shared folder {tmp_path / 'shared'}" in portal.stdout
    assert "! Prefect API" in portal.stdout
    worker = run(env, "check", "--role", "worker")  # a worker without Prefect could do nothing
    assert worker.returncode == 2 and "✗ Prefect API" in worker.stdout
