"""`rectiflow up --demo` as a user runs it: a real Prefect server, served deployments,
the SMTP sink. Demo case runs reach Suspended; a CLI submit wakes one; Ctrl-C stops all."""

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest

from messages.labels import COLOURS
from models.deadlines.calendar import WorkCalendar
from notifications.messenger_sink import read_messages
from tests.app.browser import PHONE, answer, browser, portal_alone, shot
from tests.app.second_factor import next_code
from tests.app.web import ADMIN, jpeg, link_in
from tests.mail import free_port, mails
from tests.processes import stop_group
from tests.waiting import tail, wait_until

ROOT = Path(__file__).resolve().parents[2]


def doing(api: str, data: Path, printed: list[str] | None = None) -> Callable[[], str]:
    """What the stack was doing, for a wait that timed out: its case runs' states, what
    `rectiflow up` printed last and its Prefect server's log."""
    def say() -> str:
        states = Counter(r["state_name"] for r in runs(api) if r["name"].startswith("ZG-"))
        lines = [f"--- case runs by state: {dict(states) or 'none (or the API does not answer)'}"]
        if printed is not None:
            lines.append("--- rectiflow up printed last:\n" + "".join(printed[-30:]))
        lines.append(tail(data / "prefect-server.log"))
        return "\n".join(lines)
    return say


def runs(api: str) -> list[dict]:
    try:
        r = httpx.post(f"{api}/flow_runs/filter", json={"limit": 50}, timeout=5)
        return r.json() if r.status_code == 200 else []
    except httpx.HTTPError:
        return []


