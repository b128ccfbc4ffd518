"""Every ledger table, imported in one place so the metadata is complete."""

from models.audit import ChainHead, Event
from models.calendar import CalendarOverride
from models.catalogue import Group, Manifestation
from models.codes import CodeCounter
from models.evidence import Evidence, EvidenceFile, Review
from models.finding import Finding
from models.instance import LedgerInstance
from models.org import Membership, Person, Unit
from models.outbox import Notification

__all__ = [
    "CalendarOverride", "ChainHead", "CodeCounter", "Event", "Evidence", "EvidenceFile",
    "Finding", "Group", "LedgerInstance", "Manifestation", "Membership", "Notification", "Person", "Review", "Unit",
]
