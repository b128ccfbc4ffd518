"""B12, B13: what rectiflow keeps on disk is owner-only. The ledger (robot keys, people), mail
(sign-in links), robot posts (keys) and the rehearsal's state (the Prefect auth string) must
not be readable by other local users."""

import json
import os
import stat
import subprocess
from pathlib import Path

from notifications.messenger_sink import keep
from notifications.sink import MailSink
from processes.topology import Plan, state_file, write_state
from tests.mail import free_port, wait_for_mail
from tests.stack import Stack
from tests.topology.rehearsal import BIN


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_folder_and_its_ledger_are_owner_only(tmp_path: Path):
    data = tmp_path / "fresh"
    env = {**os.environ, "RECTIFLOW_DATA_DIR": str(data)}
    env.pop("RECTIFLOW_DATABASE_URL", None)
    done = subprocess.run([str(BIN / "rectiflow"), "db", "upgrade"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    kept = [p for p in data.iterdir() if p.is_file()]
    assert any(p.name == "ledger.db" for p in kept)
    assert {p.name: mode(p) for p in kept} == {p.name: 0o600 for p in kept}


def test_an_existing_open_folder_is_tightened_when_the_sink_starts(tmp_path: Path):
    folder = tmp_path / "mail"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with MailSink(folder, port=free_port()):
        pass
    assert mode(folder) == 0o700


def test_mail_robot_posts_and_the_rehearsal_state_are_owner_only(stack: Stack, tmp_path: Path):
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿", "--as",
                     "zhou.jing@example.org").split()[0]
    stack.step(code)  # assigned: the owner's mail, with their signed link
    wait_for_mail(stack.sink, 1)
    [mail] = list(stack.sink.folder.glob("*.eml"))
    assert mode(mail) == 0o600 and mode(stack.sink.folder) == 0o700
    keep(tmp_path / "messages", {"kind": "wecom", "key": "robot-key-0001", "text": "x"})
    [post] = list((tmp_path / "messages").glob("*.json"))
    assert mode(post) == 0o600 and mode(tmp_path / "messages") == 0o700
    plan = Plan(data_dir=tmp_path / "topology")
    plan.data_dir.mkdir()
    write_state(plan, [])
    assert mode(state_file(plan)) == 0o600 and json.loads(state_file(plan).read_text())["auth_string"]
