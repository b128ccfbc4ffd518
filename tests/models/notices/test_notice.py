"""The notice's figures for a hand-built October, checked against plain SQL; the draft and
publishing rules."""

import pytest
from sqlmodel import select

from messages import RuleError
from models.deadlines.escalation import DeadlinePolicy
from models.notices.compliance import CompliancePolicy
from models.notices.figures import month_figures
from models.notices.notice import Notice, NoticeStatus, issuer_name, publish, publisher, recipients, save_draft
from models.outbox import Notification
from store.db import transaction
from tests.conftest import at
from tests.notice_month import build_october, count_in_sql


def october(engine, *, now: str = "2026-11-20 10:00"):
    with transaction(engine) as s:
        return month_figures(s, year=2026, month=10, now=at(now), compliance=CompliancePolicy(),
                             deadlines=DeadlinePolicy())


def test_october_figures_match_an_independent_count(engine, policy):
    codes = build_october(engine, policy)
    fig = october(engine)
    sql = count_in_sql(engine, year=2026, month=10)
    assert {k: fig.totals[k] for k in sql} == sql
    assert fig.totals == {"found": 4, "closed": 3, "closed_on_time": 2, "overdue": 1, "level1": 0, "level2": 0,
                          "level3": 1, "extensions": 1, "recurrences": 1, "unacknowledged": 2}
    rows = {b.unit: b for b in fig.branches}
    assert sum(b.found for b in fig.branches) == fig.totals["found"]
    assert (rows["zb-shenpi1"].level3, rows["zb-shenpi1"].overdue, rows["zb-shenpi1"].colour) == (1, 1, "red")
    assert (rows["zb-shenpi2"].closed, rows["zb-shenpi2"].closed_on_time) == (1, 0)
    assert (rows["zb-bangongshi"].extensions, rows["zb-bangongshi"].colour) == (1, "green")
    assert rows["zb-xinxi"].recurrences == 1 and not rows["zb-xinxi"].compliant
    assert [i.code for i in fig.red_items] == [codes["red"]] and fig.red_items[0].detail == "2026-10-09"
    # Only the early close on strong evidence is a good example (the recurrence's account is thin,
    # the late one was late).
    assert [g.code for g in fig.good_examples] == [codes["early"]]
    assert fig.good_examples[0].detail == "提前 3 个工作日销号，佐证材料 2 件"
    assert (fig.target, fig.compliance_rate, fig.target_met) == (50, 40.0, False)
    assert [p.month for p in fig.trend][0] == "2025-11" and fig.trend[-1].month == "2026-10"
    assert fig.trend[0].rate is None  # before the campaign began
    assert fig.trend[-3].rate is None and fig.trend[-2].rate is not None  # August: before the first finding
    assert (fig.trend[-2].found, fig.trend[-2].closed) == (2, 1)  # September
    assert (fig.trend[-1].found, fig.trend[-1].closed) == (4, 3)


def test_a_running_month_stands_at_now(engine, policy):
    build_october(engine, policy)
    fig = october(engine, now="2026-10-14 12:00")  # before the late item, the extension, the recurrence
    assert fig.as_of == "2026-10-14"
    assert (fig.totals["found"], fig.totals["closed"], fig.totals["recurrences"]) == (3, 1, 1)


def test_a_draft_is_replaced_until_published_then_frozen(engine, policy):
    with transaction(engine) as s:
        assert issuer_name(s, "") == "示范市行政审批服务局机关党委"
        assert issuer_name(s, "中共示范局机关委员会") == "中共示范局机关委员会"
        save_draft(s, month="2026-10", number="n", title="t", issuer="i", figures={"v": 1}, files={}, now=at(
            "2026-11-02 10:00"))
    with transaction(engine) as s:
        notice = save_draft(s, month="2026-10", number="n", title="t", issuer="i", figures={"v": 2}, files={},
                            now=at("2026-11-03 10:00"))
        assert (notice.builds, notice.figures) == (2, {"v": 2})
    with pytest.raises(RuleError, match="may not"):
        with transaction(engine) as s:
            publisher(s, "zhou.jing@example.org")  # an inspector
    with transaction(engine) as s:
        who = publisher(s, "sun.hongmei@example.org")
        _, mails = publish(s, month="2026-10", actor=who, now=at("2026-11-03 11:00"), language="zh",
                           mail_context={"month": "2026-10"})
        people = recipients(s)
    # Leadership (1), supervisors (2) and the five branch secretaries, once each.
    assert mails == len(people) == 8
    for attempt in ("draft", "publish"):
        with pytest.raises(RuleError, match="published on 2026-11-03 11:00 Beijing time"):
            with transaction(engine) as s:
                if attempt == "draft":
                    save_draft(s, month="2026-10", number="n", title="t", issuer="i", figures={"v": 3}, files={},
                               now=at("2026-11-04 10:00"))
                else:
                    publish(s, month="2026-10", actor=who, now=at("2026-11-04 10:00"), language="zh",
                            mail_context={})
    with transaction(engine) as s:
        [notice] = s.exec(select(Notice)).all()
        assert (notice.status, notice.figures, notice.published_by) == (NoticeStatus.published, {"v": 2},
                                                                        "sun.hongmei@example.org")
        assert len(s.exec(select(Notification)).all()) == 8


def test_publishing_without_a_draft_is_refused(engine):
    with pytest.raises(RuleError, match="no draft notice for 2026-09"):
        with transaction(engine) as s:
            publish(s, month="2026-09", actor="x", now=at("2026-10-01 10:00"), language="zh", mail_context={})
