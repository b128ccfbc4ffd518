"""Keeping the access records as long as the audit needs and no longer: sign-in attempts,
ended or expired portal sessions and spent single-use tokens older than the retention
period are removed, and the text of mail delivered that long ago is emptied; nothing
younger than the configured minimum (180 days by default, never less) ever is. The
hash-chained audit log is not touched: it is the history."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, Delete, delete, or_
from sqlmodel import col, select

from messages import RuleError
from models.access.attempts import SignInAttempt
from models.access.sessions import PortalSession
from models.links import SpentToken
from models.outbox import MailStatus, Notification
from services import context as ctx
from store.db import transaction

MIN_DAYS = 180


@dataclass(frozen=True)
class Pruned:
    days: int
    attempts: int
    sessions: int
    tokens: int
    mail_texts: int  # delivered mail whose text was emptied (the row stays: to whom, what, when)


def prune(keep_days: int | None = None) -> Pruned:
    """Remove access records older than `keep_days` (default: the setting); refused below
    the setting, which itself is never under 180 days."""
    floor = ctx.settings().audit_retention_days
    days = floor if keep_days is None else keep_days
    if days < floor:
        raise RuleError("retention_too_short", field="keep-days", value=days, limit=floor)
    before = ctx.now() - timedelta(days=days)
    with transaction(ctx.database()) as session:
        def removed(statement: Delete) -> int:
            result: CursorResult[Any] = session.connection().execute(statement)
            return result.rowcount

        attempts = removed(delete(SignInAttempt).where(col(SignInAttempt.at) < before))
        sessions = removed(delete(PortalSession).where(or_(
            col(PortalSession.ended_at) < before,
            (col(PortalSession.ended_at).is_(None)) & (col(PortalSession.expires_at) < before))))
        tokens = removed(delete(SpentToken).where(col(SpentToken.spent_at) < before))
        # Mail delivered (or cancelled) long ago keeps its record but not its text: the names
        # and item titles it carried are personal data the audit does not need twice.
        old_mail = list(session.exec(select(Notification).where(
            col(Notification.status).in_([MailStatus.sent, MailStatus.cancelled]),
            col(Notification.created_at) < before)))
        emptied = 0
        for row in old_mail:
            if row.context:
                row.context = {}
                session.add(row)
                emptied += 1
    return Pruned(days, attempts, sessions, tokens, emptied)
