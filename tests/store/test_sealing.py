"""Secrets sealed at rest (等保 2.0, data confidentiality): robot keys and signing secrets
written before sealing existed are sealed by `rectiflow db upgrade`; `strings` of a copied
ledger finds none of them; a rotation of the deployment's secret re-seals them and keeps
every channel posting with its own key, and re-anchors the audit chain."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.audit.chain import append_event, verify_chain
from models.links import anchor_key
from models.people.channels import Channel
from models.sealed import SealingError, is_sealed, sealing_key, use_sealing_keys
from notifications.messenger import dingtalk_sign, request_for
from services.opening import create_schema
from store.db import make_engine, reading, transaction
from store.settings import Settings
from tests.conftest import seed

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = "o" * 40, "n" * 40
WECOM_KEY = "693a91f6-4d2e-4b7e-9c55-1f0e2d3c4b5a"
DING_TOKEN, DING_SECRET = "ab12cd34ef56ab78cd90ef12ab34cd56", "SEC0f1e2d3c4b5a69788796a5b4c3d2e1f0"
HOOK_URL, HOOK_SECRET = "https://hooks.bureau.example/rectiflow/xq7-private-path", "hook-hmac-key-7f3a9c"
SECRETS = (WECOM_KEY, DING_TOKEN, DING_SECRET, "xq7-private-path", HOOK_SECRET)


def cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "RECTIFLOW_DATA_DIR": str(data_dir), **env}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=full, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def printable(path: Path) -> str:
    """What `strings` finds in a file (runs of 4+ printable characters)."""
    return subprocess.run(["strings", "-a", "-n", "4", str(path)], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def plain_ledger(tmp_path: Path, monkeypatch) -> Path:
    """A ledger whose channels were kept in plain text (as before sealing), with an audit chain
    anchored under the deployment's (old) secret."""
    from models.audit import chain

    monkeypatch.setattr(chain, "_anchor_key", anchor_key(OLD))  # as its own processes would have
    ledger = tmp_path / "ledger.db"
    engine = make_engine(f"sqlite:///{ledger}")
    create_schema(engine)
    seed(engine)
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:  # past the sealing column type, as an earlier version wrote them
        for person_id, kind, target, secret in ((3, "wecom", WECOM_KEY, ""), (4, "dingtalk", DING_TOKEN, DING_SECRET),
                                                (5, "webhook", HOOK_URL, HOOK_SECRET)):
            conn.execute(sa.text("INSERT INTO channel (person_id, kind, target, secret, everything, active, updated_at)"
                                 " VALUES (:p, :k, :t, :s, 1, 1, :u)"),
                         {"p": person_id, "k": kind, "t": target, "s": secret, "u": now})
    with transaction(engine) as session:
        append_event(session, finding_id=None, actor="test", kind="org_loaded", data={}, now=now)
    engine.dispose()
    return ledger


def channels(ledger: Path, *keys: str) -> dict[str, Channel]:
    engine = make_engine(f"sqlite:///{ledger}")
    use_sealing_keys(*(sealing_key(k) for k in keys), engine=engine)
    try:
        with reading(engine) as session:
            return {str(c.kind): c for c in session.exec(select(Channel))}
    finally:
        engine.dispose()


def stored(ledger: Path) -> list[tuple[str, str]]:
    engine = sa.create_engine(f"sqlite:///{ledger}")
    with engine.connect() as conn:
        found = [(r[0], r[1]) for r in conn.execute(sa.text("SELECT target, secret FROM channel"))]
    engine.dispose()
    return found


def test_upgrade_seals_what_was_plain_and_a_copied_ledger_shows_none_of_it(plain_ledger: Path, tmp_path: Path):
    assert all(s in printable(plain_ledger) for s in SECRETS[:2])  # the check can see them when they are there

    done = cli(plain_ledger.parent, "db", "upgrade", RECTIFLOW_SECRET_KEY=OLD)
    assert done.returncode == 0, done.stderr

    for target, secret in stored(plain_ledger):
        assert is_sealed(target) and (secret == "" or is_sealed(secret))
    copy = tmp_path / "copy"
    copy.mkdir()
    for part in plain_ledger.parent.glob("ledger.db*"):  # the file and its write-ahead log, as a thief copies them
        shutil.copy(part, copy / part.name)
    found = "".join(printable(p) for p in copy.iterdir())
    assert [s for s in SECRETS if s in found] == []

    opened = channels(plain_ledger, OLD)  # the deployment's own processes read them as they were
    assert (opened["wecom"].target, opened["dingtalk"].secret, opened["webhook"].target) == (
        WECOM_KEY, DING_SECRET, HOOK_URL)
    with pytest.raises(SealingError, match="rectiflow secrets rotate"):  # another secret opens nothing
        channels(plain_ledger, NEW)


def test_rotation_reseals_every_channel_and_reanchors_the_chain(plain_ledger: Path):
    assert cli(plain_ledger.parent, "db", "upgrade", RECTIFLOW_SECRET_KEY=OLD).returncode == 0
    before = stored(plain_ledger)

    rotated = cli(plain_ledger.parent, "secrets", "rotate", RECTIFLOW_SECRET_KEY=NEW, RECTIFLOW_PREVIOUS_SECRET_KEY=OLD,
                  RECTIFLOW_LANGUAGE="en")
    assert rotated.returncode == 0, rotated.stderr
    assert "5 secrets re-sealed" in rotated.stdout and "re-anchored under it: yes" in rotated.stdout
    after = stored(plain_ledger)
    assert all(a[0] != b[0] for a, b in zip(after, before, strict=True))
    new_id = sealing_key(NEW).ident
    assert all(t.startswith(f"sealed:1:{new_id}:") for t, _ in after)

    # With the new secret alone (the old one removed), every channel posts as before.
    opened = channels(plain_ledger, NEW)
    settings = Settings(wecom_base_url="https://qyapi.weixin.qq.com", dingtalk_base_url="https://oapi.dingtalk.com")
    _, query, _, _ = request_for(opened["wecom"], title="t", text="x", key="k", template="digest", settings=settings)
    assert query == {"key": WECOM_KEY}
    _, query, _, _ = request_for(opened["dingtalk"], title="t", text="x", key="k", template="digest",
                                 settings=settings)
    assert query["access_token"] == DING_TOKEN
    assert query["sign"] == dingtalk_sign(DING_SECRET, int(query["timestamp"]))
    url, _, body, headers = request_for(opened["webhook"], title="t", text="x", key="k", template="digest",
                                        settings=settings)
    assert url == HOOK_URL and headers["X-Rectiflow-Signature"]

    engine = make_engine(f"sqlite:///{plain_ledger}")
    with reading(engine) as session:
        assert verify_chain(session, key=anchor_key(NEW)) == (1, None)
        assert verify_chain(session, key=anchor_key(OLD)) == (1, 2)  # the old key no longer anchors it
    engine.dispose()

    again = cli(plain_ledger.parent, "secrets", "rotate", RECTIFLOW_SECRET_KEY=NEW, RECTIFLOW_LANGUAGE="en")
    assert again.returncode == 0 and "0 secrets re-sealed" in again.stdout  # nothing left to do
    assert stored(plain_ledger) == after
