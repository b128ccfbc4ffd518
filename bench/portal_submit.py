"""Benchmark: from an owner's submit in the portal to the case run resumed, on the embedded
stack (`rectiflow up`: Prefect server, served deployments, portal, SMTP sink).

    .venv/bin/python bench/portal_submit.py [N] [--sweep K]

--sweep K: first add K open items to the stack's ledger (due dates spread over the next two
months), then keep a deadline sweep running in another process throughout the submits, one
working day after another (each a real sweep: reminders, escalations, digests), so the
submits compete with it for the ledger.

Starts `rectiflow up` in a temporary folder on free ports, files N findings with the CLI,
waits for their runs to sleep, then for each item: takes the owner's link from the mail
folder, opens the page, posts the submit form (a note) once the previous item's pass has
gone back to sleep, and times
  - the portal's answer (the ledger committed, the run resumed through the API),
  - until the Prefect API shows the run no longer Suspended (resumed),
  - until the verifier's mail is in the folder (the resumed pass ran).
Prints the median and the 90th percentile of each.
"""

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXE = Path(sys.executable).parent / "rectiflow"
LINK = re.compile(r"https?://[^/\s]+(/l/[A-Za-z0-9_\-.]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def mails(folder: Path) -> list:  # type: ignore[type-arg]
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def run_state(api: str, name_prefix: str) -> str:
    r = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"name": {"like_": name_prefix}}}, timeout=5)
    found = r.json()
    return found[0]["state_name"] if found else ""


SWEEPER = """
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.deadlines.calendar import WorkCalendar
from services.jobs import decide_sweep

day = date.today()
while True:
    day += timedelta(days=1)
    if not WorkCalendar().is_workday(day):
        continue
    report = decide_sweep(datetime.combine(day, time(9), ZoneInfo("Asia/Shanghai")))
    print(day, report.reminders, len(report.escalated), report.digests, flush=True)
"""


def fill(url: str, k: int) -> None:
    """K open items assigned to the demo's people, due over the next two months."""
    import random
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import insert
    from sqlmodel import select

    from models.items.finding import Finding, State
    from models.people.org import Membership, Role, Unit, UnitKind
    from store.db import make_engine, transaction

    rnd = random.Random(3)
    now = datetime.now(UTC)
    with transaction(make_engine(url)) as s:
        branches = list(s.exec(select(Unit.id).where(Unit.kind == UnitKind.branch)))
        owners = list(s.exec(select(Membership.person_id, Membership.unit_id).where(
            Membership.role == Role.secretary, Membership.unit_id.in_(branches))))  # type: ignore[attr-defined]
        rows = []
        for i in range(k):
            owner, unit = owners[i % len(owners)]
            due = date.today() + timedelta(days=rnd.randint(1, 60))
            rows.append({"code": f"BENCH-{i:06d}", "unit_id": unit, "manifestation_id": "lan-1", "title": f"负载 {i}",
                         "detail": "", "deadline_class": "limited", "state": State.assigned, "filed_by_id": owner,
                         "filed_at": now, "owner_id": owner, "assigned_at": now, "due_on": due, "original_due_on": due,
                         "due_provisional": False, "escalation_level": 0, "version": 2, "updated_at": now,
                         "run_note": "load for the bench", "published_event_id": 0})
        for i in range(0, k, 5000):
            s.execute(insert(Finding), rows[i:i + 5000])


