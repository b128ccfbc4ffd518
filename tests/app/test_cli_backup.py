"""The backup drill: back up mid-month, keep working, lose the data folder, restore into an
empty place, and go on — what the backup held comes back (items, the chain, the evidence
files byte for byte), what came after it does not (the recovery point), and the restored
item's lifecycle continues. A damaged backup, a backup of another secret and a restore over
a ledger are each refused, changing nothing."""

import hashlib
import json
import shutil
import time
from pathlib import Path

from sqlmodel import col, select

from models.items.finding import Finding, State
from models.people.directory import finding_by_code
from store import schema
from store.db import reading
from store.settings import get_settings
from tests.app.web import INSPECTOR, OWNER, assigned_item, jpeg
from tests.stack import Stack


def evidence(tmp_path: Path) -> Path:
    photo = tmp_path / "整改后照片.jpg"
    photo.write_bytes(jpeg("green"))
    return photo


def test_back_up_lose_everything_restore_and_go_on(stack: Stack, tmp_path: Path, monkeypatch, capsys):
    kept, _ = assigned_item(stack)
    photo = evidence(tmp_path)
    stack.cli("submit", kept, "--as", OWNER, "--note", "已整改，附照片", "--file", str(photo))
    made = stack.cli("backup", "create", str(tmp_path / "backup"))
    assert "部署密钥不在备份中" in made
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["secret"]["in_backup"] is False
    secret = (stack.data_dir / "secret.key").read_text()
    assert all(secret.strip() not in p.read_text(errors="ignore") for p in (tmp_path / "backup").rglob("*")
               if p.is_file() and p.suffix != ".db")
    verified = stack.cli("backup", "verify", str(tmp_path / "backup"))
    assert "1 个佐证文件哈希相符" in verified

    lost, _ = assigned_item(stack, title="备份之后立项", detail="此事项在备份之后")  # after the recovery point

    # The disk is lost: the ledger and the shared folder go; the secret was kept apart. (Every
    # command after this is a new process: none holds the old ledger open.)
    for engine in schema._engines.values():
        engine.dispose()
    schema._engines.clear()
    for lost_part in [*stack.data_dir.glob("ledger.db*"), stack.data_dir / "evidence", stack.data_dir / "notices"]:
        shutil.rmtree(lost_part) if lost_part.is_dir() else lost_part.unlink(missing_ok=True)
    assert not (stack.data_dir / "ledger.db").exists()

    started = time.monotonic()
    restored = stack.cli("backup", "restore", str(tmp_path / "backup"))
    took = time.monotonic() - started
    print(f"RTO (restore command): {took:.2f} s; RPO: the backup's moment, {manifest['made_at']}")
    assert "已恢复" in restored
    with reading(stack.engine) as s:
        assert finding_by_code(s, kept).state is State.submitted
        assert s.exec(select(Finding).where(col(Finding.code) == lost)).first() is None
    blob = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert (stack.data_dir / "evidence" / blob[:2] / blob).read_bytes() == photo.read_bytes()
    assert "intact" in stack.cli("audit", "verify")

    stack.cli("review", kept, "--as", INSPECTOR, "--accept")  # the restored item goes on
    with reading(stack.engine) as s:
        assert finding_by_code(s, kept).state is State.closed


def test_a_damaged_backup_or_another_secret_or_a_full_place_is_refused(stack: Stack, tmp_path: Path, monkeypatch):
    code, _ = assigned_item(stack)
    stack.cli("submit", code, "--as", OWNER, "--note", "已整改", "--file", str(evidence(tmp_path)))
    stack.cli("backup", "create", str(tmp_path / "backup"))
    stack.cli("backup", "create", str(tmp_path / "backup"), expect=2)  # never over a folder in use

    stack.cli("backup", "restore", str(tmp_path / "backup"), expect=2)  # the ledger is there: refused
    with reading(stack.engine) as s:
        assert finding_by_code(s, code).state is State.submitted

    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "backup", damaged)
    blob = next((damaged / "files" / "evidence").rglob("*"))
    while blob.is_dir():
        blob = next(blob.iterdir())
    blob.write_bytes(blob.read_bytes()[:-1] + b"\x00")  # one byte of the evidence
    stack.cli("backup", "verify", str(damaged), expect=2)

    monkeypatch.setenv("RECTIFLOW_SECRET_KEY", "another-secret-of-forty-characters-00000")
    get_settings.cache_clear()
    stack.cli("backup", "verify", str(tmp_path / "backup"), expect=2)
