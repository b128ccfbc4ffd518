"""Opening the ledger of a deployment: the schema from the migrations (store/), the rows
every ledger has and the audit anchor key from the rules (models/), so every process that
appends events keeps the anchor current."""

from functools import lru_cache

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from models.audit.chain import anchor_chain, ensure_chain_head, use_anchor_key
from models.instance import ensure_instance, instance_id
from models.links import anchor_key
from models.sealed import SealingKey, reseal, sealing_key, use_sealing_keys
from store import schema
from store.db import forget_plain_text, make_engine, transaction
from store.secret import load_secret
from store.settings import Settings, get_settings
from store.shared_folder import mark


def ensure_rows(conn: Connection) -> None:
    """The rows every ledger has: the audit chain's head and the ledger's identity."""
    with Session(bind=conn) as session:
        ensure_chain_head(session)
        ensure_instance(session)
        session.flush()


def create_schema(engine: Engine) -> None:
    """Create or upgrade the schema by its migrations, with the rows every ledger has (tests,
    benches and `rectiflow db upgrade`)."""
    schema.upgrade(engine, rows=ensure_rows)


def open_database(url: str) -> Engine:
    """The process's engine for a ledger URL. A new, empty database is created by the
    migrations; an existing one must already be at this version (`rectiflow db upgrade`)."""
    return schema.open_database(url, rows=ensure_rows)


def secret(settings: Settings) -> str:
    return load_secret(settings.secret_key, settings.data_dir)


def sealing_keys(settings: Settings) -> tuple[SealingKey, ...]:
    """The key that seals, then the one a rotation is moving away from (if any)."""
    current = _sealing_key(secret(settings))
    return (current, _sealing_key(settings.previous_secret_key)) if settings.previous_secret_key else (current,)


_sealing_key = lru_cache(sealing_key)


def database_for(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    use_anchor_key(anchor_key(secret(settings)))
    engine = open_database(settings.resolved_database_url)
    use_sealing_keys(*sealing_keys(settings), engine=engine)
    return engine


def seal_stored(session: Session, settings: Settings) -> int:
    """Seal every secret kept in plain text (a ledger from before sealing) or under the
    previous secret, under the current one."""
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (every table in the metadata)

    return reseal(session, list(SQLModel.metadata.sorted_tables), keys=sealing_keys(settings))


def upgrade_ledger(settings: Settings | None = None) -> tuple[str | None, str | None, bool]:
    """`rectiflow db upgrade` (and `rectiflow up` before it starts anything): create or
    upgrade the schema by its migrations, then anchor an intact chain that has no anchor.
    Returns (revision before: None for a new ledger, "0001" for one of rectiflow 0.1.0;
    after; whether the chain was anchored now). The shared folder gets the ledger's marker."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        before, after = schema.upgrade(engine, rows=ensure_rows)
        with transaction(engine) as session:
            anchored = anchor_chain(session, key=anchor_key(secret(settings)))
            sealed = seal_stored(session, settings)
            mark(settings.shared_dir, instance_id(session))
        if sealed:
            forget_plain_text(engine)
        return before, after, anchored
    finally:
        engine.dispose()


def schema_change(before: str | None, after: str | None) -> str:
    if before is None:
        return f"ledger created (schema {after})"
    if before == after:
        return f"ledger schema {after}: up to date"
    return f"ledger schema {before}{' (rectiflow 0.1.0)' if before == '0001' else ''} → {after}"
