"""The ledger's list filters run in the database and agree with what each row shows."""

from sqlalchemy import update

from models.items.finding import Finding, State
from models.ledger.views import LedgerQuery, ledger_views
from models.people.directory import person_by_email
from store.db import reading, transaction
from tests.conftest import at
from tests.models.helpers import SECRETARY, file_and_assign


def test_each_filter_selects_in_sql_what_the_rows_show(engine, policy):
    october = file_and_assign(engine, now=at("2026-10-30 10:00"), policy=policy)
    november = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, unit="zb-bangongshi")
    late = file_and_assign(engine, now=at("2026-11-03 10:00"), policy=policy)
    with transaction(engine) as s:
        s.execute(update(Finding).where(Finding.code == late).values(escalation_level=3))
        s.execute(update(Finding).where(Finding.code == november).values(state=State.closed))
        owner_id = person_by_email(s, SECRETARY).id
    now = at("2026-11-20 10:00")

    def codes(**q: object) -> list[str]:
        with reading(engine) as s:
            return [v.code for v in ledger_views(s, now=now, policy=policy, query=LedgerQuery(**q))]  # type: ignore[arg-type]

    assert codes() == [october, november, late]
    assert codes(unit="zb-bangongshi") == [november]
    assert codes(state="closed") == [november] and codes(state="nonsense") == []
    assert codes(colour="red") == [late] and codes(colour="none") == [october, november]
    assert codes(colour="purple") == []
    # The bureau's month: 2026-10-30 10:00 in Shanghai is October, whatever UTC says.
    assert codes(month="2026-10") == [october] and codes(month="2026-11") == [november, late]
    assert codes(month="2026-13") == [] and codes(month="soon") == []
    assert codes(owner_id=owner_id, states=(State.assigned, State.submitted)) == [october, late]
    with reading(engine) as s:
        red = ledger_views(s, now=now, policy=policy, query=LedgerQuery(colour="red"))
    assert [v.colour for v in red] == ["red"]
