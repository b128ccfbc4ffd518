"""Compliance and tiers on hand-built months (window Sep-Nov 2026 for November)."""

from models.deadlines.escalation import Escalation
from models.items import commands as cmd
from models.notices.compliance import CompliancePolicy, month_compliance
from models.people.directory import finding_by_code, person_by_email
from services.rulebook import load_compliance_policy
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, file_and_assign

SECRETARIES = {"zb-bangongshi": "wang.jianguo@example.org", "zb-zhengce": "yang.fan@example.org",
               "zb-shenpi1": "zhu.wei@example.org", "zb-shenpi2": "he.qiang@example.org",
               "zb-xinxi": "gao.peng@example.org"}


def close(engine, policy, code: str, unit: str, when: str) -> None:
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        cmd.submit(s, actor=person_by_email(s, SECRETARIES[unit]), finding=f, account="已整改", files=[],
                   now=at(when), policy=policy)
        cmd.accept(s, actor=person_by_email(s, INSPECTOR), finding=f, now=at(when), policy=policy)


def test_targets_by_campaign_year():
    p = load_compliance_policy()
    assert p == CompliancePolicy()
    assert [p.target(2025, 12), p.target(2026, 1), p.target(2026, 12)] == [50, 50, 50]
    assert [p.target(2027, 1), p.target(2027, 12), p.target(2028, 1), p.target(2030, 5)] == [80, 80, 100, 100]
    assert [p.tier(90), p.tier(89), p.tier(60), p.tier(59)] == ["advanced", "middle", "middle", "lagging"]


def test_a_november(engine, policy):
    # zb-bangongshi: nothing found -> compliant, 100.
    # zb-zhengce: one item, closed before its due date -> compliant, 98.
    b = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, unit="zb-zhengce")  # due Nov 9
    close(engine, policy, b, "zb-zhengce", "2026-11-06 15:00")
    # zb-shenpi1: due Nov 9 and still open at month end -> not compliant, 100 - 10 - 2 = 88.
    file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, unit="zb-shenpi1")
    # zb-shenpi2: three problems in October, all closed on time -> too many; November itself is clean.
    for m in ("lan-1", "san-1", "fu-1"):
        c = file_and_assign(engine, now=at("2026-10-12 10:00"), policy=policy, unit="zb-shenpi2", manifestation=m)
        close(engine, policy, c, "zb-shenpi2", "2026-10-14 10:00")
    # zb-xinxi: a recurrence in November of a September problem -> not compliant, 100 - 2 - 10 = 88.
    e1 = file_and_assign(engine, now=at("2026-09-01 10:00"), policy=policy, unit="zb-xinxi")
    close(engine, policy, e1, "zb-xinxi", "2026-09-03 10:00")
    e2 = file_and_assign(engine, now=at("2026-11-20 10:00"), policy=policy, unit="zb-xinxi")  # due Nov 27
    close(engine, policy, e2, "zb-xinxi", "2026-11-25 10:00")
    with transaction(engine) as s:
        result = month_compliance(s, year=2026, month=11, policy=CompliancePolicy())
    by = {b.unit: b for b in result.branches}
    assert [by[u].compliant for u in SECRETARIES] == [True, True, False, False, False]
    assert (by["zb-bangongshi"].score, by["zb-zhengce"].score, by["zb-shenpi1"].score) == (100, 98, 88)
    assert (by["zb-shenpi2"].score, by["zb-xinxi"].score) == (100, 88)
    assert by["zb-shenpi1"].tier == "middle" and by["zb-zhengce"].tier == "advanced"
    assert any("未按期整改" in r for r in by["zb-shenpi1"].reasons)
    assert by["zb-shenpi2"].reasons == ["2026-10 发现 3 个问题（超过 2 个）"]
    assert by["zb-xinxi"].reasons == [f"{e2} 反弹"]
    assert (result.rate, result.target, result.met) == (40.0, 50, False)
    # By February the October burst and the September problem have left the window.
    with transaction(engine) as s:
        feb = month_compliance(s, year=2027, month=2, policy=CompliancePolicy())
    assert {b.unit: b.compliant for b in feb.branches}["zb-shenpi2"] is True
    assert feb.target == 80


def test_red_in_the_window_breaks_compliance(engine, policy):
    code = file_and_assign(engine, now=at("2026-10-01 10:00"), policy=policy, unit="zb-bangongshi")
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        s.add(Escalation(finding_id=f.id, level=3, due_on=f.due_on, days_overdue=10, at=at("2026-11-03 09:00")))
    close(engine, policy, code, "zb-bangongshi", "2026-11-10 10:00")
    with transaction(engine) as s:
        nov = month_compliance(s, year=2026, month=11, policy=CompliancePolicy())
    b = next(b for b in nov.branches if b.unit == "zb-bangongshi")
    assert not b.compliant and any("红色督办" in r for r in b.reasons)
    assert b.figures["red"] == 1 and b.figures["closed_late"] == 1 and b.score == 100 - 20 - 5
