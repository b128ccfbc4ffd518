from pathlib import Path

import pytest
from sqlmodel import func, select

from messages import RuleError
from models.people.directory import holders, person_by_email
from models.people.org import Membership, Person, Role, Unit, UnitKind
from models.people.orgfile import OrgFileError
from services.rulebook import load_org
from store.db import transaction


def test_demo_org_has_five_branches_each_with_a_secretary(engine):
    with transaction(engine) as s:
        branches = s.exec(select(Unit).where(Unit.kind == UnitKind.branch)).all()
        assert len(branches) == 5
        for b in branches:
            assert len(holders(s, Role.secretary, unit_id=b.id)) == 1
        assert {p.email.split("@")[1] for p in s.exec(select(Person))} == {"example.org"}
        assert len(holders(s, Role.inspector)) == 3


def test_bad_file_reports_every_problem_and_changes_nothing(engine, tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text(
        "units:\n"
        "  - {code: a, name: A, kind: branch, parent: nowhere}\n"
        "  - {code: b, name: B, kind: galaxy}\n"
        "people:\n"
        "  - {email: x@example.org, name: X, roles: [{unit: zz, role: secretary}]}\n"
        "  - {email: y@example.org, name: Y, roles: [{unit: a, role: boss}]}\n"
        "  - {name: no email}\n",
        encoding="utf-8",
    )
    with transaction(engine) as s:
        units_before = s.exec(select(func.count()).select_from(Unit)).one()
    with pytest.raises(OrgFileError) as err, transaction(engine) as s:
        load_org(s, path=bad)
    text = "\n".join(err.value.problems)
    for expected in ["units[1]: unknown parent 'nowhere'", "units[2] (b): kind must be",
                     "people[1].roles[1]: unknown unit 'zz'", "people[2].roles[1]: role must be",
                     "people[3]: needs 'email' and 'name'"]:
        assert expected in text
    with transaction(engine) as s:
        assert s.exec(select(func.count()).select_from(Unit)).one() == units_before


def test_reload_updates_in_place(engine, tmp_path):
    f = tmp_path / "org.yaml"
    f.write_text(
        "people:\n"
        "  - {email: Liang.Xue@example.org, name: 梁雪, active: false,"
        " roles: [{unit: zb-xinxi, role: owner}, {unit: zb-xinxi, role: owner}]}\n",
        encoding="utf-8",
    )
    with transaction(engine) as s:
        summary = load_org(s, path=f)
        assert summary.roles == 1
    with transaction(engine) as s:
        p = person_by_email(s, "liang.xue@example.org")
        assert p.active is False
        assert len(s.exec(select(Membership).where(Membership.person_id == p.id)).all()) == 1


def test_unreadable_yaml_is_a_clear_error(engine, tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("units: [unclosed", encoding="utf-8")
    with pytest.raises(RuleError) as err, transaction(engine) as s:
        load_org(s, path=f)
    assert err.value.key == "bad_file" and "broken.yaml" in err.value.render()
    with pytest.raises(RuleError) as err, transaction(engine) as s:
        load_org(s, path=Path(tmp_path / "missing.yaml"))
    assert err.value.key == "file_missing"


def test_channels_in_the_file_are_checked_whole_then_set(engine, tmp_path):
    from models.people.channels import Channel

    f = tmp_path / "org.yaml"
    f.write_text(
        "people:\n"
        "  - {email: gao.peng@example.org, name: 高鹏, roles: [{unit: zb-xinxi, role: secretary}],\n"
        "     channels: [{kind: dingtalk, token: tok-0123456789}, {kind: webhook, url: 'http://10.0.0.1/x'}]}\n",
        encoding="utf-8")
    with pytest.raises(OrgFileError) as err, transaction(engine) as s:
        load_org(s, path=f, allowed_hosts=("hooks.example.org",))
    text = "\n".join(err.value.problems)
    assert "people[1].channels[1].secret" in text and "people[1].channels[2].target" in text
    f.write_text(
        "people:\n"
        "  - {email: gao.peng@example.org, name: 高鹏, roles: [{unit: zb-xinxi, role: secretary}],\n"
        "     channels: [{kind: dingtalk, token: tok-0123456789, secret: SECabc, everything: true},\n"
        "                {kind: webhook, url: 'https://hooks.example.org/gao'}]}\n",
        encoding="utf-8")
    with transaction(engine) as s:
        load_org(s, path=f, allowed_hosts=("hooks.example.org",))
    with transaction(engine) as s:
        got = sorted((c.kind.value, c.target, c.secret, c.everything) for c in s.exec(select(Channel)))
    assert got == [("dingtalk", "tok-0123456789", "SECabc", True),
                   ("webhook", "https://hooks.example.org/gao", "", False)]
