"""Prefect's address and defaults for a rectiflow process (settings, ledger, policy and clock:
services/context.py)."""

import os
from pathlib import Path

from store.settings import Settings


def prefect_defaults(settings: Settings, *, quiet: bool = True) -> None:
    """Point Prefect at the embedded stack unless the user configured Prefect themselves.
    Must run before Prefect is imported: it reads its settings once."""
    os.environ.setdefault("PREFECT_API_URL", settings.prefect_api_url)
    os.environ.setdefault("PREFECT_HOME", str(Path(settings.data_dir).resolve() / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "2")
    # Served case runs beat well inside the silent-case-runs window (flows/serve.py).
    os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30")
    # A CLI call must not hang on a stopped server: fail fast, reconcile repairs later.
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "1")
    if quiet:  # a CLI command that runs a flow here shows its result, not Prefect's log
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
