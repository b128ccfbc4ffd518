"""Small helpers for rule tests: people by email, a fresh finding, the clock."""

from datetime import datetime

from sqlalchemy import Engine

from models.items import commands as cmd
from models.items.finding import Finding
from models.people.directory import finding_by_code, person_by_email
from models.people.org import Person
from models.policy import Policy
from store.db import transaction

INSPECTOR = "zhou.jing@example.org"
INSPECTOR2 = "wu.haitao@example.org"
SUPERVISOR = "sun.hongmei@example.org"
SECRETARY = "gao.peng@example.org"  # secretary of zb-xinxi
MEMBER = "liang.xue@example.org"  # owner role in zb-xinxi
OTHER_SECRETARY = "wang.jianguo@example.org"  # secretary of zb-bangongshi


def file_and_assign(engine: Engine, *, now: datetime, policy: Policy, owner: str | None = None,
                    unit: str = "zb-xinxi", manifestation: str = "lan-1", acknowledged: bool = False) -> str:
    """File and assign an item; with `acknowledged`, its owner signs for it (签收) at once."""
    with transaction(engine) as s:
        f = cmd.file(s, actor=person_by_email(s, INSPECTOR), unit=unit,
                             manifestation=manifestation, title="对群众诉求推诿", owner=owner,
                             now=now, policy=policy)
        cmd.assign(s, actor=None, finding=f, now=now, policy=policy)
        if acknowledged:
            cmd.acknowledge(s, actor=s.get(Person, f.owner_id), finding=f, now=now, policy=policy)
        return f.code


def load(engine: Engine, code: str) -> Finding:
    with transaction(engine) as s:
        return finding_by_code(s, code)
