"""`rectiflow audit export`: the whole chain, signed, for the discipline inspection group, and
verified away from the system by the bundle's own verify.py (run in isolated mode, so it can
use nothing of rectiflow's) against the public key `rectiflow audit key` gives."""

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.app.test_cli import file, refused
from tests.stack import Stack

INSPECTOR, OWNER = "zhou.jing@example.org", "gao.peng@example.org"


def verify(bundle: Path, key: str) -> subprocess.CompletedProcess[str]:
    # -I: isolated, neither the working folder nor PYTHONPATH: only the bundle and the key.
    return subprocess.run([sys.executable, "-I", str(bundle / "verify.py"), str(bundle), "--key", key],
                          capture_output=True, text=True, timeout=60, cwd=bundle.parent)


def public_key(stack: Stack) -> str:
    [key] = re.findall(r"\b[0-9a-f]{64}\b", stack.cli("audit", "key"))
    return key


def test_an_exported_bundle_verifies_and_one_edited_byte_fails_it(stack: Stack, tmp_path: Path):
    code = file(stack)
    stack.step(code)  # assigned: a second event
    stack.cli("ack", code, "--as", OWNER)
    bundle = tmp_path / "纪检组-2026-12"
    said = stack.cli("audit", "export", str(bundle))
    key = public_key(stack)
    assert "3 条事件" in said and key in said
    assert sorted(p.name for p in bundle.iterdir()) == ["events.jsonl", "manifest.json", "signature", "verify.py"]
    lines = [json.loads(line) for line in (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["seq"], e["kind"], e["item"]) for e in lines] == [(1, "file", code), (2, "assign", code),
                                                                  (3, "acknowledge", code)]
    ok = verify(bundle, key)
    assert ok.returncode == 0 and "verified: 3 events" in ok.stdout, (ok.stdout, ok.stderr)

    # Another deployment's key does not vouch for it.
    other = verify(bundle, "ab" * 32)
    assert other.returncode == 1 and "signature" in other.stdout

    # One byte changed (the actor of the first event): the bundle no longer verifies.
    events = bundle / "events.jsonl"
    data = events.read_bytes()
    at = data.index(INSPECTOR.encode())
    events.write_bytes(data[:at] + b"Z" + data[at + 1:])
    edited = verify(bundle, key)
    assert edited.returncode == 1 and "NOT VERIFIED" in edited.stdout


def test_a_bundle_re_signed_by_the_key_holder_still_shows_an_edited_event(stack: Stack, tmp_path: Path):
    """The chain holds on its own: even someone holding the signing key cannot change an event
    and re-sign without the verifier naming the event whose content no longer matches."""
    from services import context as ctx
    from store.audit_bundle import signing_key
    from store.audit_verify import signed_message

    code = file(stack)
    stack.step(code)
    bundle = tmp_path / "bundle"
    stack.cli("audit", "export", str(bundle))
    lines = (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["data"]["title"] = "改过的标题"
    lines[0] = json.dumps(first, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (bundle / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = signed_message((bundle / "events.jsonl").read_bytes(), (bundle / "manifest.json").read_bytes())
    (bundle / "signature").write_text(signing_key(ctx.secret()).sign(message).hex(), encoding="ascii")
    result = verify(bundle, public_key(stack))
    assert result.returncode == 1 and "line 1 (event 1): its content does not match its hash" in result.stdout


def test_an_export_never_writes_over_a_folder_in_use(stack: Stack, tmp_path: Path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    refused(stack, "audit", "export", str(taken), says="目录已存在且不为空")
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no half-built bundle left


def test_a_person_gets_what_the_ledger_holds_about_them_and_no_ones_keys(stack: Stack, tmp_path: Path):
    from datetime import UTC, datetime

    from models.people.channels import ChannelKind, set_channel
    from models.people.directory import person_by_email
    from store.db import transaction

    code = file(stack)
    stack.step(code)
    stack.cli("ack", code, "--as", OWNER)
    robot_key = "3f2a9c7e-robot-key-of-gaopeng"
    with transaction(stack.engine) as s:
        set_channel(s, person_id=person_by_email(s, OWNER).id, kind=ChannelKind.wecom, target=robot_key, secret="",
                    everything=False, now=datetime.now(UTC))
    out = tmp_path / "高鹏.json"
    assert str(out) in stack.cli("org", "export-person", OWNER, "--out", str(out))
    mine = json.loads(out.read_text(encoding="utf-8"))
    assert mine["person"]["email"] == OWNER and {"unit": "zb-xinxi", "role": "secretary"} in mine["roles"]
    assert [(i["code"], i["owner"], i["filed_by_me"]) for i in mine["items"]] == [(code, True, False)]
    assert [(a["kind"], a["item"]) for a in mine["actions"]] == [("acknowledge", code)]
    assert [m["template"] for m in mine["mail"]] == ["assigned"]
    assert [c["kind"] for c in mine["channels"]] == ["wecom"] and robot_key not in out.read_text(encoding="utf-8")
    inspector = json.loads(stack.cli("org", "export-person", INSPECTOR))
    assert [(i["code"], i["owner"], i["filed_by_me"]) for i in inspector["items"]] == [(code, False, True)]
    assert [a["kind"] for a in inspector["actions"]] == ["file"]
    refused(stack, "org", "export-person", "nobody@example.org", says="email: 未知人员：nobody@example.org")
