"""What an attack must not change: a fingerprint of the ledger's rows (and the evidence store)."""

import hashlib
from pathlib import Path

from sqlalchemy import Engine, text

from store.db import reading

TABLES = ("finding", "event", "notification", "evidence", "evidencefile", "review", "extension", "spent_token",
          "person", "membership", "unit", "calendaroverride", "escalation", "alert")


def fingerprint(engine: Engine, evidence_dir: Path | None = None) -> dict[str, str]:
    """Each table's rows hashed in key order, and the stored evidence files by name."""
    prints = {}
    with reading(engine) as session:
        for table in TABLES:
            rows = session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            prints[table] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    if evidence_dir is not None:
        prints["evidence files"] = ",".join(sorted(p.name for p in evidence_dir.rglob("*") if p.is_file()))
    return prints
