"""A hand-built October 2026 for the notice tests (National Day holidays, Oct 10 a make-up
Saturday), and an independent count of its figures straight from the tables in SQL."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from models.deadlines.escalation import Escalation
from models.items import commands as cmd
from models.items.evidence import StoredFile
from models.items.extension import decide_extension, request_extension
from models.people.directory import finding_by_code, person_by_email
from models.policy import Policy
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, SUPERVISOR, file_and_assign

SECRETARIES = {"zb-bangongshi": "wang.jianguo@example.org", "zb-zhengce": "yang.fan@example.org",
               "zb-shenpi1": "zhu.wei@example.org", "zb-shenpi2": "he.qiang@example.org",
               "zb-xinxi": "gao.peng@example.org"}
STRONG = "已对窗口受理流程全面梳理，制定限时办结制度，并对全体窗口人员开展专题培训，抽查整改后办件全部按时办结。"
PHOTO = StoredFile("ab" * 32, 2048, "整改前后对比.jpg")


def close(engine: Engine, policy: Policy, code: str, unit: str, when: str, *, account: str = "已整改",
          files: int = 0) -> None:
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        cmd.submit(s, actor=person_by_email(s, SECRETARIES[unit]), finding=f, account=account,
                   files=[PHOTO] * files, now=at(when), policy=policy)
        cmd.accept(s, actor=person_by_email(s, INSPECTOR), finding=f, now=at(when), policy=policy)


def build_october(engine: Engine, policy: Policy) -> dict[str, str]:
    """Returns the codes by role in the story:
    early  zb-zhengce, filed Oct 9 (due Oct 15), closed Oct 12 on strong evidence: a good example;
    red    zb-shenpi1, filed Sep 1, never closed: blue, yellow, red (Oct 9), overdue at month end;
    late   zb-shenpi2, filed Oct 13 (due Oct 20), closed Oct 30: closed, not on time;
    again  zb-xinxi, a recurrence of a September item, closed on time on thin evidence;
    moved  zb-bangongshi, filed Oct 20 (due Oct 27), extended to Nov 10: not overdue;
    plus one withdrawn October finding and one filed in November (neither counts)."""
    codes = {}
    codes["early"] = file_and_assign(engine, now=at("2026-10-09 10:00"), policy=policy, unit="zb-zhengce")
    close(engine, policy, codes["early"], "zb-zhengce", "2026-10-12 15:00", account=STRONG, files=2)
    codes["red"] = file_and_assign(engine, now=at("2026-09-01 10:00"), policy=policy, unit="zb-shenpi1")
    with transaction(engine) as s:
        f = finding_by_code(s, codes["red"])
        for level, day in ((1, "2026-09-09"), (2, "2026-09-15"), (3, "2026-10-09")):
            s.add(Escalation(finding_id=f.id, level=level, due_on=f.due_on, days_overdue=level * 4,
                             at=at(f"{day} 09:00")))
        f.escalation_level = 3
        s.add(f)
    codes["late"] = file_and_assign(engine, now=at("2026-10-13 10:00"), policy=policy, unit="zb-shenpi2",
                                    manifestation="tuo-1")
    close(engine, policy, codes["late"], "zb-shenpi2", "2026-10-30 10:00", account=STRONG, files=1)
    first = file_and_assign(engine, now=at("2026-09-01 10:00"), policy=policy, unit="zb-xinxi")
    close(engine, policy, first, "zb-xinxi", "2026-09-03 10:00")
    codes["again"] = file_and_assign(engine, now=at("2026-10-14 10:00"), policy=policy, unit="zb-xinxi")
    close(engine, policy, codes["again"], "zb-xinxi", "2026-10-15 10:00", account="已整改", files=1)
    codes["moved"] = file_and_assign(engine, now=at("2026-10-20 10:00"), policy=policy, unit="zb-bangongshi")
    with transaction(engine) as s:
        f = finding_by_code(s, codes["moved"])
        request_extension(s, actor=person_by_email(s, SECRETARIES["zb-bangongshi"]), finding=f, to=date(2026, 11, 10),
                          reason="等待设备到货", now=at("2026-10-21 10:00"), policy=policy)
        decide_extension(s, actor=person_by_email(s, SUPERVISOR), finding=f, approve=True,
                         now=at("2026-10-22 10:00"), policy=policy)
    codes["withdrawn"] = file_and_assign(engine, now=at("2026-10-16 10:00"), policy=policy, unit="zb-shenpi2",
                                         manifestation="fu-1")
    with transaction(engine) as s:
        cmd.withdraw(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, codes["withdrawn"]),
                     reason="重复录入", now=at("2026-10-16 11:00"), policy=policy)
    codes["november"] = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, unit="zb-zhengce",
                                        manifestation="san-1")
    return codes


def count_in_sql(engine: Engine, *, year: int, month: int, tz: str = "Asia/Shanghai") -> dict[str, int]:
    """The month's totals recounted with plain SQL (UTC bounds of the local month)."""
    zone = ZoneInfo(tz)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    last = (end - timedelta(days=1)).date()
    utc = {"s": start.astimezone(ZoneInfo("UTC")).replace(tzinfo=None),
           "e": end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None), "last": last}
    queries = {
        "found": "SELECT count(*) FROM finding WHERE state <> 'withdrawn' AND filed_at >= :s AND filed_at < :e",
        "closed": "SELECT count(*) FROM finding WHERE closed_at >= :s AND closed_at < :e",
        "overdue": "SELECT count(*) FROM finding WHERE state <> 'withdrawn' AND filed_at < :e "
                   "AND (closed_at IS NULL OR closed_at >= :e) AND due_on < :last",
        "extensions": "SELECT count(*) FROM extension WHERE status = 'approved' AND decided_at >= :s "
                      "AND decided_at < :e",
        "recurrences": "SELECT count(*) FROM finding WHERE state <> 'withdrawn' AND filed_at >= :s "
                       "AND filed_at < :e AND recurrence_of_id IS NOT NULL",
        "unacknowledged": "SELECT count(*) FROM finding WHERE state <> 'withdrawn' AND filed_at < :e "
                          "AND (closed_at IS NULL OR closed_at >= :e) AND assigned_at < :e "
                          "AND (acknowledged_at IS NULL OR acknowledged_at >= :e)",
    }
    with engine.connect() as conn:
        return {k: conn.execute(text(q), utc).scalar_one() for k, q in queries.items()}