@pytest.fixture
def up(tmp_path):
    api = f"http://127.0.0.1:{free_port()}/api"
    portal = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    env.update(RECTIFLOW_DATA_DIR=str(tmp_path / "rf"), RECTIFLOW_SMTP_PORT=str(free_port()),
               RECTIFLOW_MESSENGER_SINK_PORT=str(free_port()),
               RECTIFLOW_PREFECT_API_URL=api, PREFECT_API_URL=api, RECTIFLOW_PORTAL_PORT=str(portal),
               RECTIFLOW_PORTAL_URL=f"http://127.0.0.1:{portal}", PYTHONUNBUFFERED="1")
    exe = Path(sys.executable).parent / "rectiflow"
    proc = subprocess.Popen([str(exe), "up", "--demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, text=True)
    printed: list[str] = []  # what `rectiflow up` told its user, line by line
    threading.Thread(target=lambda: printed.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    proc.printed = printed  # type: ignore[attr-defined]
    yield api, env, tmp_path / "rf", exe, proc
    (ROOT / "test-artifacts").mkdir(exist_ok=True)  # what it printed, to read after a failure
    (ROOT / "test-artifacts" / "stack-up.log").write_text("".join(printed), encoding="utf-8")
    # A failed test: stop it as a user would (Ctrl-C), so it stops its Prefect server too; then
    # whatever of it is left, killed.
    stop_group(proc, sig=signal.SIGINT)


def test_up_demo_serves_case_runs_and_stops_on_ctrl_c(up):
    api, env, data, exe, proc = up
    def all_suspended():
        found = [r for r in runs(api) if r["state_name"] == "Suspended" and r["name"].startswith("ZG-")]
        return found if len(found) == 6 else None

    # Five samples, one of them split (分解) with a part for 办公室党支部.
    explain = doing(api, data, proc.printed)
    suspended = wait_until(all_suspended, timeout=600, what="6 demo case runs Suspended", explain=explain)
    # Filed at once, each waited in Prefect's own queue state for a slot of the case deployment
    # (as many as the runner serves), none went Late, and every slot is back once they sleep.
    for run in suspended:
        history = httpx.get(f"{api}/flow_run_states/", params={"flow_run_id": run["id"]}, timeout=5).json()
        names_seen = [s["name"] for s in sorted(history, key=lambda s: s["timestamp"])]
        assert names_seen[0] == "AwaitingConcurrencySlot" and "Late" not in names_seen, names_seen
        assert names_seen[-1] == "Suspended" and "Running" in names_seen, names_seen
    case = httpx.get(f"{api}/deployments/name/rectification-case/rectification-case", timeout=5).json()
    assert case["global_concurrency_limit"]["limit"] == 4
    assert case["global_concurrency_limit"]["active_slots"] == 0
    names = sorted(r["name"] for r in suspended)
    assert names[0].startswith("ZG-") and "办公室党支部" in " ".join(names)
    [part] = [r for r in suspended if "分解自" in r["name"]]
    assert any(t.startswith("parent:ZG-") for t in part["tags"])
    wait_until(lambda: len(list((data / "mail").glob("*.eml"))) == 6, timeout=120, what="6 assignment mails",
               explain=explain)
    # 王建国 is away (委托): his assignment went to 陈晓雨, who stands in for him.
    assert any(m["To"] == "chen.xiaoyu@example.org" and "陈晓雨（代王建国）" in m.get_body(("plain",)).get_content()
               for m in mails(data / "mail"))
    # 高鹏 also reads his 企业微信 group robot: the stack's stand-in took the assignment, with his link.
    [robot] = wait_until(lambda: read_messages(data / "messages") or None, timeout=120, what="the robot's message",
                         explain=explain)
    assert robot["kind"] == "wecom" and robot["key"] == "demo-robot-gaopeng"
    assert "整改交办" in robot["text"] and f"{env['RECTIFLOW_PORTAL_URL']}/l/" in robot["text"]

    # An owner submits from the CLI: the served run wakes, mails the verifier, sleeps again.
    code = sorted(names)[0].split()[0]
    ledger = subprocess.run([str(exe), "show", code, "--json"], cwd=data.parent, env=env,
                            capture_output=True, text=True, check=True)
    owner = json.loads(ledger.stdout)["owner_email"]
    subprocess.run([str(exe), "submit", code, "--as", owner, "--note", "已整改"], cwd=data.parent, env=env,
                   check=True, capture_output=True)
    wait_until(lambda: len(list((data / "mail").glob("*.eml"))) == 7, timeout=240, what="the verifier's mail",
               explain=explain)

    # A newcomer in the browser: sign in with the printed link, open the mail folder, follow
    # an owner's mail to the item, submit evidence; then the verifier's mail, accept.
    portal = env["RECTIFLOW_PORTAL_URL"]
    sign_in = wait_until(lambda: next((line.split(": ", 1)[1].strip() for line in proc.printed
                                       if "sign in as" in line), None), timeout=30, what="the printed sign-in link")
    other = sorted(names)[1].split()[0]
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(sign_in)  # the link's page uses nothing (a mail scanner may open it first): its button does
        page.click("button[type=submit]")
        # The admin's second factor: the key the demo printed, in the newcomer's authenticator.
        key = next(line.split()[2] for line in proc.printed if "second factor" in line)
        page.wait_for_url(f"{portal}/second-factor**")
        shot(page, "stack-0-second-factor")
        page.fill("#code", next_code(key))
        page.click("button[type=submit]")
        page.wait_for_url(f"{portal}/")
        page.goto(f"{portal}/mail")
        # B15: the robot's key is shortened, its markdown link is one whole link to the item.
        robots = page.inner_text("#messages")
        assert "demo…ng" in robots and "demo-robot-gaopeng" not in robots
        hrefs = page.eval_on_selector_all("#messages a", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs and all(h.startswith(f"{portal}/l/") and not h.endswith(")") for h in hrefs), hrefs
        shot(page, "stack-1-mail-folder")
        page.click(f"text=【整改交办】{other}")
        page.click("#body a[href*='/l/']")
        shot(page, "stack-2-owner-item")
        page.fill("#note", "已整改，附照片")
        photo = data.parent / "照片.jpg"
        photo.write_bytes(jpeg())
        page.set_input_files("#files", str(photo))
        page.click("#submit")
        page.wait_for_selector("#done")
        wait_until(lambda: any(m["Subject"].startswith(f"【待验收】{other}") for m in mails(data / "mail")),
                   timeout=240, what="the verifier's mail from the served run", explain=explain)
        page.goto(f"{portal}/mail")
        page.click(f"text=【待验收】{other}")
        page.click("#body a[href*='/l/']")
        page.click("#accept")
        page.wait_for_selector("#done")
        shot(page, "stack-3-closed")

    def completed():
        return [r for r in runs(api) if r["name"].startswith(other) and r["state_type"] == "COMPLETED"]

    wait_until(completed, timeout=240, what=f"the case run of {other} Completed in the Prefect API", explain=explain)

    # The sweep is scheduled for 09:00 Asia/Shanghai (01:00 UTC) every day, reconcile hourly.
    deps = httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json()
    by_name = {d["name"]: d for d in deps}
    assert set(by_name) == {"rectification-case", "file-findings", "deadline-sweep", "monthly-inspection",
                            "monthly-notice", "reconcile", "backup"}
    [cron] = [s["schedule"] for s in by_name["deadline-sweep"]["schedules"]]
    assert (cron["cron"], cron["timezone"]) == ("0 9 * * *", "Asia/Shanghai")
    [every] = [s["schedule"] for s in by_name["reconcile"]["schedules"]]
    assert every["interval"] == 3600

    def upcoming_sweeps():
        r = httpx.post(f"{api}/flow_runs/filter", json={
            "deployments": {"id": {"any_": [by_name["deadline-sweep"]["id"]]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}, timeout=5)
        return r.json() if r.status_code == 200 else []

    scheduled = wait_until(upcoming_sweeps, timeout=300, what="the scheduler to plan deadline-sweep runs",
                           explain=explain)
    assert all(r["expected_start_time"][11:16] == "01:00" for r in scheduled)

    # A supervisor cancels an open item's run in the UI: an automation replaces it within a
    # minute, with no command typed.
    victim = sorted(names)[2].split()[0]
    [old] = [r for r in runs(api) if r["name"].startswith(victim)]
    httpx.post(f"{api}/flow_runs/{old['id']}/set_state", json={"state": {"type": "CANCELLING"}}, timeout=5)
    wait_until(lambda: any(r["id"] == old["id"] and r["state_type"] == "CANCELLED" for r in runs(api)),
               timeout=120, what="the cancelled run", explain=explain)

    def replaced():
        return [r for r in runs(api) if r["name"].startswith(victim) and r["state_name"] == "Suspended"
                and r["id"] != old["id"]]

    wait_until(replaced, timeout=240, what=f"a new case run of {victim}, Suspended", explain=explain)

    # A sweep a working day after the latest due date: every open item is escalated. A
    # supervisor reads each case run's stage and colour off the Prefect UI's runs list.
    def show(c: str) -> dict:
        return json.loads(subprocess.run([str(exe), "show", c, "--json"], cwd=data.parent, env=env,
                                         capture_output=True, text=True, check=True).stdout)

    items = {c.split()[0]: show(c.split()[0]) for c in names}
    latest = max(date.fromisoformat(v["due_on"]) for v in items.values())
    moment = f"{WorkCalendar().add_working_days(latest, 1).day}T09:00:00+08:00"
    subprocess.run([str(exe), "sweep", "--now", moment], cwd=data.parent, env=env, check=True, capture_output=True)
    items = {c: show(c) for c in items}
    stages = {"assigned": "待整改", "submitted": "待验收", "closed": "已销号"}
    expected = {c: [stages[v["state"]], *([f"{COLOURS[v['colour']].zh}色督办"] if v["colour"] else [])]
                for c, v in items.items()}
    assert sum(1 for words in expected.values() if len(words) == 2) >= 3  # coloured ones to find
    ui = api.removesuffix("/api")
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 1700}, timezone_id="Asia/Shanghai")
        page.goto(f"{ui}/runs")
        for c, words in expected.items():
            row = page.locator(f"text={c}").first
            row.wait_for(timeout=30_000)
            wait_until(lambda c=c, words=words: all(w in page.inner_text("body") for w in words) and c,
                       timeout=30, what=f"{c} {words} in the Prefect UI's runs list")
            text = page.inner_text("body")
            line = next(ln for ln in text.splitlines() if c in ln)
            assert all(w in line for w in words), (c, words, line)
        shot(page, "supervisor-1-prefect-runs")
        red_or_any = max(expected, key=lambda c: items[c]["escalation_level"])
        page.goto(f"{ui}/runs/flow-run/{items[red_or_any]['flow_run_id']}")
        page.locator(f"text={red_or_any}").first.wait_for(timeout=30_000)
        shot(page, "supervisor-2-prefect-case-run")
        [latest] = httpx.post(f"{api}/artifacts/latest/filter",
                              json={"artifacts": {"key": {"any_": ["overview"]}}}, timeout=5).json()
        page.goto(f"{ui}/artifacts/artifact/{latest['latest_id']}")
        page.locator("text=各支部 Branches").first.wait_for(timeout=30_000)
        assert "红色督办" in page.inner_text("body")
        shot(page, "supervisor-3-prefect-overview-artifact")
        # The dashboard on a phone: the admin signs in again by mail (a sign-in link works once).
        phone = chromium.new_page(**PHONE)
        phone.goto(f"{portal}/login?next=/dashboard")
        phone.fill("#email", ADMIN)
        phone.click("button[type=submit]")
        phone.wait_for_selector("text=登录链接已发送")
        link = wait_until(lambda: [link_in(m) for m in mails(data / "mail")
                                   if m["To"] == ADMIN and "登录" in m["Subject"]][-1:],
                          timeout=30, what="the sign-in mail")[0]
        phone.goto(f"{portal}{link}")  # the link's page uses nothing: its button signs in
        phone.click("button[type=submit]")
        phone.fill("#code", next_code(key))
        phone.click("button[type=submit]")
        phone.locator("#chart-trend svg").wait_for(timeout=10_000)
        shot(phone, "supervisor-4-portal-dashboard-phone")

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    # Everything it started is gone: the API no longer answers.
    assert runs(api) == []


def test_up_refuses_a_port_in_use(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
        env.update(RECTIFLOW_DATA_DIR=str(tmp_path / "rf"), RECTIFLOW_SMTP_PORT=str(port),
                   RECTIFLOW_PREFECT_API_URL=f"http://127.0.0.1:{free_port()}/api")
        result = subprocess.run([str(Path(sys.executable).parent / "rectiflow"), "up"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"127.0.0.1:{port} 已被占用" in result.stderr and "RECTIFLOW_SMTP_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_portal_runs_alone(tmp_path):
    port = free_port()
    with portal_alone(tmp_path, port, RECTIFLOW_SECRET_KEY="k" * 40):
        page = wait_until(lambda: answer(f"http://127.0.0.1:{port}/login"), timeout=60, what="the portal")
        assert page.status_code == 200 and "发送登录链接" in page.text
        assert page.headers["x-frame-options"] == "DENY" and "rf_anchor" in page.headers["set-cookie"]
        assert not (tmp_path / "rf" / "secret.key").exists()  # the configured secret is used
