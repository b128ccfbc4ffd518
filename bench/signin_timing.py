"""Sign-in: how long the portal takes to answer a registered address vs an unknown one.

The lookup and the mail happen after the answer, so the two must not differ (before the
fix a registered address was answered ~170 ms later: the mail was sent first).

    .venv/bin/python bench/signin_timing.py [ROUNDS]
"""

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mail import free_port  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    data = Path(tempfile.mkdtemp(prefix="signin-"))
    os.environ.update(RECTIFLOW_DATA_DIR=str(data), RECTIFLOW_SMTP_PORT=str(free_port()))
    import httpx

    from notifications.sink import MailSink
    from processes.stack import start_portal
    from services.opening import database_for
    from services.rulebook import load_negative_list, load_org
    from store.db import transaction

    with transaction(database_for()) as s:
        load_negative_list(s)
        load_org(s, path=ROOT / "models" / "data" / "demo_org.yaml")
    port = free_port()
    with MailSink(data / "mail", port=int(os.environ["RECTIFLOW_SMTP_PORT"])):
        portal = start_portal("127.0.0.1", port, mail_folder=False)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
                times: dict[str, list[float]] = {"registered": [], "unknown": []}
                people = ["zhou.jing", "wu.haitao", "zheng.yun", "gao.peng", "yang.fan", "zhu.wei", "he.qiang"]
                for i in range(rounds):
                    for kind, email in (("registered", f"{people[i % len(people)]}@example.org"),
                                        ("unknown", f"nobody{i}@example.org")):
                        t = time.perf_counter()
                        client.post("/login", data={"email": email, "csrf": csrf, "next": "/"})
                        times[kind].append((time.perf_counter() - t) * 1000)
        finally:
            portal.stop()
    reg, unk = statistics.median(times["registered"]), statistics.median(times["unknown"])
    print(f"sign-in answer, median of {rounds} each: registered {reg:.1f} ms, unknown {unk:.1f} ms, "
          f"difference {reg - unk:+.1f} ms")


if __name__ == "__main__":
    main()
