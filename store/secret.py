"""The deployment's secret: configured (RECTIFLOW_SECRET_KEY, required beyond one machine),
else made once and kept beside the ledger, readable by its owner only."""

import secrets
from functools import lru_cache
from pathlib import Path

from store.shared_folder import write_once


@lru_cache
def load_secret(configured: str, data_dir: Path) -> str:
    """The configured secret, else one made once and kept beside the ledger (owner-only)."""
    if configured:
        return configured
    path = data_dir / "secret.key"
    if not path.exists():  # two processes starting at once agree on the first key
        write_once(path, secrets.token_urlsafe(48), mode=0o600)
    return path.read_text().strip()
