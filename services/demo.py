"""The demo: the seed organisation and a handful of sample findings across the branches."""

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from models.columns import stored_id
from models.deadlines.calendar import WorkCalendar, local_date
from models.items import commands
from models.items.finding import Finding
from models.items.split import Part, split
from models.outbox import MailStatus, Notification
from models.people.absence import declare_absence
from models.people.channels import ChannelKind, set_channel
from models.people.directory import person_by_email
from models.people.org import Person
from models.policy import Policy
from services import context as ctx
from services.organisation import load
from store.db import transaction

DEMO_MESSENGER = "gao.peng@example.org"
DEMO_ABSENCE = ("wang.jianguo@example.org", "chen.xiaoyu@example.org")  # away, stand-in
DEMO_PART = ("zb-bangongshi", "liu.yang@example.org", "办公室配合将巡检记录迁入运维平台")  # unit, owner, title
DEMO_ORG = Path(__file__).resolve().parent.parent / "models" / "data" / "demo_org.yaml"

SAMPLES = [  # unit, manifestation, inspector, title, detail
    ("zb-bangongshi", "tuo-1", "zhou.jing@example.org", "公文流转超时限",
     "11月抽查公文12件，其中3件超过规定办理时限2个工作日以上。"),
    ("zb-zhengce", "fu-2", "wu.haitao@example.org", "基层报表重复报送",
     "同一季度数据要求基层以三种格式分别报送，增加基层负担。"),
    ("zb-shenpi1", "lan-2", "zheng.yun@example.org", "窗口咨询未及时回复",
     "12345转办的4件企业咨询超过3个工作日未回复。"),
    ("zb-shenpi2", "san-1", "zhou.jing@example.org", "午休后窗口迟开",
     "督察当日14:00窗口未按时开放，群众等候约20分钟。"),
    ("zb-xinxi", "yong-4", "wu.haitao@example.org", "系统运维仍靠手工台账",
     "机房巡检记录仍为纸质手工台账，未纳入运维平台。"),
]


# Last month, already history: one item closed on time, one closed late, so the demo has a
# month that has ended, whose notice may be published (a month still running may not).
LAST_MONTH = [  # unit, manifestation, inspector, title, working days to close
    ("zb-shenpi2", "lan-1", "zheng.yun@example.org", "首问负责制落实不到位", 3),
    ("zb-zhengce", "lan-2", "wu.haitao@example.org", "群众来信未按期答复", 9),
]


def _last_month(session: Session, policy: Policy) -> list[str]:
    """File, assign, hand in and close last month's items at their own moments; the mail they
    made then is history, not sent now."""
    tz = ZoneInfo(ctx.settings().timezone)
    calendar = WorkCalendar.from_session(session)
    this_month = local_date(ctx.now(), ctx.settings().timezone).replace(day=1)
    last_day = this_month - timedelta(days=1)
    day = calendar.add_working_days(last_day.replace(day=3), 1).day
    codes = []
    first_mail = session.exec(select(func.max(Notification.id))).one() or 0
    for unit, manifestation, inspector, title, days in LAST_MONTH:
        at = datetime.combine(day, time(10), tz)
        f = commands.file(session, actor=person_by_email(session, inspector), unit=unit,
                                  manifestation=manifestation, title=title, detail="上月督察发现。", now=at,
                                  policy=policy, deadline_class="immediate")
        commands.assign(session, actor=None, finding=f, now=at, policy=policy, mail=False)
        done = datetime.combine(min(calendar.add_working_days(day, days).day, last_day), time(16), tz)
        owner = session.get(Person, f.owner_id)
        assert owner is not None
        commands.submit(session, actor=owner, finding=f, account="已整改，附整改报告。", files=[], now=done,
                        policy=policy)
        commands.accept(session, actor=person_by_email(session, inspector), finding=f,
                        now=done + timedelta(hours=1), policy=policy)
        codes.append(f.code)
    for mail in session.exec(select(Notification).where(col(Notification.id) > first_mail)):
        mail.status = MailStatus.cancelled
    return codes


def load_demo() -> list[str]:
    """Load the demo organisation; file the sample findings once (none if any exist), in one
    transaction. Their case runs are started by the caller (or by reconcile)."""
    load(DEMO_ORG)
    with transaction(ctx.database()) as session:
        if session.exec(select(func.count()).select_from(Finding)).one():
            return []
        # 高鹏 reads his 企业微信 group robot too: the embedded stack's stand-in takes its posts.
        set_channel(session, person_id=stored_id(person_by_email(session, DEMO_MESSENGER)),
                    kind=ChannelKind.wecom, target="demo-robot-gaopeng", secret="", everything=True, now=ctx.now())
        # 王建国 is away this week; 陈晓雨 of his branch stands in (委托): his mail goes to her.
        away, stand_in = (person_by_email(session, e) for e in DEMO_ABSENCE)
        today = local_date(ctx.now(), ctx.settings().timezone)
        declare_absence(session, actor=away, person=away, delegate=stand_in, first=today,
                        last=today + timedelta(days=6), reason="参加集中培训", now=ctx.now(),
                        timezone=ctx.settings().timezone)
        policy = ctx.policy()
        _last_month(session, policy)
        codes = []
        for unit, manifestation, inspector, title, detail in SAMPLES:
            f = commands.file(session, actor=person_by_email(session, inspector), unit=unit,
                                      manifestation=manifestation, title=title, detail=detail,
                                      now=ctx.now(), policy=policy)
            codes.append(f.code)
        # The 信息中心 sample touches 办公室 too: its owner splits a part off for them (分解).
        parent = f
        commands.assign(session, actor=None, finding=parent, now=ctx.now(), policy=policy)
        owner = session.get(Person, parent.owner_id)
        assert owner is not None
        parts = split(session, actor=owner, finding=parent, now=ctx.now(), policy=policy,
                      parts=[Part(*DEMO_PART, due=parent.due_on)])
        return codes + [p.code for p in parts]