def main() -> None:
    args = list(sys.argv[1:])
    load = 0
    if "--sweep" in args:
        at = args.index("--sweep")
        load = int(args[at + 1])
        del args[at:at + 2]
    n = int(args[0]) if args else 20
    tmp = Path(tempfile.mkdtemp(prefix="rectiflow-bench-portal-"))
    api, portal = f"http://127.0.0.1:{free_port()}/api", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    env.update(RECTIFLOW_DATA_DIR=str(tmp / "rf"), RECTIFLOW_SMTP_PORT=str(free_port()),
               RECTIFLOW_MESSENGER_SINK_PORT=str(free_port()), PREFECT_API_URL=api,
               RECTIFLOW_PREFECT_API_URL=api, RECTIFLOW_PORTAL_PORT=str(portal),
               RECTIFLOW_PORTAL_URL=f"http://127.0.0.1:{portal}")
    folder = tmp / "rf" / "mail"
    proc = subprocess.Popen([str(EXE), "up"], cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait(lambda: httpx.get(f"http://127.0.0.1:{portal}/login").status_code == 200 if _up(portal) else None,
             120, "the stack")
        subprocess.run([str(EXE), "org", "load", str(ROOT / "models/data/demo_org.yaml")], cwd=tmp, env=env,
                       check=True, capture_output=True)
        codes = []
        for i in range(n):
            out = subprocess.run([str(EXE), "file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title",
                                  f"基准问题{i}", "--as", "zhou.jing@example.org"], cwd=tmp, env=env, check=True,
                                 capture_output=True, text=True)
            codes.append(out.stdout.strip().splitlines()[0])
        wait(lambda: all(run_state(api, f"{c}%") == "Suspended" for c in codes), 300, "runs asleep")
        sweeper = None
        if load:
            fill(f"sqlite:///{tmp / 'rf' / 'ledger.db'}", load)
            sweeper = subprocess.Popen([sys.executable, "-c", SWEEPER], cwd=ROOT, env=env,
                                       stdout=(tmp / "sweeps.log").open("w"), stderr=subprocess.STDOUT,
                                       start_new_session=True)
            wait(lambda: (tmp / "sweeps.log").stat().st_size > 0, 120, "the first sweep")
        answer, resumed, mailed = [], [], []
        with httpx.Client(base_url=f"http://127.0.0.1:{portal}", follow_redirects=False, timeout=30) as client:
            for code in codes:
                [mail] = [m for m in mails(folder) if code in m["Subject"] and m["Subject"].startswith("【整改交办】")]
                link = LINK.search(mail.get_body(preferencelist=("plain",)).get_content()).group(1)
                page = client.get(link)
                token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
                before = len(list(folder.glob("*.eml")))
                t0 = time.perf_counter()
                r = client.post(f"{link}/submit", data={"csrf": token, "note": "已整改"})
                answer.append(time.perf_counter() - t0)
                assert r.status_code == 303, r.text[:300]
                wait(lambda c=code: run_state(api, f"{c}%") != "Suspended", 60, "resume")
                resumed.append(time.perf_counter() - t0)
                wait(lambda b=before: len(list(folder.glob("*.eml"))) > b, 60, "the verifier's mail")
                mailed.append(time.perf_counter() - t0)
                # Let the pass finish and its process exit before the next owner submits.
                wait(lambda c=code: run_state(api, f"{c}%") == "Suspended", 60, "the run asleep again")
        if sweeper is not None:
            os.killpg(sweeper.pid, signal.SIGTERM)
            sweeper.wait(30)
            days = (tmp / "sweeps.log").read_text().splitlines()
            print(f"a concurrent sweep over {load} more open items ran {len(days)} working days meanwhile "
                  f"(day, reminders, escalated, digests): {days[0]} .. {days[-1]}")
        for label, xs in (("portal answered (ledger + resume call)", answer), ("run resumed in the API", resumed),
                          ("verifier's mail arrived (pass ran)", mailed)):
            xs = sorted(xs)
            print(f"{label:40s} median {statistics.median(xs) * 1000:7.0f} ms   "
                  f"p90 {xs[int(len(xs) * 0.9) - 1] * 1000:7.0f} ms   (n={len(xs)})")
        print("portal answers in order (ms):", " ".join(f"{x * 1000:.0f}" for x in answer))
        print("clicks from the mail to submitted evidence: 3 (open the link, choose the file, submit)")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)


def _up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
