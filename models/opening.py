"""Opening the ledger of a deployment: its engine, with the audit anchor key derived from
the deployment's secret, so every process that appends events keeps the anchor current."""

from sqlalchemy import Engine

from models.audit import anchor_chain, use_anchor_key
from models.db import make_engine, transaction
from models.instance import instance_id
from models.links import anchor_key
from models.schema import open_ledger, upgrade
from models.settings import Settings, get_settings
from models.shared_folder import mark


def ledger_for(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    use_anchor_key(anchor_key(settings.secret_key, settings.data_dir))
    return open_ledger(settings.ledger_url)


def upgrade_ledger(settings: Settings | None = None) -> tuple[str | None, str | None, bool]:
    """`rectiflow db upgrade` (and `rectiflow up` before it starts anything): create or
    upgrade the schema by its migrations, then anchor an intact chain that has no anchor.
    Returns (revision before: None for a new ledger, "0001" for one of rectiflow 0.1.0;
    after; whether the chain was anchored now). The shared folder gets the ledger's marker."""
    settings = settings or get_settings()
    engine = make_engine(settings.ledger_url)
    try:
        before, after = upgrade(engine)
        with transaction(engine) as session:
            anchored = anchor_chain(session, key=anchor_key(settings.secret_key, settings.data_dir))
            mark(settings.shared_dir, instance_id(session))
        return before, after, anchored
    finally:
        engine.dispose()


def schema_change(before: str | None, after: str | None) -> str:
    if before is None:
        return f"ledger created (schema {after})"
    if before == after:
        return f"ledger schema {after}: up to date"
    return f"ledger schema {before}{' (rectiflow 0.1.0)' if before == '0001' else ''} → {after}"
