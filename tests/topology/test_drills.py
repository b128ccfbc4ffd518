"""Drills on Prefect's self-hosting topology (`rectiflow rehearse`): two API processes on
PostgreSQL and Redis, one services process, two workers, two portals. Each drill ends with
every open item's one case run Suspended, no mail sent twice and the audit chain intact."""

import json
import os
import re
import shutil
import stat
import subprocess
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
import pytest

from models.deadlines.calendar import WorkCalendar
from notifications.messenger_sink import read_messages
from notifications.sink import MailSink
from processes.topology import Process
from tests.app.web import link_in, use_sign_in_link
from tests.models.rounds.test_sheet import book, row
from tests.topology.rehearsal import (
    BIN,
    DEMO_ORG,
    Topology,
    assert_nothing_doubled,
    kill_machine,
    postgres_answers,
    settle,
    start_topology,
    stop_topology,
    wait_alive,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(not (postgres_answers() and shutil.which("redis-server")),
                                reason="needs PostgreSQL at 127.0.0.1:5432 and redis-server")

INSPECTOR = "zhou.jing@example.org"


@pytest.fixture(scope="module")
def top(tmp_path_factory) -> Topology:
    top = start_topology(tmp_path_factory.mktemp("topology"))
    try:
        yield top
    finally:
        stop_topology(top)


def after_each_drill(top: Topology) -> None:
    assert_nothing_doubled(top)
    assert "intact and anchored" in top.cli("audit", "verify").stdout


def portal_sessions(top: Topology, email: str) -> list[httpx.Client]:
    """Sign in through the first portal process; the session works on every one (one secret)."""
    ports = [top.plan.portal_port(i) for i in range(1, top.plan.portals + 1)]
    first = httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}", timeout=30)
    page = first.get("/login")
    before = len(top.mails())
    first.post("/login", data={"email": email, "next": "/",
                               "csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)})
    mail = wait_until(lambda: [m for m in top.mails()[before:] if m["To"] == email], timeout=30,
                      what="the sign-in mail")[-1]
    assert use_sign_in_link(first, link_in(mail)).status_code == 303
    return [httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies=first.cookies, timeout=30) for port in ports]


def file_on_portal(client: httpx.Client, title: str) -> None:
    page = client.get("/file")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/file", data={"csrf": csrf, "unit": "zb-xinxi", "manifestation": "lan-1", "title": title,
                                   "detail": "同时立项", "class": "", "owner": ""})
    assert r.status_code == 303, r.text[:500]


def test_filing_through_two_portals_the_cli_and_a_sheet_at_once(top: Topology, tmp_path: Path):
    a, b = portal_sessions(top, INSPECTOR)
    sheet = book(tmp_path / "sheet.xlsx", [row(title=f"表格 {i}") for i in range(3)])
    jobs = [lambda i=i: file_on_portal(a, f"门户一 {i}") for i in range(2)]
    jobs += [lambda i=i: file_on_portal(b, f"门户二 {i}") for i in range(2)]
    jobs += [lambda i=i: top.cli("file", "--unit", "zb-zhengce", "--manifestation", "fu-2", "--title", f"命令行 {i}",
                                 "--as", INSPECTOR) for i in range(2)]
    jobs.append(lambda: top.cli("import", str(sheet)))
    errors: list[BaseException] = []

    def run(job) -> None:  # type: ignore[no-untyped-def]
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    titles = [i["title"] for i in top.ledger()]
    filed = [f"门户一 {i}" for i in range(2)] + [f"门户二 {i}" for i in range(2)] + \
            [f"命令行 {i}" for i in range(2)] + [f"表格 {i}" for i in range(3)]
    assert sorted(t for t in titles if t in filed) == sorted(filed)  # each once: nothing lost or doubled
    settle(top, timeout=240)
    after_each_drill(top)


def test_prefect_yaml_brings_the_repair_automation(top: Topology):
    """`prefect deploy --all` from prefect.yaml creates the automation that repairs ended case
    runs, pointed at this topology's reconcile deployment, as `rectiflow up` does."""
    [repair] = [a for a in top.api("/automations/filter", {}) if a["name"] == "repair-case-runs"]
    assert repair["enabled"] and set(repair["trigger"]["expect"]) == {
        "prefect.flow-run.Crashed", "prefect.flow-run.Cancelled", "prefect.flow-run.Failed"}
    [reconcile] = top.api("/deployments/filter", {"deployments": {"name": {"any_": ["reconcile"]}}})
    [action] = repair["actions"]
    assert (action["type"], action["deployment_id"]) == ("run-deployment", reconcile["id"])
    assert (reconcile["global_concurrency_limit"] or {}).get("limit") == 1  # one reconcile at a time


