"""The ledger's own identity: a random id made once, when its schema is created.

Prefect keys each case run by (ledger, code), so a fresh ledger beside an old Prefect
database never picks up an earlier ledger's run for the same code.
"""

from uuid import uuid4

from sqlmodel import Field, Session, SQLModel


class LedgerInstance(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    instance_id: str = Field(max_length=32)


def ensure_instance(session: Session) -> None:
    if session.get(LedgerInstance, 1) is None:
        session.add(LedgerInstance(id=1, instance_id=uuid4().hex))
        session.flush()


def instance_id(session: Session) -> str:
    row = session.get(LedgerInstance, 1)
    assert row is not None, "schema not created"
    return row.instance_id
