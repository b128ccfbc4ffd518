"""The nightly `backup` flow on the real Prefect server: a backup folder per run, named by the
moment, the newest RECTIFLOW_BACKUP_KEEP kept; `/metrics` tells when the newest was made."""

import asyncio
import json
from datetime import datetime, timedelta

from store.clock import set_shift
from store.settings import get_settings
from tests.stack import Stack


def test_each_night_a_backup_and_only_the_newest_kept(stack: Stack, monkeypatch):
    from flows.backup import nightly_backup
    from services.backup import made_backups, verify
    from services.metrics import _last_backup

    monkeypatch.setenv("RECTIFLOW_BACKUP_KEEP", "2")
    get_settings.cache_clear()
    made = []
    for night in range(3):
        set_shift(stack.data_dir, timedelta(days=night))
        made.append(asyncio.run(nightly_backup()))
    kept = made_backups(stack.data_dir / "backups")
    assert kept == [m.folder for m in reversed(made[1:])]  # the oldest went
    assert not made[0].folder.exists()
    assert verify(kept[0]).events == made[2].events
    newest = json.loads((kept[0] / "manifest.json").read_text())["made_at"]
    assert abs(_last_backup() - datetime.fromisoformat(newest).timestamp()) < 1
