"""Every ledger table, imported in one place so the metadata is complete."""

from models.alerts import Alert
from models.audit import ChainHead, Event
from models.calendar import CalendarOverride
from models.catalogue import Group, Manifestation
from models.codes import CodeCounter
from models.escalation import Escalation
from models.evidence import Evidence, EvidenceFile, Review
from models.extension import Extension
from models.finding import Finding
from models.instance import LedgerInstance
from models.links import SpentToken
from models.notice import Notice
from models.org import Membership, Person, Unit
from models.outbox import Notification
from models.round import Round, RoundAssignment, RoundResult

__all__ = [
    "Alert", "CalendarOverride", "ChainHead", "CodeCounter", "Escalation", "Event", "Evidence", "EvidenceFile",
    "Extension", "Finding", "Group", "LedgerInstance", "Manifestation", "Membership", "Notice", "Notification",
    "Person", "Review", "Round", "RoundAssignment", "RoundResult", "SpentToken", "Unit",
]
