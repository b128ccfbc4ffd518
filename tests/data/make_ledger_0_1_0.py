"""Build a ledger with the code of rectiflow 0.1.0 as it stood before migrations (commit 19334f3)."""
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from models.deadlines.sweep import sweep
from models.items import commands as cmd
from models.items.extension import decide_extension, request_extension
from models.people.directory import finding_by_code, person_by_email
from models.policy import Policy
from services.opening import open_database
from services.rulebook import load_deadline_policy, load_negative_list, load_org
from store.db import transaction


def at(s): return datetime.fromisoformat(s).replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
url = f"sqlite:///{sys.argv[1]}"
engine = open_database(url)
policy = Policy()
with transaction(engine) as s:
    load_negative_list(s)
    load_org(s, path=Path("models/data/demo_org.yaml"))
codes = []
t0 = at("2026-10-12 09:00")
with transaction(engine) as s:
    for i, (unit, man) in enumerate([("zb-xinxi", "lan-1"), ("zb-zhengce", "yong-2"), ("zb-shenpi1", "san-1"),
                                     ("zb-shenpi2", "fu-1"), ("zb-bangongshi", "tuo-1"), ("zb-xinxi", "lan-1")]):
        f = cmd.file(s, actor=person_by_email(s, "zhou.jing@example.org"), unit=unit, manifestation=man,
                             title=f"问题{i} 窗口推诿", detail="详细描述\n第二行", now=t0, policy=policy)
        cmd.assign(s, actor=None, finding=f, now=t0, policy=policy)
        codes.append(f.code)
with transaction(engine) as s:
    f = finding_by_code(s, codes[0])
    cmd.submit(s, actor=person_by_email(s, "gao.peng@example.org"), finding=f, account="已整改", files=[],
               now=at("2026-10-14 10:00"), policy=policy)
    cmd.return_item(s, actor=person_by_email(s, "wu.haitao@example.org"), finding=f, reason="缺少制度文件",
                    new_due=date(2026, 11, 30), now=at("2026-10-15 10:00"), policy=policy)
    f1 = finding_by_code(s, codes[1])
    cmd.submit(s, actor=person_by_email(s, "yang.fan@example.org"), finding=f1, account="已建立制度", files=[],
               now=at("2026-10-16 10:00"), policy=policy)
    cmd.accept(s, actor=person_by_email(s, "zhou.jing@example.org"), finding=f1, now=at("2026-10-19 10:00"),
               policy=policy)
    f2 = finding_by_code(s, codes[2])
    request_extension(s, actor=person_by_email(s, "zhu.wei@example.org"), finding=f2, to=date(2026, 12, 31),
                      reason="等待设备", now=at("2026-10-14 10:00"), policy=policy)
    decide_extension(s, actor=person_by_email(s, "sun.hongmei@example.org"), finding=f2, approve=True,
                     now=at("2026-10-15 10:00"), policy=policy)
    cmd.withdraw(s, actor=person_by_email(s, "zhou.jing@example.org"), finding=finding_by_code(s, codes[5]),
                 reason="重复立项", now=at("2026-10-21 11:00"), policy=policy)
with transaction(engine) as s:
    sweep(s, now=at("2026-11-25 09:00"), policy=policy, deadlines=load_deadline_policy())
print(codes)
