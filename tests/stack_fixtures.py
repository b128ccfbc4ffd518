"""A rectiflow stack per test on the session's Prefect server (tests/flows and tests/app)."""

import pytest

from flows.serve import apply_deployments
from notifications.sink import MailSink
from store.settings import get_settings
from tests.conftest import seed
from tests.mail import free_port
from tests.stack import Stack


@pytest.fixture(scope="session")
def case_deployment(prefect_server):
    apply_deployments()
    return prefect_server


@pytest.fixture
def stack(case_deployment, tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("RECTIFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RECTIFLOW_SMTP_PORT", str(port))
    get_settings.cache_clear()
    stack_ = Stack(data_dir=tmp_path / "data", sink=MailSink(tmp_path / "data" / "mail", port=port))
    seed(stack_.engine)
    with stack_.sink:
        yield stack_
    get_settings.cache_clear()


@pytest.fixture
def free_api_url() -> str:
    """An API address where nothing listens: Prefect is 'down'."""
    return f"http://127.0.0.1:{free_port()}/api"
