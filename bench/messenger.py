"""Benchmark: delivering the outbox with messenger channels beside mail.

    .venv/bin/python bench/messenger.py [N]

Files and assigns N items to one owner in a fresh SQLite ledger, twice: once with mail only
(the baseline), once with the owner on a WeCom robot and a DingTalk robot (three outbox rows
per item). Delivers each to the local SMTP sink and the local messenger stand-in (which
checks every payload and DingTalk signature), and prints the time per row and the ratio.
"""

import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.items import commands  # noqa: E402
from models.people.channels import ChannelKind, set_channel  # noqa: E402
from models.people.directory import person_by_email  # noqa: E402
from models.policy import Policy  # noqa: E402
from notifications.delivery import deliver  # noqa: E402
from notifications.messenger_sink import MessengerSink, read_messages  # noqa: E402
from notifications.sink import MailSink  # noqa: E402
from services.demo import DEMO_ORG  # noqa: E402
from services.opening import create_schema  # noqa: E402
from services.rulebook import load_negative_list, load_org  # noqa: E402
from store.db import make_engine, transaction  # noqa: E402
from store.settings import Settings  # noqa: E402
from tests.mail import free_port  # noqa: E402

NOW = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
OWNER, INSPECTOR = "gao.peng@example.org", "zhou.jing@example.org"
TOKEN, SECRET = "bench-dingtalk-token", "SECbench"


def run(root: Path, n: int, *, channels: bool) -> tuple[int, float, int]:
    """(rows delivered, seconds, messenger posts accepted)."""
    engine = make_engine(f"sqlite:///{root / 'ledger.db'}")
    create_schema(engine)
    policy = Policy()
    with transaction(engine) as s:
        load_negative_list(s)
        load_org(s, path=DEMO_ORG)
        if channels:
            owner = person_by_email(s, OWNER).id
            set_channel(s, person_id=owner, kind=ChannelKind.wecom, target="bench-wecom-key", secret="",  # type: ignore[arg-type]
                        everything=True, now=NOW)
            set_channel(s, person_id=owner, kind=ChannelKind.dingtalk, target=TOKEN, secret=SECRET,  # type: ignore[arg-type]
                        everything=True, now=NOW)
        for i in range(n):
            f = commands.file(s, actor=person_by_email(s, INSPECTOR), unit="zb-xinxi", manifestation="lan-1",
                                      title=f"问题{i}", now=NOW, policy=policy)
            commands.assign(s, actor=None, finding=f, now=NOW, policy=policy)
    with MailSink(root / "mail", port=free_port()) as mail, \
            MessengerSink(root / "messages", secrets={TOKEN: SECRET}) as robots:
        settings = Settings(data_dir=root, smtp_port=mail.port, wecom_base_url=f"{robots.url}/wecom",
                            dingtalk_base_url=f"{robots.url}/dingtalk", portal_url="https://rf.example.org")
        start = time.perf_counter()
        rows = 0
        while report := deliver(engine, settings=settings, now=NOW):
            if not report.sent and not report.retry and not report.failed:
                break
            rows += len(report.sent)
            assert not report.failed, report.failed
        took = time.perf_counter() - start
        posts = len(read_messages(root / "messages"))
    engine.dispose()
    return rows, took, posts


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    results = {}
    for channels in (False, True):
        root = Path(tempfile.mkdtemp(prefix="rf-bench-messenger-"))
        try:
            results[channels] = run(root, n, channels=channels)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    (mail_rows, mail_s, _), (all_rows, all_s, posts) = results[False], results[True]
    mail_ms, all_ms = mail_s * 1000 / mail_rows, all_s * 1000 / all_rows
    print(f"{n} items, mail only: {mail_rows} rows in {mail_s:.2f} s ({mail_ms:.1f} ms/row)")
    print(f"{n} items, mail + WeCom + DingTalk: {all_rows} rows in {all_s:.2f} s ({all_ms:.1f} ms/row); "
          f"{posts} posts accepted by the stand-in")
    print(f"ratio per row with messengers / mail only: {all_ms / mail_ms:.2f}")


if __name__ == "__main__":
    main()
