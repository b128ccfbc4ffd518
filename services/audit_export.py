"""The audit trail for the discipline inspection group (纪检组): every event of the ledger's
hash chain, with the chain's head and anchor, signed, in a folder they can verify with the
bundle's own `verify.py` and the bureau's public key, away from the system."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from messages import RuleError
from models.audit.chain import GENESIS, ChainHead, Event
from models.instance import instance_id
from models.items.finding import Finding
from services import context as ctx
from store.audit_bundle import BundleFolderTaken, public_key_hex, write_bundle
from store.db import reading

FORMAT = "rectiflow audit bundle v1"


@dataclass(frozen=True)
class AuditExport:
    folder: Path
    events: int
    last_seq: int
    public_key: str  # hex; what the group checks the signature with


def audit_key() -> str:
    """The public key of this deployment's audit bundles (hex), to hand over once."""
    return public_key_hex(ctx.secret())


def export_audit(folder: Path) -> AuditExport:
    """Write every event of the chain, as it stands now, into `folder` (new or empty)."""
    secret = ctx.secret()
    key = public_key_hex(secret)
    with reading(ctx.database()) as session:  # one snapshot: the head and the events agree
        head = session.get(ChainHead, 1) or ChainHead(id=1)
        codes = dict(session.exec(select(col(Finding.id), Finding.code)).all())
        manifest = {"format": FORMAT, "ledger": instance_id(session), "exported_at": ctx.now().isoformat(),
                    "first_seq": 1, "last_seq": head.seq, "prev_hash": GENESIS, "last_hash": head.last_hash,
                    "anchor_mac": head.mac, "public_key": key}

        def lines() -> Iterator[dict[str, Any]]:
            query = select(Event).where(col(Event.seq) <= head.seq).order_by(col(Event.seq))
            for ev in session.exec(query.execution_options(yield_per=1000)):
                yield {"seq": ev.seq, "at": ev.at.isoformat(timespec="microseconds"), "finding_id": ev.finding_id,
                       "item": codes.get(ev.finding_id) if ev.finding_id is not None else None,
                       "actor": ev.actor, "kind": ev.kind, "data": dict(ev.data), "prev_hash": ev.prev_hash,
                       "hash": ev.hash}

        try:
            count = write_bundle(folder, lines(), manifest, secret=secret)
        except BundleFolderTaken:
            raise RuleError("folder_not_empty", field="out", value=str(folder)) from None
    return AuditExport(folder.resolve(), count, head.seq, key)