def test_kill_9_of_the_worker_machines_mid_pass_is_repaired_within_minutes(top: Topology, tmp_path: Path):
    # B16: with the shipped settings (nothing run by hand, RECTIFLOW_STUCK_SECONDS as shipped): the
    # runs the dead workers held send nothing more, the silent-case-runs automation runs reconcile
    # after its two-minute window, and the runs are replaced. Before, the hourly reconcile did it.
    before = {name: top.starts(name) for name in ("worker-1", "worker-2")}
    top.cli("import", str(book(tmp_path / "burst.xlsx", [row(title=f"突发 {i}") for i in range(4)])))
    busy = wait_until(lambda: [r for r in top.case_runs() if r["state_type"] in ("PENDING", "RUNNING")],
                      timeout=60, what="case passes under way", interval=0.1)
    for name in before:
        kill_machine(top.pid(name))
    killed = time.monotonic()
    for name, starts in before.items():
        wait_alive(top, name, after=starts)
    settle(top, timeout=600)
    print(f"repaired {time.monotonic() - killed:.0f} s after the kill")
    assert busy
    reconciles = top.api("/flow_runs/filter", {"deployments": {"name": {"any_": ["reconcile"]}}})
    assert any(r["parameters"].get("stuck_seconds") == 120 for r in reconciles), [r["parameters"] for r in reconciles]
    crashed = top.api("/flow_runs/filter", {"flow_runs": {"id": {"any_": [r["id"] for r in busy]}}})
    assert any(r["state_type"] == "CRASHED" for r in crashed), [r["state_name"] for r in crashed]
    after_each_drill(top)


def test_kill_9_of_an_api_process_while_commands_and_workers_use_it(top: Topology):
    items = [i for i in top.ledger() if i["state"] == "assigned"][:4]
    owners = {i["code"]: i["owner_email"] for i in items}
    before = top.starts("prefect-api-1")
    results: list[int] = []

    def submit_all() -> None:
        for code, owner in owners.items():
            results.append(top.cli("submit", code, "--as", owner, "--note", "已整改", ok=False).returncode)

    t = threading.Thread(target=submit_all)
    t.start()
    kill_machine(top.pid("prefect-api-1"))
    t.join(300)
    assert results == [0] * len(owners)  # every command went through the other API process
    wait_alive(top, "prefect-api-1", after=before)
    settle(top, timeout=240, reconcile=True)
    subjects = [m["Subject"] for m in top.mails()]
    for code in owners:
        assert sum(f"【待验收】{code}" in s for s in subjects) == 1
    after_each_drill(top)


def test_mail_relay_down_for_a_while_then_delivered_once(top: Topology):
    top.relay.stop()
    try:
        code = top.cli("file", "--unit", "zb-shenpi1", "--manifestation", "lan-2", "--title", "中继中断时立项",
                       "--as", INSPECTOR).stdout.split()[0]
        settle(top, timeout=120)  # the case ran and assigned it; its mail waits in the outbox
        owner = json.loads(top.cli("show", code, "--json").stdout)["owner_email"]
        waiting = top.cli("mail", "list", COLUMNS="250").stdout
        assert owner in waiting and code in waiting
        assert not [m for m in top.mails() if code in m["Subject"]]
    finally:
        top.relay = MailSink(top.mail, host="127.0.0.1", port=top.relay.port).start()
    wait_until(lambda: [m for m in top.mails() if code in m["Subject"]] or top.cli("reconcile", ok=False) and None,
               timeout=60, what="the waiting mail delivered")
    assert sum(code in m["Subject"] for m in top.mails()) == 1
    after_each_drill(top)


def sweep_deployment(top: Topology) -> str:
    return top.api("/deployments/filter", {"deployments": {"name": {"any_": ["deadline-sweep"]}}})[0]["id"]


def past_every_due_date(top: Topology) -> str:
    """09:00 (Asia/Shanghai) on the working day after the latest due date of an open item."""
    latest = max(date.fromisoformat(v["due_on"]) for v in top.ledger() if v["state"] in ("assigned", "submitted"))
    return f"{WorkCalendar().add_working_days(latest, 1).day}T09:00:00+08:00"


def scheduled_sweeps(top: Topology) -> list[dict]:
    return top.api("/flow_runs/filter", {"limit": 200, "flow_runs": {
        "deployment_id": {"any_": [sweep_deployment(top)]}, "state": {"type": {"any_": ["SCHEDULED"]}}}})


def slots(runs: list[dict]) -> Counter:
    return Counter(r["expected_start_time"] for r in runs)


def test_services_and_redis_restarted_sweeps_neither_lost_nor_doubled(top: Topology):
    first = slots(wait_until(lambda: scheduled_sweeps(top), timeout=60, what="scheduled sweeps"))
    assert set(first.values()) == {1}
    # A second services process beside the first; then the first killed and Redis restarted.
    second = Process("prefect-services-2", [str(BIN / "prefect"), "server", "services", "start"],
                     top.plan.server_env("prefect-services-2"), top.plan.data_dir / "logs" / "prefect-services-2.log")
    second.start()
    try:
        before = top.starts("prefect-services")
        kill_machine(top.pid("prefect-services"))
        top.redis.stop()
        top.redis.start()
        wait_alive(top, "prefect-services", after=before)
        # The scheduler works again once it recreates a scheduled sweep that was deleted.
        gone = min(scheduled_sweeps(top), key=lambda r: r["expected_start_time"])
        user, _, password = top.plan.auth_string.partition(":")
        httpx.delete(f"{top.plan.api_url}/flow_runs/{gone['id']}", auth=(user, password), timeout=10
                     ).raise_for_status()
        wait_until(lambda: gone["expected_start_time"] in slots(scheduled_sweeps(top)), timeout=120,
                   what="the scheduler back after the restarts")
        now = slots(scheduled_sweeps(top))
        assert set(now.values()) == {1} and set(first) <= set(now)  # neither lost nor doubled
    finally:
        second.stop()
    # Two sweeps for the same morning at once (as two workers would run them): one digest each.
    # The morning is a working day after the latest open item's due date, so items are overdue
    # and digests go out whatever day the drill runs.
    top.cli("file", "--unit", "zb-zhengce", "--manifestation", "fu-2", "--title", "清晨督办", "--as", INSPECTOR)
    settle(top, timeout=120)  # its case run has assigned it: it has a due date
    moment = past_every_due_date(top)
    deployment = sweep_deployment(top)
    ids = [top.api(f"/deployments/{deployment}/create_flow_run", {"parameters": {"now": moment}})["id"]
           for _ in range(2)]

    def both_done() -> bool:
        runs = top.api("/flow_runs/filter", {"flow_runs": {"id": {"any_": ids}}})
        assert not [r for r in runs if r["state_type"] in ("FAILED", "CRASHED")], runs
        return len(runs) == 2 and all(r["state_type"] == "COMPLETED" for r in runs)

    wait_until(both_done, timeout=180, what="both sweeps completed")
    digests = [m["To"] for m in top.mails() if m["X-Rectiflow-Key"].startswith("digest:")]
    assert digests and len(digests) == len(set(digests))
    settle(top, timeout=120)
    after_each_drill(top)


def test_an_operator_shell_from_the_env_file_and_robots_on_the_stand_in(top: Topology, tmp_path: Path):
    # B20: the rehearsal writes the operator's env file (owner-only: it holds the secrets); a
    # shell with nothing else works against the topology as a portal or worker does.
    env_file = top.plan.data_dir / "operator.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600 and stat.S_IMODE(top.plan.data_dir.stat().st_mode) == 0o700
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}

    def shell(line: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", f"set -a; . {env_file}; set +a; {line}"], env=bare, cwd=tmp_path,
                              capture_output=True, text=True, timeout=180)

    checked = shell(f"{BIN / 'rectiflow'} check --role portal")
    assert checked.returncode == 0 and "✓ Prefect API" in checked.stdout, checked.stdout + checked.stderr
    assert json.loads(shell(f"{BIN / 'rectiflow'} ledger --json").stdout) == top.ledger()
    # B17: /api/health answers anyone; a wrong auth string is refused, for a portal too.
    wrong = shell(f"PREFECT_API_AUTH_STRING=admin:wrong {BIN / 'rectiflow'} check --role portal")
    assert wrong.returncode == 2 and "PREFECT_API_AUTH_STRING is missing or wrong" in wrong.stdout, wrong.stdout
    # B18: robots go to the rehearsal's stand-in, never the real platforms.
    org = tmp_path / "org.yaml"
    org.write_text(DEMO_ORG.read_text().replace(
        "name: 高鹏, roles: [{unit: zb-xinxi, role: secretary}]}",
        "name: 高鹏, roles: [{unit: zb-xinxi, role: secretary}], "
        "channels: [{kind: wecom, key: drill-robot-0001, everything: true}]}"))
    assert "drill-robot-0001" in org.read_text()
    top.cli("org", "load", str(org))
    code = top.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-3", "--title", "机器人通知",
                   "--as", INSPECTOR).stdout.split()[0]
    posts = wait_until(lambda: [m for m in read_messages(top.plan.data_dir / "messages")
                                if m.get("key") == "drill-robot-0001" and code in m.get("text", "")],
                       timeout=120, what="the robot's message at the stand-in")
    assert posts[0]["kind"] == "wecom"
    settle(top, timeout=120)
    after_each_drill(top)
